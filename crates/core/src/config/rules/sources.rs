//! Bucket entries: store, bucket URL, secret and `mount: csi`.

use serde_json::{Map, Value};

use super::{Checker, text};
use crate::config::{Role, Source, Store};
use crate::k8s;

impl Checker<'_> {
    /// The rules of a `store` + `bucket` entry.
    pub(in crate::config) fn bucket(
        &mut self,
        role: Role,
        name: &str,
        path: &str,
        m: &Map<String, Value>,
    ) -> Option<Source> {
        let at = |key: &str| format!("{path}.{key}");
        let url = text(m, "bucket");
        let store = match text(m, "store") {
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
        if let Err((message, hint)) = check_bucket_url(store, url) {
            self.error(&at("bucket"), message, Some(hint));
        }

        let secret = text(m, "secret");
        let secret_key = text(m, "secretKey");
        let create = format!(
            "kubectl create secret generic {}-secret --from-file=key.json=path/key.json",
            store.as_str()
        );
        match secret {
            None => self.error(
                &at("secret"),
                format!("`secret` is required for `store: {}`: the name of the Secret that holds the credentials", store.as_str()),
                Some(format!("create one with `{create}` and set `secret: {}-secret`", store.as_str())),
            ),
            Some(s) if !k8s::is_dns1123_subdomain(s) => {
                self.error(&at("secret"), format!("`{s}` is not a valid Secret name (DNS-1123 subdomain)"), None)
            }
            Some(_) => {}
        }
        match secret_key {
            None => self.error(
                &at("secretKey"),
                format!("`secretKey` is required for `store: {}`: the key of the Secret that holds the credentials JSON", store.as_str()),
                Some("e.g. `secretKey: key.json` for a secret made with `--from-file=key.json=...`".into()),
            ),
            Some(k) if !k8s::is_config_key(k) => self.error(
                &at("secretKey"),
                format!("`{k}` is not a valid Secret key (`[-._a-zA-Z0-9]+`, not `.` or `..`)"),
                None,
            ),
            Some(_) => {}
        }

        let csi = text(m, "mount") == Some("csi");
        match (text(m, "mountPath").is_some(), csi) {
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
        if !csi && text(m, "mountOptions").is_some() {
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
            mount_options: text(m, "mountOptions").map(str::to_string),
        })
    }
}

/// Check a bucket URL against its store the way Polyaxon's stores parse it. Err: (message, hint).
fn check_bucket_url(store: Store, url: &str) -> Result<(), (String, String)> {
    let example = match store {
        Store::Gcs => "gs://<bucket>/<optional path>",
        Store::S3 => "s3://<bucket>/<optional path>",
        Store::Azure => "wasbs://<container>@<account>.blob.core.windows.net/<optional path>",
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err((
            format!("bucket `{url}` is not a URL"),
            format!("a `{}` bucket is written `{example}`", store.as_str()),
        ));
    };
    if !store.schemes().contains(&scheme) {
        let hint = match Store::for_scheme(scheme) {
            Some(other) => format!(
                "`{scheme}://` is a `{}` bucket: did you mean `store: {}`?",
                other.as_str(),
                other.as_str()
            ),
            None => format!("a `{}` bucket is written `{example}`", store.as_str()),
        };
        return Err((
            format!("bucket `{url}` does not match `store: {}`", store.as_str()),
            hint,
        ));
    }
    let netloc = rest.split('/').next().unwrap_or_default();
    if netloc.is_empty() {
        return Err((
            format!("bucket `{url}` has no bucket name"),
            format!("write `{example}`"),
        ));
    }
    if store == Store::Azure {
        // Polyaxon: "wasb connection string must be of the form <container>@<account>.blob.core.windows.net".
        let ok = netloc.split_once('@').is_some_and(|(container, host)| {
            !container.is_empty()
                && host
                    .strip_suffix(".blob.core.windows.net")
                    .is_some_and(|account| !account.is_empty() && !account.contains('.'))
        });
        if !ok {
            return Err((
                format!("azure bucket `{url}` must name a container and an account"),
                format!("write `{example}`"),
            ));
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
