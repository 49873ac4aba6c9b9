//! Which entries a workload gets, field by field: its `stowage.dev/*` annotations, else the first
//! `persistence.workloads` rule that matches it, else the defaults (every data entry; the default
//! outputs entry; every container).

use std::collections::HashMap;

use crate::config::{DataPick, OutputsPick, Role, WorkloadFacts, WorkloadRule};
use crate::post_render::HELM_HOOK;
use crate::report::{Diagnostic, Place, did_you_mean};
use crate::workload::{Pod, Workload, node_at, string_at};
use crate::yaml::{NodeId, Tree};

use super::Injector;

pub const ANNOTATION_DATA: &str = "stowage.dev/data";
pub const ANNOTATION_OUTPUTS: &str = "stowage.dev/outputs";
pub const ANNOTATION_INJECT: &str = "stowage.dev/inject";

pub(super) enum Selection {
    Skip,
    /// Indices into the injector's entries, and the containers that get them (None: all).
    Entries {
        data: Vec<usize>,
        outputs: Option<usize>,
        containers: Option<Vec<String>>,
    },
}

fn at_line(line: usize, message: String) -> Diagnostic {
    Diagnostic::error(
        Place {
            line: Some(line),
            ..Place::default()
        },
        message,
    )
}

impl Injector<'_> {
    /// What one pod of the workload gets, and the index of the rule that matched it. `source` is
    /// the file that rendered it, when the stream says. Annotations and labels are the object's
    /// and the pod's (its template's win); where a pod's are in several places (a Spark
    /// application's driver and executor), they must agree.
    pub(super) fn selection(
        &self,
        tree: &Tree,
        workload: &Workload,
        pod: &Pod,
        source: Option<&str>,
    ) -> Result<(Selection, Option<usize>), Diagnostic> {
        let matched = self.rule_for(tree, workload, pod, source);
        let rule = matched.map(|(_, r)| r);
        // Each value with its line, so a bad one is reported where it is written.
        let mut found: HashMap<&str, (String, usize)> = HashMap::new();
        let maps = maps(tree, workload, pod, false);
        agree(tree, workload, pod, &maps)?;
        for annotations in maps.iter().copied() {
            // A misspelt stowage annotation would otherwise be ignored, and the workload would get
            // the defaults.
            const KNOWN: [&str; 3] = [ANNOTATION_DATA, ANNOTATION_OUTPUTS, ANNOTATION_INJECT];
            for (k, _) in tree.entries(annotations).unwrap_or(&[]) {
                if let Some(key) = tree.as_str(*k).filter(|k| k.starts_with("stowage.dev/"))
                    && !KNOWN.contains(&key)
                {
                    let mut message = format!(
                        "unknown annotation `{key}` (stowage reads {})",
                        KNOWN.map(|k| format!("`{k}`")).join(", ")
                    );
                    if let Some(near) = did_you_mean(key, KNOWN.iter().copied()) {
                        message.push_str(&format!("; did you mean `{near}`?"));
                    }
                    return Err(at_line(tree.node(*k).line, message));
                }
            }
            for key in KNOWN {
                let Some(v) = tree.get(annotations, key) else {
                    continue;
                };
                let Some(s) = tree.as_str(v) else {
                    return Err(at_line(
                        tree.node(v).line,
                        format!(
                            "annotation `{key}` must be a string (quote it: `{key}: \"...\"`); Kubernetes rejects other annotation values"
                        ),
                    ));
                };
                found.insert(key, (s.to_string(), tree.node(v).line));
            }
        }
        let line_of = |key: &str| found.get(key).map_or(0, |(_, line)| *line);
        let index = matched.map(|(i, _)| i);
        match found
            .get(ANNOTATION_INJECT)
            .map(|(v, line)| (v.trim(), line))
        {
            Some(("false", _)) => return Ok((Selection::Skip, index)),
            Some(("true", _)) => {}
            None if rule.and_then(|r| r.inject) == Some(false) => {
                return Ok((Selection::Skip, index));
            }
            None => {}
            Some((other, line)) => {
                return Err(at_line(
                    *line,
                    format!(
                        "annotation `{ANNOTATION_INJECT}` is `{other}`; use \"true\" or \"false\""
                    ),
                ));
            }
        }
        let data: Vec<usize> = match found.get(ANNOTATION_DATA).map(|(s, _)| s.trim()) {
            None => match rule.and_then(|r| r.data.as_ref()) {
                None => self.indices(Role::Data),
                Some(DataPick::None) => Vec::new(),
                // The config checked the names; declaration order, as for an annotation.
                Some(DataPick::Entries(names)) => self
                    .indices(Role::Data)
                    .into_iter()
                    .filter(|i| names.contains(&self.entries[*i].entry.name))
                    .collect(),
            },
            Some("none") | Some("") => Vec::new(),
            Some(list) => {
                let wanted: Vec<&str> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                for w in &wanted {
                    if !self.names(Role::Data).contains(w) {
                        return Err(at_line(
                            line_of(ANNOTATION_DATA),
                            unknown_name(ANNOTATION_DATA, w, Role::Data, &self.names(Role::Data)),
                        ));
                    }
                }
                // Declaration order, as POLYAXON_RUN_DATA_PATHS promises.
                self.indices(Role::Data)
                    .into_iter()
                    .filter(|i| wanted.contains(&self.entries[*i].entry.name.as_str()))
                    .collect()
            }
        };
        let outputs = match found.get(ANNOTATION_OUTPUTS).map(|(s, _)| s.trim()) {
            None => match rule.and_then(|r| r.outputs.as_ref()) {
                None => self.default_outputs,
                Some(OutputsPick::None) => None,
                Some(OutputsPick::Entry(name)) => self
                    .indices(Role::Outputs)
                    .into_iter()
                    .find(|i| self.entries[*i].entry.name == *name),
            },
            Some("none") | Some("") => None,
            Some(name) => match self
                .indices(Role::Outputs)
                .into_iter()
                .find(|i| self.entries[*i].entry.name == name)
            {
                Some(i) => Some(i),
                None => {
                    return Err(at_line(
                        line_of(ANNOTATION_OUTPUTS),
                        unknown_name(
                            ANNOTATION_OUTPUTS,
                            name,
                            Role::Outputs,
                            &self.names(Role::Outputs),
                        ),
                    ));
                }
            },
        };
        let containers = rule
            .and_then(|r| r.containers.clone())
            .or_else(|| self.config.containers.clone());
        Ok((
            Selection::Entries {
                data,
                outputs,
                containers,
            },
            index,
        ))
    }

    /// A warning for each `persistence.workloads` rule no workload matched (`matched`: the indices
    /// of those that did): a typo in a glob would otherwise deploy the defaults silently.
    pub fn rules_matching_nothing(
        &self,
        matched: &std::collections::BTreeSet<usize>,
    ) -> Vec<Diagnostic> {
        let rules = &self.config.workloads;
        (0..rules.len())
            .filter(|i| !matched.contains(i))
            .map(|i| {
                let place = Place {
                    config_path: Some(format!("persistence.workloads[{i}]")),
                    ..Place::default()
                };
                // Helm 3 never passes hooks to a post-renderer: a rule for hooks that matches
                // none is expected there, and says so without failing --strict.
                if rules[i].when.hook == Some(true) {
                    return Diagnostic::note(
                        place,
                        "this rule for Helm hooks matches no workload of the input",
                    )
                    .with_hint("Helm 3 never gives hooks to a post-renderer; Helm 4 does");
                }
                Diagnostic::warning(place, "this rule matches no workload of the input").with_hint(
                    "check its `match` (kind, globs, labels, source, hook) against the workloads",
                )
            })
            .collect()
    }

    /// The first `persistence.workloads` rule that matches the workload's pod, with its index.
    fn rule_for(
        &self,
        tree: &Tree,
        workload: &Workload,
        pod: &Pod,
        source: Option<&str>,
    ) -> Option<(usize, &WorkloadRule)> {
        if self.config.workloads.is_empty() {
            return None;
        }
        let mut labels: Vec<(&str, &str)> = Vec::new();
        for map in maps(tree, workload, pod, true).iter().copied() {
            for (k, v) in tree.entries(map).unwrap_or(&[]) {
                if let (Some(k), Some(v)) = (tree.as_str(*k), tree.as_str(*v)) {
                    labels.push((k, v));
                }
            }
        }
        let facts = WorkloadFacts {
            api_version: string_at(tree, workload.object, &["apiVersion"]),
            kind: &workload.kind,
            name: &workload.name,
            namespace: workload.namespace.as_deref().unwrap_or(&self.namespace),
            labels: &labels,
            source,
            hook: string_at(
                tree,
                workload.object,
                &["metadata", "annotations", HELM_HOOK],
            )
            .is_some(),
        };
        self.config.workload_rule(&facts)
    }

    fn names(&self, role: Role) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|p| p.entry.role == role)
            .map(|p| p.entry.name.as_str())
            .collect()
    }

    pub(super) fn indices(&self, role: Role) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|i| self.entries[*i].entry.role == role)
            .collect()
    }
}

