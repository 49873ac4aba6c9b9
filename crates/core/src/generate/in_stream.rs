//! What a stream (or a KRM package) must gain and may hold for its injected workloads.
//!
//! An S3 bucket with `mount: csi` is mounted through a claim, so every namespace with a workload
//! using the entry gets the entry's PersistentVolume and claim, added once; objects of those
//! names already there must be the same (a second run adds nothing). A Secret that the workloads
//! read and that is in the stream must hold the keys they read: its keys are compared, never its
//! values.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{entry_path, reads, s3_volume_and_claim};
use crate::config::{Config, OnConflict};
use crate::plan::WorkloadPlan;
use crate::report::{Diagnostic, Place, did_you_mean};
use crate::workload;
use crate::yaml::{NodeId, Tree};

/// The objects of a stream that the injected workloads depend on, by (kind, namespace, name):
/// Secrets with their keys (not values), PersistentVolumes and PersistentVolumeClaims whole.
#[derive(Default)]
pub struct Held {
    secrets: BTreeMap<(String, String), (Vec<String>, Place)>,
    objects: BTreeMap<(String, String, String), (Value, Place)>,
}

/// The kinds [`Held::add`] keeps: worth parsing when a stream has them.
pub const HELD_KINDS: &[&str] = &["Secret", "PersistentVolume", "PersistentVolumeClaim"];

impl Held {
    /// Remember the object at `node` if it is of a [`HELD_KINDS`] kind. `namespace` is where an
    /// object without `metadata.namespace` goes; `place` names it in messages.
    pub fn add(&mut self, tree: &Tree, node: NodeId, namespace: &str, place: Place) {
        let field = |keys: &[&str]| workload::string_at(tree, node, keys);
        let (Some(kind), Some(name)) = (field(&["kind"]), field(&["metadata", "name"])) else {
            return;
        };
        let namespace = match kind {
            "PersistentVolume" => "",
            _ => field(&["metadata", "namespace"]).unwrap_or(namespace),
        };
        match kind {
            "Secret" => {
                let keys = ["data", "stringData"]
                    .iter()
                    .filter_map(|k| tree.get(node, k).and_then(|m| tree.entries(m)))
                    .flatten()
                    .filter_map(|(k, _)| tree.as_str(*k).map(str::to_string))
                    .collect();
                self.secrets
                    .insert((namespace.to_string(), name.to_string()), (keys, place));
            }
            "PersistentVolume" | "PersistentVolumeClaim" => {
                if let Ok(mut value) = tree.value(node, Default::default()) {
                    without_tool_annotations(&mut value);
                    let key = (kind.to_string(), namespace.to_string(), name.to_string());
                    self.objects.insert(key, (value, place));
                }
            }
            _ => {}
        }
    }
}

/// Annotations that kpt, kustomize and Helm 4 put on every object they hand a function (where
/// it came from, its id): not part of what the object is.
const TOOL_ANNOTATION_PREFIXES: &[&str] = &[
    "config.kubernetes.io/",
    "internal.config.kubernetes.io/",
    "config.k8s.io/",
    "kustomize.config.k8s.io/",
    "postrenderer.helm.sh/",
];

fn without_tool_annotations(object: &mut Value) {
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
        annotations.retain(|k, _| !TOOL_ANNOTATION_PREFIXES.iter().any(|p| k.starts_with(p)));
        if annotations.is_empty() {
            metadata.remove("annotations");
        }
    }
}

impl Held {
    pub fn has_secret(&self, namespace: &str, name: &str) -> bool {
        self.secrets
            .contains_key(&(namespace.to_string(), name.to_string()))
    }

    /// Remember a Secret made for the stream (its keys), as if the stream held it.
    pub fn add_secret(&mut self, namespace: &str, name: &str, keys: Vec<String>, place: Place) {
        self.secrets
            .insert((namespace.to_string(), name.to_string()), (keys, place));
    }
}

/// One workload's use of the config, and where it is.
pub struct Use {
    pub namespace: String,
    /// The data and outputs entries it gets.
    pub entries: Vec<String>,
    pub place: Place,
}

impl Use {
    pub fn of(plan: &WorkloadPlan, place: Place) -> Use {
        Use {
            namespace: plan.namespace.clone(),
            entries: plan.data.iter().chain(&plan.outputs).cloned().collect(),
            place,
        }
    }
}

/// The objects to add to the stream, in order, and what is wrong with the ones it holds.
pub fn complete(config: &Config, uses: &[Use], held: &Held) -> (Vec<Value>, Vec<Diagnostic>) {
    let mut add: Vec<Value> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for u in uses {
        for entry in config.entries().filter(|e| u.entries.contains(&e.name)) {
            if let Some((secret, keys)) = reads(entry)
                && let Some((has, place)) =
                    held.secrets.get(&(u.namespace.clone(), secret.to_string()))
            {
                for key in keys.iter().filter(|k| !has.iter().any(|h| h == *k)) {
                    diagnostics.push(missing_key(entry_path(entry), secret, key, has, place, u));
                }
            }
            let Some(objects) = s3_volume_and_claim(entry, &u.namespace) else {
                continue;
            };
            if !seen.insert((entry.name.clone(), u.namespace.clone())) {
                continue;
            }
            for object in objects {
                let field = |k: &str| {
                    object
                        .pointer(k)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let key = (
                    field("/kind"),
                    field("/metadata/namespace"),
                    field("/metadata/name"),
                );
                match held.objects.get(&key) {
                    None => add.push(object),
                    Some((there, _)) if *there == object => {}
                    Some((_, place)) => {
                        diagnostics.push(different(config, &key, place.clone(), &entry_path(entry)))
                    }
                }
            }
        }
    }
    (add, diagnostics)
}

fn missing_key(
    entry: String,
    secret: &str,
    key: &str,
    has: &[String],
    secret_place: &Place,
    u: &Use,
) -> Diagnostic {
    let listed = if has.is_empty() {
        "no keys".to_string()
    } else {
        format!(
            "keys {}",
            has.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut hint =
        format!("add `{key}` to the Secret, or set `secretKey` of `{entry}` to one of its keys");
    if let Some(near) = did_you_mean(key, has.iter().map(String::as_str)) {
        hint = format!("did you mean `{near}`? {hint}");
    }
    let at = secret_place
        .document
        .map_or(String::new(), |d| format!(" (document {d})"));
    Diagnostic::error(
        u.place.clone(),
        format!(
            "the Secret `{secret}` in namespace `{}`{at} has {listed}, not `{key}`, which `{entry}` reads: the pod would fail with CreateContainerConfigError",
            u.namespace
        ),
    )
    .with_hint(hint)
}

fn different(
    config: &Config,
    (kind, namespace, name): &(String, String, String),
    place: Place,
    entry: &str,
) -> Diagnostic {
    let what = if namespace.is_empty() {
        format!("{kind} `{name}`")
    } else {
        format!("{kind} `{name}` in namespace `{namespace}`")
    };
    let message =
        format!("{what} already exists, different from the one stowage makes for `{entry}`");
    match config.on_conflict {
        OnConflict::Skip => Diagnostic::warning(place, format!("{message}; left as it is (onConflict: skip)")),
        OnConflict::Error => Diagnostic::error(place, message)
            .with_hint("remove it, or set `onConflict: skip` to keep it (the workloads then mount what it binds)"),
    }
}
