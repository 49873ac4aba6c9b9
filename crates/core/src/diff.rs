//! Flag volume changes against the previous render (design.md §7).
//!
//! [`read_plan`] reads the *volume plan* of every workload from a manifest stream — any stream,
//! whether stowage produced it or not (`helm get manifest RELEASE` works): per pod spec the volumes
//! and their sources, per container the mounts and the `POLYAXON_RUN_OUTPUTS_PATH` /
//! `POLYAXON_RUN_DATA_PATHS` values. [`compare`] matches workloads by kind, namespace and name and
//! classifies each change as danger, warning or info; [`human`], [`json`] and [`markdown`] render the
//! report.
//!
//! Severities:
//! - danger: the source (claim, hostPath, bucket, CSI volume, subPath) behind an existing mount
//!   changes; the outputs path changes or goes away; a mount disappears from a workload that still
//!   exists (other than a removed data volume's);
//! - warning: readOnly flips; a data volume is removed; a data path moves; a workload loses all
//!   injection; a workload that had injected volumes is removed;
//! - info: additions (workloads, containers, mounts, data volumes, outputs path), a workload without
//!   injection removed, a workload renamed with the same volumes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::config::{CREDENTIALS_DIR, EnvNames};
use crate::kinds;
use crate::report::{Diagnostic, Place};
use crate::stream::Class;
use crate::yaml::{self, Limits};

/// The env var holding the outputs path (Polyaxon's name; stowage's default).
pub const OUTPUTS_PATH_ENV: &str = EnvNames::OUTPUTS_PATH;
/// The env var holding the JSON object `{entry: path}` of the data volumes.
pub const DATA_PATHS_ENV: &str = EnvNames::DATA_PATHS;
/// Env var name prefixes that mark a container as injected.
const INJECTED_ENV_PREFIXES: &[&str] =
    &["POLYAXON_RUN_", "POLYSTORES_RUN_", "STOWAGE_CREDENTIALS_"];

/// How serious a change is; ordered, so `>=` compares levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Info,
    Warning,
    Danger,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Danger => "danger",
        }
    }
}

/// Where a volume's data comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The volume source key: `hostPath`, `persistentVolumeClaim`, `csi`, `secret`, `emptyDir`, ...
    pub kind: String,
    /// What the source points at: the host path, claim name, secret name, CSI driver and bucket, ...
    pub identity: String,
    /// `readOnly: true` on the source itself (claims, CSI volumes).
    pub read_only: bool,
}

impl Source {
    fn describe(&self) -> String {
        if self.identity.is_empty() {
            self.kind.clone()
        } else {
            format!("{} {}", self.kind, self.identity)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub volume: String,
    pub read_only: bool,
    pub sub_path: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    /// An `initContainers` item (native sidecars included).
    pub init: bool,
    /// By mountPath.
    pub mounts: BTreeMap<String, Mount>,
    pub outputs_path: Option<String>,
    /// `POLYAXON_RUN_DATA_PATHS` read as JSON `{entry: path}`; a value that is not such an object is
    /// kept whole under the key `""`.
    pub data_paths: Option<BTreeMap<String, String>>,
    /// Has an env var of the Polyaxon run contract or a stowage credential.
    pub injected: bool,
}

/// The volume plan of one workload (its pod spec).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadVolumes {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The pod spec's field path in the object, e.g. `spec.template.spec`.
    pub spec_field: String,
    /// A Helm hook (`helm.sh/hook`): `helm template` renders hooks beside templates of the same
    /// name, `helm get manifest` leaves them out, so they are matched separately.
    pub hook: bool,
    /// By volume name.
    pub volumes: BTreeMap<String, Source>,
    pub containers: Vec<Container>,
}

impl WorkloadVolumes {
    pub fn injected(&self) -> bool {
        self.containers.iter().any(|c| c.injected)
    }

    fn key(&self) -> (String, String, String) {
        let name = if self.hook {
            format!("{} (hook)", self.name)
        } else {
            self.name.clone()
        };
        (self.kind.clone(), self.namespace.clone(), name)
    }

    fn title(&self) -> String {
        let hook = if self.hook { " (hook)" } else { "" };
        format!("{} {}/{}{hook}", self.kind, self.namespace, self.name)
    }

