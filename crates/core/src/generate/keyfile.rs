//! Key files: read within a size limit, and checked for their store in the formats the Polyaxon
//! client reads (Polyaxon's "Customize Data and Outputs" page; `testdata/keyfiles/` has its
//! examples):
//! - gcs: a Google credentials JSON (`type`; a service account's `client_email`, PEM `private_key`
//!   and `token_uri`, which google-auth's `service_account.Credentials.from_service_account_info`
//!   requires);
//! - s3: `{"AWS_ACCESS_KEY_ID": ..., "AWS_SECRET_ACCESS_KEY": ...}`, optionally `AWS_ENDPOINT_URL`,
//!   `AWS_SECURITY_TOKEN`, `AWS_REGION`, nothing else;
//! - azure: `AZURE_ACCOUNT_NAME` (the bucket URL's account) and `AZURE_ACCOUNT_KEY` or
//!   `AZURE_CONNECTION_STRING`.
//!
//! Every value in a key file is a credential: messages name keys, lines and columns, never a value.

mod azure;
#[cfg(test)]
mod tests;

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::json::{self, Field, Object, Problem, shown_key};
use crate::config::{Store, parse_bucket_url};
use crate::report::{Diagnostic, Place, Severity, did_you_mean};

/// The largest key file read: a Secret holds at most 1 MiB of data (Kubernetes' `MaxSecretSize`).
pub const MAX_BYTES: usize = 1 << 20;

/// A key file that passed its store's checks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Problems that don't stop the file from working (an empty optional key, an ignored key).
    pub warnings: Vec<Diagnostic>,
    /// An azure file's account name and key: what the Azure Blob CSI driver reads from a Secret
    /// (`azurestorageaccountname`, `azurestorageaccountkey`) for `mount: csi`. Secret values.
    pub blob_csi: Option<(String, String)>,
}

/// Read a key file, refusing one over [`MAX_BYTES`] without reading the rest of it.
#[allow(clippy::result_large_err)] // one per file; `Diagnostic` is what callers want
pub fn read(path: &Path, label: &str) -> Result<Vec<u8>, Diagnostic> {
    let place = || Place {
        config_source: Some(label.to_string()),
        ..Place::default()
    };
    let mut file = std::fs::File::open(path)
        .map_err(|e| Diagnostic::error(place(), format!("cannot read the key file: {e}")))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Diagnostic::error(place(), "is a directory, not a key file"));
    }
    let mut bytes = Vec::new();
    (&mut file)
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostic::error(place(), format!("cannot read the key file: {e}")))?;
    if bytes.len() > MAX_BYTES {
        let size = file.metadata().ok().filter(|m| m.is_file()).map_or_else(
            || "more than 1 MiB".to_string(),
            |m| format!("{} bytes", m.len()),
        );
        return Err(too_big(place(), &size));
    }
    Ok(bytes)
}

fn too_big(place: Place, size: &str) -> Diagnostic {
    Diagnostic::error(
        place,
        format!("is {size}; a key file is at most 1 MiB, as much as a Secret can hold"),
    )
    .with_hint("give the key file itself (a few KiB of JSON), not an archive or a log")
}

