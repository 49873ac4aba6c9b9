//! The kustomize examples and kpt with the real clients (docs/real-clients.md): kubectl 1.32 (kustomize
//! v5.5.0), kubectl 1.37.1 (kustomize v5.8.1), standalone kustomize v5.8.2 and kpt 1.0.0-beta.56
//! (tests/kpt.rs has kpt's render and eval on testdata/kpt/package; here: the README's package,
//! --allow-exec, and eval leaving every line of the user's file).
//! The legacy exec plugin (examples/kustomize) and the KRM exec function (examples/kustomize/krm)
//! must give the same bytes, kept in testdata/clients/kustomize.yaml (STOWAGE_BLESS=1).

mod clients;
mod common;

use std::path::Path;
use std::process::Command;

use clients::{Out, STOWAGE, Scratch, bin_dir, golden, ok, path_with, root, run, tool};

/// kustomize as each client runs it: `kubectl kustomize` or `kustomize build`, with `flags`.
fn build(client: &str, flags: &[&str], dir: &Path) -> Command {
    let mut c = Command::new(tool(client));
    if client == "kustomize" {
        c.arg("build");
    } else {
        c.arg("kustomize");
    }
    c.args(flags).arg(dir);
    c
}

const KUBECTLS: [&str; 2] = ["kubectl-1.32", "kubectl-1.37"];
const ALL: [&str; 3] = ["kubectl-1.32", "kubectl-1.37", "kustomize"];

/// A scratch XDG_CONFIG_HOME holding the legacy plugin (`stowage kustomize-plugin install`), and
/// a bin folder with `stowage` and examples/kustomize/krm/stowage-fn for the KRM form and kpt.
struct Setup {
    scratch: Scratch,
}

impl Setup {
    fn new(tag: &str) -> Setup {
        let scratch = Scratch::new(tag);
        ok(Command::new(STOWAGE)
            .args(["kustomize-plugin", "install", "--dir"])
            .arg(scratch.path().join("xdg/kustomize/plugin")));
        bin_dir(
            scratch.path(),
            &[
                ("stowage", Path::new(STOWAGE)),
                (
                    "stowage-fn",
                    &root().join("examples/kustomize/krm/stowage-fn"),
                ),
            ],
        );
        Setup { scratch }
    }

    fn run(&self, cmd: &mut Command) -> Out {
        run(cmd
            .env("XDG_CONFIG_HOME", self.scratch.path().join("xdg"))
            .env_remove("KUSTOMIZE_PLUGIN_HOME")
            .env("PATH", path_with(&self.scratch.path().join("bin"))))
    }
}

fn injected(out: &str) -> bool {
    out.contains("POLYAXON_RUN_OUTPUTS_PATH") && out.contains("outputs-2-pvc")
}

#[test]
fn legacy_plugin_on_both_kubectls_and_standalone_kustomize() {
    let s = Setup::new("kust-legacy");
    for client in ALL {
        let o = s.run(&mut build(
            client,
            &["--enable-alpha-plugins"],
            &root().join("examples/kustomize"),
        ));
        assert_eq!(o.code, 0, "{client}: {}", o.stderr);
        golden("kustomize.yaml", &o.stdout);
        assert!(injected(&o.stdout), "{client}");
        // stowage warned (every hostPath gets a Pod Security warning), and kustomize dropped it:
        // it keeps a legacy exec plugin's stderr for its error message only (kustomize api
        // v0.21.2 internal/plugins/execplugin/execplugin.go:175-185).
        assert_eq!(o.stderr, "", "{client}");
    }
}

