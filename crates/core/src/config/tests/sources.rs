//! Sources: exactly one per entry; stores, bucket URLs, secrets and `mount: csi`.

use super::*;

#[test]
fn exactly_one_source() {
    only_error_at(
        "data: {d: {mountPath: /d, readOnly: true}}",
        "persistence.data.d",
        "no source",
    );
    only_error_at(
        "data: {d: {mountPath: /d, hostPath: /srv/d, existingClaim: c, readOnly: true}}",
        "persistence.data.d",
        "`hostPath` and `existingClaim`",
    );
    only_error_at(
        "data: {d: {existingClaim: c, store: s3, bucket: s3://b, secret: s, secretKey: k}}",
        "persistence.data.d",
        "more than one source",
    );
}

#[test]
fn store_and_bucket() {
    only_error_at(
        "data: {d: {store: gsc, bucket: gs://b, secret: s, secretKey: k}}",
        "persistence.data.d.store",
        "did you mean `gcs`?",
    );
    only_error_at(
        "data: {d: {store: gcs, bucket: s3://b, secret: s, secretKey: k}}",
        "persistence.data.d.bucket",
        "did you mean `store: s3`?",
    );
    only_error_at(
        "data: {d: {store: s3, secret: s, secretKey: k}}",
        "persistence.data.d.bucket",
        "s3://my-bucket",
    );
    only_error_at(
        "data: {d: {bucket: s3://b, secret: s, secretKey: k}}",
        "persistence.data.d.store",
        "add `store: s3`",
    );
    only_error_at(
        "data: {d: {store: gcs, bucket: 'gs://', secret: s, secretKey: k}}",
        "persistence.data.d.bucket",
        "no bucket name",
    );
    only_error_at(
        "data: {d: {store: gcs, bucket: 'gs:///x', secret: s, secretKey: k}}",
        "persistence.data.d.bucket",
        "no bucket name",
    );
    only_error_at(
        "data: {d: {store: gcs, bucket: 'http://b', secret: s, secretKey: k}}",
        "persistence.data.d.bucket",
        "bucket URL",
    );
    only_error_at(
        "data: {d: {store: azure, bucket: 'wasbs://account.blob.core.windows.net/', secret: s, secretKey: k}}",
        "persistence.data.d.bucket",
        "<container>@<account>",
    );
    let (config, _) = ok(
        "data: {d: {store: azure, bucket: 'wasb://c@acct.blob.core.windows.net/x', secret: s, secretKey: k}}",
    );
    assert!(matches!(
        config.data[0].source,
        Source::Bucket {
            store: Store::Azure,
            ..
        }
    ));
}

#[test]
fn cloud_stores_need_a_valid_secret() {
    let diags = error_at(
        "data: {d: {store: s3, bucket: s3://b}}",
        "persistence.data.d.secret",
        "kubectl create secret generic s3-secret",
    );
    find(
        &diags,
        Severity::Error,
        "persistence.data.d.secretKey",
        "required",
    );
    assert_eq!(errors(&diags).len(), 2);
    only_error_at(
        "data: {d: {store: s3, bucket: s3://b, secret: S3_Secret, secretKey: k}}",
        "persistence.data.d.secret",
        "Secret name",
    );
    only_error_at(
        "data: {d: {store: s3, bucket: s3://b, secret: s, secretKey: 'a/b'}}",
        "persistence.data.d.secretKey",
        "Secret key",
    );
    only_error_at(
        "data: {d: {store: s3, bucket: s3://b, secret: s, secretKey: '..k'}}",
        "persistence.data.d.secretKey",
        "not a valid Secret key",
    );
    let long = "s".repeat(254);
    only_error_at(
        &format!("data: {{d: {{store: s3, bucket: s3://b, secret: {long}, secretKey: k}}}}"),
        "persistence.data.d.secret",
        "at most 253",
    );
}

#[test]
fn bucket_mount_paths_need_csi() {
    only_error_at(
        "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mountPath: /d}}",
        "persistence.data.d.mountPath",
        "mount: csi",
    );
    only_error_at(
        "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mount: csi}}",
        "persistence.data.d.mount",
        "needs a `mountPath`",
    );
    only_error_at(
        "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mount: fuse}}",
        "persistence.data.d.mount",
        "`csi`",
    );
    only_error_at(
        "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mountOptions: implicit-dirs}}",
        "persistence.data.d.mountOptions",
        "only applies with `mount: csi`",
    );
    let (config, _) = ok(
        "data: {d: {store: gcs, bucket: gs://b, secret: s, secretKey: k, mount: csi, mountPath: /d, mountOptions: implicit-dirs}}",
    );
    let e = &config.data[0];
    assert_eq!(e.mount_path.as_deref(), Some("/d"));
    assert_eq!(e.run_path(), "/d");
    assert!(
        matches!(&e.source, Source::Bucket { csi: true, mount_options: Some(o), .. } if o == "implicit-dirs")
    );
}

#[test]
fn fields_of_other_sources_are_refused() {
    only_error_at(
        "data: {d: {mountPath: /d, existingClaim: c, secret: s}}",
        "persistence.data.d.secret",
        "only applies to bucket entries",
    );
    only_error_at(
        "data: {d: {mountPath: /d, existingClaim: c, mount: csi}}",
        "persistence.data.d.mount",
        "only applies to bucket entries",
    );
    only_error_at(
        "data: {d: {mountPath: /d, existingClaim: c, hostPathType: Directory}}",
        "persistence.data.d.hostPathType",
        "only applies to `hostPath`",
    );
}

#[test]
fn data_buckets_are_unique() {
    only_error_at(
        "data: {a: {store: s3, bucket: s3://b, secret: s, secretKey: k}, b: {store: s3, bucket: s3://b, secret: t, secretKey: k}}",
        "persistence.data.b.bucket",
        "already the bucket of `persistence.data.a`",
    );
}

#[test]
fn csi_mounts_whole_buckets_only() {
    only_error_at(
        "data: {d: {store: gcs, bucket: gs://b/sub, secret: s, secretKey: k, mount: csi, mountPath: /d}}",
        "persistence.data.d.bucket",
        "names the path `sub`",
    );
}

#[test]
fn bucket_urls() {
    assert_eq!(
        parse_bucket_url("wasbs://c@acct.blob.core.windows.net/a/b"),
        Some(BucketUrl {
            bucket: "c",
            account: Some("acct"),
            path: "a/b"
        })
    );
    assert_eq!(
        parse_bucket_url("gs://b"),
        Some(BucketUrl {
            bucket: "b",
            account: None,
            path: ""
        })
    );
    assert_eq!(
        parse_bucket_url("s3://b/x/"),
        Some(BucketUrl {
            bucket: "b",
            account: None,
            path: "x/"
        })
    );
    assert_eq!(parse_bucket_url("http://b"), None);
    assert_eq!(parse_bucket_url("gs:///x"), None);
}