/// Check a key file for `store`; `bucket` is the entry's bucket URL (an azure file's account must be
/// its account). `label` names the file in every diagnostic (`--credentials data-s3=./s3.json`).
pub fn check(
    store: Store,
    bucket: &str,
    label: &str,
    bytes: &[u8],
) -> Result<Checked, Vec<Diagnostic>> {
    let place = || Place {
        config_source: Some(label.to_string()),
        ..Place::default()
    };
    if bytes.len() > MAX_BYTES {
        return Err(vec![too_big(place(), &format!("{} bytes", bytes.len()))]);
    }
    let to_diagnostic = |severity: Severity, p: Problem| {
        let message = match p.at {
            Some((line, column)) => format!("line {line}, column {column}: {}", p.message),
            None => p.message,
        };
        let d = Diagnostic::new(severity, place(), message);
        match p.hint {
            Some(h) => d.with_hint(h),
            None => d,
        }
    };
    let object = json::parse_object(bytes, example(store))
        .map_err(|p| vec![to_diagnostic(Severity::Error, p)])?;
    let mut found = Found::default();
    match store_of(&object) {
        Some((other, key)) if other != store => found.error(
            key.map(at),
            format!(
                "is {} {} key file ({}), but the entry has `store: {}`",
                article(other),
                other.as_str(),
                key.map_or_else(
                    || "by its keys".to_string(),
                    |f| format!("it has {}", shown_key(&f.key))
                ),
                store.as_str()
            ),
            Some(format!(
                "give the entry its {} key file, e.g. {}",
                store.as_str(),
                example(store)
            )),
        ),
        _ => match store {
            Store::S3 => s3(&object, &mut found),
            Store::Gcs => gcs(&object, &mut found),
            Store::Azure => found.blob_csi = azure::check(&object, bucket, &mut found),
        },
    }
    let warnings = found
        .warnings
        .into_iter()
        .map(|p| to_diagnostic(Severity::Warning, p));
    if found.errors.is_empty() {
        Ok(Checked {
            warnings: warnings.collect(),
            blob_csi: found.blob_csi,
        })
    } else {
        let errors = found
            .errors
            .into_iter()
            .map(|p| to_diagnostic(Severity::Error, p));
        Err(errors.chain(warnings).collect())
    }
}

/// A right key file for the store, with placeholders: for hints.
fn example(store: Store) -> &'static str {
    match store {
        Store::S3 => r#"{"AWS_ACCESS_KEY_ID": "...", "AWS_SECRET_ACCESS_KEY": "..."}"#,
        Store::Gcs => {
            r#"the service account key JSON from `gcloud iam service-accounts keys create key.json --iam-account=...`"#
        }
        Store::Azure => r#"{"AZURE_ACCOUNT_NAME": "...", "AZURE_ACCOUNT_KEY": "..."}"#,
    }
}

fn article(store: Store) -> &'static str {
    if store == Store::Gcs { "a" } else { "an" }
}

#[derive(Default)]
struct Found {
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    blob_csi: Option<(String, String)>,
}

impl Found {
    fn error(
        &mut self,
        at: Option<(usize, usize)>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.errors.push(Problem::new(at, message, hint));
    }
    fn warning(
        &mut self,
        at: Option<(usize, usize)>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.warnings.push(Problem::new(at, message, hint));
    }

    /// The field's string value, or an error saying what it is instead (never what it holds).
    fn string<'a>(&mut self, f: &'a Field) -> Option<&'a str> {
        match &f.value {
            Value::String(s) => Some(s),
            other => {
                self.error(
                    Some(at(f)),
                    format!(
                        "{} must be a string, not {}",
                        shown_key(&f.key),
                        kind_of(other)
                    ),
                    None,
                );
                None
            }
        }
    }

    /// A required non-empty string.
    fn required(&mut self, o: &Object, key: &str, hint: &str) -> Option<String> {
        let Some(f) = o.get(key) else {
            self.error(None, format!("missing `{key}`"), Some(hint.to_string()));
            return None;
        };
        let s = self.string(f)?;
        if s.trim().is_empty() {
            self.error(
                Some(at(f)),
                format!("`{key}` is empty"),
                Some(hint.to_string()),
            );
            return None;
        }
        Some(s.to_string())
    }

    /// A required object.
    fn object(&mut self, o: &Object, key: &str, hint: &str) {
        match o.get(key) {
            None => self.error(None, format!("missing `{key}`"), Some(hint.to_string())),
            Some(f) if !f.value.is_object() => self.error(
                Some(at(f)),
                format!("`{key}` must be an object, not {}", kind_of(&f.value)),
                Some(hint.to_string()),
            ),
            Some(_) => {}
        }
    }
}

