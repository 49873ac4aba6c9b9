//! `workloadKinds`: extra workload kinds and their pod spec paths.

use serde_json::{Map, Value};

use super::{Checker, string_list, text};
use crate::config::WorkloadKind;

impl Checker<'_> {
    /// `workloadKinds`; structure (required keys, path syntax) is the schema's.
    pub(in crate::config) fn workload_kinds(
        &mut self,
        root: &Map<String, Value>,
    ) -> Vec<WorkloadKind> {
        let Some(Value::Array(items)) = root.get("workloadKinds") else {
            return Vec::new();
        };
        let mut out: Vec<WorkloadKind> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Value::Object(m) = item else { continue };
            let Some(kind) = text(m, "kind") else {
                continue;
            };
            let kind = WorkloadKind {
                api_version: text(m, "apiVersion").map(str::to_string),
                kind: kind.to_string(),
                pod_spec_paths: string_list(m, "podSpecPaths").unwrap_or_default(),
            };
            if out
                .iter()
                .any(|k| k.kind == kind.kind && k.api_version == kind.api_version)
            {
                self.error(
                    &format!("persistence.workloadKinds[{i}]"),
                    format!("workload kind `{}` is listed twice", kind.kind),
                    Some("list all its pod spec paths in one item".into()),
                );
                continue;
            }
            out.push(kind);
        }
        out
    }
}
