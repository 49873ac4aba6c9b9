//! `helm stowage-diff` (helm-plugin-diff/) with real Helm: v3.21.4 running the script directly
//! (HELM_BIN=helm), v4.3.2 running it as the installed cli/v1 plugin. The one stand-in is
//! testdata/clients/helm-get-standin, for `helm get manifest` and `helm get hooks` (no cluster
//! here); what it serves is rendered by the same real Helm: `helm template --no-hooks` prints the
//! release manifest and then `helm template` appends the hooks, as `helm get manifest` and `helm
//! get hooks` print them (helm v3.21.4 cmd/helm/template.go:108-116, get_manifest.go:57,
//! get_hooks.go:56; v4.3.2 pkg/cmd/template.go:122-130, get_manifest.go:62, get_hooks.go:65).

mod clients;
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use clients::{Helm, Out, STOWAGE, Scratch, ok, root, run};
use serde_json::Value;

const CHART: &str = "testdata/charts/trainer";

/// A deployed release (served by the stand-in) and the Helm that diffs against it.
struct Release {
    scratch: Scratch,
    helm: Helm,
    major: u8,
}

impl Release {
    /// The release as `helm install trainer CHART -n ml ARGS` through stowage would store it,
    /// config from `persistence` (a file, given to stowage by --values).
    fn new(tag: &str, major: u8, persistence: &str) -> Release {
        let scratch = Scratch::new(&format!("diff-{tag}-helm{major}"));
        let helm = Helm::new(major, &scratch.path().join("helm"));
        if major == 4 {
            helm.install_plugins(scratch.path());
        }
        let r = Release {
            scratch,
            helm,
            major,
        };
        let args = r.post_render(persistence);
        let template = |extra: &[&str]| {
            ok(r.helm
                .cmd(["template", "trainer", CHART, "--namespace", "ml"])
                .args(&args)
                .args(extra)
                .current_dir(root()))
        };
        let manifest = template(&["--no-hooks"]);
        let full = template(&[]);
        let hooks = full
            .strip_prefix(&manifest)
            .expect("helm template prints the manifest, then the hooks");
        assert!(hooks.contains("helm.sh/hook: pre-install"), "{hooks}");
        std::fs::write(r.path("manifest.yaml"), &manifest).unwrap();
        std::fs::write(r.path("hooks.yaml"), hooks).unwrap();
        r
    }

