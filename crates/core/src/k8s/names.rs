//! Names, keys and paths as the API server checks them (`k8s.io/apimachinery`'s
//! `IsDNS1123Label`, `IsDNS1123Subdomain`, `IsConfigMapKey`, `IsEnvVarName`, and core
//! validation's path rules).

/// `volumes[].name`, container names, label values: DNS-1123 label.
pub const DNS1123_LABEL_MAX: usize = 63;
/// Object names (Secret, PVC, ConfigMap), CSI driver names (≤63 is checked separately): DNS-1123 subdomain.
pub const DNS1123_SUBDOMAIN_MAX: usize = 253;
/// `secretKeyRef.key`, `items[].key`: `[-._a-zA-Z0-9]+`.
pub const CONFIG_KEY_MAX: usize = 253;

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub fn is_dns1123_label(s: &str) -> bool {
    s.len() <= DNS1123_LABEL_MAX && is_label_shape(s)
}

/// Dot-separated DNS-1123 labels, at most 253 characters in total. Like Kubernetes, the single
/// labels are not limited to 63 here: only the total length is.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= DNS1123_SUBDOMAIN_MAX && s.split('.').all(is_label_shape)
}

fn is_label_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && alnum(b[0])
        && alnum(b[b.len() - 1])
        && b.iter().all(|&c| alnum(c) || c == b'-')
}

/// A ConfigMap/Secret key (`IsConfigMapKey`): `[-._a-zA-Z0-9]+`, ≤253, and not `.`, `..` or
/// `..`-prefixed (it becomes a file name when the secret is mounted).
pub fn is_config_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= CONFIG_KEY_MAX
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
        && !is_chdir_name(s)
}

/// An env var name under the strict rule (`IsEnvVarName`, the only rule before Kubernetes 1.32):
/// `[-._a-zA-Z][-._a-zA-Z0-9]*`, and not `.`, `..` or `..`-prefixed.
pub fn is_env_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    let first_ok = matches!(bytes.next(), Some(c) if c.is_ascii_alphabetic() || matches!(c, b'-' | b'.' | b'_'));
    first_ok
        && bytes.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
        && !is_chdir_name(s)
}

/// `.`, `..` and anything starting with `..` are refused where a name becomes a path element.
fn is_chdir_name(s: &str) -> bool {
    s == "." || s.starts_with("..")
}

/// True when a `/`-separated path has a `..` element (`validatePathNoBacksteps`).
pub fn has_backsteps(path: &str) -> bool {
    path.split('/').any(|part| part == "..")
}

/// A relative path that stays below its root (`validateLocalDescendingPath`): not absolute and no
/// `..` element. Used for `subPath` and `items[].path`.
pub fn local_descending_path_problem(path: &str) -> Option<&'static str> {
    if path.starts_with('/') {
        Some("must be a relative path")
    } else if has_backsteps(path) {
        Some("must not contain '..'")
    } else {
        None
    }
}