fn at(f: &Field) -> (usize, usize) {
    (f.line, f.column)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The store a key file is for, judged by its keys, with the key that tells.
fn store_of(o: &Object) -> Option<(Store, Option<&Field>)> {
    let prefixed = |p: &str| {
        o.fields
            .iter()
            .find(|f| f.key.len() > p.len() && f.key[..p.len()].eq_ignore_ascii_case(p))
    };
    if let Some(f) = prefixed("AWS_") {
        return Some((Store::S3, Some(f)));
    }
    if let Some(f) = prefixed("AZURE_") {
        return Some((Store::Azure, Some(f)));
    }
    ["type", "private_key", "client_email", "refresh_token"]
        .iter()
        .find_map(|k| o.get(k))
        .map(|f| (Store::Gcs, Some(f)))
}

/// The known key an unknown one was probably meant to be: a known alias, the same name in another
/// case, or a close spelling.
fn suggest<'a>(key: &str, known: &[&'a str], aliases: &[(&str, &'a str)]) -> Option<&'a str> {
    if let Some((_, to)) = aliases
        .iter()
        .find(|(from, _)| from.eq_ignore_ascii_case(key))
    {
        return Some(to);
    }
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(key)) {
        return Some(k);
    }
    did_you_mean(key, known.iter().copied())
}

// ------------------------------------------------------------------------------------------------
// s3

const S3_REQUIRED: &[&str] = &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
const S3_KEYS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ENDPOINT_URL",
    "AWS_SECURITY_TOKEN",
    "AWS_REGION",
];
/// Names other AWS tools use for what the Polyaxon client reads under another name.
const S3_ALIASES: &[(&str, &str)] = &[
    ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"),
    ("AWS_DEFAULT_REGION", "AWS_REGION"),
    ("AWS_ENDPOINT", "AWS_ENDPOINT_URL"),
    ("AWS_S3_ENDPOINT", "AWS_ENDPOINT_URL"),
    ("AWS_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL"),
];

fn s3(o: &Object, found: &mut Found) {
    let mut meant: Vec<&str> = Vec::new();
    for f in &o.fields {
        if !S3_KEYS.contains(&f.key.as_str()) {
            let hint = match suggest(&f.key, S3_KEYS, S3_ALIASES) {
                Some(k) => {
                    meant.push(k);
                    format!("did you mean `{k}`? the Polyaxon client reads the names exactly")
                }
                None => format!("an s3 key file holds only {}", S3_KEYS.join(", ")),
            };
            found.error(
                Some(at(f)),
                format!("unknown key {}", shown_key(&f.key)),
                Some(hint),
            );
            continue;
        }
        let Some(value) = found.string(f) else {
            continue;
        };
        let required = S3_REQUIRED.contains(&f.key.as_str());
        if value.trim().is_empty() {
            if required {
                found.error(
                    Some(at(f)),
                    format!("`{}` is empty", f.key),
                    Some(format!(
                        "fill in the {}",
                        if f.key == "AWS_ACCESS_KEY_ID" {
                            "access key id"
                        } else {
                            "secret access key"
                        }
                    )),
                );
            } else {
                found.warning(
                    Some(at(f)),
                    format!("`{}` is empty", f.key),
                    Some("set it, or remove the key".into()),
                );
            }
        } else if f.key == "AWS_ENDPOINT_URL" && !is_http_url(value) {
            found.error(
                Some(at(f)),
                "`AWS_ENDPOINT_URL` is not an http(s) URL",
                Some("e.g. `https://storage.example.com` or `http://minio.example:9000`".into()),
            );
        }
    }
    for key in S3_REQUIRED {
        if o.get(key).is_none() && !meant.contains(key) {
            found.error(
                None,
                format!("missing `{key}`"),
                Some(format!("e.g. {}", example(Store::S3))),
            );
        }
    }
}

fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !r.chars().any(char::is_whitespace)
    })
}

// ------------------------------------------------------------------------------------------------
// gcs

const GOOGLE_TYPES: &[&str] = &[
    "service_account",
    "authorized_user",
    "external_account",
    "impersonated_service_account",
];

