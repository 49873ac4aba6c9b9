//! The volume plan: per workload its pod's volumes and their sources, per container its mounts
//! and the injected env that says what they are for.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::config::EnvNames;

/// The env var holding the outputs path (Polyaxon's name; stowage's default).
pub const OUTPUTS_PATH_ENV: &str = EnvNames::OUTPUTS_PATH;
/// The env var holding the JSON object `{entry: path}` of the data volumes.
pub const DATA_PATHS_ENV: &str = EnvNames::DATA_PATHS;

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
    pub(super) fn describe(&self) -> String {
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
    /// The pod's field, for a workload whose pods are named by it (a PyTorchJob's replica types, a
    /// RayCluster's worker groups): each pod is compared on its own.
    pub pod: Option<String>,
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

    pub(super) fn key(&self) -> (String, String, String) {
        let mut name = self.name.clone();
        if self.hook {
            name.push_str(" (hook)");
        }
        if let Some(pod) = &self.pod {
            name = format!("{name} {pod}");
        }
        (self.kind.clone(), self.namespace.clone(), name)
    }

    pub(super) fn title(&self) -> String {
        let hook = if self.hook { " (hook)" } else { "" };
        let pod = self
            .pod
            .as_ref()
            .map(|p| format!(" {p}"))
            .unwrap_or_default();
        format!("{} {}/{}{hook}{pod}", self.kind, self.namespace, self.name)
    }

    /// Data paths of every container, merged.
    pub(super) fn data_paths(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for c in &self.containers {
            for (k, v) in c.data_paths.iter().flatten() {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        out
    }

    pub(super) fn outputs_paths(&self) -> BTreeSet<String> {
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
    pub(super) fn section_with(&self, name_placeholder: Option<&str>) -> String {
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
