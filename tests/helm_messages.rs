//! stowage's messages reach a Helm 4 user, whose Helm hides a post-renderer plugin's stderr
//! (docs/real-clients.md): at the terminal (Helm 4 run under a pseudo-terminal, as a user at a
//! terminal runs it) and in the file `STOWAGE_LOG` names (CI).

mod clients;
mod common;

use std::path::Path;
use std::process::Command;

use clients::{Helm, Scratch, root, run};

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

/// Helm 4 gives a postrenderer/v1 plugin's stderr to a buffer it never prints: stowage also
/// writes its messages to the terminal when it runs as the Helm 4 plugin.
#[test]
fn helm4_shows_stowage_errors_and_warnings_at_the_terminal() {
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

/// `helm template` of the chart under Helm 4's plugin with `--values PERSISTENCE`, after `first`
/// post-renderer arguments, and STOWAGE_LOG set: the exit code and what the log holds.
fn helm4_with_stowage_log(tag: &str, first: &[&str]) -> (i32, String) {
    let s = Scratch::new(tag);
    let helm = Helm::new(4, s.path());
    helm.install_plugins(s.path());
    let log = s.path().join("stowage.log");
    let mut cmd = helm.cmd(["template", "trainer", CHART, "--post-renderer", "stowage"]);
    for arg in first {
        cmd.args(["--post-renderer-args", arg]);
    }
    let o = run(cmd
        .args([
            "--post-renderer-args",
            "--values",
            "--post-renderer-args",
            PERSISTENCE,
        ])
        .env("STOWAGE_LOG", &log)
        .current_dir(root()));
    (o.code, std::fs::read_to_string(&log).unwrap_or_default())
}

/// For CI (no terminal): STOWAGE_LOG names a file stowage appends its messages to.
#[test]
fn stowage_log_keeps_the_messages_under_helm4_without_a_terminal() {
    let (code, text) = helm4_with_stowage_log("src1-log", &[]);
    assert_eq!(code, 0, "STOWAGE_LOG: {text:?}");
    assert!(
        text.contains("forbid hostPath volumes"),
        "STOWAGE_LOG: {text:?}"
    );
}

/// A usage error (here the Helm 3 form, `--post-renderer-args post-render`, given to Helm 4's
/// plugin, which adds `post-render` itself) is a message like the others: in STOWAGE_LOG too.
#[test]
fn a_usage_error_under_helm4_reaches_stowage_log() {
    let (code, text) = helm4_with_stowage_log("helm4-usage", &["post-render"]);
    assert_ne!(code, 0);
    assert!(
        text.contains("unexpected argument 'post-render'"),
        "STOWAGE_LOG: {text:?}"
    );
}
