//! The per-object filter, the one step that every adapter (post-render, the KRM function, the
//! legacy kustomize plugin) runs: a parsed object in, the text to insert into it out.
//!
//! Reads the object as Kubernetes would (refusing duplicate keys and custom tags, which readers
//! disagree on), finds its workloads, plans each, and turns the plans into insertions. Where text
//! can't be inserted (the edit point is behind an alias or merge key, or under an anchor that
//! aliases repeat), it gives the object's value with the edits applied instead, for the adapter
//! to re-emit, with a note saying so.

use serde_json::Value;

use crate::edit::{self, Edit, Failure, Splice, Written};
use crate::plan::{Injector, Memo, WorkloadPlan};
use crate::report::{Diagnostic, Place, has_errors};
use crate::workload;
use crate::yaml::{self, NodeId, Tree};

/// What one object needs changed. Offsets and lines are the tree's; the adapter places them in
/// its stream or ResourceList.
#[derive(Default)]
pub struct Filtered {
    /// Insertions into the tree's text, in order.
    pub splices: Vec<Splice>,
    /// Errors, warnings and notes, each naming the object (`Kind/name`) and the tree line.
    pub diagnostics: Vec<Diagnostic>,
    /// The plan of every workload of the object.
    pub plans: Vec<WorkloadPlan>,
    /// Set when the edits could not be made as insertions: the object's value with them applied.
    pub reemit: Option<Value>,
    /// The `persistence.workloads` rules that matched a workload of the object, by index.
    pub rules: Vec<usize>,
    /// A workload planned here has no `metadata.namespace`: it got the fallback namespace.
    pub namespace_defaulted: bool,
}

/// What a thread keeps from one object to the next.
#[derive(Default)]
pub struct Scratch {
    memo: Memo,
    written: Written,
}

/// The filter: plan the workloads of the object at `node` and the text that injects them.
/// `source` is the file that rendered the object, when the stream says (Helm's template, a
/// package's file): `persistence.workloads` rules may match on it.
pub fn inject(
    injector: &Injector,
    tree: &Tree,
    node: NodeId,
    source: Option<&str>,
    scratch: &mut Scratch,
) -> Filtered {
    let mut out = Filtered::default();
    let object = object_label(tree, node);
    let error = |line: usize, message: String| {
        Diagnostic::error(
            Place {
                object: Some(object.clone()),
                line: Some(line),
                ..Place::default()
            },
            message,
        )
    };
    // The object is read as Kubernetes would read it; refuse what it would read differently.
    // Only what is inside the object counts (a ResourceList holds other objects too); its lines
    // are counted only when there is something to place.
    let inside = |line: &usize| Some(node) == tree.root || lines_of(tree, node).contains(line);
    if let Some((line, _, key)) = tree.find_duplicate_key().filter(|(l, _, _)| inside(l)) {
        out.diagnostics.push(error(
            line,
            format!("duplicate key `{key}` (Kubernetes tooling disagrees on which one wins)"),
        ));
        return out;
    }
    if let Some((line, _, tag)) = tree.find_custom_tag().filter(|(l, _, _)| inside(l)) {
        out.diagnostics.push(error(
            line,
            format!("custom tag `{tag}` in a workload: its meaning is up to the reader"),
        ));
        return out;
    }
    let workloads =
        match workload::find(tree, node, injector.config().kinds(), &mut out.diagnostics) {
            Ok(w) => w,
            Err(d) => {
                out.diagnostics.push(naming(d, &object));
                return out;
            }
        };
    let mut edits: Vec<Edit> = Vec::new();
    // Each pod is planned on its own: a replica type's template may choose other entries.
    for w in &workloads {
        for pod in &w.pods {
            let plan = match injector.plan(tree, w, pod, source, &mut scratch.memo) {
                Ok((plan, rule)) => {
                    out.rules.extend(rule);
                    match plan {
                        Some(plan) => plan,
                        None => continue,
                    }
                }
                Err(mut d) => {
                    d.place.line = d.place.line.or(Some(tree.node(w.object).line));
                    // An error about the object comes once, not once per pod.
                    let d = naming(d, &object);
                    if !out.diagnostics.contains(&d) {
                        out.diagnostics.push(d);
                    }
                    continue;
                }
            };
            let mut conflicts = Vec::new();
            match injector.edits(tree, &plan, w, pod, &mut conflicts) {
                Ok(e) => edits.extend(e),
                Err(d) => out.diagnostics.push(naming(d, &object)),
            }
            // A conflict names the workload (a List item has its own name) and the field.
            out.diagnostics.extend(conflicts);
            // The fallback namespace matters where it goes into an outputs path.
            out.namespace_defaulted |= w.namespace.is_none()
                && plan.outputs_path.is_some()
                && injector.config().outputs_path.contains("namespace");
            out.plans.push(plan);
        }
    }
    if edits.is_empty() || has_errors(&out.diagnostics) {
        return out;
    }
    // Text inserted under an anchor that aliases repeat would land in every one of them.
    let shared = if tree.has_aliases() {
        tree.shared_nodes()
    } else {
        Vec::new()
    };
    let under_shared_anchor = edits
        .iter()
        .any(|e| shared.get(e.at.0 as usize) == Some(&true));
    let reason = match edit::splices(tree, &edits, &mut scratch.written) {
        Ok(_) if under_shared_anchor => {
            "the edit point is inside an anchor that aliases repeat".to_string()
        }
        Ok(splices) => {
            // Test builds read every edited object back: an insertion bug becomes a failure.
            if cfg!(debug_assertions)
                && reads_as_planned(tree, node, &edits, &splices, injector.limits) == Some(false)
            {
                panic!(
                    "inserted text does not read as planned:\n{}",
                    edit::spliced(tree.text, &splices)
                );
            }
            out.splices = splices;
            return out;
        }
        Err(Failure::WrongShape(d)) => {
            out.diagnostics.push(naming(*d, &object));
            return out;
        }
        Err(Failure::NeedsReemit(reason)) => reason.0,
    };
    let mut value = match tree.value(node, injector.limits) {
        Ok(v) => v,
        Err(e) => {
            out.diagnostics.push(error(e.line, e.message));
            return out;
        }
    };
    if let Err(m) = edit::apply_to_value(&mut value, &edits) {
        out.diagnostics.push(error(tree.node(node).line, m));
        return out;
    }
    out.diagnostics.push(Diagnostic::note(
        Place {
            object: Some(object),
            ..Place::default()
        },
        format!(
            "{reason}; this document was re-emitted from its value (comments and formatting inside it are not kept)"
        ),
    ));
    out.reemit = Some(value);
    out
}

