//! stowage as a kustomize generator, with the real kubectl (the machine image's 1.32, kustomize
//! v5.5.0; and 1.37.1, kustomize v5.8.1, from scripts/setup-python): `examples/kustomize-generator`
//! lists one Persistence config under `generators:` and `transformers:`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stowage");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// kubectl 1.32 (on PATH, from the machine image) and 1.37.1 (.venv, scripts/setup-python).
fn kubectls() -> Vec<PathBuf> {
    let venv = root().join(".venv/bin/kubectl");
    assert!(
        venv.exists(),
        "{} is missing: run scripts/setup-python",
        venv.display()
    );
    let image = PathBuf::from("/usr/bin/kubectl");
    assert!(
        image.exists(),
        "kubectl 1.32 is not at /usr/bin/kubectl (the machine image has it)"
    );
    vec![image, venv]
}

/// A copy of the example and a plugin home with stowage installed as the Persistence plugin.
fn example(tag: &str) -> (PathBuf, PathBuf) {
    let dir = common::temp_dir(tag);
    let app = dir.join("app");
    copy_dir(&root().join("examples/kustomize-generator"), &app);
    let mut install = Command::new(BIN);
    install
        .args(["kustomize-plugin", "install", "--dir"])
        .arg(dir.join("xdg/kustomize/plugin"));
    installed(&mut install);
    (app, dir.join("xdg"))
}

/// Run `stowage kustomize-plugin install ...`, which must succeed.
fn installed(install: &mut Command) {
    let out = install.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, target).unwrap();
        }
    }
}

fn kustomize(kubectl: &Path, app: &Path, xdg: &Path) -> Output {
    Command::new(kubectl)
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(app)
        .env("XDG_CONFIG_HOME", xdg)
        .env_remove("KUSTOMIZE_PLUGIN_HOME")
        .output()
        .unwrap()
}

/// The hashed name kustomize gave the generated Secret.
fn secret_name(out: &str) -> String {
    let at = out
        .find("name: s3-credentials-")
        .expect("a hashed Secret name");
    out[at + 6..].lines().next().unwrap().trim().to_string()
}

