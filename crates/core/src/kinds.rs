//! Which objects stowage looks into: the built-in workload kinds with the path from each to its
//! pod template, the list kinds whose items may be workloads, and stowage's own config kind.
//! Kinds configured in `persistence.workloadKinds` are the config's (`config::WorkloadKind`).

/// A built-in workload kind.
pub struct BuiltIn {
    /// The API group (`""` for the core group): a kind is matched with its group, so a Volcano
    /// `Job` (`batch.volcano.sh`) is not a `batch/v1` Job.
    pub group: &'static str,
    pub kind: &'static str,
    /// Keys from the object to its pod template (the mapping holding `metadata` and `spec`).
    pub template: &'static [&'static str],
}

#[rustfmt::skip]
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn { group: "", kind: "Pod", template: &[] },
    BuiltIn { group: "", kind: "PodTemplate", template: &["template"] },
    BuiltIn { group: "", kind: "ReplicationController", template: &["spec", "template"] },
    BuiltIn { group: "apps", kind: "Deployment", template: &["spec", "template"] },
    BuiltIn { group: "apps", kind: "StatefulSet", template: &["spec", "template"] },
    BuiltIn { group: "apps", kind: "DaemonSet", template: &["spec", "template"] },
    BuiltIn { group: "apps", kind: "ReplicaSet", template: &["spec", "template"] },
    BuiltIn { group: "batch", kind: "Job", template: &["spec", "template"] },
    BuiltIn { group: "batch", kind: "CronJob", template: &["spec", "jobTemplate", "spec", "template"] },
];

/// The built-in workload kind of an object. Without an `apiVersion` (not a valid object, but a
/// line scan may not know it) the kind alone decides.
pub fn built_in(api_version: Option<&str>, kind: &str) -> Option<&'static BuiltIn> {
    BUILT_IN
        .iter()
        .find(|b| b.kind == kind && api_version.is_none_or(|a| group_of(a) == b.group))
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
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
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

    #[test]
    fn kinds_are_matched_with_their_group() {
        assert!(built_in(Some("batch/v1"), "Job").is_some());
        assert!(built_in(Some("batch.volcano.sh/v1alpha1"), "Job").is_none());
        assert!(built_in(Some("v1"), "Pod").is_some());
        assert!(built_in(Some("example.com/v1"), "Pod").is_none());
        assert!(built_in(None, "Deployment").is_some());
        assert!(is_config(Some("stowage.dev/v1alpha1"), Some("Persistence")));
        assert!(!is_config(
            Some("stowage.dev.example/v1"),
            Some("Persistence")
        ));
        assert!(is_list_kind("List") && is_list_kind("DeploymentList") && !is_list_kind("Pod"));
    }
}
