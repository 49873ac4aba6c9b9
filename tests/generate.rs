//! `stowage generate` and `stowage validate`'s list of what the cluster must hold, through the
//! binary: output, exit codes, stdout empty on error, every problem at once, no key-file value on
//! stderr, and the generated objects valid under `kubernetes-validate --strict` (the venv of
//! `scripts/setup-python`; without it the validation test fails and says so).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{fails, stowage, succeeds};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn values() -> String {
    root()
        .join("testdata/generate/values.yaml")
        .display()
        .to_string()
}

fn key(name: &str) -> String {
    root()
        .join("testdata/keyfiles")
        .join(name)
        .display()
        .to_string()
}

/// `stowage generate --values testdata/generate/values.yaml ARGS...`
fn generate(args: &[&str]) -> common::Run {
    let values = values();
    let mut all = vec!["generate", "--values", values.as_str()];
    all.extend_from_slice(args);
    stowage(&all, b"")
}

fn credentials(entry: &str, file: &str) -> String {
    format!("{entry}={}", key(file))
}

/// The usual run: both entries of the shared Secret given their files, two namespaces.
fn usual() -> common::Run {
    let gcs = credentials("data-gcs", "gcs-service-account.json");
    let s3 = credentials("data-s3", "s3-valid.json");
    generate(&[
        "--credentials",
        &gcs,
        "--credentials",
        &s3,
        "-n",
        "ml",
        "--namespace",
        "default",
    ])
}

#[test]
fn generate_prints_the_shared_secret_and_the_s3_volumes_per_namespace() {
    let r = usual();
    let out = succeeds(&r);
    let mut failures = Vec::new();
    common::check_file(
        &root().join("testdata/generate/expected.yaml"),
        out.as_bytes(),
        &mut failures,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The azure entry has no key file: a warning says its Secret must be in the cluster.
    assert_eq!(
        r.stderr,
        "warning: `persistence.data.data-azure`: no --credentials for `data-azure`: Secret `az-secret` with key `key.json` must already exist in namespaces `ml`, `default` (create it with `kubectl create secret generic az-secret --from-file=key.json=path/key.json -n NS` in each namespace, or add `--credentials data-azure=path/key.json`)\n"
    );
    // The Secret holds the files' bytes, as `kubectl create secret generic --from-file` would.
    let s3 = std::fs::read(key("s3-valid.json")).unwrap();
    assert!(out.contains(&format!(
        "  s3.json: \"{}\"\n",
        stowage_core::generate::objects::base64(&s3)
    )));
}

#[test]
fn generate_is_deterministic() {
    let (a, b) = (usual(), usual());
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.is_empty());
}

#[test]
fn generated_objects_are_valid_under_kubernetes_validate_strict() {
    let python = root().join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} not found: run scripts/setup-python first",
        python.display()
    );
    let azure = credentials("data-azure", "azure-valid.json");
    let gcs = credentials("data-gcs", "gcs-service-account.json");
    let s3 = credentials("data-s3", "s3-valid.json");
    let r = generate(&[
        "--credentials",
        &gcs,
        "--credentials",
        &s3,
        "--credentials",
        &azure,
        "-n",
        "ml",
    ]);
    let out = succeeds(&r);
    let mut child = Command::new(python)
        .arg(root().join("tests/k8s/validate.py"))
        .args(["--strict", "--kube-version", "1.37", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(out.as_bytes())
        .unwrap();
    let done = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&done.stderr);
    assert!(
        done.status.success(),
        "{}{report}",
        String::from_utf8_lossy(&done.stdout)
    );
    // Two Secrets, a PersistentVolume and its claim, all checked against a schema.
    assert!(
        report.contains("4 documents: 4 validated, 0 failed"),
        "{report}"
    );
}

#[test]
fn every_problem_is_reported_at_once_and_nothing_is_printed() {
    let page = credentials("data-azure", "azure-polyaxon-page.json");
    let lower = credentials("data-s3", "s3-lowercase.json");
    let unknown = credentials("data-s4", "s3-valid.json");
    let claim = credentials("data1", "s3-valid.json");
    let r = generate(&[
        "--credentials",
        &page,
        "--credentials",
        &lower,
        "--credentials",
        &unknown,
        "--credentials",
        &claim,
    ]);
    fails(
        &r,
        &[
            "--credentials data-azure=",
            "azure-polyaxon-page.json, `persistence.data.data-azure`: line 4, column 54: a comma after the last entry, before `}` (JSON allows no comma before `}`: delete it)",
        ],
    );
    fails(
        &r,
        &[
            "s3-lowercase.json, `persistence.data.data-s3`: line 2, column 3: unknown key `aws_access_key_id` (did you mean `AWS_ACCESS_KEY_ID`?",
        ],
    );
    fails(
        &r,
        &[
            "--credentials data-s4=",
            "no entry `data-s4`",
            "(did you mean `data-s3`?)",
        ],
    );
    fails(
        &r,
        &[
            "--credentials data1=",
            "`data1` is an `existingClaim` entry: it reads no credentials",
        ],
    );
    fails(
        &r,
        &[
            "`persistence.data.data-gcs`: Secret `stores` is made from --credentials, but without the key `gcs.json`",
        ],
    );
}

