//! `stowage fn` (KRM function) and the legacy kustomize exec plugin, run as the binary.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use stowage_core::yaml::{Limits, parse_value};

const BIN: &str = env!("CARGO_BIN_EXE_stowage");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/krm")
            .join(name),
    )
    .unwrap()
}

fn run(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn run_fn(input: &[u8]) -> (i32, Value, String) {
    let out = run(
        Command::new(BIN)
            .arg("fn")
            .env_remove("KUSTOMIZE_PLUGIN_CONFIG_STRING"),
        input,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let list = parse_value(&text, Limits::default())
        .unwrap_or_else(|e| panic!("output is not YAML: {e:?}\n{text}"));
    (
        out.status.code().unwrap(),
        list,
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn yaml(bytes: &[u8]) -> Value {
    parse_value(std::str::from_utf8(bytes).unwrap(), Limits::default()).unwrap()
}

fn items(list: &Value) -> &Vec<Value> {
    list["items"].as_array().expect("items is a list")
}

fn pod_spec(item: &Value) -> &Value {
    &item["spec"]["template"]["spec"]
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().map(|x| x["name"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

fn results(list: &Value) -> Vec<Value> {
    list.get("results")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[test]
fn fn_with_persistence_function_config_injects_and_keeps_annotations() {
    let input = fixture("persistence-fn-config.yaml");
    let (code, list, stderr) = run_fn(&input);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(list["apiVersion"], "config.kubernetes.io/v1");
    assert_eq!(list["kind"], "ResourceList");
    let before = yaml(&input);
    let (ins, outs) = (items(&before), items(&list));
    assert_eq!(outs.len(), ins.len());
    for (i, o) in ins.iter().zip(outs) {
        // Every annotation (internal.config.kubernetes.io/*, config.kubernetes.io/*, ids) untouched.
        assert_eq!(i["metadata"], o["metadata"]);
        assert_eq!(i["kind"], o["kind"]);
    }
    // The Service is not a workload: unchanged.
    assert_eq!(ins[1], outs[1]);
    for w in [&outs[0], &outs[2]] {
        let spec = pod_spec(w);
        assert_eq!(names(&spec["volumes"]), ["data1", "outputs2"]);
        assert_eq!(
            spec["volumes"][1]["persistentVolumeClaim"]["claimName"],
            "outputs-2-pvc"
        );
        let c = &spec["containers"][0];
        assert_eq!(names(&c["volumeMounts"]), ["data1", "outputs2"]);
        // A Job's outputs path is per run: the run variable comes first.
        let run: &[&str] = if w["kind"] == "Job" {
            &["STOWAGE_RUN"]
        } else {
            &[]
        };
        assert_eq!(
            names(&c["env"]),
            [
                run,
                &["POLYAXON_RUN_DATA_PATHS", "POLYAXON_RUN_OUTPUTS_PATH"]
            ]
            .concat()
        );
        let name = w["metadata"]["name"].as_str().unwrap();
        let suffix = if run.is_empty() {
            ""
        } else {
            "/$(STOWAGE_RUN)"
        };
        assert_eq!(
            c["env"][run.len() + 1]["value"],
            format!("/outputs/2/ml/{name}{suffix}")
        );
    }
    // The hostPath entry gives a Pod Security warning, as a result and on stderr.
    let rs = results(&list);
    let warning = rs
        .iter()
        .find(|r| r["severity"] == "warning")
        .expect("a warning result");
    assert!(
        warning["message"].as_str().unwrap().contains("hostPath"),
        "{warning}"
    );
    assert!(rs.iter().all(|r| r["severity"] != "error"));
    assert!(
        stderr.contains("warning:") && stderr.contains("hostPath"),
        "{stderr}"
    );
    // The functionConfig goes back out as it came.
    assert_eq!(list["functionConfig"], before["functionConfig"]);
}

#[test]
fn fn_with_configmap_function_config() {
    let (code, list, stderr) = run_fn(&fixture("configmap-fn-config.yaml"));
    assert_eq!(code, 0, "{stderr}");
    let job = &items(&list)[0];
    assert_eq!(names(&pod_spec(job)["volumes"]), ["data2", "outputs2"]);
    assert_eq!(
        job["metadata"]["annotations"]["internal.config.kubernetes.io/path"],
        "job.yaml"
    );
    assert_eq!(
        job["metadata"]["annotations"]["internal.config.kubernetes.io/index"],
        "0"
    );
    assert!(results(&list).is_empty(), "{list}");
}

#[test]
fn fn_bad_config_exits_1_with_error_results_and_input_items() {
    let input = fixture("bad-config.yaml");
    let (code, list, stderr) = run_fn(&input);
    assert_eq!(code, 1);
    // Same apiVersion as the input (v1alpha1), items unchanged.
    assert_eq!(list["apiVersion"], "config.kubernetes.io/v1alpha1");
    assert_eq!(list["items"], yaml(&input)["items"]);
    let rs = results(&list);
    let error = rs
        .iter()
        .find(|r| r["severity"] == "error")
        .expect("an error result");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("existingClam") && message.contains("existingClaim"),
        "{message}"
    );
    assert!(stderr.contains("existingClam"), "{stderr}");
}

#[test]
fn fn_conflict_exits_1_with_resource_ref_and_input_items() {
    let input = fixture("conflict.yaml");
    let (code, list, _) = run_fn(&input);
    assert_eq!(code, 1);
    assert_eq!(list["items"], yaml(&input)["items"]);
    let rs = results(&list);
    let error = rs
        .iter()
        .find(|r| r["severity"] == "error")
        .expect("an error result");
    assert_eq!(error["resourceRef"]["kind"], "Job");
    assert_eq!(error["resourceRef"]["name"], "train");
    assert_eq!(error["resourceRef"]["namespace"], "ml");
    assert_eq!(error["resourceRef"]["apiVersion"], "batch/v1");
    assert_eq!(error["field"]["path"], "spec.template.spec.volumes");
}

#[test]
fn fn_is_idempotent() {
    for name in ["persistence-fn-config.yaml", "configmap-fn-config.yaml"] {
        let (code, first, _) = run_fn(&fixture(name));
        assert_eq!(code, 0);
        let text = stowage_core::edit::emit_document(&first, "\n");
        let (code, second, stderr) = run_fn(text.as_bytes());
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(first["items"], second["items"], "{name}");
    }
}

#[test]
fn fn_empty_items_give_empty_items() {
    let (code, list, stderr) = run_fn(&fixture("empty-items.yaml"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(list["items"], serde_json::json!([]));
}

#[test]
fn fn_without_function_config_is_an_error_and_keeps_items() {
    let input = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n";
    let (code, list, _) = run_fn(input);
    assert_eq!(code, 1);
    assert_eq!(items(&list).len(), 1);
    assert_eq!(results(&list)[0]["severity"], "error");
}

#[test]
fn fn_refuses_what_is_not_a_resource_list() {
    let (code, list, _) = run_fn(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
    assert_eq!(code, 1);
    assert_eq!(results(&list)[0]["severity"], "error");
}

const PLUGIN_CONFIG: &str = "apiVersion: stowage.dev/v1alpha1\nkind: Persistence\nmetadata:\n  name: persistence\nspec:\n  outputs:\n    outputs2: {mountPath: /outputs/2, existingClaim: outputs-2-pvc}\n";
const STREAM: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: train\n  annotations:\n    kustomize.config.k8s.io/id: |\n      kind: Job\n      name: train\nspec:\n  template:\n    spec:\n      containers:\n      - name: t\n        image: busybox\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n";

fn check_plugin_output(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(text.contains("claimName: \"outputs-2-pvc\""), "{text}");
    assert!(
        text.contains("kustomize.config.k8s.io/id: |\n      kind: Job\n      name: train\n"),
        "{text}"
    );
    assert!(text.contains("kind: Service"), "{text}");
}

#[test]
fn legacy_plugin_by_env() {
    let dir = common::temp_dir("krm-env");
    let cfg = dir.join("cfg.yaml");
    std::fs::write(&cfg, PLUGIN_CONFIG).unwrap();
    let out = run(
        Command::new(BIN)
            .arg(&cfg)
            .env("KUSTOMIZE_PLUGIN_CONFIG_STRING", PLUGIN_CONFIG)
            .env("KUSTOMIZE_PLUGIN_CONFIG_ROOT", &dir),
        STREAM.as_bytes(),
    );
    check_plugin_output(&out);
    // Subcommands still work with the variable set.
    let out = run(
        Command::new(BIN)
            .arg("schema")
            .env("KUSTOMIZE_PLUGIN_CONFIG_STRING", PLUGIN_CONFIG),
        b"",
    );
    assert!(out.status.success());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn legacy_plugin_by_name_after_install() {
    let dir = common::temp_dir("krm-install");
    let out = Command::new(BIN)
        .args(["kustomize-plugin", "install", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plugin = dir.join("stowage.dev/v1alpha1/persistence/Persistence");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&plugin.display().to_string()));
    let cfg = dir.join("cfg.yaml");
    std::fs::write(&cfg, PLUGIN_CONFIG).unwrap();
    let out = run(
        Command::new(&plugin)
            .arg(&cfg)
            .env_remove("KUSTOMIZE_PLUGIN_CONFIG_STRING"),
        STREAM.as_bytes(),
    );
    check_plugin_output(&out);
    // A broken config: exit 1, the message on stderr, nothing on stdout.
    std::fs::write(&cfg, PLUGIN_CONFIG.replace("existingClaim", "existingClam")).unwrap();
    let out = run(Command::new(&plugin).arg(&cfg), STREAM.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("existingClam"));
    // Installing again replaces the link.
    let out = Command::new(BIN)
        .args(["kustomize-plugin", "install", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn fn_keeps_a_persistence_item_and_injects_the_rest() {
    let input = fixture("config-in-items.yaml");
    let (code, list, stderr) = run_fn(&input);
    assert_eq!(code, 0, "{stderr}");
    let items = items(&list);
    assert_eq!(items.len(), 2, "the Persistence item stays in the package");
    assert_eq!(items[0], yaml(&input)["items"][0]);
    assert_eq!(
        items[1]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "out-pvc"
    );
}

#[test]
fn fn_strict_turns_warnings_into_errors_and_keeps_the_items() {
    // The fixture's hostPath entry draws a Pod Security warning.
    let input = fixture("persistence-fn-config.yaml");
    let out = run(
        Command::new(BIN)
            .args(["fn", "--strict"])
            .env_remove("KUSTOMIZE_PLUGIN_CONFIG_STRING"),
        &input,
    );
    assert_eq!(out.status.code(), Some(1));
    let list = yaml(&out.stdout);
    assert_eq!(
        items(&list),
        items(&yaml(&input)),
        "the input items come back unchanged"
    );
    let results = list["results"].as_array().expect("results");
    assert!(
        results.iter().any(|r| r["severity"] == "error"
            && r["message"].as_str().unwrap_or("").contains("[--strict]"))
    );
}
