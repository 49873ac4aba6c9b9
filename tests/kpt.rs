//! stowage with the real kpt (on the machine image, on PATH): a Kptfile pipeline rendered with
//! `kpt fn render --allow-exec`, and `kpt fn eval --exec`. The package is
//! `testdata/kpt/package`; the same pipeline with `exec: /bin/cat` is the control, which shows
//! what kpt itself does to the files. tests/k8s/kpt_check.py does the same for the corpus.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stowage");

fn kpt() -> Command {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("kpt").is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "kpt is not on PATH: it comes with the machine image (kpt 1.0.0-beta.56); install it to run these tests"
    );
    Command::new("kpt")
}

/// A copy of the test package whose pipeline runs `function`.
fn package(tag: &str, function: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kpt/package");
    let dir = common::temp_dir(tag);
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let kptfile = std::fs::read_to_string(dir.join("Kptfile")).unwrap();
    std::fs::write(
        dir.join("Kptfile"),
        kptfile.replace("exec: stowage fn", &format!("exec: {function}")),
    )
    .unwrap();
    dir
}

fn stowage_package(tag: &str) -> PathBuf {
    package(tag, &format!("{BIN} fn"))
}

fn control_package(tag: &str) -> PathBuf {
    let dir = package(tag, "/bin/cat");
    let kptfile = std::fs::read_to_string(dir.join("Kptfile")).unwrap();
    std::fs::write(
        dir.join("Kptfile"),
        kptfile.replace("      configPath: persistence.yaml\n", ""),
    )
    .unwrap();
    dir
}

fn render(dir: &Path) -> Output {
    kpt()
        .args(["fn", "render", "--allow-exec"])
        .arg(dir)
        .output()
        .unwrap()
}

/// Every file of the package but the Kptfile, by name.
fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().unwrap() != "Kptfile")
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// `before`'s characters appear in `after` in order: `after` only inserted.
fn only_inserts(before: &str, after: &str) -> bool {
    let mut rest = after.chars();
    before.chars().all(|c| rest.any(|o| o == c))
}

