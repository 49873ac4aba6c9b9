//! The kustomize and kpt adapters (design.md §6): a KRM function (`stowage fn`) and a legacy
//! kustomize exec plugin. Both reuse the post-render path: items are emitted as a YAML stream,
//! injected by [`inject::post_render`] and read back, so there is one injection path only.

use serde_json::{Map, Value, json};

use crate::edit;
use crate::inject::{self, ConfigSource, Options};
use crate::report::{Diagnostic, Place, Severity, has_errors};
use crate::stream::{self, Class};
use crate::yaml;

/// apiVersions of `ResourceList` accepted on input (the output keeps the input's).
pub const RESOURCE_LIST_VERSIONS: &[&str] = &[
    "config.kubernetes.io/v1",
    "config.kubernetes.io/v1beta1",
    "config.kubernetes.io/v1alpha1",
];
const ORIGIN: &str = "functionConfig";

/// What a run of the KRM function produced.
pub struct FnOutcome {
    /// The output `ResourceList`, as YAML.
    pub output: String,
    /// Every diagnostic (also in `results`); the CLI prints warnings and errors on stderr.
    pub diagnostics: Vec<Diagnostic>,
    /// 0 success, 1 an error result.
    pub exit_code: i32,
}

/// Run the KRM function on a `ResourceList`.
/// With `strict`, a warning fails the function like an error does.
pub fn run_fn(input: &[u8], options: &Options, strict: bool) -> FnOutcome {
    let fatal =
        |api_version: &str,
         items: Vec<Value>,
         function_config: Option<Value>,
         d: Vec<Annotated>| { finish(api_version, items, function_config, d, 1) };
    // No usable ResourceList came in: answer with an empty one that holds the error.
    let refuse = |d: Diagnostic| fatal(RESOURCE_LIST_VERSIONS[0], vec![], None, plain(vec![d]));
    let Ok(text) = std::str::from_utf8(input) else {
        return refuse(Diagnostic::error(
            Place::default(),
            "the ResourceList is not UTF-8",
        ));
    };
    let list = match yaml::parse_value(text, options.yaml) {
        Ok(v) => v,
        Err(e) => {
            let place = Place {
                line: Some(e.line),
                column: Some(e.column),
                ..Place::default()
            };
            return refuse(Diagnostic::error(
                place,
                format!("invalid ResourceList YAML: {}", e.message),
            ));
        }
    };
    let api_version = list.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = list.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind != "ResourceList" || !RESOURCE_LIST_VERSIONS.contains(&api_version) {
        return refuse(
            Diagnostic::error(
                Place::default(),
                format!("expected a `config.kubernetes.io/v1` ResourceList on stdin, got apiVersion `{api_version}`, kind `{kind}`"),
            )
            .with_hint("run `stowage fn` from kustomize (KRM exec function) or `kpt fn eval --exec`"),
        );
    }
    let api_version = api_version.to_string();
    let function_config = list.get("functionConfig").filter(|v| !v.is_null()).cloned();
    let items: Vec<Value> = match list.get("items") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            let d = Diagnostic::error(
                Place::default(),
                "`items` of the ResourceList is not a list",
            );
            return fatal(&api_version, vec![], function_config, plain(vec![d]));
        }
    };
    let persistence = match persistence_from_function_config(function_config.as_ref(), options) {
        Ok(p) => p,
        Err(d) => return fatal(&api_version, items, function_config, plain(d)),
    };
    // A Persistence object among the items (the config file inside a kpt package) is a resource
    // of the package: it passes through untouched and is not a second config.
    let targets: Vec<usize> = (0..items.len())
        .filter(|i| !is_config_item(&items[*i]))
        .collect();
    if targets.is_empty() {
        // post_render refuses a stream without objects; check the config alone.
        let (_, diagnostics) = crate::config::build(&persistence, ORIGIN);
        let code = if has_errors(&diagnostics) { 1 } else { 0 };
        return finish(
            &api_version,
            items,
            function_config,
            plain(diagnostics),
            code,
        );
    }
    let target_items: Vec<Value> = targets.iter().map(|i| items[*i].clone()).collect();
    let stream: String = target_items
        .iter()
        .map(|item| edit::emit_document(item, "\n"))
        .collect::<Vec<_>>()
        .join("---\n");
    let source = ConfigSource::values(&persistence, ORIGIN, options);
    match inject::post_render(stream.as_bytes(), source, options) {
        Ok(outcome) if strict && has_warnings(&outcome.diagnostics) => {
            let strict_diagnostics = outcome
                .diagnostics
                .into_iter()
                .map(|mut d| {
                    if d.severity == Severity::Warning {
                        d.severity = Severity::Error;
                        d.message.push_str(" [--strict]");
                    }
                    d
                })
                .collect();
            fatal(
                &api_version,
                items,
                function_config,
                attach(strict_diagnostics, &target_items),
            )
        }
        Ok(outcome) => match read_stream(&outcome.output(stream.as_bytes()), options) {
            Ok(out_items) if out_items.len() == target_items.len() => {
                let mut merged = items;
                for (i, item) in targets.iter().zip(out_items) {
                    merged[*i] = item;
                }
                finish(
                    &api_version,
                    merged,
                    function_config,
                    attach(outcome.diagnostics, &target_items),
                    0,
                )
            }
            Ok(out_items) => {
                let mut d = attach(outcome.diagnostics, &target_items);
                d.push((
                    Diagnostic::error(
                        Place::default(),
                        format!(
                            "internal error: {} items in, {} out",
                            target_items.len(),
                            out_items.len()
                        ),
                    ),
                    None,
                ));
                fatal(&api_version, items, function_config, d)
            }
            Err(e) => {
                let mut d = attach(outcome.diagnostics, &target_items);
                d.push((
                    Diagnostic::error(
                        Place::default(),
                        format!("internal error: cannot read the injected stream back: {e}"),
                    ),
                    None,
                ));
                fatal(&api_version, items, function_config, d)
            }
        },
        Err(diagnostics) => {
            let d = attach(diagnostics, &target_items);
            fatal(&api_version, items, function_config, d)
        }
    }
}

