//! The persistence config: where it comes from, its schema, its semantic rules, and the typed model
//! the planner uses (design.md §2).
//!
//! Sources (exactly one per run): `--values FILE...` (the `persistence:` key, merged like Helm), an
//! in-stream `stowage.dev/v1alpha1 Persistence` document (its `spec`), or a KRM functionConfig.
//! Whatever the source, the same `persistence`-shaped JSON value goes through [`build`].

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::k8s;
use crate::report::{self, Diagnostic, Place};

/// Which list an entry was declared in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Data,
    Outputs,
}

impl Role {
    pub fn key(self) -> &'static str {
        match self {
            Role::Data => "data",
            Role::Outputs => "outputs",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Gcs,
    S3,
    Azure,
}

impl Store {
    pub fn as_str(self) -> &'static str {
        match self {
            Store::Gcs => "gcs",
            Store::S3 => "s3",
            Store::Azure => "azure",
        }
    }

    pub fn parse(s: &str) -> Option<Store> {
        match s {
            "gcs" => Some(Store::Gcs),
            "s3" => Some(Store::S3),
            "azure" => Some(Store::Azure),
            _ => None,
        }
    }

    /// The bucket URL schemes Polyaxon's stores accept for this store.
    pub fn schemes(self) -> &'static [&'static str] {
        match self {
            Store::Gcs => &["gs"],
            Store::S3 => &["s3"],
            Store::Azure => &["wasbs", "wasb"],
        }
    }

    /// The store a bucket URL scheme belongs to.
    pub fn for_scheme(scheme: &str) -> Option<Store> {
        [Store::Gcs, Store::S3, Store::Azure]
            .into_iter()
            .find(|s| s.schemes().contains(&scheme))
    }
}

/// Where an entry's bytes live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    HostPath {
        path: String,
        /// `hostPathType` (extension): one of the Kubernetes `hostPath.type` values.
        kind: Option<String>,
    },
    Claim {
        claim: String,
    },
    Bucket {
        store: Store,
        /// The bucket URL exactly as written (`gs://...`, `s3://...`, `wasbs://...`).
        bucket: String,
        secret: String,
        secret_key: String,
        /// `mount: csi` (design.md §4.4): mount the bucket as a filesystem through its CSI driver.
        csi: bool,
        /// `mountOptions` for the CSI driver (extension).
        mount_options: Option<String>,
    },
}

/// One named entry of `persistence.data` or `persistence.outputs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub role: Role,
    pub source: Source,
    /// Normalised absolute path. Required for hostPath/claim; only with `mount: csi` for buckets.
    pub mount_path: Option<String>,
    pub read_only: bool,
    pub sub_path: Option<String>,
    /// `default: true` on an outputs entry.
    pub default: bool,
}

impl Entry {
    /// The path Polyaxon's run contract reports for this entry: mountPath wins over the bucket.
    pub fn run_path(&self) -> &str {
        match (&self.mount_path, &self.source) {
            (Some(m), _) => m,
            (None, Source::Bucket { bucket, .. }) => bucket,
            (None, _) => "",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnConflict {
    #[default]
    Error,
    Skip,
}

/// Names of the injected env vars (configurable; the defaults are Polyaxon's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvNames {
    pub data_paths: String,
    pub outputs_path: String,
    pub stores_access_keys: String,
    /// Prefix of the per-credential env var: `STOWAGE_CREDENTIALS_<ENTRY>`.
    pub credentials_prefix: String,
    pub google_credentials: String,
}

impl Default for EnvNames {
    fn default() -> Self {
        EnvNames {
            data_paths: "POLYAXON_RUN_DATA_PATHS".into(),
            outputs_path: "POLYAXON_RUN_OUTPUTS_PATH".into(),
            stores_access_keys: "POLYSTORES_RUN_STORES_ACCESS_KEYS".into(),
            credentials_prefix: "STOWAGE_CREDENTIALS_".into(),
            google_credentials: "GOOGLE_APPLICATION_CREDENTIALS".into(),
        }
    }
}

/// An extra workload kind (a CRD) and where its pod specs are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadKind {
    /// `group/version` or empty for any.
    pub api_version: Option<String>,
    pub kind: String,
    /// Dotted paths from the object root to each pod spec; `[]` after a key walks every item of a list
    /// (`spec.templates[].podSpecPatch` style), e.g. `spec.template.spec`.
    pub pod_spec_paths: Vec<String>,
}

pub const DEFAULT_OUTPUTS_PATH: &str = "{{namespace}}/{{name}}";

/// The validated, typed config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Declaration order (the order of the keys in the source).
    pub data: Vec<Entry>,
    pub outputs: Vec<Entry>,
    /// Handlebars template for the path under the outputs root; variables `namespace`, `name`, `kind`.
    pub outputs_path: String,
    pub on_conflict: OnConflict,
    /// Only these containers get mounts and env; `None` = every container and initContainer.
    pub containers: Option<Vec<String>>,
    pub workload_kinds: Vec<WorkloadKind>,
    pub env: EnvNames,
    /// Sensitive hostPaths the user explicitly allows.
    pub allow_host_paths: Vec<String>,
}

impl Config {
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.data.iter().chain(self.outputs.iter())
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty() && self.outputs.is_empty()
    }
}

// ------------------------------------------------------------------------------------------------
// Keys and fixed names

/// Keys of an entry of `persistence.data` / `persistence.outputs` (`default` only under `outputs`).
pub const ENTRY_KEYS: &[&str] = &[
    "mountPath",
    "hostPath",
    "hostPathType",
    "existingClaim",
    "store",
    "bucket",
    "secret",
    "secretKey",
    "readOnly",
    "subPath",
    "default",
    "mount",
    "mountOptions",
];

/// stowage's own keys directly under `persistence`.
pub const CONFIG_KEYS: &[&str] = &[
    "data",
    "outputs",
    "outputsPath",
    "onConflict",
    "containers",
    "workloadKinds",
    "env",
    "allowHostPaths",
];

/// Keys real Polyaxon values files carry under `persistence` for the platform itself (its own
/// logs/repos/upload volumes, 0.1.0's `extra`, and the PVC settings of the oldest charts). They are
/// accepted so that a chart's values file can be passed as it is, and ignored.
pub const PLATFORM_KEYS: &[&str] = &[
    "logs",
    "repos",
    "upload",
    "extra",
    "enabled",
    "accessMode",
    "size",
    "storageClass",
    "name",
    "subPath",
];

/// Fields of the single-volume shape of charts before 0.1.1, where `data:` and `outputs:` (or
/// `persistence:` itself, in 0.0.1) held one PVC's settings instead of named entries.
const FLAT_VOLUME_KEYS: &[&str] = &[
    "existingClaim",
    "hostPath",
    "mountPath",
    "subPath",
    "readOnly",
    "storageClass",
    "enabled",
    "accessMode",
    "size",
    "name",
];

/// A bucket entry also injects a volume `<entry>-credentials` for its secret key file.
pub const CREDENTIALS_SUFFIX: &str = "-credentials";
/// Where credential files are mounted: `<root>/<entry>/<secretKey>` (design.md §4.1).
pub const CREDENTIALS_MOUNT_ROOT: &str = "/var/run/secrets/stowage";
/// Variables an `outputsPath` template may use.
pub const OUTPUTS_PATH_VARIABLES: &[&str] = &["namespace", "name", "kind"];

/// Host paths a pod must not mount unless `allowHostPaths` says so, with why (peers.md §2.1).
/// A path is refused when it is one of these, or contains one of them (`/var` holds
/// `/var/run/docker.sock`), or lies under one of [`SENSITIVE_HOST_TREES`].
const SENSITIVE_HOST_PATHS: &[(&str, &str)] = &[
    ("/", "the node's root filesystem"),
    ("/var/run", "the node's runtime sockets"),
    ("/run", "the node's runtime sockets"),
    ("/root", "root's home directory on the node"),
    ("/home", "the users' home directories on the node"),
    (
        "/var/run/docker.sock",
        "a container runtime socket: it controls every container on the node",
    ),
    (
        "/run/docker.sock",
        "a container runtime socket: it controls every container on the node",
    ),
    (
        "/var/run/cri-dockerd.sock",
        "a container runtime socket: it controls every container on the node",
    ),
    (
        "/run/cri-dockerd.sock",
        "a container runtime socket: it controls every container on the node",
    ),
    (
        "/var/run/containerd/containerd.sock",
        "a container runtime socket: it controls every container on the node",
    ),
    (
        "/run/containerd/containerd.sock",
        "a container runtime socket: it controls every container on the node",
    ),
    (
        "/var/run/crio/crio.sock",
        "a container runtime socket: it controls every container on the node",
    ),
    (
        "/run/crio/crio.sock",
        "a container runtime socket: it controls every container on the node",
    ),
];

/// Host directories whose whole subtree is sensitive.
const SENSITIVE_HOST_TREES: &[(&str, &str)] = &[
    ("/etc", "the node's configuration and credentials"),
    ("/proc", "the node's kernel and process information"),
    ("/sys", "the node's kernel settings"),
    ("/dev", "the node's devices"),
    (
        "/var/lib/kubelet",
        "the kubelet's state, including other pods' volumes and secrets",
    ),
    // The runtimes' state holds every container's filesystem.
    ("/var/lib/docker", "the container runtime's state"),
    ("/var/lib/containerd", "the container runtime's state"),
];

// ------------------------------------------------------------------------------------------------
// Schema

/// The JSON Schema (draft 2020-12) of the `persistence` object, as printed by `stowage schema`.
/// It only uses keywords that mean the same in draft-07, so older Helm versions can use it too.
pub fn schema() -> &'static str {
    include_str!("../../../schema/persistence.schema.json")
}

fn schema_value() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(schema()).expect("schema/persistence.schema.json is valid JSON")
    })
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        // Compiled as draft-07, which is what Helm 3 checks values with: the schema only uses
        // keywords that mean the same in both drafts (`draft_07_and_2020_12_agree` checks it), and
        // draft-07's meta-schema costs a third of 2020-12's to compile, the largest fixed cost of a
        // run.
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .with_keyword("pattern", |_, pattern, _| {
                let pattern = pattern.as_str().unwrap_or_default();
                match pattern_check(pattern) {
                    Some(matches) => Ok(Box::new(PatternCheck { matches })),
                    None => Err(jsonschema::ValidationError::custom(format!(
                        "pattern {pattern} has no function in config::pattern_check"
                    ))),
                }
            })
            .build(&as_draft_07(schema_value()))
            .expect("schema/persistence.schema.json compiles")
    })
}

/// The schema's `pattern`s as functions. Compiling them as regexes was half the cost of
/// compiling the schema, 0.8 ms of the 5 ms a chart may take (design.md §9).
/// `pattern_checks_match_their_regexes` compares each with the regex it stands for.
fn pattern_check(pattern: &str) -> Option<fn(&str) -> bool> {
    // ECMA-262's `.` matches anything but a line terminator; `[^x]` matches those too.
    fn line_free(s: &str) -> bool {
        !s.contains(['\n', '\r', '\u{2028}', '\u{2029}'])
    }
    fn dns_label(s: &str) -> bool {
        let b = s.as_bytes();
        let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        b.first().is_some_and(edge)
            && b.last().is_some_and(edge)
            && b.iter().all(|c| edge(c) || *c == b'-')
    }
    fn all(s: &str, allowed: fn(u8) -> bool) -> bool {
        s.bytes().all(allowed)
    }
    Some(match pattern {
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" => dns_label,
        "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$" => {
            |s| s.is_empty() || s.split('.').all(dns_label)
        }
        "^(/[^:]*)?$" => |s| s.is_empty() || (s.starts_with('/') && !s.contains(':')),
        "^(/.*)?$" => |s| s.is_empty() || (s.starts_with('/') && line_free(s)),
        "^((gs|s3|wasbs?)://.*)?$" => |s| {
            s.is_empty()
                || (["gs://", "s3://", "wasb://", "wasbs://"]
                    .iter()
                    .any(|scheme| s.starts_with(scheme))
                    && line_free(s))
        },
        "^[-._a-zA-Z0-9]*$" => |s| all(s, |c| c.is_ascii_alphanumeric() || b"-._".contains(&c)),
        "^([^/].*)?$" => |s| {
            let mut chars = s.chars();
            chars.next().is_none_or(|c| c != '/') && line_free(chars.as_str())
        },
        "^([-._a-zA-Z][-._a-zA-Z0-9]*)?$" => |s| {
            !s.starts_with(|c: char| c.is_ascii_digit())
                && all(s, |c| c.is_ascii_alphanumeric() || b"-._".contains(&c))
        },
        "^/" => |s| s.starts_with('/'),
        "^([a-z0-9.-]+/)?[a-z0-9]+$" => |s| {
            let version =
                |v: &str| !v.is_empty() && all(v, |c| c.is_ascii_lowercase() || c.is_ascii_digit());
            match s.split_once('/') {
                Some((group, v)) => {
                    !group.is_empty()
                        && all(group, |c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-'
                        })
                        && version(v)
                }
                None => version(s),
            }
        },
        "^[A-Za-z][A-Za-z0-9]*$" => |s| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && all(s, |c| c.is_ascii_alphanumeric())
        },
        "^[A-Za-z0-9_-]+(\\[\\])?(\\.[A-Za-z0-9_-]+(\\[\\])?)*$" => |s| {
            s.split('.').all(|step| {
                let step = step.strip_suffix("[]").unwrap_or(step);
                !step.is_empty() && all(step, |c| c.is_ascii_alphanumeric() || b"_-".contains(&c))
            })
        },
        _ => return None,
    })
}

