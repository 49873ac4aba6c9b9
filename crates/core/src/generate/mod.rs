//! The generator: what the cluster must hold for a config, made where stowage can make it.
//!
//! A config names Secrets (the `secret` and `secretKey` of bucket entries) and claims
//! (`existingClaim`, and the claims of S3 buckets with `mount: csi`). From key files given per
//! entry, [`generate`] makes one Secret per distinct `secret` and namespace, one key per
//! `secretKey` holding the file's bytes (what `kubectl create secret generic NAME
//! --from-file=KEY=FILE` makes; several entries may share a Secret with different keys), each file
//! checked for the store of every entry that reads it ([`keyfile`]); and for S3 `mount: csi`
//! entries a PersistentVolume and its claim per namespace ([`objects`]). [`needs`] lists what the
//! cluster must hold, for `stowage validate`.
//!
//! Plain functions over the typed config: the CLI (`stowage generate`) and the kustomize/KRM
//! generator (`krm::generator`) call them with their own file paths and namespaces; the
//! post-render and KRM adapters check their streams with [`in_stream`].

pub mod in_stream;
pub mod json;
pub mod keyfile;
mod needs;
pub mod objects;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::config::{Config, Entry, Source, Store};
use crate::report::{Diagnostic, Place, did_you_mean, has_errors};

pub use needs::{ClaimNeed, Needs, SecretNeed, describe, needs};
pub use objects::{s3_claim_name, s3_volume_and_claim, s3_volume_name};

/// The keys the Azure Blob CSI driver reads from the Secret an azure `mount: csi` volume names
/// (`secretName`): the storage account's name and key.
pub const BLOB_CSI_KEYS: [&str; 2] = ["azurestorageaccountname", "azurestorageaccountkey"];

/// One `--credentials ENTRY=FILE`: the entry, the file, and how messages name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFileArg {
    pub entry: String,
    pub path: PathBuf,
    /// e.g. `--credentials data-s3=./s3.json`, or a kustomization's field.
    pub label: String,
}

/// How the user names key files, so that messages say what to write: the CLI's
/// `--credentials ENTRY=FILE`, or a Persistence object's `credentials: {ENTRY: FILE}` (the
/// kustomize generator and the KRM function).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    Flag,
    Field,
}

impl Ask {
    /// How the key files are given: `--credentials` / `` `credentials:` ``.
    pub fn name(self) -> &'static str {
        match self {
            Ask::Flag => "--credentials",
            Ask::Field => "`credentials:`",
        }
    }

    /// One key file, as the user writes it.
    pub fn one(self, entry: &str, file: &str) -> String {
        match self {
            Ask::Flag => format!("`--credentials {entry}={file}`"),
            Ask::Field => format!("`credentials: {{{entry}: {file}}}`"),
        }
    }
}

/// What [`generate`] made: the objects in output order, and the warnings.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub objects: Vec<Value>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a config entry is, for messages: `persistence.data.data-s3`.
pub fn entry_path(entry: &Entry) -> String {
    format!("persistence.{}.{}", entry.role.key(), entry.name)
}

/// The Secret and keys the injected workloads of `entry` read, if any: a bucket's key file under
/// `secretKey`; for azure `mount: csi`, the Blob CSI driver's keys. Mountpoint (S3) and Cloud
/// Storage FUSE (GCS) take no Secret from the pod, so their `mount: csi` entries read none.
pub fn reads(entry: &Entry) -> Option<(&str, Vec<&str>)> {
    match &entry.source {
        Source::Bucket {
            csi: false,
            secret,
            secret_key,
            ..
        } => Some((secret, vec![secret_key.as_str()])),
        Source::Bucket {
            store: Store::Azure,
            csi: true,
            secret,
            ..
        } => Some((secret, BLOB_CSI_KEYS.to_vec())),
        _ => None,
    }
}

/// A key of a Secret being made: its bytes and the file they came from.
struct Made<'a> {
    bytes: Vec<u8>,
    label: &'a str,
    entry: &'a Entry,
}

