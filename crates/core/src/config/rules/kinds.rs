//! `workloadKinds`: extra workload kinds and their pod spec paths.

use super::Checker;
use crate::config::WorkloadKind;
use crate::config::raw::RawKind;
use crate::kinds;

impl Checker<'_> {
    /// `workloadKinds`: each item a kind with its pod spec paths, each kind listed once.
    pub(in crate::config) fn workload_kinds(
        &mut self,
        items: &[Option<RawKind>],
    ) -> Vec<WorkloadKind> {
        let mut out: Vec<WorkloadKind> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(item) = item else { continue };
            let at = format!("persistence.workloadKinds[{i}]");
            let syntax = [
                (
                    "apiVersion",
                    &item.api_version,
                    is_api_version as fn(&str) -> bool,
                ),
                ("kind", &item.kind, is_kind),
            ];
            for (key, value, ok) in syntax {
                if let Some(v) = value
                    && !ok(v)
                {
                    let what = match key {
                        "kind" => "a kind such as `Workflow`",
                        _ => "an apiVersion such as `argoproj.io/v1alpha1`",
                    };
                    self.error(
                        &format!("{at}.{key}"),
                        format!("`{key}` must be {what}, not the string {v:?}"),
                        None,
                    );
                }
            }
            let paths = item.pod_spec_paths.as_deref().unwrap_or_default();
            for (j, p) in paths.iter().enumerate() {
                if let Some(p) = p
                    && !is_pod_spec_path(p)
                {
                    self.error(
                        &format!("{at}.podSpecPaths[{j}]"),
                        format!("`podSpecPaths[{j}]` must be a dotted path such as `spec.template.spec` (`[]` after a key walks every item of a list), not the string {p:?}"),
                        None,
                    );
                }
            }
            let Some(kind) = &item.kind else {
                self.error(&at, format!("`workloadKinds[{i}]` needs `kind`"), None);
                continue;
            };
            let kind = WorkloadKind {
                api_version: item.api_version.clone(),
                kind: kind.clone(),
                pod_spec_paths: paths.iter().flatten().cloned().collect(),
            };
            if out
                .iter()
                .any(|k| k.kind == kind.kind && k.api_version == kind.api_version)
            {
                self.error(
                    &at,
                    format!("workload kind `{}` is listed twice", kind.kind),
                    Some("list all its pod spec paths in one item".into()),
                );
                continue;
            }
            if let Some(api_version) = &kind.api_version
                && kinds::built_in(Some(api_version), &kind.kind).is_some()
            {
                self.warning(
                    &at,
                    format!("`{api_version}` `{}` is a built-in workload kind: stowage finds its pod template itself and never uses these paths", kind.kind),
                    Some("remove this item".into()),
                );
            }
            out.push(kind);
        }
        out
    }
}

/// `group/version` or a core version: `^([a-z0-9.-]+/)?[a-z0-9]+$`.
pub(in crate::config) fn is_api_version(s: &str) -> bool {
    let version = |v: &str| {
        !v.is_empty()
            && v.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    match s.split_once('/') {
        Some((group, v)) => {
            !group.is_empty()
                && group
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
                && version(v)
        }
        None => version(s),
    }
}

/// A kind: `^[A-Za-z][A-Za-z0-9]*$`.
pub(in crate::config) fn is_kind(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic()) && s.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// Keys joined by `.`, each maybe followed by `[]`:
/// `^[A-Za-z0-9_-]+(\[\])?(\.[A-Za-z0-9_-]+(\[\])?)*$`.
pub(in crate::config) fn is_pod_spec_path(s: &str) -> bool {
    s.split('.').all(|step| {
        let key = step.strip_suffix("[]").unwrap_or(step);
        !key.is_empty()
            && key
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    })
}