#[test]
fn legacy_plugin_errors_reach_the_user_on_every_client() {
    let s = Setup::new("kust-legacy-bad");
    let dir = s.scratch.path().join("example");
    common::copy_tree(&root().join("examples/kustomize"), &dir);
    let cfg = dir.join("persistence.yaml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("existingClaim:", "existingClam:")).unwrap();
    for client in ALL {
        let o = s.run(&mut build(client, &["--enable-alpha-plugins"], &dir));
        assert_ne!(o.code, 0, "{client}");
        assert!(o.stdout.is_empty(), "{client}");
        assert!(
            o.stderr.contains("did you mean `existingClaim`"),
            "{client}: {}",
            o.stderr
        );
    }
}

#[test]
fn krm_function_with_standalone_kustomize_matches_the_legacy_plugin() {
    let s = Setup::new("kust-krm");
    let o = s.run(&mut build(
        "kustomize",
        &["--enable-alpha-plugins", "--enable-exec"],
        &root().join("examples/kustomize/krm"),
    ));
    assert_eq!(o.code, 0, "{}", o.stderr);
    golden("kustomize.yaml", &o.stdout);
    // An exec function's stderr reaches the user (kyaml v0.21.2 fn/runtime/exec/exec.go:44).
    assert!(
        o.stderr.contains("warning:") && o.stderr.contains("hostPath"),
        "{}",
        o.stderr
    );
}

/// kubectl kustomize has no --enable-exec, and kustomize skips an exec function it may not run
/// without a word (kyaml v0.21.2 runfn/runfn.go:515-530 returns no filter, :346-348 skips it):
/// the output is the base, not injected. Use the legacy plugin with kubectl (README).
#[test]
fn krm_function_on_kubectl_is_skipped_silently() {
    let s = Setup::new("kust-krm-kubectl");
    for client in KUBECTLS {
        let help = ok(Command::new(tool(client)).args(["kustomize", "--help"]));
        assert!(
            !help.contains("--enable-exec"),
            "{client} grew --enable-exec"
        );
        let o = s.run(&mut build(
            client,
            &["--enable-alpha-plugins"],
            &root().join("examples/kustomize/krm"),
        ));
        assert_eq!(o.code, 0, "{client}: {}", o.stderr);
        assert!(o.stdout.contains("kind: Deployment"), "{client}");
        assert!(!o.stdout.contains("volumeMounts"), "{client}: {}", o.stdout);
    }
}

/// `exec.args` exists from kyaml v0.20 (kustomize v5.7): kustomize v5.5.0 (kubectl 1.32) rejects
/// the key (kyaml v0.18.1 fn/runtime/runtimeutil/functiontypes.go:139-141 and its strict decoding
/// at :219), v5.8.1 (kubectl 1.37) takes it, v5.8.2 runs it with --enable-exec.
#[test]
fn krm_exec_args_form_by_kustomize_version() {
    let s = Setup::new("kust-krm-args");
    let dir = s.scratch.path().join("example");
    common::copy_tree(&root().join("examples/kustomize"), &dir);
    let cfg = dir.join("krm/persistence.yaml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let args_form = format!("path: {STOWAGE}\n        args: [fn]\n");
    let text = text.replace("path: ./stowage-fn\n", &args_form);
    assert!(text.contains("args: [fn]"));
    std::fs::write(&cfg, text).unwrap();
    let krm = dir.join("krm");

    let o = s.run(&mut build(
        "kubectl-1.32",
        &["--enable-alpha-plugins"],
        &krm,
    ));
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains(r#"unknown field \"args\""#),
        "{}",
        o.stderr
    );

    let o = s.run(&mut build(
        "kubectl-1.37",
        &["--enable-alpha-plugins"],
        &krm,
    ));
    assert_eq!(o.code, 0, "{}", o.stderr);

    let flags = ["--enable-alpha-plugins", "--enable-exec"];
    let o = s.run(&mut build("kustomize", &flags, &krm));
    assert_eq!(o.code, 0, "{}", o.stderr);
    golden("kustomize.yaml", &o.stdout);
}

/// A kpt package made of the example's workloads, and the config file beside it (a file inside
/// the package would be read as one of its resources and fail: it has no apiVersion).
fn kpt_package(s: &Setup) -> std::path::PathBuf {
    let work = s.scratch.path().join("work");
    std::fs::create_dir_all(work.join("pkg")).unwrap();
    for f in ["deployment.yaml", "job.yaml"] {
        std::fs::copy(
            root().join("examples/kustomize/base").join(f),
            work.join("pkg").join(f),
        )
        .unwrap();
    }
    std::fs::copy(
        root().join("testdata/charts/persistence.yaml"),
        work.join("persistence.yaml"),
    )
    .unwrap();
    work
}

#[test]
fn kpt_fn_render_runs_the_exec_function_only_with_allow_exec() {
    let s = Setup::new("kpt-render");
    let work = kpt_package(&s);
    let pkg = work.join("pkg");
    std::fs::write(
        pkg.join("Kptfile"),
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n    \
         - exec: stowage-fn\n      configPath: persistence.yaml\n",
    )
    .unwrap();
    // The function's config inside the package: a Persistence object (a resource kpt can read).
    let cfg = std::fs::read_to_string(root().join("examples/kustomize/persistence.yaml")).unwrap();
    std::fs::write(pkg.join("persistence.yaml"), cfg).unwrap();

    let o = s.run(Command::new(tool("kpt")).args(["fn", "render"]).arg(&pkg));
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("--allow-exec"), "{}", o.stderr);
    let untouched = std::fs::read_to_string(pkg.join("deployment.yaml")).unwrap();
    assert!(!injected(&untouched));

    let o = s.run(
        Command::new(tool("kpt"))
            .args(["fn", "render", "--allow-exec"])
            .arg(&pkg),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = std::fs::read_to_string(pkg.join("deployment.yaml")).unwrap();
    assert!(injected(&text), "{text}");
}

/// `kpt fn eval` writes the function's items back into the package, so every line of the user's
/// file survives, in order, around the inserted ones (`stowage fn` is lossless).
#[test]
fn kpt_fn_eval_keeps_every_line_of_the_package() {
    let s = Setup::new("kpt-lossless");
    let work = kpt_package(&s);
    let file = work.join("pkg/deployment.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    assert!(
        original.contains("{app: notebook}"),
        "a flow mapping to keep"
    );
    let config = std::fs::read_to_string(work.join("persistence.yaml")).unwrap();
    let o = s.run(
        Command::new(tool("kpt"))
            .args(["fn", "eval", "pkg", "--exec", "stowage fn", "--"])
            .arg(format!("persistence={config}"))
            .current_dir(&work),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(injected(&after), "{after}");
    let mut lines = after.lines();
    for want in original.lines() {
        assert!(
            lines.any(|l| l == want),
            "`{want}` is gone from the package file:\n{after}"
        );
    }
}
