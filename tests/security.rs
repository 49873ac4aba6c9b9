//! Security, at the process level: secret values are never printed, sensitive
//! hostPaths are refused unless allowed, every hostPath gets a Pod Security warning, and `--strict`
//! turns every warning into an error (exit 1, nothing on stdout).
//!
//! stowage never reads a Secret object's data: a `Secret` is not a workload kind, so it is copied
//! byte for byte; when the config reads Secrets, one in the stream is parsed only for its key names,
//! and a Secret inside a `List` is only searched for workloads. Diagnostics name keys, tags and
//! places, never the value of a Secret's `data` or `stringData`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n";
const CLAIMS: &str = "persistence:\n  data:\n    data1: {mountPath: /data/1, existingClaim: data-pvc}\n  outputs:\n    outputs1: {mountPath: /outputs/1, existingClaim: outputs-pvc}\n";

/// Every secret value used below; none may appear on stderr (or stdout, on error).
const SECRETS: &[&str] = &[
    "c3VwZXJzZWNyZXQtdmFsdWUtMTIzNDU=",
    "supersecret-value-12345",
    "plain-secret-value-67890",
    "hunter2-in-a-list",
    "literal-credential-in-env-424242",
];

mod common;
use common::{Run, fails, stowage, succeeds};

/// A values file in the temp directory (unique per call).
fn values(text: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "stowage-security-{}-{}.yaml",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, text).unwrap();
    path
}

