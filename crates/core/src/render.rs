//! Templates → validated Kubernetes blocks (design.md §4.5).
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

use std::path::Path;

use handlebars::{Handlebars, handlebars_helper};
use serde_json::Value;

use crate::k8s;
use crate::yaml::{self, Limits};

mod builtin;

/// The templates, by file name, with their built-in text.
pub const TEMPLATES: [(&str, &str); 4] = [
    (
        "volume.yaml.hbs",
        include_str!("../../../templates/volume.yaml.hbs"),
    ),
    (
        "mount.yaml.hbs",
        include_str!("../../../templates/mount.yaml.hbs"),
    ),
    (
        "credentials.yaml.hbs",
        include_str!("../../../templates/credentials.yaml.hbs"),
    ),
    (
        "env.yaml.hbs",
        include_str!("../../../templates/env.yaml.hbs"),
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

/// A small inline template (the outputs path) compiled once for many renders.
pub struct Inline {
    template: String,
    /// The template as text and `{{variable}}`s, when it is only that (the default
    /// `{{namespace}}/{{name}}` is): rendered by joining strings, a tenth of handlebars' cost.
    pieces: Option<Vec<Piece>>,
    /// `None` when the template does not compile: every render then reports the error.
    registry: Option<Handlebars<'static>>,
}

#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Variable(String),
}

impl Inline {
    pub fn new(template: &str) -> Inline {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        let registry = hb
            .register_template_string("inline", template)
            .is_ok()
            .then_some(hb);
        Inline {
            template: template.to_string(),
            pieces: pieces(template),
            registry,
        }
    }

    /// What [`render_inline`] gives for this template and `context`.
    pub fn render(&self, context: &Value) -> Result<String, String> {
        if let Some(pieces) = &self.pieces {
            let mut out = String::new();
            for piece in pieces {
                match piece {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Variable(v) => match context.get(v) {
                        Some(Value::String(s)) => out.push_str(s),
                        // Anything but a string is handlebars' to write, or to refuse.
                        _ => return self.render_with_handlebars(context),
                    },
                }
            }
            return Ok(out);
        }
        self.render_with_handlebars(context)
    }

    fn render_with_handlebars(&self, context: &Value) -> Result<String, String> {
        match &self.registry {
            Some(hb) => match hb.render("inline", context) {
                Ok(text) => Ok(text),
                // Errors name the template differently when it is registered: take render_inline's.
                Err(_) => render_inline(&self.template, context),
            },
            None => render_inline(&self.template, context),
        }
    }
}

/// `template` as text and `{{name}}`s (a name of letters, digits and `_`), or `None` when it has
/// anything else handlebars reads: other `{{`, `}}`, escapes, whitespace control, helpers.
fn pieces(template: &str) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find("{{") {
            None => {
                if rest.contains(['{', '}', '\\']) {
                    return None;
                }
                pieces.push(Piece::Text(rest.to_string()));
                break;
            }
            Some(open) => {
                let text = &rest[..open];
                if text.contains(['{', '}', '\\']) {
                    return None;
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(text.to_string()));
                }
                let after = &rest[open + 2..];
                let close = after.find("}}")?;
                let name = &after[..close];
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return None;
                }
                // `this`, `else` and the like mean something else to handlebars.
                if !name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                    || matches!(name, "this" | "else" | "true" | "false" | "null")
                {
                    return None;
                }
                pieces.push(Piece::Variable(name.to_string()));
                rest = &after[close + 2..];
            }
        }
    }
    Some(pieces)
}

