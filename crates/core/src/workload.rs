//! The workloads of an object and their pods, found in a parsed tree: what the planner edits and
//! what `diff` compares. A `List` (or any `*List`) gives the workloads of its items.
//!
//! A pod is where its volumes are and where its containers are: for most kinds a pod spec (the
//! containers are in it), for Argo Workflows and the Spark operator one `volumes` list and
//! containers elsewhere in the object (`kinds::Pods`).

use crate::config::WorkloadKind;
use crate::kinds::{self, BuiltIn, Known, Pods};
use crate::report::{Diagnostic, Place};
use crate::yaml::{NodeId, Tree};

/// The kinds a run looks into: the built-in ones not turned off, and the configured ones
/// (which come first: a configured kind takes the place of a built-in one of that name).
#[derive(Clone, Copy, Default)]
pub struct Kinds<'a> {
    pub configured: &'a [WorkloadKind],
    /// `persistence.disabledKinds`: built-in kinds as `Kind.group` (the core group's as `Kind`).
    pub disabled: &'a [String],
}

impl Kinds<'_> {
    fn enabled(&self, b: &BuiltIn) -> bool {
        !self.disabled.iter().any(|d| match d.split_once('.') {
            Some((kind, group)) => kind == b.kind && group == b.group,
            None => d == b.kind && b.group.is_empty(),
        })
    }
}

/// A workload: an object with one or more pods.
#[derive(Clone, Debug)]
pub struct Workload {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// The object's mapping, and its JSON pointer below the object `find` was given.
    pub object: NodeId,
    pub pointer: String,
    pub pods: Vec<Pod>,
    /// Claim templates (a StatefulSet's, a Workflow's) by name, with their lines: the controller
    /// mounts each claim as a pod volume of that name, in place of any pod volume so named.
    pub claim_templates: Vec<(String, usize)>,
    /// The pod field (`metadata.labels['…']`) whose value tells one run from another; `None` for
    /// a long-running workload.
    pub run: Option<String>,
    /// Its pods are named by their fields (replica types, worker groups, tasks): a kind with
    /// several pod spec paths, or paths through every item or value.
    pub named_pods: bool,
}

/// One pod of a workload (one replica type, worker group, task, ...).
#[derive(Clone, Debug)]
pub struct Pod {
    /// The mapping that holds the pod's `volumes` (the pod spec, where there is one), its JSON
    /// pointer, and its field path for messages (`spec.template.spec`).
    pub spec: NodeId,
    pub spec_pointer: String,
    pub field: String,
    /// Init containers first, as a pod starts them.
    pub containers: Vec<Container>,
    /// Where the pod's annotations and labels are.
    pub metadata: Vec<Metadata>,
}

#[derive(Clone, Debug)]
pub struct Container {
    pub node: NodeId,
    pub pointer: String,
    /// `spec.template.spec.containers[0]`.
    pub field: String,
    /// An init container (native sidecars included).
    pub init: bool,
    /// The name the pod gives it when it has no `name` (Argo's `main`).
    pub default_name: Option<&'static str>,
    /// What it gets: the mounts (in its `volumeMounts`), the env vars (in its `env`). An Argo
    /// `containerSet` gets the mounts of all its containers, which get only the env.
    pub mounts: bool,
    pub env: bool,
}

/// Where a pod's annotations are: `keys` below the mapping `at` (a pod template's `metadata`, an
/// Argo Workflow's `podMetadata`, a Spark driver's own `annotations`).
#[derive(Clone, Debug)]
pub struct Metadata {
    pub at: NodeId,
    pub pointer: String,
    pub field: String,
    pub annotations: &'static [&'static str],
}

impl Metadata {
    /// The keys of the labels beside the annotations.
    pub fn labels(&self) -> Vec<&'static str> {
        let mut keys = self.annotations.to_vec();
        keys.pop();
        keys.push("labels");
        keys
    }

    /// `spec.template.metadata.annotations`, for messages.
    pub fn annotations_field(&self) -> String {
        join(&self.field, &self.annotations.join("."))
    }
}

/// The workloads of the object at `node`: built-in kinds, configured kinds, and the items of
/// lists. An object of a built-in kind in a version stowage doesn't know is left alone with a note
/// in `notes`. An error names the line (of the tree) where the object is malformed.
pub fn find(
    tree: &Tree,
    node: NodeId,
    kinds: Kinds,
    notes: &mut Vec<Diagnostic>,
) -> Result<Vec<Workload>, Diagnostic> {
    let mut out = Vec::new();
    if let Some(kind) = string_at(tree, node, &["kind"]) {
        collect(tree, node, kind, String::new(), kinds, notes, &mut out)?;
    }
    Ok(out)
}

