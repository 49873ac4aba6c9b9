//! The legacy kustomize exec plugin (`kubectl kustomize --enable-alpha-plugins`): argv[1] is
//! the plugin config (a `Persistence` object). Under `transformers:` the resources come on stdin
//! as a YAML stream, so it is the post-render adapter with the config read from a file; under
//! `generators:` nothing comes in, and it makes the Secrets of the key files the config names
//! ([`super::generator`]).

use serde_json::Value;

use super::generator;
use crate::generate;
use crate::kinds;
use crate::post_render::{self, ConfigSource, Options};
use crate::report::{Diagnostic, Place};
use crate::stream::{self, Class};
use crate::yaml;

/// The legacy kustomize exec plugin: `config` is the plugin config file's text (a `stowage.dev/v1alpha1`
/// Persistence object), `input` the resources stream. Returns the injected stream, or every problem.
/// `base` is where the config's key file paths start: the kustomization's folder.
pub fn run_legacy_plugin(
    config: &str,
    config_origin: &str,
    base: &std::path::Path,
    input: &[u8],
    options: &Options,
) -> Result<(Vec<u8>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let place = || Place {
        config_source: Some(config_origin.to_string()),
        ..Place::default()
    };
    let value = yaml::parse_value(config, options.yaml).map_err(|e| {
        vec![Diagnostic::error(
            Place {
                line: Some(e.line),
                column: Some(e.column),
                ..place()
            },
            format!("invalid YAML in the plugin config: {}", e.message),
        )]
    })?;
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !kinds::is_config(Some(api_version), Some(kind)) {
        return Err(vec![Diagnostic::error(
            place(),
            format!(
                "the plugin config is apiVersion `{api_version}`, kind `{kind}`; expected `stowage.dev/v1alpha1` Persistence"
            ),
        )]);
    }
    let persistence = value.get("spec").cloned().unwrap_or(Value::Null);
    let docs =
        stream::split(input).map_err(|e| vec![Diagnostic::error(Place::default(), e.message)])?;
    if !docs.iter().any(|d| d.class == Class::Object) {
        // Run as a generator.
        let (secrets, diagnostics) = generator::run(&value, &persistence, config_origin, base)?;
        return Ok((generate::to_yaml(&secrets).into_bytes(), diagnostics));
    }
    let source = ConfigSource::values(&persistence, config_origin);
    post_render::post_render(input, source, options).map(|o| (o.output(input), o.diagnostics))
}
