//! Kubernetes' own validation rules for the blocks stowage injects (reference/peers.md §2.2).
//!
//! These mirror `k8s.io/apimachinery/pkg/util/validation` and `pkg/apis/core/validation` so that a
//! block we insert is one the API server accepts: we would rather fail at render time, naming the
//! config entry, than hand Argo CD a manifest that `kubectl apply` rejects.
//!
//! The block validators take the block as JSON (what the templates render) and return a list of
//! problems, each starting with the field it is about (`hostPath.path: must not contain '..'`).
//! An empty list means the API server would accept the block.

use serde_json::{Map, Value};

/// `volumes[].name`, container names, label values: DNS-1123 label.
pub const DNS1123_LABEL_MAX: usize = 63;
/// Object names (Secret, PVC, ConfigMap), CSI driver names (≤63 is checked separately): DNS-1123 subdomain.
pub const DNS1123_SUBDOMAIN_MAX: usize = 253;
/// `secretKeyRef.key`, `items[].key`: `[-._a-zA-Z0-9]+`.
pub const CONFIG_KEY_MAX: usize = 253;
/// `csi.driver` is a subdomain but at most 63 characters.
pub const CSI_DRIVER_MAX: usize = 63;
/// `defaultMode` / `items[].mode`: 0..=0777.
pub const FILE_MODE_MAX: u64 = 0o777;

/// `hostPath.type` values the API accepts ("" means no check, like leaving it out).
pub const HOST_PATH_TYPES: &[&str] = &[
    "",
    "DirectoryOrCreate",
    "Directory",
    "FileOrCreate",
    "File",
    "Socket",
    "CharDevice",
    "BlockDevice",
];

/// Every volume source field of `core/v1.Volume`; a volume must set exactly one.
pub const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

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

/// Problems with a `volumes[]` entry.
pub fn validate_volume(volume: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(v) = volume.as_object() else {
        return vec!["volume: must be a mapping".into()];
    };
    check_name(v, "name", &mut out);

    let sources: Vec<&str> = VOLUME_SOURCES
        .iter()
        .copied()
        .filter(|s| v.contains_key(*s))
        .collect();
    match sources.len() {
        0 => out.push("volume: must specify a volume type".into()),
        1 => {}
        _ => out.push(format!(
            "volume: may not specify more than 1 volume type (found {})",
            sources.join(", ")
        )),
    }
    for key in v.keys() {
        if key != "name" && !VOLUME_SOURCES.contains(&key.as_str()) {
            out.push(format!("{key}: unknown field of a volume"));
        }
    }

    if let Some(hp) = v.get("hostPath") {
        validate_host_path(hp, &mut out);
    }
    if let Some(pvc) = v.get("persistentVolumeClaim") {
        validate_pvc(pvc, &mut out);
    }
    if let Some(secret) = v.get("secret") {
        validate_secret_volume(secret, &mut out);
    }
    if let Some(csi) = v.get("csi") {
        validate_csi(csi, &mut out);
    }
    out
}

fn validate_host_path(hp: &Value, out: &mut Vec<String>) {
    let Some(hp) = object(hp, "hostPath", out) else {
        return;
    };
    unknown_fields(hp, "hostPath", &["path", "type"], out);
    match hp.get("path") {
        Some(Value::String(p)) if p.is_empty() => out.push("hostPath.path: required".into()),
        Some(Value::String(p)) if has_backsteps(p) => {
            out.push("hostPath.path: must not contain '..'".into())
        }
        Some(Value::String(_)) => {}
        None => out.push("hostPath.path: required".into()),
        Some(_) => out.push("hostPath.path: must be a string".into()),
    }
    match hp.get("type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if HOST_PATH_TYPES.contains(&t.as_str()) => {}
        Some(t) => out.push(format!(
            "hostPath.type: {t} is not one of {}",
            HOST_PATH_TYPES[1..].join(", ")
        )),
    }
}

