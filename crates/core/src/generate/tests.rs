//! The generator's library tests: Secret sharing, what a made Secret must hold, the S3 volumes and
//! their names, `needs`, and determinism. Key files are those of `testdata/keyfiles/`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::*;
use crate::config::{self, Config};

/// The CLI's generator (messages name `--credentials`).
fn generate(
    config: &Config,
    files: &[KeyFileArg],
    namespaces: &[String],
) -> Result<Generated, Vec<Diagnostic>> {
    super::generate(config, files, namespaces, Ask::Flag)
}

pub(super) const AZURE_BUCKET: &str = "wasbs://container@plxstorage.blob.core.windows.net/";

/// A key file of `testdata/keyfiles/` (shared with the key file tests).
pub(super) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("testdata/keyfiles")
        .join(name)
}

pub(super) fn messages(ds: &[Diagnostic]) -> String {
    ds.iter().map(|d| format!("{d}\n")).collect()
}

fn config(persistence: Value) -> Config {
    let (c, ds) = config::build(&persistence, "values.yaml");
    assert!(!crate::report::has_errors(&ds), "{}", messages(&ds));
    c.unwrap()
}

fn arg(entry: &str, file: &str) -> KeyFileArg {
    KeyFileArg {
        entry: entry.into(),
        path: fixture(file),
        label: format!("--credentials {entry}={file}"),
    }
}

fn shared() -> Config {
    config(json!({
        "data": {
            "data-gcs": {"store": "gcs", "bucket": "gs://d", "secret": "stores", "secretKey": "gcs.json"},
            "data-s3": {"store": "s3", "bucket": "s3://d", "secret": "stores", "secretKey": "s3.json"},
            "data-claim": {"mountPath": "/data/c", "existingClaim": "data-c"},
        },
        "outputs": {
            "outputs-s3": {"store": "s3", "bucket": "s3://o", "secret": "stores", "secretKey": "s3.json"},
        },
    }))
}

