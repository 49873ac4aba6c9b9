//! The workloads of an object and their pod specs, found in a parsed tree: what the planner
//! edits and what `diff` compares. A `List` (or any `*List`) gives the workloads of its items.

use std::borrow::Cow;

use crate::config::WorkloadKind;
use crate::kinds;
use crate::report::{Diagnostic, Place};
use crate::yaml::{NodeId, Tree};

/// A workload: an object with one or more pod specs.
#[derive(Clone, Debug)]
pub struct Workload {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// The object's mapping, and its JSON pointer below the object `find` was given.
    pub object: NodeId,
    pub pointer: String,
    pub pod_specs: Vec<PodSpec>,
    /// A StatefulSet's `volumeClaimTemplates` names, with their lines: the controller mounts each
    /// claim as a pod volume of that name, in place of any pod volume so named.
    pub claim_templates: Vec<(String, usize)>,
}

#[derive(Clone, Debug)]
pub struct PodSpec {
    /// The pod template (the mapping holding `metadata` and `spec`; the object itself for a Pod).
    pub template: NodeId,
    pub template_pointer: String,
    pub spec: NodeId,
    pub spec_pointer: String,
    /// Field path for messages, e.g. `spec.template.spec`.
    pub field: String,
}

/// The workloads of the object at `node`: built-in kinds, `extra` (configured) kinds, and the
/// items of lists. An error names the line (of the tree) where the object is malformed.
pub fn find(
    tree: &Tree,
    node: NodeId,
    extra: &[WorkloadKind],
) -> Result<Vec<Workload>, Diagnostic> {
    let mut out = Vec::new();
    if let Some(kind) = string_at(tree, node, &["kind"]) {
        collect(tree, node, kind, String::new(), extra, &mut out)?;
    }
    Ok(out)
}

/// Whether an object of this kind may hold workloads, so is worth parsing and planning.
pub fn may_hold_workloads(kind: &str, extra: &[WorkloadKind]) -> bool {
    kinds::is_workload_kind(kind)
        || kinds::is_list_kind(kind)
        || extra.iter().any(|w| w.kind == kind)
}

/// The string at `keys` below `node` (`["metadata", "name"]`), if there is one.
pub fn string_at<'t>(tree: &'t Tree, node: NodeId, keys: &[&str]) -> Option<&'t str> {
    let mut at = node;
    for key in keys {
        at = tree.get(at, key)?;
    }
    tree.as_str(at)
}

fn error(tree: &Tree, at: NodeId, message: String) -> Diagnostic {
    Diagnostic::error(
        Place {
            line: Some(tree.node(at).line),
            ..Place::default()
        },
        message,
    )
}

fn collect(
    tree: &Tree,
    object: NodeId,
    kind: &str,
    pointer: String,
    extra: &[WorkloadKind],
    out: &mut Vec<Workload>,
) -> Result<(), Diagnostic> {
    if kinds::is_list_kind(kind) {
        let Some(items) = tree.get(object, "items") else {
            return Ok(());
        };
        if tree.is_null(items) {
            return Ok(());
        }
        let Some(list) = tree.items(items) else {
            return Err(error(tree, items, format!("{kind}: `items` is not a list")));
        };
        for (i, item) in list.iter().enumerate() {
            if let Some(item_kind) = string_at(tree, *item, &["kind"]) {
                let pointer = pointer_to(&pointer, &["items", &i.to_string()]);
                collect(tree, *item, item_kind, pointer, extra, out)?;
            }
        }
        return Ok(());
    }
    let api_version = string_at(tree, object, &["apiVersion"]);
    let template_paths: Vec<Vec<&str>> = match kinds::built_in(api_version, kind) {
        Some(b) => vec![b.template.to_vec()],
        None => match extra.iter().find(|w| {
            w.kind == kind
                && w.api_version
                    .as_deref()
                    .is_none_or(|a| Some(a) == api_version)
        }) {
            // Configured paths name the pod spec; its template is the mapping above it.
            Some(w) => w
                .pod_spec_paths
                .iter()
                .map(|p| {
                    let mut keys: Vec<&str> = p.split('.').collect();
                    keys.pop();
                    keys
                })
                .collect(),
            None => return Ok(()),
        },
    };
    let mut pod_specs = Vec::new();
    for path in &template_paths {
        walk_templates(
            tree,
            object,
            &pointer,
            path,
            &mut Vec::new(),
            &mut pod_specs,
        )
        .map_err(|m| error(tree, object, m))?;
    }
    let claim_templates = match tree
        .get(object, "spec")
        .and_then(|s| tree.get(s, "volumeClaimTemplates"))
    {
        Some(list) if kind == "StatefulSet" => tree
            .items(list)
            .unwrap_or(&[])
            .iter()
            .filter_map(|t| {
                string_at(tree, *t, &["metadata", "name"])
                    .map(|n| (n.to_string(), tree.node(*t).line))
            })
            .collect(),
        _ => Vec::new(),
    };
    out.push(Workload {
        kind: kind.to_string(),
        name: string_at(tree, object, &["metadata", "name"])
            .unwrap_or("")
            .to_string(),
        namespace: string_at(tree, object, &["metadata", "namespace"]).map(str::to_string),
        object,
        pointer,
        pod_specs,
        claim_templates,
    });
    Ok(())
}

