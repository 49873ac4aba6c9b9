//! An azure key file: `AZURE_ACCOUNT_NAME`, the bucket URL's account, and `AZURE_ACCOUNT_KEY` or
//! `AZURE_CONNECTION_STRING` (whose account must be that account too).

use super::{Found, Object, Store, at, example, is_base64, parse_bucket_url, shown_key, suggest};

const AZURE_KEYS: &[&str] = &[
    "AZURE_ACCOUNT_NAME",
    "AZURE_ACCOUNT_KEY",
    "AZURE_CONNECTION_STRING",
];

/// Checks an azure key file; returns the account name and key when it has both (for the Blob CSI
/// driver's Secret keys).
pub(super) fn check(o: &Object, bucket: &str, found: &mut Found) -> Option<(String, String)> {
    let account = parse_bucket_url(bucket).and_then(|b| b.account);
    let mut meant: Vec<&str> = Vec::new();
    for f in &o.fields {
        if AZURE_KEYS.contains(&f.key.as_str()) {
            continue;
        }
        match suggest(&f.key, AZURE_KEYS, &[]) {
            Some(k) => {
                meant.push(k);
                found.error(
                    Some(at(f)),
                    format!("unknown key {}", shown_key(&f.key)),
                    Some(format!(
                        "did you mean `{k}`? the Polyaxon client reads the names exactly"
                    )),
                );
            }
            None => found.warning(
                Some(at(f)),
                format!(
                    "{} is not read by the Polyaxon client: it is ignored",
                    shown_key(&f.key)
                ),
                Some(format!("an azure key file holds {}", AZURE_KEYS.join(", "))),
            ),
        }
    }
    let mismatch = |what: &str, account: &str| {
        (
            format!("{what} is not `{account}`, the account of the bucket `{bucket}`"),
            "the key file must be for the bucket URL's storage account: `wasbs://CONTAINER@ACCOUNT.blob.core.windows.net/`".to_string(),
        )
    };
    let name = match o.get("AZURE_ACCOUNT_NAME") {
        None if meant.contains(&"AZURE_ACCOUNT_NAME") => None,
        _ => found.required(
            o,
            "AZURE_ACCOUNT_NAME",
            "the storage account's name, as in the bucket URL",
        ),
    };
    if let (Some(name), Some(account)) = (&name, account)
        && !name.eq_ignore_ascii_case(account)
    {
        let (message, hint) = mismatch("`AZURE_ACCOUNT_NAME`", account);
        found.error(o.get("AZURE_ACCOUNT_NAME").map(at), message, Some(hint));
    }
    let key_field = o.get("AZURE_ACCOUNT_KEY");
    let conn_field = o.get("AZURE_CONNECTION_STRING");
    let mut key = None;
    if let Some(f) = key_field
        && let Some(k) = found.string(f)
    {
        if k.trim().is_empty() {
            found.error(
                Some(at(f)),
                "`AZURE_ACCOUNT_KEY` is empty",
                Some(
                    "fill in the account key, or remove the key and use `AZURE_CONNECTION_STRING`"
                        .into(),
                ),
            );
        } else if !is_base64(k.as_bytes()) {
            found.error(
                Some(at(f)),
                "`AZURE_ACCOUNT_KEY` is not base64",
                Some("an account key is the 88-character base64 string under the storage account's Access keys".into()),
            );
        } else {
            key = Some(k.to_string());
        }
    }
    if let Some(f) = conn_field
        && let Some(c) = found.string(f)
    {
        if c.trim().is_empty() {
            found.error(
                Some(at(f)),
                "`AZURE_CONNECTION_STRING` is empty",
                Some("fill in the connection string, or remove the key".into()),
            );
        } else {
            let parsed = connection_string(c, at(f), found);
            let target = account.or(name.as_deref());
            if let (Some(conn_account), Some(target)) = (parsed.account, target)
                && !conn_account.eq_ignore_ascii_case(target)
            {
                let what = format!("the `{}=` of `AZURE_CONNECTION_STRING`", parsed.from);
                let (message, hint) = match account {
                    Some(a) => mismatch(&what, a),
                    None => (
                        format!("{what} is not `AZURE_ACCOUNT_NAME`"),
                        "use one account".into(),
                    ),
                };
                found.error(Some(at(f)), message, Some(hint));
            }
            if key.is_none() {
                key = parsed.key;
            }
        }
    }
    if key_field.is_none()
        && conn_field.is_none()
        && !meant.iter().any(|k| *k != "AZURE_ACCOUNT_NAME")
    {
        found.error(
            None,
            "missing `AZURE_ACCOUNT_KEY` or `AZURE_CONNECTION_STRING`",
            Some(format!("e.g. {}", example(Store::Azure))),
        );
    }
    name.zip(key)
}

struct ConnectionString {
    /// The account it names, and by which segment.
    account: Option<String>,
    from: &'static str,
    key: Option<String>,
}

/// The account and key of an Azure connection string (`Name=value;...`, names in any case).
fn connection_string(c: &str, at: (usize, usize), found: &mut Found) -> ConnectionString {
    let mut out = ConnectionString {
        account: None,
        from: "AccountName",
        key: None,
    };
    let mut endpoint_account = None;
    let mut development = false;
    for (i, segment) in c
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let Some((name, value)) = segment.split_once('=') else {
            found.error(
                Some(at),
                format!("segment {} of `AZURE_CONNECTION_STRING` is not `Name=value`", i + 1),
                Some("a connection string is `DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net`".into()),
            );
            continue;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "accountname" => out.account = Some(value.trim().to_string()),
            "accountkey" => out.key = Some(value.trim().to_string()),
            "blobendpoint" => {
                let host = value.trim().split("://").nth(1).unwrap_or("");
                endpoint_account = host.split(['.', '/', ':']).next().map(str::to_string);
            }
            "usedevelopmentstorage" => development = true,
            _ => {}
        }
    }
    if out.account.is_none() {
        out.account = endpoint_account;
        out.from = "BlobEndpoint";
        if out.account.is_none() && !development {
            found.error(
                Some(at),
                "`AZURE_CONNECTION_STRING` names no account (no `AccountName=` or `BlobEndpoint=`)",
                Some(
                    "copy the whole connection string from the storage account's Access keys"
                        .into(),
                ),
            );
        }
    }
    out
}
