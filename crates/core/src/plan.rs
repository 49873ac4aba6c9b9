//! What goes into each workload (design.md §3, §4): which entries it gets, the volumes, mounts and
//! env that follow, and the edits that put them into its pod specs without touching what's there.
//!
//! [`Injector::prepare`] renders everything that depends only on the config once; [`Injector::document`]
//! finds the workloads of one parsed document, plans each, checks the plan against what the pod spec
//! already has (identical: nothing to do; different: a conflict) and returns the edits.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::config::{
    CREDENTIALS_DIR, CREDENTIALS_SUFFIX, Config, Entry, OnConflict, Role, Source, Store,
};
use crate::edit::{Addition, Edit};
use crate::kinds;
use crate::render::{self, Renderer};
use crate::report::{Diagnostic, Place, did_you_mean};
use crate::yaml::{Limits, NodeId, Tree};

pub const ANNOTATION_DATA: &str = "stowage.dev/data";
pub const ANNOTATION_OUTPUTS: &str = "stowage.dev/outputs";
pub const ANNOTATION_INJECT: &str = "stowage.dev/inject";

/// One entry with the blocks rendered from it.
struct Prepared<'c> {
    entry: &'c Entry,
    /// The pod volume and its mount (hostPath, claim, or a bucket with `mount: csi`).
    volume: Option<(Value, Value)>,
    /// A bucket's credential: its secret volume, read-only mount, env var name and file path.
    credentials: Option<Credentials>,
}

struct Credentials {
    volume: Value,
    mount: Value,
    env_name: String,
    file: String,
}

/// The config made ready for many workloads.
pub struct Injector<'c> {
    config: &'c Config,
    renderer: &'c Renderer,
    entries: Vec<Prepared<'c>>,
    /// Index into `entries` of the outputs entry a workload gets when it doesn't say.
    default_outputs: Option<usize>,
    namespace: String,
    pub limits: Limits,
    /// The outputs path template, compiled once.
    outputs_template: render::Inline,
    /// Rendered env lists of the built-in env template with placeholders for the per-workload
    /// strings, by selection and whether each string is empty (see [`Injector::env`]).
    env_cache: Mutex<HashMap<(Selected, bool, bool), Vec<Value>>>,
    /// Pod volumes and container mounts, by selection (data entries, outputs entry).
    blocks: Mutex<HashMap<Selected, (Arc<[Value]>, Arc<[Value]>)>>,
}

type Selected = (Vec<usize>, Option<usize>);

/// A lock shared by the threads of post-render. What it guards is never left half-written, so a
/// panic on another thread (reported where it is joined) does not make this one fail too.
pub(crate) fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
}

/// A workload found in a document: an object with one or more pod specs.
#[derive(Clone, Debug)]
pub struct Workload {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// The object's mapping, and its JSON pointer in the document.
    pub object: NodeId,
    pub pointer: String,
    pub pod_specs: Vec<PodSpec>,
}

#[derive(Clone, Debug)]
pub struct PodSpec {
    /// The pod template (the mapping holding `metadata` and `spec`; the object itself for a Pod).
    pub template: NodeId,
    pub template_pointer: String,
    pub spec: NodeId,
    pub spec_pointer: String,
    /// Field path for messages, e.g. `spec.template.spec`.
    pub field: String,
}