fn is_config_item(item: &Value) -> bool {
    item.get("kind").and_then(Value::as_str) == Some(inject::CONFIG_KIND)
        && item
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|a| a.starts_with(inject::CONFIG_API_GROUP))
}

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
        inject::CONFIG_KIND if api_version.starts_with(inject::CONFIG_API_GROUP) => {
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
            if m.get("kind").and_then(Value::as_str) == Some(inject::CONFIG_KIND)
                && m.get("apiVersion")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.starts_with(inject::CONFIG_API_GROUP)) =>
        {
            m.remove("spec").unwrap_or(Value::Null)
        }
        other => other,
    }
}

/// Parse every object document of a stream into a value, in order.
fn read_stream(output: &[u8], options: &Options) -> Result<Vec<Value>, String> {
    let docs = stream::split(output).map_err(|e| e.message)?;
    let text = std::str::from_utf8(output).map_err(|e| e.to_string())?;
    let mut values = Vec::new();
    for doc in docs.iter().filter(|d| d.class == Class::Object) {
        let v = yaml::parse_value(&text[doc.parse_range()], options.yaml).map_err(|e| e.message)?;
        values.push(v);
    }
    Ok(values)
}

/// Name the object of each diagnostic that points at a document (documents are the items, 1-based).
fn attach(diagnostics: Vec<Diagnostic>, items: &[Value]) -> Vec<Annotated> {
    let mut out = Vec::with_capacity(diagnostics.len());
    for mut d in diagnostics {
        let mut rref = None;
        if let Some(item) = d.place.document.and_then(|n| items.get(n.wrapping_sub(1)))
            && let Some(r) = resource_ref(item)
        {
            let name = r.get("name").and_then(Value::as_str).unwrap_or("");
            let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
            let object = match r.get("namespace").and_then(Value::as_str) {
                Some(ns) => format!("{kind}/{ns}/{name}"),
                None => format!("{kind}/{name}"),
            };
            d.place.object = Some(object);
            // Document, line and source are of the internal stream, not of the user's files.
            d.place.document = None;
            d.place.line = None;
            d.place.column = None;
            d.place.source = None;
            rref = Some(r);
        }
        out.push((d, rref));
    }
    out
}