fn ns(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn entries_share_a_secret_with_one_key_each() {
    let made = generate(
        &shared(),
        &[
            arg("data-s3", "s3-valid.json"),
            arg("data-gcs", "gcs-service-account.json"),
            arg("outputs-s3", "s3-valid.json"),
        ],
        &ns(&["ml"]),
    )
    .unwrap();
    assert!(
        made.diagnostics.is_empty(),
        "{}",
        messages(&made.diagnostics)
    );
    assert_eq!(made.objects.len(), 1);
    let secret = &made.objects[0];
    assert_eq!(
        secret["metadata"],
        json!({"name": "stores", "namespace": "ml"})
    );
    assert_eq!(secret["type"], "Opaque");
    let keys: Vec<&String> = secret["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["gcs.json", "s3.json"]);
    let s3 = std::fs::read(fixture("s3-valid.json")).unwrap();
    assert_eq!(secret["data"]["s3.json"], objects::base64(&s3));
}

#[test]
fn one_key_with_two_contents_is_an_error_naming_both() {
    let ds = generate(
        &shared(),
        &[
            arg("data-s3", "s3-valid.json"),
            arg("outputs-s3", "s3-all.json"),
            arg("data-gcs", "gcs-service-account.json"),
        ],
        &ns(&["default"]),
    )
    .unwrap_err();
    let text = messages(&ds);
    assert!(
        text.contains("error: --credentials outputs-s3=s3-all.json, `persistence.outputs.outputs-s3`: key `s3.json` of Secret `stores` would hold two different contents: this file's and `--credentials data-s3=s3-valid.json`'s (for `persistence.data.data-s3`)"),
        "{text}"
    );
}

#[test]
fn a_shared_key_is_checked_for_every_store_that_reads_it() {
    // The Polyaxon page's example gives every store the same secret and key: one file can't serve.
    let c = config(json!({"data": {
        "data-gcs3": {"store": "gcs", "bucket": "gs://data-bucket", "secret": "secret-name", "secretKey": "secret-key"},
        "data-s3": {"store": "s3", "bucket": "s3://data-bucket", "secret": "secret-name", "secretKey": "secret-key"},
    }}));
    let text =
        messages(&generate(&c, &[arg("data-s3", "s3-valid.json")], &ns(&["default"])).unwrap_err());
    assert!(
        text.contains("error: --credentials data-s3=s3-valid.json, `persistence.data.data-gcs3`: line 2, column 3: is an s3 key file"),
        "{text}"
    );
}

#[test]
fn a_made_secret_must_hold_every_key_read_from_it() {
    let text = messages(
        &generate(
            &shared(),
            &[arg("data-s3", "s3-valid.json")],
            &ns(&["default"]),
        )
        .unwrap_err(),
    );
    assert!(
        text.contains("error: `persistence.data.data-gcs`: Secret `stores` is made from --credentials, but without the key `gcs.json` that `data-gcs` reads (add `--credentials data-gcs=FILE`)"),
        "{text}"
    );
}

#[test]
fn arguments_that_name_no_bucket_entry_are_errors_all_at_once() {
    let ds = generate(
        &shared(),
        &[
            arg("data-s4", "s3-valid.json"),
            arg("data-claim", "s3-valid.json"),
            arg("data-gcs", "missing.json"),
            arg("data-s3", "empty.json"),
        ],
        &ns(&["default"]),
    )
    .unwrap_err();
    let text = messages(&ds);
    for phrase in [
        "error: --credentials data-s4=s3-valid.json: no entry `data-s4` in `persistence.data` or `persistence.outputs` (did you mean `data-s3`?)",
        "error: --credentials data-claim=s3-valid.json, `persistence.data.data-claim`: `data-claim` is an `existingClaim` entry: it reads no credentials",
        "error: --credentials data-gcs=missing.json: cannot read the key file",
        "error: --credentials data-s3=empty.json, `persistence.data.data-s3`: is empty",
    ] {
        assert!(text.contains(phrase), "{phrase}\nin:\n{text}");
    }
}

#[test]
fn an_entry_without_credentials_warns_that_its_secret_must_exist() {
    let c = config(json!({"data": {
        "data-s3": {"store": "s3", "bucket": "s3://d", "secret": "s3-secret", "secretKey": "key.json"},
        "data-gcs": {"store": "gcs", "bucket": "gs://d", "secret": "gcs-secret", "secretKey": "key.json"},
    }}));
    let made = generate(&c, &[arg("data-s3", "s3-valid.json")], &ns(&["ml"])).unwrap();
    assert_eq!(made.objects.len(), 1);
    assert_eq!(
        messages(&made.diagnostics),
        "warning: `persistence.data.data-gcs`: no --credentials for `data-gcs`: Secret `gcs-secret` with key `key.json` must already exist in namespace `ml` (create it with `kubectl create secret generic gcs-secret --from-file=key.json=path/key.json -n ml`, or add `--credentials data-gcs=path/key.json`)\n"
    );
    // Nothing given, nothing to make: an error, not an empty success.
    let text = messages(&generate(&c, &[], &ns(&["ml"])).unwrap_err());
    assert!(text.contains("error: nothing to generate"), "{text}");
}

fn s3_csi(name: &str, extra: Value) -> Config {
    let mut entry = json!({"store": "s3", "bucket": "s3://csi-bucket", "secret": "s3-secret", "secretKey": "key.json",
        "mount": "csi", "mountPath": "/data/s3"});
    entry
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    config(json!({"data": {name: entry}}))
}

#[test]
fn s3_csi_entries_get_a_volume_and_claim_per_namespace() {
    let c = s3_csi(
        "data-s3",
        json!({"readOnly": true, "mountOptions": "allow-delete,region us-west-2"}),
    );
    let made = generate(&c, &[], &ns(&["ml", "default"])).unwrap();
    assert!(
        made.diagnostics.is_empty(),
        "{}",
        messages(&made.diagnostics)
    );
    let kinds: Vec<String> = made
        .objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "PersistentVolume/stowage.ml.data-s3",
            "PersistentVolumeClaim/stowage-data-s3",
            "PersistentVolume/stowage.default.data-s3",
            "PersistentVolumeClaim/stowage-data-s3",
        ]
    );
    let pv = &made.objects[0];
    assert_eq!(pv["spec"]["accessModes"], json!(["ReadOnlyMany"]));
    assert_eq!(
        pv["spec"]["claimRef"],
        json!({"namespace": "ml", "name": "stowage-data-s3"})
    );
    assert_eq!(
        pv["spec"]["mountOptions"],
        json!(["allow-delete", "region us-west-2"])
    );
    assert_eq!(
        pv["spec"]["csi"],
        json!({"driver": "s3.csi.aws.com", "volumeHandle": "stowage.ml.data-s3", "volumeAttributes": {"bucketName": "csi-bucket"}})
    );
    assert_eq!(made.objects[1]["spec"]["volumeName"], "stowage.ml.data-s3");
    assert_eq!(made.objects[1]["metadata"]["namespace"], "ml");
    // No namespace given: `default`, as everywhere else.
    let made = generate(&c, &[], &[]).unwrap();
    assert_eq!(
        made.objects[0]["metadata"]["name"],
        "stowage.default.data-s3"
    );
    // Writable by default, and no mountOptions key without options.
    let c = s3_csi("data-s3", json!({}));
    let [pv, _] = s3_volume_and_claim(c.data.first().unwrap(), "default").unwrap();
    assert_eq!(pv["spec"]["accessModes"], json!(["ReadWriteMany"]));
    assert!(pv["spec"].get("mountOptions").is_none());
}