impl<'c> Injector<'c> {
    pub fn prepare(
        config: &'c Config,
        renderer: &'c Renderer,
        namespace: Option<&str>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Injector<'c>, ()> {
        let mut entries = Vec::new();
        let mut failed = false;
        for entry in config.entries() {
            match prepare_entry(entry, renderer, &config.env.credentials_prefix) {
                Ok(p) => entries.push(p),
                Err(message) => {
                    failed = true;
                    diagnostics.push(Diagnostic::error(
                        Place {
                            config_path: Some(format!(
                                "persistence.{}.{}",
                                entry.role.key(),
                                entry.name
                            )),
                            ..Place::default()
                        },
                        message,
                    ));
                }
            }
        }
        if failed {
            return Err(());
        }
        let outputs: Vec<usize> = (0..entries.len())
            .filter(|i| entries[*i].entry.role == Role::Outputs)
            .collect();
        let default_outputs = match outputs.as_slice() {
            [] => None,
            [only] => Some(*only),
            many => match many.iter().find(|i| entries[**i].entry.default) {
                Some(i) => Some(*i),
                None => {
                    let first = *many
                        .iter()
                        .min_by_key(|i| &entries[**i].entry.name)
                        .unwrap();
                    diagnostics.push(
                        Diagnostic::warning(
                            Place {
                                config_path: Some("persistence.outputs".into()),
                                ..Place::default()
                            },
                            format!(
                                "several outputs entries and none marked `default: true`: workloads without a `{ANNOTATION_OUTPUTS}` annotation get `{}`, the alphabetically first",
                                entries[first].entry.name
                            ),
                        )
                        .with_hint("mark one outputs entry `default: true`"),
                    );
                    Some(first)
                }
            },
        };
        Ok(Injector {
            config,
            renderer,
            entries,
            default_outputs,
            namespace: namespace.unwrap_or("default").to_string(),
            limits: Limits::default(),
            outputs_template: render::Inline::new(&config.outputs_path),
            env_cache: Mutex::new(HashMap::new()),
            blocks: Mutex::new(HashMap::new()),
        })
    }

    /// Find the workloads of a document. Errors name the problem and its line in the document.
    pub fn workloads(&self, tree: &Tree, kind: &str) -> Result<Vec<Workload>, (usize, String)> {
        let Some(root) = tree.root else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        self.collect_workloads(tree, root, kind, String::new(), &mut out)?;
        Ok(out)
    }

    fn collect_workloads(
        &self,
        tree: &Tree,
        object: NodeId,
        kind: &str,
        pointer: String,
        out: &mut Vec<Workload>,
    ) -> Result<(), (usize, String)> {
        let line = tree.node(object).line;
        if kinds::is_list_kind(kind) {
            let Some(items) = tree.get(object, "items") else {
                return Ok(());
            };
            if tree.is_null(items) {
                return Ok(());
            }
            let Some(items) = tree.items(items) else {
                return Err((
                    tree.node(items).line,
                    format!("{kind}: `items` is not a list"),
                ));
            };
            for (i, item) in items.iter().enumerate() {
                let item_kind = match tree.get(*item, "kind").and_then(|k| tree.as_str(k)) {
                    Some(k) => k.to_string(),
                    None => continue,
                };
                self.collect_workloads(
                    tree,
                    *item,
                    &item_kind,
                    pointer_to(&pointer, &["items", &i.to_string()]),
                    out,
                )?;
            }
            return Ok(());
        }
        let api_version = tree.get(object, "apiVersion").and_then(|v| tree.as_str(v));
        let template_paths: Vec<Vec<&str>> = match kinds::built_in(api_version, kind) {
            Some(b) => vec![b.template.to_vec()],
            None => match self.config.workload_kinds.iter().find(|w| {
                w.kind == kind
                    && w.api_version
                        .as_deref()
                        .is_none_or(|a| Some(a) == api_version)
            }) {
                Some(w) => w
                    .pod_spec_paths
                    .iter()
                    .map(|p| {
                        // Configured paths name the pod spec; its template is the mapping above it.
                        let mut keys: Vec<&str> = p.split('.').collect();
                        keys.pop();
                        keys
                    })
                    .collect(),
                None => return Ok(()),
            },
        };
        let metadata = tree.get(object, "metadata");
        let name = metadata
            .and_then(|m| tree.get(m, "name"))
            .and_then(|n| tree.as_str(n))
            .unwrap_or("")
            .to_string();
        let namespace = metadata
            .and_then(|m| tree.get(m, "namespace"))
            .and_then(|n| tree.as_str(n))
            .map(str::to_string);
        let mut pod_specs = Vec::new();
        for path in &template_paths {
            walk_templates(
                tree,
                object,
                &pointer,
                path,
                &mut Vec::new(),
                &mut pod_specs,
            )
            .map_err(|m| (line, m))?;
        }
        out.push(Workload {
            kind: kind.to_string(),
            name,
            namespace,
            object,
            pointer,
            pod_specs,
        });
        Ok(())
    }

