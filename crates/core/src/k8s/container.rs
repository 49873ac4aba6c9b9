//! A container's `volumeMounts[]` and `env[]` entries.

use serde_json::Value;

use super::{check_bool, check_name, is_config_key, is_dns1123_subdomain, is_env_name, object};
use super::{local_descending_path_problem, unknown_fields};

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
