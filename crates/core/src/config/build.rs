//! `build`: from a `persistence`-shaped value to a typed [`Config`] and every diagnostic at once.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::rules::{Checker, string_list, text};
use super::schema::{describe, schema_diagnostics};
use super::*;
use crate::report::{self, Diagnostic, Place};

/// Build a typed config from a `persistence`-shaped value, reporting every problem at once.
///
/// `origin` names the source in diagnostics (`values.yaml`, `in-stream Persistence document`, ...).
/// Returns the config when there is no error; the diagnostics hold every warning and note either way.
///
/// Three passes, each reporting what the next can't say well:
/// 1. the single-volume shape of charts before 0.1.1 gets one error with the shape to use instead;
/// 2. the JSON Schema checks structure (types, enums, patterns, unknown keys);
/// 3. semantic rules (one source per entry, bucket scheme, unique mount paths, sensitive host paths...)
///    run on entries whose structure is sound, and stay quiet about a field the schema already flagged.
pub fn build(persistence: &Value, origin: &str) -> (Option<Config>, Vec<Diagnostic>) {
    let no_keys = Map::new();
    let root = match persistence {
        Value::Null => &no_keys,
        Value::Object(m) => m,
        other => {
            let d = Diagnostic::error(
                Place::config(origin, "persistence"),
                format!("`persistence` must be a mapping, not {}", describe(other)),
            )
            .with_hint("write `persistence: {data: {...}, outputs: {...}}`");
            return (None, vec![d]);
        }
    };
    let mut ck = Checker {
        origin,
        diags: Vec::new(),
    };

    // 1. Old chart shapes.
    let flat = ck.flat_shapes(root);
    let flat_diags = std::mem::take(&mut ck.diags);

    // 2. Schema.
    let schema = schema_diagnostics(persistence, origin, &flat);
    let flagged: HashSet<String> = schema
        .diags
        .iter()
        .filter_map(|d| d.place.config_path.clone())
        .collect();

    // 3. Semantic rules.
    let allow = ck.allow_host_paths(root);
    let mut data = Vec::new();
    let mut outputs = Vec::new();
    let mut declared = Vec::new();
    for role in [Role::Data, Role::Outputs] {
        if flat.iter().any(|f| f == role.key()) {
            continue;
        }
        let Some(Value::Object(entries)) = root.get(role.key()) else {
            continue;
        };
        for (name, value) in entries {
            if value.is_null() {
                continue; // `data1: null` counts as absent, like any other key
            }
            let path = format!("persistence.{}.{name}", role.key());
            declared.push((role, name.as_str()));
            ck.entry_name(&path, name, value);
            let Value::Object(fields) = value else {
                continue;
            };
            if schema.broken_entries.contains(&path) {
                continue;
            }
            if let Some(entry) = ck.entry(role, name, &path, fields, &allow) {
                match role {
                    Role::Data => data.push(entry),
                    Role::Outputs => outputs.push(entry),
                }
            }
        }
    }
    ck.across_entries(&declared, &data, &outputs);
    let outputs_path = ck.outputs_path(root);
    let on_conflict = match text(root, "onConflict") {
        Some("skip") => OnConflict::Skip,
        _ => OnConflict::Error,
    };
    let containers = string_list(root, "containers");
    let workload_kinds = ck.workload_kinds(root);
    let env = ck.env_names(root, data.iter().chain(&outputs));

    // Semantic findings on a field the schema already flagged would say the same thing twice.
    ck.diags.retain(|d| {
        d.place
            .config_path
            .as_ref()
            .is_none_or(|p| !flagged.contains(p))
    });

    let mut diags = flat_diags;
    diags.extend(schema.diags);
    diags.extend(ck.diags);
    let ignored: Vec<String> = root
        .keys()
        .filter(|k| PLATFORM_KEYS.contains(&k.as_str()))
        .map(|k| format!("`{k}`"))
        .collect();
    if !ignored.is_empty() {
        diags.push(Diagnostic::note(
            Place::config(origin, "persistence"),
            format!(
                "ignoring Polyaxon platform key{} {} (stowage injects only `data` and `outputs` entries)",
                if ignored.len() == 1 { "" } else { "s" },
                ignored.join(", ")
            ),
        ));
    }
    if report::has_errors(&diags) {
        return (None, diags);
    }
    if data.is_empty() && outputs.is_empty() {
        diags.push(
            Diagnostic::note(
                Place::config(origin, "persistence"),
                "no `data` or `outputs` entries: nothing will be injected",
            )
            .with_hint("add entries such as `data: {data1: {mountPath: /data/1, existingClaim: data-1-pvc}}`"),
        );
    }
    let config = Config {
        data,
        outputs,
        outputs_path,
        on_conflict,
        containers,
        workload_kinds,
        env,
        allow_host_paths: allow,
    };
    (Some(config), diags)
}