    /// Read the workload's selection annotations (the pod template's win over the object's).
    fn selection(&self, tree: &Tree, workload: &Workload) -> Result<Selection, (usize, String)> {
        // Each value with its line, so a bad one is reported where it is written.
        let mut found: HashMap<&str, (String, usize)> = HashMap::new();
        let mut holders = vec![workload.object];
        holders.extend(workload.pod_specs.iter().map(|p| p.template));
        for holder in holders {
            let Some(annotations) = tree
                .get(holder, "metadata")
                .and_then(|m| tree.get(m, "annotations"))
            else {
                continue;
            };
            for key in [ANNOTATION_DATA, ANNOTATION_OUTPUTS, ANNOTATION_INJECT] {
                if let Some(v) = tree.get(annotations, key) {
                    match tree.as_str(v) {
                        Some(s) => {
                            found.insert(key, (s.to_string(), tree.node(v).line));
                        }
                        None => {
                            return Err((
                                tree.node(v).line,
                                format!(
                                    "annotation `{key}` must be a string (quote it: `{key}: \"...\"`); Kubernetes rejects other annotation values"
                                ),
                            ));
                        }
                    }
                }
            }
        }
        let line_of = |key: &str| found.get(key).map_or(0, |(_, line)| *line);
        if let Some((v, line)) = found.get(ANNOTATION_INJECT) {
            match v.trim() {
                "false" => return Ok(Selection::Skip),
                "true" => {}
                other => {
                    return Err((
                        *line,
                        format!(
                            "annotation `{ANNOTATION_INJECT}` is `{other}`; use \"true\" or \"false\""
                        ),
                    ));
                }
            }
        }
        let names = |role: Role| -> Vec<&str> {
            self.entries
                .iter()
                .filter(|p| p.entry.role == role)
                .map(|p| p.entry.name.as_str())
                .collect()
        };
        let data: Vec<usize> = match found.get(ANNOTATION_DATA).map(|(s, _)| s.trim()) {
            None => self.indices(Role::Data),
            Some("none") | Some("") => Vec::new(),
            Some(list) => {
                let wanted: Vec<&str> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                for w in &wanted {
                    if !names(Role::Data).contains(w) {
                        return Err((
                            line_of(ANNOTATION_DATA),
                            unknown_name(ANNOTATION_DATA, w, Role::Data, &names(Role::Data)),
                        ));
                    }
                }
                // Declaration order, as POLYAXON_RUN_DATA_PATHS promises.
                self.indices(Role::Data)
                    .into_iter()
                    .filter(|i| wanted.contains(&self.entries[*i].entry.name.as_str()))
                    .collect()
            }
        };
        let outputs = match found.get(ANNOTATION_OUTPUTS).map(|(s, _)| s.trim()) {
            None => self.default_outputs,
            Some("none") | Some("") => None,
            Some(name) => match self
                .indices(Role::Outputs)
                .into_iter()
                .find(|i| self.entries[*i].entry.name == name)
            {
                Some(i) => Some(i),
                None => {
                    return Err((
                        line_of(ANNOTATION_OUTPUTS),
                        unknown_name(
                            ANNOTATION_OUTPUTS,
                            name,
                            Role::Outputs,
                            &names(Role::Outputs),
                        ),
                    ));
                }
            },
        };
        Ok(Selection::Entries { data, outputs })
    }

