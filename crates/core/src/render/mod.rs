//! Templates → validated Kubernetes blocks.
//!
//! The injected blocks come from handlebars templates (`templates/*.yaml.hbs`, compiled into the
//! binary, each overridable by a file of the same name in `--templates DIR`). A rendered block is
//! parsed back into a value and checked against the API server's rules before anyone inserts it: a
//! template that renders an invalid block is an error naming the template, not a broken manifest.
//!
//! The built-in templates are rendered by plain functions (`builtin`), checked against their
//! handlebars text by a test; handlebars compiles them only for a context those functions leave
//! to it, or for `--templates DIR`, whose templates may include them as partials. Compiling them
//! was a third of a small chart's run.
//!
//! `inline` renders the small inline templates of the config (the outputs path).

use std::path::Path;

use handlebars::{Handlebars, handlebars_helper};
use serde_json::Value;

use crate::k8s;
use crate::yaml::{self, Limits};

mod builtin;
mod inline;

pub use inline::{Inline, render_inline};

/// The templates, by file name, with their built-in text.
pub const TEMPLATES: [(&str, &str); 4] = [
    (
        "volume.yaml.hbs",
        include_str!("../../../../templates/volume.yaml.hbs"),
    ),
    (
        "mount.yaml.hbs",
        include_str!("../../../../templates/mount.yaml.hbs"),
    ),
    (
        "credentials.yaml.hbs",
        include_str!("../../../../templates/credentials.yaml.hbs"),
    ),
    (
        "env.yaml.hbs",
        include_str!("../../../../templates/env.yaml.hbs"),
    ),
];

handlebars_helper!(json: |v: Value| v.to_string());

/// A built-in template without the `{{!-- --}}` comment that documents it for people who
/// override it: handlebars's parser is slow enough (0.1 ms for the four comments) to matter at
/// start-up. A user's template is compiled whole, so its error positions stay true.
fn without_leading_comment(template: &str) -> &str {
    template
        .strip_prefix("{{!--")
        .and_then(|rest| rest.split_once("--}}\n"))
        .map_or(template, |(_, body)| body)
}

pub struct Renderer {
    /// The templates of `--templates DIR`, compiled.
    registry: Handlebars<'static>,
    /// The built-in templates, compiled only if [`builtin::render`] leaves one to handlebars and
    /// `registry` does not hold them.
    builtins: std::sync::OnceLock<Handlebars<'static>>,
    /// Where each template came from, for error messages, and whether it is the built-in one.
    origins: Vec<(String, String, bool)>,
}

fn registry() -> Handlebars<'static> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    // YAML, not HTML: the `json` helper does the quoting.
    registry.register_escape_fn(handlebars::no_escape);
    registry.register_helper("json", Box::new(json));
    registry
}

fn register_builtin(registry: &mut Handlebars<'static>, name: &str, text: &str) {
    registry
        .register_template_string(name, without_leading_comment(text))
        .expect("the built-in templates compile");
}

/// The built-in templates, compiled.
fn builtins() -> Handlebars<'static> {
    let mut registry = registry();
    for (name, text) in TEMPLATES {
        register_builtin(&mut registry, name, text);
    }
    registry
}

