//! End-to-end tests that FAIL until stowage's Rust code changes (docs/real-clients.md, "Changes
//! to stowage itself"): each test is named `src_<issue 14 item>_...` and drives the real clients.
//! scripts/test runs them in their own stage, `needs-src`, whose failure is expected until then.

mod clients;
mod common;

use std::path::Path;
use std::process::Command;

use clients::{Helm, STOWAGE, Scratch, bin_dir, ok, path_with, root, run, run_with, tool};

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

/// Item 7: a program embedding Helm 4 with the "separate" post-render strategy runs the
/// post-renderer on the hooks alone (helm v4.3.2 pkg/action/action.go:343-430), where the chart's
/// in-stream config is absent. Hooks with no config must pass through (with a note), and the
/// templates still get the config.
#[test]
fn src_7_helm4_separate_strategy_with_the_in_stream_config() {
    let s = Scratch::new("src7-separate");
    let helm = Helm::new(4, s.path());
    helm.install_plugins(s.path());
    let mut c = clients::helm4_embed(&helm, "separate");
    let o = run(&mut c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let api = clients::doc(&clients::docs(&o.stdout), "trainer-api").to_string();
    assert!(api.contains("out-pvc"), "{api}");
    let hook = clients::doc(&clients::docs(&o.stdout), "trainer-prepare").to_string();
    assert!(!hook.contains("volumes"), "{hook}");
}

/// Item 8: a release that renders no object (every component switched off) must go through Helm
/// 3, which accepts an empty manifest; stowage passes the empty stream on with a note.
#[test]
fn src_8_an_empty_release_passes_through_helm3() {
    let s = Scratch::new("src8-empty");
    let chart = s.path().join("empty");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: empty\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/job.yaml"),
        "{{- if .Values.enabled }}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\n{{- end }}\n",
    )
    .unwrap();
    let helm = Helm::new(3, &s.path().join("helm"));
    let values = root().join(PERSISTENCE);
    let o = run(helm
        .cmd(["template", "empty"])
        .arg(&chart)
        .args(helm.post_renderer())
        .args(["--post-renderer-args", "--values", "--post-renderer-args"])
        .arg(&values));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.trim().is_empty(), "{}", o.stdout);
}

/// Issue 13 (stowage fn is lossless), seen through kpt: `kpt fn eval` writes the function's items
/// back into the package, so every line of the user's file must survive, in order, around the
/// inserted ones. Today `stowage fn` re-serialises the whole ResourceList (every string quoted,
/// flow mappings made block).
#[test]
fn src_13_kpt_fn_eval_keeps_every_line_of_the_package() {
    let s = Scratch::new("src13-kpt");
    let pkg = s.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let original =
        std::fs::read_to_string(root().join("examples/kustomize/base/deployment.yaml")).unwrap();
    std::fs::write(pkg.join("deployment.yaml"), &original).unwrap();
    let bin = bin_dir(s.path(), &[("stowage", Path::new(STOWAGE))]);
    let config = std::fs::read_to_string(root().join(PERSISTENCE)).unwrap();
    ok(Command::new(tool("kpt"))
        .args(["fn", "eval"])
        .arg(&pkg)
        .args(["--exec", "stowage fn", "--"])
        .arg(format!("persistence={config}"))
        .env("PATH", path_with(&bin)));
    let after = std::fs::read_to_string(pkg.join("deployment.yaml")).unwrap();
    assert!(after.contains("volumeMounts"), "{after}");
    let mut lines = after.lines();
    for want in original.lines() {
        assert!(
            lines.any(|l| l == want),
            "`{want}` is gone from the package file:\n{after}"
        );
    }
}