    /// The env vars of one workload: what `Renderer::env` gives for `context(outputs_path,
    /// stores_access_keys)`.
    ///
    /// The rest of the context is the same for every workload with the same selection of entries.
    /// The built-in template uses the two strings only as `{{#if x}}` and `value: {{json x}}`, so
    /// its parsed output for any non-empty strings is its output for placeholder strings with the
    /// placeholders replaced: render, parse and validate once per selection and per emptiness of
    /// the two. Only plain printable ASCII strings take this path (their JSON quoting reads back
    /// as themselves); an override template, other strings or any error take the direct path, so
    /// results and messages are the same either way.
    fn env(
        &self,
        selected: Selected,
        outputs_path: &str,
        stores_access_keys: &str,
        context: impl Fn(&str, &str) -> Value,
    ) -> Result<Vec<Value>, String> {
        const OUT: &str = "\u{1}stowage-outputs-path\u{1}";
        const KEYS: &str = "\u{1}stowage-stores-access-keys\u{1}";
        let (out, keys) = (outputs_path, stores_access_keys);
        let plain = |s: &str| s.bytes().all(|b| (0x20..0x7f).contains(&b));
        if !self.renderer.env_is_builtin() || !plain(out) || !plain(keys) {
            return self.renderer.env(&context(out, keys));
        }
        let key = (selected, !out.is_empty(), !keys.is_empty());
        let cached = locked(&self.env_cache).get(&key).cloned();
        let mut env = match cached {
            Some(env) => env,
            None => {
                let placeholder = |s: &str, p: &'static str| if s.is_empty() { "" } else { p };
                match self
                    .renderer
                    .env(&context(placeholder(out, OUT), placeholder(keys, KEYS)))
                {
                    Ok(env) => {
                        locked(&self.env_cache).insert(key, env.clone());
                        env
                    }
                    Err(_) => return self.renderer.env(&context(out, keys)),
                }
            }
        };
        fn fill(v: &mut Value, out: &str, keys: &str) {
            match v {
                Value::String(s) if s == OUT => *s = out.to_string(),
                Value::String(s) if s == KEYS => *s = keys.to_string(),
                Value::Array(a) => a.iter_mut().for_each(|v| fill(v, out, keys)),
                Value::Object(m) => m.values_mut().for_each(|v| fill(v, out, keys)),
                _ => {}
            }
        }
        env.iter_mut().for_each(|v| fill(v, out, keys));
        Ok(env)
    }