/// A `pattern` keyword checked by its function from [`pattern_check`].
struct PatternCheck {
    matches: fn(&str) -> bool,
}

impl<'i> jsonschema::Keyword<'i> for PatternCheck {
    fn validate(&self, instance: &'i Value) -> Result<(), jsonschema::ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(jsonschema::ValidationError::custom(
                "does not match the pattern",
            ))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        instance.as_str().is_none_or(self.matches)
    }
}

/// The schema without its `$schema`, which would otherwise pick draft 2020-12 again.
fn as_draft_07(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(root) = schema.as_object_mut() {
        root.remove("$schema");
    }
    schema
}

// ------------------------------------------------------------------------------------------------
// build

/// Build a typed config from a `persistence`-shaped value, reporting every problem at once.
///
/// `origin` names the source in diagnostics (`values.yaml`, `in-stream Persistence document`, ...).
/// Returns the config when there is no error; the diagnostics hold every warning and note either way.
///
/// Three passes, each reporting what the next can't say well:
/// 1. the single-volume shape of charts before 0.1.1 gets one error with the shape to use instead;
/// 2. the JSON Schema checks structure (types, enums, patterns, unknown keys);
/// 3. semantic rules (one source per entry, bucket scheme, unique mount paths, sensitive host paths...)
///    run on entries whose structure is sound, and stay quiet about a field the schema already flagged.
pub fn build(persistence: &Value, origin: &str) -> (Option<Config>, Vec<Diagnostic>) {
    let no_keys = Map::new();
    let root = match persistence {
        Value::Null => &no_keys,
        Value::Object(m) => m,
        other => {
            let d = Diagnostic::error(
                Place::config(origin, "persistence"),
                format!("`persistence` must be a mapping, not {}", describe(other)),
            )
            .with_hint("write `persistence: {data: {...}, outputs: {...}}`");
            return (None, vec![d]);
        }
    };
    let mut ck = Checker {
        origin,
        diags: Vec::new(),
    };

    // 1. Old chart shapes.
    let flat = ck.flat_shapes(root);
    let flat_diags = std::mem::take(&mut ck.diags);

    // 2. Schema.
    let schema = schema_diagnostics(persistence, origin, &flat);
    let flagged: HashSet<String> = schema
        .diags
        .iter()
        .filter_map(|d| d.place.config_path.clone())
        .collect();

    // 3. Semantic rules.
    let allow = ck.allow_host_paths(root);
    let mut data = Vec::new();
    let mut outputs = Vec::new();
    let mut declared = Vec::new();
    for role in [Role::Data, Role::Outputs] {
        if flat.iter().any(|f| f == role.key()) {
            continue;
        }
        let Some(Value::Object(entries)) = root.get(role.key()) else {
            continue;
        };
        for (name, value) in entries {
            if value.is_null() {
                continue; // `data1: null` counts as absent, like any other key
            }
            let path = format!("persistence.{}.{name}", role.key());
            declared.push((role, name.as_str()));
            ck.entry_name(&path, name, value);
            let Value::Object(fields) = value else {
                continue;
            };
            if schema.broken_entries.contains(&path) {
                continue;
            }
            if let Some(entry) = ck.entry(role, name, &path, fields, &allow) {
                match role {
                    Role::Data => data.push(entry),
                    Role::Outputs => outputs.push(entry),
                }
            }
        }
    }
    ck.across_entries(&declared, &data, &outputs);
    let outputs_path = ck.outputs_path(root);
    let on_conflict = match text(root, "onConflict") {
        Some("skip") => OnConflict::Skip,
        _ => OnConflict::Error,
    };
    let containers = string_list(root, "containers");
    let workload_kinds = ck.workload_kinds(root);
    let env = ck.env_names(root, data.iter().chain(&outputs));

    // Semantic findings on a field the schema already flagged would say the same thing twice.
    ck.diags.retain(|d| {
        d.place
            .config_path
            .as_ref()
            .is_none_or(|p| !flagged.contains(p))
    });

    let mut diags = flat_diags;
    diags.extend(schema.diags);
    diags.extend(ck.diags);
    let ignored: Vec<String> = root
        .keys()
        .filter(|k| PLATFORM_KEYS.contains(&k.as_str()))
        .map(|k| format!("`{k}`"))
        .collect();
    if !ignored.is_empty() {
        diags.push(Diagnostic::note(
            Place::config(origin, "persistence"),
            format!(
                "ignoring Polyaxon platform key{} {} (stowage injects only `data` and `outputs` entries)",
                if ignored.len() == 1 { "" } else { "s" },
                ignored.join(", ")
            ),
        ));
    }
    if report::has_errors(&diags) {
        return (None, diags);
    }
    if data.is_empty() && outputs.is_empty() {
        diags.push(
            Diagnostic::note(
                Place::config(origin, "persistence"),
                "no `data` or `outputs` entries: nothing will be injected",
            )
            .with_hint("add entries such as `data: {data1: {mountPath: /data/1, existingClaim: data-1-pvc}}`"),
        );
    }
    let config = Config {
        data,
        outputs,
        outputs_path,
        on_conflict,
        containers,
        workload_kinds,
        env,
        allow_host_paths: allow,
    };
    (Some(config), diags)
}

