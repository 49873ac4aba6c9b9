//! Where each shape of kind keeps its pods: the fields `find` gives for small objects.

use super::*;
use crate::yaml::{self, Limits};

/// A workload `Kind/name` with the field of each pod and the fields of its containers.
type Found = (String, Vec<(String, Vec<String>)>);

/// `find` on one object: what it finds, and the notes.
fn pods(text: &str, kinds: Kinds) -> (Vec<Found>, Vec<String>) {
    let tree = yaml::parse(text, Limits::default()).unwrap();
    let mut notes = Vec::new();
    let found = find(&tree, tree.root.unwrap(), kinds, &mut notes).unwrap();
    let found = found
        .iter()
        .map(|w| {
            let pods = w
                .pods
                .iter()
                .map(|p| {
                    let containers = p.containers.iter().map(|c| c.field.clone()).collect();
                    (p.field.clone(), containers)
                })
                .collect();
            (format!("{}/{}", w.kind, w.name), pods)
        })
        .collect();
    (found, notes.iter().map(|n| n.message.clone()).collect())
}

fn fields(text: &str) -> Vec<String> {
    let (found, notes) = pods(text, Kinds::default());
    assert!(notes.is_empty(), "{notes:?}");
    found
        .into_iter()
        .flat_map(|(_, pods)| pods)
        .flat_map(|(pod, containers)| std::iter::once(pod).chain(containers))
        .collect()
}

#[test]
fn every_replica_type_of_a_kubeflow_job() {
    let job = "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: mnist}\nspec:\n  pytorchReplicaSpecs:\n    Master: {replicas: 1, template: {spec: {containers: [{name: pytorch}]}}}\n    Worker:\n      template:\n        spec:\n          initContainers: [{name: wait}]\n          containers: [{name: pytorch}]\n";
    assert_eq!(
        fields(job),
        [
            "spec.pytorchReplicaSpecs.Master.template.spec",
            "spec.pytorchReplicaSpecs.Master.template.spec.containers[0]",
            "spec.pytorchReplicaSpecs.Worker.template.spec",
            "spec.pytorchReplicaSpecs.Worker.template.spec.initContainers[0]",
            "spec.pytorchReplicaSpecs.Worker.template.spec.containers[0]",
        ]
    );
}

#[test]
fn both_mpijob_versions() {
    for version in ["v2beta1", "v1"] {
        let job = format!(
            "apiVersion: kubeflow.org/{version}\nkind: MPIJob\nmetadata: {{name: pi}}\nspec:\n  mpiReplicaSpecs:\n    Launcher: {{template: {{spec: {{containers: [{{name: l}}]}}}}}}\n    Worker: {{template: {{spec: {{containers: [{{name: w}}]}}}}}}\n"
        );
        assert_eq!(fields(&job).len(), 4, "{version}");
    }
}

#[test]
fn lists_and_optional_groups() {
    let jobset = "apiVersion: jobset.x-k8s.io/v1alpha2\nkind: JobSet\nmetadata: {name: js}\nspec:\n  replicatedJobs:\n  - name: leader\n    template: {spec: {template: {spec: {containers: [{name: l}]}}}}\n  - name: workers\n    template: {spec: {template: {spec: {containers: [{name: w}]}}}}\n";
    assert_eq!(
        fields(jobset),
        [
            "spec.replicatedJobs[0].template.spec.template.spec",
            "spec.replicatedJobs[0].template.spec.template.spec.containers[0]",
            "spec.replicatedJobs[1].template.spec.template.spec",
            "spec.replicatedJobs[1].template.spec.template.spec.containers[0]",
        ]
    );
    // A LeaderWorkerSet without a leader template, a RayCluster without worker groups.
    let lws = "apiVersion: leaderworkerset.x-k8s.io/v1\nkind: LeaderWorkerSet\nmetadata: {name: vllm}\nspec:\n  leaderWorkerTemplate:\n    workerTemplate: {spec: {containers: [{name: w}]}}\n";
    assert_eq!(
        fields(lws),
        [
            "spec.leaderWorkerTemplate.workerTemplate.spec",
            "spec.leaderWorkerTemplate.workerTemplate.spec.containers[0]"
        ]
    );
    let ray = "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: r}\nspec:\n  headGroupSpec: {template: {spec: {containers: [{name: head}]}}}\n  workerGroupSpecs: null\n";
    assert_eq!(
        fields(ray),
        [
            "spec.headGroupSpec.template.spec",
            "spec.headGroupSpec.template.spec.containers[0]"
        ]
    );
}