    fn path(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    /// How `helm upgrade` would run stowage with `persistence` and namespace ml.
    fn post_render(&self, persistence: &str) -> Vec<String> {
        let mut args: Vec<String> = self
            .helm
            .post_renderer()
            .into_iter()
            .map(String::from)
            .collect();
        for a in ["--values", persistence, "--namespace", "ml"] {
            args.extend(["--post-renderer-args".to_string(), a.to_string()]);
        }
        args
    }

    /// `helm stowage-diff ARGS...`: on Helm 4 through Helm (the plugin), on Helm 3 the script
    /// run directly with HELM_BIN; Helm itself is the stand-in wrapping the real one.
    fn diff(&self, args: &[&str]) -> Out {
        let standin = root().join("testdata/clients/helm-get-standin");
        let mut c = if self.major == 4 {
            let mut c = Command::new(&standin);
            c.arg("stowage-diff");
            c
        } else {
            let mut c = Command::new(root().join("helm-plugin-diff/bin/stowage-diff"));
            c.env("HELM_BIN", &standin);
            c
        };
        self.helm.env(&mut c);
        c.args(args)
            .current_dir(root())
            .env("REAL_HELM", &self.helm.bin)
            .env("STANDIN_MANIFEST", self.path("manifest.yaml"))
            .env("STANDIN_HOOKS", self.path("hooks.yaml"))
            .env("STANDIN_LOG", self.path("helm.log"))
            .env("STOWAGE_BIN", STOWAGE)
            .env("TMPDIR", self.scratch.path());
        run(&mut c)
    }

    /// The argv of each `helm` call the script made (the stand-in's log).
    fn calls(&self) -> Vec<Vec<String>> {
        let log = std::fs::read_to_string(self.path("helm.log")).unwrap_or_default();
        log.split("--- call\n")
            .skip(1)
            .map(|c| c.lines().map(String::from).collect())
            .collect()
    }

    fn call(&self, first: &[&str]) -> Vec<String> {
        self.calls()
            .into_iter()
            .find(|c| c.iter().zip(first).all(|(a, b)| a == b))
            .unwrap_or_else(|| panic!("no helm {first:?} call in {:?}", self.calls()))
    }
}

fn fixture(name: &str) -> String {
    root()
        .join("testdata/charts")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

/// The config with the outputs on another claim.
fn moved_config(dir: &Path) -> String {
    let text = std::fs::read_to_string(fixture("persistence.yaml")).unwrap();
    let moved = dir.join("moved.yaml");
    std::fs::write(&moved, text.replace("outputs-2-pvc", "outputs-3-pvc")).unwrap();
    moved.to_str().unwrap().to_string()
}

/// `RELEASE CHART -n ml` and the post-renderer args of the release, `--stowage-values FILE`.
fn upgrade_args<'a>(config: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["trainer", CHART, "-n", "ml", "--stowage-values", config];
    // The `=` form: Helm 4 would take a bare `--namespace` as its own flag.
    a.extend([
        "--post-renderer-args=--namespace",
        "--post-renderer-args=ml",
    ]);
    a.extend(extra);
    a
}

fn report(o: &Out) -> Value {
    serde_json::from_str(&o.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}\n{}", o.stdout, o.stderr))
}

/// An unchanged release whose chart has a hook Job: nothing to report, on both versions. The
/// old side takes `helm get hooks` exactly when the new side has hooks.
#[test]
fn an_unchanged_release_with_a_hook_has_no_change() {
    let persistence = fixture("persistence.yaml");
    for major in [3, 4] {
        let r = Release::new("same", major, &persistence);
        let o = r.diff(&upgrade_args(
            &persistence,
            &["--fail-on", "info", "--output", "json"],
        ));
        assert_eq!(o.code, 0, "helm{major}: {}\n{}", o.stdout, o.stderr);
        assert_eq!(report(&o)["changes"], serde_json::json!([]), "helm{major}");
        assert_eq!(
            r.call(&["get", "manifest"]),
            ["get", "manifest", "trainer", "--namespace", "ml"]
        );
        assert_eq!(
            r.call(&["get", "hooks"]),
            ["get", "hooks", "trainer", "--namespace", "ml"]
        );
        // --no-hooks leaves hooks out of both sides.
        let o = r.diff(&upgrade_args(
            &persistence,
            &["--no-hooks", "--fail-on", "info"],
        ));
        assert_eq!(o.code, 0, "helm{major}: {}\n{}", o.stdout, o.stderr);
    }
}

/// Outputs moved to another claim: danger, exit 3 with --fail-on danger. Helm 4 post-renders the
/// hook Job too, so its move is reported; Helm 3 leaves hooks alone on both sides.
#[test]
fn moved_outputs_are_danger_hooks_included_on_helm4() {
    for major in [3, 4] {
        let r = Release::new("moved", major, &fixture("persistence.yaml"));
        let moved = moved_config(r.scratch.path());
        let o = r.diff(&upgrade_args(
            &moved,
            &["--fail-on", "danger", "--output", "json"],
        ));
        assert_eq!(o.code, 3, "helm{major}: {}\n{}", o.stdout, o.stderr);
        let text = o.stdout.clone();
        assert!(
            text.contains("outputs-3-pvc") && text.contains("danger"),
            "{text}"
        );
        assert!(text.contains("trainer-api"), "{text}");
        assert_eq!(
            text.contains("trainer-prepare"),
            major == 4,
            "helm{major}: {text}"
        );
        // Without --fail-on: reported, exit 0.
        let o = r.diff(&upgrade_args(&moved, &["--output", "markdown"]));
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stdout.contains("outputs-3-pvc"), "{}", o.stdout);
    }
}

/// Helm's --namespace and --kube-context reach the plugin as HELM_NAMESPACE and
/// HELM_KUBECONTEXT, and the script gives them back to both helm calls; run directly, -n and
/// --kube-context do the same. STOWAGE_DIFF_ARGS adds words to `stowage diff`.
#[test]
fn namespace_context_and_template_flags_reach_both_helm_calls() {
    let persistence = fixture("persistence.yaml");
    for major in [3, 4] {
        let r = Release::new("flags", major, &persistence);
        let mut args = vec!["--kube-context", "kind-stowage"];
        args.extend(upgrade_args(
            &persistence,
            &["--set", "image=example/trainer:2.0"],
        ));
        let o = r.diff(&args);
        assert_eq!(o.code, 0, "helm{major}: {}", o.stderr);
        let get = r.call(&["get", "manifest"]);
        assert_eq!(
            get,
            [
                "get",
                "manifest",
                "trainer",
                "--namespace",
                "ml",
                "--kube-context",
                "kind-stowage"
            ]
        );
        let template = r.call(&["template"]).join(" ");
        assert!(
            template.starts_with(&format!("template trainer {CHART}")),
            "{template}"
        );
        for part in [
            "--set image=example/trainer:2.0",
            "--namespace ml --kube-context kind-stowage",
            "--post-renderer-args=--namespace --post-renderer-args=ml",
        ] {
            assert!(template.contains(part), "{part} in {template}");
        }
        let renderer = if major == 3 {
            format!("--post-renderer {STOWAGE} --post-renderer-args post-render")
        } else {
            "--post-renderer stowage".to_string()
        };
        assert!(template.contains(&renderer), "{template}");
    }
}

