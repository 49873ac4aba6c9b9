//! Kubernetes' own validation rules for the blocks stowage injects.
//!
//! These mirror `k8s.io/apimachinery/pkg/util/validation` and `pkg/apis/core/validation` so that a
//! block we insert is one the API server accepts: we would rather fail at render time, naming the
//! config entry, than hand Argo CD a manifest that `kubectl apply` rejects.
//!
//! The block validators take the block as JSON (what the templates render) and return a list of
//! problems, each starting with the field it is about (`hostPath.path: must not contain '..'`).
//! An empty list means the API server would accept the block.
//!
//! `names` holds the rules for names, keys and paths that the config checks too; `volume` the
//! rules for `volumes[]` entries; `container` those for `volumeMounts[]` and `env[]` entries.

use serde_json::{Map, Value};

mod container;
mod names;
mod volume;

pub use container::{validate_env_var, validate_volume_mount};
pub use names::{
    CONFIG_KEY_MAX, DNS1123_LABEL_MAX, DNS1123_SUBDOMAIN_MAX, has_backsteps, is_config_key,
    is_dns1123_label, is_dns1123_subdomain, is_env_name, local_descending_path_problem,
};
pub use volume::{CSI_DRIVER_MAX, FILE_MODE_MAX, HOST_PATH_TYPES, VOLUME_SOURCES, validate_volume};

// The field checks the block validators share.

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

fn unknown_fields(o: &Map<String, Value>, at: &str, known: &[&str], out: &mut Vec<String>) {
    for key in o.keys() {
        if !known.contains(&key.as_str()) {
            out.push(format!("{at}.{key}: unknown field"));
        }
    }
}

#[cfg(test)]
mod tests;
