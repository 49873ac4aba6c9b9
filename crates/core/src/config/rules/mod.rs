//! The semantic rules the schema cannot say, by family: old chart shapes, names, paths, sources,
//! outputs, workload kinds and env names. Each family adds methods to [`Checker`], which collects
//! the diagnostics of one `build`.

mod env;
mod kinds;
mod legacy;
mod names;
mod outputs;
mod paths;
pub(super) mod sources;

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::*;
use crate::k8s;
use crate::report::{Diagnostic, Place};
use paths::is_under;

/// Collects diagnostics for one `build`.
pub(super) struct Checker<'a> {
    pub(super) origin: &'a str,
    pub(super) diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn at(&self, path: &str) -> Place {
        Place::config(self.origin, path)
    }
    fn error(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::error(self.at(path), message);
        d.hint = hint;
        self.diags.push(d);
    }
    fn warning(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        let mut d = Diagnostic::warning(self.at(path), message);
        d.hint = hint;
        self.diags.push(d);
    }
    fn note(&mut self, path: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic::note(self.at(path), message));
    }
}

impl Checker<'_> {
    /// The rules for one entry whose structure the schema accepted. Returns the typed entry when
    /// its source could be worked out (the caller only builds a config when there is no error).
    pub(super) fn entry(
        &mut self,
        role: Role,
        name: &str,
        path: &str,
        m: &Map<String, Value>,
        allow: &[String],
    ) -> Option<Entry> {
        let at = |key: &str| format!("{path}.{key}");
        let host = text(m, "hostPath");
        let claim = text(m, "existingClaim");
        let is_bucket = text(m, "store").is_some() || text(m, "bucket").is_some();

        let sources: Vec<&str> = [
            ("`hostPath`", host.is_some()),
            ("`existingClaim`", claim.is_some()),
            ("`store` + `bucket`", is_bucket),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        match sources.len() {
            1 => {}
            0 => {
                self.error(
                    path,
                    "entry has no source: set one of `hostPath`, `existingClaim`, or `store` + `bucket`",
                    Some(format!("e.g. `{name}: {{mountPath: /{}/{name}, existingClaim: {name}-pvc}}`", role.key())),
                );
                return None;
            }
            _ => {
                self.error(
                    path,
                    format!(
                        "entry has more than one source ({}); an entry mounts exactly one",
                        sources.join(" and ")
                    ),
                    Some("keep one, or split it into one entry per source".into()),
                );
                return None;
            }
        }

        // Fields that only mean something for another kind of source: refuse rather than drop silently.
        if !is_bucket {
            for key in ["secret", "secretKey", "mount", "mountOptions"] {
                if text(m, key).is_some() {
                    self.error(
                        &at(key),
                        format!("`{key}` only applies to bucket entries (`store` + `bucket`)"),
                        Some(format!("remove `{key}`")),
                    );
                }
            }
        }
        if host.is_none() && text(m, "hostPathType").is_some() {
            self.error(
                &at("hostPathType"),
                "`hostPathType` only applies to `hostPath` entries",
                Some("remove `hostPathType`".into()),
            );
        }

        let mount_path =
            text(m, "mountPath").and_then(|p| self.clean_path(&at("mountPath"), "mountPath", p));
        if let Some(mp) = &mount_path {
            if mp == "/" {
                self.error(
                    &at("mountPath"),
                    "`mountPath` must not be `/`: it would hide the container's whole filesystem",
                    None,
                );
            } else if mp == CREDENTIALS_DIR || is_under(mp, CREDENTIALS_DIR) {
                self.error(
                    &at("mountPath"),
                    format!("`{mp}` is reserved: stowage mounts bucket credentials under `{CREDENTIALS_DIR}`"),
                    Some("choose another mountPath".into()),
                );
            }
        }
        let needs_mount_path = |ck: &mut Self, what: &str| {
            if text(m, "mountPath").is_none() {
                ck.error(
                    &at("mountPath"),
                    format!("`mountPath` is required for {what} entry"),
                    Some(format!("e.g. `mountPath: /{}/{name}`", role.key())),
                );
            }
        };

        let source = if let Some(h) = host {
            needs_mount_path(self, "a `hostPath`");
            let path_on_node = self.host_path(path, m, h, allow);
            Source::HostPath {
                path: path_on_node?,
                kind: text(m, "hostPathType").map(str::to_string),
            }
        } else if let Some(c) = claim {
            needs_mount_path(self, "an `existingClaim`");
            if !k8s::is_dns1123_subdomain(c) {
                self.error(
                    &at("existingClaim"),
                    format!("`{c}` is not a valid PersistentVolumeClaim name (DNS-1123 subdomain)"),
                    None,
                );
            }
            Source::Claim {
                claim: c.to_string(),
            }
        } else {
            self.bucket(role, name, path, m)?
        };

        let sub_path = text(m, "subPath").map(str::to_string);
        if let Some(sp) = &sub_path
            && let Some(problem) = k8s::local_descending_path_problem(sp)
        {
            self.error(
                &at("subPath"),
                format!("`subPath` {problem}"),
                Some("use a path relative to the volume's root".into()),
            );
        }
        let read_only = flag(m, "readOnly");
        if role == Role::Outputs && read_only {
            self.warning(
                &at("readOnly"),
                "read-only outputs entry: the workload can't write its outputs there",
                Some(
                    "remove `readOnly: true` unless the workload only reads earlier outputs".into(),
                ),
            );
        }
        Some(Entry {
            name: name.to_string(),
            role,
            source,
            mount_path,
            read_only,
            sub_path,
            default: role == Role::Outputs && flag(m, "default"),
        })
    }

    /// `declared` holds every entry name the loop looked at, including entries with errors.
    pub(super) fn across_entries(
        &mut self,
        declared: &[(Role, &str)],
        data: &[Entry],
        outputs: &[Entry],
    ) {
        let path_of = |e: &Entry| format!("persistence.{}.{}", e.role.key(), e.name);
        let all: Vec<&Entry> = data.iter().chain(outputs).collect();

        // Volume names: a data and an outputs entry can be mounted together, and a bucket entry
        // brings `<name>-credentials` along.
        for (_, name) in declared.iter().filter(|(role, _)| *role == Role::Outputs) {
            if declared.contains(&(Role::Data, name)) {
                self.error(
                    &format!("persistence.outputs.{name}"),
                    format!("`{name}` is both a data and an outputs entry; entry names are volume names and must differ"),
                    Some("rename one of them".into()),
                );
            }
        }
        for e in &all {
            if let Source::Bucket { .. } = e.source {
                let volume = format!("{}{CREDENTIALS_SUFFIX}", e.name);
                if let Some(other) = all.iter().find(|o| o.name == volume) {
                    self.error(
                        &path_of(other),
                        format!("entry name `{volume}` clashes with the credentials volume of bucket entry `{}`", e.name),
                        Some("rename it".into()),
                    );
                }
            }
        }

        // Mount paths, compared after normalisation, between entries that can be mounted together:
        // every data entry (all are mounted by default) and one outputs entry. Two outputs entries
        // are alternatives, so they may share a mountPath.
        let mounted: Vec<(&Entry, &str)> = all
            .iter()
            .filter_map(|e| e.mount_path.as_deref().map(|p| (*e, p)))
            .collect();
        for (j, (later, lp)) in mounted.iter().enumerate() {
            let mut compared = HashSet::new(); // an earlier duplicate was reported already
            for (earlier, ep) in &mounted[..j] {
                if later.role == Role::Outputs && earlier.role == Role::Outputs {
                    continue;
                }
                if !compared.insert(*ep) {
                    continue;
                }
                if lp == ep {
                    self.error(
                        &format!("{}.mountPath", path_of(later)),
                        format!("mountPath `{lp}` is already the mountPath of `{}`", path_of(earlier)),
                        Some("mount paths must be unique: data and outputs entries are mounted in the same containers".into()),
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

        // Bucket URLs of data entries: POLYSTORES_RUN_STORES_ACCESS_KEYS maps each URL to one
        // credential, so two data entries on one URL would lose one of them.
        for (j, later) in data.iter().enumerate() {
            let Source::Bucket {
                bucket: lb,
                csi: false,
                ..
            } = &later.source
            else {
                continue;
            };
            let same = data[..j].iter().find(
                |e| matches!(&e.source, Source::Bucket { bucket, csi: false, .. } if bucket == lb),
            );
            if let Some(earlier) = same {
                self.error(
                    &format!("{}.bucket", path_of(later)),
                    format!("bucket `{lb}` is already the bucket of `{}`", path_of(earlier)),
                    Some("the run contract maps each bucket URL to one credential: keep one entry per bucket".into()),
                );
            }
        }

        // One default outputs entry.
        let defaults: Vec<&Entry> = outputs.iter().filter(|e| e.default).collect();
        for extra in defaults.iter().skip(1) {
            self.error(
                &format!("{}.default", path_of(extra)),
                format!(
                    "only one outputs entry may have `default: true`; `{}` already has it",
                    defaults[0].name
                ),
                Some("remove `default: true` from all but one".into()),
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Small pure helpers

/// A string field, where null and "" mean absent (real charts write `existingClaim:` empty).
pub(super) fn text<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    match m.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// A boolean field; only a real `true` counts (the schema rejects the string "true").
pub(super) fn flag(m: &Map<String, Value>, key: &str) -> bool {
    matches!(m.get(key), Some(Value::Bool(true)))
}

/// A non-empty list of strings, or None.
pub(super) fn string_list(m: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    match m.get(key) {
        Some(Value::Array(items)) if !items.is_empty() => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    }
}