/// Whether an object of this kind may hold workloads, so is worth parsing and planning.
pub fn may_hold_workloads(kind: &str, kinds: Kinds) -> bool {
    kinds::is_workload_kind(kind)
        || kinds::is_list_kind(kind)
        || kinds.configured.iter().any(|w| w.kind == kind)
}

/// The string at `keys` below `node` (`["metadata", "name"]`), if there is one.
pub fn string_at<'t>(tree: &'t Tree, node: NodeId, keys: &[&str]) -> Option<&'t str> {
    node_at(tree, node, keys).and_then(|at| tree.as_str(at))
}

/// The node at `keys` below `node`, if there is one.
pub fn node_at(tree: &Tree, node: NodeId, keys: &[&str]) -> Option<NodeId> {
    keys.iter().try_fold(node, |at, key| tree.get(at, key))
}

fn error_at(tree: &Tree, at: NodeId, message: String) -> Diagnostic {
    Diagnostic::error(
        Place {
            line: Some(tree.node(at).line),
            ..Place::default()
        },
        message,
    )
}

/// Where an object's pods are, from the built-in table or a configured kind.
struct Shape<'a> {
    pods: Pods<'a>,
    claim_templates: Option<&'a str>,
    /// The pod template is required (a Kubernetes kind): a missing one is an error.
    required: bool,
    run: Option<&'a str>,
}

fn collect(
    tree: &Tree,
    object: NodeId,
    kind: &str,
    pointer: String,
    kinds: Kinds,
    notes: &mut Vec<Diagnostic>,
    out: &mut Vec<Workload>,
) -> Result<(), Diagnostic> {
    if kinds::is_list_kind(kind) {
        let Some(items) = tree.get(object, "items") else {
            return Ok(());
        };
        if tree.is_null(items) {
            return Ok(());
        }
        let Some(list) = tree.items(items) else {
            return Err(error_at(
                tree,
                items,
                format!("{kind}: `items` is not a list"),
            ));
        };
        for (i, item) in list.iter().enumerate() {
            if let Some(item_kind) = string_at(tree, *item, &["kind"]) {
                let pointer = pointer_to(&pointer, &["items", &i.to_string()]);
                collect(tree, *item, item_kind, pointer, kinds, notes, out)?;
            }
        }
        return Ok(());
    }
    let api_version = string_at(tree, object, &["apiVersion"]);
    // An object made with `generateName` (an Argo Workflow) is named by its prefix.
    let name = string_at(tree, object, &["metadata", "name"])
        .or_else(|| {
            string_at(tree, object, &["metadata", "generateName"]).map(|g| g.trim_end_matches('-'))
        })
        .unwrap_or("");
    let configured = kinds.configured.iter().find(|w| {
        w.kind == kind
            && w.api_version
                .as_deref()
                .is_none_or(|a| Some(a) == api_version)
    });
    let (specs, containers): (Vec<&str>, Vec<(&str, Option<&str>)>);
    let run_label: Option<String>;
    let shape = match (configured, kinds::built_in(api_version, kind)) {
        (Some(w), _) => {
            specs = w.pod_spec_paths.iter().map(String::as_str).collect();
            containers = w
                .container_paths
                .iter()
                .map(|p| (p.as_str(), None))
                .collect();
            run_label = w
                .run_label
                .as_ref()
                .map(|l| format!("metadata.labels['{l}']"));
            Shape {
                pods: match &w.volumes_path {
                    Some(volumes) => Pods::Split {
                        volumes,
                        containers: &containers,
                        shared_mounts: &[],
                        metadata: &[],
                    },
                    None => Pods::Specs(&specs),
                },
                claim_templates: None,
                required: false,
                run: run_label.as_deref(),
            }
        }
        (None, Known::Kind(b)) if kinds.enabled(b) => Shape {
            pods: b.pods,
            claim_templates: b.claim_templates,
            required: b.versions.is_empty(),
            run: b.run,
        },
        (None, Known::OtherVersion(b)) if kinds.enabled(b) => {
            notes.push(Diagnostic::note(
                Place {
                    object: Some(format!("{kind}/{name}")),
                    line: Some(tree.node(object).line),
                    ..Place::default()
                },
                format!(
                    "`{}` is not a version of {} that stowage knows ({}): left alone",
                    api_version.unwrap_or_default(),
                    kinds::qualified(b),
                    b.versions.iter().map(|v| format!("{}/{v}", b.group)).collect::<Vec<_>>().join(", ")
                ),
            ).with_hint("to inject it, describe where its pods are in `persistence.workloadKinds` with this apiVersion"));
            return Ok(());
        }
        _ => return Ok(()),
    };
    let pods = pods_of(tree, object, &pointer, &shape)?;
    if pods.is_empty() {
        let paths = match shape.pods {
            Pods::Specs(paths) => paths.join("`, `"),
            Pods::Split { containers, .. } => containers
                .iter()
                .map(|(p, _)| *p)
                .collect::<Vec<_>>()
                .join("`, `"),
        };
        notes.push(Diagnostic::note(
            Place {
                object: Some(format!("{kind}/{name}")),
                line: Some(tree.node(object).line),
                ..Place::default()
            },
            format!("no pod at `{paths}`: nothing to inject"),
        ));
    }
    let mut claim_templates = Vec::new();
    if let Some(path) = shape.claim_templates {
        let steps: Vec<&str> = path.split('.').collect();
        if let Some(list) = node_at(tree, object, &steps) {
            for t in tree.items(list).unwrap_or(&[]) {
                if let Some(n) = string_at(tree, *t, &["metadata", "name"]) {
                    claim_templates.push((n.to_string(), tree.node(*t).line));
                }
            }
        }
    }
    out.push(Workload {
        kind: kind.to_string(),
        name: name.to_string(),
        namespace: string_at(tree, object, &["metadata", "namespace"]).map(str::to_string),
        object,
        pointer,
        pods,
        claim_templates,
        run: shape.run.map(str::to_string),
        named_pods: match shape.pods {
            Pods::Specs(paths) => paths.len() > 1 || paths.iter().any(|p| p.contains(['*', '['])),
            Pods::Split { .. } => false,
        },
    });
    Ok(())
}