    /// Data paths of every container, merged.
    fn data_paths(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for c in &self.containers {
            for (k, v) in c.data_paths.iter().flatten() {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        out
    }

    fn outputs_paths(&self) -> BTreeSet<String> {
        self.containers
            .iter()
            .filter_map(|c| c.outputs_path.clone())
            .collect()
    }

    /// The volume section as stable text lines, the unit of the human diff.
    pub fn section(&self) -> String {
        self.section_with(None)
    }

    /// `section`, with the workload name in outputs paths replaced by `{name}` (to detect renames).
    fn section_with(&self, name_placeholder: Option<&str>) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}:", self.spec_field);
        let _ = writeln!(s, "  volumes:");
        for (name, source) in &self.volumes {
            let ro = if source.read_only { " (readOnly)" } else { "" };
            let _ = writeln!(s, "    {name}: {}{ro}", source.describe());
        }
        for c in &self.containers {
            let list = if c.init {
                "initContainers"
            } else {
                "containers"
            };
            let _ = writeln!(s, "  {list}[{}]:", c.name);
            for (path, m) in &c.mounts {
                let _ = writeln!(s, "    mount {path}: {}", describe_mount(m));
            }
            if let Some(o) = &c.outputs_path {
                let o = match name_placeholder {
                    Some(n) if !n.is_empty() => o.replace(n, "{name}"),
                    _ => o.clone(),
                };
                let _ = writeln!(s, "    outputs path: {o}");
            }
            for (k, v) in c.data_paths.iter().flatten() {
                let _ = writeln!(s, "    data path {k}: {v}");
            }
        }
        s
    }
}

fn describe_mount(m: &Mount) -> String {
    let mut s = m.volume.clone();
    if let Some(p) = &m.sub_path {
        let _ = write!(s, " subPath {p}");
    }
    if m.read_only {
        s.push_str(" (readOnly)");
    }
    s
}

/// Every workload of a stream, in stream order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolumePlan {
    pub workloads: Vec<WorkloadVolumes>,
}

/// Bounds on what [`read_plan`] accepts (design.md §8).
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

/// Read the volume plan of every built-in workload kind (List items included) of a stream.
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
        crate::inject::split_bounded(input, options.max_input_bytes, options.max_documents)
            .map_err(|mut d| {
                d.place = place(d.place);
                vec![d]
            })?;
    let namespace = options.namespace.unwrap_or("default");
    let mut plan = VolumePlan::default();
    let mut errors = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        if doc.class != Class::Object {
            continue;
        }
        // Every document is read, not only workloads: an unreadable previous render must not look
        // like one without workloads (and so pass a --fail-on gate).
        let range = doc.parse_range();
        let value = match yaml::parse_value(&text[range], options.yaml) {
            Ok(v) => v,
            Err(e) => {
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
                continue;
            }
        };
        collect(&value, namespace, &mut plan.workloads);
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

fn collect(object: &Value, namespace: &str, out: &mut Vec<WorkloadVolumes>) {
    let Some(kind) = object.get("kind").and_then(Value::as_str) else {
        return;
    };
    if kinds::is_list_kind(kind) {
        for item in object
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(item, namespace, out);
        }
        return;
    }
    let api_version = object.get("apiVersion").and_then(Value::as_str);
    let Some(path) = kinds::built_in(api_version, kind).map(|b| b.template) else {
        return;
    };
    let metadata = object.get("metadata");
    let text = |k: &str| metadata.and_then(|m| m.get(k)).and_then(Value::as_str);
    let mut template = object;
    for key in path {
        match template.get(*key) {
            Some(t) => template = t,
            None => {
                template = &Value::Null;
                break;
            }
        }
    }
    let spec = template.get("spec").unwrap_or(&Value::Null);
    let spec_field = path
        .iter()
        .copied()
        .chain(["spec"])
        .collect::<Vec<_>>()
        .join(".");
    let mut w = WorkloadVolumes {
        kind: kind.to_string(),
        namespace: text("namespace").unwrap_or(namespace).to_string(),
        name: text("name").unwrap_or("").to_string(),
        spec_field,
        hook: metadata
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get("helm.sh/hook"))
            .is_some(),
        volumes: BTreeMap::new(),
        containers: Vec::new(),
    };
    for v in spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = v.get("name").and_then(Value::as_str) {
            w.volumes.insert(name.to_string(), source_of(v));
        }
    }
    for (list, init) in [("initContainers", true), ("containers", false)] {
        for c in spec
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            w.containers.push(container_of(c, init));
        }
    }
    out.push(w);
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
        if name == OUTPUTS_PATH_ENV {
            outputs_path = Some(value());
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

/// One classified change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub level: Level,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The containers it concerns, in pod order (empty for pod- and workload-level changes).
    pub containers: Vec<String>,
    /// Relative to the container (`volumeMounts[/data/1]`, `env[POLYAXON_RUN_OUTPUTS_PATH]`), the pod
    /// spec (`volumes[data1]`) or the object (`metadata.name`).
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub message: String,
}

