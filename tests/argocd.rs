//! The Argo CD Config Management Plugin (examples/argocd/plugin.yaml) with real Helm: its
//! `discover`, `init` and `generate` scripts, taken from plugin.yaml, run as Argo CD's cmp-server
//! runs them (`sh -c` in the app's folder, a clean environment holding what Argo CD v3.5.1 gives
//! a plugin: ARGOCD_APP_* from reposerver/repository/repository.go:1827-1841, KUBE_VERSION and
//! KUBE_API_VERSIONS from :2273-2283, the plugin env as ARGOCD_ENV_* and parameters as PARAM_*
//! from :2286-2310). Argo CD v3.4 bundles Helm 3.19, v3.5 Helm 4.2 (hack/tool-versions.sh): both
//! majors run. The repo-server itself cannot run here: this is the one part of it that is not the
//! real thing (README).

mod clients;
mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use clients::{Out, STOWAGE, Scratch, bin_dir, ok, root, run, run_with, tool};
use serde_json::Value;

fn plugin() -> Value {
    let text = std::fs::read_to_string(root().join("examples/argocd/plugin.yaml")).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// The `sh -c` text of plugin.yaml's `spec.<pointer>`.
fn script(pointer: &str) -> String {
    let p = plugin();
    let cmd = p.pointer(&format!("/spec/{pointer}")).unwrap();
    assert_eq!(cmd["command"], serde_json::json!(["sh", "-c"]), "{pointer}");
    cmd["args"][0].as_str().unwrap().to_string()
}

/// The cluster Argo CD reports (its controller asks the destination cluster).
const KUBE_VERSION: &str = "1.29.4";
const KUBE_API_VERSIONS: &str = "v1,apps/v1,batch/v1,example.com/v1,example.com/v1/TrainingRun";

/// An app folder (a copy of the chart, plus the config file) and the sidecar around it: `helm`
/// (Helm `major`) and `stowage` on PATH, HELM_*_HOME and TMPDIR under the scratch folder as
/// repo-server-patch.yaml sets them.
struct Sidecar {
    major: u8,
    scratch: Scratch,
    app: PathBuf,
    env: Vec<(String, String)>,
}

impl Sidecar {
    fn new(tag: &str, major: u8) -> Sidecar {
        let scratch = Scratch::new(&format!("argocd-{tag}-helm{major}"));
        let app = scratch.path().join("repo/charts/trainer");
        common::copy_tree(&root().join("testdata/charts/trainer"), &app);
        std::fs::copy(
            root().join("testdata/charts/persistence.yaml"),
            app.join("persistence.yaml"),
        )
        .unwrap();
        let bin = bin_dir(
            scratch.path(),
            &[
                ("helm", &tool(&format!("helm{major}"))),
                ("stowage", Path::new(STOWAGE)),
            ],
        );
        let tmp = scratch.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let s = |p: &Path| p.to_str().unwrap().to_string();
        let env = [
            ("PATH", format!("{}:/usr/bin:/bin", s(&bin))),
            ("TMPDIR", s(&tmp)),
            ("HELM_CACHE_HOME", s(&tmp.join("helm/cache"))),
            ("HELM_CONFIG_HOME", s(&tmp.join("helm/config"))),
            ("HELM_DATA_HOME", s(&tmp.join("helm/data"))),
            // An Application in namespace `team-a`, not Argo CD's: `<namespace>_<name>`.
            ("ARGOCD_APP_NAME", "team-a_trainer".to_string()),
            ("ARGOCD_APP_NAMESPACE", "ml".to_string()),
            ("ARGOCD_APP_PROJECT_NAME", "default".to_string()),
            ("ARGOCD_APP_REVISION", "0123456789abcdef".to_string()),
            ("ARGOCD_APP_SOURCE_PATH", "charts/trainer".to_string()),
            ("KUBE_VERSION", KUBE_VERSION.to_string()),
            ("KUBE_API_VERSIONS", KUBE_API_VERSIONS.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Sidecar {
            major,
            scratch,
            app,
            env,
        }
    }

    fn set(&mut self, key: &str, value: &str) -> &mut Sidecar {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// plugin.yaml's `spec.<pointer>` script, in the app folder with exactly this environment.
    fn sh(&self, pointer: &str) -> Out {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(script(pointer))
            .current_dir(&self.app)
            .env_clear();
        for (k, v) in &self.env {
            c.env(k, v);
        }
        let o = run(&mut c);
        let left: Vec<_> = std::fs::read_dir(self.scratch.path().join("tmp"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("stowage-cmp"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
        o
    }

    fn discovers(&self) -> bool {
        let o = self.sh("discover/find");
        assert_eq!(o.code, 0, "{}", o.stderr);
        !o.stdout.trim().is_empty()
    }

    /// What Argo CD's built-in Helm runs for this app (util/helm/cmd.go:436-465 of v3.5.1: the
    /// release name without the namespace, --namespace only when set, --kube-version,
    /// --api-versions per entry, --include-crds), then `stowage post-render` as the README says.
    fn builtin_then_stowage(&self, helm_args: &[&str], stowage_args: &[&str]) -> String {
        let get = |k: &str| {
            self.env
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let namespace = get("ARGOCD_APP_NAMESPACE").unwrap_or_default();
        let mut c = Command::new(tool(&format!("helm{}", self.major)));
        c.args(["template", ".", "--name-template", "trainer"]);
        if !namespace.is_empty() {
            c.args(["--namespace", &namespace]);
        }
        c.args(["--kube-version", KUBE_VERSION]);
        for a in KUBE_API_VERSIONS.split(',') {
            c.args(["--api-versions", a]);
        }
        c.arg("--include-crds")
            .args(helm_args)
            .current_dir(&self.app);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        let rendered = ok(&mut c);
        let mut s = Command::new(STOWAGE);
        s.arg("post-render")
            .args(stowage_args)
            .current_dir(&self.app);
        let o = clients::run_with(&mut s, rendered.as_bytes());
        assert_eq!(o.code, 0, "{}", o.stderr);
        o.stdout
    }
}

/// The in-stream config: the chart's templates/stowage.yaml renders Helm's `persistence` value.
#[test]
fn generate_with_the_in_stream_config_matches_argo_cds_helm_then_stowage() {
    for major in [3, 4] {
        let mut sc = Sidecar::new("stream", major);
        let helm_args =
            "--values persistence.yaml --set persistence.outputs.outputs2.existingClaim=run-7-pvc";
        sc.set("ARGOCD_ENV_HELM_ARGS", helm_args);
        assert!(sc.discovers(), "the chart has templates/stowage.yaml");
        let o = sc.sh("generate");
        assert_eq!(o.code, 0, "helm{major}: {}", o.stderr);
        let expected = sc.builtin_then_stowage(
            &helm_args.split(' ').collect::<Vec<_>>(),
            &["--namespace", "ml"],
        );
        assert_eq!(o.stdout, expected, "helm{major}");
        let out = &o.stdout;
        // Release `trainer`, the cluster's version and APIs, the CRD, the injection.
        assert!(out.contains("name: trainer-api"), "{out}");
        assert!(out.contains("KUBE_VERSION: \"v1.29.4\""), "{out}");
        assert!(out.contains("kind: TrainingRun"), "{out}");
        assert!(out.contains("kind: CustomResourceDefinition"), "{out}");
        assert!(
            out.contains("/outputs/2/ml/trainer-api") && out.contains("run-7-pvc"),
            "{out}"
        );
        assert!(!out.contains("kind: Persistence"), "{out}");
    }
}

/// The values-file mode on a chart without templates/stowage.yaml: discovery must still match,
/// or Argo CD refuses the plugin the Application names. Parameters (PARAM_*) work like env; an
/// empty destination namespace gives neither command --namespace.
#[test]
fn generate_with_stowage_values_and_no_namespace() {
    for major in [3, 4] {
        let mut sc = Sidecar::new("values", major);
        std::fs::remove_file(sc.app.join("templates/stowage.yaml")).unwrap();
        assert!(!sc.discovers(), "nothing says stowage yet");
        sc.set("PARAM_STOWAGE_VALUES", "persistence.yaml");
        assert!(sc.discovers(), "PARAM_STOWAGE_VALUES");
        sc.set("ARGOCD_ENV_STOWAGE_VALUES", "persistence.yaml")
            .set("PARAM_STOWAGE_VALUES", "")
            .set(
                "ARGOCD_ENV_HELM_ARGS",
                "--set image=example/trainer:2.0 *.yaml",
            )
            .set("ARGOCD_APP_NAMESPACE", "");
        assert!(sc.discovers(), "ARGOCD_ENV_STOWAGE_VALUES");
        std::fs::write(sc.app.join("values-glob.yaml"), "workers: 1\n").unwrap();
        // `*.yaml` is a values file name for Helm, never a glob: Helm fails on it.
        let o = sc.sh("generate");
        assert_ne!(o.code, 0);
        assert!(o.stdout.is_empty());
        assert!(o.stderr.contains("*.yaml"), "{}", o.stderr);

        sc.set("ARGOCD_ENV_HELM_ARGS", "--set image=example/trainer:2.0");
        let o = sc.sh("generate");
        assert_eq!(o.code, 0, "helm{major}: {}", o.stderr);
        let expected = sc.builtin_then_stowage(
            &["--set", "image=example/trainer:2.0"],
            &["--values", "persistence.yaml"],
        );
        assert_eq!(o.stdout, expected, "helm{major}");
        assert!(o.stdout.contains("example/trainer:2.0"));
        assert!(
            o.stdout.contains("/outputs/2/default/trainer-api"),
            "{}",
            o.stdout
        );
    }
}

#[test]
fn generate_fails_whole_never_with_partial_output() {
    let mut sc = Sidecar::new("fails", 4);
    // A broken config: stowage's message on stderr, nothing on stdout.
    let text = std::fs::read_to_string(sc.app.join("persistence.yaml")).unwrap();
    std::fs::write(
        sc.app.join("broken.yaml"),
        text.replace("existingClaim:", "existingClam:"),
    )
    .unwrap();
    sc.set("ARGOCD_ENV_STOWAGE_VALUES", "broken.yaml");
    let o = sc.sh("generate");
    assert_ne!(o.code, 0);
    assert!(o.stdout.is_empty());
    assert!(
        o.stderr.contains("did you mean `existingClaim`"),
        "{}",
        o.stderr
    );
    // No config at all (no persistence value, no STOWAGE_VALUES).
    sc.set("ARGOCD_ENV_STOWAGE_VALUES", "");
    let o = sc.sh("generate");
    assert_ne!(o.code, 0);
    assert!(o.stdout.is_empty());
    // Helm fails.
    sc.set("ARGOCD_ENV_HELM_ARGS", "--values missing.yaml");
    let o = sc.sh("generate");
    assert_ne!(o.code, 0);
    assert!(o.stdout.is_empty());
    assert!(o.stderr.contains("missing.yaml"), "{}", o.stderr);
    // A chart that renders only the in-stream config (which stowage removes), and one that renders
    // nothing, are refused: blank output with prune would delete the app.
    for f in std::fs::read_dir(sc.app.join("templates")).unwrap() {
        let path = f.unwrap().path();
        if path.file_name().unwrap() != "stowage.yaml" {
            std::fs::remove_file(path).unwrap();
        }
    }
    std::fs::remove_dir_all(sc.app.join("charts")).unwrap();
    std::fs::remove_dir_all(sc.app.join("crds")).unwrap();
    sc.set("ARGOCD_ENV_HELM_ARGS", "--values persistence.yaml")
        .set("ARGOCD_ENV_STOWAGE_VALUES", "");
    for _ in ["only the config", "nothing"] {
        let o = sc.sh("generate");
        assert_ne!(o.code, 0);
        assert!(o.stdout.is_empty());
        assert!(
            o.stderr.contains("holds no Kubernetes objects"),
            "{}",
            o.stderr
        );
        std::fs::remove_file(sc.app.join("templates/stowage.yaml")).ok();
    }
}

/// A chart repository on 127.0.0.1 (python's http.server), stopped when dropped.
struct ChartRepo {
    server: Child,
    url: String,
}

impl ChartRepo {
    /// Serves `dir` (packaged charts and their index.yaml) on a free port.
    fn serve(dir: &Path) -> ChartRepo {
        let mut server = Command::new("python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let mut line = String::new();
        BufReader::new(server.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        ChartRepo {
            server,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for ChartRepo {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// A chart whose locked dependency comes from an HTTP repository the sidecar's Helm never added:
/// plain `helm dependency build` refuses it (helm v3.21.4 and v4.3.2
/// pkg/downloader/manager.go:132 and :137, hasAllRepos); plugin.yaml's init adds the repository first.
#[test]
fn init_builds_locked_dependencies_from_a_repository_never_added() {
    for major in [3, 4] {
        let sc = Sidecar::new("deps", major);
        let helm = tool(&format!("helm{major}"));
        // The repository: the subchart, packaged and indexed.
        let served = sc.scratch.path().join("served");
        std::fs::create_dir_all(&served).unwrap();
        let logger = sc.app.join("charts/logger");
        ok(Command::new(&helm)
            .arg("package")
            .arg(&logger)
            .arg("-d")
            .arg(&served));
        std::fs::remove_dir_all(&logger).unwrap();
        let repo = ChartRepo::serve(&served);
        ok(Command::new(&helm)
            .args(["repo", "index", ".", "--url", &repo.url])
            .current_dir(&served));
        // The chart depends on it, locked (Chart.lock written by an author's Helm that had it).
        let chart = sc.app.join("Chart.yaml");
        let mut text = std::fs::read_to_string(&chart).unwrap();
        text.push_str(&format!(
            "dependencies:\n  - name: logger\n    version: 0.1.0\n    repository: \"{}\"\n",
            repo.url
        ));
        std::fs::write(&chart, text).unwrap();
        let author = Scratch::new("argocd-author");
        let author_env = |c: &mut Command| {
            for (k, d) in [
                ("HELM_CACHE_HOME", "c"),
                ("HELM_CONFIG_HOME", "f"),
                ("HELM_DATA_HOME", "d"),
            ] {
                c.env(k, author.path().join(d));
            }
        };
        let mut add = Command::new(&helm);
        author_env(add.args(["repo", "add", "deps", &repo.url]));
        ok(&mut add);
        let mut update = Command::new(&helm);
        author_env(update.args(["dependency", "update"]).current_dir(&sc.app));
        ok(&mut update);
        std::fs::remove_dir_all(sc.app.join("charts")).unwrap();
        assert!(sc.app.join("Chart.lock").exists());

        // The sidecar's fresh Helm: a plain build fails...
        let mut plain = Command::new(&helm);
        plain
            .args(["dependency", "build"])
            .current_dir(&sc.app)
            .env_clear();
        for (k, v) in &sc.env {
            plain.env(k, v);
        }
        let o = run(&mut plain);
        assert_ne!(o.code, 0, "helm{major}");
        assert!(
            o.stderr.contains("no repository definition"),
            "{}",
            o.stderr
        );
        // ...plugin.yaml's init adds the repository and builds.
        let o = sc.sh("init");
        assert_eq!(o.code, 0, "helm{major}: {}", o.stderr);
        assert!(
            o.stdout.is_empty(),
            "init writes to stderr only: {}",
            o.stdout
        );
        assert!(sc.app.join("charts/logger-0.1.0.tgz").exists());
        let mut sc = sc;
        sc.set("ARGOCD_ENV_STOWAGE_VALUES", "persistence.yaml");
        std::fs::remove_file(sc.app.join("templates/stowage.yaml")).unwrap();
        let o = sc.sh("generate");
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stdout.contains("name: trainer-logger"), "{}", o.stdout);
    }
}

/// Argo CD's destination namespace may be empty: `--namespace ""` means what no --namespace
/// means.
#[test]
fn an_empty_namespace_means_none() {
    let input = std::fs::read(root().join("examples/rendered.yaml")).unwrap();
    let values = root().join("testdata/charts/persistence.yaml");
    let values = values.to_str().unwrap();
    let without = run_with(
        Command::new(STOWAGE).args(["post-render", "--values", values]),
        &input,
    );
    assert_eq!(without.code, 0, "{}", without.stderr);
    let empty = run_with(
        Command::new(STOWAGE).args(["post-render", "--namespace", "", "--values", values]),
        &input,
    );
    assert_eq!(empty.code, 0, "{}", empty.stderr);
    assert_eq!(empty.stdout, without.stdout);
}
