//! Reading the volume plan of a stream: every document parsed, every workload's pod spec read.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::volumes::{
    Container, DATA_PATHS_ENV, Mount, OUTPUTS_PATH_ENV, Source, VolumePlan, WorkloadVolumes,
};
use crate::post_render::HELM_HOOK;
use crate::report::{Diagnostic, Place};
use crate::stream::Class;
use crate::workload::{self, Pod, Workload};
use crate::yaml::{self, Limits, NodeId, Tree};

/// Env var name prefixes that mark a container as injected.
const INJECTED_ENV_PREFIXES: &[&str] =
    &["POLYAXON_RUN_", "POLYSTORES_RUN_", "STOWAGE_CREDENTIALS_"];

/// Bounds on what [`read_plan`] accepts.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions<'a> {
    /// Namespace of objects without `metadata.namespace`; default `default`.
    pub namespace: Option<&'a str>,
    pub max_input_bytes: usize,
    pub max_documents: usize,
    pub yaml: Limits,
}

impl Default for ReadOptions<'_> {
    fn default() -> Self {
        ReadOptions {
            namespace: None,
            max_input_bytes: 256 << 20,
            max_documents: 100_000,
            yaml: Limits::default(),
        }
    }
}

/// Read the volume plan of every built-in workload kind (List items included) of a stream: the
/// workloads the planner would find, their pod volumes and claim templates, and the containers.
/// `origin` names the stream in messages (a file path, or `stdin`).
pub fn read_plan(
    input: &[u8],
    origin: &str,
    options: &ReadOptions,
) -> Result<VolumePlan, Vec<Diagnostic>> {
    let place = |p: Place| Place {
        config_source: Some(origin.to_string()),
        ..p
    };
    let (text, docs) =
        crate::post_render::split_bounded(input, options.max_input_bytes, options.max_documents)
            .map_err(|mut d| {
                d.place = place(d.place);
                vec![d]
            })?;
    let namespace = options.namespace.unwrap_or("default");
    let mut plan = VolumePlan::default();
    let mut claims = Claims::default();
    let mut errors = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        if doc.class != Class::Object {
            continue;
        }
        // Every document is read, not only workloads: an unreadable previous render must not look
        // like one without workloads (and so pass a --fail-on gate).
        let read = yaml::parse(&text[doc.parse_range()], options.yaml).and_then(|tree| {
            let Some(root) = tree.root else {
                return Ok(());
            };
            claims.add(&tree, root, namespace, options.yaml);
            // The same workload finding as the planner's: built-in kinds and List items.
            let workloads = workload::find(&tree, root, Default::default(), &mut Vec::new())
                .map_err(|d| yaml::YamlError {
                    line: d.place.line.unwrap_or(1),
                    column: 1,
                    message: d.message,
                })?;
            for w in &workloads {
                for pod in &w.pods {
                    plan.workloads
                        .push(read_workload(&tree, w, pod, namespace, options.yaml)?);
                }
            }
            Ok(())
        });
        if let Err(e) = read {
            let (line, column) = if e.line <= 1 && !doc.directives {
                doc.stream_position(e.line, e.column)
            } else {
                (doc.parse_line() + e.line.max(1) - 1, e.column)
            };
            errors.push(
                Diagnostic::error(
                    place(Place {
                        document: Some(i + 1),
                        source: doc.source.clone(),
                        object: doc.kind.clone(),
                        line: Some(line),
                        column: Some(column),
                        ..Place::default()
                    }),
                    format!("invalid YAML: {}", e.message),
                )
                .with_hint("both streams must be valid rendered manifests"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for w in &mut plan.workloads {
        claims.resolve(w);
    }
    Ok(plan)
}

/// The volume plan of one pod of a workload.
fn read_workload(
    tree: &Tree,
    w: &Workload,
    pod: &Pod,
    namespace: &str,
    limits: Limits,
) -> Result<WorkloadVolumes, yaml::YamlError> {
    let spec = tree.value(pod.spec, limits)?;
    let mut volumes = BTreeMap::new();
    for v in spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = v.get("name").and_then(Value::as_str) {
            volumes.insert(name.to_string(), source_of(v));
        }
    }
    // A StatefulSet's claim templates are volumes of its pods: the controller mounts the claim
    // under the template's name, replacing a pod volume of the same name.
    for (template, _) in &w.claim_templates {
        let source = Source {
            kind: "volumeClaimTemplate".into(),
            identity: template.clone(),
            read_only: false,
        };
        volumes.insert(template.clone(), source);
    }
    let mut containers = Vec::new();
    for c in &pod.containers {
        let mut container = container_of(&tree.value(c.node, limits)?, c.init);
        // Containers are told apart by name (the pod's name for an unnamed one); where a pod has
        // none or repeats one (Argo templates' `main`), by field.
        let name_of = |o: &workload::Container| {
            workload::string_at(tree, o.node, &["name"]).or(o.default_name)
        };
        let name = name_of(c).unwrap_or("");
        let repeated = pod.containers.iter().filter(|o| name_of(o) == Some(name));
        container.name = match name {
            "" => c.field.clone(),
            _ if repeated.count() > 1 => c.field.clone(),
            name => name.to_string(),
        };
        containers.push(container);
    }
    Ok(WorkloadVolumes {
        kind: w.kind.clone(),
        namespace: w.namespace.clone().unwrap_or_else(|| namespace.to_string()),
        name: w.name.clone(),
        spec_field: pod.field.clone(),
        pod: w.named_pods.then(|| pod.field.clone()),
        hook: workload::string_at(tree, w.object, &["metadata", "annotations", HELM_HOOK])
            .is_some(),
        volumes,
        containers,
    })
}

/// The claims and volumes of a stream: a claim stowage adds for an S3 bucket is bound to a
/// PersistentVolume in the same stream, which says which bucket the workloads mount.
#[derive(Default)]
struct Claims {
    /// (namespace, claim) → the PersistentVolume it binds.
    bound: BTreeMap<(String, String), String>,
    /// PersistentVolume name → where its data is (its CSI driver and bucket, ...).
    volumes: BTreeMap<String, String>,
}

impl Claims {
    fn add(&mut self, tree: &Tree, node: NodeId, namespace: &str, limits: Limits) {
        let field = |keys: &[&str]| workload::string_at(tree, node, keys);
        let (Some(kind), Some(name)) = (field(&["kind"]), field(&["metadata", "name"])) else {
            return;
        };
        match kind {
            "PersistentVolumeClaim" => {
                if let Some(volume) = field(&["spec", "volumeName"]) {
                    let ns = field(&["metadata", "namespace"]).unwrap_or(namespace);
                    self.bound
                        .insert((ns.to_string(), name.to_string()), volume.to_string());
                }
            }
            "PersistentVolume" => {
                // The volume's source, read as a pod volume's: `csi` with its driver and bucket.
                let Some(spec) = tree
                    .get(node, "spec")
                    .and_then(|s| tree.value(s, limits).ok())
                else {
                    return;
                };
                let sources: serde_json::Map<String, Value> = spec
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| crate::k8s::VOLUME_SOURCES.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                self.volumes.insert(
                    name.to_string(),
                    source_of(&Value::Object(sources)).describe(),
                );
            }
            _ => {}
        }
    }

    /// A claim bound to a volume of the stream names that volume's source too, so a bucket that
    /// changes behind the same claim name is seen.
    fn resolve(&self, w: &mut WorkloadVolumes) {
        for source in w
            .volumes
            .values_mut()
            .filter(|s| s.kind == "persistentVolumeClaim")
        {
            let key = (w.namespace.clone(), source.identity.clone());
            if let Some(described) = self.bound.get(&key).and_then(|v| self.volumes.get(v)) {
                source.identity = format!("{} ({described})", source.identity);
            }
        }
    }
}

fn source_of(volume: &Value) -> Source {
    let Some((kind, body)) = volume
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.as_str() != "name"))
    else {
        return Source {
            kind: "(none)".into(),
            identity: String::new(),
            read_only: false,
        };
    };
    let s = |k: &str| body.get(k).and_then(scalar_text).unwrap_or_default();
    let identity = match kind.as_str() {
        "hostPath" => s("path"),
        "persistentVolumeClaim" => s("claimName"),
        "secret" => s("secretName"),
        "configMap" => s("name"),
        "nfs" => format!("{}:{}", s("server"), s("path")),
        "emptyDir" => s("medium"),
        "csi" => {
            let mut id = s("driver");
            // Everything that says which bucket/container, not how it is mounted.
            if let Some(attrs) = body.get("volumeAttributes").and_then(Value::as_object) {
                let mut keys: Vec<&String> =
                    attrs.keys().filter(|k| *k != "mountOptions").collect();
                keys.sort();
                for k in keys {
                    let _ = write!(
                        id,
                        " {k}={}",
                        scalar_text(&attrs[k.as_str()]).unwrap_or_default()
                    );
                }
            }
            id
        }
        _ => canonical_json(body),
    };
    Source {
        kind: kind.clone(),
        identity,
        read_only: body.get("readOnly").and_then(Value::as_bool) == Some(true),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        Value::Bool(_) | Value::Number(_) => Some(v.to_string()),
        _ => Some(canonical_json(v)),
    }
}