/// Collects diagnostics for one `build`.
struct Checker<'a> {
    origin: &'a str,
    diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn at(&self, path: &str) -> Place {
        Place::config(self.origin, path)
    }
    fn error(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::error(self.at(path), message);
        d.hint = hint;
        self.diags.push(d);
    }
    fn warning(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::warning(self.at(path), message);
        d.hint = hint;
        self.diags.push(d);
    }
    fn note(&mut self, path: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic::note(self.at(path), message));
    }

    /// Charts before 0.1.1 had one volume per kind, its fields directly under `data`/`outputs`
    /// (`data: {existingClaim: , mountPath: /data, size: 10Gi}`), and chart 0.0.1 one volume directly
    /// under `persistence`. Report each such place once, with the named-entry shape to write instead,
    /// and return the keys (`data`, `outputs`, `mountPath`...) whose schema errors this replaces.
    fn flat_shapes(&mut self, root: &Map<String, Value>) -> Vec<String> {
        let mut handled = Vec::new();
        for role in [Role::Data, Role::Outputs] {
            let Some(Value::Object(m)) = root.get(role.key()) else {
                continue;
            };
            let is_flat = m.iter().any(|(k, v)| {
                (FLAT_VOLUME_KEYS.contains(&k.as_str()) || ENTRY_KEYS.contains(&k.as_str()))
                    && !v.is_object()
            });
            if is_flat {
                let key = role.key();
                self.error(
                    &format!("persistence.{key}"),
                    format!(
                        "`{key}` has the single-volume shape of Polyaxon charts before 0.1.1; stowage needs named entries (charts 0.1.1 and later)"
                    ),
                    Some(format!(
                        "write `{key}: {{{key}: {}}}`: each key under `{key}` names a volume; `size`, `accessMode`, `storageClass` and `enabled` go away because stowage mounts an existing claim and never creates one",
                        flat_example(key, m)
                    )),
                );
                handled.push(key.to_string());
            }
        }
        // Chart 0.0.1: `persistence: {enabled, accessMode, size, mountPath}`.
        let root_volume: Vec<&String> = root
            .keys()
            .filter(|k| matches!(k.as_str(), "mountPath" | "existingClaim" | "hostPath"))
            .collect();
        if !root_volume.is_empty() {
            self.error(
                "persistence",
                "`persistence` has the single-volume shape of Polyaxon chart 0.0.1; stowage needs named `data` and `outputs` entries (charts 0.1.1 and later)",
                Some(format!(
                    "write `persistence: {{data: {{data: {}}}}}`; `size`, `accessMode`, `storageClass` and `enabled` go away because stowage mounts an existing claim and never creates one",
                    flat_example("data", root)
                )),
            );
            handled.extend(root_volume.into_iter().cloned());
        }
        handled
    }

    /// Entry names become volume names (and, for buckets, `<name>-credentials`).
    fn entry_name(&mut self, path: &str, name: &str, value: &Value) {
        if !k8s::is_dns1123_label(name) {
            self.error(
                path,
                format!(
                    "entry name `{name}` can't be a volume name: it must be a DNS-1123 label (lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters)"
                ),
                Some(format!("rename it, e.g. `{}`", label_suggestion(name))),
            );
            return;
        }
        let is_bucket = value
            .as_object()
            .is_some_and(|m| text(m, "store").is_some() || text(m, "bucket").is_some());
        let max = k8s::DNS1123_LABEL_MAX - CREDENTIALS_SUFFIX.len();
        if is_bucket && name.len() > max {
            self.error(
                path,
                format!(
                    "bucket entry name `{name}` is too long: its credentials volume `{name}{CREDENTIALS_SUFFIX}` would have {} characters, and volume names have at most 63",
                    name.len() + CREDENTIALS_SUFFIX.len()
                ),
                Some(format!("use a name of at most {max} characters")),
            );
        }
    }

    /// The rules for one entry whose structure the schema accepted. Returns the typed entry when
    /// its source could be worked out (the caller only builds a config when there is no error).
    fn entry(
        &mut self,
        role: Role,
        name: &str,
        path: &str,
        m: &Map<String, Value>,
        allow: &[String],
    ) -> Option<Entry> {
        let at = |key: &str| format!("{path}.{key}");
        let host = text(m, "hostPath");
        let claim = text(m, "existingClaim");
        let is_bucket = text(m, "store").is_some() || text(m, "bucket").is_some();

        let sources: Vec<&str> = [
            ("`hostPath`", host.is_some()),
            ("`existingClaim`", claim.is_some()),
            ("`store` + `bucket`", is_bucket),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        match sources.len() {
            1 => {}
            0 => {
                self.error(
                    path,
                    "entry has no source: set one of `hostPath`, `existingClaim`, or `store` + `bucket`",
                    Some(format!("e.g. `{name}: {{mountPath: /{}/{name}, existingClaim: {name}-pvc}}`", role.key())),
                );
                return None;
            }
            _ => {
                self.error(
                    path,
                    format!(
                        "entry has more than one source ({}); an entry mounts exactly one",
                        sources.join(" and ")
                    ),
                    Some("keep one, or split it into one entry per source".into()),
                );
                return None;
            }
        }

        // Fields that only mean something for another kind of source: refuse rather than drop silently.
        if !is_bucket {
            for key in ["secret", "secretKey", "mount", "mountOptions"] {
                if text(m, key).is_some() {
                    self.error(
                        &at(key),
                        format!("`{key}` only applies to bucket entries (`store` + `bucket`)"),
                        Some(format!("remove `{key}`")),
                    );
                }
            }
        }
        if host.is_none() && text(m, "hostPathType").is_some() {
            self.error(
                &at("hostPathType"),
                "`hostPathType` only applies to `hostPath` entries",
                Some("remove `hostPathType`".into()),
            );
        }

        let mount_path =
            text(m, "mountPath").and_then(|p| self.clean_path(&at("mountPath"), "mountPath", p));
        if let Some(mp) = &mount_path {
            if mp == "/" {
                self.error(
                    &at("mountPath"),
                    "`mountPath` must not be `/`: it would hide the container's whole filesystem",
                    None,
                );
            } else if mp == CREDENTIALS_MOUNT_ROOT || is_under(mp, CREDENTIALS_MOUNT_ROOT) {
                self.error(
                    &at("mountPath"),
                    format!("`{mp}` is reserved: stowage mounts bucket credentials under `{CREDENTIALS_MOUNT_ROOT}`"),
                    Some("choose another mountPath".into()),
                );
            }
        }
        let needs_mount_path = |ck: &mut Self, what: &str| {
            if text(m, "mountPath").is_none() {
                ck.error(
                    &at("mountPath"),
                    format!("`mountPath` is required for {what} entry"),
                    Some(format!("e.g. `mountPath: /{}/{name}`", role.key())),
                );
            }
        };

        let source = if let Some(h) = host {
            needs_mount_path(self, "a `hostPath`");
            let path_on_node = self.host_path(path, m, h, allow);
            Source::HostPath {
                path: path_on_node?,
                kind: text(m, "hostPathType").map(str::to_string),
            }
        } else if let Some(c) = claim {
            needs_mount_path(self, "an `existingClaim`");
            if !k8s::is_dns1123_subdomain(c) {
                self.error(
                    &at("existingClaim"),
                    format!("`{c}` is not a valid PersistentVolumeClaim name (DNS-1123 subdomain)"),
                    None,
                );
            }
            Source::Claim {
                claim: c.to_string(),
            }
        } else {
            self.bucket(role, name, path, m)?
        };

        let sub_path = text(m, "subPath").map(str::to_string);
        if let Some(sp) = &sub_path
            && let Some(problem) = k8s::local_descending_path_problem(sp)
        {
            self.error(
                &at("subPath"),
                format!("`subPath` {problem}"),
                Some("use a path relative to the volume's root".into()),
            );
        }
        let read_only = flag(m, "readOnly");
        if role == Role::Outputs && read_only {
            self.warning(
                &at("readOnly"),
                "read-only outputs entry: the workload can't write its outputs there",
                Some(
                    "remove `readOnly: true` unless the workload only reads earlier outputs".into(),
                ),
            );
        }
        Some(Entry {
            name: name.to_string(),
            role,
            source,
            mount_path,
            read_only,
            sub_path,
            default: role == Role::Outputs && flag(m, "default"),
        })
    }

    /// Check a `hostPath` and return it clean: absolute, no `..`, not sensitive unless allowed.
    fn host_path(
        &mut self,
        path: &str,
        m: &Map<String, Value>,
        host: &str,
        allow: &[String],
    ) -> Option<String> {
        let at = format!("{path}.hostPath");
        let clean = self.clean_path(&at, "hostPath", host)?;
        if let Some(why) = sensitive_host_path(&clean)
            && !allow.iter().any(|a| clean == *a || is_under(&clean, a))
        {
            self.error(
                &at,
                format!("refusing to mount `{clean}` from the node: it is {why}"),
                Some(format!("mount a dedicated data directory instead; if you really mean it, add `{clean}` to `persistence.allowHostPaths`")),
            );
        }
        self.warning(
            &at,
            "Pod Security `baseline` (and `restricted`) forbid hostPath volumes: pods in namespaces that enforce them will be rejected",
            Some("use `existingClaim` with a PersistentVolumeClaim where Pod Security is enforced".into()),
        );
        if !flag(m, "readOnly") {
            self.warning(
                &at,
                "writable hostPath: the workload can write to the node's filesystem (and, through symlinks, outside this directory)",
                Some("set `readOnly: true` unless the workload must write there".into()),
            );
        }
        if let Some(t @ ("DirectoryOrCreate" | "FileOrCreate")) = text(m, "hostPathType") {
            self.warning(
                &format!("{path}.hostPathType"),
                format!("`{t}` creates a root-owned path on the node when it is missing"),
                Some("prefer `Directory` or `File`, so a typo fails instead of creating an empty path".into()),
            );
        }
        Some(clean)
    }

    /// The rules of a `store` + `bucket` entry.
    fn bucket(
        &mut self,
        role: Role,
        name: &str,
        path: &str,
        m: &Map<String, Value>,
    ) -> Option<Source> {
        let at = |key: &str| format!("{path}.{key}");
        let url = text(m, "bucket");
        let store = match text(m, "store") {
            Some(s) => Store::parse(s), // anything else is the schema's enum error
            None => {
                let guess = url
                    .and_then(|u| u.split_once("://"))
                    .and_then(|(scheme, _)| Store::for_scheme(scheme));
                self.error(
                    &at("store"),
                    "a `bucket` entry needs a `store` (gcs, s3 or azure)",
                    Some(match guess {
                        Some(s) => format!("add `store: {}`", s.as_str()),
                        None => "add `store: gcs`, `store: s3` or `store: azure`".into(),
                    }),
                );
                None
            }
        };
        let Some(url) = url else {
            let example = match store {
                Some(Store::S3) => "s3://my-bucket",
                Some(Store::Azure) => "wasbs://my-container@myaccount.blob.core.windows.net/",
                _ => "gs://my-bucket",
            };
            self.error(
                &at("bucket"),
                "a `store` entry needs a `bucket`",
                Some(format!("e.g. `bucket: {example}`")),
            );
            return None;
        };
        let store = store?;
        if let Err((message, hint)) = check_bucket_url(store, url) {
            self.error(&at("bucket"), message, Some(hint));
        }

        let secret = text(m, "secret");
        let secret_key = text(m, "secretKey");
        let create = format!(
            "kubectl create secret generic {}-secret --from-file=key.json=path/key.json",
            store.as_str()
        );
        match secret {
            None => self.error(
                &at("secret"),
                format!("`secret` is required for `store: {}`: the name of the Secret that holds the credentials", store.as_str()),
                Some(format!("create one with `{create}` and set `secret: {}-secret`", store.as_str())),
            ),
            Some(s) if !k8s::is_dns1123_subdomain(s) => {
                self.error(&at("secret"), format!("`{s}` is not a valid Secret name (DNS-1123 subdomain)"), None)
            }
            Some(_) => {}
        }
        match secret_key {
            None => self.error(
                &at("secretKey"),
                format!("`secretKey` is required for `store: {}`: the key of the Secret that holds the credentials JSON", store.as_str()),
                Some("e.g. `secretKey: key.json` for a secret made with `--from-file=key.json=...`".into()),
            ),
            Some(k) if !k8s::is_config_key(k) => self.error(
                &at("secretKey"),
                format!("`{k}` is not a valid Secret key (`[-._a-zA-Z0-9]+`, not `.` or `..`)"),
                None,
            ),
            Some(_) => {}
        }

        let csi = text(m, "mount") == Some("csi");
        match (text(m, "mountPath").is_some(), csi) {
            (true, false) => self.error(
                &at("mountPath"),
                "a bucket is not mounted as a filesystem, so `mountPath` would be an empty directory (as it silently was in Polyaxon)",
                Some("add `mount: csi` to mount the bucket through its CSI driver, or remove `mountPath` to pass the bucket URL to the workload".into()),
            ),
            (false, true) => self.error(
                &at("mount"),
                "`mount: csi` needs a `mountPath`",
                Some(format!("e.g. `mountPath: /{}/{name}`", role.key())),
            ),
            _ => {}
        }
        // A CSI volume mounts a whole bucket (GCS) or container (Azure): a path in the URL would be
        // silently dropped and the workload would see everything above it.
        if csi
            && let Some(parsed) = parse_bucket_url(url)
            && !parsed.path.trim_matches('/').is_empty()
        {
            self.error(
                        &at("bucket"),
                        format!(
                            "`mount: csi` mounts the whole bucket or container, but `{url}` names the path `{}` inside it",
                            parsed.path.trim_matches('/')
                        ),
                        Some("use the bucket URL without a path (for GCS, `mountOptions: only-dir=<path>` mounts one directory), or drop `mount: csi`".into()),
                    );
        }
        if !csi && text(m, "mountOptions").is_some() {
            self.error(
                &at("mountOptions"),
                "`mountOptions` only applies with `mount: csi`",
                Some("add `mount: csi` and a `mountPath`, or remove `mountOptions`".into()),
            );
        }
        Some(Source::Bucket {
            store,
            bucket: url.to_string(),
            secret: secret.unwrap_or_default().to_string(),
            secret_key: secret_key.unwrap_or_default().to_string(),
            csi,
            mount_options: text(m, "mountOptions").map(str::to_string),
        })
    }

    /// Make an absolute path canonical (`/data//x/` → `/data/x`, with a note). `.` and `..`
    /// elements are refused rather than resolved: kubelet and the API do not agree on them.
    fn clean_path(&mut self, at: &str, field: &str, p: &str) -> Option<String> {
        if field == "mountPath" && p.contains(':') {
            self.error(
                at,
                format!("`mountPath` must not contain `:` (got `{p}`)"),
                None,
            );
            return None;
        }
        if !p.starts_with('/') {
            self.error(
                at,
                format!("`{field}` must be an absolute path (got `{p}`)"),
                Some(format!("write `/{p}`")),
            );
            return None;
        }
        let mut parts = Vec::new();
        for part in p.split('/') {
            match part {
                "" => {}
                "." | ".." => {
                    self.error(
                        at,
                        format!("`{field}` must not contain a `{part}` element (got `{p}`)"),
                        Some("write the path without it".into()),
                    );
                    return None;
                }
                _ => parts.push(part),
            }
        }
        let clean = format!("/{}", parts.join("/"));
        if clean != p {
            self.note(at, format!("`{field}` `{p}` normalised to `{clean}`"));
        }
        Some(clean)
    }

    /// Rules between entries: unique volume names and mount paths, one default outputs entry.
    /// `declared` holds every entry name the loop looked at, including entries with errors.
    fn across_entries(&mut self, declared: &[(Role, &str)], data: &[Entry], outputs: &[Entry]) {
        let path_of = |e: &Entry| format!("persistence.{}.{}", e.role.key(), e.name);
        let all: Vec<&Entry> = data.iter().chain(outputs).collect();

        // Volume names: a data and an outputs entry can be mounted together, and a bucket entry
        // brings `<name>-credentials` along.
        for (_, name) in declared.iter().filter(|(role, _)| *role == Role::Outputs) {
            if declared.contains(&(Role::Data, name)) {
                self.error(
                    &format!("persistence.outputs.{name}"),
                    format!("`{name}` is both a data and an outputs entry; entry names are volume names and must differ"),
                    Some("rename one of them".into()),
                );
            }
        }
        for e in &all {
            if let Source::Bucket { .. } = e.source {
                let volume = format!("{}{CREDENTIALS_SUFFIX}", e.name);
                if let Some(other) = all.iter().find(|o| o.name == volume) {
                    self.error(
                        &path_of(other),
                        format!("entry name `{volume}` clashes with the credentials volume of bucket entry `{}`", e.name),
                        Some("rename it".into()),
                    );
                }
            }
        }

        // Mount paths, compared after normalisation, between entries that can be mounted together:
        // every data entry (all are mounted by default) and one outputs entry. Two outputs entries
        // are alternatives, so they may share a mountPath.
        let mounted: Vec<(&Entry, &str)> = all
            .iter()
            .filter_map(|e| e.mount_path.as_deref().map(|p| (*e, p)))
            .collect();
        for (j, (later, lp)) in mounted.iter().enumerate() {
            let mut compared = HashSet::new(); // an earlier duplicate was reported already
            for (earlier, ep) in &mounted[..j] {
                if later.role == Role::Outputs && earlier.role == Role::Outputs {
                    continue;
                }
                if !compared.insert(*ep) {
                    continue;
                }
                if lp == ep {
                    self.error(
                        &format!("{}.mountPath", path_of(later)),
                        format!("mountPath `{lp}` is already the mountPath of `{}`", path_of(earlier)),
                        Some("mount paths must be unique: data and outputs entries are mounted in the same containers".into()),
                    );
                } else if is_under(lp, ep) || is_under(ep, lp) {
                    let (inner, outer) = if is_under(lp, ep) { (lp, ep) } else { (ep, lp) };
                    self.warning(
                        &format!("{}.mountPath", path_of(later)),
                        format!(
                            "mountPath `{lp}` and `{ep}` (`{}`) are nested: when both are mounted, `{inner}` hides that part of the volume at `{outer}`",
                            path_of(earlier)
                        ),
                        None,
                    );
                }
            }
        }

        // Bucket URLs of data entries: POLYSTORES_RUN_STORES_ACCESS_KEYS maps each URL to one
        // credential, so two data entries on one URL would lose one of them.
        for (j, later) in data.iter().enumerate() {
            let Source::Bucket {
                bucket: lb,
                csi: false,
                ..
            } = &later.source
            else {
                continue;
            };
            let same = data[..j].iter().find(
                |e| matches!(&e.source, Source::Bucket { bucket, csi: false, .. } if bucket == lb),
            );
            if let Some(earlier) = same {
                self.error(
                    &format!("{}.bucket", path_of(later)),
                    format!("bucket `{lb}` is already the bucket of `{}`", path_of(earlier)),
                    Some("the run contract maps each bucket URL to one credential: keep one entry per bucket".into()),
                );
            }
        }

        // One default outputs entry.
        let defaults: Vec<&Entry> = outputs.iter().filter(|e| e.default).collect();
        for extra in defaults.iter().skip(1) {
            self.error(
                &format!("{}.default", path_of(extra)),
                format!(
                    "only one outputs entry may have `default: true`; `{}` already has it",
                    defaults[0].name
                ),
                Some("remove `default: true` from all but one".into()),
            );
        }
    }

    /// `allowHostPaths`, cleaned. Invalid items are the schema's to report.
    fn allow_host_paths(&mut self, root: &Map<String, Value>) -> Vec<String> {
        let Some(Value::Array(items)) = root.get("allowHostPaths") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Value::String(p) = item
                && p.starts_with('/')
                && let Some(clean) = self.clean_path(
                    &format!("persistence.allowHostPaths[{i}]"),
                    "allowHostPaths",
                    p,
                )
            {
                out.push(clean);
            }
        }
        out
    }

    /// The `outputsPath` template: it must compile, use only `namespace`, `name` and `kind`, and
    /// render to a relative path that stays below the outputs root.
    fn outputs_path(&mut self, root: &Map<String, Value>) -> String {
        let Some(template) = text(root, "outputsPath") else {
            return DEFAULT_OUTPUTS_PATH.to_string();
        };
        let at = "persistence.outputsPath";
        let vars = OUTPUTS_PATH_VARIABLES
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let compiled = match handlebars::Template::compile(template) {
            Ok(t) => t,
            Err(e) => {
                self.error(
                    at,
                    format!("`outputsPath` is not a valid handlebars template: {e}"),
                    Some(format!("e.g. `{DEFAULT_OUTPUTS_PATH}`")),
                );
                return template.to_string();
            }
        };
        let mut problems = Vec::new();
        template_variables(&compiled.elements, &mut problems);
        for problem in &problems {
            let hint = report::did_you_mean(problem, OUTPUTS_PATH_VARIABLES.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("the variables are {vars}"));
            self.error(
                at,
                format!("`outputsPath` uses `{problem}`, which is not a template variable"),
                Some(hint),
            );
        }
        if problems.is_empty() {
            let mut hb = handlebars::Handlebars::new();
            hb.set_strict_mode(true);
            hb.register_escape_fn(handlebars::no_escape);
            let sample = serde_json::json!({"namespace": "team-a", "name": "train", "kind": "Job"});
            match hb.render_template(template, &sample) {
                Err(e) => self.error(at, format!("`outputsPath` does not render: {e}"), None),
                Ok(p) if p.is_empty() || p.starts_with('/') || k8s::has_backsteps(&p) => self.error(
                    at,
                    format!("`outputsPath` must render to a relative path below the outputs root, but renders `{p}` for a Job `train` in namespace `team-a`"),
                    Some(format!("e.g. `{DEFAULT_OUTPUTS_PATH}`")),
                ),
                Ok(_) => {}
            }
        }
        template.to_string()
    }

    /// `workloadKinds`; structure (required keys, path syntax) is the schema's.
    fn workload_kinds(&mut self, root: &Map<String, Value>) -> Vec<WorkloadKind> {
        let Some(Value::Array(items)) = root.get("workloadKinds") else {
            return Vec::new();
        };
        let mut out: Vec<WorkloadKind> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Value::Object(m) = item else { continue };
            let Some(kind) = text(m, "kind") else {
                continue;
            };
            let kind = WorkloadKind {
                api_version: text(m, "apiVersion").map(str::to_string),
                kind: kind.to_string(),
                pod_spec_paths: string_list(m, "podSpecPaths").unwrap_or_default(),
            };
            if out
                .iter()
                .any(|k| k.kind == kind.kind && k.api_version == kind.api_version)
            {
                self.error(
                    &format!("persistence.workloadKinds[{i}]"),
                    format!("workload kind `{}` is listed twice", kind.kind),
                    Some("list all its pod spec paths in one item".into()),
                );
                continue;
            }
            out.push(kind);
        }
        out
    }

    /// `env` overrides of the injected env var names. They must be valid and must not collide,
    /// including with the per-credential names `<credentialsPrefix><ENTRY>`.
    fn env_names<'e>(
        &mut self,
        root: &Map<String, Value>,
        entries: impl Iterator<Item = &'e Entry>,
    ) -> EnvNames {
        let mut env = EnvNames::default();
        let Some(Value::Object(m)) = root.get("env") else {
            return env;
        };
        let fields: [(&str, &mut String); 5] = [
            ("dataPaths", &mut env.data_paths),
            ("outputsPath", &mut env.outputs_path),
            ("storesAccessKeys", &mut env.stores_access_keys),
            ("credentialsPrefix", &mut env.credentials_prefix),
            ("googleCredentials", &mut env.google_credentials),
        ];
        for (key, slot) in fields {
            if let Some(name) = text(m, key) {
                if !k8s::is_env_name(name) {
                    self.error(
                        &format!("persistence.env.{key}"),
                        format!("`{name}` is not a valid env var name"),
                        Some("use letters, digits and `_`, not starting with a digit".into()),
                    );
                }
                *slot = name.to_string();
            }
        }
        let mut names = vec![
            ("dataPaths", env.data_paths.clone()),
            ("outputsPath", env.outputs_path.clone()),
            ("storesAccessKeys", env.stores_access_keys.clone()),
            ("googleCredentials", env.google_credentials.clone()),
        ];
        for e in entries {
            if matches!(e.source, Source::Bucket { .. }) {
                let var = format!(
                    "{}{}",
                    env.credentials_prefix,
                    e.name.to_uppercase().replace('-', "_")
                );
                names.push(("credentialsPrefix", var));
            }
        }
        for (j, (key, name)) in names.iter().enumerate() {
            if let Some((other, _)) = names[..j].iter().find(|(_, n)| n == name) {
                self.error(
                    &format!("persistence.env.{key}"),
                    format!("env var `{name}` would be injected twice (also from `env.{other}`)"),
                    Some("give each injected env var its own name".into()),
                );
            }
        }
        env
    }
}