/// Make the Secrets of the entries given key files and the S3 `mount: csi` volumes and claims, in
/// every namespace (in the order given; Secrets by name, then volume and claim per entry in
/// declaration order). Every problem is reported at once; errors mean nothing was made.
pub fn generate(
    config: &Config,
    files: &[KeyFileArg],
    namespaces: &[String],
    ask: Ask,
) -> Result<Generated, Vec<Diagnostic>> {
    let default = ["default".to_string()];
    let namespaces = if namespaces.is_empty() {
        &default[..]
    } else {
        namespaces
    };
    let mut diagnostics = Vec::new();
    let given = resolve(config, files, ask, &mut diagnostics);
    // Secret name → key → bytes.
    let mut secrets: BTreeMap<&str, BTreeMap<String, Made>> = BTreeMap::new();
    for (entry, arg, bytes) in &given {
        if let Source::Bucket {
            secret, secret_key, ..
        } = &entry.source
        {
            let data = secrets.entry(secret.as_str()).or_default();
            add_key(
                data,
                secret,
                secret_key,
                bytes,
                &arg.label,
                entry,
                &mut diagnostics,
            );
            check_for_readers(
                config,
                (secret, secret_key),
                arg,
                bytes,
                data,
                &mut diagnostics,
            );
        }
    }

    check_secrets(config, &secrets, namespaces, ask, &mut diagnostics);
    let s3: Vec<&Entry> = config.entries().filter(|e| objects::is_s3_csi(e)).collect();
    if secrets.is_empty() && s3.is_empty() && !has_errors(&diagnostics) {
        diagnostics.push(
            Diagnostic::error(
                Place::default(),
                format!(
                    "nothing to generate: no {}, and no s3 entry with `mount: csi`",
                    ask.name()
                ),
            )
            .with_hint(format!(
                "give key files with {} for the bucket entries whose Secrets stowage should make",
                ask.one("ENTRY", "FILE")
            )),
        );
    }
    if has_errors(&diagnostics) {
        return Err(diagnostics);
    }
    let mut out = Vec::new();
    for namespace in namespaces {
        for (name, data) in &secrets {
            let data = data
                .iter()
                .map(|(k, m)| (k.clone(), m.bytes.clone()))
                .collect();
            out.push(objects::secret(name, namespace, &data));
        }
        for entry in &s3 {
            out.extend(s3_volume_and_claim(entry, namespace).into_iter().flatten());
        }
    }
    Ok(Generated {
        objects: out,
        diagnostics,
    })
}

/// Check a key file for every entry that reads its Secret key (the Polyaxon page's own example
/// gives every store the same one), once per store (and azure account); for azure `mount: csi`
/// readers, add the Blob CSI driver's keys from it.
fn check_for_readers<'a>(
    config: &'a Config,
    (secret, secret_key): (&str, &str),
    arg: &'a KeyFileArg,
    bytes: &[u8],
    data: &mut BTreeMap<String, Made<'a>>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut checked: Vec<(Store, &str, bool)> = Vec::new();
    for reader in config.entries() {
        let Source::Bucket {
            store,
            bucket,
            secret: s,
            secret_key: k,
            csi,
            ..
        } = &reader.source
        else {
            continue;
        };
        // Only an azure file's check depends on the bucket (its account), and only azure
        // `mount: csi` takes more from it (the Blob CSI driver's keys).
        let azure = *store == Store::Azure;
        let key = (
            *store,
            if azure { bucket.as_str() } else { "" },
            azure && *csi,
        );
        if s != secret || k != secret_key || checked.contains(&key) {
            continue;
        }
        checked.push(key);
        let place_in = |mut d: Diagnostic| {
            d.place.config_path = Some(entry_path(reader));
            d
        };
        match keyfile::check(*store, bucket, &arg.label, bytes) {
            Ok(ok) => {
                diagnostics.extend(ok.warnings.into_iter().map(place_in));
                if let (true, Some((name, key))) = (key.2, ok.blob_csi) {
                    for (k, v) in BLOB_CSI_KEYS.iter().zip([name, key]) {
                        add_key(
                            data,
                            secret,
                            k,
                            v.as_bytes(),
                            &arg.label,
                            reader,
                            diagnostics,
                        );
                    }
                }
            }
            Err(ds) => diagnostics.extend(ds.into_iter().map(place_in)),
        }
    }
}

/// The entries the key files are for, with their bytes; a problem for each file that names no
/// bucket entry or can't be read.
fn resolve<'a>(
    config: &'a Config,
    files: &'a [KeyFileArg],
    ask: Ask,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(&'a Entry, &'a KeyFileArg, Vec<u8>)> {
    let mut out: Vec<(&Entry, &KeyFileArg, Vec<u8>)> = Vec::new();
    for arg in files {
        let place = Place {
            config_source: Some(arg.label.clone()),
            ..Place::default()
        };
        let Some(entry) = config.entries().find(|e| e.name == arg.entry) else {
            let names: Vec<&str> = config.entries().map(|e| e.name.as_str()).collect();
            let hint = match did_you_mean(&arg.entry, names.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None if names.is_empty() => "the config has no entries".to_string(),
                None => format!(
                    "the entries are {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            diagnostics.push(
                Diagnostic::error(
                    place,
                    format!(
                        "no entry `{}` in `persistence.data` or `persistence.outputs`",
                        arg.entry
                    ),
                )
                .with_hint(hint),
            );
            continue;
        };
        if !matches!(entry.source, Source::Bucket { .. }) {
            let what = if matches!(entry.source, Source::HostPath { .. }) {
                "a `hostPath`"
            } else {
                "an `existingClaim`"
            };
            diagnostics.push(
                Diagnostic::error(
                    Place { config_path: Some(entry_path(entry)), ..place },
                    format!("`{}` is {what} entry: it reads no credentials", entry.name),
                )
                .with_hint(format!("{} is for bucket entries, those with `store`, `bucket`, `secret` and `secretKey`", ask.name())),
            );
            continue;
        }
        if let Some((_, earlier, _)) = out.iter().find(|(e, _, _)| e.name == entry.name) {
            if earlier.path != arg.path {
                diagnostics.push(
                    Diagnostic::error(
                        place,
                        format!(
                            "a second key file for `{}` (the first is `{}`)",
                            entry.name, earlier.label
                        ),
                    )
                    .with_hint(format!("give each entry one key file in {}", ask.name())),
                );
            }
            continue;
        }
        match keyfile::read(&arg.path, &arg.label) {
            Ok(bytes) => out.push((entry, arg, bytes)),
            Err(d) => diagnostics.push(d),
        }
    }
    out
}

/// Put `bytes` under `key` of the Secret being made, unless another file already put different
/// bytes there (the same content twice is fine).
fn add_key<'a>(
    data: &mut BTreeMap<String, Made<'a>>,
    secret: &str,
    key: &str,
    bytes: &[u8],
    label: &'a str,
    entry: &'a Entry,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match data.get(key) {
        None => {
            data.insert(key.to_string(), Made { bytes: bytes.to_vec(), label, entry });
        }
        Some(m) if m.bytes == bytes => {}
        Some(m) => diagnostics.push(
            Diagnostic::error(
                Place {
                    config_source: Some(label.to_string()),
                    config_path: Some(entry_path(entry)),
                    ..Place::default()
                },
                format!(
                    "key `{key}` of Secret `{secret}` would hold two different contents: this file's and `{}`'s (for `{}`)",
                    m.label,
                    entry_path(m.entry)
                ),
            )
            .with_hint("give each store its own `secretKey` (e.g. `gcs.json`, `s3.json`) in the shared Secret, or the same key file to both entries"),
        ),
    }
}