/// The pods of an object of this shape.
fn pods_of(
    tree: &Tree,
    object: NodeId,
    pointer: &str,
    shape: &Shape,
) -> Result<Vec<Pod>, Diagnostic> {
    let start = Reached {
        node: object,
        pointer: pointer.to_string(),
        field: String::new(),
    };
    let walk = |from: &Reached, path: &str, required: bool| -> Result<Vec<Reached>, Diagnostic> {
        let mut found = Vec::new();
        // Room for the steps, so extending the buffers seldom reallocates.
        let mut at = Reached {
            node: from.node,
            pointer: String::with_capacity(from.pointer.len() + 64),
            field: String::with_capacity(from.field.len() + 64),
        };
        at.pointer.push_str(&from.pointer);
        at.field.push_str(&from.field);
        walk(tree, &mut at, path, required, &mut found)
            .map_err(|(node, message)| error_at(tree, node, message))?;
        Ok(found)
    };
    let mut pods = Vec::new();
    match shape.pods {
        Pods::Specs(paths) => {
            for path in paths {
                // The mapping above a pod spec is its template, whose metadata is the pod's.
                let (to_template, spec_key) = path.rsplit_once('.').unwrap_or(("", path));
                for template in walk(&start, to_template, shape.required)? {
                    let Some(spec) = walk(&template, spec_key, shape.required)?.pop() else {
                        continue;
                    };
                    mapping(tree, &spec)?;
                    let mut containers = Vec::new();
                    for (list, init) in [("initContainers[]", true), ("containers[]", false)] {
                        for c in walk(&spec, list, false)? {
                            containers.push(container(tree, c, init, None, (true, true))?);
                        }
                    }
                    pods.push(Pod {
                        spec: spec.node,
                        spec_pointer: spec.pointer,
                        field: spec.field,
                        containers,
                        metadata: vec![Metadata {
                            at: template.node,
                            pointer: template.pointer,
                            field: template.field,
                            annotations: &["metadata", "annotations"],
                        }],
                    });
                }
            }
        }
        Pods::Split {
            volumes,
            containers: container_paths,
            shared_mounts,
            metadata,
        } => {
            // The mapping holding the volumes list is the pod's.
            let holder = volumes.rsplit_once('.').map_or("", |(h, _)| h);
            let Some(spec) = walk(&start, holder, false)?.pop() else {
                return Ok(pods);
            };
            mapping(tree, &spec)?;
            let mut containers = Vec::new();
            for (path, name) in container_paths {
                let init = path.contains("initContainers");
                for c in walk(&start, path, false)? {
                    containers.push(container(tree, c, init, *name, (true, true))?);
                }
            }
            for (path, members) in shared_mounts {
                for set in walk(&start, path, false)? {
                    for c in walk(&set, members, false)? {
                        containers.push(container(tree, c, false, None, (false, true))?);
                    }
                    containers.push(container(tree, set, false, None, (true, false))?);
                }
            }
            let mut holders = Vec::new();
            for (path, annotations) in metadata {
                for m in walk(&start, path, false)? {
                    holders.push(Metadata {
                        at: m.node,
                        pointer: m.pointer,
                        field: m.field,
                        annotations,
                    });
                }
            }
            pods.push(Pod {
                spec: spec.node,
                spec_pointer: spec.pointer,
                field: spec.field,
                containers,
                metadata: holders,
            });
        }
    }
    Ok(pods)
}

