//! The changes of one workload present in both plans, each with its severity.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::compare::{Change, Level, change};
use super::volumes::{Container, DATA_PATHS_ENV, Mount, OUTPUTS_PATH_ENV, WorkloadVolumes};
use crate::config::CREDENTIALS_DIR;

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

/// An outputs path and its run directory: a last segment known only when the pod starts (`<label
/// batch.kubernetes.io/controller-uid>`, as `diff` reads a `$(VAR)` of a pod field).
fn run_split(path: &str) -> (&str, Option<&str>) {
    match path.rfind("/<") {
        Some(i) if path.ends_with('>') => (&path[..i], Some(&path[i + 1..])),
        _ => (path, None),
    }
}

fn is_bucket(path: &str) -> bool {
    path.contains("://")
}

pub(super) fn compare_workload(o: &WorkloadVolumes, n: &WorkloadVolumes) -> Vec<Change> {
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
            (Some(a), Some(b)) if a != b && run_split(a).0 == run_split(b).0 => {
                let (base, ..) = run_split(a);
                let (level, message) = match (run_split(a).1, run_split(b).1) {
                    (None, Some(run)) => (
                        Level::Info,
                        format!(
                            "outputs are now per run: each run writes below {base} in its own directory, named by {run}"
                        ),
                    ),
                    (Some(_), None) => (
                        Level::Warning,
                        format!(
                            "outputs are no longer per run: every run writes to {base}, over the last one's"
                        ),
                    ),
                    (_, run) => (
                        Level::Info,
                        format!(
                            "the directory of each run below {base} is now named by {}",
                            run.unwrap_or_default()
                        ),
                    ),
                };
                push(
                    &mut out,
                    level,
                    field,
                    Some(a.clone()),
                    Some(b.clone()),
                    message,
                );
            }
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
