//! The persistence config: where it comes from, its schema, its semantic rules, and the typed model
//! the planner uses (this file, and `workloads` for the rules of `persistence.workloads`).
//!
//! Sources (exactly one per run): `--values FILE...` (the `persistence:` key, merged like Helm,
//! `load`), an in-stream `stowage.dev/v1alpha1 Persistence` document (its `spec`), or a KRM
//! functionConfig. Whatever the source, the same `persistence`-shaped JSON value goes through
//! [`build`]: the embedded JSON Schema (`schema`), then the value read into plain structs (`raw`)
//! and the rules, by family (`rules/`), which make the typed [`Config`].

mod build;
mod glob;
mod load;
mod raw;
mod rules;
mod schema;
#[cfg(test)]
mod tests;
mod workloads;

pub use build::build;
pub use glob::{Glob, GlobError};
pub use load::load_values_files;
pub use rules::sources::{BucketUrl, parse_bucket_url};
pub use schema::schema;
pub use workloads::{DataPick, KindMatch, Match, OutputsPick, WorkloadFacts, WorkloadRule};

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
        /// `mount: csi`: mount the bucket as a filesystem through its CSI driver.
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

impl EnvNames {
    // The defaults: the names the Polyaxon client reads, and stowage's credentials prefix.
    pub const DATA_PATHS: &str = "POLYAXON_RUN_DATA_PATHS";
    pub const OUTPUTS_PATH: &str = "POLYAXON_RUN_OUTPUTS_PATH";
    pub const STORES_ACCESS_KEYS: &str = "POLYSTORES_RUN_STORES_ACCESS_KEYS";
    pub const CREDENTIALS_PREFIX: &str = "STOWAGE_CREDENTIALS_";
    pub const GOOGLE_CREDENTIALS: &str = "GOOGLE_APPLICATION_CREDENTIALS";
}

impl Default for EnvNames {
    fn default() -> Self {
        EnvNames {
            data_paths: EnvNames::DATA_PATHS.into(),
            outputs_path: EnvNames::OUTPUTS_PATH.into(),
            stores_access_keys: EnvNames::STORES_ACCESS_KEYS.into(),
            credentials_prefix: EnvNames::CREDENTIALS_PREFIX.into(),
            google_credentials: EnvNames::GOOGLE_CREDENTIALS.into(),
        }
    }
}

/// An extra workload kind (a CRD) and where its pods are: pod specs, or (with `volumes_path`)
/// one volumes list and containers elsewhere. Paths are dotted keys from the object root; `[]`
/// after a key walks every item of a list, a `*` step every value of a mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadKind {
    /// `group/version` or empty for any.
    pub api_version: Option<String>,
    pub kind: String,
    /// Paths to each pod spec, e.g. `spec.replicaSpecs.*.template.spec`.
    pub pod_spec_paths: Vec<String>,
    /// The path of the pods' `volumes` list, when the containers are not in a pod spec.
    pub volumes_path: Option<String>,
    /// With `volumes_path`: the path of each container.
    pub container_paths: Vec<String>,
    /// The pod label whose value tells one run from another: the `{{run}}` of the outputs path.
    pub run_label: Option<String>,
}

/// Each run of a Job, CronJob or training job gets its own outputs; a long-running workload's
/// `run` is empty, so it keeps `namespace/name`.
pub const DEFAULT_OUTPUTS_PATH: &str = "{{namespace}}/{{name}}/{{run}}";

/// The env var stowage defines (from the pod's run label) for `{{run}}` in an outputs path:
/// Kubernetes expands `$(STOWAGE_RUN)` in the env values after it.
pub const RUN_ENV: &str = "STOWAGE_RUN";

/// What `{{run}}` renders to for a workload with a run label.
pub const RUN_REFERENCE: &str = "$(STOWAGE_RUN)";

/// A rendered outputs path with its empty segments dropped (`{{run}}` is empty for a long-running
/// workload): `team-a/api/` → `team-a/api`.
pub fn clean_outputs_path(rendered: &str) -> String {
    if !rendered.contains("//") && !rendered.starts_with('/') && !rendered.ends_with('/') {
        return rendered.to_string();
    }
    rendered
        .split('/')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// The validated, typed config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Declaration order (the order of the keys in the source).
    pub data: Vec<Entry>,
    pub outputs: Vec<Entry>,
    /// Handlebars template for the path under the outputs root; variables `namespace`, `name`, `kind`,
    /// `run` (`OUTPUTS_PATH_VARIABLES`).
    pub outputs_path: String,
    pub on_conflict: OnConflict,
    /// Only these containers get mounts and env; `None` = every container and initContainer.
    pub containers: Option<Vec<String>>,
    pub workload_kinds: Vec<WorkloadKind>,
    /// Built-in kinds turned off, as `Kind.group` (`Kind` for the core group).
    pub disabled_kinds: Vec<String>,
    pub env: EnvNames,
    /// Sensitive hostPaths the user explicitly allows.
    pub allow_host_paths: Vec<String>,
    /// `persistence.workloads`, in order: the first that matches a workload applies
    /// ([`Config::workload_rule`]).
    pub workloads: Vec<WorkloadRule>,
}

impl Config {
    /// The workload kinds this config looks into.
    pub fn kinds(&self) -> crate::workload::Kinds<'_> {
        crate::workload::Kinds {
            configured: &self.workload_kinds,
            disabled: &self.disabled_kinds,
        }
    }

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
/// Where a bucket entry's credential file is mounted: `<dir>/<entry>/<secretKey>`.
pub const CREDENTIALS_DIR: &str = "/var/run/secrets/stowage";
/// Variables an `outputsPath` template may use.
pub const OUTPUTS_PATH_VARIABLES: &[&str] = &["namespace", "name", "kind", "run"];
