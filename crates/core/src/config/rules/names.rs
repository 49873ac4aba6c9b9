//! Entry names: they become volume names.

use serde_json::Value;

use super::{Checker, text};
use crate::config::CREDENTIALS_SUFFIX;
use crate::k8s;

impl Checker<'_> {
    /// Entry names become volume names (and, for buckets, `<name>-credentials`).
    pub(in crate::config) fn entry_name(&mut self, path: &str, name: &str, value: &Value) {
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
        let is_bucket = value
            .as_object()
            .is_some_and(|m| text(m, "store").is_some() || text(m, "bucket").is_some());
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
