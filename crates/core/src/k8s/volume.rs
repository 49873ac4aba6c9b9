//! `volumes[]` entries: exactly one source, and the rules of the sources stowage writes
//! (hostPath, persistentVolumeClaim, secret, csi).

use serde_json::Value;

use super::{check_bool, check_name, is_config_key, is_dns1123_subdomain, object, unknown_fields};
use super::{has_backsteps, local_descending_path_problem};

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

fn check_mode(v: Option<&Value>, at: &str, out: &mut Vec<String>) {
    match v {
        None => {}
        Some(Value::Number(n)) if n.as_u64().is_some_and(|m| m <= FILE_MODE_MAX) => {}
        Some(v) => out.push(format!(
            "{at}: must be a file mode between 0 and 0777 (511 decimal), not {v}"
        )),
    }
}