/// JSON with object keys sorted, so the same source always reads the same.
fn canonical_json(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sort(&m[k]))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// A value with `$(NAME)` replaced by what `defined` says of NAME, as Kubernetes expands env
/// values: `$$` is a `$`, a reference to a variable not defined before stays as written.
fn expand(value: &str, defined: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some((name, tail)) = after.strip_prefix('(').and_then(|a| a.split_once(')'))
            && let Some(text) = defined.get(name)
        {
            out.push_str(text);
            rest = tail;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// What a `fieldRef` env var holds, as the diff shows it: `<label KEY>` for a pod label (a run
/// label), `<annotation KEY>`, `<FIELD>` for another field of the pod. Known only when the pod
/// starts.
pub(super) fn pod_field(field: &str) -> String {
    for (prefix, what) in [
        ("metadata.labels['", "label"),
        ("metadata.annotations['", "annotation"),
    ] {
        if let Some(key) = field
            .strip_prefix(prefix)
            .and_then(|f| f.strip_suffix("']"))
        {
            return format!("<{what} {key}>");
        }
    }
    format!("<{field}>")
}

fn container_of(c: &Value, init: bool) -> Container {
    let mut mounts = BTreeMap::new();
    for m in c
        .get("volumeMounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(path) = m.get("mountPath").and_then(Value::as_str) else {
            continue;
        };
        mounts.insert(
            path.to_string(),
            Mount {
                volume: m
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                read_only: m.get("readOnly").and_then(Value::as_bool) == Some(true),
                sub_path: m
                    .get("subPath")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            },
        );
    }
    let mut outputs_path = None;
    let mut data_paths = None;
    let mut injected = false;
    // The env vars defined so far, as `$(NAME)` in a later value reads them.
    let mut defined: BTreeMap<&str, String> = BTreeMap::new();
    for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
        let Some(name) = e.get("name").and_then(Value::as_str) else {
            continue;
        };
        if INJECTED_ENV_PREFIXES.iter().any(|p| name.starts_with(p)) {
            injected = true;
        }
        let value = || match e.get("value") {
            Some(v) => scalar_text(v).unwrap_or_default(),
            None if e.get("valueFrom").is_some() => "(valueFrom)".to_string(),
            None => String::new(),
        };
        let text = match e
            .pointer("/valueFrom/fieldRef/fieldPath")
            .and_then(Value::as_str)
        {
            Some(field) => pod_field(field),
            None => expand(&value(), &defined),
        };
        if name == OUTPUTS_PATH_ENV {
            outputs_path = Some(text.clone());
        } else if name == DATA_PATHS_ENV {
            let raw = value();
            let parsed: Option<BTreeMap<String, String>> = match serde_json::from_str::<Value>(&raw)
            {
                Ok(Value::Object(m)) => Some(
                    m.iter()
                        .map(|(k, v)| (k.clone(), scalar_text(v).unwrap_or_default()))
                        .collect(),
                ),
                _ => None,
            };
            data_paths = Some(parsed.unwrap_or_else(|| BTreeMap::from([(String::new(), raw)])));
        }
        defined.insert(name, text);
    }
    Container {
        name: c
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        init,
        mounts,
        outputs_path,
        data_paths,
        injected,
    }
}
