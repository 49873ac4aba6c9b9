//! The persistence config: where it comes from, its schema, its semantic rules, and the typed model
//! the planner uses (design.md §2).
//!
//! Sources (exactly one per run): `--values FILE...` (the `persistence:` key, merged like Helm), an
//! in-stream `stowage.dev/v1alpha1 Persistence` document (its `spec`), or a KRM functionConfig.
//! Whatever the source, the same `persistence`-shaped JSON value goes through [`build`].

use serde_json::Value;

use crate::report::Diagnostic;

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

/// Build a typed config from a `persistence`-shaped value, reporting every problem at once.
///
/// `origin` names the source in diagnostics (`values.yaml`, `in-stream Persistence document`, ...).
/// Returns the config when there is no error; the diagnostics hold every warning and note either way.
pub fn build(persistence: &Value, origin: &str) -> (Option<Config>, Vec<Diagnostic>) {
    let _ = (persistence, origin);
    unimplemented!("config::build")
}
