//! The objects stowage makes for the cluster, as JSON values in a fixed field order: credential
//! Secrets (what `kubectl create secret generic NAME --from-file=KEY=FILE` makes) and, for S3
//! buckets with `mount: csi`, a PersistentVolume of the Mountpoint for Amazon S3 CSI driver and its
//! PersistentVolumeClaim.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::config::{Entry, Source, Store, parse_bucket_url};

/// The CSI driver of Mountpoint for Amazon S3.
pub const S3_CSI_DRIVER: &str = "s3.csi.aws.com";

/// The capacity of an S3 volume. Kubernetes requires one on a PersistentVolume and a claim's
/// request; Mountpoint ignores it. The driver's examples use this value.
pub const S3_CAPACITY: &str = "1200Gi";

const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "stowage");
const ENTRY_LABEL: &str = "stowage.dev/entry";

/// A Secret of type Opaque holding `data` (key → bytes), keys in sorted order.
pub fn secret(name: &str, namespace: &str, data: &BTreeMap<String, Vec<u8>>) -> Value {
    let data: serde_json::Map<String, Value> = data
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(base64(v))))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": "Opaque",
        "data": data,
    })
}

/// Whether the entry is an S3 bucket mounted through Mountpoint's CSI driver, which needs a
/// PersistentVolume and a claim (it has no inline volumes).
pub fn is_s3_csi(entry: &Entry) -> bool {
    matches!(
        entry.source,
        Source::Bucket {
            store: Store::S3,
            csi: true,
            ..
        }
    )
}

/// The claim an S3 `mount: csi` entry's workloads mount, in every namespace:
/// `stowage-<entry>`, shortened with a stable hash when that is over 63 characters.
pub fn s3_claim_name(entry: &Entry) -> String {
    let name = format!("stowage-{}", entry.name);
    if name.len() <= 63 {
        return name;
    }
    let hash = format!("{:08x}", fnv1a(entry.name.as_bytes()) as u32);
    let head = name[..63 - hash.len() - 1].trim_end_matches('-');
    format!("{head}-{hash}")
}

/// The PersistentVolume behind an S3 `mount: csi` entry's claim in `namespace`:
/// `stowage.<namespace>.<entry>`. PersistentVolumes are cluster-wide, so the namespace is in the
/// name; namespace and entry are DNS labels (no dots), so the name is unique per pair and at
/// most 8 + 63 + 1 + 63 = 135 characters, a DNS subdomain (≤ 253) with no need to shorten it.
pub fn s3_volume_name(entry: &Entry, namespace: &str) -> String {
    format!("stowage.{namespace}.{}", entry.name)
}

/// The PersistentVolume and PersistentVolumeClaim of an S3 `mount: csi` entry in `namespace`, or
/// None for any other entry.
///
/// Static provisioning as the driver documents it (awslabs/mountpoint-s3-csi-driver,
/// `examples/kubernetes/static_provisioning/static_provisioning.yaml` and `docs/CONFIGURATION.md`):
/// `storageClassName: ""` on both, `claimRef` so no other claim binds the volume, a
/// `volumeHandle` unique across PersistentVolumes (pods hang in ContainerCreating otherwise), the
/// bucket in `volumeAttributes.bucketName`, Mountpoint flags in `mountOptions`.
/// `ReadOnlyMany` makes the driver mount with `--read-only` (`pkg/driver/node/node.go`,
/// NodePublishVolume).
pub fn s3_volume_and_claim(entry: &Entry, namespace: &str) -> Option<[Value; 2]> {
    let Source::Bucket {
        store: Store::S3,
        bucket,
        csi: true,
        mount_options,
        ..
    } = &entry.source
    else {
        return None;
    };
    let bucket_name = parse_bucket_url(bucket).map_or(bucket.as_str(), |b| b.bucket);
    let volume = s3_volume_name(entry, namespace);
    let claim = s3_claim_name(entry);
    let mode = if entry.read_only {
        "ReadOnlyMany"
    } else {
        "ReadWriteMany"
    };
    let labels = json!({MANAGED_BY.0: MANAGED_BY.1, ENTRY_LABEL: entry.name});
    let mut spec = json!({
        "capacity": {"storage": S3_CAPACITY},
        "accessModes": [mode],
        "storageClassName": "",
        "claimRef": {"namespace": namespace, "name": claim},
    });
    let options = mount_options_list(mount_options.as_deref());
    if !options.is_empty() {
        spec["mountOptions"] = json!(options);
    }
    spec["csi"] = json!({
        "driver": S3_CSI_DRIVER,
        "volumeHandle": volume,
        "volumeAttributes": {"bucketName": bucket_name},
    });
    let pv = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": volume, "labels": labels},
        "spec": spec,
    });
    let pvc = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": claim, "namespace": namespace, "labels": labels},
        "spec": {
            "accessModes": [mode],
            "storageClassName": "",
            "resources": {"requests": {"storage": S3_CAPACITY}},
            "volumeName": volume,
        },
    });
    Some([pv, pvc])
}

/// `mountOptions` is one string in the config (`allow-delete,region us-west-2`); a
/// PersistentVolume takes a list, one Mountpoint flag an item (the driver turns `region
/// us-west-2` into `--region=us-west-2`).
pub fn mount_options_list(options: Option<&str>) -> Vec<String> {
    options
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .collect()
}

/// Standard base64 with padding (RFC 4648 §4), as a Secret's `data` holds bytes.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// FNV-1a, 64 bits: a hash that is the same on every machine and release (std's is not promised to
/// be), for names that must not change between runs.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn fnv1a_is_the_published_function() {
        // Test vectors of the FNV reference (draft-eastlake-fnv): "" and "a".
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn mount_options_split_on_commas() {
        assert_eq!(
            mount_options_list(Some("allow-delete, region us-west-2,,")),
            ["allow-delete", "region us-west-2"]
        );
        assert!(mount_options_list(None).is_empty());
    }
}
