//! The Helm plugins, the Argo CD Config Management Plugin and the GitOps CI step.
//!
//! Both `plugin.yaml` files are checked against Helm 4's plugin.yaml rules (written out below, by
//! the checks that hold them), and the GitOps CI script runs with a fake `gh`. Real Helm runs
//! the plugins in tests/helm.rs and tests/helm_diff.rs, the Argo CD plugin's scripts in
//! tests/argocd.rs.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stowage() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_stowage"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("testdata/plugins").join(name)
}

/// PATH with the stowage binary's directory first (and `extra` before it).
fn path_with(extra: &[&Path]) -> String {
    let mut dirs: Vec<PathBuf> = extra.iter().map(|p| p.to_path_buf()).collect();
    dirs.push(stowage().parent().unwrap().to_path_buf());
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap().into_string().unwrap()
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "stowage-plugins-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the script runs");
    eprintln!(
        "{:?}\n  exit: {:?}\n  stderr: {}",
        cmd,
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A log written by the fake `gh`: one argv per `--- call` line.
fn calls(log: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.split("--- call\n")
        .filter(|c| !c.is_empty())
        .map(|c| c.lines().map(str::to_owned).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// plugin.yaml rules (Helm 4, apiVersion v1), as Helm 4's loader applies them

fn load_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let ours = stowage_core::yaml::parse_value(&text, stowage_core::yaml::Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    // An independent reader agrees on the value.
    let judge: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(ours, judge, "{}", path.display());
    ours
}

/// `^[A-Za-z0-9_-]+$`
fn valid_plugin_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Semantic Versioning 2.0.0 as Masterminds `StrictNewVersion` reads it: MAJOR.MINOR.PATCH, no
/// leading `v`, no leading zeros, optional `-prerelease` and `+build`.
fn strict_semver(v: &str) -> bool {
    fn numeric(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    }
    fn ident(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| numeric(p))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|i| ident(i) && (!i.bytes().all(|b| b.is_ascii_digit()) || numeric(i)))
        })
        && build.is_none_or(|b| b.split('.').all(ident))
}

#[test]
fn semver_and_name_checks_are_the_documented_ones() {
    for good in [
        "0.1.0",
        "1.2.3",
        "10.20.30",
        "1.0.0-rc.1",
        "1.0.0-alpha-1+build.5",
        "0.0.0+x",
    ] {
        assert!(strict_semver(good), "{good}");
    }
    for bad in [
        "v0.1.0",
        "0.1",
        "1",
        "01.0.0",
        "1.02.0",
        "1.0.0-",
        "1.0.0-01",
        "1.0.0+",
        "1.0.0-a..b",
        "",
    ] {
        assert!(!strict_semver(bad), "{bad}");
    }
    for good in ["stowage", "stowage-diff", "a_b-C9"] {
        assert!(valid_plugin_name(good), "{good}");
    }
    for bad in ["", "stowage diff", "stowage.diff", "stöwage", "a/b"] {
        assert!(!valid_plugin_name(bad), "{bad}");
    }
}

fn as_map<'a>(v: &'a Value, what: &str) -> &'a serde_json::Map<String, Value> {
    v.as_object()
        .unwrap_or_else(|| panic!("{what} must be a mapping, not {v}"))
}

/// Checks a list of platform commands (`platformCommand` or one hook event) and returns the
/// command and args per OS.
fn check_platform_commands(
    plugin_dir: &Path,
    list: &Value,
    what: &str,
) -> Vec<(String, String, Vec<String>)> {
    let list = list
        .as_array()
        .unwrap_or_else(|| panic!("{what} must be a list"));
    assert!(!list.is_empty(), "{what} is empty");
    let mut out = vec![];
    for entry in list {
        let entry = as_map(entry, what);
        for key in entry.keys() {
            assert!(
                ["os", "arch", "command", "args"].contains(&key.as_str()),
                "{what}: unknown key `{key}`"
            );
        }
        let os = entry.get("os").and_then(Value::as_str).unwrap_or("");
        let command = entry
            .get("command")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{what}: every entry needs a `command` string"));
        // Helm splits `command` on single spaces before expanding variables.
        assert!(
            !command.is_empty() && !command.contains(' '),
            "{what}: command {command:?} (put arguments in `args`)"
        );
        let args: Vec<String> = match entry.get("args") {
            None => vec![],
            Some(a) => a
                .as_array()
                .unwrap_or_else(|| panic!("{what}: args must be a list"))
                .iter()
                .map(|s| {
                    s.as_str()
                        .unwrap_or_else(|| panic!("{what}: args must be strings"))
                        .to_owned()
                })
                .collect(),
        };
        // Files the plugin ships (bin/ is built at install) exist, and are executable on Unix.
        for path in std::iter::once(command).chain(args.iter().map(String::as_str)) {
            if let Some(rel) = path.strip_prefix("${HELM_PLUGIN_DIR}") {
                let rel = rel.trim_start_matches(['/', '\\']).replace('\\', "/");
                if rel == "bin/stowage" || rel == "bin/stowage.exe" {
                    continue; // built by the install hook
                }
                let file = plugin_dir.join(&rel);
                assert!(file.is_file(), "{what}: {} does not exist", file.display());
                if os != "windows" && path == command {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
                    assert!(mode & 0o111 != 0, "{} must be executable", file.display());
                }
            }
        }
        out.push((os.to_owned(), command.to_owned(), args));
    }
    for os in ["linux", "darwin", "windows"] {
        assert!(
            out.iter().any(|(o, _, _)| o.eq_ignore_ascii_case(os)),
            "{what}: no entry for {os}; Helm fails with `no plugin command is applicable`"
        );
    }
    out
}