/// A container found at `c`, its name when it has none, and what it gets: (mounts, env).
fn container(
    tree: &Tree,
    c: Reached,
    init: bool,
    default_name: Option<&'static str>,
    (mounts, env): (bool, bool),
) -> Result<Container, Diagnostic> {
    mapping(tree, &c)?;
    Ok(Container {
        node: c.node,
        pointer: c.pointer,
        field: c.field,
        init,
        default_name,
        mounts,
        env,
    })
}

fn mapping(tree: &Tree, r: &Reached) -> Result<(), Diagnostic> {
    match tree.entries(r.node) {
        Some(_) => Ok(()),
        None => Err(error_at(
            tree,
            r.node,
            format!("`{}` is not a mapping", r.field),
        )),
    }
}

/// A node a path leads to, with its JSON pointer and its field path for messages.
#[derive(Clone)]
struct Reached {
    node: NodeId,
    pointer: String,
    field: String,
}

/// Follow `path` (dotted steps) from `at`: a key, a key with `[]` (every item of its list) or `*`
/// (every value of the mapping), adding what it reaches to `out`. A missing or null step (or end)
/// ends the walk there, or is an error when `required`; a step into something that is not a
/// mapping or list is an error with its line. `at`'s pointer and field are extended for each step
/// and cut back after it, so only what is reached is copied.
fn walk(
    tree: &Tree,
    at: &mut Reached,
    path: &str,
    required: bool,
    out: &mut Vec<Reached>,
) -> Result<(), (NodeId, String)> {
    if path.is_empty() {
        if required || !tree.is_null(at.node) {
            out.push(at.clone());
        }
        return Ok(());
    }
    let (step, rest) = path.split_once('.').unwrap_or((path, ""));
    let node = at.node;
    let Some(entries) = tree.entries(node) else {
        if tree.is_null(node) && !required {
            return Ok(());
        }
        return Err((node, format!("`{}` is not a mapping", at.field)));
    };
    let (pointer_len, field_len) = (at.pointer.len(), at.field.len());
    let mut into = |at: &mut Reached, child: NodeId, key: &str, index: Option<usize>| {
        at.node = child;
        at.pointer.push('/');
        at.pointer.push_str(&escape(key));
        if !at.field.is_empty() {
            at.field.push('.');
        }
        at.field.push_str(key);
        if let Some(i) = index {
            let i = i.to_string();
            at.pointer.push('/');
            at.pointer.push_str(&i);
            at.field.push('[');
            at.field.push_str(&i);
            at.field.push(']');
        }
        let r = walk(tree, at, rest, required, out);
        at.node = node;
        at.pointer.truncate(pointer_len);
        at.field.truncate(field_len);
        r
    };
    if step == "*" {
        for (k, v) in entries {
            into(at, *v, tree.as_str(*k).unwrap_or_default(), None)?;
        }
        return Ok(());
    }
    let (key, every) = match step.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (step, false),
    };
    let Some(child) = tree.get(node, key) else {
        if !required {
            return Ok(());
        }
        return Err((node, format!("`{}` is missing", join(&at.field, key))));
    };
    if !every {
        return into(at, child, key, None);
    }
    if tree.is_null(child) {
        return Ok(());
    }
    let Some(items) = tree.items(child) else {
        return Err((child, format!("`{}` is not a list", join(&at.field, key))));
    };
    for (i, item) in items.iter().enumerate() {
        into(at, *item, key, Some(i))?;
    }
    Ok(())
}

/// A key as a JSON pointer step.
fn escape(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1").into()
    } else {
        key.into()
    }
}

/// `base` with JSON pointer steps (escaped already) after it. Not `format!`, which cost four
/// times as much on the pointer of every container of every workload.
pub fn pointer_to(base: &str, steps: &[&str]) -> String {
    let mut pointer =
        String::with_capacity(base.len() + steps.iter().map(|s| s.len() + 1).sum::<usize>());
    pointer.push_str(base);
    for step in steps {
        pointer.push('/');
        pointer.push_str(step);
    }
    pointer
}

/// A field path with one more step: `spec` + `template` → `spec.template`.
fn join(field: &str, step: &str) -> String {
    if field.is_empty() {
        step.to_string()
    } else {
        format!("{field}.{step}")
    }
}

#[cfg(test)]
mod tests;
