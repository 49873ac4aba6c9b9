//! What the cluster must hold for a config, per namespace: the Secrets (with their keys) and the
//! claims its workloads read, for `stowage validate` (the stream's own checks are in `in_stream`).

use std::collections::BTreeMap;

use super::{entry_path, objects, reads, s3_claim_name, s3_volume_name};
use crate::config::{Config, Source};

/// What one namespace must hold for the config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Needs {
    pub namespace: String,
    pub secrets: Vec<SecretNeed>,
    pub claims: Vec<ClaimNeed>,
}

/// A Secret the workloads read, each key with the config paths of the entries that read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretNeed {
    pub name: String,
    pub keys: BTreeMap<String, Vec<String>>,
}

/// A claim the workloads mount; `volume` is the PersistentVolume stowage makes for it (S3
/// `mount: csi`), None for an `existingClaim`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimNeed {
    pub name: String,
    pub entries: Vec<String>,
    pub volume: Option<String>,
}

/// What `namespace` must hold for the config's workloads there: Secrets by name, claims in
/// declaration order.
pub fn needs(config: &Config, namespace: &str) -> Needs {
    let mut secrets: BTreeMap<&str, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    let mut claims: Vec<ClaimNeed> = Vec::new();
    for entry in config.entries() {
        if let Some((secret, keys)) = reads(entry) {
            for key in keys {
                secrets
                    .entry(secret)
                    .or_default()
                    .entry(key.to_string())
                    .or_default()
                    .push(entry_path(entry));
            }
        }
        let claim = match &entry.source {
            Source::Claim { claim } => Some((claim.clone(), None)),
            _ if objects::is_s3_csi(entry) => {
                Some((s3_claim_name(entry), Some(s3_volume_name(entry, namespace))))
            }
            _ => None,
        };
        if let Some((name, volume)) = claim {
            match claims.iter_mut().find(|c| c.name == name) {
                Some(c) => c.entries.push(entry_path(entry)),
                None => claims.push(ClaimNeed {
                    name,
                    entries: vec![entry_path(entry)],
                    volume,
                }),
            }
        }
    }
    Needs {
        namespace: namespace.to_string(),
        secrets: secrets
            .into_iter()
            .map(|(name, keys)| SecretNeed {
                name: name.to_string(),
                keys,
            })
            .collect(),
        claims,
    }
}

/// [`Needs`] as lines for a person (stderr of `stowage validate`).
pub fn describe(needs: &Needs) -> String {
    let mut out = String::new();
    if needs.secrets.is_empty() && needs.claims.is_empty() {
        out.push_str(&format!(
            "namespace `{}` needs no Secret or claim for this config\n",
            needs.namespace
        ));
        return out;
    }
    out.push_str(&format!("namespace `{}` must hold:\n", needs.namespace));
    for s in &needs.secrets {
        let keys = s
            .keys
            .iter()
            .map(|(k, entries)| format!("`{k}` (for {})", entries.join(", ")))
            .collect::<Vec<_>>()
            .join(", ");
        let noun = if s.keys.len() == 1 { "key" } else { "keys" };
        out.push_str(&format!("  Secret `{}` with {noun} {keys}\n", s.name));
    }
    for c in &needs.claims {
        let entries = c.entries.join(", ");
        match &c.volume {
            None => out.push_str(&format!("  PersistentVolumeClaim `{}` (for {entries})\n", c.name)),
            Some(v) => out.push_str(&format!(
                "  PersistentVolumeClaim `{}` bound to PersistentVolume `{v}` (for {entries}; `stowage generate` makes both)\n",
                c.name
            )),
        }
    }
    out
}
