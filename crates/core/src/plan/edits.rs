//! The edits that bring a pod spec up to a workload's plan. A block already there and identical
//! is left alone (so a second run changes nothing); a different one is a conflict.

use std::sync::Arc;

use serde_json::Value;

use crate::config::OnConflict;
use crate::edit::{Addition, Edit, emit_flow};
use crate::report::{Diagnostic, Place};
use crate::workload::{Pod, Workload, node_at};
use crate::yaml::{NodeId, Tree};

use super::{Injector, WorkloadPlan};

impl Injector<'_> {
    /// The edits for one pod spec. Conflicts are added to `diagnostics` (errors, or warnings
    /// with `onConflict: skip`); a pod spec too malformed to edit is an error.
    pub fn edits<'p>(
        &self,
        tree: &Tree,
        plan: &'p WorkloadPlan,
        workload: &Workload,
        pod: &Pod,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Vec<Edit>, Diagnostic> {
        let mut edits = Vec::new();
        if !plan.pod_annotations.is_empty() && pod.metadata.is_empty() {
            diagnostics.push(
                Diagnostic::warning(
                    Place {
                        object: Some(format!("{}/{}", plan.kind, plan.name)),
                        field: Some(pod.field.clone()),
                        ..Place::default()
                    },
                    format!(
                        "stowage doesn't know where this kind keeps its pods' annotations, so it can't add {}",
                        plan.pod_annotations.iter().map(|(k, v)| format!("`{k}: {}`", emit_flow(v))).collect::<Vec<_>>().join(", ")
                    ),
                )
                .with_hint("add the annotation to the pods yourself"),
            );
        }
        let line_of = |id: NodeId| tree.node(id).line;
        const REMOVE: &str = "remove it from the chart, or set `onConflict: skip` to keep it";
        let mut conflict = |line: usize, field: String, message: String, hint: &str| {
            let place = Place {
                object: Some(format!("{}/{}", plan.kind, plan.name)),
                field: Some(field),
                line: Some(line),
                ..Place::default()
            };
            diagnostics.push(match self.config.on_conflict {
                OnConflict::Skip => Diagnostic::warning(
                    place,
                    format!("{message}; left as it is (onConflict: skip)"),
                ),
                OnConflict::Error => Diagnostic::error(place, message).with_hint(hint),
            });
        };

        // The id of each planned volume, mount and env var, looked up once.
        let ids = |planned: &'p [Value], id_key: &str| -> Vec<&'p str> {
            planned
                .iter()
                .map(|p| p.get(id_key).and_then(Value::as_str).unwrap_or_default())
                .collect()
        };
        let (volume_ids, mount_ids, env_ids) = (
            ids(&plan.volumes, "name"),
            ids(&plan.mounts, "mountPath"),
            ids(&plan.env, "name"),
        );

        // Volumes, by name.
        let existing = self.existing(
            tree,
            pod.spec,
            "volumes",
            "name",
            &|| pod.field.clone(),
            &volume_ids,
        )?;
        let mut new_volumes = Vec::new();
        for (v, name) in plan.volumes.iter().zip(&volume_ids) {
            // A claim template of that name would take the volume's place.
            if let Some((_, line)) = workload.claim_templates.iter().find(|(t, _)| t == name) {
                conflict(
                    *line,
                    format!("{}.volumes", pod.field),
                    format!(
                        "volume `{name}` has the name of a volumeClaimTemplate of this {kind}: the {kind} controller would mount that claim in its place, so what stowage mounts would be the workload's own disk",
                        kind = workload.kind
                    ),
                    "leave this workload out (a `persistence.workloads` rule with `inject: false`, or the annotation `stowage.dev/inject: \"false\"`), or rename the entry",
                );
                continue;
            }
            match existing.iter().find(|(k, _, _)| k == name) {
                Some((_, old, _)) if same_block(old, v) => {}
                Some((_, old, line)) => conflict(
                    *line,
                    format!("{}.volumes", pod.field),
                    format!(
                        "volume `{name}` already exists with a different definition: {} (stowage would add {})",
                        emit_flow(old),
                        emit_flow(v)
                    ),
                    REMOVE,
                ),
                None => new_volumes.push(v),
            }
        }
        if !new_volumes.is_empty() {
            edits.push(Edit {
                at: pod.spec,
                pointer: pod.spec_pointer.clone(),
                path: &["volumes"],
                add: Addition::Items(shared(&plan.volumes, new_volumes)),
            });
        }

        for c in &pod.containers {
            let cname = tree
                .get(c.node, "name")
                .and_then(|n| tree.as_str(n))
                .or(c.default_name)
                .unwrap_or("");
            // A set of containers (an Argo containerSet) is chosen when one of them is.
            let name_of = |node: NodeId| tree.get(node, "name").and_then(|n| tree.as_str(n));
            let names: Vec<&str> = match (c.env, tree.get(c.node, "containers")) {
                (false, Some(list)) => tree
                    .items(list)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|m| name_of(*m))
                    .collect(),
                _ => vec![cname],
            };
            if let Some(only) = &plan.containers
                && !only.iter().any(|n| names.contains(&n.as_str()))
            {
                continue;
            }
            let field = || c.field.clone();
            for (key, id_key, planned, planned_ids) in [
                ("volumeMounts", "mountPath", &plan.mounts, &mount_ids),
                ("env", "name", &plan.env, &env_ids),
            ] {
                if !(if key == "env" { c.env } else { c.mounts }) {
                    continue;
                }
                let existing = self.existing(tree, c.node, key, id_key, &field, planned_ids)?;
                let mut new = Vec::new();
                for (item, id) in planned.iter().zip(planned_ids) {
                    match existing.iter().find(|(k, _, _)| k == id) {
                        Some((_, old, _)) if same_block(old, item) => {}
                        Some((_, old, line)) => conflict(
                            *line,
                            format!("{}.{key}", c.field),
                            format!(
                                "{} already has {} `{id}` with a different definition: {} (stowage would add {})",
                                if cname.is_empty() {
                                    format!("`{}`", c.field)
                                } else {
                                    format!("container `{cname}`")
                                },
                                if key == "env" {
                                    "env var"
                                } else {
                                    "a mount at"
                                },
                                shown_existing(old, item),
                                emit_flow(item)
                            ),
                            REMOVE,
                        ),
                        None => new.push(item),
                    }
                }
                if !new.is_empty() {
                    edits.push(Edit {
                        at: c.node,
                        pointer: c.pointer.clone(),
                        path: if key == "env" {
                            &["env"]
                        } else {
                            &["volumeMounts"]
                        },
                        add: Addition::Items(shared(planned, new)),
                    });
                }
            }
        }

        for m in if plan.pod_annotations.is_empty() {
            &[][..]
        } else {
            &pod.metadata
        } {
            let existing = node_at(tree, m.at, m.annotations);
            let mut new: Vec<(String, Value)> = Vec::new();
            for (k, v) in &plan.pod_annotations {
                match existing.and_then(|a| tree.get(a, k)) {
                    None => new.push((k.clone(), v.clone())),
                    Some(n) if tree.as_str(n) == v.as_str() => {}
                    Some(n) => conflict(
                        line_of(n),
                        m.annotations_field(),
                        format!(
                            "the pod template already has annotation `{k}` with another value (stowage needs {})",
                            emit_flow(v)
                        ),
                        REMOVE,
                    ),
                }
            }
            if !new.is_empty() {
                edits.push(Edit {
                    at: m.at,
                    pointer: m.pointer.clone(),
                    path: m.annotations,
                    add: Addition::Entries(new),
                });
            }
        }
        Ok(edits)
    }

    /// Items of list `key` in mapping `holder`, keyed by their `id_key` field, with their lines.
    ///
    /// Only items that may share an id with a planned one (`planned_ids`) are compared, so others
    /// need not be converted to values: when the document has no aliases and fewer nodes than the
    /// alias budget (so converting cannot fail), a mapping item without a merge key whose `id_key`
    /// is not planned is left out. Every other item is converted, as the comparison needs.
    fn existing(
        &self,
        tree: &Tree,
        holder: NodeId,
        key: &str,
        id_key: &str,
        field: &dyn Fn() -> String,
        planned_ids: &[&str],
    ) -> Result<Vec<(String, Value, usize)>, Diagnostic> {
        let error = |line: usize, message: String| {
            Diagnostic::error(
                Place {
                    line: Some(line),
                    ..Place::default()
                },
                message,
            )
        };
        let Some(list) = tree.get(holder, key) else {
            return Ok(Vec::new());
        };
        if tree.is_null(list) {
            return Ok(Vec::new());
        }
        let Some(items) = tree.items(list) else {
            return Err(error(
                tree.node(list).line,
                format!("`{}.{key}` is not a list", field()),
            ));
        };
        let lazy = !tree.has_aliases() && tree.len() <= self.limits.max_alias_nodes;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if lazy && tree.entries(*item).is_some() && !tree.has_merge_key(*item) {
                let id = tree
                    .get(*item, id_key)
                    .and_then(|n| tree.as_str(n))
                    .unwrap_or("");
                if !planned_ids.contains(&id) {
                    continue;
                }
            }
            let value = tree
                .value(*item, self.limits)
                .map_err(|e| error(e.line, format!("`{}.{key}`: {}", field(), e.message)))?;
            let id = value
                .get(id_key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            out.push((id, value, tree.node(*item).line));
        }
        Ok(out)
    }
}

/// An existing env var or mount as a conflict message shows it. Where stowage reads the variable
/// from a Secret, the chart's literal `value` is a credential: it is not printed.
fn shown_existing(old: &Value, planned: &Value) -> String {
    if planned.pointer("/valueFrom/secretKeyRef").is_some() && old.get("value").is_some() {
        let mut shown = old.clone();
        shown["value"] = Value::String("<redacted>".into());
        return emit_flow(&shown);
    }
    emit_flow(old)
}

/// The items to add: all of `planned` (borrowed) or the `new` subset of it.
fn shared(planned: &Arc<[Value]>, new: Vec<&Value>) -> Arc<[Value]> {
    if new.len() == planned.len() {
        planned.clone()
    } else {
        new.into_iter().cloned().collect()
    }
}

/// Whether an existing block is the one stowage would add. `readOnly: false` is what Kubernetes
/// assumes when `readOnly` is absent, so it doesn't make a block different.
fn same_block(existing: &Value, planned: &Value) -> bool {
    fn strip(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, v)| !(k.as_str() == "readOnly" && **v == Value::Bool(false)))
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    existing == planned || strip(existing) == strip(planned)
}
