//! Sources: exactly one per entry, and the rules of bucket entries (store, bucket URL, secret,
//! `mount: csi`).

use super::paths::has_line_break;
use super::{Checker, Problem, path_of};
use crate::config::raw::RawEntry;
use crate::config::{Entry, Role, Source, Store};

impl Checker<'_> {
    /// Exactly one of `hostPath`, `existingClaim` and `store` + `bucket`.
    pub(super) fn one_source(&mut self, role: Role, name: &str, path: &str, e: &RawEntry) -> bool {
        let sources: Vec<&str> = [
            ("`hostPath`", e.host_path.is_some()),
            ("`existingClaim`", e.existing_claim.is_some()),
            ("`store` + `bucket`", e.is_bucket()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        match sources.len() {
            1 => true,
            0 => {
                self.error(
                    path,
                    "entry has no source: set one of `hostPath`, `existingClaim`, or `store` + `bucket`",
                    Some(format!("e.g. `{name}: {{mountPath: /{}/{name}, existingClaim: {name}-pvc}}`", role.key())),
                );
                false
            }
            _ => {
                self.error(
                    path,
                    format!(
                        "entry has more than one source ({}); an entry mounts exactly one",
                        sources.join(" and ")
                    ),
                    Some("keep one, or split it into one entry per source".into()),
                );
                false
            }
        }
    }

    /// Fields that only mean something for another kind of source: refused rather than dropped
    /// silently.
    pub(super) fn fields_of_other_sources(&mut self, path: &str, e: &RawEntry) {
        if !e.is_bucket() {
            let bucket_fields = [
                ("secret", &e.secret),
                ("secretKey", &e.secret_key),
                ("mount", &e.mount),
                ("mountOptions", &e.mount_options),
            ];
            for (key, value) in bucket_fields {
                if value.is_some() {
                    self.error(
                        &format!("{path}.{key}"),
                        format!("`{key}` only applies to bucket entries (`store` + `bucket`)"),
                        Some(format!("remove `{key}`")),
                    );
                }
            }
        }
        if e.host_path.is_none() && e.host_path_type.is_some() {
            self.error(
                &format!("{path}.hostPathType"),
                "`hostPathType` only applies to `hostPath` entries",
                Some("remove `hostPathType`".into()),
            );
        }
    }

    /// The rules of a `store` + `bucket` entry.
    pub(in crate::config) fn bucket(
        &mut self,
        role: Role,
        name: &str,
        path: &str,
        e: &RawEntry,
    ) -> Option<Source> {
        let at = |key: &str| format!("{path}.{key}");
        let url = e.bucket.as_deref();
        let store = match e.store.as_deref() {
            Some(s) => Store::parse(s), // anything else is the schema's enum error
            None => {
                let guess = url
                    .and_then(|u| u.split_once("://"))
                    .and_then(|(scheme, _)| Store::for_scheme(scheme));
                self.error(
                    &at("store"),
                    "a `bucket` entry needs a `store` (gcs, s3 or azure)",
                    Some(match guess {
                        Some(s) => format!("add `store: {}`", s.as_str()),
                        None => "add `store: gcs`, `store: s3` or `store: azure`".into(),
                    }),
                );
                None
            }
        };
        let Some(url) = url else {
            let example = match store {
                Some(Store::S3) => "s3://my-bucket",
                Some(Store::Azure) => "wasbs://my-container@myaccount.blob.core.windows.net/",
                _ => "gs://my-bucket",
            };
            self.error(
                &at("bucket"),
                "a `store` entry needs a `bucket`",
                Some(format!("e.g. `bucket: {example}`")),
            );
            return None;
        };
        let store = store?;
        // The bucket URL, the secret's name and its key are the field rules'.
        let secret = e.secret.as_deref();
        let secret_key = e.secret_key.as_deref();
        if secret.is_none() {
            self.error(
                &at("secret"),
                format!("`secret` is required for `store: {}`: the name of the Secret that holds the credentials", store.as_str()),
                Some(format!(
                    "create one with `kubectl create secret generic {0}-secret --from-file=key.json=path/key.json` and set `secret: {0}-secret`",
                    store.as_str()
                )),
            );
        }
        if secret_key.is_none() {
            self.error(
                &at("secretKey"),
                format!("`secretKey` is required for `store: {}`: the key of the Secret that holds the credentials JSON", store.as_str()),
                Some("e.g. `secretKey: key.json` for a secret made with `--from-file=key.json=...`".into()),
            );
        }

        let csi = e.mount.as_deref() == Some("csi");
        match (e.mount_path.is_some(), csi) {
            (true, false) => self.error(
                &at("mountPath"),
                "a bucket is not mounted as a filesystem, so `mountPath` would be an empty directory (as it silently was in Polyaxon)",
                Some("add `mount: csi` to mount the bucket through its CSI driver, or remove `mountPath` to pass the bucket URL to the workload".into()),
            ),
            (false, true) => self.error(
                &at("mount"),
                "`mount: csi` needs a `mountPath`",
                Some(format!("e.g. `mountPath: /{}/{name}`", role.key())),
            ),
            _ => {}
        }
        // A CSI volume mounts a whole bucket (GCS) or container (Azure): a path in the URL would be
        // silently dropped and the workload would see everything above it.
        if csi
            && let Some(parsed) = parse_bucket_url(url)
            && !parsed.path.trim_matches('/').is_empty()
        {
            self.error(
                &at("bucket"),
                format!(
                    "`mount: csi` mounts the whole bucket or container, but `{url}` names the path `{}` inside it",
                    parsed.path.trim_matches('/')
                ),
                Some("use the bucket URL without a path (for GCS, `mountOptions: only-dir=<path>` mounts one directory), or drop `mount: csi`".into()),
            );
        }
        if !csi && e.mount_options.is_some() {
            self.error(
                &at("mountOptions"),
                "`mountOptions` only applies with `mount: csi`",
                Some("add `mount: csi` and a `mountPath`, or remove `mountOptions`".into()),
            );
        }
        Some(Source::Bucket {
            store,
            bucket: url.to_string(),
            secret: secret.unwrap_or_default().to_string(),
            secret_key: secret_key.unwrap_or_default().to_string(),
            csi,
            mount_options: e.mount_options.clone(),
        })
    }

    /// Bucket URLs of data entries: POLYSTORES_RUN_STORES_ACCESS_KEYS maps each URL to one
    /// credential, so two data entries on one URL would lose one of them.
    pub(super) fn data_buckets(&mut self, data: &[Entry]) {
        for (j, later) in data.iter().enumerate() {
            let Source::Bucket {
                bucket: lb,
                csi: false,
                ..
            } = &later.source
            else {
                continue;
            };
            let same = data[..j].iter().find(
                |e| matches!(&e.source, Source::Bucket { bucket, csi: false, .. } if bucket == lb),
            );
            if let Some(earlier) = same {
                self.error(
                    &format!("{}.bucket", path_of(later)),
                    format!("bucket `{lb}` is already the bucket of `{}`", path_of(earlier)),
                    Some("the run contract maps each bucket URL to one credential: keep one entry per bucket".into()),
                );
            }
        }
    }
}

/// Check a bucket URL the way Polyaxon's stores parse it, and against its store when it has one.
pub(in crate::config) fn bucket_url(store: Option<Store>, url: &str) -> Result<(), Problem> {
    let example = |store: Store| match store {
        Store::Gcs => "gs://<bucket>/<optional path>",
        Store::S3 => "s3://<bucket>/<optional path>",
        Store::Azure => "wasbs://<container>@<account>.blob.core.windows.net/<optional path>",
    };
    let written = match store {
        Some(s) => format!("a `{}` bucket is written `{}`", s.as_str(), example(s)),
        None => "e.g. `gs://<bucket>`, `s3://<bucket>` or `wasbs://<container>@<account>.blob.core.windows.net/`".into(),
    };
    if has_line_break(url) {
        return Err(Problem::new(format!(
            "bucket {url:?} must not contain a line break"
        )));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(Problem::new(format!("bucket `{url}` is not a URL")).hint(written));
    };
    let Some(of_scheme) = Store::for_scheme(scheme) else {
        return Err(Problem::new(format!(
            "bucket `{url}` is not a bucket URL: the stores' schemes are `gs://`, `s3://`, `wasbs://` and `wasb://`"
        ))
        .hint(written));
    };
    if let Some(store) = store
        && store != of_scheme
    {
        return Err(Problem::new(format!(
            "bucket `{url}` does not match `store: {}`",
            store.as_str()
        ))
        .hint(format!(
            "`{scheme}://` is a `{0}` bucket: did you mean `store: {0}`?",
            of_scheme.as_str()
        )));
    }
    let netloc = rest.split('/').next().unwrap_or_default();
    if netloc.is_empty() {
        return Err(Problem::new(format!("bucket `{url}` has no bucket name"))
            .hint(format!("write `{}`", example(of_scheme))));
    }
    if of_scheme == Store::Azure {
        // Polyaxon: "wasb connection string must be of the form <container>@<account>.blob.core.windows.net".
        let ok = netloc.split_once('@').is_some_and(|(container, host)| {
            !container.is_empty()
                && host
                    .strip_suffix(".blob.core.windows.net")
                    .is_some_and(|account| !account.is_empty() && !account.contains('.'))
        });
        if !ok {
            return Err(Problem::new(format!(
                "azure bucket `{url}` must name a container and an account"
            ))
            .hint(format!("write `{}`", example(of_scheme))));
        }
    }
    Ok(())
}

/// The parts of a bucket URL: the bucket (the container for Azure), the Azure account, and the
/// path inside the bucket without a leading `/`. None when `url` is not a bucket URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketUrl<'a> {
    pub bucket: &'a str,
    pub account: Option<&'a str>,
    pub path: &'a str,
}

pub fn parse_bucket_url(url: &str) -> Option<BucketUrl<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    Store::for_scheme(scheme)?;
    let (netloc, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (bucket, account) = match netloc.split_once('@') {
        Some((container, host)) => (container, host.split('.').next()),
        None => (netloc, None),
    };
    (!bucket.is_empty()).then_some(BucketUrl {
        bucket,
        account,
        path,
    })
}
