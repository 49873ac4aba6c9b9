//! `build`: from a `persistence`-shaped value to a typed [`Config`] and every diagnostic at once.

use std::collections::HashSet;

use serde_json::Value;

use super::raw::Persistence;
use super::rules::Checker;
use super::rules::workloads::Declared;
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
/// 2. the JSON Schema checks structure (types, enums, lengths, unknown keys);
/// 3. the rules, in Rust: those of each field (paths, names, bucket URLs: what the printed schema's
///    patterns say, and more) on every entry, and those of whole entries (one source per entry,
///    bucket matches store, shared mount paths, sensitive host paths...) on entries whose structure
///    is sound. They stay quiet about a field the schema already flagged.
pub fn build(persistence: &Value, origin: &str) -> (Option<Config>, Vec<Diagnostic>) {
    let platform_keys: Vec<&str> = match persistence {
        Value::Null => Vec::new(),
        Value::Object(m) => m
            .keys()
            .map(String::as_str)
            .filter(|k| PLATFORM_KEYS.contains(k))
            .collect(),
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
    let flat = ck.flat_shapes(persistence);
    let flat_diags = std::mem::take(&mut ck.diags);

    // 2. Schema.
    let schema = schema_diagnostics(persistence, origin, &flat);
    let flagged: HashSet<String> = schema
        .diags
        .iter()
        .filter_map(|d| d.place.config_path.clone())
        .collect();

    // 3. Semantic rules, on the value as the schema let it through.
    let raw = Persistence::read(persistence);
    let allow = ck.allow_host_paths(raw.allow_host_paths.as_deref().unwrap_or_default());
    let mut data = Vec::new();
    let mut outputs = Vec::new();
    let mut declared = Vec::new();
    for (role, entries) in [(Role::Data, &raw.data), (Role::Outputs, &raw.outputs)] {
        if flat.iter().any(|f| f == role.key()) {
            continue;
        }
        for (name, entry) in entries {
            let path = format!("persistence.{}.{name}", role.key());
            declared.push((role, name.as_str()));
            ck.entry_name(&path, name, entry.as_ref().is_some_and(|e| e.is_bucket()));
            let Some(entry) = entry else {
                continue;
            };
            let fields = ck.fields(&path, entry);
            if schema.broken_entries.contains(&path) {
                continue;
            }
            if let Some(entry) = ck.entry(role, name, &path, entry, fields, &allow) {
                match role {
                    Role::Data => data.push(entry),
                    Role::Outputs => outputs.push(entry),
                }
            }
        }
    }
    ck.across_entries(&declared, &data, &outputs);
    let outputs_path = ck.outputs_path(raw.outputs_path.as_deref());
    let on_conflict = match raw.on_conflict.as_deref() {
        Some("skip") => OnConflict::Skip,
        _ => OnConflict::Error,
    };
    let containers = ck.containers("persistence.containers", raw.containers.as_deref());
    let workload_kinds = ck.workload_kinds(raw.workload_kinds.as_deref().unwrap_or_default());
    let disabled_kinds = ck.disabled_kinds(raw.disabled_kinds.as_deref().unwrap_or_default());
    let env = ck.env_names(raw.env.as_ref(), data.iter().chain(&outputs));
    let entry_names = |role: Role| {
        declared
            .iter()
            .filter(move |(r, _)| *r == role)
            .map(|(_, n)| *n)
    };
    let declared = Declared {
        data: entry_names(Role::Data).collect(),
        outputs: entry_names(Role::Outputs).collect(),
    };
    let workloads = ck.workloads(
        raw.workloads.as_deref().unwrap_or_default(),
        &declared,
        &workload_kinds,
    );

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
    let ignored: Vec<String> = platform_keys.iter().map(|k| format!("`{k}`")).collect();
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
        disabled_kinds,
        env,
        allow_host_paths: allow,
        workloads,
    };
    (Some(config), diags)
}