#[track_caller]
fn rendered(out: &Output) {
    assert!(
        out.status.success(),
        "kpt failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn render_inserts_and_changes_nothing_else() {
    let (control, stowage) = (
        control_package("kpt-control"),
        stowage_package("kpt-stowage"),
    );
    rendered(&render(&control));
    rendered(&render(&stowage));
    let (before, after) = (files(&control), files(&stowage));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (name, text) in &before {
        assert!(
            only_inserts(text, &after[name]),
            "{name}: not only insertions\n--- control\n{text}\n--- stowage\n{}",
            after[name]
        );
    }
    // Files without a workload come back as kpt gave them.
    for name in ["settings.yaml", "persistence.yaml"] {
        assert_eq!(before[name], after[name], "{name}");
    }
    let train = &after["train.yaml"];
    for inserted in [
        "claimName: \"datasets\"",
        "mountPath: \"/mnt/outputs\"",
        "POLYAXON_RUN_OUTPUTS_PATH",
    ] {
        assert!(train.contains(inserted), "{inserted} missing:\n{train}");
    }
    assert!(
        train.contains("defaultMode: 0400") && train.contains("# pinned"),
        "{train}"
    );
    assert!(after["nightly.yaml"].contains("POLYAXON_RUN_DATA_PATHS"));
    // A second render adds nothing.
    rendered(&render(&stowage));
    assert_eq!(files(&stowage), after);
}

/// Edit `file` of the package (replace `from` by `to`), render: the render fails, every file of
/// the package is left as it was, and stowage's stderr is returned.
fn render_fails_and_leaves_every_file(dir: &Path, file: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    assert!(text.contains(from), "{file} lacks {from:?}");
    std::fs::write(dir.join(file), text.replace(from, to)).unwrap();
    let before = files(dir);
    let out = render(dir);
    assert!(!out.status.success());
    assert_eq!(files(dir), before);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_config_fails_the_render_with_stowages_message_and_leaves_every_file() {
    let dir = stowage_package("kpt-bad");
    let stderr = render_fails_and_leaves_every_file(
        &dir,
        "persistence.yaml",
        "existingClaim: results",
        "existingClam: results",
    );
    assert!(
        stderr.contains("existingClam") && stderr.contains("did you mean `existingClaim`"),
        "{stderr}"
    );
}

#[test]
fn a_conflict_names_the_users_file() {
    let dir = stowage_package("kpt-conflict");
    let stderr = render_fails_and_leaves_every_file(
        &dir,
        "train.yaml",
        "- name: scratch\n          emptyDir",
        "- name: datasets\n          emptyDir",
    );
    assert!(
        stderr.contains("train.yaml") && stderr.contains("volume `datasets` already exists"),
        "{stderr}"
    );
}

#[test]
fn eval_with_a_function_config_file() {
    let dir = stowage_package("kpt-eval-fn-config");
    let out = kpt()
        .args(["fn", "eval", "--exec", &format!("{BIN} fn"), "--fn-config"])
        .arg(dir.join("persistence.yaml"))
        .arg(&dir)
        .output()
        .unwrap();
    rendered(&out);
    assert!(files(&dir)["train.yaml"].contains("claimName: \"results\""));
}

#[test]
fn eval_with_the_config_as_a_key_value_argument() {
    let dir = stowage_package("kpt-eval-key-value");
    std::fs::remove_file(dir.join("persistence.yaml")).unwrap();
    let values = "persistence:\n  outputs:\n    results: {mountPath: /mnt/outputs, existingClaim: results}\n";
    let out = kpt()
        .args(["fn", "eval", "--exec", &format!("{BIN} fn")])
        .arg(&dir)
        .arg("--")
        .arg(format!("persistence={values}"))
        .output()
        .unwrap();
    rendered(&out);
    let train = &files(&dir)["train.yaml"];
    assert!(
        train.contains("claimName: \"results\"") && !train.contains("datasets"),
        "{train}"
    );
}

#[test]
fn render_makes_the_secret_of_a_key_file_once() {
    let dir = stowage_package("kpt-secret");
    std::fs::create_dir(dir.join("keys")).unwrap();
    // kpt reads every YAML and JSON file of a package as a resource, a key file too.
    std::fs::write(dir.join(".krmignore"), "keys/\n").unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kustomize-generator/keys/s3.json"),
        dir.join("keys/s3.json"),
    )
    .unwrap();
    let config = std::fs::read_to_string(dir.join("persistence.yaml")).unwrap();
    let config = config.replace(
        "    datasets: {mountPath: /mnt/datasets, existingClaim: datasets, readOnly: true}",
        "    datasets: {store: s3, bucket: s3://ml-datasets, secret: s3-credentials, secretKey: key.json}",
    ) + "credentials:\n  datasets: keys/s3.json\n";
    std::fs::write(dir.join("persistence.yaml"), config).unwrap();
    // Key file paths are relative to where kpt runs.
    let render_here = || {
        kpt()
            .args(["fn", "render", "--allow-exec", "."])
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    rendered(&render_here());
    let after = files(&dir);
    let secret = after
        .iter()
        .chain(files(&dir.join("ml")).iter())
        .find(|(_, text)| text.contains("kind: \"Secret\"") || text.contains("kind: Secret"))
        .map(|(name, text)| (name.clone(), text.clone()))
        .expect("a Secret file");
    assert!(
        secret.1.contains("namespace: \"ml\"") && secret.1.contains("key.json"),
        "{secret:?}"
    );
    assert!(after["train.yaml"].contains("secretName: \"s3-credentials\""));
    rendered(&render_here());
    assert_eq!(files(&dir), after);
}

#[test]
fn rules_match_the_packages_files() {
    let dir = stowage_package("kpt-rules");
    let config = std::fs::read_to_string(dir.join("persistence.yaml")).unwrap()
        + "  workloads:\n    - match: {source: \"nightly*.yaml\"}\n      inject: false\n    - match: {kind: Job}\n      data: none\n";
    std::fs::write(dir.join("persistence.yaml"), config).unwrap();
    let nightly = std::fs::read_to_string(dir.join("nightly.yaml")).unwrap();
    rendered(&render(&dir));
    let after = files(&dir);
    assert_eq!(
        after["nightly.yaml"], nightly,
        "the rule by file leaves it alone"
    );
    let train = &after["train.yaml"];
    assert!(
        train.contains("claimName: \"results\"") && !train.contains("datasets"),
        "{train}"
    );
}