#[test]
fn names_are_dns_names_within_their_limits() {
    // Bucket entry names have at most 51 characters today (their credentials volume's name must
    // fit 63): the claim needs no hash. Entry names of up to 63 (any DNS label) still fit.
    let c = s3_csi(&"d".repeat(51), json!({}));
    assert_eq!(
        s3_claim_name(&c.data[0]),
        format!("stowage-{}", "d".repeat(51))
    );
    let mut entry = c.data[0].clone();
    entry.name = "d".repeat(63);
    let claim = s3_claim_name(&entry);
    assert_eq!(claim.len(), 63);
    assert!(crate::k8s::is_dns1123_label(&claim), "{claim}");
    assert_eq!(claim, s3_claim_name(&entry), "stable");
    let mut other = entry.clone();
    other.name = format!("{}e", "d".repeat(62));
    assert_ne!(
        claim,
        s3_claim_name(&other),
        "the hash tells long names apart"
    );
    let volume = s3_volume_name(&entry, &"n".repeat(63));
    assert_eq!(volume.len(), 8 + 63 + 1 + 63);
    assert!(crate::k8s::is_dns1123_subdomain(&volume), "{volume}");
    // A namespace and entry that join alike with `-` stay apart.
    let (a, b) = (s3_csi("b-c", json!({})), s3_csi("c", json!({})));
    assert_ne!(
        s3_volume_name(&a.data[0], "a"),
        s3_volume_name(&b.data[0], "a-b")
    );
}

#[test]
fn azure_csi_secrets_get_the_blob_csi_drivers_keys() {
    let c = config(
        json!({"data": {"data-az": {"store": "azure", "bucket": AZURE_BUCKET, "secret": "az", "secretKey": "key.json",
        "mount": "csi", "mountPath": "/data/az"}}}),
    );
    let made = generate(&c, &[arg("data-az", "azure-valid.json")], &ns(&["default"])).unwrap();
    let data = made.objects[0]["data"].as_object().unwrap();
    let keys: Vec<&String> = data.keys().collect();
    assert_eq!(
        keys,
        [
            "azurestorageaccountkey",
            "azurestorageaccountname",
            "key.json"
        ]
    );
    assert_eq!(
        data["azurestorageaccountname"],
        objects::base64(b"plxstorage")
    );
    // Without credentials, validate lists the driver's keys as what the Secret must hold.
    let needs = needs(&c, "default");
    let keys: Vec<&String> = needs.secrets[0].keys.keys().collect();
    assert_eq!(keys, ["azurestorageaccountkey", "azurestorageaccountname"]);
}

#[test]
fn a_secret_over_one_mebibyte_is_refused() {
    let dir = std::env::temp_dir().join(format!("stowage-bigsecret-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two valid key files of 600 KB each (JSON allows the spaces).
    let pad = " ".repeat(600_000);
    for (i, name) in ["a.json", "b.json"].iter().enumerate() {
        let text = format!(
            "{{{pad}\"AWS_ACCESS_KEY_ID\": \"AKIAFAKE{i}\", \"AWS_SECRET_ACCESS_KEY\": \"fake\"}}"
        );
        std::fs::write(dir.join(name), text).unwrap();
    }
    let c = config(json!({"data": {
        "a": {"store": "s3", "bucket": "s3://a", "secret": "s", "secretKey": "a.json"},
        "b": {"store": "s3", "bucket": "s3://b", "secret": "s", "secretKey": "b.json"},
    }}));
    let args: Vec<KeyFileArg> = ["a", "b"]
        .iter()
        .map(|e| KeyFileArg {
            entry: e.to_string(),
            path: dir.join(format!("{e}.json")),
            label: e.to_string(),
        })
        .collect();
    let text = messages(&generate(&c, &args, &ns(&["default"])).unwrap_err());
    assert!(text.contains("Secret `s` would hold 12001"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn output_is_the_same_bytes_every_time() {
    let c = s3_csi("data-s3", json!({}));
    let args = [arg("data-s3", "s3-valid.json")];
    let once = to_yaml(&generate(&c, &args, &ns(&["a", "b"])).unwrap().objects);
    let twice = to_yaml(&generate(&c, &args, &ns(&["a", "b"])).unwrap().objects);
    assert_eq!(once, twice);
    assert!(
        once.starts_with("---\napiVersion: \"v1\"\nkind: \"Secret\"\n"),
        "{once}"
    );
}

#[test]
fn needs_lists_secrets_and_claims_per_namespace() {
    let mut c = shared();
    c.data.extend(s3_csi("data-csi", json!({})).data);
    let text = describe(&needs(&c, "ml"));
    assert_eq!(
        text,
        "namespace `ml` must hold:\n  Secret `stores` with keys `gcs.json` (for persistence.data.data-gcs), `s3.json` (for persistence.data.data-s3, persistence.outputs.outputs-s3)\n  PersistentVolumeClaim `data-c` (for persistence.data.data-claim)\n  PersistentVolumeClaim `stowage-data-csi` bound to PersistentVolume `stowage.ml.data-csi` (for persistence.data.data-csi; `stowage generate` makes both)\n"
    );
    let host =
        config(json!({"data": {"d": {"mountPath": "/d", "hostPath": "/srv/d", "readOnly": true}}}));
    assert_eq!(
        describe(&needs(&host, "x")),
        "namespace `x` needs no Secret or claim for this config\n"
    );
}