/// The changes of one workload, with its volume sections before and after.
#[derive(Clone, Debug)]
pub struct WorkloadReport {
    pub title: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub changes: Vec<Change>,
}

/// The whole comparison.
#[derive(Clone, Debug)]
pub struct Report {
    pub workloads: Vec<WorkloadReport>,
    /// Workloads compared (the union of both sides).
    pub compared: usize,
}

impl Report {
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.workloads.iter().flat_map(|w| w.changes.iter())
    }

    pub fn count(&self, level: Level) -> usize {
        self.changes().filter(|c| c.level == level).count()
    }

    pub fn highest(&self) -> Option<Level> {
        self.changes().map(|c| c.level).max()
    }

    /// Whether a change at or above `level` exists (`--fail-on`).
    pub fn trips(&self, level: Level) -> bool {
        self.highest().is_some_and(|h| h >= level)
    }
}

type Key = (String, String, String);

/// Index workloads by key; a repeated key (a hook and a template of the same name) gets `#2`, ...
fn index(plan: &VolumePlan) -> BTreeMap<Key, &WorkloadVolumes> {
    let mut out = BTreeMap::new();
    for w in &plan.workloads {
        let (k, ns, name) = w.key();
        let mut key = (k.clone(), ns.clone(), name.clone());
        let mut n = 1;
        while out.contains_key(&key) {
            n += 1;
            key = (k.clone(), ns.clone(), format!("{name}#{n}"));
        }
        out.insert(key, w);
    }
    out
}

/// Compare the previous plan with the new one.
pub fn compare(old: &VolumePlan, new: &VolumePlan) -> Report {
    let old_ix = index(old);
    let new_ix = index(new);
    let removed: Vec<&Key> = old_ix.keys().filter(|k| !new_ix.contains_key(*k)).collect();
    let added: Vec<&Key> = new_ix.keys().filter(|k| !old_ix.contains_key(*k)).collect();
    // Renames: a removed and an added workload of the same kind and namespace with the same volumes
    // (outputs paths compared with the workload's own name factored out).
    let mut renamed: BTreeMap<&Key, &Key> = BTreeMap::new(); // new → old
    let mut paired_old: BTreeSet<&Key> = BTreeSet::new();
    for a in &added {
        let n = new_ix[*a];
        let shape = n.section_with(Some(&n.name));
        if let Some(r) = removed.iter().find(|r| {
            !paired_old.contains(**r) && r.0 == a.0 && r.1 == a.1 && {
                let o = old_ix[**r];
                o.section_with(Some(&o.name)) == shape
            }
        }) {
            renamed.insert(*a, *r);
            paired_old.insert(*r);
        }
    }

    let mut keys: BTreeSet<&Key> = old_ix.keys().collect();
    keys.extend(new_ix.keys());
    let compared = keys.len() - renamed.len();
    let mut workloads = Vec::new();
    for key in &keys {
        let (o, n) = (old_ix.get(*key).copied(), new_ix.get(*key).copied());
        let mut report = match (o, n) {
            (Some(o), Some(n)) => WorkloadReport {
                title: n.title(),
                before: Some(o.section()),
                after: Some(n.section()),
                changes: compare_workload(o, n),
            },
            (Some(_), None) if paired_old.contains(key) => continue,
            (Some(o), None) => {
                let injected = o.injected();
                WorkloadReport {
                    title: o.title(),
                    before: Some(o.section()),
                    after: None,
                    changes: vec![change(
                        if injected {
                            Level::Warning
                        } else {
                            Level::Info
                        },
                        o,
                        Vec::new(),
                        "metadata.name",
                        Some(o.name.clone()),
                        None,
                        if injected {
                            "workload removed, with its injected volumes".to_string()
                        } else {
                            "workload removed".to_string()
                        },
                    )],
                }
            }
            (None, Some(n)) => match renamed.get(key) {
                Some(r) => {
                    let o = old_ix[*r];
                    let mut message = format!(
                        "renamed from {} to {}, with the same volumes",
                        o.name, n.name
                    );
                    let (op, np) = (o.outputs_paths(), n.outputs_paths());
                    if op != np {
                        let _ = write!(
                            message,
                            "; the outputs path follows the name: {} → {}",
                            join(&op),
                            join(&np)
                        );
                    }
                    WorkloadReport {
                        title: format!("{} (was {})", n.title(), o.name),
                        before: Some(o.section()),
                        after: Some(n.section()),
                        changes: vec![change(
                            Level::Info,
                            n,
                            Vec::new(),
                            "metadata.name",
                            Some(o.name.clone()),
                            Some(n.name.clone()),
                            message,
                        )],
                    }
                }
                None => WorkloadReport {
                    title: n.title(),
                    before: None,
                    after: Some(n.section()),
                    changes: vec![change(
                        Level::Info,
                        n,
                        Vec::new(),
                        "metadata.name",
                        None,
                        Some(n.name.clone()),
                        "workload added".to_string(),
                    )],
                },
            },
            (None, None) => unreachable!(),
        };
        if report.changes.is_empty() {
            continue;
        }
        report
            .changes
            .sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.field.cmp(&b.field)));
        workloads.push(report);
    }
    // The most serious first; then by kind, namespace and name.
    workloads.sort_by_key(|w| std::cmp::Reverse(w.changes.iter().map(|c| c.level).max()));
    Report {
        workloads,
        compared,
    }
}

