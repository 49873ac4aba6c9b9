//! The single-volume shapes of Polyaxon charts before 0.1.1, reported once with the shape to use.

use serde::Deserialize;
use serde_json::Value;

use super::Checker;
use crate::config::raw::RawEntry;
use crate::config::{ENTRY_KEYS, FLAT_VOLUME_KEYS, Role};

impl Checker<'_> {
    /// Charts before 0.1.1 had one volume per kind, its fields directly under `data`/`outputs`
    /// (`data: {existingClaim: , mountPath: /data, size: 10Gi}`), and chart 0.0.1 one volume directly
    /// under `persistence`. Report each such place once, with the named-entry shape to write instead,
    /// and return the keys (`data`, `outputs`, `mountPath`...) whose schema errors this replaces.
    pub(in crate::config) fn flat_shapes(&mut self, persistence: &Value) -> Vec<String> {
        let mut handled = Vec::new();
        let Value::Object(root) = persistence else {
            return handled;
        };
        for role in [Role::Data, Role::Outputs] {
            let Some(volume @ Value::Object(m)) = root.get(role.key()) else {
                continue;
            };
            let is_flat = m.iter().any(|(k, v)| {
                (FLAT_VOLUME_KEYS.contains(&k.as_str()) || ENTRY_KEYS.contains(&k.as_str()))
                    && !v.is_object()
            });
            if is_flat {
                let key = role.key();
                self.error(
                    &format!("persistence.{key}"),
                    format!(
                        "`{key}` has the single-volume shape of Polyaxon charts before 0.1.1; stowage needs named entries (charts 0.1.1 and later)"
                    ),
                    Some(format!(
                        "write `{key}: {{{key}: {}}}`: each key under `{key}` names a volume; `size`, `accessMode`, `storageClass` and `enabled` go away because stowage mounts an existing claim and never creates one",
                        flat_example(key, volume)
                    )),
                );
                handled.push(key.to_string());
            }
        }
        // Chart 0.0.1: `persistence: {enabled, accessMode, size, mountPath}`.
        let root_volume: Vec<&String> = root
            .keys()
            .filter(|k| matches!(k.as_str(), "mountPath" | "existingClaim" | "hostPath"))
            .collect();
        if !root_volume.is_empty() {
            self.error(
                "persistence",
                "`persistence` has the single-volume shape of Polyaxon chart 0.0.1; stowage needs named `data` and `outputs` entries (charts 0.1.1 and later)",
                Some(format!(
                    "write `persistence: {{data: {{data: {}}}}}`; `size`, `accessMode`, `storageClass` and `enabled` go away because stowage mounts an existing claim and never creates one",
                    flat_example("data", persistence)
                )),
            );
            handled.extend(root_volume.into_iter().cloned());
        }
        handled
    }
}

/// The entry to show for a flat single-volume mapping: its mountPath and source, or placeholders.
fn flat_example(key: &str, volume: &Value) -> String {
    let v = RawEntry::deserialize(volume).unwrap_or_default();
    let mount = v.mount_path.unwrap_or_else(|| format!("/{key}"));
    let source = match (v.host_path, v.existing_claim) {
        (Some(h), _) => format!("hostPath: {h}"),
        (None, Some(c)) => format!("existingClaim: {c}"),
        (None, None) => "existingClaim: my-claim".to_string(),
    };
    format!("{{mountPath: {mount}, {source}}}")
}
