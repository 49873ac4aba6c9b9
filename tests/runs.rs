//! Outputs per run, as the kubelet computes them. stowage's output gives each run's pods the
//! env of its pod template; `.tools/bin/k8s-env` (testdata/k8s-env, built by scripts/setup-tools)
//! computes the env of a pod with the kubelet's own expansion and downward-API code
//! (k8s.io/kubernetes v1.32.0). The pod of a run is its template with the metadata its
//! controller adds: for a Job, the label `batch.kubernetes.io/controller-uid` (the Job's uid).

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{Value, json};

mod clients;
mod common;

const CONFIG: &str = "persistence:\n  data:\n    data1: {mountPath: /data/1, existingClaim: data-1-pvc}\n  outputs:\n    outputs1: {mountPath: /outputs/1, existingClaim: outputs-1-pvc}\n";

/// The CronJob of a nightly training run; its container already reads a variable of its own that
/// refers to another (`$(MODEL)`), which must keep working.
const CRONJOB: &str = "apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: ml
spec:
  schedule: \"0 2 * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: train
            image: example/trainer:1.0
            env:
            - name: MODEL
              value: resnet
            - name: CHECKPOINTS
              value: /ckpt/$(MODEL)
";

/// stowage's output for `input`, parsed.
fn inject(input: &str) -> Vec<Value> {
    let dir = common::temp_dir("runs");
    let values = dir.join("values.yaml");
    std::fs::write(&values, CONFIG).unwrap();
    let run = common::stowage(
        &["post-render", "--values", values.to_str().unwrap()],
        input.as_bytes(),
    );
    let out = common::succeeds(&run);
    let _ = std::fs::remove_dir_all(dir);
    serde_saphyr::from_multiple(&out).unwrap()
}

/// The env the kubelet gives each container of `pod`.
fn kubelet_env(pod: &Value) -> BTreeMap<String, BTreeMap<String, String>> {
    let run = common::run_process(
        &mut Command::new(clients::tool("k8s-env")),
        serde_json::to_string(pod).unwrap().as_bytes(),
        std::time::Duration::from_secs(10),
    );
    assert_eq!(run.code, 0, "k8s-env: {}", run.stderr);
    serde_json::from_slice(&run.stdout).unwrap()
}

/// A pod of `template` (a pod template) as its controller makes it, with these labels added.
fn pod(template: &Value, labels: Value, annotations: Value) -> Value {
    let mut metadata = template.get("metadata").cloned().unwrap_or(json!({}));
    for (key, add) in [("labels", labels), ("annotations", annotations)] {
        let mut map = metadata.get(key).cloned().unwrap_or(json!({}));
        map.as_object_mut()
            .unwrap()
            .extend(add.as_object().unwrap().clone());
        metadata[key] = map;
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"]})
}

#[test]
fn each_run_of_a_cronjob_writes_its_own_outputs() {
    let docs = inject(CRONJOB);
    let template = &docs[0]["spec"]["jobTemplate"]["spec"]["template"];
    let mut paths = Vec::new();
    for uid in [
        "5f0c9d4e-0b7a-4a53-9d1e-1a2b3c4d5e6f",
        "0e6c2c1d-7f2b-4e0a-8c3d-6f5e4d3c2b1a",
    ] {
        let labels = json!({"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "nightly-29410200"});
        let env = kubelet_env(&pod(template, labels, json!({})));
        let train = &env["train"];
        assert_eq!(
            train["POLYAXON_RUN_OUTPUTS_PATH"],
            format!("/outputs/1/ml/nightly/{uid}")
        );
        assert_eq!(train["POLYAXON_RUN_DATA_PATHS"], r#"{"data1": "/data/1"}"#);
        // The chart's own reference still expands.
        assert_eq!(train["CHECKPOINTS"], "/ckpt/resnet");
        paths.push(train["POLYAXON_RUN_OUTPUTS_PATH"].clone());
    }
    assert_ne!(paths[0], paths[1], "two runs share an outputs path");
}

/// The control: with the variable defined after its use, the kubelet leaves `$(STOWAGE_RUN)` as
/// written, so the order stowage writes is what makes the path per run.
#[test]
fn the_run_variable_must_come_first() {
    let docs = inject(CRONJOB);
    let mut template = docs[0]["spec"]["jobTemplate"]["spec"]["template"].clone();
    let env = template["spec"]["containers"][0]["env"]
        .as_array_mut()
        .unwrap();
    let at = env.iter().position(|e| e["name"] == "STOWAGE_RUN").unwrap();
    let run = env.remove(at);
    env.push(run);
    let labels = json!({"batch.kubernetes.io/controller-uid": "u1"});
    let env = kubelet_env(&pod(&template, labels, json!({})));
    assert_eq!(
        env["train"]["POLYAXON_RUN_OUTPUTS_PATH"],
        "/outputs/1/ml/nightly/$(STOWAGE_RUN)"
    );
}

#[test]
fn a_volcano_task_reads_its_run_from_an_annotation_and_a_deployment_has_none() {
    let input =
        std::fs::read_to_string(clients::root().join("testdata/kinds/volcano/vcjob-job.yaml"))
            .unwrap();
    let docs = inject(&input);
    let job = docs.iter().find(|d| d["kind"] == "Job").unwrap();
    let name = job["metadata"]["name"].as_str().unwrap();
    let namespace = job["metadata"]["namespace"].as_str().unwrap_or("default");
    let template = &job["spec"]["tasks"][0]["template"];
    let group = format!("{name}-3c1e9a6e-2d0f-4f8e-9a57-1b2c3d4e5f60");
    let env = kubelet_env(&pod(
        template,
        json!({}),
        json!({"scheduling.k8s.io/group-name": group}),
    ));
    for vars in env.values() {
        assert_eq!(
            vars["POLYAXON_RUN_OUTPUTS_PATH"],
            format!("/outputs/1/{namespace}/{name}/{group}")
        );
    }

    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: ml}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: api, image: example/api:1}]\n";
    let docs = inject(deployment);
    let env = kubelet_env(&pod(&docs[0]["spec"]["template"], json!({}), json!({})));
    assert_eq!(env["api"]["POLYAXON_RUN_OUTPUTS_PATH"], "/outputs/1/ml/api");
    assert!(!env["api"].contains_key("STOWAGE_RUN"));
}