/// The rules every apiVersion v1 plugin.yaml follows; returns the parsed file.
fn check_v1_plugin(dir: &Path, plugin_type: &str) -> Value {
    let file = dir.join("plugin.yaml");
    let doc = load_yaml(&file);
    let what = file.display().to_string();
    let top = as_map(&doc, &what);
    // Strict decoding (KnownFields): any other top-level key makes Helm skip the plugin.
    let allowed = [
        "apiVersion",
        "name",
        "type",
        "runtime",
        "version",
        "sourceURL",
        "config",
        "runtimeConfig",
    ];
    for key in top.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "{what}: unknown top-level key `{key}`"
        );
    }
    for key in ["apiVersion", "name", "type", "runtime", "version"] {
        assert!(
            top.get(key).is_some_and(Value::is_string),
            "{what}: `{key}` must be a string"
        );
    }
    assert_eq!(top["apiVersion"], "v1", "{what}");
    assert_eq!(top["type"], plugin_type, "{what}");
    assert_eq!(top["runtime"], "subprocess", "{what}");
    let name = top["name"].as_str().unwrap();
    assert!(valid_plugin_name(name), "{what}: name {name:?}");
    let version = top["version"].as_str().unwrap();
    assert!(
        strict_semver(version),
        "{what}: version {version:?} is not strict semver"
    );
    if let Some(url) = top.get("sourceURL") {
        assert!(url.is_string(), "{what}: sourceURL");
    }

    let runtime = as_map(&top["runtimeConfig"], "runtimeConfig");
    for key in runtime.keys() {
        assert!(
            ["platformCommand", "platformHooks"].contains(&key.as_str()),
            "{what}: runtimeConfig.{key} is not a subprocess runtime key"
        );
    }
    check_platform_commands(
        dir,
        &runtime["platformCommand"],
        "runtimeConfig.platformCommand",
    );
    if let Some(hooks) = runtime.get("platformHooks") {
        for (event, list) in as_map(hooks, "platformHooks") {
            assert!(
                ["install", "update", "delete"].contains(&event.as_str()),
                "{what}: unknown hook event `{event}`"
            );
            check_platform_commands(dir, list, &format!("platformHooks.{event}"));
        }
    }
    doc
}

#[test]
fn post_renderer_plugin_yaml_follows_helm4_rules() {
    let doc = check_v1_plugin(root(), "postrenderer/v1");
    assert_eq!(doc["name"], "stowage", "README: `--post-renderer stowage`");
    // postrenderer/v1 has no config fields: strict since Helm 4.1.
    if let Some(config) = doc.get("config") {
        assert!(
            config.is_null() || config.as_object().is_some_and(|m| m.is_empty()),
            "config must be empty or absent for postrenderer/v1, not {config}"
        );
    }
    let cmds = check_platform_commands(
        root(),
        &doc["runtimeConfig"]["platformCommand"],
        "platformCommand",
    );
    for (os, command, args) in cmds {
        // --post-renderer-args are appended after these args: `post-render` must be the first.
        assert_eq!(args, ["post-render"], "{os}");
        if os == "windows" {
            // Windows cannot exec scripts (helm#10180): a native .exe.
            assert_eq!(command, r"${HELM_PLUGIN_DIR}\bin\stowage.exe");
        } else {
            // tests/helm.rs runs it with real Helm 4.
            assert_eq!(command, "${HELM_PLUGIN_DIR}/bin/stowage", "{os}");
        }
    }
    assert!(
        doc["runtimeConfig"]["platformHooks"]
            .get("install")
            .is_some(),
        "the install hook builds bin/stowage"
    );
}

