//! The blocks each config entry gives a workload, rendered once per run from the templates.

use serde_json::{Value, json};

use crate::config::{CREDENTIALS_DIR, CREDENTIALS_SUFFIX, Entry, Source, Store};
use crate::generate;
use crate::render::Renderer;

/// One entry with the blocks rendered from it.
pub(super) struct Prepared<'c> {
    pub entry: &'c Entry,
    /// The pod volume and its mount (hostPath, claim, or a bucket with `mount: csi`).
    pub volume: Option<(Value, Value)>,
    /// A bucket's credential: its secret volume, read-only mount, env var name and file path.
    pub credentials: Option<Credentials>,
}

pub(super) struct Credentials {
    pub volume: Value,
    pub mount: Value,
    pub env_name: String,
    pub file: String,
}

/// `STOWAGE_CREDENTIALS_<ENTRY>`: upper-cased, `-` → `_` (injective for DNS-label entry names).
pub fn credentials_env_name(prefix: &str, entry: &str) -> String {
    format!("{prefix}{}", entry.to_uppercase().replace('-', "_"))
}

pub(super) fn prepare<'c>(
    entry: &'c Entry,
    renderer: &Renderer,
    credentials_prefix: &str,
) -> Result<Prepared<'c>, String> {
    let mut context = json!({
        "name": entry.name,
        "mountPath": entry.mount_path,
        "readOnly": entry.read_only,
        "subPath": entry.sub_path,
        "csi": "",
    });
    let c = context.as_object_mut().expect("an object");
    let mut credentials = None;
    match &entry.source {
        Source::HostPath { path, kind } => {
            c.insert("hostPath".into(), json!(path));
            c.insert("hostPathType".into(), json!(kind));
        }
        Source::Claim { claim } => {
            c.insert("existingClaim".into(), json!(claim));
        }
        Source::Bucket {
            store,
            bucket,
            secret,
            secret_key,
            csi,
            mount_options,
        } => {
            if *csi {
                // `gs://bucket/...` → bucket; `wasbs://container@account.blob.core.windows.net/` → container.
                let rest = bucket.split_once("://").map_or(bucket.as_str(), |(_, r)| r);
                let host = rest.split('/').next().unwrap_or("");
                c.insert("csi".into(), json!(store.as_str()));
                c.insert("bucketName".into(), json!(host));
                c.insert(
                    "containerName".into(),
                    json!(host.split('@').next().unwrap_or("")),
                );
                c.insert("secret".into(), json!(secret));
                c.insert("mountOptions".into(), json!(mount_options));
                if *store == Store::S3 {
                    // Mountpoint for S3 has no inline volumes: the pod mounts a claim, which the
                    // adapter adds to the stream with its PersistentVolume.
                    c.insert("claimName".into(), json!(generate::s3_claim_name(entry)));
                }
            } else {
                let dir = format!("{CREDENTIALS_DIR}/{}", entry.name);
                let ctx = json!({
                    "volumeName": format!("{}{CREDENTIALS_SUFFIX}", entry.name),
                    "secret": secret,
                    "secretKey": secret_key,
                    "mountPath": dir,
                });
                let (volume, mount) = renderer.credentials(&ctx)?;
                credentials = Some(Credentials {
                    volume,
                    mount,
                    env_name: credentials_env_name(credentials_prefix, &entry.name),
                    file: format!("{dir}/{secret_key}"),
                });
            }
        }
    }
    let mountable = !matches!(entry.source, Source::Bucket { csi: false, .. });
    let volume = if mountable {
        Some((renderer.volume(&context)?, renderer.mount(&context)?))
    } else {
        None
    };
    Ok(Prepared {
        entry,
        volume,
        credentials,
    })
}