impl Renderer {
    /// The built-in templates, each replaced by `DIR/<name>` when `dir` has one.
    pub fn new(dir: Option<&Path>) -> Result<Renderer, String> {
        let mut registry = registry();
        let mut origins = Vec::new();
        for (name, builtin) in TEMPLATES {
            match dir.map(|d| d.join(name)) {
                Some(path) if path.exists() => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("cannot read template {}: {e}", path.display()))?;
                    let origin = path.display().to_string();
                    registry
                        .register_template_string(name, text)
                        .map_err(|e| format!("{origin}: {e}"))?;
                    origins.push((name.to_string(), origin, false));
                }
                _ => {
                    // A user's template may include a built-in one as a partial.
                    if dir.is_some() {
                        register_builtin(&mut registry, name, builtin);
                    }
                    origins.push((name.to_string(), format!("built-in template {name}"), true));
                }
            }
        }
        if let Some(d) = dir
            && !d.is_dir()
        {
            return Err(format!("--templates {}: not a directory", d.display()));
        }
        Ok(Renderer {
            registry,
            builtins: std::sync::OnceLock::new(),
            origins,
        })
    }

    fn is_builtin(&self, name: &str) -> bool {
        self.origins
            .iter()
            .any(|(n, _, builtin)| n == name && *builtin)
    }

    /// Whether the env template is the built-in one (whose output depends on `outputsPath` and
    /// `storesAccessKeys` only through `{{#if}}` and `{{json}}`: see `plan`'s env cache).
    pub fn env_is_builtin(&self) -> bool {
        self.is_builtin("env.yaml.hbs")
    }

    fn origin<'s>(&'s self, name: &'s str) -> &'s str {
        self.origins
            .iter()
            .find(|(n, _, _)| n == name)
            .map_or(name, |(_, o, _)| o.as_str())
    }

    /// Render template `name` with `context` into a value.
    fn render(&self, name: &str, context: &Value) -> Result<Value, String> {
        if self.is_builtin(name)
            && let Some(value) = builtin::render(name, context)
        {
            return Ok(value);
        }
        // With `--templates DIR` every template is in `registry`; without, none is.
        let registry = if self.registry.has_template(name) {
            &self.registry
        } else {
            self.builtins.get_or_init(builtins)
        };
        let text = registry
            .render(name, context)
            .map_err(|e| format!("{}: {e}", self.origin(name)))?;
        yaml::parse_value(&text, Limits::default())
            .map_err(|e| format!("{} rendered invalid YAML: {e}\n{text}", self.origin(name)))
    }

    fn checked(
        &self,
        name: &str,
        what: &str,
        value: Value,
        problems: Vec<String>,
    ) -> Result<Value, String> {
        if problems.is_empty() {
            Ok(value)
        } else {
            Err(format!(
                "{} rendered an invalid {what} {}: {}",
                self.origin(name),
                crate::edit::emit_flow(&value),
                problems.join("; ")
            ))
        }
    }

    pub fn volume(&self, context: &Value) -> Result<Value, String> {
        let v = self.render("volume.yaml.hbs", context)?;
        let problems = k8s::validate_volume(&v);
        self.checked("volume.yaml.hbs", "volume", v, problems)
    }

    pub fn mount(&self, context: &Value) -> Result<Value, String> {
        let v = self.render("mount.yaml.hbs", context)?;
        let problems = k8s::validate_volume_mount(&v);
        self.checked("mount.yaml.hbs", "volumeMount", v, problems)
    }

    /// A credential's secret volume and its read-only mount.
    pub fn credentials(&self, context: &Value) -> Result<(Value, Value), String> {
        let name = "credentials.yaml.hbs";
        let mut v = self.render(name, context)?;
        let (Some(volume), Some(mount)) = (
            v.get_mut("volume").map(Value::take),
            v.get_mut("mount").map(Value::take),
        ) else {
            return Err(format!(
                "{} must render a mapping with `volume` and `mount`",
                self.origin(name)
            ));
        };
        let problems = k8s::validate_volume(&volume);
        let volume = self.checked(name, "volume", volume, problems)?;
        let problems = k8s::validate_volume_mount(&mount);
        let mount = self.checked(name, "volumeMount", mount, problems)?;
        Ok((volume, mount))
    }

    pub fn env(&self, context: &Value) -> Result<Vec<Value>, String> {
        let name = "env.yaml.hbs";
        let v = self.render(name, context)?;
        let list = match v {
            Value::Array(list) => list,
            Value::Null => Vec::new(),
            other => {
                return Err(format!(
                    "{} must render a list of env vars, not {}",
                    self.origin(name),
                    crate::edit::emit_flow(&other)
                ));
            }
        };
        list.into_iter()
            .map(|e| {
                let problems = k8s::validate_env_var(&e);
                self.checked(name, "env var", e, problems)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
