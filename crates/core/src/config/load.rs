//! `--values` files: read as Helm reads them, merged as Helm merges them.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::schema::describe;
use crate::report::{self, Diagnostic, Place};

/// Read `--values` files and merge their `persistence` keys like Helm merges values files: later
/// files win key by key, maps merge recursively, any other value replaces, and `null` deletes the
/// key. A file without `persistence` contributes nothing. Returns the merged `persistence` value
/// (an empty mapping when no file has one), or every file's problem.
pub fn load_values_files(paths: &[PathBuf]) -> Result<Value, Vec<Diagnostic>> {
    let mut merged = Map::new();
    let mut errors = Vec::new();
    let mut top_keys: Vec<String> = Vec::new();
    let mut found = false;
    for path in paths {
        match read_values_file(path) {
            Ok((Some(persistence), _)) => {
                found = true;
                let mut overlay = Map::new();
                overlay.insert("persistence".to_string(), persistence);
                merge_values(&mut merged, overlay);
            }
            Ok((None, keys)) => top_keys.extend(keys),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Injecting nothing because of a typo (`persistance:`) would look like success.
    if !found && !paths.is_empty() {
        let files = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let mut d = Diagnostic::error(
            Place {
                config_source: Some(files),
                ..Place::default()
            },
            "no `persistence:` key in the values: there is nothing to inject",
        );
        d = match report::did_you_mean("persistence", top_keys.iter().map(String::as_str)) {
            Some(k) => d.with_hint(format!("did you mean `persistence` instead of `{k}`?")),
            None => {
                d.with_hint("a values file looks like `persistence: {data: {...}, outputs: {...}}`")
            }
        };
        return Err(vec![d]);
    }
    Ok(merged
        .remove("persistence")
        .unwrap_or_else(|| Value::Object(Map::new())))
}

/// The `persistence` value of one values file, if it has one.
#[allow(clippy::result_large_err)] // one per file; `Diagnostic` is what callers want
/// Also returns the file's top-level keys when it has no `persistence`, to suggest a fix for a typo.
fn read_values_file(path: &std::path::Path) -> Result<(Option<Value>, Vec<String>), Diagnostic> {
    let name = path.display().to_string();
    let place = |line: Option<usize>, column: Option<usize>| Place {
        config_source: Some(name.clone()),
        line,
        column,
        ..Place::default()
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(place(None, None), format!("cannot read values file: {e}"))
    })?;
    let doc: Value =
        serde_saphyr::from_str_with_options(&text, values_yaml_options()).map_err(|e| {
            let loc = e.location();
            Diagnostic::error(
                place(
                    loc.map(|l| l.line() as usize),
                    loc.map(|l| l.column() as usize),
                ),
                format!(
                    "values file is not valid YAML: {}",
                    first_line(&e.to_string())
                ),
            )
        })?;
    match doc {
        Value::Null => Ok((None, Vec::new())), // empty or comments only, like Helm
        Value::Object(mut m) => match m.remove("persistence") {
            Some(p) => Ok((Some(p), Vec::new())),
            None => Ok((None, m.keys().cloned().collect())),
        },
        other => Err(Diagnostic::error(
            place(first_content_line(&text), None),
            format!(
                "a values file must be a mapping at the top level, not {}",
                describe(&other)
            ),
        )
        .with_hint("a values file looks like `persistence: {data: {...}, outputs: {...}}`")),
    }
}

/// Read values files as Helm and Kubernetes do (go-yaml v2, YAML 1.1): `0644` is octal,
/// `yes`/`on` are booleans, and a repeated key keeps the last value (Helm accepts duplicate keys
/// silently; several Polyaxon values files have one).
pub(super) fn values_yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        legacy_octal_numbers: true,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
        with_snippet: false,
        budget: serde_saphyr::budget! { max_depth: 256 },
    }
}

/// Helm's merge of `-f` files: maps merge key by key, other values replace, null deletes.
fn merge_values(base: &mut Map<String, Value>, overlay: Map<String, Value>) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (_, Value::Null) => {
                base.remove(&key);
            }
            (Some(Value::Object(b)), Value::Object(o)) => merge_values(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// 1-based line of the first thing that is not blank, a comment, a directive or `---`.
fn first_content_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim();
            !(t.is_empty() || t.starts_with('#') || t.starts_with('%') || t == "---")
        })
        .map(|i| i + 1)
}
