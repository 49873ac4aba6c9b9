//! End to end with kustomize: `kubectl kustomize --enable-alpha-plugins` runs stowage as a legacy
//! exec plugin installed by `stowage kustomize-plugin install`. kubectl comes from `$STOWAGE_KUBECTL`
//! or `.venv/bin/kubectl` (`scripts/setup-python` installs it); without it this test fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use stowage_core::stream::{self, Class};
use stowage_core::yaml::{Limits, parse_value};

const BIN: &str = env!("CARGO_BIN_EXE_stowage");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn kubectl() -> PathBuf {
    if let Some(k) = std::env::var_os("STOWAGE_KUBECTL") {
        let k = PathBuf::from(k);
        assert!(
            k.exists(),
            "STOWAGE_KUBECTL={} does not exist: point it at kubectl, or unset it and run scripts/setup-python",
            k.display()
        );
        return k;
    }
    let k = root().join(".venv/bin/kubectl");
    assert!(
        k.exists(),
        "kubectl not found at {} and STOWAGE_KUBECTL is not set: run scripts/setup-python first",
        k.display()
    );
    k
}

/// A temp XDG_CONFIG_HOME with the plugin installed.
fn install(tag: &str) -> PathBuf {
    let xdg = common::temp_dir(&format!("kust-{tag}"));
    let out = Command::new(BIN)
        .args(["kustomize-plugin", "install", "--dir"])
        .arg(xdg.join("kustomize/plugin"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    xdg
}

fn kustomize(xdg: &Path, dir: &Path) -> Output {
    Command::new(kubectl())
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(dir)
        .env("XDG_CONFIG_HOME", xdg)
        .env_remove("KUSTOMIZE_PLUGIN_HOME")
        .output()
        .unwrap()
}

fn documents(text: &str) -> Vec<Value> {
    let docs = stream::split(text.as_bytes()).unwrap();
    docs.iter()
        .filter(|d| d.class == Class::Object)
        .map(|d| parse_value(&text[d.parse_range()], Limits::default()).unwrap())
        .collect()
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().map(|x| x["name"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[test]
fn kubectl_kustomize_runs_the_legacy_plugin() {
    let xdg = install("ok");
    let out = kustomize(&xdg, &root().join("examples/kustomize"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kubectl kustomize failed: {stderr}");
    let docs = documents(&String::from_utf8(out.stdout).unwrap());
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Deployment", "Job"]);
    for d in &docs {
        let name = d["metadata"]["name"].as_str().unwrap();
        let spec = &d["spec"]["template"]["spec"];
        assert_eq!(names(&spec["volumes"]), ["data1", "outputs2"], "{name}");
        assert_eq!(spec["volumes"][0]["hostPath"]["path"], "/path/to/data");
        assert_eq!(
            spec["volumes"][1]["persistentVolumeClaim"]["claimName"],
            "outputs-2-pvc"
        );
        let containers: Vec<&Value> = ["containers", "initContainers"]
            .iter()
            .flat_map(|k| spec[*k].as_array().into_iter().flatten())
            .collect();
        assert!(!containers.is_empty());
        for c in containers {
            assert_eq!(names(&c["volumeMounts"]), ["data1", "outputs2"], "{name}");
            assert_eq!(c["volumeMounts"][0]["mountPath"], "/data/1");
            assert_eq!(c["volumeMounts"][0]["readOnly"], true);
            assert_eq!(c["volumeMounts"][1]["mountPath"], "/outputs/2");
            // The Job's outputs are per run: STOWAGE_RUN, from the pod's Job uid label, first.
            let (run, suffix): (&[&str], &str) = match d["kind"].as_str() {
                Some("Job") => (&["STOWAGE_RUN"], "/$(STOWAGE_RUN)"),
                _ => (&[], ""),
            };
            assert_eq!(
                names(&c["env"]),
                [
                    run,
                    &["POLYAXON_RUN_DATA_PATHS", "POLYAXON_RUN_OUTPUTS_PATH"]
                ]
                .concat(),
                "{name}"
            );
            let env = &c["env"].as_array().unwrap()[run.len()..];
            assert_eq!(env[0]["value"], r#"{"data1": "/data/1"}"#);
            assert_eq!(env[1]["value"], format!("/outputs/2/ml/{name}{suffix}"));
        }
        // kustomize strips its id annotation after the plugin ran.
        assert!(
            d["metadata"]
                .get("annotations")
                .is_none_or(|a| a.get("kustomize.config.k8s.io/id").is_none())
        );
    }
    let _ = std::fs::remove_dir_all(xdg);
}

#[test]
fn kubectl_kustomize_fails_with_stowage_message_on_a_broken_config() {
    let xdg = install("broken");
    let dir = xdg.join("example");
    common::copy_tree(&root().join("examples/kustomize"), &dir);
    let cfg = dir.join("persistence.yaml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("existingClaim:"));
    std::fs::write(&cfg, text.replace("existingClaim:", "existingClam:")).unwrap();
    let out = kustomize(&xdg, &dir);
    assert!(!out.status.success(), "the build should fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown key `existingClam`")
            && stderr.contains("did you mean `existingClaim`"),
        "stowage's message should reach stderr: {stderr}"
    );
    let _ = std::fs::remove_dir_all(xdg);
}
