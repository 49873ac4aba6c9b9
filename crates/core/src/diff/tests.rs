use serde_json::Value;

use super::*;

fn plan(text: &str) -> VolumePlan {
    read_plan(text.as_bytes(), "test", &ReadOptions::default()).unwrap()
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    volumeMounts: [{name: v, mountPath: /out}]\n    env: [{name: POLYAXON_RUN_OUTPUTS_PATH, value: /out/default/p}]\n  volumes: [{name: v, persistentVolumeClaim: {claimName: CLAIM}}]\n";

#[test]
fn reads_lists_cronjobs_and_default_namespace() {
    let p = plan(
        "kind: List\nitems:\n- kind: CronJob\n  metadata: {name: c, namespace: x}\n  spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a}]}}}}}\n---\nkind: ConfigMap\nmetadata: {name: m}\n",
    );
    assert_eq!(p.workloads.len(), 1);
    let w = &p.workloads[0];
    assert_eq!((w.kind.as_str(), w.namespace.as_str()), ("CronJob", "x"));
    assert_eq!(w.spec_field, "spec.jobTemplate.spec.template.spec");
    let p = plan(&POD.replace("CLAIM", "a"));
    assert_eq!(p.workloads[0].namespace, "default");
    assert!(p.workloads[0].injected());
}

#[test]
fn a_changed_claim_behind_the_outputs_mount_is_danger() {
    let r = compare(
        &plan(&POD.replace("CLAIM", "a")),
        &plan(&POD.replace("CLAIM", "b")),
    );
    let c: Vec<&Change> = r.changes().collect();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].level, Level::Danger);
    assert!(
        c[0].message.contains("outputs land elsewhere"),
        "{}",
        c[0].message
    );
    assert!(r.trips(Level::Danger) && r.trips(Level::Info));
    assert!(!compare(&r_plan(), &r_plan()).trips(Level::Info));
}

fn r_plan() -> VolumePlan {
    plan(&POD.replace("CLAIM", "a"))
}

#[test]
fn an_outputs_mount_removed_is_danger_and_json_escapes() {
    let old = plan(&POD.replace("CLAIM", "a"));
    let new = plan(&POD.replace("CLAIM", "a").replace(
        "volumeMounts: [{name: v, mountPath: /out}]",
        "volumeMounts: []",
    ));
    let r = compare(&old, &new);
    assert_eq!(r.highest(), Some(Level::Danger));
    let j: Value = serde_json::from_str(&json(&r)).unwrap();
    assert_eq!(j["changes"][0]["field"], "volumeMounts[/out]");
    assert_eq!(j["changes"][0]["container"], "c");
}

#[test]
fn colour_only_when_asked() {
    let r = compare(&r_plan(), &plan(&POD.replace("CLAIM", "b")));
    assert!(!human(&r, Style { color: false }).contains('\x1b'));
    assert!(human(&r, Style { color: true }).contains("\x1b[31m-"));
    assert!(markdown(&r).contains("| **danger** | c |"));
}

/// The outputs path of the one container of `plan`, with env `env` (flow YAML).
fn outputs_path(env: &str) -> Option<String> {
    let text = POD.replace("CLAIM", "a").replace(
        "[{name: POLYAXON_RUN_OUTPUTS_PATH, value: /out/default/p}]",
        env,
    );
    plan(&text).workloads[0].containers[0].outputs_path.clone()
}

#[test]
fn env_references_read_as_kubernetes_expands_them() {
    let run = "{name: STOWAGE_RUN, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['batch.kubernetes.io/controller-uid']\"}}}";
    let uses = "{name: POLYAXON_RUN_OUTPUTS_PATH, value: /out/p/$(STOWAGE_RUN)}";
    assert_eq!(
        outputs_path(&format!("[{run}, {uses}]")).unwrap(),
        "/out/p/<label batch.kubernetes.io/controller-uid>"
    );
    // Defined after its use, or not at all: left as written. `$$` is a `$`.
    assert_eq!(
        outputs_path(&format!("[{uses}, {run}]")).unwrap(),
        "/out/p/$(STOWAGE_RUN)"
    );
    let annotation = "{name: R, valueFrom: {fieldRef: {fieldPath: \"metadata.annotations['scheduling.k8s.io/group-name']\"}}}";
    assert_eq!(
        outputs_path(&format!(
            "[{annotation}, {{name: B, value: base}}, {{name: POLYAXON_RUN_OUTPUTS_PATH, value: '/out/$(B)/$$(B)/$(R)'}}]"
        ))
        .unwrap(),
        "/out/base/$(B)/<annotation scheduling.k8s.io/group-name>"
    );
}

#[test]
fn a_run_directory_added_is_info_and_removed_a_warning() {
    let run = "{name: STOWAGE_RUN, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['batch.kubernetes.io/controller-uid']\"}}}";
    let per_run = POD.replace("CLAIM", "a").replace(
        "[{name: POLYAXON_RUN_OUTPUTS_PATH, value: /out/default/p}]",
        &format!(
            "[{run}, {{name: POLYAXON_RUN_OUTPUTS_PATH, value: /out/default/p/$(STOWAGE_RUN)}}]"
        ),
    );
    let shared = POD.replace("CLAIM", "a");
    let level = |old: &str, new: &str| compare(&plan(old), &plan(new)).highest();
    assert_eq!(level(&shared, &per_run), Some(Level::Info));
    assert_eq!(level(&per_run, &shared), Some(Level::Warning));
    assert_eq!(level(&per_run, &per_run), None);
    // Another base is a move, run directory or not.
    let moved = per_run.replace("/out/default/p/", "/out/other/p/");
    assert_eq!(level(&per_run, &moved), Some(Level::Danger));
}

#[test]
fn each_replica_type_is_compared_on_its_own() {
    let job = |worker_claim: &str| {
        format!(
            "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {{name: mnist, namespace: ml}}\nspec:\n  pytorchReplicaSpecs:\n    Master:\n      template:\n        spec:\n          containers: [{{name: pytorch, volumeMounts: [{{name: o, mountPath: /out}}], env: [{{name: POLYAXON_RUN_OUTPUTS_PATH, value: /out/ml/mnist}}]}}]\n          volumes: [{{name: o, persistentVolumeClaim: {{claimName: a}}}}]\n    Worker:\n      template:\n        spec:\n          containers: [{{name: pytorch, volumeMounts: [{{name: o, mountPath: /out}}], env: [{{name: POLYAXON_RUN_OUTPUTS_PATH, value: /out/ml/mnist}}]}}]\n          volumes: [{{name: o, persistentVolumeClaim: {{claimName: {worker_claim}}}}}]\n"
        )
    };
    let old = plan(&job("a"));
    assert_eq!(old.workloads.len(), 2);
    let r = compare(&old, &plan(&job("b")));
    let titles: Vec<&str> = r
        .workloads
        .iter()
        .filter(|w| !w.changes.is_empty())
        .map(|w| w.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["PyTorchJob ml/mnist spec.pytorchReplicaSpecs.Worker.template.spec"]
    );
    assert_eq!(r.highest(), Some(Level::Danger));
}