/// Render a small inline template (the outputs path) in strict mode.
pub fn render_inline(template: &str, context: &Value) -> Result<String, String> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.render_template(template, context)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Templates of text and variables are joined without handlebars: the same text, and the
    /// same errors (handlebars' own) where a variable is missing or not a string.
    #[test]
    fn inline_templates_render_as_handlebars_renders_them() {
        let contexts = [
            json!({"namespace": "team-a", "name": "train", "kind": "Job"}),
            json!({"namespace": "", "name": "a/b", "kind": "CronJob"}),
            json!({"namespace": "x", "name": 5, "kind": null}),
            json!({"name": "only"}),
        ];
        let templates = [
            ("{{namespace}}/{{name}}", true),
            ("{{kind}}-{{namespace}}.{{name}}/run", true),
            ("runs/{{name}}", true),
            ("plain", true),
            ("", true),
            ("{{ name }}", false),
            ("{{{name}}}", false),
            ("\\{{name}}", false),
            ("{{~name}}", false),
            (
                "{{#if namespace}}{{namespace}}{{else}}default{{/if}}/{{name}}",
                false,
            ),
            ("{{this}}", false),
            ("{{name}", false),
            ("{name}}", false),
            ("{{lookup . 'name'}}", false),
            ("{{../name}}", false),
            ("{{name.length}}", false),
        ];
        for (template, joined) in templates {
            let inline = Inline::new(template);
            assert_eq!(inline.pieces.is_some(), joined, "{template}");
            for context in &contexts {
                assert_eq!(
                    inline.render(context),
                    render_inline(template, context),
                    "{template} with {context}"
                );
            }
        }
    }

    /// Wherever the built-in templates are rendered without handlebars, the value is the one
    /// their handlebars text reads as; contexts like those stowage builds are rendered that way.
    #[test]
    fn builtin_templates_render_as_handlebars() {
        let handlebars = builtins();
        let through_handlebars = |name: &str, context: &Value| {
            handlebars
                .render(name, context)
                .map_err(|e| e.to_string())
                .and_then(|t| yaml::parse_value(&t, Limits::default()).map_err(|e| e.to_string()))
        };
        let strings = [
            json!(""),
            json!("data"),
            json!("/mnt/a b/\"q\"\\"),
            json!("tab\tnew\nline\u{1}"),
            json!("é ü 日本"),
            json!("del\u{7f}"),
            json!("c1\u{85}\u{9f}"),
            json!("bom\u{feff}"),
            json!("yes"),
            json!("0644"),
            json!("~"),
            json!(null),
            json!(true),
            json!(false),
            json!(7),
            json!(["a", "b c"]),
            json!([]),
            json!([1]),
            json!({"a": "b"}),
        ];
        let keys: &[(&str, &[&str])] = &[
            (
                "volume.yaml.hbs",
                &[
                    "name",
                    "hostPath",
                    "hostPathType",
                    "existingClaim",
                    "readOnly",
                    "csi",
                    "bucketName",
                    "containerName",
                    "secret",
                    "mountOptions",
                    "claimName",
                ],
            ),
            (
                "mount.yaml.hbs",
                &["name", "mountPath", "readOnly", "subPath"],
            ),
            (
                "credentials.yaml.hbs",
                &["volumeName", "secret", "secretKey", "mountPath"],
            ),
            (
                "env.yaml.hbs",
                &[
                    "dataPaths",
                    "outputsPath",
                    "storesAccessKeys",
                    "googleCredentials",
                ],
            ),
        ];
        let base = |name: &str| -> Value {
            match name {
                "volume.yaml.hbs" => json!({"name": "v", "hostPath": "", "hostPathType": "",
                    "existingClaim": "", "readOnly": false, "csi": "", "bucketName": "b",
                    "containerName": "c", "secret": "s", "mountOptions": [], "claimName": "p"}),
                "mount.yaml.hbs" => {
                    json!({"name": "v", "mountPath": "/m", "readOnly": true, "subPath": ""})
                }
                "credentials.yaml.hbs" => {
                    json!({"volumeName": "v", "secret": "s", "secretKey": "k.json", "mountPath": "/c"})
                }
                _ => {
                    json!({"names": {"dataPaths": "D", "outputsPath": "O", "storesAccessKeys": "K",
                    "googleCredentials": "G"}, "dataPaths": "{}", "outputsPath": "/o",
                    "credentials": [{"envName": "E", "secret": "s", "secretKey": "k"}],
                    "storesAccessKeys": "", "googleCredentials": ""})
                }
            }
        };
        let mut native = 0;
        let mut contexts = 0;
        for (name, keys) in keys {
            let mut cases = vec![base(name)];
            // Each key with each kind of value, one at a time and with the csi kinds.
            for key in *keys {
                for value in &strings {
                    let mut c = base(name);
                    c[*key] = value.clone();
                    cases.push(c.clone());
                    c.as_object_mut().unwrap().remove(*key);
                    cases.push(c);
                }
            }
            if *name == "volume.yaml.hbs" {
                for csi in ["gcs", "azure", "s3", "other"] {
                    for (claim, read_only, options) in
                        [("", false, json!([])), ("pvc", true, json!(["ro", "x"]))]
                    {
                        let mut c = base(name);
                        c["csi"] = json!(csi);
                        c["existingClaim"] = json!(claim);
                        c["readOnly"] = json!(read_only);
                        c["mountOptions"] = options;
                        c["hostPath"] = json!("/h");
                        c["hostPathType"] = json!("Directory");
                        cases.push(c);
                    }
                }
            }
            if *name == "env.yaml.hbs" {
                for credentials in [
                    json!([]),
                    json!([{"envName": "A", "secret": "s", "secretKey": "k"}, {"envName": "B", "secret": "t", "secretKey": "l"}]),
                    json!([{"envName": "A"}]),
                    json!("x"),
                ] {
                    let mut c = base(name);
                    c["credentials"] = credentials;
                    cases.push(c.clone());
                    c["dataPaths"] = json!("");
                    c["outputsPath"] = json!("");
                    cases.push(c);
                }
            }
            for context in &cases {
                contexts += 1;
                if let Some(value) = builtin::render(name, context) {
                    native += 1;
                    assert_eq!(
                        Ok(value),
                        through_handlebars(name, context),
                        "{name} with {context}"
                    );
                }
            }
        }
        // Most of these are contexts stowage never builds; the point is that the ones it does
        // are rendered without handlebars (the bench would show it too).
        assert!(
            native * 3 > contexts,
            "{native} of {contexts} rendered natively"
        );
        let r = Renderer::new(None).unwrap();
        r.mount(&base("mount.yaml.hbs")).unwrap();
        assert!(
            r.builtins.get().is_none(),
            "handlebars compiled for a plain mount"
        );
        r.volume(&json!({"name": "data1", "hostPath": "/data", "readOnly": true, "csi": ""}))
            .unwrap();
        assert!(
            r.builtins.get().is_none(),
            "handlebars compiled for a host path volume"
        );
        let mount = r.mount(&json!({"name": "v", "mountPath": "/m", "readOnly": 1}));
        assert_eq!(mount.unwrap()["readOnly"], json!(true));
        assert!(
            r.builtins.get().is_some(),
            "a number as a flag is left to handlebars"
        );
    }

    #[test]
    fn renders_a_host_path_volume_and_mount() {
        let r = Renderer::new(None).unwrap();
        assert_eq!(
            r.volume(&json!({"name": "data1", "hostPath": "/data", "readOnly": true, "csi": ""}))
                .unwrap(),
            json!({"name": "data1", "hostPath": {"path": "/data"}})
        );
        assert_eq!(
            r.mount(&json!({"name": "data1", "mountPath": "/data/1", "readOnly": true}))
                .unwrap(),
            json!({"name": "data1", "mountPath": "/data/1", "readOnly": true})
        );
    }

    #[test]
    fn quotes_everything_it_renders() {
        let r = Renderer::new(None).unwrap();
        let env = r
            .env(&json!({"names": {"dataPaths": "D", "outputsPath": "O"}, "dataPaths": "{\"yes\": \"on\"}",
                         "outputsPath": "yes", "credentials": [], "storesAccessKeys": "", "googleCredentials": ""}))
            .unwrap();
        assert_eq!(
            env,
            vec![
                json!({"name": "D", "value": "{\"yes\": \"on\"}"}),
                json!({"name": "O", "value": "yes"})
            ]
        );
    }

    /// A `--templates` directory for one test, holding one template.
    fn template_dir(tag: &str, name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("stowage-{tag}-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
        dir
    }

    #[test]
    fn rejects_a_template_that_renders_an_invalid_block() {
        let dir = template_dir(
            "render",
            "mount.yaml.hbs",
            "name: {{json name}}\nmountPath: \"a:b\"\n",
        );
        let r = Renderer::new(Some(&dir)).unwrap();
        let e = r
            .mount(&json!({"name": "data1", "mountPath": "/x"}))
            .unwrap_err();
        assert!(
            e.contains("mount.yaml.hbs") && e.contains("invalid volumeMount"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A template of `--templates DIR` may include a built-in one it does not replace.
    #[test]
    fn a_custom_template_includes_a_built_in_one() {
        let dir = template_dir(
            "partial",
            "credentials.yaml.hbs",
            "volume:\n  name: {{json volumeName}}\n  secret:\n    secretName: {{json secret}}\n\
             mount:\n  {{> mount.yaml.hbs name=volumeName readOnly=true subPath=\"\"}}\n",
        );
        let r = Renderer::new(Some(&dir)).unwrap();
        let (_, mount) = r
            .credentials(
                &json!({"volumeName": "v", "secret": "s", "secretKey": "k", "mountPath": "/c"}),
            )
            .unwrap();
        assert_eq!(
            mount,
            json!({"name": "v", "mountPath": "/c", "readOnly": true})
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn built_in_templates_render_the_same_without_their_comment() {
        let context = json!({"name": "n", "hostPath": "/h", "mountPath": "/m", "readOnly": true,
            "volumeName": "v", "secret": "s", "secretKey": "k", "names": {}, "credentials": []});
        for (name, text) in TEMPLATES {
            let body = without_leading_comment(text);
            assert!(body.len() < text.len() && !body.contains("{{!--"), "{name}");
            let mut hb = Handlebars::new();
            hb.register_escape_fn(handlebars::no_escape);
            hb.register_helper("json", Box::new(json));
            let whole = hb.render_template(text, &context).unwrap();
            assert_eq!(hb.render_template(body, &context).unwrap(), whole, "{name}");
        }
    }

    #[test]
    fn strict_mode_names_missing_variables() {
        let e = render_inline(
            "{{namespace}}/{{nme}}",
            &json!({"namespace": "a", "name": "b"}),
        )
        .unwrap_err();
        assert!(e.contains("nme"), "{e}");
    }
}