fn join(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "(none)".to_string()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

#[allow(clippy::too_many_arguments)]
fn change(
    level: Level,
    w: &WorkloadVolumes,
    containers: Vec<String>,
    field: &str,
    before: Option<String>,
    after: Option<String>,
    message: String,
) -> Change {
    Change {
        level,
        kind: w.kind.clone(),
        namespace: w.namespace.clone(),
        name: w.name.clone(),
        containers,
        field: field.to_string(),
        before,
        after,
        message,
    }
}

/// What a mount is for, judged from the workload's env.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Role {
    Data(String),
    Outputs,
    /// A bucket credential of a non-data entry.
    Credentials,
    Other,
}

fn role(
    path: &str,
    mount: &Mount,
    data: &BTreeMap<String, String>,
    outputs: &BTreeSet<String>,
) -> Role {
    if let Some((k, _)) = data
        .iter()
        .find(|(k, v)| **k == mount.volume || v.as_str() == path)
    {
        return Role::Data(k.clone());
    }
    if let Some(rest) = path
        .strip_prefix(CREDENTIALS_DIR)
        .and_then(|r| r.strip_prefix('/'))
    {
        let entry = rest.split('/').next().unwrap_or("");
        if data.contains_key(entry) {
            return Role::Data(entry.to_string());
        }
        return Role::Credentials;
    }
    let root = path.trim_end_matches('/');
    if outputs
        .iter()
        .any(|o| o == path || o.strip_prefix(root).is_some_and(|r| r.starts_with('/')))
    {
        return Role::Outputs;
    }
    Role::Other
}

fn source_text(w: &WorkloadVolumes, m: &Mount) -> String {
    let mut s = match w.volumes.get(&m.volume) {
        Some(src) => src.describe(),
        None => format!("volume {} (not in the pod's volumes)", m.volume),
    };
    if let Some(p) = &m.sub_path {
        let _ = write!(s, " subPath {p}");
    }
    s
}

fn effective_read_only(w: &WorkloadVolumes, m: &Mount) -> bool {
    m.read_only || w.volumes.get(&m.volume).is_some_and(|s| s.read_only)
}

/// Volumes that hold configuration or scratch space, not data: a change of theirs is no storage move.
const CONFIG_LIKE: &[&str] = &[
    "configMap",
    "secret",
    "projected",
    "downwardAPI",
    "emptyDir",
];

fn config_like(w: &WorkloadVolumes, m: &Mount) -> bool {
    w.volumes
        .get(&m.volume)
        .is_some_and(|s| CONFIG_LIKE.contains(&s.kind.as_str()))
}

fn is_bucket(path: &str) -> bool {
    path.contains("://")
}

