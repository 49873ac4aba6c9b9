//! The config's tests: the schema, whole files, and each family of rules. `mod.rs` holds the
//! helpers they share.

mod files;
mod glob;
mod load;
mod names;
mod outputs;
mod paths;
mod schema;
mod settings;
mod sources;
mod structure;
mod workloads;

use super::load::values_yaml_options;
use super::schema::{dotted, for_runtime, pointer_segments, schema_value, validator};
use super::*;
use crate::report::Severity;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::report::Diagnostic;

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str_with_options(text, values_yaml_options()).expect("test YAML parses")
}

fn run(text: &str) -> (Option<Config>, Vec<Diagnostic>) {
    build(&yaml(text), "values.yaml")
}

fn errors(diags: &[Diagnostic]) -> Vec<&Diagnostic> {
    diags.iter().filter(|d| d.is_error()).collect()
}

/// The diagnostic of this severity at this config path whose message or hint contains `phrase`.
#[track_caller]
fn find<'a>(
    diags: &'a [Diagnostic],
    severity: Severity,
    path: &str,
    phrase: &str,
) -> &'a Diagnostic {
    diags
        .iter()
        .find(|d| {
            d.severity == severity
                && d.place.config_path.as_deref() == Some(path)
                && (d.message.contains(phrase)
                    || d.hint.as_deref().is_some_and(|h| h.contains(phrase)))
        })
        .unwrap_or_else(|| {
            panic!(
                "no {severity:?} at `{path}` containing {phrase:?} in:\n{}",
                list(diags)
            )
        })
}

#[track_caller]
fn error_at(text: &str, path: &str, phrase: &str) -> Vec<Diagnostic> {
    let (config, diags) = run(text);
    assert!(
        config.is_none(),
        "expected an error for:\n{text}\n{}",
        list(&diags)
    );
    find(&diags, Severity::Error, path, phrase);
    diags
}

#[track_caller]
fn only_error_at(text: &str, path: &str, phrase: &str) {
    let diags = error_at(text, path, phrase);
    assert_eq!(
        errors(&diags).len(),
        1,
        "expected exactly one error:\n{}",
        list(&diags)
    );
}

#[track_caller]
fn ok(text: &str) -> (Config, Vec<Diagnostic>) {
    let (config, diags) = run(text);
    match config {
        Some(c) => (c, diags),
        None => panic!("expected a config for:\n{text}\n{}", list(&diags)),
    }
}

fn list(diags: &[Diagnostic]) -> String {
    diags.iter().map(|d| format!("  {d}\n")).collect()
}

const CLAIM: &str = "{mountPath: /data/1, existingClaim: data-1-pvc}";
