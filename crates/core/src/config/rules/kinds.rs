//! `workloadKinds`: extra workload kinds and their pod spec paths.

use super::Checker;
use crate::config::WorkloadKind;
use crate::config::raw::RawKind;
use crate::kinds;
use crate::report;

impl Checker<'_> {
    /// `workloadKinds`: each item a kind with where its pods are (pod spec paths, or a volumes
    /// path and container paths), each kind listed once.
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
                ("runLabel", &item.run_label, is_label_key),
            ];
            for (key, value, ok) in syntax {
                if let Some(v) = value
                    && !ok(v)
                {
                    let what = match key {
                        "kind" => "a kind such as `Workflow`",
                        "runLabel" => "a label key such as `batch.kubernetes.io/controller-uid`",
                        _ => "an apiVersion such as `argoproj.io/v1alpha1`",
                    };
                    self.error(
                        &format!("{at}.{key}"),
                        format!("`{key}` must be {what}, not the string {v:?}"),
                        None,
                    );
                }
            }
            let pod_spec_paths = self.field_paths(&at, "podSpecPaths", &item.pod_spec_paths);
            let container_paths = self.field_paths(&at, "containerPaths", &item.container_paths);
            if let Some(v) = &item.volumes_path
                && !(is_field_path(v) && (v == "volumes" || v.ends_with(".volumes")))
            {
                self.error(
                    &format!("{at}.volumesPath"),
                    format!("`volumesPath` must be the dotted path of the pods' `volumes` list, such as `spec.volumes`, not the string {v:?}"),
                    None,
                );
            }
            let split = item.volumes_path.is_some() || item.container_paths.is_some();
            let shape_problem = match (item.pod_spec_paths.is_some(), split) {
                (true, true) => {
                    Some("either `podSpecPaths` or `volumesPath` and `containerPaths`, not both")
                }
                (false, false) => Some(
                    "`podSpecPaths`, or `volumesPath` and `containerPaths`, to say where its pods are",
                ),
                (false, true) if item.volumes_path.is_none() => {
                    Some("`volumesPath` beside `containerPaths`")
                }
                (false, true) if container_paths.is_empty() => {
                    Some("`containerPaths` beside `volumesPath`")
                }
                _ => None,
            };
            let Some(kind) = &item.kind else {
                self.error(&at, format!("`workloadKinds[{i}]` needs `kind`"), None);
                continue;
            };
            if let Some(problem) = shape_problem {
                self.error(&at, format!("`workloadKinds[{i}]` needs {problem}"), None);
                continue;
            }
            let kind = WorkloadKind {
                api_version: item.api_version.clone(),
                kind: kind.clone(),
                pod_spec_paths,
                volumes_path: item.volumes_path.clone(),
                container_paths,
                run_label: item.run_label.clone(),
            };
            if out
                .iter()
                .any(|k| k.kind == kind.kind && k.api_version == kind.api_version)
            {
                self.error(
                    &at,
                    format!("workload kind `{}` is listed twice", kind.kind),
                    Some("list all its paths in one item".into()),
                );
                continue;
            }
            // A configured kind comes first: say which built-in kinds it replaces.
            let replaced: Vec<String> = kinds::BUILT_IN
                .iter()
                .filter(|b| {
                    b.kind == kind.kind
                        && kind.api_version.as_deref().is_none_or(|a| {
                            matches!(kinds::built_in(Some(a), &kind.kind), kinds::Known::Kind(k) if k.group == b.group)
                        })
                })
                .map(|b| format!("`{}`", kinds::qualified(b)))
                .collect();
            let loses_run = kind.run_label.is_none()
                && kinds::BUILT_IN.iter().any(|b| {
                    b.run.is_some() && replaced.contains(&format!("`{}`", kinds::qualified(b)))
                });
            if !replaced.is_empty() {
                let which = match &kind.api_version {
                    Some(a) => format!("`{a}` `{}`", kind.kind),
                    None => format!("`{}` of any apiVersion", kind.kind),
                };
                self.note(
                    &at,
                    format!(
                        "{which} takes the place of the built-in kind {}: stowage reads only these paths for it{}",
                        replaced.join(" and "),
                        if loses_run { ", and no run (add `runLabel`)" } else { "" }
                    ),
                );
            }
            out.push(kind);
        }
        out
    }

    /// The paths of `key` of a `workloadKinds` item, each checked.
    fn field_paths(
        &mut self,
        at: &str,
        key: &str,
        paths: &Option<Vec<Option<String>>>,
    ) -> Vec<String> {
        let paths = paths.as_deref().unwrap_or_default();
        for (j, p) in paths.iter().enumerate() {
            if let Some(p) = p
                && !is_field_path(p)
            {
                self.error(
                    &format!("{at}.{key}[{j}]"),
                    format!("`{key}[{j}]` must be a dotted path such as `spec.template.spec` (`[]` after a key walks every item of a list, a `*` step every value of a mapping), not the string {p:?}"),
                    None,
                );
            }
        }
        paths.iter().flatten().cloned().collect()
    }

    /// `disabledKinds`: built-in kinds, as `Kind.group` (`Kind` for the core group).
    pub(in crate::config) fn disabled_kinds(&mut self, items: &[Option<String>]) -> Vec<String> {
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(name) = item else { continue };
            let at = format!("persistence.disabledKinds[{i}]");
            if kinds::BUILT_IN.iter().any(|b| kinds::qualified(b) == *name) {
                out.push(name.clone());
                continue;
            }
            let known: Vec<String> = kinds::BUILT_IN.iter().map(kinds::qualified).collect();
            // `CronWorkflow` or `Job.volcano.sh`: the kind is right, its group missing or wrong.
            let kind = name.split('.').next().unwrap_or_default();
            let same_kind: Vec<&String> = known
                .iter()
                .filter(|k| k.split('.').next() == Some(kind))
                .collect();
            let near = report::did_you_mean(name, known.iter().map(String::as_str));
            let hint = match (same_kind.as_slice(), near) {
                ([], None) => None,
                ([], Some(k)) => Some(format!("did you mean `{k}`?")),
                (same, _) => Some(format!(
                    "did you mean {}?",
                    same.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                )),
            };
            let hint = match hint {
                Some(h) => h,
                None => format!(
                    "the built-in kinds are {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.error(
                &at,
                format!("`{name}` is not a built-in workload kind (write `Kind.group`, e.g. `RayCluster.ray.io`)"),
                Some(hint),
            );
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

/// Keys joined by `.`, each maybe followed by `[]`, or `*`:
/// `^(\*|[A-Za-z0-9_-]+(\[\])?)(\.(\*|[A-Za-z0-9_-]+(\[\])?))*$`.
pub(in crate::config) fn is_field_path(s: &str) -> bool {
    s.split('.').all(|step| {
        if step == "*" {
            return true;
        }
        let key = step.strip_suffix("[]").unwrap_or(step);
        !key.is_empty()
            && key
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    })
}

/// A label key: an optional DNS subdomain prefix and `/`, then a name of up to 63 characters,
/// alphanumerics with `-`, `_` and `.` inside:
/// `^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`.
pub(in crate::config) fn is_label_key(s: &str) -> bool {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    prefix.is_none_or(crate::k8s::is_dns1123_subdomain)
        && name.len() <= 63
        && edge(name.chars().next())
        && edge(name.chars().last())
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}
