//! stowage as a kustomize generator (and a kpt function that adds Secrets): the credential
//! Secrets of the key files a `Persistence` object names beside its `spec`.
//!
//! ```yaml
//! apiVersion: stowage.dev/v1alpha1
//! kind: Persistence
//! metadata: {name: persistence}
//! spec: {...}                      # the persistence config
//! credentials:                     # key files by entry, relative to the kustomization
//!   data-s3: keys/s3.json
//! disableNameSuffixHash: false     # kustomize hashes the Secrets' names by default
//! ```
//!
//! kustomize runs a legacy exec plugin listed under `generators:` with nothing on stdin, and a KRM
//! function there with no items, both in the kustomization's folder (its `execplugin.go`
//! `invokePlugin` sets `cmd.Dir` to the loader root; `kusttarget.go` gives KRM functions that
//! root as their working dir). A generated object carrying `kustomize.config.k8s.io/needs-hash:
//! "true"` gets a hash of its content appended to its name, and kustomize then rewrites every
//! reference to it (`UpdateResourceOptions`, then the target's `addHashesToNames` and
//! `FixBackReferences`, after all transformers): a rotated key renames the Secret, and the
//! workloads that stowage pointed at it roll.

use std::path::Path;

use serde_json::{Map, Value};

use crate::config::{self, Config};
use crate::generate::{self, KeyFileArg};
use crate::report::{Diagnostic, Place, has_errors};

/// The annotation that asks kustomize to hash a generated object's name.
pub const NEEDS_HASH: &str = "kustomize.config.k8s.io/needs-hash";

/// The generator's part of a Persistence object.
pub struct Generator {
    pub credentials: Vec<KeyFileArg>,
    pub hash: bool,
}

/// The `credentials` and `disableNameSuffixHash` of a Persistence object (`None` without
/// `credentials`). Key file paths are relative to `base`.
pub fn read(
    object: &Value,
    origin: &str,
    base: &Path,
) -> Result<Option<Generator>, Vec<Diagnostic>> {
    let place = |path: &str| Place {
        config_source: Some(origin.to_string()),
        config_path: Some(path.to_string()),
        ..Place::default()
    };
    let hash = match object.get("disableNameSuffixHash") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => true,
        Some(Value::Bool(true)) => false,
        Some(_) => {
            return Err(vec![Diagnostic::error(
                place("disableNameSuffixHash"),
                "must be true or false",
            )]);
        }
    };
    let credentials = match object.get("credentials") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(vec![
                Diagnostic::error(
                    place("credentials"),
                    "must be a mapping of entry names to key files",
                )
                .with_hint("e.g. `credentials: {data-s3: keys/s3.json}`"),
            ]);
        }
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (entry, file) in credentials {
        match file.as_str() {
            Some(f) if !f.is_empty() => out.push(KeyFileArg {
                entry: entry.clone(),
                path: base.join(f),
                label: format!("{origin}, `credentials.{entry}`: {f}"),
            }),
            _ => errors.push(Diagnostic::error(
                place(&format!("credentials.{entry}")),
                "must be the path of a key file",
            )),
        }
    }
    if errors.is_empty() {
        Ok(Some(Generator {
            credentials: out,
            hash,
        }))
    } else {
        Err(errors)
    }
}

/// The Secrets of the key files, without a namespace (kustomize's `namespace:` and the
/// workloads' namespace decide it), named for hashing unless that is disabled.
pub fn secrets(
    config: &Config,
    generator: &Generator,
) -> Result<(Vec<Value>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let made = generate::generate(
        config,
        &generator.credentials,
        &[String::new()],
        generate::Ask::Field,
    )?;
    let secrets = made
        .objects
        .into_iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("Secret"))
        .map(|mut secret| {
            if generator.hash {
                let mut annotations = Map::new();
                annotations.insert(NEEDS_HASH.into(), Value::String("true".into()));
                secret["metadata"]["annotations"] = Value::Object(annotations);
            }
            secret
        })
        .collect();
    Ok((secrets, made.diagnostics))
}

/// The Secrets a plugin config asks for, or why it can't make any: a config listed under
/// `generators:` is never a silent no-op.
pub fn run(
    object: &Value,
    persistence: &Value,
    origin: &str,
    base: &Path,
) -> Result<(Vec<Value>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let generator = read(object, origin, base)?;
    let (config, diagnostics) = config::build(persistence, origin);
    let Some(config) = config.filter(|_| !has_errors(&diagnostics)) else {
        return Err(diagnostics);
    };
    let Some(generator) = generator.filter(|g| !g.credentials.is_empty()) else {
        let mut all = diagnostics;
        all.push(
            Diagnostic::error(
                Place {
                    config_source: Some(origin.to_string()),
                    ..Place::default()
                },
                "nothing to generate: no resources came in and the config names no key files under `credentials:`",
            )
            .with_hint("as a generator, name the key files (`credentials: {ENTRY: FILE}`, relative to the kustomization); to inject volumes, list the config under `transformers:`"),
        );
        return Err(all);
    };
    let (secrets, mut warnings) = secrets(&config, &generator)?;
    let mut all = diagnostics;
    all.append(&mut warnings);
    Ok((secrets, all))
}
