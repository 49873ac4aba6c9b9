//! Comparing two volume plans: workloads matched by kind, namespace and name (renames found by
//! their volumes), each pair's changes classified (see `changes`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::changes::compare_workload;
use super::volumes::{VolumePlan, WorkloadVolumes};

/// How serious a change is; ordered, so `>=` compares levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Info,
    Warning,
    Danger,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Danger => "danger",
        }
    }
}

/// One classified change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub level: Level,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The containers it concerns, in pod order (empty for pod- and workload-level changes).
    pub containers: Vec<String>,
    /// Relative to the container (`volumeMounts[/data/1]`, `env[POLYAXON_RUN_OUTPUTS_PATH]`), the pod
    /// spec (`volumes[data1]`) or the object (`metadata.name`).
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub message: String,
}

/// The changes of one workload, with its volume sections before and after.
#[derive(Clone, Debug)]
pub struct WorkloadReport {
    pub title: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub changes: Vec<Change>,
}

/// The whole comparison.
#[derive(Clone, Debug)]
pub struct Report {
    pub workloads: Vec<WorkloadReport>,
    /// Workloads compared (the union of both sides).
    pub compared: usize,
}

impl Report {
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.workloads.iter().flat_map(|w| w.changes.iter())
    }

    pub fn count(&self, level: Level) -> usize {
        self.changes().filter(|c| c.level == level).count()
    }

    pub fn highest(&self) -> Option<Level> {
        self.changes().map(|c| c.level).max()
    }

    /// Whether a change at or above `level` exists (`--fail-on`).
    pub fn trips(&self, level: Level) -> bool {
        self.highest().is_some_and(|h| h >= level)
    }
}

type Key = (String, String, String);

/// Index workloads by key; a repeated key (a hook and a template of the same name) gets `#2`, ...
fn index(plan: &VolumePlan) -> BTreeMap<Key, &WorkloadVolumes> {
    let mut out = BTreeMap::new();
    for w in &plan.workloads {
        let (k, ns, name) = w.key();
        let mut key = (k.clone(), ns.clone(), name.clone());
        let mut n = 1;
        while out.contains_key(&key) {
            n += 1;
            key = (k.clone(), ns.clone(), format!("{name}#{n}"));
        }
        out.insert(key, w);
    }
    out
}

/// Compare the previous plan with the new one.
pub fn compare(old: &VolumePlan, new: &VolumePlan) -> Report {
    let old_ix = index(old);
    let new_ix = index(new);
    let removed: Vec<&Key> = old_ix.keys().filter(|k| !new_ix.contains_key(*k)).collect();
    let added: Vec<&Key> = new_ix.keys().filter(|k| !old_ix.contains_key(*k)).collect();
    // Renames: a removed and an added workload of the same kind and namespace with the same volumes
    // (outputs paths compared with the workload's own name factored out).
    let mut renamed: BTreeMap<&Key, &Key> = BTreeMap::new(); // new → old
    let mut paired_old: BTreeSet<&Key> = BTreeSet::new();
    for a in &added {
        let n = new_ix[*a];
        let shape = n.section_with(Some(&n.name));
        if let Some(r) = removed.iter().find(|r| {
            !paired_old.contains(**r) && r.0 == a.0 && r.1 == a.1 && {
                let o = old_ix[**r];
                o.section_with(Some(&o.name)) == shape
            }
        }) {
            renamed.insert(*a, *r);
            paired_old.insert(*r);
        }
    }

    let mut keys: BTreeSet<&Key> = old_ix.keys().collect();
    keys.extend(new_ix.keys());
    let compared = keys.len() - renamed.len();
    let mut workloads = Vec::new();
    for key in &keys {
        let (o, n) = (old_ix.get(*key).copied(), new_ix.get(*key).copied());
        let mut report = match (o, n) {
            (Some(o), Some(n)) => WorkloadReport {
                title: n.title(),
                before: Some(o.section()),
                after: Some(n.section()),
                changes: compare_workload(o, n),
            },
            (Some(_), None) if paired_old.contains(key) => continue,
            (Some(o), None) => {
                let injected = o.injected();
                WorkloadReport {
                    title: o.title(),
                    before: Some(o.section()),
                    after: None,
                    changes: vec![change(
                        if injected {
                            Level::Warning
                        } else {
                            Level::Info
                        },
                        o,
                        Vec::new(),
                        "metadata.name",
                        Some(o.name.clone()),
                        None,
                        if injected {
                            "workload removed, with its injected volumes".to_string()
                        } else {
                            "workload removed".to_string()
                        },
                    )],
                }
            }
            (None, Some(n)) => match renamed.get(key) {
                Some(r) => {
                    let o = old_ix[*r];
                    let mut message = format!(
                        "renamed from {} to {}, with the same volumes",
                        o.name, n.name
                    );
                    let (op, np) = (o.outputs_paths(), n.outputs_paths());
                    if op != np {
                        let _ = write!(
                            message,
                            "; the outputs path follows the name: {} → {}",
                            join(&op),
                            join(&np)
                        );
                    }
                    WorkloadReport {
                        title: format!("{} (was {})", n.title(), o.name),
                        before: Some(o.section()),
                        after: Some(n.section()),
                        changes: vec![change(
                            Level::Info,
                            n,
                            Vec::new(),
                            "metadata.name",
                            Some(o.name.clone()),
                            Some(n.name.clone()),
                            message,
                        )],
                    }
                }
                None => WorkloadReport {
                    title: n.title(),
                    before: None,
                    after: Some(n.section()),
                    changes: vec![change(
                        Level::Info,
                        n,
                        Vec::new(),
                        "metadata.name",
                        None,
                        Some(n.name.clone()),
                        "workload added".to_string(),
                    )],
                },
            },
            (None, None) => unreachable!(),
        };
        if report.changes.is_empty() {
            continue;
        }
        report
            .changes
            .sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.field.cmp(&b.field)));
        workloads.push(report);
    }
    // The most serious first; then by kind, namespace and name.
    workloads.sort_by_key(|w| std::cmp::Reverse(w.changes.iter().map(|c| c.level).max()));
    Report {
        workloads,
        compared,
    }
}

fn join(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "(none)".to_string()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

pub(super) fn change(
    level: Level,
    w: &WorkloadVolumes,
    containers: Vec<String>,
    field: &str,
    before: Option<String>,
    after: Option<String>,
    message: String,
) -> Change {
    Change {
        level,
        kind: w.kind.clone(),
        namespace: w.namespace.clone(),
        name: w.name.clone(),
        containers,
        field: field.to_string(),
        before,
        after,
        message,
    }
}