fn compare_workload(o: &WorkloadVolumes, n: &WorkloadVolumes) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    let lost = o.injected() && !n.injected();
    let (o_data, n_data) = (o.data_paths(), n.data_paths());
    let o_out = o.outputs_paths();
    if lost {
        out.push(change(
            Level::Warning,
            n,
            Vec::new(),
            "env",
            Some("injected".into()),
            Some("not injected".into()),
            "the workload loses all injection: no stowage volumes, mounts or POLYAXON_RUN_* env (stowage.dev/inject: \"false\"?)".into(),
        ));
    }
    let removed_data: BTreeSet<&String> =
        o_data.keys().filter(|k| !n_data.contains_key(*k)).collect();

    let key = |c: &Container| (c.init, c.name.clone());
    let n_containers: BTreeMap<(bool, String), &Container> =
        n.containers.iter().map(|c| (key(c), c)).collect();
    let o_containers: BTreeMap<(bool, String), &Container> =
        o.containers.iter().map(|c| (key(c), c)).collect();
    // Containers in pod order: the old ones, then the new ones.
    let mut order: Vec<&Container> = o.containers.iter().collect();
    order.extend(
        n.containers
            .iter()
            .filter(|c| !o_containers.contains_key(&key(c))),
    );

    for c in order {
        let names = vec![c.name.clone()];
        let push = |out: &mut Vec<Change>, level, field: String, before, after, message| {
            out.push(change(
                level,
                n,
                names.clone(),
                &field,
                before,
                after,
                message,
            ));
        };
        let (oc, nc) = (o_containers.get(&key(c)), n_containers.get(&key(c)));
        let (oc, nc) = match (oc, nc) {
            (Some(oc), Some(nc)) => (*oc, *nc),
            (Some(oc), None) => {
                let stowage_mounts = oc.injected
                    || oc
                        .mounts
                        .iter()
                        .any(|(p, m)| role(p, m, &o_data, &o_out) != Role::Other);
                push(
                    &mut out,
                    if stowage_mounts {
                        Level::Warning
                    } else {
                        Level::Info
                    },
                    "name".into(),
                    Some(oc.name.clone()),
                    None,
                    format!("container removed, with its {} mounts", oc.mounts.len()),
                );
                continue;
            }
            (None, Some(nc)) => {
                push(
                    &mut out,
                    Level::Info,
                    "name".into(),
                    None,
                    Some(nc.name.clone()),
                    format!("container added, with {} mounts", nc.mounts.len()),
                );
                continue;
            }
            (None, None) => continue,
        };
        let mut paths: BTreeSet<&String> = oc.mounts.keys().collect();
        paths.extend(nc.mounts.keys());
        for path in paths {
            let field = format!("volumeMounts[{path}]");
            match (oc.mounts.get(path), nc.mounts.get(path)) {
                (Some(om), Some(nm)) => {
                    let (os, ns) = (source_text(o, om), source_text(n, nm));
                    let (o_src, n_src) = (o.volumes.get(&om.volume), n.volumes.get(&nm.volume));
                    let same_source = om.sub_path == nm.sub_path
                        && match (o_src, n_src) {
                            (Some(a), Some(b)) => a.kind == b.kind && a.identity == b.identity,
                            (None, None) => om.volume == nm.volume,
                            _ => false,
                        };
                    if !same_source {
                        let r = role(path, om, &o_data, &o_out);
                        let what = match r {
                            Role::Outputs => "outputs land elsewhere",
                            Role::Data(_) => "the data comes from elsewhere",
                            _ => "the files there come from elsewhere",
                        };
                        // Config and scratch volumes (a ConfigMap renamed by a hash suffix) move no data.
                        let level = if r == Role::Other && config_like(o, om) && config_like(n, nm)
                        {
                            Level::Info
                        } else {
                            Level::Danger
                        };
                        push(
                            &mut out,
                            level,
                            field.clone(),
                            Some(os.clone()),
                            Some(ns.clone()),
                            format!("the volume behind {path} changes: {os} → {ns}; {what}"),
                        );
                    }
                    let (oro, nro) = (effective_read_only(o, om), effective_read_only(n, nm));
                    if oro != nro {
                        push(
                            &mut out,
                            Level::Warning,
                            format!("{field}.readOnly"),
                            Some(oro.to_string()),
                            Some(nro.to_string()),
                            if nro {
                                format!("{path} becomes read-only: writes there will fail")
                            } else {
                                format!("{path} becomes writable")
                            },
                        );
                    }
                }
                (Some(om), None) => match role(path, om, &o_data, &o_out) {
                    Role::Data(k) if removed_data.contains(&k) => {}
                    _ if lost && role(path, om, &o_data, &o_out) != Role::Other => {}
                    Role::Data(k) => push(
                        &mut out,
                        Level::Warning,
                        field,
                        Some(source_text(o, om)),
                        None,
                        format!("data mount {path} ({k}) removed"),
                    ),
                    Role::Other if config_like(o, om) => push(
                        &mut out,
                        Level::Warning,
                        field,
                        Some(source_text(o, om)),
                        None,
                        format!("mount {path} removed (a config or scratch volume)"),
                    ),
                    r => push(
                        &mut out,
                        Level::Danger,
                        field,
                        Some(source_text(o, om)),
                        None,
                        if r == Role::Outputs {
                            format!(
                                "outputs mount {path} removed: outputs written there stay in the container"
                            )
                        } else {
                            format!("mount {path} removed from a workload that still exists")
                        },
                    ),
                },
                (None, Some(nm)) => {
                    let s = source_text(n, nm);
                    let what = match role(path, nm, &n_data, &n.outputs_paths()) {
                        Role::Data(k) => format!("data volume {k} ({s})"),
                        Role::Outputs => format!("outputs volume {} ({s})", nm.volume),
                        _ => s.clone(),
                    };
                    push(
                        &mut out,
                        Level::Info,
                        field,
                        None,
                        Some(s.clone()),
                        format!("{what} mounted at {path}"),
                    );
                }
                (None, None) => {}
            }
        }
        // The outputs path.
        let field = format!("env[{OUTPUTS_PATH_ENV}]");
        match (&oc.outputs_path, &nc.outputs_path) {
            (Some(a), Some(b)) if a != b => push(
                &mut out,
                Level::Danger,
                field,
                Some(a.clone()),
                Some(b.clone()),
                format!("the outputs path changes: {a} → {b}; new outputs land elsewhere"),
            ),
            (Some(a), None) if !lost => push(
                &mut out,
                Level::Danger,
                field,
                Some(a.clone()),
                None,
                "the outputs path is no longer set".into(),
            ),
            (None, Some(b)) => push(
                &mut out,
                Level::Info,
                field,
                None,
                Some(b.clone()),
                format!("outputs path set: {b}"),
            ),
            _ => {}
        }
        // The data paths, entry by entry.
        if lost {
            continue;
        }
        let (od, nd) = (
            oc.data_paths.clone().unwrap_or_default(),
            nc.data_paths.clone().unwrap_or_default(),
        );
        let mut entries: BTreeSet<&String> = od.keys().collect();
        entries.extend(nd.keys());
        for k in entries {
            let field = if k.is_empty() {
                format!("env[{DATA_PATHS_ENV}]")
            } else {
                format!("env[{DATA_PATHS_ENV}].{k}")
            };
            match (od.get(k), nd.get(k)) {
                (Some(a), Some(b)) if a != b => {
                    let bucket = is_bucket(a) || is_bucket(b);
                    push(
                        &mut out,
                        if bucket {
                            Level::Danger
                        } else {
                            Level::Warning
                        },
                        field,
                        Some(a.clone()),
                        Some(b.clone()),
                        if bucket {
                            format!("the bucket of data volume {k} changes: {a} → {b}")
                        } else {
                            format!("data volume {k} moves: {a} → {b}")
                        },
                    );
                }
                (Some(a), None) => push(
                    &mut out,
                    Level::Warning,
                    field,
                    Some(a.clone()),
                    None,
                    format!("data volume {k} removed"),
                ),
                // A new mount at that path already says it.
                (None, Some(b)) if oc.mounts.contains_key(b) || !nc.mounts.contains_key(b) => push(
                    &mut out,
                    Level::Info,
                    field,
                    None,
                    Some(b.clone()),
                    format!("data volume {k} added: {b}"),
                ),
                _ => {}
            }
        }
    }

    // Pod volumes no container mounts (on either side): what mounts don't already say.
    let mounted = |w: &WorkloadVolumes, v: &str| {
        w.containers
            .iter()
            .any(|c| c.mounts.values().any(|m| m.volume == v))
    };
    let mut names: BTreeSet<&String> = o.volumes.keys().collect();
    names.extend(n.volumes.keys());
    for v in names {
        if mounted(o, v) || mounted(n, v) {
            continue;
        }
        let field = format!("volumes[{v}]");
        match (o.volumes.get(v), n.volumes.get(v)) {
            (Some(a), Some(b)) if a != b => out.push(change(
                Level::Warning,
                n,
                Vec::new(),
                &field,
                Some(a.describe()),
                Some(b.describe()),
                format!(
                    "unmounted volume {v} changes: {} → {}",
                    a.describe(),
                    b.describe()
                ),
            )),
            (Some(a), None) => out.push(change(
                Level::Info,
                n,
                Vec::new(),
                &field,
                Some(a.describe()),
                None,
                format!("unmounted volume {v} removed"),
            )),
            (None, Some(b)) => out.push(change(
                Level::Info,
                n,
                Vec::new(),
                &field,
                None,
                Some(b.describe()),
                format!("unmounted volume {v} added: {}", b.describe()),
            )),
            _ => {}
        }
    }
    merge_containers(out)
}