fn unknown_name(annotation: &str, name: &str, role: Role, known: &[&str]) -> String {
    let mut m = format!(
        "annotation `{annotation}` names `{name}`, which is not a {} entry of the config (known: {})",
        role.key(),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    );
    if let Some(s) = did_you_mean(name, known.iter().copied()) {
        m.push_str(&format!("; did you mean `{s}`?"));
    }
    m
}

/// Where a pod's annotations are in several places (a Spark application's driver and executor,
/// injected together because they share `spec.volumes`), each stowage annotation must be in all
/// of them with one value.
fn agree(tree: &Tree, workload: &Workload, pod: &Pod, maps: &Maps) -> Result<(), Diagnostic> {
    if pod.metadata.len() < 2 {
        return Ok(());
    }
    let places = &maps.maps[usize::from(maps.own)..];
    for key in [ANNOTATION_DATA, ANNOTATION_OUTPUTS, ANNOTATION_INJECT] {
        let values: Vec<Option<&str>> = pod
            .metadata
            .iter()
            .map(|m| {
                let at = node_at(tree, m.at, m.annotations);
                at.filter(|a| places.contains(a))
                    .and_then(|a| tree.get(a, key))
                    .and_then(|v| tree.as_str(v))
            })
            .collect();
        if values.iter().all(|v| *v == values[0]) {
            continue;
        }
        let (m, _) = pod
            .metadata
            .iter()
            .zip(&values)
            .find(|(_, v)| v.is_some())
            .expect("values differ, so one is set");
        let said: Vec<String> = pod
            .metadata
            .iter()
            .zip(&values)
            .map(|(m, v)| match v {
                Some(v) => format!("`{}` has `{v}`", m.annotations_field()),
                None => format!("`{}` has none", m.annotations_field()),
            })
            .collect();
        return Err(Diagnostic::error(
            Place {
                field: Some(m.annotations_field()),
                line: Some(tree.node(m.at).line),
                ..Place::default()
            },
            format!(
                "annotation `{key}` differs between the places of this {}'s pod annotations ({}): they share the pod's volumes, so stowage injects them together",
                workload.kind,
                said.join(", ")
            ),
        )
        .with_hint(format!("annotate the {} itself, or give each place the same value", workload.kind)));
    }
    Ok(())
}

/// The annotations (or labels) of the object, then of the pod.
struct Maps {
    maps: Vec<NodeId>,
    /// The first is the object's own.
    own: bool,
}

impl Maps {
    fn iter(&self) -> std::slice::Iter<'_, NodeId> {
        self.maps.iter()
    }
}

fn maps(tree: &Tree, workload: &Workload, pod: &Pod, labels: bool) -> Maps {
    let get = |at: NodeId, keys: &[&str]| node_at(tree, at, keys);
    let own: &[&str] = if labels {
        &["metadata", "labels"]
    } else {
        &["metadata", "annotations"]
    };
    let mut maps: Vec<NodeId> = get(workload.object, own).into_iter().collect();
    let own = !maps.is_empty();
    for m in &pod.metadata {
        let found = if labels {
            get(m.at, &m.labels())
        } else {
            get(m.at, m.annotations)
        };
        // A Pod is its own template.
        maps.extend(found.filter(|f| !maps.contains(f)));
    }
    Maps { maps, own }
}
