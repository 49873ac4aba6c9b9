//! The built-in templates (`templates/*.yaml.hbs`) rendered without handlebars.
//!
//! Compiling the four templates took handlebars 3.5 M instructions, a third of a 50-document
//! chart's run; rendering them here takes a few thousand. Each function builds the value the
//! template's text parses to, for the contexts stowage builds: strings where the template writes
//! `{{json x}}`, flags and strings where it tests `{{#if x}}`. For anything else (a missing key,
//! a number, two branches writing one key) it returns `None` and the template is rendered by
//! handlebars. `builtin_templates_render_as_handlebars` checks them against the templates.

use serde_json::{Map, Value};

/// The value template `name` renders for `context`, or `None` to leave it to handlebars.
pub fn render(name: &str, context: &Value) -> Option<Value> {
    let c = context.as_object()?;
    match name {
        "volume.yaml.hbs" => volume(c),
        "mount.yaml.hbs" => mount(c),
        "credentials.yaml.hbs" => credentials(c),
        "env.yaml.hbs" => env(c),
        _ => None,
    }
}

/// `{{json key}}` of a string that reads back as itself: JSON escapes control characters, but
/// writes characters YAML does not allow in a document (DEL, C1 controls, U+FEFF...) as they are.
fn string(c: &Map<String, Value>, key: &str) -> Option<Value> {
    let s = c.get(key)?.as_str()?;
    s.chars()
        .all(|ch| {
            matches!(ch, '\0'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
                && ch != '\u{feff}'
        })
        .then(|| Value::String(s.to_string()))
}

/// `{{#if key}}` of a string or a flag (handlebars: a non-empty string, `true`); `null` and a
/// missing key are false.
fn truthy(c: &Map<String, Value>, key: &str) -> Option<bool> {
    match c.get(key) {
        None | Some(Value::Null) => Some(false),
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => Some(!s.is_empty()),
        _ => None,
    }
}

/// `{{json key}}` of a list of strings.
fn strings(c: &Map<String, Value>, key: &str) -> Option<Value> {
    let list = c.get(key)?.as_array()?;
    list.iter()
        .all(Value::is_string)
        .then(|| Value::Array(list.clone()))
}

/// `{{#if key}}` of a list of strings (non-empty), a string or a flag.
fn truthy_list(c: &Map<String, Value>, key: &str) -> Option<bool> {
    match c.get(key) {
        Some(Value::Array(list)) => Some(!list.is_empty()),
        _ => truthy(c, key),
    }
}

fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn volume(c: &Map<String, Value>) -> Option<Value> {
    let read_only = truthy(c, "readOnly")?;
    let csi = match c.get("csi")? {
        Value::String(s) => s.as_str(),
        _ => return None,
    };
    let mut v = vec![("name", string(c, "name")?)];
    if truthy(c, "hostPath")? {
        let mut host = vec![("path", string(c, "hostPath")?)];
        if truthy(c, "hostPathType")? {
            host.push(("type", string(c, "hostPathType")?));
        }
        v.push(("hostPath", object(host)));
    }
    let claim = |key: &str| -> Option<Value> {
        let mut claim = vec![("claimName", string(c, key)?)];
        if read_only {
            claim.push(("readOnly", Value::Bool(true)));
        }
        Some(object(claim))
    };
    if truthy(c, "existingClaim")? {
        v.push(("persistentVolumeClaim", claim("existingClaim")?));
    }
    let attributes = |first: Vec<(&str, Value)>| -> Option<Value> {
        let mut attributes = first;
        if truthy_list(c, "mountOptions")? {
            attributes.push(("mountOptions", strings(c, "mountOptions")?));
        }
        Some(object(attributes))
    };
    let csi_block = |driver: &str, attributes: Value| {
        let mut block = vec![("driver", Value::String(driver.to_string()))];
        if read_only {
            block.push(("readOnly", Value::Bool(true)));
        }
        block.push(("volumeAttributes", attributes));
        object(block)
    };
    match csi {
        "gcs" => {
            let a = attributes(vec![("bucketName", string(c, "bucketName")?)])?;
            v.push(("csi", csi_block("gcsfuse.csi.storage.gke.io", a)));
        }
        "azure" => {
            let a = attributes(vec![
                ("containerName", string(c, "containerName")?),
                ("secretName", string(c, "secret")?),
            ])?;
            v.push(("csi", csi_block("blob.csi.azure.com", a)));
        }
        // The template would write `persistentVolumeClaim` twice: handlebars' (and YAML's) to judge.
        "s3" if v.iter().any(|(k, _)| *k == "persistentVolumeClaim") => return None,
        "s3" => v.push(("persistentVolumeClaim", claim("claimName")?)),
        _ => {}
    }
    Some(object(v))
}

fn mount(c: &Map<String, Value>) -> Option<Value> {
    let mut v = vec![
        ("name", string(c, "name")?),
        ("mountPath", string(c, "mountPath")?),
    ];
    if truthy(c, "readOnly")? {
        v.push(("readOnly", Value::Bool(true)));
    }
    if truthy(c, "subPath")? {
        v.push(("subPath", string(c, "subPath")?));
    }
    Some(object(v))
}

fn credentials(c: &Map<String, Value>) -> Option<Value> {
    let key = string(c, "secretKey")?;
    let volume = object(vec![
        ("name", string(c, "volumeName")?),
        (
            "secret",
            object(vec![
                ("secretName", string(c, "secret")?),
                (
                    "items",
                    Value::Array(vec![object(vec![("key", key.clone()), ("path", key)])]),
                ),
            ]),
        ),
    ]);
    let mount = object(vec![
        ("name", string(c, "volumeName")?),
        ("mountPath", string(c, "mountPath")?),
        ("readOnly", Value::Bool(true)),
    ]);
    Some(object(vec![("volume", volume), ("mount", mount)]))
}

fn env(c: &Map<String, Value>) -> Option<Value> {
    let names = c.get("names")?.as_object()?;
    let mut list = Vec::new();
    let pair = |list: &mut Vec<Value>, name: &str, value: &str| -> Option<()> {
        if truthy(c, value)? {
            list.push(object(vec![
                ("name", string(names, name)?),
                ("value", string(c, value)?),
            ]));
        }
        Some(())
    };
    pair(&mut list, "dataPaths", "dataPaths")?;
    pair(&mut list, "outputsPath", "outputsPath")?;
    for credential in c.get("credentials")?.as_array()? {
        let credential = credential.as_object()?;
        list.push(object(vec![
            ("name", string(credential, "envName")?),
            (
                "valueFrom",
                object(vec![(
                    "secretKeyRef",
                    object(vec![
                        ("name", string(credential, "secret")?),
                        ("key", string(credential, "secretKey")?),
                    ]),
                )]),
            ),
        ]));
    }
    pair(&mut list, "storesAccessKeys", "storesAccessKeys")?;
    pair(&mut list, "googleCredentials", "googleCredentials")?;
    // An empty rendering reads as null, as the template's does.
    Some(if list.is_empty() {
        Value::Null
    } else {
        Value::Array(list)
    })
}
