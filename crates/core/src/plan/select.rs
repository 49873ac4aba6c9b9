//! Which entries a workload gets: its `stowage.dev/*` annotations, else the defaults (every data
//! entry; the default outputs entry).

use std::collections::HashMap;

use crate::config::Role;
use crate::report::{Diagnostic, Place, did_you_mean};
use crate::workload::Workload;
use crate::yaml::Tree;

use super::Injector;

pub const ANNOTATION_DATA: &str = "stowage.dev/data";
pub const ANNOTATION_OUTPUTS: &str = "stowage.dev/outputs";
pub const ANNOTATION_INJECT: &str = "stowage.dev/inject";

pub(super) enum Selection {
    Skip,
    /// Indices into the injector's entries.
    Entries {
        data: Vec<usize>,
        outputs: Option<usize>,
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
    /// Read the workload's selection annotations (the pod template's win over the object's).
    pub(super) fn selection(
        &self,
        tree: &Tree,
        workload: &Workload,
    ) -> Result<Selection, Diagnostic> {
        // Each value with its line, so a bad one is reported where it is written.
        let mut found: HashMap<&str, (String, usize)> = HashMap::new();
        let mut holders = vec![workload.object];
        holders.extend(workload.pod_specs.iter().map(|p| p.template));
        for holder in holders {
            let Some(annotations) = tree
                .get(holder, "metadata")
                .and_then(|m| tree.get(m, "annotations"))
            else {
                continue;
            };
            for key in [ANNOTATION_DATA, ANNOTATION_OUTPUTS, ANNOTATION_INJECT] {
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
        if let Some((v, line)) = found.get(ANNOTATION_INJECT) {
            match v.trim() {
                "false" => return Ok(Selection::Skip),
                "true" => {}
                other => {
                    return Err(at_line(
                        *line,
                        format!(
                            "annotation `{ANNOTATION_INJECT}` is `{other}`; use \"true\" or \"false\""
                        ),
                    ));
                }
            }
        }
        let data: Vec<usize> = match found.get(ANNOTATION_DATA).map(|(s, _)| s.trim()) {
            None => self.indices(Role::Data),
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
            None => self.default_outputs,
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
        Ok(Selection::Entries { data, outputs })
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