fn validate_pvc(pvc: &Value, out: &mut Vec<String>) {
    let Some(pvc) = object(pvc, "persistentVolumeClaim", out) else {
        return;
    };
    unknown_fields(
        pvc,
        "persistentVolumeClaim",
        &["claimName", "readOnly"],
        out,
    );
    match pvc.get("claimName") {
        Some(Value::String(c)) if c.is_empty() => out.push("persistentVolumeClaim.claimName: required".into()),
        // The API only checks non-empty; a claim name that is not a valid PVC name leaves the pod Pending.
        Some(Value::String(c)) if !is_dns1123_subdomain(c) => out.push(format!(
            "persistentVolumeClaim.claimName: {c:?} is not a valid PersistentVolumeClaim name (DNS-1123 subdomain)"
        )),
        Some(Value::String(_)) => {}
        None => out.push("persistentVolumeClaim.claimName: required".into()),
        Some(_) => out.push("persistentVolumeClaim.claimName: must be a string".into()),
    }
    check_bool(pvc, "readOnly", "persistentVolumeClaim.readOnly", out);
}

fn validate_secret_volume(secret: &Value, out: &mut Vec<String>) {
    let Some(s) = object(secret, "secret", out) else {
        return;
    };
    unknown_fields(
        s,
        "secret",
        &["secretName", "items", "defaultMode", "optional"],
        out,
    );
    match s.get("secretName") {
        Some(Value::String(n)) if is_dns1123_subdomain(n) => {}
        Some(Value::String(n)) => out.push(format!(
            "secret.secretName: {n:?} is not a valid Secret name (DNS-1123 subdomain, at most 253 characters)"
        )),
        None => out.push("secret.secretName: required".into()),
        Some(_) => out.push("secret.secretName: must be a string".into()),
    }
    check_mode(s.get("defaultMode"), "secret.defaultMode", out);
    check_bool(s, "optional", "secret.optional", out);
    match s.get("items") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                validate_key_to_path(item, &format!("secret.items[{i}]"), out);
            }
        }
        Some(_) => out.push("secret.items: must be a list".into()),
    }
}

fn validate_key_to_path(item: &Value, at: &str, out: &mut Vec<String>) {
    let Some(item) = object(item, at, out) else {
        return;
    };
    unknown_fields(item, at, &["key", "path", "mode"], out);
    match item.get("key") {
        Some(Value::String(k)) if is_config_key(k) => {}
        Some(Value::String(k)) => out.push(format!(
            "{at}.key: {k:?} is not a valid key (`[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..`)"
        )),
        None => out.push(format!("{at}.key: required")),
        Some(_) => out.push(format!("{at}.key: must be a string")),
    }
    match item.get("path") {
        Some(Value::String(p)) if p.is_empty() => out.push(format!("{at}.path: required")),
        Some(Value::String(p)) => {
            if let Some(problem) = local_descending_path_problem(p) {
                out.push(format!("{at}.path: {problem}"));
            } else if p.starts_with("..") {
                out.push(format!("{at}.path: must not start with '..'"));
            }
        }
        None => out.push(format!("{at}.path: required")),
        Some(_) => out.push(format!("{at}.path: must be a string")),
    }
    check_mode(item.get("mode"), &format!("{at}.mode"), out);
}

fn validate_csi(csi: &Value, out: &mut Vec<String>) {
    let Some(c) = object(csi, "csi", out) else {
        return;
    };
    unknown_fields(
        c,
        "csi",
        &[
            "driver",
            "readOnly",
            "fsType",
            "volumeAttributes",
            "nodePublishSecretRef",
        ],
        out,
    );
    match c.get("driver") {
        Some(Value::String(d)) if d.len() <= CSI_DRIVER_MAX && is_dns1123_subdomain(&d.to_lowercase()) => {}
        Some(Value::String(d)) => out.push(format!(
            "csi.driver: {d:?} is not a valid driver name (DNS-1123 subdomain, at most 63 characters)"
        )),
        None => out.push("csi.driver: required".into()),
        Some(_) => out.push("csi.driver: must be a string".into()),
    }
    check_bool(c, "readOnly", "csi.readOnly", out);
    match c.get("volumeAttributes") {
        None => {}
        Some(Value::Object(attrs)) => {
            for (k, v) in attrs {
                // `map[string]string`: an unquoted `true` in YAML is a bool and the API rejects it.
                if !v.is_string() {
                    out.push(format!(
                        "csi.volumeAttributes.{k}: must be a string (quote it), not {v}"
                    ));
                }
            }
        }
        Some(_) => out.push("csi.volumeAttributes: must be a mapping of strings".into()),
    }
    match c.get("nodePublishSecretRef") {
        None => {}
        Some(Value::Object(r)) => match r.get("name") {
            Some(Value::String(n)) if is_dns1123_subdomain(n) => {}
            _ => out.push(
                "csi.nodePublishSecretRef.name: must be a valid Secret name (DNS-1123 subdomain)"
                    .into(),
            ),
        },
        Some(_) => out.push("csi.nodePublishSecretRef: must be a mapping".into()),
    }
}