#[test]
fn errors_exit_1_with_helm_or_stowage_message_and_usage_errors_2() {
    let persistence = fixture("persistence.yaml");
    for major in [3, 4] {
        let r = Release::new("errors", major, &persistence);
        // The post-renderer fails (an invalid config): helm template fails, and so does the diff.
        let bad = r.path("bad.yaml");
        let text = std::fs::read_to_string(&persistence).unwrap();
        std::fs::write(
            &bad,
            text.replace("mountPath: /outputs/2", "mountPath: outputs"),
        )
        .unwrap();
        let o = r.diff(&upgrade_args(bad.to_str().unwrap(), &[]));
        assert_eq!(o.code, 1, "helm{major}: {}", o.stderr);
        assert!(o.stdout.is_empty());
        assert!(o.stderr.contains("template trainer"), "{}", o.stderr);
        // Helm 4 takes a bare `--namespace` after --post-renderer-args as its own flag: the
        // script says so. Run directly (Helm 3), the bare form works.
        let bare = [
            "trainer",
            CHART,
            "--post-renderer-args",
            "--namespace",
            "--post-renderer-args",
            "ml",
            "--stowage-values",
            &persistence,
        ];
        let o = r.diff(&bare);
        if major == 4 {
            assert_eq!(o.code, 2, "{}", o.stderr);
            assert!(
                o.stderr.contains("--post-renderer-args=--namespace"),
                "{}",
                o.stderr
            );
        } else {
            assert_eq!(o.code, 0, "{}", o.stderr);
        }
        // Usage errors: exit 2, before any helm call.
        for args in [
            vec!["trainer"],
            vec!["--values", "x.yaml", "trainer", CHART],
            vec!["trainer", CHART, "--post-renderer", "other"],
            vec!["trainer", CHART, "--output-dir", "out"],
            vec!["trainer", CHART, "--fail-on"],
        ] {
            let _ = std::fs::remove_file(r.path("helm.log"));
            let o = r.diff(&args);
            assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
            assert!(o.stdout.is_empty(), "{args:?}");
            let calls = r.calls();
            // Helm 4 itself is the first call (`stowage-diff ...`); the script makes none.
            assert_eq!(calls.len(), usize::from(major == 4), "{args:?}: {calls:?}");
        }
    }
    // No such release: the stand-in answers as Helm does.
    let r = Release::new("missing", 3, &persistence);
    let mut c = Command::new(root().join("helm-plugin-diff/bin/stowage-diff"));
    r.helm.env(&mut c);
    let o = run(c
        .args(upgrade_args(&persistence, &[]))
        .current_dir(root())
        .env("HELM_BIN", root().join("testdata/clients/helm-get-standin"))
        .env("REAL_HELM", &r.helm.bin)
        .env("STOWAGE_BIN", STOWAGE));
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.contains("release: not found") && o.stderr.contains("get manifest trainer"),
        "{}",
        o.stderr
    );
}

/// `-n ml` alone reaches the post-renderer too: without it stowage would take the release's
/// workloads to be in `default` and every outputs path would look moved.
#[test]
fn the_release_namespace_reaches_the_post_renderer() {
    let persistence = fixture("persistence.yaml");
    for major in [3, 4] {
        let r = Release::new("ns", major, &persistence);
        let args = [
            "trainer",
            CHART,
            "-n",
            "ml",
            "--stowage-values",
            &persistence,
            "--fail-on",
            "info",
            "--output",
            "json",
        ];
        let o = r.diff(&args);
        assert_eq!(o.code, 0, "helm{major}: {}\n{}", o.stdout, o.stderr);
        assert_eq!(report(&o)["changes"], serde_json::json!([]), "helm{major}");
    }
}
