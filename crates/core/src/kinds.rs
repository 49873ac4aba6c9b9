//! Which objects stowage looks into: the built-in workload kinds with where each keeps its pods,
//! the list kinds whose items may be workloads, and stowage's own config kind. Kinds configured in
//! `persistence.workloadKinds` are the config's (`config::WorkloadKind`); `persistence.disabledKinds`
//! turns built-in ones off (`config::Kinds`). docs/kinds.md has the source of each row.

/// A built-in workload kind.
pub struct BuiltIn {
    /// The API group (`""` for the core group): a kind is matched with its group, so a Volcano
    /// `Job` (`batch.volcano.sh`) is not a `batch/v1` Job.
    pub group: &'static str,
    pub kind: &'static str,
    /// The versions whose shape this is. Empty for the Kubernetes kinds: every version the API
    /// serves has their shape, and their pod template is required (a missing one is an error).
    /// A CRD of another version is left alone with a note: its shape is not known.
    pub versions: &'static [&'static str],
    pub pods: Pods<'static>,
    /// The list of claim templates that the controller mounts as pod volumes of their names (a
    /// StatefulSet's, an Argo Workflow's `volumeClaimTemplates`).
    pub claim_templates: Option<&'static str>,
    /// For a kind that runs to completion: the pod field (a label or annotation, as the downward
    /// API names it) whose value tells one run from another, the `{{run}}` of the outputs path.
    /// `None`: a long-running workload, or one whose pods carry nothing that changes per run.
    pub run: Option<&'static str>,
}

/// Where a kind keeps its pods. Paths are dotted keys from the object: `[]` after a key walks
/// every item of a list, a `*` step every value of a mapping.
#[derive(Clone, Copy, Debug)]
pub enum Pods<'a> {
    /// Paths to pod specs, each with `volumes`, `initContainers` and `containers`; the mapping
    /// above one is its pod template, whose `metadata` holds the pod's annotations and labels.
    Specs(&'a [&'a str]),
    /// The pod's volumes in one list, its containers elsewhere (Argo Workflows, the Spark
    /// operator): the path of the `volumes` list; the path of each container (a mapping with
    /// `volumeMounts` and `env`), with the name the pod gives it when it has no `name` (what a
    /// `containers` selection matches); of mappings whose `volumeMounts` every container of a set gets
    /// (an Argo `containerSet`), whose containers then get only `env`; and where the pods'
    /// annotations and labels are, as the mapping that must exist and the keys from it to the
    /// annotations.
    Split {
        volumes: &'a str,
        containers: &'a [(&'a str, Option<&'static str>)],
        shared_mounts: &'a [(&'a str, &'a str)],
        metadata: &'a [(&'a str, &'static [&'static str])],
    },
}

/// The pod label of a Job's run: the Job controller sets it to the Job's uid, so each Job a
/// CronJob creates, and a Job re-created under its name, has its own.
const JOB_RUN: Option<&str> = Some("metadata.labels['batch.kubernetes.io/controller-uid']");
const POD_SPEC: Pods = Pods::Specs(&["spec.template.spec"]);

macro_rules! kubeflow {
    ($kind:literal, [$($version:literal),+], $replicas:literal) => {
        BuiltIn {
            group: "kubeflow.org",
            kind: $kind,
            versions: &[$($version),+],
            pods: Pods::Specs(&[concat!("spec.", $replicas, ".*.template.spec")]),
            claim_templates: None,
            // The training operator labels a job's pods with its name only: nothing tells two
            // jobs of one name apart, so the job is the run.
            run: None,
        }
    };
}

/// An Argo workflow spec at `$spec`. Argo adds a workflow volume to a pod only where the main
/// container, script, an init container, a sidecar or a `containerSet.volumeMounts` mounts it,
/// not a container of a set.
macro_rules! argo {
    ($spec:literal) => {
        Pods::Split {
            volumes: concat!($spec, ".volumes"),
            // Argo names a template's main container `main` (workflow/common/common.go).
            containers: &[
                (concat!($spec, ".templates[].initContainers[]"), None),
                (concat!($spec, ".templates[].container"), Some("main")),
                (concat!($spec, ".templates[].script"), Some("main")),
                (concat!($spec, ".templates[].sidecars[]"), None),
            ],
            shared_mounts: &[(concat!($spec, ".templates[].containerSet"), "containers[]")],
            metadata: &[($spec, &["podMetadata", "annotations"])],
        }
    };
}
const ARGO: Pods = argo!("spec");
/// Argo labels a workflow's pods with the workflow's name, new for each run of a CronWorkflow
/// (`<name>-<time>`) and of a `generateName` workflow.
const ARGO_RUN: Option<&str> = Some("metadata.labels['workflows.argoproj.io/workflow']");

