//! `results` of the ResourceList: one per diagnostic, as kpt and kustomize read them
//! (`message`, `severity`, `resourceRef`, `field`, `file`).

use serde_json::{Map, Value, json};

use super::{Annotated, FnOutcome, RESOURCE_LIST_VERSIONS, spliced_with_results};
use crate::edit::{self, Splice};
use crate::report::{Diagnostic, Severity};
use crate::workload;
use crate::yaml::{NodeId, Tree};

/// A ResourceList of its own for a run that could not read the one it was given.
pub(super) fn fresh_list(d: Diagnostic) -> FnOutcome {
    let mut list = Map::new();
    list.insert("apiVersion".into(), RESOURCE_LIST_VERSIONS[0].into());
    list.insert("kind".into(), "ResourceList".into());
    list.insert("items".into(), Value::Array(Vec::new()));
    list.insert(
        "results".into(),
        Value::Array(vec![result(&(d.clone(), None))]),
    );
    let diagnostics = vec![d];
    FnOutcome {
        output: edit::emit_document(&Value::Object(list), "\n"),
        diagnostics,
        exit_code: 1,
    }
}

/// The ResourceList's text with `splices` and a result for every diagnostic appended.
pub(super) fn append(
    tree: &Tree,
    root: NodeId,
    splices: Vec<Splice>,
    annotated: &[Annotated],
) -> String {
    let results: Vec<Value> = annotated.iter().map(result).collect();
    match spliced_with_results(tree, root, splices, results.clone()) {
        Some(text) => text,
        // `results: null` written out, which text can't be inserted under: rewrite the list.
        None => {
            let mut value = tree.value(root, Default::default()).unwrap_or(Value::Null);
            if let Some(list) = value.as_object_mut() {
                list.insert("results".into(), Value::Array(results));
            }
            edit::emit_document(&value, "\n")
        }
    }
}

/// The `resourceRef` of an item: what kpt and kustomize match a result to an object by.
pub(super) fn resource_ref(tree: &Tree, item: NodeId) -> Option<Map<String, Value>> {
    let field = |keys: &[&str]| workload::string_at(tree, item, keys);
    let mut r = Map::new();
    r.insert("apiVersion".into(), field(&["apiVersion"])?.into());
    r.insert("kind".into(), field(&["kind"])?.into());
    r.insert("name".into(), field(&["metadata", "name"])?.into());
    if let Some(ns) = field(&["metadata", "namespace"]) {
        r.insert("namespace".into(), ns.into());
    }
    Some(r)
}

fn result((d, resource_ref): &Annotated) -> Value {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "info",
    };
    // The message keeps the place (config path, object) but not the severity prefix.
    let full = d.to_string();
    let message = full
        .strip_prefix(&format!("{}: ", d.severity.as_str()))
        .unwrap_or(&full)
        .to_string();
    let mut r = Map::new();
    r.insert("message".into(), message.into());
    r.insert("severity".into(), severity.into());
    if let Some(rr) = resource_ref {
        r.insert("resourceRef".into(), Value::Object(rr.clone()));
    }
    if let Some(f) = &d.place.field {
        r.insert("field".into(), json!({ "path": f }));
    }
    if let Some(path) = &d.place.file {
        let mut file = Map::new();
        file.insert("path".into(), path.clone().into());
        if let Some(i) = d.place.index {
            file.insert("index".into(), i.into());
        }
        r.insert("file".into(), Value::Object(file));
    }
    Value::Object(r)
}