/// Follow `path` (keys, or a configured path with `[]` for every list item) from `node` to pod
/// templates.
fn walk_templates<'k>(
    tree: &Tree,
    node: NodeId,
    pointer: &str,
    path: &[&'k str],
    field: &mut Vec<Cow<'k, str>>,
    out: &mut Vec<PodSpec>,
) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        if tree.entries(node).is_none() {
            return Err(format!("`{}` is not a mapping", field.join(".")));
        }
        let spec = match tree.get(node, "spec") {
            Some(s) if tree.entries(s).is_some() => s,
            Some(s) => {
                return Err(format!(
                    "`{}` is not a mapping (line {})",
                    join_field(field, "spec"),
                    tree.node(s).line
                ));
            }
            None => return Err(format!("`{}` is missing", join_field(field, "spec"))),
        };
        out.push(PodSpec {
            template: node,
            template_pointer: pointer.to_string(),
            spec,
            spec_pointer: pointer_to(pointer, &["spec"]),
            field: join_field(field, "spec"),
        });
        return Ok(());
    };
    let (key, every) = match first.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (*first, false),
    };
    if tree.entries(node).is_none() {
        return Err(format!("`{}` is not a mapping", field.join(".")));
    }
    let Some(child) = tree.get(node, key) else {
        field.push(key.into());
        return Err(format!("`{}` is missing", field.join(".")));
    };
    let step: Cow<str> = if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1").into()
    } else {
        key.into()
    };
    let pointer = pointer_to(pointer, &[&step]);
    if every {
        let Some(items) = tree.items(child) else {
            return Ok(());
        };
        for (i, item) in items.iter().enumerate() {
            field.push(format!("{key}[{i}]").into());
            let item_pointer = pointer_to(&pointer, &[&i.to_string()]);
            walk_templates(tree, *item, &item_pointer, rest, field, out)?;
            field.pop();
        }
        return Ok(());
    }
    field.push(key.into());
    let r = walk_templates(tree, child, &pointer, rest, field, out);
    field.pop();
    r
}

/// `base` with JSON pointer steps (escaped already) after it. Not `format!`, which cost four
/// times as much on the pointer of every container of every workload.
pub fn pointer_to(base: &str, steps: &[&str]) -> String {
    let mut pointer =
        String::with_capacity(base.len() + steps.iter().map(|s| s.len() + 1).sum::<usize>());
    pointer.push_str(base);
    for step in steps {
        pointer.push('/');
        pointer.push_str(step);
    }
    pointer
}

fn join_field(field: &[Cow<str>], last: &str) -> String {
    if field.is_empty() {
        last.to_string()
    } else {
        format!("{}.{last}", field.join("."))
    }
}