/// Problems with a `volumeMounts[]` entry.
pub fn validate_volume_mount(mount: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(m) = mount.as_object() else {
        return vec!["volumeMount: must be a mapping".into()];
    };
    unknown_fields(
        m,
        "volumeMount",
        &[
            "name",
            "mountPath",
            "subPath",
            "subPathExpr",
            "readOnly",
            "recursiveReadOnly",
            "mountPropagation",
        ],
        &mut out,
    );
    check_name(m, "name", &mut out);
    match m.get("mountPath") {
        Some(Value::String(p)) if p.is_empty() => out.push("mountPath: required".into()),
        Some(Value::String(p)) if p.contains(':') => {
            out.push("mountPath: must not contain ':'".into())
        }
        Some(Value::String(_)) => {}
        None => out.push("mountPath: required".into()),
        Some(_) => out.push("mountPath: must be a string".into()),
    }
    match m.get("subPath") {
        None => {}
        Some(Value::String(p)) => {
            if let Some(problem) = local_descending_path_problem(p) {
                out.push(format!("subPath: {problem}"));
            }
        }
        Some(_) => out.push("subPath: must be a string".into()),
    }
    if m.contains_key("subPath") && m.contains_key("subPathExpr") {
        out.push("subPathExpr: subPath and subPathExpr are mutually exclusive".into());
    }
    check_bool(m, "readOnly", "readOnly", &mut out);
    out
}

/// Problems with an `env[]` entry (strict name rule; see [`is_env_name`]).
pub fn validate_env_var(var: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(e) = var.as_object() else {
        return vec!["env: must be a mapping".into()];
    };
    unknown_fields(e, "env", &["name", "value", "valueFrom"], &mut out);
    match e.get("name") {
        Some(Value::String(n)) if is_env_name(n) => {}
        Some(Value::String(n)) => out.push(format!(
            "name: {n:?} is not a valid env var name (`[-._a-zA-Z][-._a-zA-Z0-9]*`, not `.` or `..`)"
        )),
        None => out.push("name: required".into()),
        Some(_) => out.push("name: must be a string".into()),
    }
    match (e.get("value"), e.get("valueFrom")) {
        (Some(_), Some(_)) => {
            out.push("valueFrom: may not be specified when `value` is not empty".into())
        }
        (None, None) => out.push("value: one of value or valueFrom is required".into()),
        _ => {}
    }
    // `value: 8080` or `value: true` is rejected by the API; the YAML must quote it.
    if let Some(v) = e.get("value")
        && !v.is_string()
    {
        out.push(format!("value: must be a string (quote it), not {v}"));
    }
    match e.get("valueFrom") {
        None => {}
        Some(Value::Object(from)) => {
            let kinds = [
                "secretKeyRef",
                "configMapKeyRef",
                "fieldRef",
                "resourceFieldRef",
                "fileKeyRef",
            ];
            let set: Vec<&str> = kinds
                .iter()
                .copied()
                .filter(|k| from.contains_key(*k))
                .collect();
            if set.len() != 1 {
                out.push(format!(
                    "valueFrom: must specify exactly one of {} (found {})",
                    kinds.join(", "),
                    if set.is_empty() {
                        "none".to_string()
                    } else {
                        set.join(", ")
                    }
                ));
            }
            for key in from.keys() {
                if !kinds.contains(&key.as_str()) {
                    out.push(format!("valueFrom.{key}: unknown field"));
                }
            }
            for kind in ["secretKeyRef", "configMapKeyRef"] {
                if let Some(r) = from.get(kind) {
                    validate_key_ref(r, &format!("valueFrom.{kind}"), &mut out);
                }
            }
        }
        Some(_) => out.push("valueFrom: must be a mapping".into()),
    }
    out
}

