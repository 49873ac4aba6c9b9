//! End-to-end tests that FAIL until stowage's Rust code changes (docs/real-clients.md, "Changes
//! to stowage itself"): each test is named `src_<issue 14 item>_...` and drives the real clients.
//! scripts/test runs them in their own stage, `needs-src`, which passes while they all fail and
//! fails once one passes: then move that test to its suite (items 7, 8 and issue 13 moved to
//! tests/helm.rs and tests/kustomize_kpt.rs when main's pipeline landed them).

mod clients;
mod common;

use std::path::Path;
use std::process::Command;

use clients::{Helm, STOWAGE, Scratch, root, run, run_with};

const CHART: &str = "testdata/charts/trainer";
const PERSISTENCE: &str = "testdata/charts/persistence.yaml";

/// A shell word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `helm template trainer CHART --post-renderer stowage` with stowage's --values `config`, run by
/// Helm 4 under a pseudo-terminal (`script`), as a user at a terminal runs it; returns what the
/// terminal showed.
fn helm4_at_a_terminal(helm: &Helm, config: &Path) -> String {
    let line = [
        helm.bin.to_str().unwrap(),
        "template",
        "trainer",
        CHART,
        "--post-renderer",
        "stowage",
        "--post-renderer-args",
        "--values",
        "--post-renderer-args",
        config.to_str().unwrap(),
    ]
    .map(quote)
    .join(" ");
    let mut c = Command::new("script");
    c.args(["-qec", &line, "/dev/null"]).current_dir(root());
    helm.env(&mut c);
    run(&mut c).stdout
}

fn broken_config(dir: &Path) -> std::path::PathBuf {
    let bad = dir.join("bad.yaml");
    let text = std::fs::read_to_string(root().join(PERSISTENCE)).unwrap();
    std::fs::write(&bad, text.replace("existingClaim:", "existingClam:")).unwrap();
    bad
}

/// Item 1: Helm 4 gives a postrenderer/v1 plugin's stderr to a buffer it never prints (helm
/// v4.3.2 internal/plugin/runtime_subprocess.go:260-268, :177-180): stowage must also write its
/// diagnostics to the terminal when it runs as the Helm 4 plugin.
#[test]
fn src_1_helm4_shows_stowage_errors_and_warnings_at_the_terminal() {
    let s = Scratch::new("src1-tty");
    let helm = Helm::new(4, s.path());
    helm.install_plugins(s.path());
    let screen = helm4_at_a_terminal(&helm, &broken_config(s.path()));
    assert!(
        screen.contains(r#"plugin "stowage" exited with error"#),
        "{screen}"
    );
    assert!(
        screen.contains("did you mean `existingClaim`"),
        "stowage's error never reached the terminal:\n{screen}"
    );
    let screen = helm4_at_a_terminal(&helm, &root().join(PERSISTENCE));
    assert!(
        screen.contains("forbid hostPath volumes"),
        "stowage's warning never reached the terminal:\n{screen}"
    );
}

/// Item 1, for CI (no terminal): STOWAGE_LOG names a file stowage appends its diagnostics to.
#[test]
fn src_1_stowage_log_keeps_diagnostics_under_helm4_without_a_terminal() {
    let s = Scratch::new("src1-log");
    let helm = Helm::new(4, s.path());
    helm.install_plugins(s.path());
    let log = s.path().join("stowage.log");
    let o = run(helm
        .cmd(["template", "trainer", CHART, "--post-renderer", "stowage"])
        .args([
            "--post-renderer-args",
            "--values",
            "--post-renderer-args",
            PERSISTENCE,
        ])
        .env("STOWAGE_LOG", &log)
        .current_dir(root()));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains("forbid hostPath volumes"),
        "STOWAGE_LOG: {text:?}"
    );
}

/// Item 3: Argo CD's destination namespace may be empty; `--namespace ""` must mean what no
/// --namespace means (examples/argocd/generate.sh leaves the flag out meanwhile).
#[test]
fn src_3_empty_namespace_means_no_namespace() {
    let input = std::fs::read(root().join("examples/rendered.yaml")).unwrap();
    let values = root().join(PERSISTENCE);
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