#[test]
fn diff_plugin_yaml_follows_helm4_rules() {
    let dir = root().join("helm-plugin-diff");
    let doc = check_v1_plugin(&dir, "cli/v1");
    let config = as_map(&doc["config"], "config");
    for (key, value) in config {
        match key.as_str() {
            "usage" | "shortHelp" | "longHelp" => assert!(value.is_string(), "config.{key}"),
            "ignoreFlags" => assert_eq!(value, &Value::Bool(false), "flags reach the script"),
            other => panic!("config.{other} is not a cli/v1 key (strict since Helm 4.1)"),
        }
    }
    for key in ["usage", "shortHelp", "longHelp", "ignoreFlags"] {
        assert!(config.contains_key(key), "config.{key}");
    }
    let usage = config["usage"].as_str().unwrap();
    assert!(usage.starts_with(doc["name"].as_str().unwrap()), "{usage}");
}

#[test]
fn the_two_plugins_have_different_names_and_directories() {
    let post = load_yaml(&root().join("plugin.yaml"));
    let cli = load_yaml(&root().join("helm-plugin-diff/plugin.yaml"));
    // Two plugins claiming one name break Helm's plugin lookup.
    assert_ne!(post["name"], cli["name"]);
    assert_eq!(cli["name"], "stowage-diff");
    // Helm's own command names are taken.
    let helm_commands = [
        "completion",
        "create",
        "dependency",
        "env",
        "get",
        "help",
        "history",
        "install",
        "lint",
        "list",
        "package",
        "plugin",
        "pull",
        "push",
        "registry",
        "repo",
        "rollback",
        "search",
        "show",
        "status",
        "template",
        "test",
        "uninstall",
        "upgrade",
        "verify",
        "version",
        "diff",
    ];
    assert!(!helm_commands.contains(&cli["name"].as_str().unwrap()));
}

#[test]
fn install_hooks_are_valid_scripts() {
    let out = run(Command::new("bash")
        .arg("-n")
        .arg(root().join("scripts/helm-plugin-install")));
    assert!(out.status.success());
    let cmd = std::fs::read(root().join("scripts/helm-plugin-install.cmd")).unwrap();
    assert!(
        cmd.windows(2).filter(|w| w == b"\r\n").count()
            == cmd.iter().filter(|&&b| b == b'\n').count(),
        "a .cmd file has CRLF line endings"
    );
    for script in [
        "helm-plugin-diff/bin/stowage-diff",
        "examples/argocd/generate.sh",
        "examples/gitops-ci/stowage-diff.sh",
    ] {
        let out = run(Command::new("sh").arg("-n").arg(root().join(script)));
        assert!(out.status.success(), "{script}");
    }
}

// ---------------------------------------------------------------------------------------------
// Argo CD Config Management Plugin

fn argocd_plugin() -> Value {
    load_yaml(&root().join("examples/argocd/plugin.yaml"))
}

/// The body of generate.sh: the file minus its leading `#` lines.
fn generate_body() -> String {
    let text = std::fs::read_to_string(root().join("examples/argocd/generate.sh")).unwrap();
    text.lines()
        .skip_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn argocd_plugin_yaml_is_a_config_management_plugin_running_generate_sh() {
    let doc = argocd_plugin();
    assert_eq!(doc["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(doc["kind"], "ConfigManagementPlugin");
    assert_eq!(doc["metadata"]["name"], "stowage");
    let generate = &doc["spec"]["generate"];
    assert_eq!(generate["command"], serde_json::json!(["sh", "-c"]));
    assert_eq!(
        generate["args"][0].as_str().unwrap(),
        generate_body(),
        "plugin.yaml and generate.sh differ"
    );
    assert!(doc["spec"]["discover"].is_object());
    let params: Vec<&str> = doc["spec"]["parameters"]["static"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["helm-args", "stowage-values"]);

    // The repo-server patch: the documented sidecar shape.
    let patch = load_yaml(&root().join("examples/argocd/repo-server-patch.yaml"));
    assert_eq!(patch["metadata"]["name"], "argocd-repo-server");
    let sidecar = &patch["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        sidecar["command"],
        serde_json::json!(["/var/run/argocd/argocd-cmp-server"])
    );
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(sidecar["securityContext"]["runAsNonRoot"], true);
    let mounts: BTreeSet<(&str, &str)> = sidecar["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["mountPath"].as_str().unwrap(),
            )
        })
        .collect();
    for (name, path) in [
        ("var-files", "/var/run/argocd"),
        ("plugins", "/home/argocd/cmp-server/plugins"),
        (
            "stowage-cmp-config",
            "/home/argocd/cmp-server/config/plugin.yaml",
        ),
        ("stowage-cmp-tmp", "/tmp"),
    ] {
        assert!(
            mounts.contains(&(name, path)),
            "{name} at {path}: {mounts:?}"
        );
    }
    let volumes = &patch["spec"]["template"]["spec"]["volumes"];
    assert_eq!(volumes[0]["configMap"]["name"], "stowage-cmp-config");
    assert!(volumes[1]["emptyDir"].is_object());
    // The ConfigMap holds plugin.yaml under that key.
    let kustomization = load_yaml(&root().join("examples/argocd/kustomization.yaml"));
    assert_eq!(
        kustomization["configMapGenerator"][0]["name"],
        "stowage-cmp-config"
    );
    assert_eq!(
        kustomization["configMapGenerator"][0]["files"][0],
        "plugin.yaml"
    );
}

// ---------------------------------------------------------------------------------------------
// GitOps CI

#[test]
fn gitops_ci_workflow_runs_the_script_with_fail_on_danger() {
    // Not through stowage's reader: it reads YAML 1.1 as Kubernetes does, where the key `on` is `true`.
    let workflow: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root().join("examples/gitops-ci/workflow.yaml")).unwrap(),
    )
    .unwrap();
    assert!(workflow["on"]["pull_request"].is_object());
    let steps = workflow["jobs"]["volume-diff"]["steps"].as_array().unwrap();
    let step = steps
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("stowage-diff.sh"))
        })
        .expect("a step runs stowage-diff.sh");
    assert_eq!(step["env"]["FAIL_ON"], "danger");
    assert!(step["env"]["PR_NUMBER"].is_string() && step["env"]["GH_TOKEN"].is_string());
    assert_eq!(workflow["permissions"]["pull-requests"], "write");
    let script =
        std::fs::read_to_string(root().join("examples/gitops-ci/stowage-diff.sh")).unwrap();
    assert!(script.contains("gh pr comment \"$PR_NUMBER\" --body-file"));
    assert!(script.contains("--output markdown --fail-on \"$fail_on\""));
}