    fn indices(&self, role: Role) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|i| self.entries[*i].entry.role == role)
            .collect()
    }

    /// The plan for one workload, or `None` when it opts out.
    /// The plan for one workload, or `None` when it opts out. An error comes with the line of the
    /// annotation it is about, when it is about one.
    pub fn plan(
        &self,
        tree: &Tree,
        workload: &Workload,
    ) -> Result<Option<WorkloadPlan>, (Option<usize>, String)> {
        let (data, outputs) = match self
            .selection(tree, workload)
            .map_err(|(l, m)| (Some(l), m))?
        {
            Selection::Skip => return Ok(None),
            Selection::Entries { data, outputs } => (data, outputs),
        };
        let namespace = workload
            .namespace
            .clone()
            .unwrap_or_else(|| self.namespace.clone());
        let mut volumes = Vec::new();
        let mut mounts = Vec::new();
        let mut pod_annotations = Vec::new();
        let mut credentials: Vec<&Credentials> = Vec::new();
        let mut access_keys = serde_json::Map::new();
        let mut gcs_files: Vec<&str> = Vec::new();
        let mut data_paths = serde_json::Map::new();

        let outputs_path = match outputs {
            None => None,
            Some(i) => {
                let context =
                    json!({"namespace": namespace, "name": workload.name, "kind": workload.kind});
                let below = self.outputs_template.render(&context).map_err(|e| {
                    (
                        None,
                        format!("outputs path template `{}`: {e}", self.config.outputs_path),
                    )
                })?;
                let root = self.entries[i].entry.run_path().trim_end_matches('/');
                Some(format!("{root}/{}", below.trim_start_matches('/')))
            }
        };
        let selected: Selected = (data.clone(), outputs);
        let cached = locked(&self.blocks).get(&selected).cloned();
        for i in data.iter().copied().chain(outputs) {
            let p = &self.entries[i];
            if let (None, Some((volume, mount))) = (&cached, &p.volume)
                && !volumes.contains(volume)
            {
                volumes.push(volume.clone());
                mounts.push(mount.clone());
            }
            if let Source::Bucket { store, csi, .. } = &p.entry.source
                && *csi
                && *store == Store::Gcs
            {
                pod_annotations.push((
                    "gke-gcsfuse/volumes".to_string(),
                    Value::String("true".into()),
                ));
            }
            if let Some(c) = &p.credentials {
                let Source::Bucket { store, .. } = &p.entry.source else {
                    unreachable!()
                };
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
                let blocks: (Arc<[Value]>, Arc<[Value]>) = (volumes.into(), mounts.into());
                locked(&self.blocks).insert(selected.clone(), blocks.clone());
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
        // The env template's context, given its two per-workload strings.
        let context = |outputs_path: &str, stores_access_keys: &str| {
            json!({
                "names": {
                    "dataPaths": names.data_paths,
                    "outputsPath": names.outputs_path,
                    "storesAccessKeys": names.stores_access_keys,
                    "googleCredentials": names.google_credentials,
                },
                "dataPaths": if data.is_empty() { String::new() } else { crate::edit::emit_flow(&Value::Object(data_paths.clone())) },
                "outputsPath": outputs_path,
                "credentials": credentials.iter().map(|c| {
                    let Some(Value::Object(secret)) = c.volume.get("secret") else { unreachable!() };
                    json!({"envName": c.env_name, "secret": secret["secretName"], "secretKey": secret["items"][0]["key"]})
                }).collect::<Vec<_>>(),
                "storesAccessKeys": stores_access_keys,
                "googleCredentials": if gcs_files.len() == 1 { gcs_files[0] } else { "" },
            })
        };
        let env = self
            .env(
                selected,
                outputs_path.as_deref().unwrap_or_default(),
                &flow(access_keys),
                context,
            )
            .map_err(|m| (None, m))?;
        Ok(Some(WorkloadPlan {
            kind: workload.kind.clone(),
            namespace,
            name: workload.name.clone(),
            data: data
                .iter()
                .map(|i| self.entries[*i].entry.name.clone())
                .collect(),
            outputs: outputs.map(|i| self.entries[i].entry.name.clone()),
            outputs_path,
            volumes,
            mounts,
            env: env.into(),
            pod_annotations,
        }))
    }

    /// The edits that bring one pod spec up to the plan. Blocks already there and identical are
    /// skipped (so a second run changes nothing); different ones are conflicts.
    pub fn edits<'p>(
        &self,
        tree: &Tree,
        plan: &'p WorkloadPlan,
        pod: &PodSpec,
        conflicts: &mut Vec<(Diagnostic, usize)>,
    ) -> Result<Vec<Edit>, (usize, String)> {
        let mut edits = Vec::new();
        let line_of = |id: NodeId| tree.node(id).line;
        let mut conflict = |line: usize, field: String, message: String| {
            let skip = self.config.on_conflict == OnConflict::Skip;
            let place = Place {
                object: Some(format!("{}/{}", plan.kind, plan.name)),
                field: Some(field),
                ..Place::default()
            };
            let d = if skip {
                Diagnostic::warning(
                    place,
                    format!("{message}; left as it is (onConflict: skip)"),
                )
            } else {
                Diagnostic::error(place, message)
                    .with_hint("remove it from the chart, or set `onConflict: skip` to keep it")
            };
            conflicts.push((d, line));
        };

        // The id of each planned volume, mount and env var, looked up once.
        let ids = |planned: &'p [Value], id_key: &str| -> Vec<&'p str> {
            planned
                .iter()
                .map(|p| p.get(id_key).and_then(Value::as_str).unwrap_or_default())
                .collect()
        };
        let (volume_ids, mount_ids, env_ids) = (
            ids(&plan.volumes, "name"),
            ids(&plan.mounts, "mountPath"),
            ids(&plan.env, "name"),
        );

        // Volumes, by name.
        let existing = self.existing(
            tree,
            pod.spec,
            "volumes",
            "name",
            &|| pod.field.clone(),
            &volume_ids,
        )?;
        let mut new_volumes = Vec::new();
        for (v, name) in plan.volumes.iter().zip(&volume_ids) {
            match existing.iter().find(|(k, _, _)| k == name) {
                Some((_, old, _)) if same_block(old, v) => {}
                Some((_, old, line)) => conflict(
                    *line,
                    format!("{}.volumes", pod.field),
                    format!(
                        "volume `{name}` already exists with a different definition: {} (stowage would add {})",
                        crate::edit::emit_flow(old),
                        crate::edit::emit_flow(v)
                    ),
                ),
                None => new_volumes.push(v),
            }
        }
        if !new_volumes.is_empty() {
            edits.push(Edit {
                at: pod.spec,
                pointer: pod.spec_pointer.clone(),
                path: &["volumes"],
                add: Addition::Items(shared(&plan.volumes, new_volumes)),
            });
        }

        for list in ["initContainers", "containers"] {
            let Some(containers) = tree.get(pod.spec, list) else {
                continue;
            };
            if tree.is_null(containers) {
                continue;
            }
            let Some(items) = tree.items(containers) else {
                return Err((
                    line_of(containers),
                    format!("`{}.{list}` is not a list", pod.field),
                ));
            };
            for (i, c) in items.iter().enumerate() {
                if tree.entries(*c).is_none() {
                    return Err((
                        line_of(*c),
                        format!("`{}.{list}[{i}]` is not a mapping", pod.field),
                    ));
                }
                let cname = tree
                    .get(*c, "name")
                    .and_then(|n| tree.as_str(n))
                    .unwrap_or("");
                if let Some(only) = &self.config.containers
                    && !only.iter().any(|n| n == cname)
                {
                    continue;
                }
                // Built only for a message or an edit: most containers need neither.
                let field = || format!("{}.{list}[{i}]", pod.field);
                for (key, id_key, planned, planned_ids) in [
                    ("volumeMounts", "mountPath", &plan.mounts, &mount_ids),
                    ("env", "name", &plan.env, &env_ids),
                ] {
                    let existing = self.existing(tree, *c, key, id_key, &field, planned_ids)?;
                    let mut new = Vec::new();
                    for (item, id) in planned.iter().zip(planned_ids) {
                        match existing.iter().find(|(k, _, _)| k == id) {
                            Some((_, old, _)) if same_block(old, item) => {}
                            Some((_, old, line)) => conflict(
                                *line,
                                format!("{}.{key}", field()),
                                format!(
                                    "container `{cname}` already has {} `{id}` with a different definition: {} (stowage would add {})",
                                    if key == "env" {
                                        "env var"
                                    } else {
                                        "a mount at"
                                    },
                                    shown_existing(old, item),
                                    crate::edit::emit_flow(item)
                                ),
                            ),
                            None => new.push(item),
                        }
                    }
                    if !new.is_empty() {
                        edits.push(Edit {
                            at: *c,
                            pointer: pointer_to(&pod.spec_pointer, &[list, &i.to_string()]),
                            path: if key == "env" {
                                &["env"]
                            } else {
                                &["volumeMounts"]
                            },
                            add: Addition::Items(shared(planned, new)),
                        });
                    }
                }
            }
        }

        if !plan.pod_annotations.is_empty() {
            let existing = tree
                .get(pod.template, "metadata")
                .and_then(|m| tree.get(m, "annotations"));
            let mut new: Vec<(String, Value)> = Vec::new();
            for (k, v) in &plan.pod_annotations {
                match existing.and_then(|a| tree.get(a, k)) {
                    None => new.push((k.clone(), v.clone())),
                    Some(n) if tree.as_str(n) == v.as_str() => {}
                    Some(n) => conflict(
                        line_of(n),
                        match pod.field.strip_suffix(".spec") {
                            Some(template) => format!("{template}.metadata.annotations"),
                            None => "metadata.annotations".to_string(),
                        },
                        format!(
                            "the pod template already has annotation `{k}` with another value (stowage needs {})",
                            crate::edit::emit_flow(v)
                        ),
                    ),
                }
            }
            if !new.is_empty() {
                edits.push(Edit {
                    at: pod.template,
                    pointer: pod.template_pointer.clone(),
                    path: &["metadata", "annotations"],
                    add: Addition::Entries(new),
                });
            }
        }
        Ok(edits)
    }

    /// Items of list `key` in mapping `holder`, keyed by their `id_key` field, with their lines.
    ///
    /// Only items that may share an id with a planned one (`planned_ids`) are compared, so others need not be
    /// converted to values: when the document has no aliases and fewer nodes than the alias
    /// budget (so converting cannot fail), a mapping item without a merge key whose `id_key` is
    /// not planned is left out. Every other item is converted, as the comparison needs.
    fn existing(
        &self,
        tree: &Tree,
        holder: NodeId,
        key: &str,
        id_key: &str,
        field: &dyn Fn() -> String,
        planned_ids: &[&str],
    ) -> Result<Vec<(String, Value, usize)>, (usize, String)> {
        let Some(list) = tree.get(holder, key) else {
            return Ok(Vec::new());
        };
        if tree.is_null(list) {
            return Ok(Vec::new());
        }
        let Some(items) = tree.items(list) else {
            return Err((
                tree.node(list).line,
                format!("`{}.{key}` is not a list", field()),
            ));
        };
        let lazy = !tree.has_aliases() && tree.len() <= self.limits.max_alias_nodes;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if lazy && tree.entries(*item).is_some() && !tree.has_merge_key(*item) {
                let id = tree
                    .get(*item, id_key)
                    .and_then(|n| tree.as_str(n))
                    .unwrap_or("");
                if !planned_ids.contains(&id) {
                    continue;
                }
            }
            let value = tree
                .value(*item, self.limits)
                .map_err(|e| (e.line, format!("`{}.{key}`: {}", field(), e.message)))?;
            let id = value
                .get(id_key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            out.push((id, value, tree.node(*item).line));
        }
        Ok(out)
    }
}

