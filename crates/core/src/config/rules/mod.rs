//! The semantic rules the schema cannot say, by family: old chart shapes (`legacy`), names, paths,
//! sources, outputs, workload kinds and env names. Each family adds methods to [`Checker`], which
//! collects the diagnostics of one `build`; [`Checker::entry`] runs a family's rules for one entry.

mod env;
pub(super) mod kinds;
mod legacy;
pub(super) mod names;
mod outputs;
pub(super) mod paths;
pub(super) mod sources;
pub(super) mod workloads;

use super::raw::RawEntry;
use super::*;
use crate::report::{Diagnostic, Place};

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
    fn report(&mut self, path: &str, problem: Problem) {
        self.error(path, problem.message, problem.hint);
    }

    /// The rules of each field of an entry on its own, for every entry whatever else is wrong
    /// with it (what the schema's patterns say in the printed schema). Returns the clean paths.
    pub(super) fn fields(&mut self, path: &str, e: &RawEntry) -> Fields {
        let at = |key: &str| format!("{path}.{key}");
        let mount_path = e
            .mount_path
            .as_deref()
            .and_then(|p| self.mount_path(&at("mountPath"), p));
        let host_path = e
            .host_path
            .as_deref()
            .and_then(|p| self.clean_path(&at("hostPath"), "hostPath", p));
        if let Some(claim) = &e.existing_claim {
            self.claim_name(&at("existingClaim"), claim);
        }
        if let Some(url) = &e.bucket {
            let store = e.store.as_deref().and_then(Store::parse);
            if let Err(problem) = sources::bucket_url(store, url) {
                self.report(&at("bucket"), problem);
            }
        }
        if let Some(secret) = &e.secret {
            self.secret_name(&at("secret"), secret);
        }
        if let Some(key) = &e.secret_key {
            self.secret_key(&at("secretKey"), key);
        }
        if let Some(sub_path) = &e.sub_path {
            self.sub_path(&at("subPath"), sub_path);
        }
        Fields {
            mount_path,
            host_path,
        }
    }

    /// The rules for one entry whose structure the schema accepted, after [`Checker::fields`].
    /// Returns the typed entry when its source could be worked out (the caller only builds a
    /// config when there is no error).
    pub(super) fn entry(
        &mut self,
        role: Role,
        name: &str,
        path: &str,
        e: &RawEntry,
        fields: Fields,
        allow: &[String],
    ) -> Option<Entry> {
        if !self.one_source(role, name, path, e) {
            return None;
        }
        self.fields_of_other_sources(path, e);
        let source = if e.host_path.is_some() {
            self.needs_mount_path(role, name, path, e, "a `hostPath`");
            let host_path = fields.host_path?;
            self.host_path(path, e, &host_path, allow);
            Source::HostPath {
                path: host_path,
                kind: e.host_path_type.clone(),
            }
        } else if let Some(claim) = &e.existing_claim {
            self.needs_mount_path(role, name, path, e, "an `existingClaim`");
            Source::Claim {
                claim: claim.clone(),
            }
        } else {
            self.bucket(role, name, path, e)?
        };
        if role == Role::Outputs {
            self.read_only_outputs(path, e);
        }
        Some(Entry {
            name: name.to_string(),
            role,
            source,
            mount_path: fields.mount_path,
            read_only: e.read_only,
            sub_path: e.sub_path.clone(),
            default: role == Role::Outputs && e.default,
        })
    }

    /// Rules between entries. `declared` holds every entry name the loop looked at, including
    /// entries with errors.
    pub(super) fn across_entries(
        &mut self,
        declared: &[(Role, &str)],
        data: &[Entry],
        outputs: &[Entry],
    ) {
        self.volume_names(declared, data, outputs);
        self.mount_paths_together(data, outputs);
        self.data_buckets(data);
        self.one_default(outputs);
    }
}

/// What the field rules made of an entry: its paths, clean, where they are sound.
pub(super) struct Fields {
    mount_path: Option<String>,
    host_path: Option<String>,
}

/// What is wrong with one value, and how to fix it.
#[derive(Debug)]
pub(in crate::config) struct Problem {
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    fn new(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            hint: None,
        }
    }
    fn hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

/// `persistence.data.<name>`: where an entry is, in messages.
fn path_of(e: &Entry) -> String {
    format!("persistence.{}.{}", e.role.key(), e.name)
}