/// A Spark application spec at `$spec`.
macro_rules! spark {
    ($spec:literal) => {
        Pods::Split {
            volumes: concat!($spec, ".volumes"),
            // Spark's names for the main containers (docs/kinds.md).
            containers: &[
                (concat!($spec, ".driver.initContainers[]"), None),
                (concat!($spec, ".driver"), Some("spark-kubernetes-driver")),
                (concat!($spec, ".driver.sidecars[]"), None),
                (concat!($spec, ".executor.initContainers[]"), None),
                (
                    concat!($spec, ".executor"),
                    Some("spark-kubernetes-executor"),
                ),
                (concat!($spec, ".executor.sidecars[]"), None),
            ],
            shared_mounts: &[],
            metadata: &[
                (concat!($spec, ".driver"), &["annotations"]),
                (concat!($spec, ".executor"), &["annotations"]),
            ],
        }
    };
}
/// The Spark operator labels the driver and executor pods of each submission with a new id.
const SPARK_RUN: Option<&str> = Some("metadata.labels['sparkoperator.k8s.io/submission-id']");

const RAY_GROUPS: [&str; 2] = [
    "spec.headGroupSpec.template.spec",
    "spec.workerGroupSpecs[].template.spec",
];

#[rustfmt::skip]
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn { group: "", kind: "Pod", versions: &[], pods: Pods::Specs(&["spec"]), claim_templates: None, run: None },
    BuiltIn { group: "", kind: "PodTemplate", versions: &[], pods: Pods::Specs(&["template.spec"]), claim_templates: None, run: None },
    BuiltIn { group: "", kind: "ReplicationController", versions: &[], pods: POD_SPEC, claim_templates: None, run: None },
    BuiltIn { group: "apps", kind: "Deployment", versions: &[], pods: POD_SPEC, claim_templates: None, run: None },
    BuiltIn { group: "apps", kind: "StatefulSet", versions: &[], pods: POD_SPEC, claim_templates: Some("spec.volumeClaimTemplates"), run: None },
    BuiltIn { group: "apps", kind: "DaemonSet", versions: &[], pods: POD_SPEC, claim_templates: None, run: None },
    BuiltIn { group: "apps", kind: "ReplicaSet", versions: &[], pods: POD_SPEC, claim_templates: None, run: None },
    BuiltIn { group: "batch", kind: "Job", versions: &[], pods: POD_SPEC, claim_templates: None, run: JOB_RUN },
    BuiltIn { group: "batch", kind: "CronJob", versions: &[], pods: Pods::Specs(&["spec.jobTemplate.spec.template.spec"]), claim_templates: None, run: JOB_RUN },
    kubeflow!("TFJob", ["v1"], "tfReplicaSpecs"),
    kubeflow!("PyTorchJob", ["v1"], "pytorchReplicaSpecs"),
    kubeflow!("XGBoostJob", ["v1"], "xgbReplicaSpecs"),
    kubeflow!("PaddleJob", ["v1"], "paddleReplicaSpecs"),
    kubeflow!("JAXJob", ["v1"], "jaxReplicaSpecs"),
    kubeflow!("MPIJob", ["v2beta1", "v1"], "mpiReplicaSpecs"),
    BuiltIn { group: "jobset.x-k8s.io", kind: "JobSet", versions: &["v1alpha2"], pods: Pods::Specs(&["spec.replicatedJobs[].template.spec.template.spec"]), claim_templates: None, run: Some("metadata.labels['jobset.sigs.k8s.io/jobset-uid']") },
    BuiltIn { group: "leaderworkerset.x-k8s.io", kind: "LeaderWorkerSet", versions: &["v1"], pods: Pods::Specs(&["spec.leaderWorkerTemplate.leaderTemplate.spec", "spec.leaderWorkerTemplate.workerTemplate.spec"]), claim_templates: None, run: None },
    BuiltIn { group: "batch.volcano.sh", kind: "Job", versions: &["v1alpha1"], pods: Pods::Specs(&["spec.tasks[].template.spec"]), claim_templates: None, run: Some("metadata.annotations['scheduling.k8s.io/group-name']") },
    BuiltIn { group: "ray.io", kind: "RayCluster", versions: &["v1"], pods: Pods::Specs(&RAY_GROUPS), claim_templates: None, run: None },
    BuiltIn { group: "ray.io", kind: "RayJob", versions: &["v1"], pods: Pods::Specs(&["spec.rayClusterSpec.headGroupSpec.template.spec", "spec.rayClusterSpec.workerGroupSpecs[].template.spec"]), claim_templates: None, run: Some("metadata.labels['ray.io/cluster']") },
    BuiltIn { group: "ray.io", kind: "RayService", versions: &["v1"], pods: Pods::Specs(&["spec.rayClusterConfig.headGroupSpec.template.spec", "spec.rayClusterConfig.workerGroupSpecs[].template.spec"]), claim_templates: None, run: None },
    BuiltIn { group: "argoproj.io", kind: "Workflow", versions: &["v1alpha1"], pods: ARGO, claim_templates: Some("spec.volumeClaimTemplates"), run: ARGO_RUN },
    BuiltIn { group: "argoproj.io", kind: "WorkflowTemplate", versions: &["v1alpha1"], pods: ARGO, claim_templates: Some("spec.volumeClaimTemplates"), run: ARGO_RUN },
    BuiltIn { group: "argoproj.io", kind: "ClusterWorkflowTemplate", versions: &["v1alpha1"], pods: ARGO, claim_templates: Some("spec.volumeClaimTemplates"), run: ARGO_RUN },
    BuiltIn { group: "argoproj.io", kind: "CronWorkflow", versions: &["v1alpha1"], pods: argo!("spec.workflowSpec"), claim_templates: Some("spec.workflowSpec.volumeClaimTemplates"), run: ARGO_RUN },
    BuiltIn { group: "sparkoperator.k8s.io", kind: "SparkApplication", versions: &["v1beta2"], pods: spark!("spec"), claim_templates: None, run: SPARK_RUN },
    BuiltIn { group: "sparkoperator.k8s.io", kind: "ScheduledSparkApplication", versions: &["v1beta2"], pods: spark!("spec.template"), claim_templates: None, run: SPARK_RUN },
];