/// One change per fact: the same change in several containers becomes one naming them all.
fn merge_containers(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    for c in changes {
        match out.iter_mut().find(|o| {
            o.level == c.level
                && o.field == c.field
                && o.before == c.before
                && o.after == c.after
                && o.message == c.message
                && !o.containers.is_empty()
                && !c.containers.is_empty()
        }) {
            Some(o) => o.containers.extend(c.containers),
            None => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Output formats.

/// ANSI colours, or none.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when writing to a terminal and `NO_COLOR` is unset or empty (https://no-color.org).
    pub fn for_terminal(is_terminal: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: is_terminal && !no_color,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn level(&self, level: Level) -> String {
        let code = match level {
            Level::Danger => "1;31",
            Level::Warning => "33",
            Level::Info => "36",
        };
        self.paint(code, &format!("{:<7}", level.as_str()))
    }
}

fn unified(before: Option<&str>, after: Option<&str>) -> String {
    let (a, b) = (before.unwrap_or(""), after.unwrap_or(""));
    let diff = similar::TextDiff::from_lines(a, b);
    // The whole section, so each change is read in its context.
    diff.unified_diff()
        .context_radius(usize::MAX / 4)
        .header(
            if before.is_some() {
                "previous"
            } else {
                "/dev/null"
            },
            if after.is_some() { "new" } else { "/dev/null" },
        )
        .to_string()
}

fn summary_line(report: &Report) -> String {
    let total = report.changes().count();
    if total == 0 {
        return format!(
            "no volume changes ({} workload{} compared)",
            report.compared,
            plural(report.compared)
        );
    }
    format!(
        "{total} volume change{}: {} danger, {} warning, {} info ({} workload{} compared)",
        plural(total),
        report.count(Level::Danger),
        report.count(Level::Warning),
        report.count(Level::Info),
        report.compared,
        plural(report.compared)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn containers_text(c: &Change) -> String {
    c.containers.join(", ")
}

/// The human report: per changed workload a header, the unified diff of its volume section and
/// its classified changes; then a summary line.
pub fn human(report: &Report, style: Style) -> String {
    let mut s = String::new();
    for w in &report.workloads {
        let _ = writeln!(s, "{}", style.paint("1", &w.title));
        for line in unified(w.before.as_deref(), w.after.as_deref()).lines() {
            let painted = if line.starts_with("---") || line.starts_with("+++") {
                style.paint("1", line)
            } else if line.starts_with('-') {
                style.paint("31", line)
            } else if line.starts_with('+') {
                style.paint("32", line)
            } else if line.starts_with("@@") {
                style.paint("36", line)
            } else {
                line.to_string()
            };
            let _ = writeln!(s, "  {painted}");
        }
        for c in &w.changes {
            let at = if c.containers.is_empty() {
                c.field.clone()
            } else {
                format!("{} [{}]", c.field, containers_text(c))
            };
            let _ = writeln!(s, "  {} {at}: {}", style.level(c.level), c.message);
        }
        s.push('\n');
    }
    let _ = writeln!(s, "{}", summary_line(report));
    s
}

/// The `--output json` shape (documented in the README).
pub fn json(report: &Report) -> String {
    let changes: Vec<Value> = report
        .changes()
        .map(|c| {
            let mut o = serde_json::Map::new();
            o.insert("severity".into(), json!(c.level.as_str()));
            o.insert("kind".into(), json!(c.kind));
            o.insert("namespace".into(), json!(c.namespace));
            o.insert("name".into(), json!(c.name));
            if !c.containers.is_empty() {
                o.insert("container".into(), json!(containers_text(c)));
            }
            o.insert("field".into(), json!(c.field));
            o.insert("before".into(), json!(c.before));
            o.insert("after".into(), json!(c.after));
            o.insert("message".into(), json!(c.message));
            Value::Object(o)
        })
        .collect();
    let doc = json!({
        "changes": changes,
        "summary": {
            "danger": report.count(Level::Danger),
            "warning": report.count(Level::Warning),
            "info": report.count(Level::Info),
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON of plain values");
    s.push('\n');
    s
}

fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

fn code_cell(text: Option<&str>) -> String {
    match text {
        None => "—".to_string(),
        Some(t) => format!("`{}`", cell(&t.replace('`', "'"))),
    }
}

/// The `--output markdown` report, for a pull-request comment.
pub fn markdown(report: &Report) -> String {
    let mut s = String::from("### stowage: volume changes\n\n");
    let total = report.changes().count();
    if total == 0 {
        let _ = writeln!(
            s,
            "No volume changes ({} workload{} compared).",
            report.compared,
            plural(report.compared)
        );
        return s;
    }
    let count = |l: Level| match report.count(l) {
        0 => format!("0 {}", l.as_str()),
        n if l == Level::Info => format!("{n} info"),
        n => format!("**{n} {}**", l.as_str()),
    };
    let _ = writeln!(
        s,
        "{}, {}, {} — {total} change{} in {} workload{} ({} compared).\n",
        count(Level::Danger),
        count(Level::Warning),
        count(Level::Info),
        plural(total),
        report.workloads.len(),
        plural(report.workloads.len()),
        report.compared
    );
    for w in &report.workloads {
        let _ = writeln!(s, "#### {}\n", cell(&w.title));
        s.push_str("| severity | container | field | before | after | change |\n");
        s.push_str("|---|---|---|---|---|---|\n");
        for c in &w.changes {
            let level = match c.level {
                Level::Info => "info".to_string(),
                l => format!("**{}**", l.as_str()),
            };
            let _ = writeln!(
                s,
                "| {level} | {} | `{}` | {} | {} | {} |",
                if c.containers.is_empty() {
                    "—".to_string()
                } else {
                    cell(&containers_text(c))
                },
                cell(&c.field),
                code_cell(c.before.as_deref()),
                code_cell(c.after.as_deref()),
                cell(&c.message)
            );
        }
        let _ = writeln!(
            s,
            "\n<details><summary>volume section diff</summary>\n\n```diff\n{}```\n\n</details>\n",
            unified(w.before.as_deref(), w.after.as_deref())
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> VolumePlan {
        read_plan(text.as_bytes(), "test", &ReadOptions::default()).unwrap()
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    volumeMounts: [{name: v, mountPath: /out}]\n    env: [{name: POLYAXON_RUN_OUTPUTS_PATH, value: /out/default/p}]\n  volumes: [{name: v, persistentVolumeClaim: {claimName: CLAIM}}]\n";

    #[test]
    fn reads_lists_cronjobs_and_default_namespace() {
        let p = plan(
            "kind: List\nitems:\n- kind: CronJob\n  metadata: {name: c, namespace: x}\n  spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a}]}}}}}\n---\nkind: ConfigMap\nmetadata: {name: m}\n",
        );
        assert_eq!(p.workloads.len(), 1);
        let w = &p.workloads[0];
        assert_eq!((w.kind.as_str(), w.namespace.as_str()), ("CronJob", "x"));
        assert_eq!(w.spec_field, "spec.jobTemplate.spec.template.spec");
        let p = plan(&POD.replace("CLAIM", "a"));
        assert_eq!(p.workloads[0].namespace, "default");
        assert!(p.workloads[0].injected());
    }

    #[test]
    fn a_changed_claim_behind_the_outputs_mount_is_danger() {
        let r = compare(
            &plan(&POD.replace("CLAIM", "a")),
            &plan(&POD.replace("CLAIM", "b")),
        );
        let c: Vec<&Change> = r.changes().collect();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].level, Level::Danger);
        assert!(
            c[0].message.contains("outputs land elsewhere"),
            "{}",
            c[0].message
        );
        assert!(r.trips(Level::Danger) && r.trips(Level::Info));
        assert!(!compare(&r_plan(), &r_plan()).trips(Level::Info));
    }

    fn r_plan() -> VolumePlan {
        plan(&POD.replace("CLAIM", "a"))
    }

    #[test]
    fn an_outputs_mount_removed_is_danger_and_json_escapes() {
        let old = plan(&POD.replace("CLAIM", "a"));
        let new = plan(&POD.replace("CLAIM", "a").replace(
            "volumeMounts: [{name: v, mountPath: /out}]",
            "volumeMounts: []",
        ));
        let r = compare(&old, &new);
        assert_eq!(r.highest(), Some(Level::Danger));
        let j: Value = serde_json::from_str(&json(&r)).unwrap();
        assert_eq!(j["changes"][0]["field"], "volumeMounts[/out]");
        assert_eq!(j["changes"][0]["container"], "c");
    }

    #[test]
    fn colour_only_when_asked() {
        let r = compare(&r_plan(), &plan(&POD.replace("CLAIM", "b")));
        assert!(!human(&r, Style { color: false }).contains('\x1b'));
        assert!(human(&r, Style { color: true }).contains("\x1b[31m-"));
        assert!(markdown(&r).contains("| **danger** | c |"));
    }
}