fn validate_key_ref(r: &Value, at: &str, out: &mut Vec<String>) {
    let Some(r) = object(r, at, out) else { return };
    unknown_fields(r, at, &["name", "key", "optional"], out);
    match r.get("name") {
        Some(Value::String(n)) if is_dns1123_subdomain(n) => {}
        Some(Value::String(n)) => out.push(format!(
            "{at}.name: {n:?} is not a valid object name (DNS-1123 subdomain)"
        )),
        None => out.push(format!("{at}.name: required")),
        Some(_) => out.push(format!("{at}.name: must be a string")),
    }
    match r.get("key") {
        Some(Value::String(k)) if is_config_key(k) => {}
        Some(Value::String(k)) => out.push(format!(
            "{at}.key: {k:?} is not a valid key (`[-._a-zA-Z0-9]+`, at most 253 characters)"
        )),
        None => out.push(format!("{at}.key: required")),
        Some(_) => out.push(format!("{at}.key: must be a string")),
    }
    check_bool(r, "optional", &format!("{at}.optional"), out);
}

// --- small helpers -------------------------------------------------------------------------------

fn object<'a>(v: &'a Value, at: &str, out: &mut Vec<String>) -> Option<&'a Map<String, Value>> {
    let o = v.as_object();
    if o.is_none() {
        out.push(format!("{at}: must be a mapping"));
    }
    o
}

fn check_name(o: &Map<String, Value>, key: &str, out: &mut Vec<String>) {
    match o.get(key) {
        Some(Value::String(n)) if is_dns1123_label(n) => {}
        Some(Value::String(n)) => out.push(format!(
            "{key}: {n:?} is not a valid DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)"
        )),
        None => out.push(format!("{key}: required")),
        Some(_) => out.push(format!("{key}: must be a string")),
    }
}

fn check_bool(o: &Map<String, Value>, key: &str, at: &str, out: &mut Vec<String>) {
    if let Some(v) = o.get(key)
        && !v.is_boolean()
    {
        out.push(format!("{at}: must be a boolean, not {v}"));
    }
}

fn check_mode(v: Option<&Value>, at: &str, out: &mut Vec<String>) {
    match v {
        None => {}
        Some(Value::Number(n)) if n.as_u64().is_some_and(|m| m <= FILE_MODE_MAX) => {}
        Some(v) => out.push(format!(
            "{at}: must be a file mode between 0 and 0777 (511 decimal), not {v}"
        )),
    }
}