#[test]
fn generates_a_hashed_secret_that_the_injected_workload_reads() {
    let mut outputs = Vec::new();
    for kubectl in kubectls() {
        let (app, xdg) = example("kgen");
        let out = kustomize(&kubectl, &app, &xdg);
        assert!(
            out.status.success(),
            "{}: {}",
            kubectl.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let name = secret_name(&text);
        // Every reference stowage injected follows the hashed name: the key file's volume and
        // the env var that reads it.
        assert_eq!(
            text.matches(&format!("secretName: {name}")).count(),
            1,
            "{text}"
        );
        assert_eq!(text.matches(&format!("name: {name}")).count(), 2, "{text}");
        assert!(
            !text.contains("s3-credentials\n"),
            "an unhashed reference is left:\n{text}"
        );
        assert!(
            text.contains("namespace: ml") && text.contains("POLYAXON_RUN_OUTPUTS_PATH"),
            "{text}"
        );
        outputs.push(text);
    }
    assert_eq!(
        outputs[0], outputs[1],
        "kustomize v5.5.0 and v5.8.1 give different output"
    );
}

#[test]
fn a_rotated_key_renames_the_secret() {
    let kubectl = &kubectls()[1];
    let (app, xdg) = example("kgen-rotate");
    let first = String::from_utf8(kustomize(kubectl, &app, &xdg).stdout).unwrap();
    let key = std::fs::read_to_string(app.join("keys/s3.json")).unwrap();
    std::fs::write(
        app.join("keys/s3.json"),
        key.replace("EXAMPLEEXAMPLE00000", "ROTATEDROTATED00000"),
    )
    .unwrap();
    let second = String::from_utf8(kustomize(kubectl, &app, &xdg).stdout).unwrap();
    let (before, after) = (secret_name(&first), secret_name(&second));
    assert_ne!(before, after);
    assert!(second.contains(&format!("secretName: {after}")), "{second}");
}

#[test]
fn a_broken_key_file_fails_the_build_with_stowages_message_and_no_value() {
    let kubectl = &kubectls()[1];
    let (app, xdg) = example("kgen-broken");
    let key = std::fs::read_to_string(app.join("keys/s3.json")).unwrap();
    std::fs::write(
        app.join("keys/s3.json"),
        key.replace("AWS_ACCESS_KEY_ID", "aws_access_key_id"),
    )
    .unwrap();
    let out = kustomize(kubectl, &app, &xdg);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("keys/s3.json") && stderr.contains("did you mean `AWS_ACCESS_KEY_ID`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("AKIAEXAMPLEEXAMPLE00") && !stderr.contains("EXAMPLEEXAMPLE00000"),
        "a secret value in:\n{stderr}"
    );
}

#[test]
fn a_generator_with_nothing_to_generate_fails() {
    let kubectl = &kubectls()[1];
    let (app, xdg) = example("kgen-nothing");
    let config = std::fs::read_to_string(app.join("persistence.yaml")).unwrap();
    let without = config
        .split("# For `generators:`")
        .next()
        .unwrap()
        .to_string();
    std::fs::write(app.join("persistence.yaml"), without).unwrap();
    let out = kustomize(kubectl, &app, &xdg);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing to generate"), "{stderr}");
}

/// The KRM form with standalone kustomize (`--enable-exec`): kustomize runs a generator on a list
/// holding only the config object, and hashes what comes back like the legacy plugin's output.
#[test]
fn the_krm_function_generates_the_same_hashed_secret() {
    let kustomize = root().join(".tools/bin/kustomize");
    assert!(
        kustomize.exists(),
        "{} is missing: run scripts/setup-tools",
        kustomize.display()
    );
    let (app, xdg) = example("kgen-krm");
    let legacy = String::from_utf8(kustomize_with(&kustomize, &app, &xdg, &[]).stdout).unwrap();
    // The same config as a KRM exec function: a script runs `stowage fn` (kustomize before v5.7
    // takes no exec args).
    let script = app.join("stowage-fn");
    std::fs::write(&script, format!("#!/bin/sh\nexec {BIN} fn \"$@\"\n")).unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let config = std::fs::read_to_string(app.join("persistence.yaml")).unwrap().replace(
        "  name: persistence\n",
        &format!("  name: persistence\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: {}\n", script.display()),
    );
    std::fs::write(app.join("persistence.yaml"), config).unwrap();
    let out = kustomize_with(&kustomize, &app, &xdg, &["--enable-exec"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let krm = String::from_utf8(out.stdout).unwrap();
    assert_eq!(secret_name(&krm), secret_name(&legacy));
    assert!(
        krm.contains(&format!("secretName: {}", secret_name(&krm))),
        "{krm}"
    );
}

fn kustomize_with(kustomize: &Path, app: &Path, xdg: &Path, extra: &[&str]) -> Output {
    Command::new(kustomize)
        .args(["build", "--enable-alpha-plugins"])
        .args(extra)
        .arg(app)
        .env("XDG_CONFIG_HOME", xdg)
        .env_remove("KUSTOMIZE_PLUGIN_HOME")
        .output()
        .unwrap()
}

/// `stowage kustomize-plugin install` puts the plugin where kustomize looks first:
/// `$KUSTOMIZE_PLUGIN_HOME` when it is set.
#[test]
fn install_honours_kustomize_plugin_home() {
    let dir = common::temp_dir("kgen-plugin-home");
    let home = dir.join("plugins");
    let app = dir.join("app");
    copy_dir(&root().join("examples/kustomize-generator"), &app);
    installed(
        Command::new(BIN)
            .args(["kustomize-plugin", "install"])
            .env("KUSTOMIZE_PLUGIN_HOME", &home)
            .env("XDG_CONFIG_HOME", dir.join("elsewhere")),
    );
    assert!(
        home.join("stowage.dev/v1alpha1/persistence/Persistence")
            .exists()
    );
    let out = Command::new(&kubectls()[1])
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(&app)
        .env("KUSTOMIZE_PLUGIN_HOME", &home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