/// A diagnostic with the `resourceRef` of the item it points at.
type Annotated = (Diagnostic, Option<Map<String, Value>>);

fn plain(diagnostics: Vec<Diagnostic>) -> Vec<Annotated> {
    diagnostics.into_iter().map(|d| (d, None)).collect()
}

fn resource_ref(item: &Value) -> Option<Map<String, Value>> {
    let mut r = Map::new();
    for key in ["apiVersion", "kind"] {
        r.insert(key.into(), item.get(key)?.as_str()?.into());
    }
    r.insert(
        "name".into(),
        item.pointer("/metadata/name")?.as_str()?.into(),
    );
    if let Some(ns) = item.pointer("/metadata/namespace").and_then(Value::as_str) {
        r.insert("namespace".into(), ns.into());
    }
    Some(r)
}

fn result((d, rref): &Annotated) -> Value {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "info",
    };
    // The message keeps the place (config path, document) but not the severity prefix.
    let full = d.to_string();
    let message = full
        .strip_prefix(&format!("{}: ", d.severity.as_str()))
        .unwrap_or(&full)
        .to_string();
    let mut r = Map::new();
    r.insert("message".into(), message.into());
    r.insert("severity".into(), severity.into());
    if let Some(rr) = rref {
        r.insert("resourceRef".into(), Value::Object(rr.clone()));
        if let Some(f) = &d.place.field {
            r.insert("field".into(), json!({ "path": f }));
        }
    }
    Value::Object(r)
}

fn finish(
    api_version: &str,
    items: Vec<Value>,
    function_config: Option<Value>,
    annotated: Vec<Annotated>,
    exit_code: i32,
) -> FnOutcome {
    let results: Vec<Value> = annotated.iter().map(result).collect();
    let diagnostics: Vec<Diagnostic> = annotated.into_iter().map(|(d, _)| d).collect();
    let exit_code = if has_errors(&diagnostics) {
        1
    } else {
        exit_code
    };
    let mut list = Map::new();
    list.insert("apiVersion".into(), api_version.into());
    list.insert("kind".into(), "ResourceList".into());
    list.insert("items".into(), Value::Array(items));
    if let Some(fc) = function_config {
        list.insert("functionConfig".into(), fc);
    }
    if !results.is_empty() {
        list.insert("results".into(), Value::Array(results));
    }
    FnOutcome {
        output: edit::emit_document(&Value::Object(list), "\n"),
        diagnostics,
        exit_code,
    }
}

/// The legacy kustomize exec plugin: `config` is the plugin config file's text (a `stowage.dev/v1alpha1`
/// Persistence object), `input` the resources stream. Returns the injected stream, or every problem.
pub fn run_legacy_plugin(
    config: &str,
    config_origin: &str,
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
    if kind != inject::CONFIG_KIND || !api_version.starts_with(inject::CONFIG_API_GROUP) {
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
        // Nothing to transform (or run as a generator): check the config, echo the input.
        let (_, diagnostics) = crate::config::build(&persistence, config_origin);
        if has_errors(&diagnostics) {
            return Err(diagnostics);
        }
        return Ok((input.to_vec(), diagnostics));
    }
    let source = ConfigSource::values(&persistence, config_origin, options);
    inject::post_render(input, source, options).map(|o| (o.output(input), o.diagnostics))
}

fn has_warnings(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Warning)
}