#[test]
fn no_value_of_a_key_file_reaches_stderr() {
    // Every fake value in testdata/keyfiles carries one of these marks (README.md there).
    const MARKS: &[&str] = &[
        "AKIAFAKE",
        "NOT-REAL",
        "NOT REAL",
        "RkFLRS",
        "fakeotheraccount",
        "fake-sa@",
        "fakekeyid",
        "FAKE-",
    ];
    let entries = [
        ("data-s3", "s3"),
        ("data-gcs", "gcs"),
        ("data-azure", "azure"),
    ];
    let mut runs = 0;
    for file in std::fs::read_dir(root().join("testdata/keyfiles")).unwrap() {
        let name = file.unwrap().file_name().into_string().unwrap();
        for (entry, _) in entries {
            let arg = credentials(entry, &name);
            let r = generate(&["--credentials", &arg]);
            runs += usize::from(r.code != 0);
            for mark in MARKS {
                assert!(
                    !r.stderr.contains(mark),
                    "`{mark}` on stderr for {arg}:\n{}",
                    r.stderr
                );
            }
            if r.code != 0 {
                assert!(r.stdout.is_empty(), "{arg}: stdout on error");
            }
        }
    }
    assert!(runs > 80, "only {runs} failing runs");
}

#[test]
fn a_ten_megabyte_key_file_is_refused_quickly() {
    let dir = common::temp_dir("gen-big");
    let big = dir.join("big.json");
    std::fs::write(&big, vec![b'{'; 10 << 20]).unwrap();
    let arg = format!("data-s3={}", big.display());
    let start = std::time::Instant::now();
    let r = generate(&["--credentials", &arg]);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    fails(
        &r,
        &["big.json: is 10485760 bytes; a key file is at most 1 MiB"],
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn warnings_pass_unless_strict() {
    let s3 = credentials("data-s3", "s3-polyaxon-template.json");
    let r = generate(&["--credentials", &s3]);
    fails(&r, &["`AWS_ACCESS_KEY_ID` is empty"]);
    let all = credentials("data-s3", "s3-all.json");
    let gcs = credentials("data-gcs", "gcs-service-account.json");
    let r = generate(&["--credentials", &all, "--credentials", &gcs]);
    succeeds(&r);
    assert!(
        r.stderr
            .starts_with("warning: `persistence.data.data-azure`: no --credentials"),
        "{}",
        r.stderr
    );
    let r = generate(&["--credentials", &all, "--credentials", &gcs, "--strict"]);
    fails(&r, &["no --credentials for `data-azure`", "[--strict]"]);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["generate", "--values", "x.yaml", "--credentials", "data-s3"],
        vec!["generate", "--values", "x.yaml", "--credentials", "=k.json"],
        vec!["generate", "--values", "x.yaml", "-n", "Not_A_Namespace"],
        vec!["generate", "--credentials", "data-s3=k.json"],
    ] {
        let r = stowage(&args, b"");
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn nothing_to_generate_is_an_error_not_an_empty_stream() {
    let dir = common::temp_dir("gen-none");
    let values = dir.join("values.yaml");
    std::fs::write(
        &values,
        "persistence:\n  data:\n    d: {store: s3, bucket: s3://b, secret: s, secretKey: k}\n",
    )
    .unwrap();
    let r = stowage(&["generate", "--values", values.to_str().unwrap()], b"");
    fails(&r, &["nothing to generate"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn validate_lists_what_each_namespace_must_hold_on_stderr() {
    let values = values();
    let r = stowage(
        &[
            "validate", "--values", &values, "-n", "ml", "-n", "prod", "-n", "ml",
        ],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let expected = |ns: &str| {
        format!(
            "namespace `{ns}` must hold:\n  Secret `az-secret` with key `key.json` (for persistence.data.data-azure)\n  Secret `stores` with keys `gcs.json` (for persistence.data.data-gcs), `s3.json` (for persistence.data.data-s3, persistence.outputs.outputs-s3)\n  PersistentVolumeClaim `data-1-pvc` (for persistence.data.data1)\n  PersistentVolumeClaim `stowage-data-s3-csi` bound to PersistentVolume `stowage.{ns}.data-s3-csi` (for persistence.data.data-s3-csi; `stowage generate` makes both)\n"
        )
    };
    assert_eq!(
        r.stderr,
        format!("{}{}config is valid\n", expected("ml"), expected("prod"))
    );
    let r = stowage(&["validate", "--values", &values], b"");
    assert!(
        r.stderr.starts_with("namespace `default` must hold:\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn generate_help_names_its_flags() {
    let r = stowage(&["generate", "--help"], b"");
    let help = succeeds(&r);
    for flag in [
        "--values",
        "--credentials <ENTRY=FILE>",
        "--namespace",
        "--strict",
    ] {
        assert!(help.contains(flag), "{flag} in:\n{help}");
    }
}