fn post_render(values_text: &str, extra: &[&str], input: &str) -> Run {
    let v = values(values_text);
    let mut args = vec!["post-render", "--values", v.to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = stowage(&args, input.as_bytes());
    let _ = std::fs::remove_file(v);
    r
}

fn validate(values_text: &str, extra: &[&str]) -> Run {
    let v = values(values_text);
    let mut args = vec!["validate", "--values", v.to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = stowage(&args, b"");
    let _ = std::fs::remove_file(v);
    r
}

#[track_caller]
fn no_secret_printed(r: &Run) {
    for s in SECRETS {
        assert!(
            !r.stderr.contains(s),
            "secret value `{s}` on stderr:\n{}",
            r.stderr
        );
        if r.code != 0 {
            assert!(r.stdout.is_empty());
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Secret values are never printed

const SECRET_BLOCK: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s3-secret\ntype: Opaque\ndata:\n  key.json: c3VwZXJzZWNyZXQtdmFsdWUtMTIzNDU=\nstringData:\n  other: plain-secret-value-67890\n";
const SECRET_FLOW: &str = "{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"s3-secret\"}, \"data\": {\"key.json\": \"c3VwZXJzZWNyZXQtdmFsdWUtMTIzNDU=\"}, \"stringData\": {\"other\": \"supersecret-value-12345\"}}\n";

/// A Pod whose existing volume `data1` conflicts with the config's.
fn conflicting_pod() -> String {
    POD.replace(
        "  containers:",
        "  volumes:\n  - name: data1\n    emptyDir: {}\n  containers:",
    )
}

#[test]
fn secret_data_is_not_echoed_when_another_document_conflicts() {
    for secret in [SECRET_BLOCK, SECRET_FLOW] {
        let input = format!("---\n{secret}---\n{}", conflicting_pod());
        let r = post_render(CLAIMS, &[], &input);
        fails(&r, &["volume `data1` already exists"]);
        no_secret_printed(&r);
        // With warnings turned into errors too.
        let r = post_render(CLAIMS, &["--strict"], &input);
        fails(&r, &["volume `data1` already exists"]);
        no_secret_printed(&r);
    }
}

#[test]
fn secret_data_is_not_echoed_in_errors_about_the_secret_document() {
    let list = |items: &str| format!("apiVersion: v1\nkind: List\nitems:\n{items}---\n{POD}");
    let cases = [
        // An unclosed quote inside the Secret's data (a List is parsed: it may hold workloads).
        (
            list("- apiVersion: v1\n  kind: Secret\n  stringData:\n    p: \"hunter2-in-a-list\n"),
            "invalid YAML",
        ),
        // A duplicate key in the Secret's data.
        (
            list(
                "- apiVersion: v1\n  kind: Secret\n  stringData:\n    p: hunter2-in-a-list\n    p: supersecret-value-12345\n",
            ),
            "duplicate key `p`",
        ),
        // A custom tag on a secret value.
        (
            list(
                "- apiVersion: v1\n  kind: Secret\n  stringData:\n    p: !vault hunter2-in-a-list\n",
            ),
            "custom tag `!vault`",
        ),
        // A flow-style Secret that does not close.
        (
            format!("{}---\n{POD}", SECRET_FLOW.trim_end().trim_end_matches('}')),
            "invalid YAML",
        ),
    ];
    for (input, phrase) in &cases {
        let r = post_render(CLAIMS, &[], input);
        fails(&r, &[phrase]);
        no_secret_printed(&r);
    }
}

#[test]
fn secret_documents_pass_through_byte_for_byte() {
    let input = format!("---\n{SECRET_BLOCK}---\n{SECRET_FLOW}---\n{POD}");
    let out = succeeds(&post_render(CLAIMS, &[], &input));
    assert!(
        out.starts_with(&format!("---\n{SECRET_BLOCK}---\n{SECRET_FLOW}---\n")),
        "{out}"
    );
}

/// A chart that sets the credentials env var to a literal credential conflicts with stowage's
/// `secretKeyRef`; the error says so without printing the literal.
#[test]
fn literal_credential_in_a_conflicting_env_var_is_not_echoed() {
    let config = "persistence:\n  data:\n    data-s3: {store: s3, bucket: s3://data-bucket, secret: s3-secret, secretKey: key.json}\n  outputs:\n    outputs1: {mountPath: /outputs/1, existingClaim: outputs-pvc}\n";
    let pod = POD.replace(
        "    image: x\n",
        "    image: x\n    env:\n    - name: STOWAGE_CREDENTIALS_DATA_S3\n      value: literal-credential-in-env-424242\n",
    );
    let r = post_render(config, &[], &format!("---\n{SECRET_BLOCK}---\n{pod}"));
    fails(
        &r,
        &[
            "env var `STOWAGE_CREDENTIALS_DATA_S3`",
            "different definition",
        ],
    );
    no_secret_printed(&r);
    // With onConflict: skip it is a warning, still without the value.
    let skip = config.replace("  outputs:", "  onConflict: skip\n  outputs:");
    let r = post_render(&skip, &[], &format!("---\n{SECRET_BLOCK}---\n{pod}"));
    succeeds(&r);
    assert!(
        r.stderr.contains("STOWAGE_CREDENTIALS_DATA_S3"),
        "{}",
        r.stderr
    );
    no_secret_printed(&r);
}

// ------------------------------------------------------------------------------------------------
// Sensitive hostPaths

fn host_path_config(path: &str, allow: Option<&str>) -> String {
    let allow = allow.map_or(String::new(), |a| format!("  allowHostPaths: ['{a}']\n"));
    format!(
        "persistence:\n{allow}  data:\n    data1: {{mountPath: /data/1, hostPath: '{path}', readOnly: true}}\n  outputs:\n    outputs1: {{mountPath: /outputs/1, existingClaim: outputs-pvc}}\n"
    )
}

#[test]
fn sensitive_host_paths_are_refused_unless_allowed() {
    for path in [
        "/",
        "/etc",
        "/etc/kubernetes/pki",
        "/proc/1",
        "/sys",
        "/dev/sda",
        "/var/run",
        "/run",
        "/var/lib/kubelet/pods",
        "/var/run/docker.sock",
        "/run/containerd/containerd.sock",
        "/var",
        "/etc/ssl/",
    ] {
        let config = host_path_config(path, None);
        let input = format!("---\n{POD}");
        let r = post_render(&config, &[], &input);
        fails(
            &r,
            &[
                "persistence.data.data1.hostPath",
                "refusing to mount",
                "allowHostPaths",
            ],
        );
        let r = validate(&config, &[]);
        fails(
            &r,
            &["persistence.data.data1.hostPath", "refusing to mount"],
        );
    }
    // Allowed explicitly: injected, with its warnings.
    let config = host_path_config("/var/run/docker.sock", Some("/var/run/docker.sock"));
    let r = post_render(&config, &[], &format!("---\n{POD}"));
    let out = succeeds(&r);
    assert!(out.contains("/var/run/docker.sock"), "{out}");
    assert!(r.stderr.contains("Pod Security"), "{}", r.stderr);
    // An ordinary data directory is not sensitive.
    succeeds(&post_render(
        &host_path_config("/srv/data", None),
        &[],
        &format!("---\n{POD}"),
    ));
}

#[test]
fn every_host_path_gets_a_pod_security_warning() {
    let config = "persistence:\n  data:\n    data1: {mountPath: /data/1, hostPath: /srv/a, readOnly: true}\n    data2: {mountPath: /data/2, hostPath: /srv/b, readOnly: true}\n    data3: {mountPath: /data/3, existingClaim: c}\n  outputs:\n    outputs1: {mountPath: /outputs/1, hostPath: /srv/out}\n";
    for r in [
        post_render(config, &[], &format!("---\n{POD}")),
        validate(config, &[]),
    ] {
        assert_eq!(r.code, 0, "{}", r.stderr);
        let warned: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning:") && l.contains("Pod Security `baseline`"))
            .collect();
        assert_eq!(warned.len(), 3, "{}", r.stderr);
        for at in ["data.data1", "data.data2", "outputs.outputs1"] {
            let path = format!("`persistence.{at}.hostPath`");
            assert!(
                warned.iter().any(|l| l.contains(&path)),
                "{path}: {}",
                r.stderr
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------
// --strict

/// One case per kind of warning stowage gives: (what, values, input, a phrase of the warning).
fn warning_cases() -> Vec<(&'static str, String, String, &'static str)> {
    let pod = format!("---\n{POD}");
    let with =
        |data: &str, outputs: &str| format!("persistence:\n  data:\n{data}  outputs:\n{outputs}");
    let claim_out = "    outputs1: {mountPath: /outputs/1, existingClaim: outputs-pvc}\n";
    let claim_data = "    data1: {mountPath: /data/1, existingClaim: data-pvc}\n";
    vec![
        (
            "hostPath (Pod Security)",
            with(
                "    data1: {mountPath: /data/1, hostPath: /srv/data, readOnly: true}\n",
                claim_out,
            ),
            pod.clone(),
            "Pod Security",
        ),
        (
            "writable hostPath",
            with(
                "    data1: {mountPath: /data/1, hostPath: /srv/data}\n",
                claim_out,
            ),
            pod.clone(),
            "writable hostPath",
        ),
        (
            "hostPathType that creates",
            with(
                "    data1: {mountPath: /data/1, hostPath: /srv/data, readOnly: true, hostPathType: DirectoryOrCreate}\n",
                claim_out,
            ),
            pod.clone(),
            "DirectoryOrCreate",
        ),
        (
            "read-only outputs",
            with(
                claim_data,
                "    outputs1: {mountPath: /outputs/1, existingClaim: outputs-pvc, readOnly: true}\n",
            ),
            pod.clone(),
            "read-only outputs entry",
        ),
        (
            "nested mountPaths",
            with(
                "    data1: {mountPath: /data, existingClaim: data-pvc}\n    data2: {mountPath: /data/2, existingClaim: d2}\n",
                claim_out,
            ),
            pod.clone(),
            "are nested",
        ),
        (
            "entries on one mountPath",
            with(
                "    data1: {mountPath: /data, existingClaim: data-pvc}\n    data2: {mountPath: /data, existingClaim: d2}\n",
                claim_out,
            ),
            // The workload picks one of them, so it is injected.
            format!(
                "---\n{}",
                POD.replace(
                    "  name: p\n",
                    "  name: p\n  annotations: {stowage.dev/data: data1}\n"
                )
            ),
            "also the mountPath",
        ),
        (
            "several outputs, none default",
            with(
                claim_data,
                "    outputs1: {mountPath: /outputs/1, existingClaim: a}\n    outputs2: {mountPath: /outputs/2, existingClaim: b}\n",
            ),
            pod.clone(),
            "alphabetically first",
        ),
        (
            "conflict skipped",
            format!("{}  onConflict: skip\n", with(claim_data, claim_out)),
            format!("---\n{}", conflicting_pod()),
            "onConflict: skip",
        ),
    ]
}

#[test]
fn strict_turns_every_warning_into_an_error() {
    for (what, config, input, phrase) in warning_cases() {
        // Without --strict: exit 0, the output, and the warning.
        let r = post_render(&config, &[], &input);
        let out = succeeds(&r);
        assert!(!out.is_empty(), "{what}");
        assert!(
            r.stderr
                .lines()
                .any(|l| l.starts_with("warning:") && l.contains(phrase)),
            "{what}: no warning with `{phrase}`:\n{}",
            r.stderr
        );
        // With --strict: exit 1, nothing on stdout, the warning as an error, no warning left.
        let r = post_render(&config, &["--strict"], &input);
        fails(&r, &[phrase, "[--strict]"]);
        assert!(
            !r.stderr.lines().any(|l| l.starts_with("warning:")),
            "{what}: {}",
            r.stderr
        );
    }
}

#[test]
fn validate_strict_turns_config_warnings_into_errors() {
    for (what, config, _, phrase) in warning_cases() {
        if what == "conflict skipped" || what == "several outputs, none default" {
            continue; // found while planning workloads, not by `validate`
        }
        let r = validate(&config, &[]);
        assert_eq!(r.code, 0, "{what}: {}", r.stderr);
        assert!(r.stderr.contains(phrase), "{what}: {}", r.stderr);
        fails(&validate(&config, &["--strict"]), &[phrase, "[--strict]"]);
    }
}

#[test]
fn strict_leaves_notes_alone() {
    // Platform keys of Polyaxon's chart are accepted with a note: not a warning, so --strict passes.
    let config = format!("{CLAIMS}  logs: {{enabled: false}}\n");
    let r = post_render(&config, &["--strict"], &format!("---\n{POD}"));
    succeeds(&r);
    assert!(
        r.stderr.lines().any(|l| l.starts_with("note:")),
        "{}",
        r.stderr
    );
}