#[test]
fn volumes_in_one_place_and_containers_in_others() {
    let wf = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: steps-}\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    steps: [[{name: a, template: train}]]\n  - name: train\n    initContainers: [{name: fetch}]\n    container: {image: t}\n    sidecars: [{name: log}]\n  - name: report\n    script: {image: python, source: print(1)}\n  - name: pair\n    containerSet: {containers: [{name: a}, {name: b}]}\n";
    assert_eq!(
        fields(wf),
        [
            "spec",
            "spec.templates[1].initContainers[0]",
            "spec.templates[1].container",
            "spec.templates[2].script",
            "spec.templates[1].sidecars[0]",
            // A container set's members get the env, the set the mounts of all of them.
            "spec.templates[3].containerSet.containers[0]",
            "spec.templates[3].containerSet.containers[1]",
            "spec.templates[3].containerSet",
        ]
    );
    let cron = "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata: {name: nightly}\nspec:\n  schedules: ['0 2 * * *']\n  workflowSpec:\n    templates: [{name: t, container: {image: t}}]\n";
    assert_eq!(
        fields(cron),
        [
            "spec.workflowSpec",
            "spec.workflowSpec.templates[0].container"
        ]
    );
    let spark = "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata: {name: pi}\nspec:\n  driver: {cores: 1, sidecars: [{name: s}]}\n  executor: {instances: 2}\n";
    assert_eq!(
        fields(spark),
        [
            "spec",
            "spec.driver",
            "spec.driver.sidecars[0]",
            "spec.executor"
        ]
    );
}

#[test]
fn unknown_versions_disabled_and_configured_kinds() {
    let ray = "apiVersion: ray.io/v1alpha1\nkind: RayCluster\nmetadata: {name: old}\nspec:\n  headGroupSpec: {template: {spec: {containers: [{name: head}]}}}\n";
    let (found, notes) = pods(ray, Kinds::default());
    assert!(found.is_empty());
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].contains("`ray.io/v1alpha1` is not a version of RayCluster.ray.io"),
        "{notes:?}"
    );

    let volcano = "apiVersion: batch.volcano.sh/v1alpha1\nkind: Job\nmetadata: {name: vj}\nspec:\n  tasks:\n  - {name: ps, template: {spec: {containers: [{name: ps}]}}}\n";
    assert_eq!(fields(volcano).len(), 2);
    let off = ["Job.batch.volcano.sh".to_string()];
    let kinds = Kinds {
        disabled: &off,
        ..Kinds::default()
    };
    assert_eq!(pods(volcano, kinds), (vec![], vec![]));

    // A configured kind of each shape; it takes the place of a built-in one.
    let configured = [
        WorkloadKind {
            api_version: None,
            kind: "Job".into(),
            pod_spec_paths: vec![
                "spec.tasks[].template.spec".into(),
                "spec.extra.spec".into(),
            ],
            volumes_path: None,
            container_paths: vec![],
            run_label: None,
        },
        WorkloadKind {
            api_version: Some("example.com/v1".into()),
            kind: "Pipeline".into(),
            pod_spec_paths: vec![],
            volumes_path: Some("spec.volumes".into()),
            container_paths: vec!["spec.steps.*".into()],
            run_label: Some("example.com/run".into()),
        },
    ];
    let kinds = Kinds {
        configured: &configured,
        ..Kinds::default()
    };
    let (found, _) = pods(volcano, kinds);
    assert_eq!(found[0].1[0].0, "spec.tasks[0].template.spec");
    let pipeline = "apiVersion: example.com/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  steps:\n    fetch: {image: a}\n    train: {image: b}\n";
    let (found, _) = pods(pipeline, kinds);
    assert_eq!(
        found[0].1,
        [(
            "spec".to_string(),
            vec![
                "spec.steps.fetch".to_string(),
                "spec.steps.train".to_string()
            ]
        )]
    );
}

#[test]
fn a_missing_template_is_an_error_only_for_kubernetes_kinds() {
    let tree = yaml::parse(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {}\n",
        Limits::default(),
    )
    .unwrap();
    let err = find(&tree, tree.root.unwrap(), Kinds::default(), &mut Vec::new()).unwrap_err();
    assert_eq!(err.message, "`spec.template` is missing");
    let (found, notes) = pods(
        "apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: j}\nspec: {clusterSelector: {ray.io/cluster: c}}\n",
        Kinds::default(),
    );
    assert_eq!(found[0].1.len(), 0);
    assert!(notes[0].starts_with("no pod at"), "{notes:?}");
    let tree = yaml::parse("apiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata: {name: j}\nspec: {tfReplicaSpecs: {PS: {template: {spec: {containers: 3}}}}}\n", Limits::default()).unwrap();
    let err = find(&tree, tree.root.unwrap(), Kinds::default(), &mut Vec::new()).unwrap_err();
    assert_eq!(
        err.message,
        "`spec.tfReplicaSpecs.PS.template.spec.containers` is not a list"
    );
    assert_eq!(err.place.line, Some(4));
}