/// The lines the node spans (the whole tree, for a document's root; one item of a ResourceList).
fn lines_of(tree: &Tree, node: NodeId) -> std::ops::RangeInclusive<usize> {
    let n = tree.node(node);
    let end = n.end.min(tree.text.len());
    n.line
        ..=n.line + memchr::memchr_iter(b'\n', &tree.text.as_bytes()[n.start.min(end)..end]).count()
}

/// `Kind/name` of the object, for messages.
pub fn object_label(tree: &Tree, node: NodeId) -> String {
    let kind = workload::string_at(tree, node, &["kind"]).unwrap_or("");
    let name = workload::string_at(tree, node, &["metadata", "name"]).unwrap_or("");
    format!("{kind}/{name}")
}

fn naming(mut d: Diagnostic, object: &str) -> Diagnostic {
    if d.place.object.is_none() {
        d.place.object = Some(object.to_string());
    }
    d
}

/// Whether the text with `splices` reads back as the object's value with the edits applied
/// (`None` when the value can't be computed, e.g. an alias bomb stowage never expands).
fn reads_as_planned(
    tree: &Tree,
    node: NodeId,
    edits: &[Edit],
    splices: &[Splice],
    limits: yaml::Limits,
) -> Option<bool> {
    let mut expected = tree.value(node, limits).ok()?;
    edit::apply_to_value(&mut expected, edits).ok()?;
    let new_text = edit::spliced(tree.text, splices);
    let Ok(new_tree) = yaml::parse(&new_text, limits) else {
        return Some(false);
    };
    if new_tree.find_duplicate_key().is_some() {
        return Some(false);
    }
    // The object is where it was: the same path from the root, through the same keys and items.
    let new_node = same_place(tree, node, &new_tree)?;
    Some(new_tree.value(new_node, limits).ok() == Some(expected))
}

/// The node of `new` at the path `node` has in `old` (two parses of texts that differ only by
/// insertions below `node`).
fn same_place(old: &Tree, node: NodeId, new: &Tree) -> Option<NodeId> {
    fn path_to(tree: &Tree, from: NodeId, to: NodeId, path: &mut Vec<usize>) -> bool {
        if from == to {
            return true;
        }
        // Aliases repeat nodes walked where they are defined (and may sit inside them).
        if matches!(tree.node(from).kind, crate::yaml::Kind::Alias(_)) {
            return false;
        }
        let children: Vec<NodeId> = match (tree.entries(from), tree.items(from)) {
            (Some(entries), _) => entries.iter().map(|(_, v)| *v).collect(),
            (None, Some(items)) => items.to_vec(),
            _ => return false,
        };
        for (i, child) in children.into_iter().enumerate() {
            path.push(i);
            if path_to(tree, child, to, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = Vec::new();
    if !path_to(old, old.root?, node, &mut path) {
        return None;
    }
    let mut at = new.root?;
    for i in path {
        at = match (new.entries(at), new.items(at)) {
            (Some(entries), _) => entries.get(i)?.1,
            (None, Some(items)) => *items.get(i)?,
            _ => return None,
        };
    }
    Some(at)
}
