//! mountPath, hostPath and allowHostPaths: absolute, normalised, and no sensitive host paths.

use serde_json::{Map, Value};

use super::{Checker, flag, text};

impl Checker<'_> {
    /// Check a `hostPath` and return it clean: absolute, no `..`, not sensitive unless allowed.
    pub(in crate::config) fn host_path(
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

    /// elements are refused rather than resolved: kubelet and the API do not agree on them.
    pub(in crate::config) fn clean_path(
        &mut self,
        at: &str,
        field: &str,
        p: &str,
    ) -> Option<String> {
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

    /// `allowHostPaths`, cleaned. Invalid items are the schema's to report.
    pub(in crate::config) fn allow_host_paths(&mut self, root: &Map<String, Value>) -> Vec<String> {
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

/// Host paths a pod must not mount unless `allowHostPaths` says so,, with why.
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