fn unknown_fields(o: &Map<String, Value>, at: &str, known: &[&str], out: &mut Vec<String>) {
    for key in o.keys() {
        if !known.contains(&key.as_str()) {
            out.push(format!("{at}.{key}: unknown field"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_boundaries() {
        assert!(is_dns1123_label("a"));
        assert!(is_dns1123_label("data-s3"));
        assert!(is_dns1123_label("0abc9"));
        assert!(is_dns1123_label(&"a".repeat(63)));
        assert!(!is_dns1123_label(&"a".repeat(64)));
        assert!(!is_dns1123_label(""));
        assert!(!is_dns1123_label("-a"));
        assert!(!is_dns1123_label("a-"));
        assert!(!is_dns1123_label("Data"));
        assert!(!is_dns1123_label("a.b"));
        assert!(!is_dns1123_label("a_b"));
    }

    #[test]
    fn subdomain_boundaries() {
        assert!(is_dns1123_subdomain("my-secret"));
        assert!(is_dns1123_subdomain("a.b.c"));
        // 253 = 63 + 1 + 63 + 1 + 63 + 1 + 61
        let s253 = format!("{0}.{0}.{0}.{1}", "a".repeat(63), "b".repeat(61));
        assert_eq!(s253.len(), 253);
        assert!(is_dns1123_subdomain(&s253));
        assert!(!is_dns1123_subdomain(&format!("{s253}b")));
        // Single labels longer than 63 are fine in a subdomain, as in Kubernetes.
        assert!(is_dns1123_subdomain(&"a".repeat(100)));
        assert!(!is_dns1123_subdomain("a..b"));
        assert!(!is_dns1123_subdomain(".a"));
        assert!(!is_dns1123_subdomain("a."));
        assert!(!is_dns1123_subdomain("A"));
        assert!(!is_dns1123_subdomain(""));
    }

    #[test]
    fn config_keys() {
        assert!(is_config_key("key.json"));
        assert!(is_config_key("AWS_ACCESS_KEY-1"));
        assert!(is_config_key(&"k".repeat(253)));
        assert!(!is_config_key(&"k".repeat(254)));
        assert!(!is_config_key(""));
        assert!(!is_config_key("a/b"));
        assert!(!is_config_key("."));
        assert!(!is_config_key(".."));
        assert!(!is_config_key("..a"));
        assert!(is_config_key(".a"));
    }

    #[test]
    fn env_names() {
        assert!(is_env_name("POLYAXON_RUN_DATA_PATHS"));
        assert!(is_env_name("_x"));
        assert!(is_env_name("a.b-c"));
        assert!(is_env_name(".x"));
        assert!(!is_env_name("1A"));
        assert!(!is_env_name(""));
        assert!(!is_env_name("A=B"));
        assert!(!is_env_name("A B"));
        assert!(!is_env_name("."));
        assert!(!is_env_name(".."));
        assert!(!is_env_name("..x"));
    }

    #[test]
    fn paths() {
        assert!(has_backsteps("/a/../b"));
        assert!(has_backsteps(".."));
        assert!(!has_backsteps("/a/..b/c"));
        assert_eq!(local_descending_path_problem("a/b"), None);
        assert_eq!(
            local_descending_path_problem("/a"),
            Some("must be a relative path")
        );
        assert_eq!(
            local_descending_path_problem("a/../../b"),
            Some("must not contain '..'")
        );
    }

    #[test]
    fn valid_volumes_pass() {
        for v in [
            json!({"name": "data1", "hostPath": {"path": "/path/to/data", "type": "Directory"}}),
            json!({"name": "data2", "persistentVolumeClaim": {"claimName": "data-2-pvc", "readOnly": true}}),
            json!({"name": "data-s3-credentials", "secret": {"secretName": "s3-secret", "defaultMode": 256,
                "items": [{"key": "key.json", "path": "key.json"}]}}),
            json!({"name": "data-gcs", "csi": {"driver": "gcsfuse.csi.storage.gke.io", "readOnly": true,
                "volumeAttributes": {"bucketName": "b", "mountOptions": "implicit-dirs"}}}),
        ] {
            assert_eq!(validate_volume(&v), Vec::<String>::new(), "{v}");
        }
    }

    fn has(problems: &[String], needle: &str) -> bool {
        problems.iter().any(|p| p.contains(needle))
    }

    #[test]
    fn volume_problems() {
        let p = validate_volume(&json!({"name": "a".repeat(64), "hostPath": {"path": "/x"}}));
        assert!(has(&p, "name:"), "{p:?}");
        let p = validate_volume(&json!({"name": "a"}));
        assert!(has(&p, "must specify a volume type"), "{p:?}");
        let p = validate_volume(
            &json!({"name": "a", "hostPath": {"path": "/x"}, "persistentVolumeClaim": {"claimName": "c"}}),
        );
        assert!(has(&p, "more than 1 volume type"), "{p:?}");
        let p = validate_volume(
            &json!({"name": "a", "hostPath": {"path": "/x/../etc", "type": "Dir"}}),
        );
        assert!(has(&p, "hostPath.path: must not contain '..'"), "{p:?}");
        assert!(has(&p, "hostPath.type"), "{p:?}");
        let p = validate_volume(&json!({"name": "a", "hostPath": {"path": ""}}));
        assert!(has(&p, "hostPath.path: required"), "{p:?}");
        let p = validate_volume(&json!({"name": "a", "persistentVolumeClaim": {"claimName": ""}}));
        assert!(has(&p, "claimName: required"), "{p:?}");
        let p = validate_volume(
            &json!({"name": "a", "persistentVolumeClaim": {"claimName": "Bad_Claim", "readOnly": "true"}}),
        );
        assert!(has(&p, "claimName"), "{p:?}");
        assert!(has(&p, "readOnly: must be a boolean"), "{p:?}");
        let p = validate_volume(
            &json!({"name": "a", "secret": {"secretName": "s", "defaultMode": 512,
            "items": [{"key": "k/x", "path": "/abs"}, {"key": "k", "path": "../up"}, {"key": "k", "path": "..x"}]}}),
        );
        assert!(has(&p, "defaultMode"), "{p:?}");
        assert!(has(&p, "items[0].key"), "{p:?}");
        assert!(has(&p, "items[0].path: must be a relative path"), "{p:?}");
        assert!(has(&p, "items[1].path: must not contain '..'"), "{p:?}");
        assert!(has(&p, "items[2].path: must not start with '..'"), "{p:?}");
        let p = validate_volume(
            &json!({"name": "a", "secret": {"secretName": "s", "defaultMode": 511}}),
        );
        assert!(p.is_empty(), "{p:?}");
        let p = validate_volume(
            &json!({"name": "a", "csi": {"driver": format!("{}.io", "d".repeat(61)),
            "volumeAttributes": {"skipCSIBucketAccessCheck": true}}}),
        );
        assert!(has(&p, "csi.driver"), "{p:?}");
        assert!(
            has(
                &p,
                "volumeAttributes.skipCSIBucketAccessCheck: must be a string"
            ),
            "{p:?}"
        );
        let p = validate_volume(&json!({"name": "a", "hostPath": {"path": "/x", "tpye": "File"}}));
        assert!(has(&p, "hostPath.tpye: unknown field"), "{p:?}");
    }

    #[test]
    fn mounts() {
        let ok =
            json!({"name": "data1", "mountPath": "/data/1", "readOnly": true, "subPath": "a/b"});
        assert!(validate_volume_mount(&ok).is_empty());
        let p = validate_volume_mount(&json!({"name": "x", "mountPath": "/a:b"}));
        assert!(has(&p, "mountPath: must not contain ':'"), "{p:?}");
        let p = validate_volume_mount(&json!({"name": "x"}));
        assert!(has(&p, "mountPath: required"), "{p:?}");
        let p = validate_volume_mount(&json!({"name": "x", "mountPath": "/a", "subPath": "/abs"}));
        assert!(has(&p, "subPath: must be a relative path"), "{p:?}");
        let p = validate_volume_mount(&json!({"name": "x", "mountPath": "/a", "subPath": "a/.."}));
        assert!(has(&p, "subPath: must not contain '..'"), "{p:?}");
        let p = validate_volume_mount(&json!({"name": "X", "mountPath": "/a", "readOnly": "yes"}));
        assert!(has(&p, "name:"), "{p:?}");
        assert!(has(&p, "readOnly: must be a boolean"), "{p:?}");
    }

    #[test]
    fn env_vars() {
        assert!(validate_env_var(&json!({"name": "A", "value": "1"})).is_empty());
        assert!(validate_env_var(&json!({"name": "A", "valueFrom": {"secretKeyRef": {"name": "s3-secret", "key": "key.json"}}})).is_empty());
        let p = validate_env_var(&json!({"name": "A", "value": 1}));
        assert!(has(&p, "value: must be a string"), "{p:?}");
        let p = validate_env_var(&json!({"name": "A"}));
        assert!(has(&p, "one of value or valueFrom"), "{p:?}");
        let p =
            validate_env_var(&json!({"name": "A", "value": "x", "valueFrom": {"fieldRef": {}}}));
        assert!(has(&p, "valueFrom: may not be specified"), "{p:?}");
        let p = validate_env_var(
            &json!({"name": "..A", "valueFrom": {"secretKeyRef": {"name": "Bad", "key": "a/b"}}}),
        );
        assert!(has(&p, "name:"), "{p:?}");
        assert!(has(&p, "secretKeyRef.name"), "{p:?}");
        assert!(has(&p, "secretKeyRef.key"), "{p:?}");
    }
}