enum Selection {
    Skip,
    Entries {
        data: Vec<usize>,
        outputs: Option<usize>,
    },
}

fn unknown_name(annotation: &str, name: &str, role: Role, known: &[&str]) -> String {
    let mut m = format!(
        "annotation `{annotation}` names `{name}`, which is not a {} entry of the config (known: {})",
        role.key(),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    );
    if let Some(s) = did_you_mean(name, known.iter().copied()) {
        m.push_str(&format!("; did you mean `{s}`?"));
    }
    m
}

/// Follow `path` (keys, or a configured path with `[]` for every list item) from `node` to pod templates.
fn walk_templates<'k>(
    tree: &Tree,
    node: NodeId,
    pointer: &str,
    path: &[&'k str],
    field: &mut Vec<Cow<'k, str>>,
    out: &mut Vec<PodSpec>,
) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        if tree.entries(node).is_none() {
            return Err(format!("`{}` is not a mapping", field.join(".")));
        }
        let spec = match tree.get(node, "spec") {
            Some(s) if tree.entries(s).is_some() => s,
            Some(s) => {
                return Err(format!(
                    "`{}` is not a mapping (line {})",
                    join_field(field, "spec"),
                    tree.node(s).line
                ));
            }
            None => return Err(format!("`{}` is missing", join_field(field, "spec"))),
        };
        out.push(PodSpec {
            template: node,
            template_pointer: pointer.to_string(),
            spec,
            spec_pointer: pointer_to(pointer, &["spec"]),
            field: join_field(field, "spec"),
        });
        return Ok(());
    };
    let (key, every) = match first.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (*first, false),
    };
    if tree.entries(node).is_none() {
        return Err(format!("`{}` is not a mapping", field.join(".")));
    }
    let Some(child) = tree.get(node, key) else {
        field.push(key.into());
        let e = format!("`{}` is missing", field.join("."));
        return Err(e);
    };
    let step: Cow<str> = if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1").into()
    } else {
        key.into()
    };
    let pointer = pointer_to(pointer, &[&step]);
    if every {
        let Some(items) = tree.items(child) else {
            return Ok(());
        };
        for (i, item) in items.iter().enumerate() {
            field.push(format!("{key}[{i}]").into());
            walk_templates(
                tree,
                *item,
                &pointer_to(&pointer, &[&i.to_string()]),
                rest,
                field,
                out,
            )?;
            field.pop();
        }
        return Ok(());
    }
    field.push(key.into());
    let r = walk_templates(tree, child, &pointer, rest, field, out);
    field.pop();
    r
}