/// What the built-in table says of an object's `apiVersion` and kind.
pub enum Known {
    Kind(&'static BuiltIn),
    /// A built-in kind of this group, but of a version whose shape stowage doesn't know.
    OtherVersion(&'static BuiltIn),
    No,
}

/// The built-in workload kind of an object. Without an `apiVersion` (not a valid object, but a
/// line scan may not know it) the kind alone decides, as a Kubernetes kind.
pub fn built_in(api_version: Option<&str>, kind: &str) -> Known {
    let mut other = Known::No;
    for b in BUILT_IN.iter().filter(|b| b.kind == kind) {
        let Some(api_version) = api_version else {
            if b.versions.is_empty() {
                return Known::Kind(b);
            }
            continue;
        };
        let (group, version) = split_api_version(api_version);
        if group != b.group {
            continue;
        }
        if b.versions.is_empty() || b.versions.contains(&version) {
            return Known::Kind(b);
        }
        other = Known::OtherVersion(b);
    }
    other
}

/// `Kind.group` (`Job.batch.volcano.sh`), or the kind alone for the core group: how a kind is
/// named in `persistence.disabledKinds` and in messages.
pub fn qualified(b: &BuiltIn) -> String {
    if b.group.is_empty() {
        b.kind.to_string()
    } else {
        format!("{}.{}", b.kind, b.group)
    }
}

/// Whether a kind names a built-in workload in some group (the line scan's question: is this
/// document worth parsing).
pub fn is_workload_kind(kind: &str) -> bool {
    BUILT_IN.iter().any(|b| b.kind == kind)
}

/// `List` and every `*List` kind: their `items` may hold workloads.
pub fn is_list_kind(kind: &str) -> bool {
    kind.ends_with("List")
}

/// The group of an `apiVersion`: `apps/v1` → `apps`, `v1` → `""`.
pub fn group_of(api_version: &str) -> &str {
    split_api_version(api_version).0
}

fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// stowage's own config object (`apiVersion: stowage.dev/v1alpha1, kind: Persistence`): in a
/// stream, the in-stream config; for kustomize, the plugin config.
pub const CONFIG_KIND: &str = "Persistence";
pub const CONFIG_GROUP: &str = "stowage.dev";

pub fn is_config(api_version: Option<&str>, kind: Option<&str>) -> bool {
    kind == Some(CONFIG_KIND) && api_version.is_some_and(|a| group_of(a) == CONFIG_GROUP)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(api_version: Option<&str>, kind: &str) -> Option<String> {
        match built_in(api_version, kind) {
            Known::Kind(b) => Some(qualified(b)),
            _ => None,
        }
    }

    #[test]
    fn kinds_are_matched_with_their_group_and_version() {
        assert_eq!(
            kind_of(Some("batch/v1"), "Job").as_deref(),
            Some("Job.batch")
        );
        assert_eq!(
            kind_of(Some("batch.volcano.sh/v1alpha1"), "Job").as_deref(),
            Some("Job.batch.volcano.sh")
        );
        assert!(matches!(
            built_in(Some("batch.volcano.sh/v1beta9"), "Job"),
            Known::OtherVersion(_)
        ));
        assert!(matches!(built_in(Some("example.com/v1"), "Job"), Known::No));
        assert_eq!(kind_of(Some("v1"), "Pod").as_deref(), Some("Pod"));
        assert!(kind_of(Some("example.com/v1"), "Pod").is_none());
        assert!(kind_of(None, "Deployment").is_some());
        // Without an apiVersion only a Kubernetes kind is taken.
        assert!(kind_of(None, "RayCluster").is_none());
        assert!(is_config(Some("stowage.dev/v1alpha1"), Some("Persistence")));
        assert!(!is_config(
            Some("stowage.dev.example/v1"),
            Some("Persistence")
        ));
        assert!(is_list_kind("List") && is_list_kind("DeploymentList") && !is_list_kind("Pod"));
    }

    #[test]
    fn each_kind_is_listed_once() {
        for (i, a) in BUILT_IN.iter().enumerate() {
            for b in &BUILT_IN[..i] {
                assert!(
                    a.kind != b.kind || a.group != b.group,
                    "{} twice",
                    qualified(a)
                );
            }
        }
    }
}