// ------------------------------------------------------------------------------------------------
// Schema errors → diagnostics

struct SchemaReport {
    diags: Vec<Diagnostic>,
    /// Entries (`persistence.data.x`) with a structural error: the semantic rules skip them, or
    /// they would report consequences of the same mistake ("no source" after a misspelt key).
    broken_entries: HashSet<String>,
}

fn schema_diagnostics(instance: &Value, origin: &str, flat: &[String]) -> SchemaReport {
    use jsonschema::error::ValidationErrorKind as K;
    let mut report = SchemaReport {
        diags: Vec::new(),
        broken_entries: HashSet::new(),
    };
    // Pointers under a flat-shape key were already reported as one error.
    let replaced = |pointer: &str| {
        flat.iter().any(|k| {
            let p = format!("/{k}");
            pointer == p || pointer.starts_with(&format!("{p}/"))
        })
    };
    for err in validator().iter_errors(instance) {
        let pointer = err.instance_path().as_str().to_string();
        if replaced(&pointer) {
            continue;
        }
        let segments = pointer_segments(&pointer);
        let path = dotted(instance, &segments);
        let field = field_name(instance, &segments);
        let node = schema_node(err.schema_path().as_str());
        let value = err.instance();
        let structural = !matches!(
            err.kind(),
            K::Pattern { .. }
                | K::Custom { .. }
                | K::Enum { .. }
                | K::MaxLength { .. }
                | K::MinItems { .. }
                | K::UniqueItems
        );
        if structural && segments.len() >= 2 && (segments[0] == "data" || segments[0] == "outputs")
        {
            report
                .broken_entries
                .insert(format!("persistence.{}.{}", segments[0], segments[1]));
        }
        let place = Place::config(origin, path.clone());
        let diag = match err.kind() {
            // Entry names are checked by `Checker::entry_name`, which also knows the bucket limit.
            K::PropertyNames { .. } => continue,
            K::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    let child = format!("{pointer}/{key}");
                    if replaced(&child) {
                        continue;
                    }
                    report
                        .diags
                        .push(unknown_key(origin, &path, &segments, key, node));
                }
                continue;
            }
            K::Type { .. } => {
                let expected = expected_types(node);
                let d = Diagnostic::error(
                    place,
                    format!("`{field}` must be {expected}, not {}", describe(value)),
                );
                match type_hint(&segments, &expected, value) {
                    Some(h) => d.with_hint(h),
                    None => d,
                }
            }
            K::Enum { options } => {
                let choices: Vec<&str> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                let listed = choices
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let d = Diagnostic::error(
                    place,
                    format!("`{field}` must be one of {listed}, not {}", describe(value)),
                );
                match value
                    .as_str()
                    .and_then(|s| report::did_you_mean(s, choices.iter().copied()))
                {
                    Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                    None => d,
                }
            }
            // `pattern` is a custom keyword here: see `pattern_check`.
            K::Pattern { .. } | K::Custom { .. } => {
                let rule = node
                    .and_then(|n| n.get("x-message"))
                    .and_then(Value::as_str)
                    .unwrap_or("has the wrong form");
                Diagnostic::error(place, format!("`{field}` {rule}, not {}", describe(value)))
            }
            K::MaxLength { limit } => Diagnostic::error(
                place,
                format!(
                    "`{field}` must be at most {limit} characters (it has {})",
                    value.as_str().map_or(0, |s| s.chars().count())
                ),
            ),
            K::MinItems { .. } => {
                let d = Diagnostic::error(place, format!("`{field}` must not be empty"));
                if field == "containers" {
                    d.with_hint("remove `containers` to select every container")
                } else {
                    d
                }
            }
            K::UniqueItems => {
                Diagnostic::error(place, format!("`{field}` lists the same item twice"))
            }
            K::Required { property } => Diagnostic::error(
                place,
                format!(
                    "`{field}` needs `{}`",
                    property.as_str().unwrap_or_default()
                ),
            ),
            _ => Diagnostic::error(place, format!("`{field}`: {err}")),
        };
        report.diags.push(diag);
    }
    report
}

fn unknown_key(
    origin: &str,
    path: &str,
    segments: &[String],
    key: &str,
    node: Option<&Value>,
) -> Diagnostic {
    let place = Place::config(origin, format!("{path}.{key}"));
    let in_data_entry = segments.len() == 2 && segments[0] == "data";
    if in_data_entry && key == "default" {
        return Diagnostic::error(place, "`default` only applies to outputs entries")
            .with_hint("remove it: every data entry is mounted unless a workload's `stowage.dev/data` annotation says otherwise");
    }
    let known: Vec<&str> = node
        .and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let d = Diagnostic::error(place, format!("unknown key `{key}`"));
    match report::did_you_mean(key, known.iter().copied()) {
        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
        None if segments.len() == 2 && (segments[0] == "data" || segments[0] == "outputs") => d
            .with_hint(format!(
                "an entry's keys are {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        None => d,
    }
}

fn type_hint(segments: &[String], expected: &str, value: &Value) -> Option<String> {
    let is_role = |s: &String| s == "data" || s == "outputs";
    if expected.starts_with("a boolean") && value.is_string() {
        return Some("write `true` or `false` without quotes".into());
    }
    match segments {
        [role] if is_role(role) && value.is_array() => Some(format!(
            "`{role}` maps entry names to entries, e.g. `{role}: {{{role}1: {{mountPath: /{role}/1, existingClaim: {role}-1-pvc}}}}`; to pick entries per workload use the `stowage.dev/{role}` annotation"
        )),
        [role, name] if is_role(role) => Some(format!(
            "an entry is a mapping, e.g. `{name}: {{mountPath: /{role}/{name}, existingClaim: {name}-pvc}}`"
        )),
        _ => None,
    }
}

/// The schema object that holds the failing keyword (`/$defs/mountPath/pattern` → `$defs.mountPath`).
fn schema_node(keyword_pointer: &str) -> Option<&'static Value> {
    let parent = keyword_pointer.rsplit_once('/').map_or("", |(p, _)| p);
    schema_value().pointer(parent)
}

/// "a string", "a boolean (true or false)", ... from a schema node's `type` (null left out: it
/// only means "absent" here).
fn expected_types(node: Option<&Value>) -> String {
    let types: Vec<&str> = match node.and_then(|n| n.get("type")) {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let names: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "object" => "a mapping",
            "array" => "a list",
            "string" => "a string",
            "boolean" => "a boolean (true or false)",
            "integer" => "an integer",
            "number" => "a number",
            other => other,
        })
        .collect();
    if names.is_empty() {
        "something else".into()
    } else {
        names.join(" or ")
    }
}

/// How a value reads in a message: `the string "true"`, `the number 5`, `a list`.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

fn pointer_segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// `/data/data-s3/bucket` → `persistence.data.data-s3.bucket`; list items as `[i]`
/// (`persistence.containers[1]`). Walks the instance so that an entry named `0` stays a key.
fn dotted(instance: &Value, segments: &[String]) -> String {
    let mut out = String::from("persistence");
    let mut cur = Some(instance);
    for seg in segments {
        match cur {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{seg}]"));
                cur = seg.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            _ => {
                out.push('.');
                out.push_str(seg);
                cur = cur.and_then(|c| c.get(seg.as_str()));
            }
        }
    }
    out
}