/// `base` with JSON pointer steps (escaped already) after it. Not `format!`, which cost four
/// times as much on the pointer of every container of every workload.
fn pointer_to(base: &str, steps: &[&str]) -> String {
    let mut pointer =
        String::with_capacity(base.len() + steps.iter().map(|s| s.len() + 1).sum::<usize>());
    pointer.push_str(base);
    for step in steps {
        pointer.push('/');
        pointer.push_str(step);
    }
    pointer
}

fn join_field(field: &[Cow<str>], last: &str) -> String {
    if field.is_empty() {
        last.to_string()
    } else {
        format!("{}.{last}", field.join("."))
    }
}

fn prepare_entry<'c>(
    entry: &'c Entry,
    renderer: &Renderer,
    credentials_prefix: &str,
) -> Result<Prepared<'c>, String> {
    let mut context = json!({
        "name": entry.name,
        "mountPath": entry.mount_path,
        "readOnly": entry.read_only,
        "subPath": entry.sub_path,
        "csi": "",
    });
    let c = context.as_object_mut().unwrap();
    let mut credentials = None;
    match &entry.source {
        Source::HostPath { path, kind } => {
            c.insert("hostPath".into(), json!(path));
            c.insert("hostPathType".into(), json!(kind));
        }
        Source::Claim { claim } => {
            c.insert("existingClaim".into(), json!(claim));
        }
        Source::Bucket {
            store,
            bucket,
            secret,
            secret_key,
            csi,
            mount_options,
        } => {
            if *csi {
                // `gs://bucket/...` → bucket; `wasbs://container@account.blob.core.windows.net/` → container.
                let rest = bucket.split_once("://").map_or(bucket.as_str(), |(_, r)| r);
                let host = rest.split('/').next().unwrap_or("");
                c.insert("csi".into(), json!(store.as_str()));
                c.insert("bucketName".into(), json!(host));
                c.insert(
                    "containerName".into(),
                    json!(host.split('@').next().unwrap_or("")),
                );
                c.insert("secret".into(), json!(secret));
                c.insert("mountOptions".into(), json!(mount_options));
                if *store == Store::S3 {
                    return Err(
                        "`mount: csi` for s3 needs a PersistentVolume (Mountpoint for S3 has no inline volumes), which stowage does not generate yet; create the PV and PVC yourself and use `existingClaim`".into(),
                    );
                }
            } else {
                let dir = format!("{CREDENTIALS_DIR}/{}", entry.name);
                let ctx = json!({
                    "volumeName": format!("{}{CREDENTIALS_SUFFIX}", entry.name),
                    "secret": secret,
                    "secretKey": secret_key,
                    "mountPath": dir,
                });
                let (volume, mount) = renderer.credentials(&ctx)?;
                credentials = Some(Credentials {
                    volume,
                    mount,
                    env_name: credentials_env_name(credentials_prefix, &entry.name),
                    file: format!("{dir}/{secret_key}"),
                });
            }
        }
    }
    let mountable = !matches!(entry.source, Source::Bucket { csi: false, .. });
    let volume = if mountable {
        Some((renderer.volume(&context)?, renderer.mount(&context)?))
    } else {
        None
    };
    Ok(Prepared {
        entry,
        volume,
        credentials,
    })
}

