//! Paths: mountPath, subPath, hostPath and allowHostPaths: absolute (or, for subPath, relative),
//! normalised, below their root, and no sensitive host paths.

use std::collections::HashSet;

use super::{Checker, Problem, path_of};
use crate::config::raw::RawEntry;
use crate::config::{CREDENTIALS_DIR, Entry, Role};
use crate::k8s;

impl Checker<'_> {
    /// A `mountPath`, clean: absolute, normalised, not `/` and not where credentials go.
    pub(super) fn mount_path(&mut self, at: &str, p: &str) -> Option<String> {
        let clean = self.clean_path(at, "mountPath", p)?;
        if clean == "/" {
            self.error(
                at,
                "`mountPath` must not be `/`: it would hide the container's whole filesystem",
                None,
            );
        } else if clean == CREDENTIALS_DIR || is_under(&clean, CREDENTIALS_DIR) {
            self.error(
                at,
                format!("`{clean}` is reserved: stowage mounts bucket credentials under `{CREDENTIALS_DIR}`"),
                Some("choose another mountPath".into()),
            );
        }
        Some(clean)
    }

    /// A hostPath or claim entry is mounted somewhere.
    pub(super) fn needs_mount_path(
        &mut self,
        role: Role,
        name: &str,
        path: &str,
        e: &RawEntry,
        what: &str,
    ) {
        if e.mount_path.is_none() {
            self.error(
                &format!("{path}.mountPath"),
                format!("`mountPath` is required for {what} entry"),
                Some(format!("e.g. `mountPath: /{}/{name}`", role.key())),
            );
        }
    }

    /// The rules of a clean `hostPath` (see [`Checker::clean_path`]): not sensitive unless
    /// allowed, and a warning for what Pod Security and a writable or created path mean.
    pub(super) fn host_path(&mut self, path: &str, e: &RawEntry, clean: &str, allow: &[String]) {
        let at = format!("{path}.hostPath");
        if let Some(why) = sensitive_host_path(clean)
            && !allow.iter().any(|a| clean == *a || is_under(clean, a))
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
        if !e.read_only {
            self.warning(
                &at,
                "writable hostPath: the workload can write to the node's filesystem (and, through symlinks, outside this directory)",
                Some("set `readOnly: true` unless the workload must write there".into()),
            );
        }
        if let Some(t @ ("DirectoryOrCreate" | "FileOrCreate")) = e.host_path_type.as_deref() {
            self.warning(
                &format!("{path}.hostPathType"),
                format!("`{t}` creates a root-owned path on the node when it is missing"),
                Some("prefer `Directory` or `File`, so a typo fails instead of creating an empty path".into()),
            );
        }
    }

    /// A `subPath` stays inside its volume.
    pub(super) fn sub_path(&mut self, at: &str, p: &str) {
        if let Err(problem) = sub_path(p) {
            self.report(at, problem);
        }
    }

    /// An absolute path made canonical (see [`clean_path`]), with a note when that changed it.
    pub(super) fn clean_path(&mut self, at: &str, field: &str, p: &str) -> Option<String> {
        match clean_path(field, p) {
            Ok(clean) => {
                if clean != p {
                    self.note(at, format!("`{field}` `{p}` normalised to `{clean}`"));
                }
                Some(clean)
            }
            Err(problem) => {
                self.report(at, problem);
                None
            }
        }
    }

    /// `allowHostPaths`, cleaned.
    pub(in crate::config) fn allow_host_paths(&mut self, items: &[Option<String>]) -> Vec<String> {
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(p) = item
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

    /// Mount paths, compared after normalisation, between entries that can be mounted together:
    /// data entries (every one by default) and one outputs entry. Two outputs entries are
    /// alternatives, so they may share a mountPath. Entries on one path are not an error here:
    /// each workload may pick just one of them (Polyaxon's own CI values put three data entries
    /// at `/tmp/data`); the planner refuses a workload that would get two.
    pub(super) fn mount_paths_together(&mut self, data: &[Entry], outputs: &[Entry]) {
        let mounted: Vec<(&Entry, &str)> = data
            .iter()
            .chain(outputs)
            .filter_map(|e| e.mount_path.as_deref().map(|p| (e, p)))
            .collect();
        for (j, (later, lp)) in mounted.iter().enumerate() {
            let mut compared = HashSet::new(); // an earlier entry on this path was named already
            for (earlier, ep) in &mounted[..j] {
                if later.role == Role::Outputs && earlier.role == Role::Outputs {
                    continue;
                }
                if !compared.insert(*ep) {
                    continue;
                }
                if lp == ep {
                    let hint = if later.role == Role::Data {
                        "by default a workload gets every data entry: pick one of them per workload (the `stowage.dev/data` annotation or a `persistence.workloads` rule), or give each its own mountPath"
                    } else {
                        "pick per workload which of the two it gets (the `stowage.dev/data` and `stowage.dev/outputs` annotations or a `persistence.workloads` rule), or give each its own mountPath"
                    };
                    self.warning(
                        &format!("{}.mountPath", path_of(later)),
                        format!(
                            "mountPath `{lp}` is also the mountPath of `{}`: a workload that gets both entries will be refused",
                            path_of(earlier)
                        ),
                        Some(hint.into()),
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
    }
}

/// Make an absolute path canonical (`/data//x/` → `/data/x`). `.` and `..` elements are refused
/// rather than resolved: kubelet and the API do not agree on them. `field` names the path in
/// messages; a `mountPath` must not contain `:` either.
pub(in crate::config) fn clean_path(field: &str, p: &str) -> Result<String, Problem> {
    if field == "mountPath" && p.contains(':') {
        return Err(Problem::new(format!(
            "`mountPath` must not contain `:` (got `{p}`)"
        )));
    }
    if !p.starts_with('/') {
        return Err(
            Problem::new(format!("`{field}` must be an absolute path (got `{p}`)"))
                .hint(format!("write `/{p}`")),
        );
    }
    if has_line_break(p) {
        return Err(Problem::new(format!(
            "`{field}` must not contain a line break (got {p:?})"
        )));
    }
    let mut parts = Vec::new();
    for part in p.split('/') {
        match part {
            "" => {}
            "." | ".." => {
                return Err(Problem::new(format!(
                    "`{field}` must not contain a `{part}` element (got `{p}`)"
                ))
                .hint("write the path without it"));
            }
            _ => parts.push(part),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

/// A `subPath`: relative, on one line, and never above the volume's root.
pub(in crate::config) fn sub_path(p: &str) -> Result<(), Problem> {
    let problem = if has_line_break(p) {
        "must not contain a line break"
    } else {
        match k8s::local_descending_path_problem(p) {
            Some(problem) => problem,
            None => return Ok(()),
        }
    };
    Err(Problem::new(format!("`subPath` {problem}"))
        .hint("use a path relative to the volume's root"))
}

/// A line terminator as JSON Schema's regexes (ECMA-262) know them: `.` matches none of them.
pub(in crate::config) fn has_line_break(s: &str) -> bool {
    s.contains(['\n', '\r', '\u{2028}', '\u{2029}'])
}

/// True when clean absolute `child` lies strictly below `parent`.
pub(super) fn is_under(child: &str, parent: &str) -> bool {
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

/// Host paths a pod must not mount unless `allowHostPaths` says so, with why.
/// A path is refused when it is one of these, or contains one of them (`/var` holds
/// `/var/run/docker.sock`), or lies under one of [`SENSITIVE_HOST_TREES`].
const SENSITIVE_HOST_PATHS: &[(&str, &str)] = &[
    ("/", "the node's root filesystem"),
    ("/var/run", "the node's runtime sockets"),
    ("/run", "the node's runtime sockets"),
    ("/root", "root's home directory on the node"),
    ("/home", "the users' home directories on the node"),
    ("/var/run/docker.sock", RUNTIME_SOCKET),
    ("/run/docker.sock", RUNTIME_SOCKET),
    ("/var/run/cri-dockerd.sock", RUNTIME_SOCKET),
    ("/run/cri-dockerd.sock", RUNTIME_SOCKET),
    ("/var/run/containerd/containerd.sock", RUNTIME_SOCKET),
    ("/run/containerd/containerd.sock", RUNTIME_SOCKET),
    ("/var/run/crio/crio.sock", RUNTIME_SOCKET),
    ("/run/crio/crio.sock", RUNTIME_SOCKET),
];

const RUNTIME_SOCKET: &str = "a container runtime socket: it controls every container on the node";

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