fn gcs(o: &Object, found: &mut Found) {
    let Some(f) = o.get("type") else {
        found.error(
            None,
            "missing `type`: not a Google credentials JSON",
            Some(format!(
                "a Google credentials JSON has a `type`: {}; for a service account, use {}",
                GOOGLE_TYPES.join(", "),
                example(Store::Gcs)
            )),
        );
        return;
    };
    let Some(kind) = found.string(f) else { return };
    // Each type's fields are those google-auth requires to build its credentials.
    match kind {
        "service_account" => {
            let hint = "a service account key file from Google Cloud has it; download a new key";
            if let Some(email) = found.required(o, "client_email", hint)
                && (!email.contains('@') || email.chars().any(char::is_whitespace))
            {
                let f = o.get("client_email").map(at);
                found.error(
                    f,
                    "`client_email` is not an e-mail address",
                    Some(hint.into()),
                );
            }
            found.required(o, "token_uri", hint);
            if let Some(key) = found.required(o, "private_key", hint)
                && let Some((message, hint)) = pem_problem(&key)
            {
                found.error(o.get("private_key").map(at), message, Some(hint.into()));
            }
        }
        "authorized_user" => {
            let hint = "`gcloud auth application-default login` writes a complete file";
            for key in ["client_id", "client_secret", "refresh_token"] {
                found.required(o, key, hint);
            }
        }
        "external_account" => {
            let hint =
                "`gcloud iam workload-identity-pools create-cred-config` writes a complete file";
            found.required(o, "audience", hint);
            found.required(o, "subject_token_type", hint);
            found.object(o, "credential_source", hint);
        }
        "impersonated_service_account" => {
            let hint = "`gcloud auth application-default login --impersonate-service-account=...` writes a complete file";
            found.required(o, "service_account_impersonation_url", hint);
            found.object(o, "source_credentials", hint);
        }
        other => {
            let hint = match did_you_mean(other, GOOGLE_TYPES.iter().copied()) {
                Some(t) => format!("did you mean `{t}`?"),
                None => format!(
                    "a service account key has `\"type\": \"service_account\"`; use {}",
                    example(Store::Gcs)
                ),
            };
            found.error(
                Some(at(f)),
                format!(
                    "`type` is not a Google credentials type: {}",
                    GOOGLE_TYPES.join(", ")
                ),
                Some(hint),
            );
        }
    }
}

/// What is wrong with a PEM private key, by its armor and alphabet (not its mathematics).
fn pem_problem(key: &str) -> Option<(&'static str, &'static str)> {
    let download = "download a new key: `private_key` is the whole `-----BEGIN PRIVATE KEY-----` ... `-----END PRIVATE KEY-----` block";
    if !key.contains('\n') && key.contains("\\n") {
        return Some((
            "`private_key` holds `\\n` as two characters where line breaks belong (escaped twice)",
            "in the JSON text a line break is `\\n` once; copy the key file as downloaded",
        ));
    }
    let key = key.trim();
    let label = ["PRIVATE KEY", "RSA PRIVATE KEY"]
        .into_iter()
        .find(|l| key.starts_with(&format!("-----BEGIN {l}-----")));
    let Some(label) = label else {
        if key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Some((
                "`private_key` is encrypted; Google's client needs it unencrypted",
                download,
            ));
        }
        return Some((
            "`private_key` does not start with `-----BEGIN PRIVATE KEY-----`",
            download,
        ));
    };
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let Some(body) = key
        .strip_prefix(begin.as_str())
        .and_then(|rest| rest.strip_suffix(end.as_str()))
    else {
        return Some((
            "`private_key` does not end with its `-----END PRIVATE KEY-----` line",
            download,
        ));
    };
    let body: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if body.is_empty() {
        return Some(("`private_key` is an empty PEM block", download));
    }
    if !is_base64(&body) {
        return Some(("`private_key`'s PEM body is not base64", download));
    }
    None
}

/// Standard base64 with padding: the alphabet, a length that is a multiple of 4, `=` only at the end.
fn is_base64(s: &[u8]) -> bool {
    let data = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    !s.is_empty()
        && s.len().is_multiple_of(4)
        && data
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}
