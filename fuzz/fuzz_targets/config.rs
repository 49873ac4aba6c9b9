//! The config loader: `stowage_yaml::parse_value` (what `load_values_files` and the in-stream
//! config go through) and `stowage_core::config::build`, on arbitrary text read as a values file, and
//! on the same value read as the `persistence` value itself.
//!
//! Invariants: no panic; a config comes back exactly when there is no error; every diagnostic
//! names its source and every error its config path; a built config holds no sensitive hostPath
//! that `allowHostPaths` does not allow, and every hostPath entry has its Pod Security warning.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stowage_core::config::{self, Source};
use stowage_core::report::{Severity, has_errors};
use stowage_yaml::{self as yaml, Limits};

/// The sensitive host paths of the config rules (crates/core/src/config/rules/paths.rs): these
/// paths, and their parents, are refused unless allowed ...
const SENSITIVE: &[&str] = &[
    "/",
    "/var/run",
    "/run",
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
];
/// ... and so is everything under these.
const SENSITIVE_TREES: &[&str] = &["/etc", "/proc", "/sys", "/dev", "/var/lib/kubelet"];

/// `child` is strictly below `parent`.
fn below(child: &str, parent: &str) -> bool {
    let parent = parent.trim_end_matches('/');
    child.len() > parent.len()
        && child.starts_with(parent)
        && child.as_bytes()[parent.len()] == b'/'
}

fn under(child: &str, parent: &str) -> bool {
    child == parent || below(child, parent)
}

fn sensitive(path: &str) -> bool {
    SENSITIVE
        .iter()
        .chain(SENSITIVE_TREES)
        .any(|s| path == *s || below(s, path))
        || SENSITIVE_TREES.iter().any(|s| below(path, s))
}

fn build(persistence: &Value) {
    let (config, diagnostics) = config::build(persistence, "fuzz.yaml");
    assert_eq!(
        config.is_some(),
        !has_errors(&diagnostics),
        "{diagnostics:?}"
    );
    for d in &diagnostics {
        assert_eq!(d.place.config_source.as_deref(), Some("fuzz.yaml"), "{d}");
        if d.severity == Severity::Error {
            assert!(
                d.place
                    .config_path
                    .as_deref()
                    .is_some_and(|p| p.starts_with("persistence")),
                "error without a config path: {d}"
            );
        }
        let _ = d.to_string();
    }
    let Some(config) = config else {
        return;
    };
    for e in config.entries() {
        if let Source::HostPath { path, .. } = &e.source {
            let allowed = config.allow_host_paths.iter().any(|a| under(path, a));
            let sensitive = sensitive(path);
            assert!(
                allowed || !sensitive,
                "sensitive hostPath `{path}` accepted"
            );
            let at = format!("persistence.{}.{}.hostPath", e.role.key(), e.name);
            assert!(
                diagnostics.iter().any(|d| d.severity == Severity::Warning
                    && d.place.config_path.as_deref() == Some(at.as_str())
                    && d.message.contains("Pod Security")),
                "no Pod Security warning at {at}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let value = match yaml::parse_value(text, Limits::default()) {
        Ok(v) => v,
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1, "error without a place: {e}");
            return;
        }
    };
    // As a values file (the `persistence:` key), and as the value itself (in-stream `spec`).
    if let Some(p) = value.get("persistence") {
        build(p);
    }
    build(&value);
});
