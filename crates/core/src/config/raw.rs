//! The `persistence` value read into plain structs with serde, once the schema has checked it.
//!
//! Reading never fails and never reports: what is wrong with the value is the schema's to say.
//! A field whose value has the wrong shape reads as absent, and so does a key set to null or a
//! string left empty (real charts write `existingClaim:` empty beside `hostPath`). List items keep
//! their places (an item of the wrong shape reads as absent), so that a rule can name
//! `containers[1]`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `persistence`. Keys the schema does not know (and the Polyaxon platform keys) are not read.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Persistence {
    #[serde(deserialize_with = "entries")]
    pub data: Vec<(String, Option<RawEntry>)>,
    #[serde(deserialize_with = "entries")]
    pub outputs: Vec<(String, Option<RawEntry>)>,
    #[serde(deserialize_with = "text")]
    pub outputs_path: Option<String>,
    #[serde(deserialize_with = "text")]
    pub on_conflict: Option<String>,
    #[serde(deserialize_with = "list")]
    pub containers: Option<Vec<Option<String>>>,
    #[serde(deserialize_with = "list")]
    pub workload_kinds: Option<Vec<Option<RawKind>>>,
    #[serde(deserialize_with = "list")]
    pub disabled_kinds: Option<Vec<Option<String>>>,
    #[serde(deserialize_with = "lax")]
    pub env: Option<RawEnv>,
    #[serde(deserialize_with = "list")]
    pub allow_host_paths: Option<Vec<Option<String>>>,
    #[serde(deserialize_with = "list")]
    pub workloads: Option<Vec<Option<RawRule>>>,
}

impl Persistence {
    pub fn read(value: &Value) -> Persistence {
        Persistence::deserialize(value).unwrap_or_default()
    }
}

/// An entry of `persistence.data` or `persistence.outputs`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawEntry {
    #[serde(deserialize_with = "text")]
    pub mount_path: Option<String>,
    #[serde(deserialize_with = "text")]
    pub host_path: Option<String>,
    #[serde(deserialize_with = "text")]
    pub host_path_type: Option<String>,
    #[serde(deserialize_with = "text")]
    pub existing_claim: Option<String>,
    #[serde(deserialize_with = "text")]
    pub store: Option<String>,
    #[serde(deserialize_with = "text")]
    pub bucket: Option<String>,
    #[serde(deserialize_with = "text")]
    pub secret: Option<String>,
    #[serde(deserialize_with = "text")]
    pub secret_key: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub read_only: bool,
    #[serde(deserialize_with = "text")]
    pub sub_path: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub default: bool,
    #[serde(deserialize_with = "text")]
    pub mount: Option<String>,
    #[serde(deserialize_with = "text")]
    pub mount_options: Option<String>,
}

impl RawEntry {
    /// `store` or `bucket` is set: a bucket entry, whatever else is wrong with it.
    pub fn is_bucket(&self) -> bool {
        self.store.is_some() || self.bucket.is_some()
    }
}

/// An item of `persistence.workloadKinds`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawKind {
    #[serde(deserialize_with = "text")]
    pub api_version: Option<String>,
    #[serde(deserialize_with = "text")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "list")]
    pub pod_spec_paths: Option<Vec<Option<String>>>,
    #[serde(deserialize_with = "text")]
    pub volumes_path: Option<String>,
    #[serde(deserialize_with = "list")]
    pub container_paths: Option<Vec<Option<String>>>,
    #[serde(deserialize_with = "text")]
    pub run_label: Option<String>,
}

/// `persistence.env`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawEnv {
    #[serde(deserialize_with = "text")]
    pub data_paths: Option<String>,
    #[serde(deserialize_with = "text")]
    pub outputs_path: Option<String>,
    #[serde(deserialize_with = "text")]
    pub stores_access_keys: Option<String>,
    #[serde(deserialize_with = "text")]
    pub credentials_prefix: Option<String>,
    #[serde(deserialize_with = "text")]
    pub google_credentials: Option<String>,
}

/// An item of `persistence.workloads`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawRule {
    #[serde(rename = "match", deserialize_with = "lax")]
    pub when: Option<RawMatch>,
    #[serde(deserialize_with = "names")]
    pub data: Option<Names>,
    #[serde(deserialize_with = "text")]
    pub outputs: Option<String>,
    #[serde(deserialize_with = "list")]
    pub containers: Option<Vec<Option<String>>>,
    #[serde(deserialize_with = "lax")]
    pub inject: Option<bool>,
}

/// `persistence.workloads[].match`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RawMatch {
    #[serde(deserialize_with = "names")]
    pub kind: Option<Names>,
    #[serde(deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "text")]
    pub namespace: Option<String>,
    #[serde(deserialize_with = "labels")]
    pub labels: Vec<(String, String)>,
    #[serde(deserialize_with = "text")]
    pub source: Option<String>,
    #[serde(deserialize_with = "lax")]
    pub hook: Option<bool>,
}

/// One string (a name, comma-separated names, or `none`), or a list of names.
#[derive(Debug)]
#[cfg_attr(test, derive(serde::Serialize))]
pub(super) enum Names {
    One(String),
    List(Vec<Option<String>>),
}

/// A string; null, "" and other types read as absent.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Some(s),
        _ => None,
    })
}

/// A boolean that is set only by a real `true` (the schema refuses the string "true").
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(matches!(Value::deserialize(d)?, Value::Bool(true)))
}

/// Any value serde can read as `T`; null and values of another shape read as absent.
fn lax<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// A list whose items read as `T` each, or absent each; not a list reads as absent.
fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<Vec<Option<T>>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => Some(
            items
                .into_iter()
                .map(|item| serde_json::from_value(item).ok())
                .collect(),
        ),
        _ => None,
    })
}

/// A string or a list of strings; null and "" read as absent.
fn names<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Names>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Some(Names::One(s)),
        Value::Array(items) => Some(Names::List(
            items
                .into_iter()
                .map(|i| serde_json::from_value(i).ok())
                .collect(),
        )),
        _ => None,
    })
}

/// A mapping of label names to values, in the order written. A value may be "" (a label can be
/// empty); one that is not a string is left out.
fn labels<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => m
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(v) => Some((k, v)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// Named entries in the order they are written. An entry set to null is absent; one that is not a
/// mapping keeps its name (the name rules still apply) without fields.
fn entries<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Option<RawEntry>)>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => m
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(name, v)| {
                let entry = v
                    .is_object()
                    .then(|| RawEntry::deserialize(&v).ok())
                    .flatten();
                (name, entry)
            })
            .collect(),
        _ => Vec::new(),
    })
}