/// Every entry that reads a Secret being made must find its keys there (a partial Secret would
/// replace the one in the cluster); entries whose Secret is not made get a warning that it must
/// exist; and a Secret holds at most 1 MiB.
fn check_secrets(
    config: &Config,
    secrets: &BTreeMap<&str, BTreeMap<String, Made>>,
    namespaces: &[String],
    ask: Ask,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let ns = match namespaces {
        // A kustomize generator's Secrets take the kustomization's namespace.
        [one] if one.is_empty() => "the namespace the workloads run in".to_string(),
        [one] => format!("namespace `{one}`"),
        _ => format!(
            "namespaces {}",
            namespaces
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };

    for entry in config.entries() {
        let Some((secret, keys)) = reads(entry) else {
            continue;
        };
        let place = Place {
            config_path: Some(entry_path(entry)),
            ..Place::default()
        };
        match secrets.get(secret) {
            Some(data) => {
                for key in keys.iter().filter(|k| !data.contains_key(**k)) {
                    let hint = if keys.len() > 1 {
                        format!(
                            "give `{}` an azure key file with `AZURE_ACCOUNT_KEY` (the Blob CSI driver reads `{key}`)",
                            entry.name
                        )
                    } else {
                        format!("add {}", ask.one(&entry.name, "FILE"))
                    };
                    diagnostics.push(
                        Diagnostic::error(place.clone(), format!("Secret `{secret}` is made from {}, but without the key `{key}` that `{}` reads", ask.name(), entry.name))
                            .with_hint(hint),
                    );
                }
            }
            None => {
                let from = keys
                    .iter()
                    .map(|k| format!("--from-file={k}=path/{k}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let create = match namespaces {
                    [one] if one.is_empty() => {
                        format!("`kubectl create secret generic {secret} {from} -n NS`")
                    }
                    [one] => format!("`kubectl create secret generic {secret} {from} -n {one}`"),
                    _ => format!(
                        "`kubectl create secret generic {secret} {from} -n NS` in each namespace"
                    ),
                };
                let hint = if keys.len() > 1 {
                    format!(
                        "or {} with an azure key file",
                        ask.one(&entry.name, "key.json")
                    )
                } else {
                    format!("or add {}", ask.one(&entry.name, "path/key.json"))
                };
                diagnostics.push(
                    Diagnostic::warning(
                        place,
                        format!(
                            "no {} for `{}`: Secret `{secret}` with key {} must already exist in {ns}",
                            ask.name(),
                            entry.name,
                            keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" and ")
                        ),
                    )
                    .with_hint(format!("create it with {create}, {hint}")),
                );
            }
        }
    }
    for (secret, data) in secrets {
        let size: usize = data.values().map(|m| m.bytes.len()).sum();
        if size > keyfile::MAX_BYTES {
            diagnostics.push(Diagnostic::error(
                Place::default(),
                format!("Secret `{secret}` would hold {size} bytes; Kubernetes takes at most 1 MiB (1048576 bytes) in one Secret"),
            ).with_hint("put the large key files in different Secrets"));
        }
    }
}

/// The objects as a YAML stream, every document after `---`, every string quoted.
pub fn to_yaml(objects: &[Value]) -> String {
    let mut out = String::new();
    for o in objects {
        out.push_str("---\n");
        out.push_str(&crate::edit::emit_document(o, "\n"));
    }
    out
}
