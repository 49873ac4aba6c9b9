//! The functionConfig of `stowage fn`: where the KRM function's persistence config comes from.

use serde_json::Value;

use crate::kinds;
use crate::post_render::Options;
use crate::report::{Diagnostic, Place};
use crate::yaml;

/// How messages name the config.
pub const ORIGIN: &str = "functionConfig";

/// The `persistence` value from a functionConfig: a `stowage.dev/* Persistence` (its `spec`), or a
/// `ConfigMap` whose `data.persistence` holds the YAML text (kpt's `-- persistence="$(cat p.yaml)"`).
/// A text with a top-level `persistence:` key (a chart values file) or a Persistence object is unwrapped.
pub fn persistence_from_function_config(
    fc: Option<&Value>,
    options: &Options,
) -> Result<Value, Vec<Diagnostic>> {
    function_config_value(fc, options).map_err(|d| vec![d])
}

#[allow(clippy::result_large_err)]
fn function_config_value(fc: Option<&Value>, options: &Options) -> Result<Value, Diagnostic> {
    let place = || Place {
        config_source: Some(ORIGIN.to_string()),
        ..Place::default()
    };
    let Some(fc) = fc else {
        return Err(Diagnostic::error(place(), "no functionConfig: the persistence config is missing").with_hint(
            "give a `stowage.dev/v1alpha1` Persistence object as the function config, or with kpt `-- persistence=\"$(cat persistence.yaml)\"`",
        ));
    };
    let kind = fc.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = fc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    match kind {
        kinds::CONFIG_KIND if kinds::is_config(Some(api_version), Some(kind)) => {
            Ok(fc.get("spec").cloned().unwrap_or(Value::Null))
        }
        "ConfigMap" if api_version == "v1" => {
            let Some(text) = fc.pointer("/data/persistence") else {
                return Err(Diagnostic::error(place(), "the ConfigMap functionConfig has no `data.persistence`")
                    .with_hint("pass the config as `-- persistence=\"$(cat persistence.yaml)\"`"));
            };
            let Some(text) = text.as_str() else {
                return Err(Diagnostic::error(place(), "`data.persistence` of the ConfigMap functionConfig is not a string"));
            };
            let value = yaml::parse_value(text, options.yaml).map_err(|e| {
                Diagnostic::error(
                    Place {
                        config_path: Some("data.persistence".into()),
                        line: Some(e.line),
                        column: Some(e.column),
                        ..place()
                    },
                    format!("invalid YAML: {}", e.message),
                )
            })?;
            Ok(unwrap_values(value))
        }
        _ => Err(Diagnostic::error(
            place(),
            format!("unsupported functionConfig: apiVersion `{api_version}`, kind `{kind}`"),
        )
        .with_hint("use `apiVersion: stowage.dev/v1alpha1, kind: Persistence` with the config under `spec`, or a ConfigMap with `data.persistence`")),
    }
}

fn unwrap_values(value: Value) -> Value {
    match value {
        Value::Object(mut m) if m.contains_key("persistence") => {
            m.remove("persistence").unwrap_or(Value::Null)
        }
        // A Persistence object (the kustomize plugin config): its spec.
        Value::Object(mut m)
            if kinds::is_config(
                m.get("apiVersion").and_then(Value::as_str),
                m.get("kind").and_then(Value::as_str),
            ) =>
        {
            m.remove("spec").unwrap_or(Value::Null)
        }
        other => other,
    }
}
