//! `onConflict`, `containers`, `workloadKinds` and `env`.

use super::*;

#[test]
fn on_conflict_and_containers() {
    let (config, _) = ok("onConflict: skip\ncontainers: [main, sidecar]");
    assert_eq!(config.on_conflict, OnConflict::Skip);
    assert_eq!(
        config.containers,
        Some(vec!["main".to_string(), "sidecar".to_string()])
    );
    let (config, _) = ok("{}");
    assert_eq!(
        (config.on_conflict, config.containers),
        (OnConflict::Error, None)
    );
    only_error_at(
        "onConflict: skipp",
        "persistence.onConflict",
        "did you mean `skip`?",
    );
    only_error_at(
        "containers: []",
        "persistence.containers",
        "remove `containers`",
    );
    only_error_at(
        "containers: [main, Main_2]",
        "persistence.containers[1]",
        "container name",
    );
    only_error_at(
        "containers: [main, main]",
        "persistence.containers",
        "twice",
    );
}

#[test]
fn workload_kinds() {
    let (config, _) = ok(
        "workloadKinds:\n- {apiVersion: example.com/v1, kind: Pipeline, volumesPath: spec.volumes, containerPaths: ['spec.steps[].container'], runLabel: example.com/run-id}\n- {kind: TrainJob, podSpecPaths: ['spec.replicaSpecs.*.template.spec']}",
    );
    assert_eq!(
        config.workload_kinds[0],
        WorkloadKind {
            api_version: Some("example.com/v1".into()),
            kind: "Pipeline".into(),
            pod_spec_paths: vec![],
            volumes_path: Some("spec.volumes".into()),
            container_paths: vec!["spec.steps[].container".into()],
            run_label: Some("example.com/run-id".into()),
        }
    );
    assert_eq!(config.workload_kinds[1].api_version, None);
    assert_eq!(
        config.workload_kinds[1].pod_spec_paths,
        ["spec.replicaSpecs.*.template.spec"]
    );
    only_error_at(
        "workloadKinds: [{kind: W, podSpecPaths: [spec], volumesPath: spec.volumes, containerPaths: [spec.c]}]",
        "persistence.workloadKinds[0]",
        "not both",
    );
    only_error_at(
        "workloadKinds: [{kind: W, volumesPath: spec.volumes}]",
        "persistence.workloadKinds[0]",
        "needs `containerPaths` beside `volumesPath`",
    );
    only_error_at(
        "workloadKinds: [{kind: W, volumesPath: spec.vols, containerPaths: [spec.c]}]",
        "persistence.workloadKinds[0].volumesPath",
        "`volumes` list",
    );
    only_error_at(
        "workloadKinds: [{kind: W, podSpecPaths: [spec], runLabel: 'a b'}]",
        "persistence.workloadKinds[0].runLabel",
        "label key",
    );
    only_error_at(
        "workloadKinds: [{kind: Workflow}]",
        "persistence.workloadKinds[0]",
        "needs `podSpecPaths`",
    );
    only_error_at(
        "workloadKinds: [{kind: Workflow, podSpecPaths: ['spec..x']}]",
        "persistence.workloadKinds[0].podSpecPaths[0]",
        "dotted path",
    );
    only_error_at(
        "workloadKinds: [{kind: Workflow, podSpecPaths: []}]",
        "persistence.workloadKinds[0].podSpecPaths",
        "must not be empty",
    );
    only_error_at(
        "workloadKinds: [{kind: W, podSpecPaths: [spec]}, {kind: W, podSpecPaths: [spec.x]}]",
        "persistence.workloadKinds[1]",
        "listed twice",
    );
    only_error_at(
        "workloadKinds: [{apiVersion: Argoproj.io/v1, kind: Workflow, podSpecPaths: [spec]}]",
        "persistence.workloadKinds[0].apiVersion",
        "such as `argoproj.io/v1alpha1`",
    );
    only_error_at(
        "workloadKinds: [{kind: 'Work-flow', podSpecPaths: [spec]}]",
        "persistence.workloadKinds[0].kind",
        "such as `Workflow`",
    );
    only_error_at(
        "workloadKinds: [{kind: '', podSpecPaths: [spec]}]",
        "persistence.workloadKinds[0]",
        "needs `kind`",
    );
    // `apiVersion: ''` is absent: any group.
    let (config, _) = ok("workloadKinds: [{apiVersion: '', kind: Workflow, podSpecPaths: [spec]}]");
    assert_eq!(config.workload_kinds[0].api_version, None);
    // A configured kind takes the place of the built-in one of its apiVersion, with a note.
    let (_, diags) = ok(
        "workloadKinds: [{apiVersion: apps/v1, kind: Deployment, podSpecPaths: [spec.template.spec]}]",
    );
    find(
        &diags,
        Severity::Note,
        "persistence.workloadKinds[0]",
        "takes the place of the built-in kind `Deployment.apps`",
    );
    // Without an apiVersion it takes the place of every built-in kind of its name.
    let (_, diags) = ok("workloadKinds: [{kind: Job, podSpecPaths: [spec.template.spec]}]");
    find(
        &diags,
        Severity::Note,
        "persistence.workloadKinds[0]",
        "`Job` of any apiVersion takes the place of the built-in kind `Job.batch` and `Job.batch.volcano.sh`",
    );
}

#[test]
fn env_names() {
    let (config, _) = ok("env: {dataPaths: DATA_PATHS, credentialsPrefix: CREDS_}");
    assert_eq!(config.env.data_paths, "DATA_PATHS");
    assert_eq!(config.env.credentials_prefix, "CREDS_");
    assert_eq!(config.env.outputs_path, EnvNames::default().outputs_path);
    only_error_at(
        "env: {dataPaths: 1X}",
        "persistence.env.dataPaths",
        "env var name",
    );
    only_error_at(
        "env: {dataPaths: ..X}",
        "persistence.env.dataPaths",
        "not a valid env var name",
    );
    only_error_at(
        "env: {dataPath: X}",
        "persistence.env.dataPath",
        "did you mean `dataPaths`?",
    );
    only_error_at(
        "env: {outputsPath: POLYAXON_RUN_DATA_PATHS}",
        "persistence.env.outputsPath",
        "injected twice",
    );
    ok(
        "env: {credentialsPrefix: X_}\ndata: {a: {store: s3, bucket: s3://b, secret: s, secretKey: k}}",
    );
    let diags = error_at(
        "env: {dataPaths: CREDS_A, credentialsPrefix: CREDS_}\ndata: {a: {store: s3, bucket: s3://b, secret: s, secretKey: k}}",
        "persistence.env.credentialsPrefix",
        "`CREDS_A` would be injected twice",
    );
    assert_eq!(errors(&diags).len(), 1);
}

#[test]
fn disabled_kinds() {
    let (config, _) = ok("disabledKinds: [RayCluster.ray.io, Job.batch.volcano.sh, Pod]");
    assert_eq!(
        config.disabled_kinds,
        ["RayCluster.ray.io", "Job.batch.volcano.sh", "Pod"]
    );
    only_error_at(
        "disabledKinds: [RayCluster.ray]",
        "persistence.disabledKinds[0]",
        "not a built-in workload kind",
    );
}