/// An existing env var or mount as a conflict message shows it. Where stowage reads the variable
/// from a Secret, the chart's literal `value` is a credential: it is not printed (issue 6).
fn shown_existing(old: &Value, planned: &Value) -> String {
    if planned.pointer("/valueFrom/secretKeyRef").is_some() && old.get("value").is_some() {
        let mut shown = old.clone();
        shown["value"] = Value::String("<redacted>".into());
        return crate::edit::emit_flow(&shown);
    }
    crate::edit::emit_flow(old)
}

/// The items to add: all of `planned` (borrowed) or the `new` subset of it.
fn shared(planned: &Arc<[Value]>, new: Vec<&Value>) -> Arc<[Value]> {
    if new.len() == planned.len() {
        planned.clone()
    } else {
        new.into_iter().cloned().collect()
    }
}

/// `STOWAGE_CREDENTIALS_<ENTRY>`: upper-cased, `-` → `_` (injective for DNS-label entry names).
pub fn credentials_env_name(prefix: &str, entry: &str) -> String {
    format!("{prefix}{}", entry.to_uppercase().replace('-', "_"))
}

/// Whether an existing block is the one stowage would add. `readOnly: false` is what Kubernetes
/// assumes when `readOnly` is absent, so it doesn't make a block different.
fn same_block(existing: &Value, planned: &Value) -> bool {
    fn strip(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, v)| !(k.as_str() == "readOnly" && **v == Value::Bool(false)))
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    existing == planned || strip(existing) == strip(planned)
}
