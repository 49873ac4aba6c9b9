//! What goes into each workload: which entries it gets, the volumes, mounts and env that follow,
//! and the edits that put them into its pod specs without touching what is there.
//!
//! [`Injector::prepare`] renders everything that depends only on the config, once;
//! [`Injector::plan`] decides one workload's blocks and [`Injector::edits`] compares them with
//! what a pod spec already has.

mod edits;
mod entries;
mod env;
mod select;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::config::{Config, RUN_ENV, RUN_REFERENCE, Role, Source, Store, clean_outputs_path};
use crate::render::{self, Renderer};
use crate::report::{Diagnostic, Place};
use crate::workload::{Pod, Workload};
use crate::yaml::{Limits, Tree};

pub use entries::credentials_env_name;
pub use select::{ANNOTATION_DATA, ANNOTATION_INJECT, ANNOTATION_OUTPUTS};

/// The config made ready for many workloads. Read-only while documents are planned, so the
/// threads of a large stream share it; what they remember between workloads is in [`Memo`].
pub struct Injector<'c> {
    config: &'c Config,
    renderer: &'c Renderer,
    entries: Vec<entries::Prepared<'c>>,
    /// Index into `entries` of the outputs entry a workload gets when it doesn't say.
    default_outputs: Option<usize>,
    namespace: String,
    pub limits: Limits,
    /// The outputs path template, compiled once.
    outputs_template: render::Inline,
}

/// The data entries and the outputs entry a workload gets (indices into the injector's entries).
type Selected = (Vec<usize>, Option<usize>);

/// The pod volumes and the container mounts of a selection.
type Blocks = (Arc<[Value]>, Arc<[Value]>);

/// What planning remembers from one workload to the next: most workloads of a release select
/// the same entries, so get the same blocks (shared, not copied) and the same env template output.
#[derive(Default)]
pub struct Memo {
    /// Rendered env lists with placeholders for the per-workload strings, by selection and by
    /// whether each string is empty.
    env: HashMap<(Selected, bool, bool), Vec<Value>>,
    /// Pod volumes and container mounts, by selection.
    blocks: HashMap<Selected, Blocks>,
}

/// What one workload gets: plain data, shared by injection and diff.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadPlan {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub data: Vec<String>,
    pub outputs: Option<String>,
    pub outputs_path: Option<String>,
    /// Shared by every workload with the same selection (most of a release).
    pub volumes: Arc<[Value]>,
    pub mounts: Arc<[Value]>,
    pub env: Arc<[Value]>,
    /// Annotations for the pod template (`gke-gcsfuse/volumes` for GCS FUSE mounts).
    pub pod_annotations: Vec<(String, Value)>,
    /// Only these containers get the mounts and env; None: every container.
    pub containers: Option<Vec<String>>,
}

