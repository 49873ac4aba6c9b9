//! Names: entry names (they become volume names) and the names of claims.

use super::{Checker, path_of};
use crate::config::{CREDENTIALS_SUFFIX, Entry, Role, Source};
use crate::k8s;

impl Checker<'_> {
    /// Entry names become volume names (and, for buckets, `<name>-credentials`).
    pub(in crate::config) fn entry_name(&mut self, path: &str, name: &str, is_bucket: bool) {
        if !k8s::is_dns1123_label(name) {
            self.error(
                path,
                format!(
                    "entry name `{name}` can't be a volume name: it must be a DNS-1123 label (lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters)"
                ),
                Some(format!("rename it, e.g. `{}`", label_suggestion(name))),
            );
            return;
        }
        let max = k8s::DNS1123_LABEL_MAX - CREDENTIALS_SUFFIX.len();
        if is_bucket && name.len() > max {
            self.error(
                path,
                format!(
                    "bucket entry name `{name}` is too long: its credentials volume `{name}{CREDENTIALS_SUFFIX}` would have {} characters, and volume names have at most 63",
                    name.len() + CREDENTIALS_SUFFIX.len()
                ),
                Some(format!("use a name of at most {max} characters")),
            );
        }
    }

    pub(super) fn claim_name(&mut self, at: &str, claim: &str) {
        if !k8s::is_dns1123_subdomain(claim) {
            self.error(
                at,
                format!("`{claim}` is not a valid PersistentVolumeClaim name (DNS-1123 subdomain)"),
                None,
            );
        }
    }

    pub(super) fn secret_name(&mut self, at: &str, secret: &str) {
        if !k8s::is_dns1123_subdomain(secret) {
            self.error(
                at,
                format!("`{secret}` is not a valid Secret name (DNS-1123 subdomain)"),
                None,
            );
        }
    }

    pub(super) fn secret_key(&mut self, at: &str, key: &str) {
        if !k8s::is_config_key(key) {
            self.error(
                at,
                format!("`{key}` is not a valid Secret key (`[-._a-zA-Z0-9]+`, not `.` or `..`)"),
                None,
            );
        }
    }

    /// `containers` (of the config or of a workload rule at `at`): container names. Returns the
    /// names, or None for every container.
    pub(in crate::config) fn containers(
        &mut self,
        at: &str,
        items: Option<&[Option<String>]>,
    ) -> Option<Vec<String>> {
        let items = items.filter(|items| !items.is_empty())?;
        for (i, name) in items.iter().enumerate() {
            if let Some(name) = name
                && !k8s::is_dns1123_label(name)
            {
                self.error(
                    &format!("{at}[{i}]"),
                    format!("`{name}` is not a valid container name: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters"),
                    None,
                );
            }
        }
        Some(items.iter().flatten().cloned().collect())
    }

    /// Volume names: a data and an outputs entry can be mounted together, and a bucket entry
    /// brings `<name>-credentials` along.
    pub(super) fn volume_names(
        &mut self,
        declared: &[(Role, &str)],
        data: &[Entry],
        outputs: &[Entry],
    ) {
        for (_, name) in declared.iter().filter(|(role, _)| *role == Role::Outputs) {
            if declared.contains(&(Role::Data, name)) {
                self.error(
                    &format!("persistence.outputs.{name}"),
                    format!("`{name}` is both a data and an outputs entry; entry names are volume names and must differ"),
                    Some("rename one of them".into()),
                );
            }
        }
        let all: Vec<&Entry> = data.iter().chain(outputs).collect();
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
    }
}

/// A DNS-1123 label close to `name`, for the hint of a bad entry name.
fn label_suggestion(name: &str) -> String {
    let mut s: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.truncate(k8s::DNS1123_LABEL_MAX);
    let s = s.trim_matches('-');
    if s.is_empty() {
        "data-1".into()
    } else {
        s.to_string()
    }
}