/// The last element of a path as a message calls it: `readOnly`, `containers[1]`, `persistence`.
fn field_name(instance: &Value, segments: &[String]) -> String {
    match segments.split_last() {
        None => "persistence".into(),
        Some((last, parent)) => {
            let full = dotted(instance, segments);
            let parent_path = dotted(instance, parent);
            match full.strip_prefix(&parent_path) {
                Some(rest) if rest.starts_with('[') => {
                    format!(
                        "{}{rest}",
                        parent.last().map_or("persistence", String::as_str)
                    )
                }
                _ => last.clone(),
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Small pure helpers

/// A string field, where null and "" mean absent (real charts write `existingClaim:` empty).
fn text<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    match m.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// A boolean field; only a real `true` counts (the schema rejects the string "true").
fn flag(m: &Map<String, Value>, key: &str) -> bool {
    matches!(m.get(key), Some(Value::Bool(true)))
}

/// A non-empty list of strings, or None.
fn string_list(m: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    match m.get(key) {
        Some(Value::Array(items)) if !items.is_empty() => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    }
}

/// True when clean absolute `child` lies strictly below `parent`.
fn is_under(child: &str, parent: &str) -> bool {
    if parent == "/" {
        return child != "/";
    }
    child.len() > parent.len()
        && child.starts_with(parent)
        && child.as_bytes()[parent.len()] == b'/'
}

/// Why a clean absolute host path must not be mounted, if it must not.
fn sensitive_host_path(path: &str) -> Option<String> {
    let all = SENSITIVE_HOST_PATHS.iter().chain(SENSITIVE_HOST_TREES);
    for (p, why) in all.clone() {
        if path == *p {
            return Some((*why).to_string());
        }
    }
    for (p, why) in SENSITIVE_HOST_TREES {
        if is_under(path, p) {
            return Some(format!("under `{p}`, {why}"));
        }
    }
    // Mounting a parent exposes the sensitive path inside it (`/var` holds `/var/run/docker.sock`).
    for (p, why) in all {
        if is_under(p, path) {
            return Some(format!("a parent of `{p}`, {why}"));
        }
    }
    None
}

/// Check a bucket URL against its store the way Polyaxon's stores parse it. Err: (message, hint).
fn check_bucket_url(store: Store, url: &str) -> Result<(), (String, String)> {
    let example = match store {
        Store::Gcs => "gs://<bucket>/<optional path>",
        Store::S3 => "s3://<bucket>/<optional path>",
        Store::Azure => "wasbs://<container>@<account>.blob.core.windows.net/<optional path>",
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err((
            format!("bucket `{url}` is not a URL"),
            format!("a `{}` bucket is written `{example}`", store.as_str()),
        ));
    };
    if !store.schemes().contains(&scheme) {
        let hint = match Store::for_scheme(scheme) {
            Some(other) => format!(
                "`{scheme}://` is a `{}` bucket: did you mean `store: {}`?",
                other.as_str(),
                other.as_str()
            ),
            None => format!("a `{}` bucket is written `{example}`", store.as_str()),
        };
        return Err((
            format!("bucket `{url}` does not match `store: {}`", store.as_str()),
            hint,
        ));
    }
    let netloc = rest.split('/').next().unwrap_or_default();
    if netloc.is_empty() {
        return Err((
            format!("bucket `{url}` has no bucket name"),
            format!("write `{example}`"),
        ));
    }
    if store == Store::Azure {
        // Polyaxon: "wasb connection string must be of the form <container>@<account>.blob.core.windows.net".
        let ok = netloc.split_once('@').is_some_and(|(container, host)| {
            !container.is_empty()
                && host
                    .strip_suffix(".blob.core.windows.net")
                    .is_some_and(|account| !account.is_empty() && !account.contains('.'))
        });
        if !ok {
            return Err((
                format!("azure bucket `{url}` must name a container and an account"),
                format!("write `{example}`"),
            ));
        }
    }
    Ok(())
}

/// The parts of a bucket URL: the bucket (the container for Azure), the Azure account, and the
/// path inside the bucket without a leading `/`. None when `url` is not a bucket URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketUrl<'a> {
    pub bucket: &'a str,
    pub account: Option<&'a str>,
    pub path: &'a str,
}

pub fn parse_bucket_url(url: &str) -> Option<BucketUrl<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    Store::for_scheme(scheme)?;
    let (netloc, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (bucket, account) = match netloc.split_once('@') {
        Some((container, host)) => (container, host.split('.').next()),
        None => (netloc, None),
    };
    (!bucket.is_empty()).then_some(BucketUrl {
        bucket,
        account,
        path,
    })
}

/// The entry to show for a flat single-volume mapping: its mountPath and source, or placeholders.
fn flat_example(key: &str, m: &Map<String, Value>) -> String {
    let mount = text(m, "mountPath").map_or_else(|| format!("/{key}"), str::to_string);
    let source = match (text(m, "hostPath"), text(m, "existingClaim")) {
        (Some(h), _) => format!("hostPath: {h}"),
        (None, Some(c)) => format!("existingClaim: {c}"),
        (None, None) => "existingClaim: my-claim".to_string(),
    };
    format!("{{mountPath: {mount}, {source}}}")
}

/// A DNS-1123 label close to `name`, for the hint of a bad entry name.
fn label_suggestion(name: &str) -> String {
    let mut s: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.truncate(k8s::DNS1123_LABEL_MAX);
    let s = s.trim_matches('-');
    if s.is_empty() {
        "data-1".into()
    } else {
        s.to_string()
    }
}

/// Names an `outputsPath` template reads that are not template variables. Inside `#each`/`#with`
/// blocks the context changes, so only `#if`/`#unless` bodies are looked into.
fn template_variables(
    elements: &[handlebars::template::TemplateElement],
    problems: &mut Vec<String>,
) {
    use handlebars::template::{Parameter, TemplateElement as E};
    fn param(p: &Parameter, problems: &mut Vec<String>) {
        match p {
            Parameter::Name(n) => variable(n, problems),
            Parameter::Path(handlebars::Path::Relative((_, raw))) => variable(raw, problems),
            Parameter::Path(handlebars::Path::Local(_)) | Parameter::Literal(_) => {}
            Parameter::Subexpression(sub) => {
                if let Some(params) = sub.params() {
                    params.iter().for_each(|p| param(p, problems));
                }
            }
            _ => {}
        }
    }
    fn variable(raw: &str, problems: &mut Vec<String>) {
        let name = raw.trim_start_matches("this.").trim_start_matches("./");
        let head = name.split(['.', '/']).next().unwrap_or_default();
        if !OUTPUTS_PATH_VARIABLES.contains(&head) && !problems.iter().any(|p| p == head) {
            problems.push(head.to_string());
        }
    }
    for el in elements {
        match el {
            E::Expression(h) | E::HtmlExpression(h) => {
                if h.params.is_empty() && h.hash.is_empty() {
                    param(&h.name, problems); // `{{name}}`: a variable
                } else {
                    h.params
                        .iter()
                        .chain(h.hash.values())
                        .for_each(|p| param(p, problems));
                }
            }
            E::HelperBlock(h) => {
                h.params
                    .iter()
                    .chain(h.hash.values())
                    .for_each(|p| param(p, problems));
                let name = match &h.name {
                    Parameter::Name(n) => n.as_str(),
                    _ => "",
                };
                if matches!(name, "if" | "unless") {
                    for t in [&h.template, &h.inverse].into_iter().flatten() {
                        template_variables(&t.elements, problems);
                    }
                }
            }
            E::DecoratorExpression(_)
            | E::DecoratorBlock(_)
            | E::PartialExpression(_)
            | E::PartialBlock(_) => {
                problems.push("partials and decorators".into());
            }
            E::RawString(_) | E::Comment(_) => {}
            _ => problems.push("unsupported template syntax".into()),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Values files

/// Read `--values` files and merge their `persistence` keys like Helm merges values files: later
/// files win key by key, maps merge recursively, any other value replaces, and `null` deletes the
/// key. A file without `persistence` contributes nothing. Returns the merged `persistence` value
/// (an empty mapping when no file has one), or every file's problem.
pub fn load_values_files(paths: &[PathBuf]) -> Result<Value, Vec<Diagnostic>> {
    let mut merged = Map::new();
    let mut errors = Vec::new();
    let mut top_keys: Vec<String> = Vec::new();
    let mut found = false;
    for path in paths {
        match read_values_file(path) {
            Ok((Some(persistence), _)) => {
                found = true;
                let mut overlay = Map::new();
                overlay.insert("persistence".to_string(), persistence);
                merge_values(&mut merged, overlay);
            }
            Ok((None, keys)) => top_keys.extend(keys),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Injecting nothing because of a typo (`persistance:`) would look like success.
    if !found && !paths.is_empty() {
        let files = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let mut d = Diagnostic::error(
            Place {
                config_source: Some(files),
                ..Place::default()
            },
            "no `persistence:` key in the values: there is nothing to inject",
        );
        d = match report::did_you_mean("persistence", top_keys.iter().map(String::as_str)) {
            Some(k) => d.with_hint(format!("did you mean `persistence` instead of `{k}`?")),
            None => {
                d.with_hint("a values file looks like `persistence: {data: {...}, outputs: {...}}`")
            }
        };
        return Err(vec![d]);
    }
    Ok(merged
        .remove("persistence")
        .unwrap_or_else(|| Value::Object(Map::new())))
}

/// The `persistence` value of one values file, if it has one.
#[allow(clippy::result_large_err)] // one per file; `Diagnostic` is what callers want
/// Also returns the file's top-level keys when it has no `persistence`, to suggest a fix for a typo.
fn read_values_file(path: &std::path::Path) -> Result<(Option<Value>, Vec<String>), Diagnostic> {
    let name = path.display().to_string();
    let place = |line: Option<usize>, column: Option<usize>| Place {
        config_source: Some(name.clone()),
        line,
        column,
        ..Place::default()
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(place(None, None), format!("cannot read values file: {e}"))
    })?;
    let doc: Value =
        serde_saphyr::from_str_with_options(&text, values_yaml_options()).map_err(|e| {
            let loc = e.location();
            Diagnostic::error(
                place(
                    loc.map(|l| l.line() as usize),
                    loc.map(|l| l.column() as usize),
                ),
                format!(
                    "values file is not valid YAML: {}",
                    first_line(&e.to_string())
                ),
            )
        })?;
    match doc {
        Value::Null => Ok((None, Vec::new())), // empty or comments only, like Helm
        Value::Object(mut m) => match m.remove("persistence") {
            Some(p) => Ok((Some(p), Vec::new())),
            None => Ok((None, m.keys().cloned().collect())),
        },
        other => Err(Diagnostic::error(
            place(first_content_line(&text), None),
            format!(
                "a values file must be a mapping at the top level, not {}",
                describe(&other)
            ),
        )
        .with_hint("a values file looks like `persistence: {data: {...}, outputs: {...}}`")),
    }
}

/// Read values files as Helm and Kubernetes do (go-yaml v2, YAML 1.1): `0644` is octal,
/// `yes`/`on` are booleans, and a repeated key keeps the last value (Helm accepts duplicate keys
/// silently; several Polyaxon values files have one).
fn values_yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        legacy_octal_numbers: true,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
        with_snippet: false,
        budget: serde_saphyr::budget! { max_depth: 256 },
    }
}

/// Helm's merge of `-f` files: maps merge key by key, other values replace, null deletes.
fn merge_values(base: &mut Map<String, Value>, overlay: Map<String, Value>) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (_, Value::Null) => {
                base.remove(&key);
            }
            (Some(Value::Object(b)), Value::Object(o)) => merge_values(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// 1-based line of the first thing that is not blank, a comment, a directive or `---`.
fn first_content_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim();
            !(t.is_empty() || t.starts_with('#') || t.starts_with('%') || t == "---")
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Severity;
    use std::path::Path;

    fn yaml(text: &str) -> Value {
        serde_saphyr::from_str_with_options(text, values_yaml_options()).expect("test YAML parses")
    }

    fn run(text: &str) -> (Option<Config>, Vec<Diagnostic>) {
        build(&yaml(text), "values.yaml")
    }

    fn errors(diags: &[Diagnostic]) -> Vec<&Diagnostic> {
        diags.iter().filter(|d| d.is_error()).collect()
    }

    /// The diagnostic of this severity at this config path whose message or hint contains `phrase`.
    #[track_caller]
    fn find<'a>(
        diags: &'a [Diagnostic],
        severity: Severity,
        path: &str,
        phrase: &str,
    ) -> &'a Diagnostic {
        diags
            .iter()
            .find(|d| {
                d.severity == severity
                    && d.place.config_path.as_deref() == Some(path)
                    && (d.message.contains(phrase)
                        || d.hint.as_deref().is_some_and(|h| h.contains(phrase)))
            })
            .unwrap_or_else(|| {
                panic!(
                    "no {severity:?} at `{path}` containing {phrase:?} in:\n{}",
                    list(diags)
                )
            })
    }

    #[track_caller]
    fn error_at(text: &str, path: &str, phrase: &str) -> Vec<Diagnostic> {
        let (config, diags) = run(text);
        assert!(
            config.is_none(),
            "expected an error for:\n{text}\n{}",
            list(&diags)
        );
        find(&diags, Severity::Error, path, phrase);
        diags
    }

    #[track_caller]
    fn only_error_at(text: &str, path: &str, phrase: &str) {
        let diags = error_at(text, path, phrase);
        assert_eq!(
            errors(&diags).len(),
            1,
            "expected exactly one error:\n{}",
            list(&diags)
        );
    }

    #[track_caller]
    fn ok(text: &str) -> (Config, Vec<Diagnostic>) {
        let (config, diags) = run(text);
        match config {
            Some(c) => (c, diags),
            None => panic!("expected a config for:\n{text}\n{}", list(&diags)),
        }
    }

    fn list(diags: &[Diagnostic]) -> String {
        diags.iter().map(|d| format!("  {d}\n")).collect()
    }

    const CLAIM: &str = "{mountPath: /data/1, existingClaim: data-1-pvc}";

    // --- schema ------------------------------------------------------------------------------

    /// Every error a validator reports (instance path, schema path, kind), in order; a failed
    /// `pattern` is one kind whether a regex or a `pattern_check` function found it.
    fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
        use jsonschema::error::ValidationErrorKind as K;
        validator
            .iter_errors(instance)
            .map(|e| {
                let kind = match e.kind() {
                    K::Pattern { .. } | K::Custom { .. } => "pattern".to_string(),
                    other => format!("{other:?}"),
                };
                format!("{} {} {kind}", e.instance_path(), e.schema_path())
            })
            .collect()
    }

    #[test]
    fn pattern_checks_match_their_regexes() {
        use serde_json::json;
        let mut patterns = Vec::new();
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(p)) = m.get("pattern") {
                        out.push(p.clone());
                    }
                    m.values().for_each(|c| walk(c, out));
                }
                Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
                _ => {}
            }
        }
        walk(schema_value(), &mut patterns);
        patterns.sort();
        patterns.dedup();
        assert!(patterns.len() >= 12, "{patterns:?}");
        // Every string of up to three characters over an alphabet that each pattern cares
        // about, and longer ones that reach the repetitions and alternatives.
        let alphabet = [
            "", "a", "Z", "0", "-", ".", "_", "/", ":", "[", "]", "\n", "\r", "\u{2028}", "é", " ",
        ];
        let mut samples: Vec<String> = Vec::new();
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    samples.push(format!("{a}{b}{c}"));
                }
            }
        }
        samples.extend(
            [
                "gs://b",
                "s3://b",
                "wasb://c@a",
                "wasbs://c@a.blob.core.windows.net/",
                "gs:/b",
                "gcs://b",
                "s3://b\nx",
                "wasbs//x",
                "gs://",
                "ab-c",
                "a-",
                "-a",
                "a.b-c.d",
                "a..b",
                ".a",
                "a.",
                "group.io/v1",
                "apps/v1",
                "v1",
                "/v1",
                "a/b/c",
                "Job",
                "job2",
                "2job",
                "spec.template.spec",
                "spec.jobs[].template",
                "a[][]",
                "a.[]",
                "[]",
                "a[]b",
                "/mnt/data",
                "/mnt:x",
                "relative/x",
                "/x\ny",
                "\n/x",
                "x\ny",
                "MY_ENV",
                "my.env-1",
                "1ENV",
                "key.json",
                "key json",
            ]
            .map(String::from),
        );
        for pattern in &patterns {
            let regex = jsonschema::draft202012::new(&json!({ "pattern": pattern })).unwrap();
            let check = pattern_check(pattern).expect("every schema pattern has a function");
            for sample in &samples {
                assert_eq!(
                    check(sample),
                    regex.is_valid(&json!(sample)),
                    "pattern {pattern} on {sample:?}"
                );
            }
        }
    }

    #[test]
    fn draft_07_and_2020_12_agree() {
        use serde_json::json;
        let draft_2020_12 = jsonschema::draft202012::new(schema_value()).unwrap();
        let full = load_values_files(&[Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join("testdata/config/full-example.yaml")])
        .unwrap();
        // The full example, and a copy with each leaf in turn replaced by a wrong value of every
        // JSON type, so that every keyword of the schema fails somewhere.
        let mut instances = vec![full.clone()];
        let mut leaves = Vec::new();
        fn walk(v: &Value, at: String, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => m
                    .iter()
                    .for_each(|(k, c)| walk(c, format!("{at}/{k}"), out)),
                Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .for_each(|(i, c)| walk(c, format!("{at}/{i}"), out)),
                _ => {}
            }
            out.push(at);
        }
        walk(&full, String::new(), &mut leaves);
        let wrong = [
            json!(null),
            json!(true),
            json!(7),
            json!(-1.5),
            json!(""),
            json!("Not A/valid:name.."),
            json!([]),
            json!(["a", "a"]),
            json!({}),
            json!({"unknown": 1}),
        ];
        for at in leaves.iter().filter(|p| !p.is_empty()) {
            for w in &wrong {
                let mut v = full.clone();
                *v.pointer_mut(at).unwrap() = w.clone();
                instances.push(v);
            }
        }
        let mut failing = 0;
        for instance in &instances {
            let old = schema_errors(&draft_2020_12, instance);
            assert_eq!(schema_errors(validator(), instance), old, "on {instance}");
            failing += usize::from(!old.is_empty());
        }
        assert!(
            failing > 100,
            "only {failing} of {} instances fail",
            instances.len()
        );
    }

    #[test]
    fn schema_is_draft_2020_12_and_compiles() {
        let v: Value = serde_json::from_str(schema()).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
        let _ = validator();
        // Every key we read is in the schema, so Helm's check and ours agree.
        let entry = &v["$defs"]["outputsEntry"]["properties"];
        for key in ENTRY_KEYS {
            assert!(entry.get(*key).is_some(), "{key} missing from the schema");
        }
        for key in CONFIG_KEYS.iter().chain(PLATFORM_KEYS) {
            assert!(
                v["properties"].get(*key).is_some(),
                "{key} missing from the schema"
            );
        }
    }

    // --- whole files ---------------------------------------------------------------------------

    fn testdata(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join("testdata/config")
            .join(rel)
    }

    #[test]
    fn full_example_builds_with_warnings_only() {
        let value = load_values_files(&[testdata("full-example.yaml")]).unwrap();
        let (config, diags) = build(&value, "full-example.yaml");
        let config = config.unwrap_or_else(|| panic!("{}", list(&diags)));
        assert!(errors(&diags).is_empty());
        let names = |es: &[Entry]| es.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&config.data),
            ["data1", "data2", "data-gcs3", "data-s3", "data-azure"]
        );
        assert_eq!(
            names(&config.outputs),
            [
                "outputs1",
                "outputs2",
                "outputs-gcs",
                "outputs-s3",
                "outputs-azure"
            ]
        );
        find(
            &diags,
            Severity::Warning,
            "persistence.data.data1.hostPath",
            "baseline",
        );
        find(
            &diags,
            Severity::Warning,
            "persistence.outputs.outputs1.hostPath",
            "baseline",
        );
        find(
            &diags,
            Severity::Warning,
            "persistence.outputs.outputs1.readOnly",
            "can't write",
        );
        assert_eq!(diags.len(), 3, "{}", list(&diags));

        assert_eq!(
            config.data[0].source,
            Source::HostPath {
                path: "/path/to/data".into(),
                kind: None
            }
        );
        assert!(config.data[0].read_only);
        assert_eq!(
            config.data[1].source,
            Source::Claim {
                claim: "data-2-pvc".into()
            }
        );
        assert_eq!(config.data[1].mount_path.as_deref(), Some("/data/2"));
        assert_eq!(
            config.outputs[4].source,
            Source::Bucket {
                store: Store::Azure,
                bucket: "wasbs://outputs-container@plxstorage.blob.core.windows.net/".into(),
                secret: "az-secret".into(),
                secret_key: "key.json".into(),
                csi: false,
                mount_options: None,
            }
        );
        assert_eq!(
            config.outputs[4].run_path(),
            "wasbs://outputs-container@plxstorage.blob.core.windows.net/"
        );
        assert_eq!(config.outputs_path, DEFAULT_OUTPUTS_PATH);
        assert_eq!(config.env, EnvNames::default());
    }

    #[test]
    fn polyaxon_values_files() {
        let root = testdata("polyaxon-values");
        let mut seen = 0;
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            let version = dir.file_name().unwrap().to_str().unwrap().to_string();
            for file in std::fs::read_dir(dir).unwrap() {
                let file = file.unwrap().path();
                seen += 1;
                let value = load_values_files(std::slice::from_ref(&file))
                    .unwrap_or_else(|e| panic!("{}: {}", file.display(), list(&e)));
                let (config, diags) = build(&value, &file.display().to_string());
                let old = ["v0.0.", "v0.1.0"].iter().any(|p| version.starts_with(p));
                if old {
                    assert!(config.is_none(), "{}", file.display());
                    let flat = diags.iter().filter(|d| d.is_error()).all(|d| {
                        d.message.contains("single-volume shape")
                            && d.hint
                                .as_deref()
                                .is_some_and(|h| h.contains(": {mountPath: /"))
                    });
                    assert!(flat, "{}:\n{}", file.display(), list(&diags));
                } else {
                    let config =
                        config.unwrap_or_else(|| panic!("{}:\n{}", file.display(), list(&diags)));
                    assert!(config.is_empty());
                    find(
                        &diags,
                        Severity::Note,
                        "persistence",
                        "nothing will be injected",
                    );
                    find(
                        &diags,
                        Severity::Note,
                        "persistence",
                        "`logs`, `repos`, `upload`",
                    );
                }
            }
        }
        assert_eq!(seen, 10);
    }

    #[test]
    fn flat_shape_of_old_charts_shows_the_named_shape() {
        let diags = error_at(
            "data: {existingClaim: , mountPath: /data, size: 10Gi, subPath: ''}",
            "persistence.data",
            "single-volume shape",
        );
        find(
            &diags,
            Severity::Error,
            "persistence.data",
            "data: {data: {mountPath: /data, existingClaim: my-claim}}",
        );
        assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
        let diags = error_at(
            "outputs: {existingClaim: my-outputs, mountPath: /outputs}",
            "persistence.outputs",
            "outputs: {outputs: {mountPath: /outputs, existingClaim: my-outputs}}",
        );
        assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
        // Chart 0.0.1: the volume directly under `persistence`.
        let diags = error_at(
            "enabled: false\naccessMode: ReadWriteOnce\nsize: 10Gi\nmountPath: /data/polyaxon",
            "persistence",
            "persistence: {data: {data: {mountPath: /data/polyaxon, existingClaim: my-claim}}}",
        );
        assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
    }

    // --- empty and absent ------------------------------------------------------------------------

    #[test]
    fn nothing_to_inject_is_a_note() {
        for text in ["{}", "data: {}\noutputs: {}", "data:\noutputs:", "null"] {
            let (config, diags) = ok(text);
            assert!(config.is_empty());
            find(
                &diags,
                Severity::Note,
                "persistence",
                "nothing will be injected",
            );
        }
    }

    #[test]
    fn null_and_empty_strings_count_as_absent() {
        let (config, _) = ok(
            "data: {d: {existingClaim: , hostPath: /srv/data, mountPath: /d, readOnly: true, subPath: '', store: ''}}",
        );
        assert!(matches!(config.data[0].source, Source::HostPath { .. }));
        assert_eq!(config.data[0].sub_path, None);
        let (config, _) = ok(
            "data: {d: {existingClaim: c, hostPath: '', mountPath: /d, hostPathType: }, gone: null}",
        );
        assert_eq!(config.data.len(), 1);
        assert!(matches!(config.data[0].source, Source::Claim { .. }));
    }

    #[test]
    fn persistence_must_be_a_mapping() {
        let (config, diags) = build(&Value::String("x".into()), "values.yaml");
        assert!(config.is_none());
        find(&diags, Severity::Error, "persistence", "must be a mapping");
    }

    // --- keys and types ------------------------------------------------------------------------

    #[test]
    fn unknown_keys_get_did_you_mean() {
        let diags = error_at(
            "data: {d: {mountPath: /d, existingclaim: c}}",
            "persistence.data.d.existingclaim",
            "did you mean `existingClaim`?",
        );
        // The misspelt key is the problem; "no source" would be noise.
        assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
        only_error_at(
            "outputz: {}",
            "persistence.outputz",
            "did you mean `outputs`?",
        );
        only_error_at(
            "data: {d: {mountPath: /d, existingClaim: c, colour: red}}",
            "persistence.data.d.colour",
            "an entry's keys are",
        );
    }

    #[test]
    fn platform_keys_are_ignored_with_one_note() {
        let (_, diags) = ok(
            "logs: {existingClaim: , mountPath: /logs, hostPath: /tmp/logs}\nrepos: {}\nupload: {}\nextra: []\ndata: {}",
        );
        let notes: Vec<_> = diags
            .iter()
            .filter(|d| d.message.contains("platform"))
            .collect();
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0]
                .message
                .contains("`logs`, `repos`, `upload`, `extra`")
        );
    }

    #[test]
    fn booleans_must_be_booleans() {
        only_error_at(
            "data: {d: {mountPath: /d, existingClaim: c, readOnly: 'true'}}",
            "persistence.data.d.readOnly",
            "without quotes",
        );
        only_error_at(
            "outputs: {o: {mountPath: /o, existingClaim: c, default: 'yes'}}",
            "persistence.outputs.o.default",
            "must be a boolean",
        );
        // YAML 1.1 `yes` is a boolean, as Helm and kubectl read it.
        let (config, _) = ok("outputs: {o: {mountPath: /o, existingClaim: c, default: yes}}");
        assert!(config.outputs[0].default);
    }

    #[test]
    fn shapes_of_data_and_entries() {
        only_error_at(
            "data: [data1, data2]",
            "persistence.data",
            "stowage.dev/data",
        );
        only_error_at(
            "outputs: {o: /outputs}",
            "persistence.outputs.o",
            "an entry is a mapping",
        );
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let (config, diags) = run(
            "data:\n  d1: {mountPath: /d1, existingClaim: Bad_Claim}\n  d2: {store: gsc, bucket: gs://b, secret: s, secretKey: k}\noutputs:\n  o1: {hostPath: /o, existingClaim: c, mountPath: /o}",
        );
        assert!(config.is_none());
        assert_eq!(errors(&diags).len(), 3, "{}", list(&diags));
        find(
            &diags,
            Severity::Error,
            "persistence.data.d1.existingClaim",
            "PersistentVolumeClaim name",
        );
        find(
            &diags,
            Severity::Error,
            "persistence.data.d2.store",
            "did you mean `gcs`?",
        );
        find(
            &diags,
            Severity::Error,
            "persistence.outputs.o1",
            "more than one source",
        );
    }

    // --- sources -------------------------------------------------------------------------------

    #[test]
    fn exactly_one_source() {
        only_error_at(
            "data: {d: {mountPath: /d, readOnly: true}}",
            "persistence.data.d",
            "no source",
        );
        only_error_at(
            "data: {d: {mountPath: /d, hostPath: /srv/d, existingClaim: c, readOnly: true}}",
            "persistence.data.d",
            "`hostPath` and `existingClaim`",
        );
        only_error_at(
            "data: {d: {existingClaim: c, store: s3, bucket: s3://b, secret: s, secretKey: k}}",
            "persistence.data.d",
            "more than one source",
        );
    }

    #[test]
    fn store_and_bucket() {
        only_error_at(
            "data: {d: {store: gsc, bucket: gs://b, secret: s, secretKey: k}}",
            "persistence.data.d.store",
            "did you mean `gcs`?",
        );
        only_error_at(
            "data: {d: {store: gcs, bucket: s3://b, secret: s, secretKey: k}}",
            "persistence.data.d.bucket",
            "did you mean `store: s3`?",
        );
        only_error_at(
            "data: {d: {store: s3, secret: s, secretKey: k}}",
            "persistence.data.d.bucket",
            "s3://my-bucket",
        );
        only_error_at(
            "data: {d: {bucket: s3://b, secret: s, secretKey: k}}",
            "persistence.data.d.store",
            "add `store: s3`",
        );
        only_error_at(
            "data: {d: {store: gcs, bucket: 'gs://', secret: s, secretKey: k}}",
            "persistence.data.d.bucket",
            "no bucket name",
        );
        only_error_at(
            "data: {d: {store: gcs, bucket: 'gs:///x', secret: s, secretKey: k}}",
            "persistence.data.d.bucket",
            "no bucket name",
        );
        only_error_at(
            "data: {d: {store: gcs, bucket: 'http://b', secret: s, secretKey: k}}",
            "persistence.data.d.bucket",
            "bucket URL",
        );
        only_error_at(
            "data: {d: {store: azure, bucket: 'wasbs://account.blob.core.windows.net/', secret: s, secretKey: k}}",
            "persistence.data.d.bucket",
            "<container>@<account>",
        );
        let (config, _) = ok(
            "data: {d: {store: azure, bucket: 'wasb://c@acct.blob.core.windows.net/x', secret: s, secretKey: k}}",
        );
        assert!(matches!(
            config.data[0].source,
            Source::Bucket {
                store: Store::Azure,
                ..
            }
        ));
    }

    #[test]
    fn cloud_stores_need_a_valid_secret() {
        let diags = error_at(
            "data: {d: {store: s3, bucket: s3://b}}",
            "persistence.data.d.secret",
            "kubectl create secret generic s3-secret",
        );
        find(
            &diags,
            Severity::Error,
            "persistence.data.d.secretKey",
            "required",
        );
        assert_eq!(errors(&diags).len(), 2);
        only_error_at(
            "data: {d: {store: s3, bucket: s3://b, secret: S3_Secret, secretKey: k}}",
            "persistence.data.d.secret",
            "Secret name",
        );
        only_error_at(
            "data: {d: {store: s3, bucket: s3://b, secret: s, secretKey: 'a/b'}}",
            "persistence.data.d.secretKey",
            "Secret key",
        );
        only_error_at(
            "data: {d: {store: s3, bucket: s3://b, secret: s, secretKey: '..k'}}",
            "persistence.data.d.secretKey",
            "not a valid Secret key",
        );
        let long = "s".repeat(254);
        only_error_at(
            &format!("data: {{d: {{store: s3, bucket: s3://b, secret: {long}, secretKey: k}}}}"),
            "persistence.data.d.secret",
            "at most 253",
        );
    }

    #[test]
    fn bucket_mount_paths_need_csi() {
        only_error_at(
            "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mountPath: /d}}",
            "persistence.data.d.mountPath",
            "mount: csi",
        );
        only_error_at(
            "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mount: csi}}",
            "persistence.data.d.mount",
            "needs a `mountPath`",
        );
        only_error_at(
            "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mount: fuse}}",
            "persistence.data.d.mount",
            "`csi`",
        );
        only_error_at(
            "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mountOptions: implicit-dirs}}",
            "persistence.data.d.mountOptions",
            "only applies with `mount: csi`",
        );
        let (config, _) = ok(
            "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mount: csi, mountPath: /d, mountOptions: implicit-dirs}}",
        );
        let e = &config.data[0];
        assert_eq!(e.mount_path.as_deref(), Some("/d"));
        assert_eq!(e.run_path(), "/d");
        assert!(
            matches!(&e.source, Source::Bucket { csi: true, mount_options: Some(o), .. } if o == "implicit-dirs")
        );
    }

    #[test]
    fn fields_of_other_sources_are_refused() {
        only_error_at(
            "data: {d: {mountPath: /d, existingClaim: c, secret: s}}",
            "persistence.data.d.secret",
            "only applies to bucket entries",
        );
        only_error_at(
            "data: {d: {mountPath: /d, existingClaim: c, mount: csi}}",
            "persistence.data.d.mount",
            "only applies to bucket entries",
        );
        only_error_at(
            "data: {d: {mountPath: /d, existingClaim: c, hostPathType: Directory}}",
            "persistence.data.d.hostPathType",
            "only applies to `hostPath`",
        );
    }

    // --- paths ---------------------------------------------------------------------------------

    #[test]
    fn mount_paths() {
        only_error_at(
            "data: {d: {existingClaim: c}}",
            "persistence.data.d.mountPath",
            "required",
        );
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: data/1}}",
            "persistence.data.d.mountPath",
            "absolute",
        );
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: '/data:1'}}",
            "persistence.data.d.mountPath",
            "`:`",
        );
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: /data/../etc}}",
            "persistence.data.d.mountPath",
            "`..`",
        );
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: /data/./1}}",
            "persistence.data.d.mountPath",
            "`.` element",
        );
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: /}}",
            "persistence.data.d.mountPath",
            "must not be `/`",
        );
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: /var/run/secrets/stowage/x}}",
            "persistence.data.d.mountPath",
            "reserved",
        );
        let (config, diags) = ok("data: {d: {existingClaim: c, mountPath: /data//1/}}");
        assert_eq!(config.data[0].mount_path.as_deref(), Some("/data/1"));
        find(
            &diags,
            Severity::Note,
            "persistence.data.d.mountPath",
            "normalised to `/data/1`",
        );
    }

    #[test]
    fn mount_paths_are_unique_across_data_and_outputs() {
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: /shared/}}\noutputs: {o: {existingClaim: c, mountPath: /shared}}",
            "persistence.outputs.o.mountPath",
            "already the mountPath of `persistence.data.d`",
        );
        // Outputs entries are alternatives: a workload gets one of them.
        ok(
            "outputs: {a: {existingClaim: a, mountPath: /outputs}, b: {existingClaim: b, mountPath: /outputs/}}",
        );
        let (_, diags) = ok(
            "data: {d: {existingClaim: c, mountPath: /data}, e: {existingClaim: c, mountPath: /data/e}, f: {existingClaim: c, mountPath: /database}}",
        );
        find(
            &diags,
            Severity::Warning,
            "persistence.data.e.mountPath",
            "nested",
        );
        assert!(
            !diags
                .iter()
                .any(|d| d.place.config_path.as_deref() == Some("persistence.data.f.mountPath"))
        );
    }

    #[test]
    fn sub_paths() {
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: /d, subPath: /abs}}",
            "persistence.data.d.subPath",
            "relative",
        );
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: /d, subPath: a/../../b}}",
            "persistence.data.d.subPath",
            "'..'",
        );
        let (config, _) = ok("data: {d: {existingClaim: c, mountPath: /d, subPath: team-a/x}}");
        assert_eq!(config.data[0].sub_path.as_deref(), Some("team-a/x"));
    }

    #[test]
    fn host_paths() {
        only_error_at(
            "data: {d: {hostPath: srv/data, mountPath: /d, readOnly: true}}",
            "persistence.data.d.hostPath",
            "absolute",
        );
        only_error_at(
            "data: {d: {hostPath: /srv/../etc, mountPath: /d, readOnly: true}}",
            "persistence.data.d.hostPath",
            "`..`",
        );
        let (config, diags) = ok("data: {d: {hostPath: /srv/data, mountPath: /d}}");
        assert_eq!(
            config.data[0].source,
            Source::HostPath {
                path: "/srv/data".into(),
                kind: None
            }
        );
        find(
            &diags,
            Severity::Warning,
            "persistence.data.d.hostPath",
            "Pod Security `baseline`",
        );
        find(
            &diags,
            Severity::Warning,
            "persistence.data.d.hostPath",
            "readOnly: true",
        );
        let (_, diags) = ok("data: {d: {hostPath: /srv/data, mountPath: /d, readOnly: true}}");
        assert!(!diags.iter().any(|d| d.message.contains("writable")));
    }

    #[test]
    fn sensitive_host_paths_are_refused_unless_allowed() {
        for path in [
            "/",
            "/etc",
            "/etc/kubernetes/pki",
            "/proc",
            "/sys/fs",
            "/dev",
            "/var/run",
            "/run",
            "/var/lib/kubelet/pods",
            "/root",
            "/home",
            "/var/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/var/run/crio/crio.sock",
            "/var",
            "/run/containerd",
            "/etc/",
        ] {
            let text =
                format!("data: {{d: {{hostPath: '{path}', mountPath: /d, readOnly: true}}}}");
            let diags = error_at(&text, "persistence.data.d.hostPath", "allowHostPaths");
            assert_eq!(errors(&diags).len(), 1, "{path}: {}", list(&diags));
        }
        for path in [
            "/home/alice/datasets",
            "/srv/data",
            "/mnt/data",
            "/var/data",
            "/tmp/logs",
        ] {
            ok(&format!(
                "data: {{d: {{hostPath: '{path}', mountPath: /d, readOnly: true}}}}"
            ));
        }
        let (config, _) = ok(
            "allowHostPaths: [/var/run/docker.sock, /etc/ssl/]\ndata:\n  d: {hostPath: /var/run/docker.sock, hostPathType: Socket, mountPath: /var/run/docker.sock}\n  e: {hostPath: /etc/ssl/certs, mountPath: /certs, readOnly: true}",
        );
        assert_eq!(
            config.allow_host_paths,
            ["/var/run/docker.sock", "/etc/ssl"]
        );
        only_error_at(
            "allowHostPaths: [etc]",
            "persistence.allowHostPaths[0]",
            "absolute",
        );
    }

    #[test]
    fn host_path_types() {
        let (config, _) = ok(
            "data: {d: {hostPath: /srv/d, hostPathType: Directory, mountPath: /d, readOnly: true}}",
        );
        assert_eq!(
            config.data[0].source,
            Source::HostPath {
                path: "/srv/d".into(),
                kind: Some("Directory".into())
            }
        );
        only_error_at(
            "data: {d: {hostPath: /srv/d, hostPathType: Dir, mountPath: /d}}",
            "persistence.data.d.hostPathType",
            "`Directory`",
        );
        let (_, diags) = ok(
            "data: {d: {hostPath: /srv/d, hostPathType: DirectoryOrCreate, mountPath: /d, readOnly: true}}",
        );
        find(
            &diags,
            Severity::Warning,
            "persistence.data.d.hostPathType",
            "root-owned",
        );
    }

    // --- names ---------------------------------------------------------------------------------

    #[test]
    fn entry_names_are_volume_names() {
        only_error_at(
            &format!("data: {{Data_1: {CLAIM}}}"),
            "persistence.data.Data_1",
            "rename it, e.g. `data-1`",
        );
        ok(&format!("data: {{{}: {CLAIM}}}", "a".repeat(63)));
        let long = "a".repeat(64);
        only_error_at(
            &format!("data: {{{long}: {CLAIM}}}"),
            &format!("persistence.data.{long}"),
            "DNS-1123 label",
        );
        // Bucket entries also get `<name>-credentials`: 51 + 12 = 63.
        let bucket = "{store: s3, bucket: s3://b, secret: s, secretKey: k}";
        ok(&format!("data: {{{}: {bucket}}}", "b".repeat(51)));
        let long = "b".repeat(52);
        only_error_at(
            &format!("data: {{{long}: {bucket}}}"),
            &format!("persistence.data.{long}"),
            "at most 51",
        );
        only_error_at(
            &format!("data: {{x: {bucket}, x-credentials: {CLAIM}}}"),
            "persistence.data.x-credentials",
            "credentials volume",
        );
        only_error_at(
            "data: {same: {existingClaim: c, mountPath: /a}}\noutputs: {same: {existingClaim: c, mountPath: /b}}",
            "persistence.outputs.same",
            "both a data and an outputs entry",
        );
    }

    #[test]
    fn claim_names() {
        only_error_at(
            "data: {d: {existingClaim: Data_PVC, mountPath: /d}}",
            "persistence.data.d.existingClaim",
            "PersistentVolumeClaim name",
        );
        ok("data: {d: {existingClaim: data.pvc-1, mountPath: /d}}");
    }

    // --- outputs -------------------------------------------------------------------------------

    #[test]
    fn default_outputs() {
        let (config, _) = ok(
            "outputs: {a: {existingClaim: c, mountPath: /a}, b: {existingClaim: c, mountPath: /b, default: true}}",
        );
        assert!(!config.outputs[0].default && config.outputs[1].default);
        only_error_at(
            "outputs: {a: {existingClaim: c, mountPath: /a, default: true}, b: {existingClaim: c, mountPath: /b, default: true}}",
            "persistence.outputs.b.default",
            "`a` already has it",
        );
        only_error_at(
            "data: {d: {existingClaim: c, mountPath: /d, default: true}}",
            "persistence.data.d.default",
            "only applies to outputs",
        );
    }

    #[test]
    fn read_only_outputs_is_a_warning() {
        let (_, diags) = ok("outputs: {o: {existingClaim: c, mountPath: /o, readOnly: true}}");
        find(
            &diags,
            Severity::Warning,
            "persistence.outputs.o.readOnly",
            "can't write",
        );
    }

    // --- extensions ----------------------------------------------------------------------------

    #[test]
    fn outputs_path_template() {
        let (config, _) = ok("outputsPath: '{{kind}}/{{namespace}}/{{name}}'");
        assert_eq!(config.outputs_path, "{{kind}}/{{namespace}}/{{name}}");
        ok("outputsPath: '{{#if namespace}}{{namespace}}{{else}}default{{/if}}/{{name}}'");
        only_error_at(
            "outputsPath: '{{namespace}}/{{nmae}}'",
            "persistence.outputsPath",
            "did you mean `name`?",
        );
        only_error_at(
            "outputsPath: '{{run.uuid}}'",
            "persistence.outputsPath",
            "`namespace`, `name`, `kind`",
        );
        only_error_at(
            "outputsPath: '{{namespace'",
            "persistence.outputsPath",
            "not a valid handlebars template",
        );
        only_error_at(
            "outputsPath: '/{{namespace}}'",
            "persistence.outputsPath",
            "relative path",
        );
        only_error_at(
            "outputsPath: '../{{name}}'",
            "persistence.outputsPath",
            "relative path",
        );
        only_error_at(
            "outputsPath: 5",
            "persistence.outputsPath",
            "must be a string",
        );
    }

    #[test]
    fn on_conflict_and_containers() {
        let (config, _) = ok("onConflict: skip\ncontainers: [main, sidecar]");
        assert_eq!(config.on_conflict, OnConflict::Skip);
        assert_eq!(
            config.containers,
            Some(vec!["main".to_string(), "sidecar".to_string()])
        );
        let (config, _) = ok("{}");
        assert_eq!(
            (config.on_conflict, config.containers),
            (OnConflict::Error, None)
        );
        only_error_at(
            "onConflict: skipp",
            "persistence.onConflict",
            "did you mean `skip`?",
        );
        only_error_at(
            "containers: []",
            "persistence.containers",
            "remove `containers`",
        );
        only_error_at(
            "containers: [main, Main_2]",
            "persistence.containers[1]",
            "container name",
        );
        only_error_at(
            "containers: [main, main]",
            "persistence.containers",
            "twice",
        );
    }

    #[test]
    fn workload_kinds() {
        let (config, _) = ok(
            "workloadKinds:\n- {apiVersion: argoproj.io/v1alpha1, kind: Workflow, podSpecPaths: ['spec.templates[].podSpecPatch']}\n- {kind: PyTorchJob, podSpecPaths: [spec.pytorchReplicaSpecs.Master.template.spec, spec.pytorchReplicaSpecs.Worker.template.spec]}",
        );
        assert_eq!(
            config.workload_kinds[0],
            WorkloadKind {
                api_version: Some("argoproj.io/v1alpha1".into()),
                kind: "Workflow".into(),
                pod_spec_paths: vec!["spec.templates[].podSpecPatch".into()],
            }
        );
        assert_eq!(config.workload_kinds[1].api_version, None);
        only_error_at(
            "workloadKinds: [{kind: Workflow}]",
            "persistence.workloadKinds[0]",
            "needs `podSpecPaths`",
        );
        only_error_at(
            "workloadKinds: [{kind: Workflow, podSpecPaths: ['spec..x']}]",
            "persistence.workloadKinds[0].podSpecPaths[0]",
            "dotted path",
        );
        only_error_at(
            "workloadKinds: [{kind: Workflow, podSpecPaths: []}]",
            "persistence.workloadKinds[0].podSpecPaths",
            "must not be empty",
        );
        only_error_at(
            "workloadKinds: [{kind: W, podSpecPaths: [spec]}, {kind: W, podSpecPaths: [spec.x]}]",
            "persistence.workloadKinds[1]",
            "listed twice",
        );
    }

    #[test]
    fn env_names() {
        let (config, _) = ok("env: {dataPaths: DATA_PATHS, credentialsPrefix: CREDS_}");
        assert_eq!(config.env.data_paths, "DATA_PATHS");
        assert_eq!(config.env.credentials_prefix, "CREDS_");
        assert_eq!(config.env.outputs_path, EnvNames::default().outputs_path);
        only_error_at(
            "env: {dataPaths: 1X}",
            "persistence.env.dataPaths",
            "env var name",
        );
        only_error_at(
            "env: {dataPaths: ..X}",
            "persistence.env.dataPaths",
            "not a valid env var name",
        );
        only_error_at(
            "env: {dataPath: X}",
            "persistence.env.dataPath",
            "did you mean `dataPaths`?",
        );
        only_error_at(
            "env: {outputsPath: POLYAXON_RUN_DATA_PATHS}",
            "persistence.env.outputsPath",
            "injected twice",
        );
        ok(
            "env: {credentialsPrefix: X_}\ndata: {a: {store: s3, bucket: s3://b, secret: s, secretKey: k}}",
        );
        let diags = error_at(
            "env: {dataPaths: CREDS_A, credentialsPrefix: CREDS_}\ndata: {a: {store: s3, bucket: s3://b, secret: s, secretKey: k}}",
            "persistence.env.credentialsPrefix",
            "`CREDS_A` would be injected twice",
        );
        assert_eq!(errors(&diags).len(), 1);
    }

    // --- values files --------------------------------------------------------------------------

    /// A fresh file under the temp dir; removed when dropped.
    struct TempFile(PathBuf);
    impl TempFile {
        fn new(name: &str, content: &str) -> TempFile {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "stowage-config-test-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(name);
            std::fs::write(&path, content).unwrap();
            TempFile(path)
        }
    }
    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
        }
    }

    #[test]
    fn values_files_merge_like_helm() {
        let base = TempFile::new(
            "values.yaml",
            "image: x\npersistence:\n  onConflict: skip\n  data:\n    a: {mountPath: /a, existingClaim: a-pvc, readOnly: yes}\n    b: {mountPath: /b, existingClaim: b-pvc}\n  outputs:\n    o: {mountPath: /o, hostPath: /srv/o}\n",
        );
        let no_persistence = TempFile::new("other.yaml", "image: y\n");
        let empty = TempFile::new("empty.yaml", "# nothing\n");
        let over = TempFile::new(
            "prod.yaml",
            "persistence:\n  data:\n    a: {existingClaim: a-prod}\n    b: null\n  outputs:\n    o: {existingClaim: o-pvc, hostPath: null}\n",
        );
        let paths = [
            base.0.clone(),
            no_persistence.0.clone(),
            empty.0.clone(),
            over.0.clone(),
        ];
        let merged = load_values_files(&paths).unwrap();
        assert_eq!(
            merged,
            serde_json::json!({
                "onConflict": "skip",
                "data": {"a": {"mountPath": "/a", "existingClaim": "a-prod", "readOnly": true}},
                "outputs": {"o": {"mountPath": "/o", "existingClaim": "o-pvc"}}
            })
        );
        let (config, diags) = build(&merged, "values");
        assert!(config.is_some(), "{}", list(&diags));
        // A later `persistence: null` removes it all.
        let gone = TempFile::new("gone.yaml", "persistence: null\n");
        let merged = load_values_files(&[base.0.clone(), gone.0.clone()]).unwrap();
        assert_eq!(merged, serde_json::json!({}));
    }

    #[test]
    fn values_without_persistence_are_an_error_with_a_suggestion() {
        let typo = TempFile::new("typo.yaml", "persistance:\n  data: {}\n");
        let errs = load_values_files(std::slice::from_ref(&typo.0)).unwrap_err();
        assert!(
            errs[0].message.contains("no `persistence:` key"),
            "{}",
            errs[0]
        );
        assert!(
            errs[0]
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("`persistance`"),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn data_buckets_are_unique() {
        only_error_at(
            "data: {a: {store: s3, bucket: s3://b, secret: s, secretKey: k}, b: {store: s3, bucket: s3://b, secret: t, secretKey: k}}",
            "persistence.data.b.bucket",
            "already the bucket of `persistence.data.a`",
        );
    }

    #[test]
    fn csi_mounts_whole_buckets_only() {
        only_error_at(
            "data: {d: {store: gcs, bucket: gs://b/sub, secret: s, secretKey: k, mount: csi, mountPath: /d}}",
            "persistence.data.d.bucket",
            "names the path `sub`",
        );
    }

    #[test]
    fn values_files_read_like_kubernetes() {
        // Duplicate keys: the last wins, as in Helm. Octal and YAML 1.1 booleans as go-yaml v2.
        let f = TempFile::new(
            "v.yaml",
            "persistence:\n  data: {x: 1}\n  data:\n    d: {mountPath: /d, existingClaim: c, readOnly: on}\n  size: 0644\n",
        );
        let v = load_values_files(std::slice::from_ref(&f.0)).unwrap();
        assert_eq!(v["data"]["d"]["readOnly"], Value::Bool(true));
        assert_eq!(v["size"], 420);
    }

    #[test]
    fn values_file_errors_name_the_file_and_line() {
        let missing = PathBuf::from("/nonexistent/stowage/values.yaml");
        let errs = load_values_files(&[missing]).unwrap_err();
        assert_eq!(
            errs[0].place.config_source.as_deref(),
            Some("/nonexistent/stowage/values.yaml")
        );
        assert!(errs[0].message.contains("cannot read"), "{}", errs[0]);

        let bad = TempFile::new("bad.yaml", "persistence:\n  data: {a: [1, 2}\n");
        let list_top = TempFile::new("list.yaml", "# values\n---\n- persistence\n");
        let errs = load_values_files(&[bad.0.clone(), list_top.0.clone()]).unwrap_err();
        assert_eq!(errs.len(), 2, "both files are reported");
        assert_eq!(
            errs[0].place.config_source.as_deref(),
            Some(bad.0.to_str().unwrap())
        );
        assert_eq!(errs[0].place.line, Some(2), "{}", errs[0]);
        assert!(errs[0].place.column.is_some(), "{}", errs[0]);
        assert!(errs[0].message.contains("not valid YAML"));
        assert_eq!(errs[1].place.line, Some(3), "{}", errs[1]);
        assert!(errs[1].message.contains("must be a mapping"), "{}", errs[1]);
    }

    // --- helpers -------------------------------------------------------------------------------

    #[test]
    fn bucket_urls() {
        assert_eq!(
            parse_bucket_url("wasbs://c@acct.blob.core.windows.net/a/b"),
            Some(BucketUrl {
                bucket: "c",
                account: Some("acct"),
                path: "a/b"
            })
        );
        assert_eq!(
            parse_bucket_url("gs://b"),
            Some(BucketUrl {
                bucket: "b",
                account: None,
                path: ""
            })
        );
        assert_eq!(
            parse_bucket_url("s3://b/x/"),
            Some(BucketUrl {
                bucket: "b",
                account: None,
                path: "x/"
            })
        );
        assert_eq!(parse_bucket_url("http://b"), None);
        assert_eq!(parse_bucket_url("gs:///x"), None);
    }

    #[test]
    fn dotted_paths() {
        let v = serde_json::json!({"data": {"0": {"a": 1}}, "containers": ["x", "y"]});
        assert_eq!(
            dotted(&v, &pointer_segments("/data/0/a")),
            "persistence.data.0.a"
        );
        assert_eq!(
            dotted(&v, &pointer_segments("/containers/1")),
            "persistence.containers[1]"
        );
        assert_eq!(dotted(&v, &pointer_segments("")), "persistence");
    }
}