impl<'c> Injector<'c> {
    /// Render every entry's blocks; every entry that can't be rendered is reported.
    pub fn prepare(
        config: &'c Config,
        renderer: &'c Renderer,
        namespace: Option<&str>,
        limits: Limits,
    ) -> Result<(Injector<'c>, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut prepared = Vec::new();
        let mut errors = Vec::new();
        for entry in config.entries() {
            match entries::prepare(entry, renderer, &config.env.credentials_prefix) {
                Ok(p) => prepared.push(p),
                Err(message) => errors.push(Diagnostic::error(
                    Place {
                        config_path: Some(format!(
                            "persistence.{}.{}",
                            entry.role.key(),
                            entry.name
                        )),
                        ..Place::default()
                    },
                    message,
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut diagnostics = Vec::new();
        let outputs: Vec<usize> = (0..prepared.len())
            .filter(|i| prepared[*i].entry.role == Role::Outputs)
            .collect();
        let default_outputs = match outputs.as_slice() {
            [] => None,
            [only] => Some(*only),
            many => match many.iter().find(|i| prepared[**i].entry.default) {
                Some(i) => Some(*i),
                None => {
                    let first = *many
                        .iter()
                        .min_by_key(|i| &prepared[**i].entry.name)
                        .expect("several outputs entries");
                    diagnostics.push(
                        Diagnostic::warning(
                            Place {
                                config_path: Some("persistence.outputs".into()),
                                ..Place::default()
                            },
                            format!(
                                "several outputs entries and none marked `default: true`: workloads without a `{ANNOTATION_OUTPUTS}` annotation get `{}`, the alphabetically first",
                                prepared[first].entry.name
                            ),
                        )
                        .with_hint("mark one outputs entry `default: true`"),
                    );
                    Some(first)
                }
            },
        };
        let injector = Injector {
            config,
            renderer,
            entries: prepared,
            default_outputs,
            namespace: namespace.unwrap_or("default").to_string(),
            limits,
            outputs_template: render::Inline::new(&config.outputs_path),
        };
        Ok((injector, diagnostics))
    }

    pub fn config(&self) -> &Config {
        self.config
    }

    /// The plan for one pod of a workload (`None` when it opts out), and the index of the
    /// `persistence.workloads` rule that matched it. `source` is the file that rendered it, when
    /// the stream says. An error about an annotation names its line (of the tree).
    pub fn plan(
        &self,
        tree: &Tree,
        workload: &Workload,
        pod: &Pod,
        source: Option<&str>,
        memo: &mut Memo,
    ) -> Result<(Option<WorkloadPlan>, Option<usize>), Diagnostic> {
        let (selection, rule) = self.selection(tree, workload, pod, source)?;
        let (data, outputs, containers) = match selection {
            select::Selection::Skip => return Ok((None, rule)),
            select::Selection::Entries {
                data,
                outputs,
                containers,
            } => (data, outputs, containers),
        };
        self.one_entry_per_path(workload, &data, outputs)?;
        let namespace = workload
            .namespace
            .clone()
            .unwrap_or_else(|| self.namespace.clone());
        let outputs_path = match outputs {
            None => None,
            Some(i) => {
                let run = if workload.run.is_some() {
                    RUN_REFERENCE
                } else {
                    ""
                };
                let context = json!({"namespace": namespace, "name": workload.name, "kind": workload.kind, "run": run});
                let below = self.outputs_template.render(&context).map_err(|e| {
                    Diagnostic::error(
                        Place::default(),
                        format!("outputs path template `{}`: {e}", self.config.outputs_path),
                    )
                })?;
                let root = self.entries[i].entry.run_path().trim_end_matches('/');
                Some(format!("{root}/{}", clean_outputs_path(&below)))
            }
        };
        let selected: Selected = (data.clone(), outputs);
        let cached = memo.blocks.get(&selected).cloned();
        let mut volumes = Vec::new();
        let mut mounts = Vec::new();
        let mut pod_annotations = Vec::new();
        let mut credentials: Vec<&entries::Credentials> = Vec::new();
        let mut access_keys = serde_json::Map::new();
        let mut gcs_files: Vec<&str> = Vec::new();
        let mut data_paths = serde_json::Map::new();
        for i in data.iter().copied().chain(outputs) {
            let p = &self.entries[i];
            if let (None, Some((volume, mount))) = (&cached, &p.volume)
                && !volumes.contains(volume)
            {
                volumes.push(volume.clone());
                mounts.push(mount.clone());
            }
            if let Source::Bucket {
                store, csi: true, ..
            } = &p.entry.source
                && *store == Store::Gcs
            {
                pod_annotations.push((
                    "gke-gcsfuse/volumes".to_string(),
                    Value::String("true".into()),
                ));
            }
            if let (Some(c), Source::Bucket { store, .. }) = (&p.credentials, &p.entry.source) {
                let path = if p.entry.role == Role::Outputs {
                    outputs_path.clone().unwrap_or_default()
                } else {
                    p.entry.run_path().to_string()
                };
                access_keys.insert(
                    path,
                    json!({"store": store.as_str(), "secret_key": c.env_name}),
                );
                if !credentials.iter().any(|x| x.env_name == c.env_name) {
                    if cached.is_none() {
                        volumes.push(c.volume.clone());
                        mounts.push(c.mount.clone());
                    }
                    credentials.push(c);
                    if *store == Store::Gcs {
                        gcs_files.push(&c.file);
                    }
                }
            }
            if p.entry.role == Role::Data {
                data_paths.insert(
                    p.entry.name.clone(),
                    Value::String(p.entry.run_path().to_string()),
                );
            }
        }
        pod_annotations.dedup();
        let (volumes, mounts) = match cached {
            Some(blocks) => blocks,
            None => {
                let blocks: Blocks = (volumes.into(), mounts.into());
                memo.blocks.insert(selected.clone(), blocks.clone());
                blocks
            }
        };
        let names = &self.config.env;
        let flow = |m: serde_json::Map<String, Value>| {
            if m.is_empty() {
                String::new()
            } else {
                crate::edit::emit_flow(&Value::Object(m))
            }
        };
        let data_paths = flow(data_paths);
        // The env template's context, given its two per-workload strings.
        let context = |outputs_path: &str, stores_access_keys: &str| {
            json!({
                "names": {
                    "dataPaths": names.data_paths,
                    "outputsPath": names.outputs_path,
                    "storesAccessKeys": names.stores_access_keys,
                    "googleCredentials": names.google_credentials,
                },
                "dataPaths": data_paths,
                "outputsPath": outputs_path,
                "credentials": credentials.iter().map(|c| {
                    let secret = &c.volume["secret"];
                    json!({"envName": c.env_name, "secret": secret["secretName"], "secretKey": secret["items"][0]["key"]})
                }).collect::<Vec<_>>(),
                "storesAccessKeys": stores_access_keys,
                "googleCredentials": if gcs_files.len() == 1 { gcs_files[0] } else { "" },
            })
        };
        let env = self
            .env(
                memo,
                &selected,
                outputs_path.as_deref().unwrap_or_default(),
                &flow(access_keys),
                context,
            )
            .map_err(|m| Diagnostic::error(Place::default(), m))?;
        let env = match (&workload.run, &outputs_path) {
            (Some(label), Some(path)) if path.contains(RUN_REFERENCE) => run_env(label, env),
            _ => env,
        };
        let plan = WorkloadPlan {
            kind: workload.kind.clone(),
            namespace,
            name: workload.name.clone(),
            data: data
                .iter()
                .map(|i| self.entries[i.to_owned()].entry.name.clone())
                .collect(),
            outputs: outputs.map(|i| self.entries[i].entry.name.clone()),
            outputs_path,
            volumes,
            mounts,
            env: env.into(),
            pod_annotations,
            containers,
        };
        Ok((Some(plan), rule))
    }

    /// Entries may share a mountPath when no workload gets both (each run picks its data, as in
    /// Polyaxon); a workload that would get two entries at one path is refused.
    fn one_entry_per_path(
        &self,
        workload: &Workload,
        data: &[usize],
        outputs: Option<usize>,
    ) -> Result<(), Diagnostic> {
        let selected: Vec<&crate::config::Entry> = data
            .iter()
            .copied()
            .chain(outputs)
            .map(|i| self.entries[i].entry)
            .collect();
        for (n, a) in selected.iter().enumerate() {
            let Some(path) = &a.mount_path else { continue };
            if let Some(b) = selected[..n]
                .iter()
                .find(|b| b.mount_path.as_ref() == Some(path))
            {
                return Err(Diagnostic::error(
                    Place {
                        object: Some(format!("{}/{}", workload.kind, workload.name)),
                        ..Place::default()
                    },
                    format!("this workload would get two entries at `{path}`: `{}` and `{}`", b.name, a.name),
                )
                .with_hint(format!(
                    "give it one of them with the `{ANNOTATION_DATA}` annotation or a `persistence.workloads` rule"
                )));
            }
        }
        Ok(())
    }
}

/// `env` after the variable `{{run}}` refers to (read from the pod field `field`): Kubernetes
/// expands `$(STOWAGE_RUN)` only in values after its definition.
fn run_env(field: &str, env: Vec<Value>) -> Vec<Value> {
    let run = json!({
        "name": RUN_ENV,
        "valueFrom": {"fieldRef": {"fieldPath": field}},
    });
    std::iter::once(run).chain(env).collect()
}
