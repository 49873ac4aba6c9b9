//! The embedded JSON Schema of the `persistence` value, and how its errors become diagnostics.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde_json::Value;

use crate::report::{self, Diagnostic, Place};

pub(super) mod validate;

/// The JSON Schema (draft 2020-12) of the `persistence` object, as printed by `stowage schema`.
/// It only uses keywords that mean the same in draft-07, so older Helm versions can use it too.
pub fn schema() -> &'static str {
    include_str!("../../../../schema/persistence.schema.json")
}

/// The schema as a value: what `validate` checks a config against, and what diagnostics say
/// (expected types, known keys).
pub(super) fn schema_value() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(schema()).expect("schema/persistence.schema.json is valid JSON")
    })
}

/// The `jsonschema` crate's draft-07 validator on the schema as stowage checks it ([`for_runtime`]):
/// the tests' judge of `validate`, which must report the same errors.
#[cfg(test)]
pub(super) fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let mut schema = schema_value().clone();
        for_runtime(&mut schema);
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&schema)
            .expect("schema/persistence.schema.json compiles")
    })
}

/// The schema as stowage checks it: without `$schema`, which would pick draft 2020-12 again, and
/// without its `pattern`s, which `validate` skips. The patterns stay in the printed schema for
/// Helm's `values.schema.json`; here the Rust rules (`rules/`) are the authority: they check the
/// same strings and more, and their messages say how to fix them
/// (`rust_rules_agree_with_the_schema_patterns` compares each rule with its pattern).
#[cfg(test)]
pub(super) fn for_runtime(schema: &mut Value) {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.get("pattern").is_some_and(Value::is_string) {
                    m.remove("pattern");
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(schema);
    if let Some(root) = schema.as_object_mut() {
        root.remove("$schema");
    }
}

// ------------------------------------------------------------------------------------------------
// Schema errors → diagnostics

pub(super) struct SchemaReport {
    pub(super) diags: Vec<Diagnostic>,
    /// Entries (`persistence.data.x`) with a structural error: the semantic rules skip them, or
    /// they would report consequences of the same mistake ("no source" after a misspelt key).
    pub(super) broken_entries: HashSet<String>,
}

pub(super) fn schema_diagnostics(instance: &Value, origin: &str, flat: &[String]) -> SchemaReport {
    use validate::Kind as K;
    let mut report = SchemaReport {
        diags: Vec::new(),
        broken_entries: HashSet::new(),
    };
    // Pointers under a flat-shape key were already reported as one error.
    let replaced = |pointer: &str| {
        flat.iter().any(|k| {
            let p = format!("/{k}");
            pointer == p || pointer.starts_with(&format!("{p}/"))
        })
    };
    for err in validate::errors(schema_value(), instance) {
        let pointer = err.instance_path;
        if replaced(&pointer) {
            continue;
        }
        let segments = pointer_segments(&pointer);
        let path = dotted(instance, &segments);
        let field = field_name(instance, &segments);
        let node = schema_node(&err.schema_path);
        let value = err.instance;
        let structural = !matches!(
            err.kind,
            K::Enum { .. } | K::MaxLength { .. } | K::MinItems | K::UniqueItems
        );
        if structural && segments.len() >= 2 && (segments[0] == "data" || segments[0] == "outputs")
        {
            report
                .broken_entries
                .insert(format!("persistence.{}.{}", segments[0], segments[1]));
        }
        let place = Place::config(origin, path.clone());
        let diag = match err.kind {
            // Entry names are checked by `Checker::entry_name`, which also knows the bucket limit.
            K::PropertyNames => continue,
            K::AdditionalProperties { unexpected } => {
                for key in &unexpected {
                    let child = format!("{pointer}/{key}");
                    if replaced(&child) {
                        continue;
                    }
                    report
                        .diags
                        .push(unknown_key(origin, &path, &segments, key, node));
                }
                continue;
            }
            K::Type => {
                let expected = expected_types(node);
                let d = Diagnostic::error(
                    place,
                    format!("`{field}` must be {expected}, not {}", describe(value)),
                );
                match type_hint(&segments, &expected, value) {
                    Some(h) => d.with_hint(h),
                    None => d,
                }
            }
            K::Enum { options } => {
                let choices: Vec<&str> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                let listed = choices
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let d = Diagnostic::error(
                    place,
                    format!("`{field}` must be one of {listed}, not {}", describe(value)),
                );
                match value
                    .as_str()
                    .and_then(|s| report::did_you_mean(s, choices.iter().copied()))
                {
                    Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                    None => d,
                }
            }
            K::MaxLength { limit } => Diagnostic::error(
                place,
                format!(
                    "`{field}` must be at most {limit} characters (it has {})",
                    value.as_str().map_or(0, |s| s.chars().count())
                ),
            ),
            K::MinItems => {
                let d = Diagnostic::error(place, format!("`{field}` must not be empty"));
                match field.as_str() {
                    "containers" => d.with_hint("remove `containers` to select every container"),
                    "data" => d.with_hint(
                        "write `data: none` for no data entries, or leave `data` out for every one",
                    ),
                    "kind" => d.with_hint("leave `kind` out to match every kind"),
                    _ => d,
                }
            }
            K::UniqueItems => {
                Diagnostic::error(place, format!("`{field}` lists the same item twice"))
            }
            K::Required { property } => {
                Diagnostic::error(place, format!("`{field}` needs `{property}`"))
            }
        };
        report.diags.push(diag);
    }
    report
}

fn unknown_key(
    origin: &str,
    path: &str,
    segments: &[String],
    key: &str,
    node: Option<&Value>,
) -> Diagnostic {
    let place = Place::config(origin, format!("{path}.{key}"));
    let in_data_entry = segments.len() == 2 && segments[0] == "data";
    if in_data_entry && key == "default" {
        return Diagnostic::error(place, "`default` only applies to outputs entries")
            .with_hint("remove it: every data entry is mounted unless a workload's `stowage.dev/data` annotation says otherwise");
    }
    let known: Vec<&str> = node
        .and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let d = Diagnostic::error(place, format!("unknown key `{key}`"));
    let in_rule = segments.len() == 2 && segments[0] == "workloads";
    let match_keys = &schema_value()["$defs"]["workloadMatch"]["properties"];
    if in_rule && match_keys.get(key).is_some() {
        return d.with_hint(format!(
            "`{key}` says which workloads the rule is for: put it under `match`"
        ));
    }
    match report::did_you_mean(key, known.iter().copied()) {
        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
        None if segments.len() == 2 && (segments[0] == "data" || segments[0] == "outputs") => d
            .with_hint(format!(
                "an entry's keys are {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        None => d,
    }
}

fn type_hint(segments: &[String], expected: &str, value: &Value) -> Option<String> {
    let is_role = |s: &String| s == "data" || s == "outputs";
    if expected.starts_with("a boolean") && value.is_string() {
        return Some("write `true` or `false` without quotes".into());
    }
    if expected == "a string" && (value.is_number() || value.is_boolean()) {
        return Some(format!("quote it: `\"{value}\"`"));
    }
    match segments {
        [role] if is_role(role) && value.is_array() => Some(format!(
            "`{role}` maps entry names to entries, e.g. `{role}: {{{role}1: {{mountPath: /{role}/1, existingClaim: {role}-1-pvc}}}}`; to pick entries per workload use the `stowage.dev/{role}` annotation"
        )),
        [role, name] if is_role(role) => Some(format!(
            "an entry is a mapping, e.g. `{name}: {{mountPath: /{role}/{name}, existingClaim: {name}-pvc}}`"
        )),
        _ => None,
    }
}

/// The schema object that holds the failing keyword (`/$defs/mountPath/type` → `$defs.mountPath`).
fn schema_node(keyword_pointer: &str) -> Option<&'static Value> {
    let parent = keyword_pointer.rsplit_once('/').map_or("", |(p, _)| p);
    schema_value().pointer(parent)
}

/// "a string", "a boolean (true or false)", ... from a schema node's `type` (null left out: it
/// only means "absent" here).
fn expected_types(node: Option<&Value>) -> String {
    let types: Vec<&str> = match node.and_then(|n| n.get("type")) {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let names: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "object" => "a mapping",
            "array" => "a list",
            "string" => "a string",
            "boolean" => "a boolean (true or false)",
            "integer" => "an integer",
            "number" => "a number",
            other => other,
        })
        .collect();
    if names.is_empty() {
        "something else".into()
    } else {
        names.join(" or ")
    }
}

/// How a value reads in a message: `the string "true"`, `the number 5`, `a list`.
pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

pub(super) fn pointer_segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// `/data/data-s3/bucket` → `persistence.data.data-s3.bucket`; list items as `[i]`
/// (`persistence.containers[1]`). Walks the instance so that an entry named `0` stays a key.
pub(super) fn dotted(instance: &Value, segments: &[String]) -> String {
    let mut out = String::from("persistence");
    let mut cur = Some(instance);
    for seg in segments {
        match cur {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{seg}]"));
                cur = seg.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            _ => {
                out.push('.');
                out.push_str(seg);
                cur = cur.and_then(|c| c.get(seg.as_str()));
            }
        }
    }
    out
}

/// The last element of a path as a message calls it: `readOnly`, `containers[1]`, `persistence`.
fn field_name(instance: &Value, segments: &[String]) -> String {
    match segments.split_last() {
        None => "persistence".into(),
        Some((last, parent)) => {
            let full = dotted(instance, segments);
            let parent_path = dotted(instance, parent);
            match full.strip_prefix(&parent_path) {
                Some(rest) if rest.starts_with('[') => {
                    format!(
                        "{}{rest}",
                        parent.last().map_or("persistence", String::as_str)
                    )
                }
                _ => last.clone(),
            }
        }
    }
}