#[test]
fn gitops_ci_script_comments_the_markdown_report_and_fails_on_danger() {
    let scratch = Scratch::new("gitops");
    let repo = scratch.path("repo");
    let bin = scratch.path("bin");
    std::fs::create_dir_all(repo.join("rendered")).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    let gh = bin.join("gh");
    std::fs::write(
        &gh,
        "#!/bin/sh\n{ echo \"--- call\"; for a in \"$@\"; do printf '%s\\n' \"$a\"; done; } >>\"$GH_LOG\"\ncp \"$5\" \"$GH_BODY\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let git = |args: &[&str]| {
        let out = run(Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&repo));
        assert!(out.status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::copy(
        fixture("release-previous.yaml"),
        repo.join("rendered/app.yaml"),
    )
    .unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "base"]);
    git(&["checkout", "-qb", "pr"]);
    std::fs::copy(
        fixture("release-current.yaml"),
        repo.join("rendered/app.yaml"),
    )
    .unwrap();
    git(&["commit", "-qam", "move outputs"]);

    let script = root().join("examples/gitops-ci/stowage-diff.sh");
    let run_ci = |fail_on: &str, pr: bool| {
        let mut cmd = Command::new(&script);
        cmd.current_dir(&repo)
            .env("PATH", path_with(&[&bin]))
            .env("TMPDIR", &scratch.0)
            .env("BASE_REF", "main")
            .env("FAIL_ON", fail_on)
            .env("GH_LOG", scratch.path("gh.log"))
            .env("GH_BODY", scratch.path("gh-body.md"))
            .env("GITHUB_STEP_SUMMARY", scratch.path("summary.md"))
            .env("NO_COLOR", "1")
            .env_remove("PR_NUMBER");
        if pr {
            cmd.env("PR_NUMBER", "42");
        }
        run(&mut cmd)
    };
    let out = run_ci("danger", true);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the outputs claim moved: danger"
    );
    let report = std::fs::read_to_string(repo.join("stowage-diff.md")).unwrap();
    assert!(
        report.contains("outputs-old-pvc") && report.contains("rendered/app.yaml"),
        "{report}"
    );
    assert_eq!(text(&out.stdout), report);
    let gh_calls = calls(&scratch.path("gh.log"));
    assert_eq!(
        gh_calls,
        [["pr", "comment", "42", "--body-file", "stowage-diff.md"]]
    );
    assert_eq!(
        std::fs::read_to_string(scratch.path("gh-body.md")).unwrap(),
        report
    );
    assert!(
        std::fs::read_to_string(scratch.path("summary.md"))
            .unwrap()
            .contains(&report)
    );

    // Without a PR number nothing is posted.
    let _ = std::fs::remove_file(scratch.path("gh.log"));
    let out = run_ci("danger", false);
    assert_eq!(out.status.code(), Some(3));
    assert!(calls(&scratch.path("gh.log")).is_empty());
}
