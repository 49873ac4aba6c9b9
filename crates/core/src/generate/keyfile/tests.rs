//! Every store's key files (fixtures in `testdata/keyfiles/`, all fake), and that no message ever
//! shows a value of them.

use serde_json::Value;

use super::*;
use crate::generate::tests::{AZURE_BUCKET, fixture, messages};

fn check_fixture(store: Store, name: &str) -> Result<Checked, Vec<Diagnostic>> {
    let bytes = std::fs::read(fixture(name)).unwrap();
    check(
        store,
        AZURE_BUCKET,
        &format!("--credentials x={name}"),
        &bytes,
    )
}

fn store_of_fixture(name: &str) -> Store {
    match name.split('-').next() {
        Some("gcs") => Store::Gcs,
        Some("azure") => Store::Azure,
        _ => Store::S3,
    }
}

/// Every fixture's verdict for its own store: Ok, or errors whose lines hold these phrases.
const VERDICTS: &[(&str, &[&str])] = &[
    ("azure-connection-string.json", &[]),
    ("azure-valid.json", &[]),
    ("gcs-authorized-user.json", &[]),
    ("gcs-external-account.json", &[]),
    ("gcs-impersonated.json", &[]),
    ("gcs-service-account.json", &[]),
    ("s3-all.json", &[]),
    ("s3-valid.json", &[]),
    (
        "azure-connection-string.txt",
        &["line 1, column 1: is not JSON: it looks like an Azure connection string"],
    ),
    (
        "azure-connection-wrong-account.json",
        &["line 3, column 3: the `AccountName=` of `AZURE_CONNECTION_STRING` is not `plxstorage`"],
    ),
    (
        "azure-key-not-base64.json",
        &["line 3, column 3: `AZURE_ACCOUNT_KEY` is not base64"],
    ),
    (
        "azure-lowercase.json",
        &[
            "line 2, column 3: unknown key `azure_account_name`",
            "did you mean `AZURE_ACCOUNT_NAME`?",
        ],
    ),
    (
        "azure-missing-key.json",
        &["missing `AZURE_ACCOUNT_KEY` or `AZURE_CONNECTION_STRING`"],
    ),
    (
        "azure-polyaxon-page.json",
        &[
            "line 4, column 54: a comma after the last entry",
            "JSON allows no comma before `}`",
        ],
    ),
    (
        "azure-wrong-account.json",
        &["line 2, column 3: `AZURE_ACCOUNT_NAME` is not `plxstorage`, the account of the bucket"],
    ),
    ("binary.bin", &["is a binary file (a NUL byte at offset 3)"]),
    ("empty.json", &["is empty"]),
    ("whitespace.json", &["is empty"]),
    (
        "gcs-authorized-user-no-refresh.json",
        &["missing `refresh_token`"],
    ),
    (
        "gcs-bad-email.json",
        &["line 6, column 3: `client_email` is not an e-mail address"],
    ),
    ("gcs-no-private-key.json", &["missing `private_key`"]),
    ("gcs-no-type.json", &["missing `type`"]),
    (
        "gcs-pem-escaped-twice.json",
        &["line 5, column 3: `private_key` holds `\\n` as two characters"],
    ),
    (
        "gcs-pem-no-armor.json",
        &["line 5, column 3: `private_key` does not start with `-----BEGIN PRIVATE KEY-----`"],
    ),
    (
        "gcs-pem-only.pem",
        &["is not JSON: it looks like a PEM block"],
    ),
    (
        "gcs-pem-raw-newlines.json",
        &["line 5, column 46: a line break or control character inside a string"],
    ),
    (
        "gcs-type-wrong-case.json",
        &[
            "line 2, column 3: `type` is not a Google credentials type",
            "did you mean `service_account`?",
        ],
    ),
    (
        "s3-array.json",
        &["line 1, column 1: is an array, not a JSON object"],
    ),
    (
        "s3-bad-endpoint.json",
        &["line 2, column 3: `AWS_ENDPOINT_URL` is not an http(s) URL"],
    ),
    (
        "s3-bom.json",
        &["line 1, column 1: starts with a byte-order mark"],
    ),
    (
        "s3-comment.json",
        &[
            "line 2, column 3: expected a key in double quotes",
            "JSON allows no comments",
        ],
    ),
    (
        "s3-credentials.ini",
        &["is not JSON: it looks like an AWS shared credentials file (INI)"],
    ),
    (
        "s3-duplicate-key.json",
        &["line 4, column 3: duplicate key `AWS_ACCESS_KEY_ID` (first at line 2)"],
    ),
    (
        "s3-key.env",
        &["is not JSON: it looks like a shell or dotenv file"],
    ),
    ("s3-key.yaml", &["is not JSON: it looks like YAML"]),
    ("s3-latin1.json", &["line 3, column 54: is not UTF-8 text"]),
    (
        "s3-utf16.json",
        &["is UTF-16 text; a JSON key file is UTF-8"],
    ),
    (
        "s3-lowercase.json",
        &["line 2, column 3: unknown key `aws_access_key_id` (did you mean `AWS_ACCESS_KEY_ID`?"],
    ),
    (
        "s3-missing-comma.json",
        &["line 3, column 3: expected `,` or `}` (a comma is missing between two entries)"],
    ),
    (
        "s3-missing-secret.json",
        &["missing `AWS_SECRET_ACCESS_KEY`"],
    ),
    (
        "s3-number-value.json",
        &["line 2, column 3: `AWS_ACCESS_KEY_ID` must be a string, not a number"],
    ),
    (
        "s3-polyaxon-template.json",
        &["line 3, column 3: `AWS_ACCESS_KEY_ID` is empty"],
    ),
    (
        "s3-session-token.json",
        &["line 4, column 3: unknown key `AWS_SESSION_TOKEN` (did you mean `AWS_SECURITY_TOKEN`?"],
    ),
    (
        "s3-single-quotes.json",
        &["line 2, column 3: expected a key in double quotes (JSON strings use double quotes"],
    ),
    (
        "s3-unclosed.json",
        &["the file ends inside the object (a closing `}` is missing)"],
    ),
];

#[test]
fn every_fixture_gets_its_verdict() {
    let mut listed: Vec<&str> = VERDICTS.iter().map(|v| v.0).collect();
    listed.sort_unstable();
    let mut on_disk: Vec<String> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "README.md")
        .collect();
    on_disk.sort_unstable();
    assert_eq!(listed, on_disk, "every fixture has a verdict here");
    for (name, phrases) in VERDICTS {
        let store = store_of_fixture(name);
        match (check_fixture(store, name), phrases.is_empty()) {
            (Ok(c), true) => assert!(c.warnings.is_empty(), "{name}: {}", messages(&c.warnings)),
            (Ok(_), false) => panic!("{name} passed; expected {phrases:?}"),
            (Err(ds), true) => panic!("{name} failed:\n{}", messages(&ds)),
            (Err(ds), false) => {
                let text = messages(&ds);
                let label = format!("error: --credentials x={name}: ");
                assert!(
                    text.lines()
                        .any(|l| l.starts_with(&label) && phrases.iter().all(|p| l.contains(p))),
                    "{name}: no error line with {phrases:?} in:\n{text}"
                );
            }
        }
    }
}

#[test]
fn the_polyaxon_pages_azure_example_points_at_its_comma() {
    // The page's example, byte for byte (a space after `{`, a comma after the last entry).
    let page = "{ \n  \"AZURE_ACCOUNT_NAME\": \"plx-storage\",\n  \"AZURE_ACCOUNT_KEY\": \"your key\",\n  \"AZURE_CONNECTION_STRING\": \"your connection string\",\n}\n";
    assert_eq!(
        std::fs::read_to_string(fixture("azure-polyaxon-page.json")).unwrap(),
        page
    );
    let ds = check(Store::Azure, AZURE_BUCKET, "key.json", page.as_bytes()).unwrap_err();
    assert_eq!(ds.len(), 1);
    assert_eq!(
        ds[0].to_string(),
        "error: key.json: line 4, column 54: a comma after the last entry, before `}` (JSON allows no comma before `}`: delete it)"
    );
    // Without the comma, the rest of the example is checked: its placeholders are no account key.
    let fixed = page.replace("string\",\n}", "string\"\n}");
    let text =
        messages(&check(Store::Azure, AZURE_BUCKET, "key.json", fixed.as_bytes()).unwrap_err());
    assert!(
        text.contains("`AZURE_ACCOUNT_NAME` is not `plxstorage`"),
        "{text}"
    );
    assert!(text.contains("`AZURE_ACCOUNT_KEY` is not base64"), "{text}");
    assert!(
        text.contains("segment 1 of `AZURE_CONNECTION_STRING` is not `Name=value`"),
        "{text}"
    );
}

#[test]
fn a_key_file_for_another_store_is_named_as_such() {
    for (name, store, phrase) in [
        (
            "s3-valid.json",
            Store::Gcs,
            "is an s3 key file (it has `AWS_ACCESS_KEY_ID`), but the entry has `store: gcs`",
        ),
        (
            "gcs-service-account.json",
            Store::S3,
            "is a gcs key file (it has `type`), but the entry has `store: s3`",
        ),
        (
            "azure-valid.json",
            Store::S3,
            "is an azure key file (it has `AZURE_ACCOUNT_NAME`), but the entry has `store: s3`",
        ),
        (
            "s3-lowercase.json",
            Store::Azure,
            "is an s3 key file (it has `aws_access_key_id`)",
        ),
    ] {
        let text = messages(&check_fixture(store, name).unwrap_err());
        assert!(text.contains(phrase), "{name}: {text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}

#[test]
fn azure_checks_keep_the_account_for_the_blob_csi_driver() {
    let ok = check_fixture(Store::Azure, "azure-valid.json").unwrap();
    let (name, key) = ok.blob_csi.unwrap();
    assert_eq!(name, "plxstorage");
    assert!(key.ends_with('=') && key.len() % 4 == 0);
    // The key of a connection string serves when there is no AZURE_ACCOUNT_KEY.
    let ok = check_fixture(Store::Azure, "azure-connection-string.json").unwrap();
    assert!(ok.blob_csi.is_some());
    // The account is compared without regard to case, as DNS does.
    let upper = AZURE_BUCKET.replace("plxstorage", "PLXSTORAGE");
    let bytes = std::fs::read(fixture("azure-valid.json")).unwrap();
    assert!(check(Store::Azure, &upper, "k", &bytes).is_ok());
}

#[test]
fn warnings_do_not_fail_a_key_file() {
    let file = br#"{"AZURE_ACCOUNT_NAME": "plxstorage", "AZURE_ACCOUNT_KEY": "Zm9vYmFy", "AZURE_SAS_TOKEN_X": "x"}"#;
    let ok = check(Store::Azure, AZURE_BUCKET, "k", file).unwrap();
    assert_eq!(ok.warnings.len(), 1);
    assert!(
        ok.warnings[0]
            .to_string()
            .contains("`AZURE_SAS_TOKEN_X` is not read by the Polyaxon client")
    );
    let file = br#"{"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_REGION": ""}"#;
    let ok = check(Store::S3, "s3://b", "k", file).unwrap();
    assert!(
        ok.warnings[0]
            .to_string()
            .contains("line 1, column 58: `AWS_REGION` is empty"),
        "{:?}",
        ok.warnings
    );
}

#[test]
fn a_ten_megabyte_file_is_refused_without_reading_it() {
    let dir = std::env::temp_dir().join(format!("stowage-keyfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.json");
    let big = vec![b' '; 10 << 20];
    std::fs::write(&path, &big).unwrap();
    let start = std::time::Instant::now();
    let d = read(&path, "--credentials x=big.json").unwrap_err();
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(
        d.to_string(),
        "error: --credentials x=big.json: is 10485760 bytes; a key file is at most 1 MiB, as much as a Secret can hold (give the key file itself (a few KiB of JSON), not an archive or a log)"
    );
    // Bytes handed over directly are held to the same limit.
    let ds = check(Store::S3, "s3://b", "k", &big).unwrap_err();
    assert!(ds[0].message.contains("a key file is at most 1 MiB"));
    // A file of exactly the limit is read.
    std::fs::write(&path, &big[..MAX_BYTES]).unwrap();
    assert_eq!(read(&path, "k").unwrap().len(), MAX_BYTES);
    let d = read(&dir, "k").unwrap_err();
    assert!(d.message.contains("is a directory"));
    let d = read(&dir.join("missing.json"), "k").unwrap_err();
    assert!(d.message.starts_with("cannot read the key file"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_places_count_characters_and_lines() {
    assert_eq!(json::line_col(b"ab\ncd", 0), (1, 1));
    assert_eq!(json::line_col(b"ab\ncd", 4), (2, 2));
    assert_eq!(json::line_col("é\nxé!".as_bytes(), 6), (2, 3));
    assert_eq!(json::line_col(b"ab", 99), (1, 3));
    // Nested duplicates are found too; a key in a string value is no key.
    let p = json::parse_object(br#"{"a": {"b": 1, "b": 2}, "c": "\"a\": 1"}"#, "").unwrap_err();
    assert_eq!(p.at, Some((1, 16)));
    assert!(p.message.starts_with("duplicate key `b`"));
    let o = json::parse_object(
        b"{\"a\": \"\\\"x\\\"\", \n  \"b\\u0041\": [1, {\"a\": 2}]}",
        "",
    )
    .unwrap();
    let keys: Vec<(&str, usize, usize)> = o
        .fields
        .iter()
        .map(|f| (f.key.as_str(), f.line, f.column))
        .collect();
    assert_eq!(keys, [("a", 1, 2), ("bA", 2, 3)]);
}

#[test]
fn odd_keys_are_described_not_shown() {
    assert_eq!(json::shown_key("AWS_REGION"), "`AWS_REGION`");
    assert_eq!(json::shown_key("has space"), "a key of 9 characters");
    assert_eq!(json::shown_key(&"K".repeat(65)), "a key of 65 characters");
}

// ------------------------------------------------------------------------------------------------
// No value is ever shown

/// The values of a fixture that a message must never contain: every string (and number) value of a
/// JSON file and its parts, the right-hand sides of other files' lines; at least 8 characters,
/// and not a key name, a Google `type`, PEM armor, or the bucket URL's account and domain (which
/// messages name on purpose).
fn secret_values(name: &str) -> Vec<String> {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let text = String::from_utf8_lossy(&bytes).replace('\u{feff}', "");
    let mut values = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(v) => walk(&v, &mut values),
        Err(_) => values.extend(text.lines().filter_map(|l| {
            l.split_once(['=', ':'])
                .map(|(_, v)| v.trim().trim_matches(['"', '\'', ',']).to_string())
        })),
    }
    // Parts: PEM lines, and the values of `Name=value;...` segments (connection strings).
    let parts: Vec<String> = values
        .iter()
        .flat_map(|v| v.split(['\n', ';']))
        .map(str::trim)
        .map(|p| match p.split_once('=') {
            Some((name, value))
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                value
            }
            _ => p,
        })
        .map(str::to_string)
        .collect();
    values.extend(parts);
    values.retain(|v| {
        v.len() >= 8
            && !v.contains("-----")
            && !keyfile_key_names()
                .iter()
                .any(|k| k.eq_ignore_ascii_case(v))
            && ![
                "service_account",
                "authorized_user",
                "external_account",
                "impersonated_service_account",
                "plxstorage",
                "core.windows.net",
            ]
            .contains(&v.as_str())
    });
    values
}

fn keyfile_key_names() -> Vec<&'static str> {
    vec![
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
        "AZURE_ACCOUNT_NAME",
        "AZURE_ACCOUNT_KEY",
        "AZURE_CONNECTION_STRING",
    ]
}

/// Every message of every check of every fixture, for every store.
fn all_messages() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, _) in VERDICTS {
        for store in [Store::S3, Store::Gcs, Store::Azure] {
            let text = match check_fixture(store, name) {
                Ok(c) => messages(&c.warnings),
                Err(ds) => messages(&ds),
            };
            out.push((name.to_string(), text));
        }
    }
    out
}

#[test]
fn no_message_shows_a_value_of_any_fixture() {
    let mut checked = 0;
    let all = all_messages();
    for (name, _) in VERDICTS {
        let secrets = secret_values(name);
        checked += secrets.len();
        for (from, text) in &all {
            for s in &secrets {
                assert!(
                    !text.contains(s.as_str()),
                    "a value of {name} ({s}) in the messages for {from}:\n{text}"
                );
            }
        }
    }
    // The extraction finds the fixtures' values (the PEM lines, keys, tokens, accounts...).
    assert!(checked > 100, "only {checked} values");
    assert!(secret_values("azure-wrong-account.json").contains(&"fakeotheraccount".to_string()));
    assert!(
        secret_values("s3-credentials.ini")
            .iter()
            .any(|v| v.starts_with("AKIAFAKE"))
    );
}

#[test]
fn every_truncation_of_every_fixture_is_answered_without_a_value() {
    let mut runs = 0;
    for (name, _) in VERDICTS {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let secrets = secret_values(name);
        // Every cut of the small files; of the large ones, every 7th (each still cuts every value).
        let step = if bytes.len() < 600 { 1 } else { 7 };
        for cut in (0..=bytes.len()).step_by(step) {
            let part = &bytes[..cut];
            let shown: Vec<&String> = secrets
                .iter()
                .filter(|s| part.windows(s.len()).any(|w| w == s.as_bytes()))
                .collect();
            for store in [Store::S3, Store::Gcs, Store::Azure] {
                runs += 1;
                let text = match check(store, AZURE_BUCKET, "k", part) {
                    Ok(c) => messages(&c.warnings),
                    Err(ds) => messages(&ds),
                };
                for s in &shown {
                    assert!(
                        !text.contains(s.as_str()),
                        "{name}[..{cut}] as {store:?}: {s} in\n{text}"
                    );
                }
            }
        }
    }
    assert!(runs > 10_000, "{runs}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Any text (JSON's punctuation, escapes, multi-byte characters, control characters) and any
    /// bytes get an answer, never a panic.
    #[test]
    fn any_input_is_answered(
        text in "[{}\\[\\]\":,a-zA-Z0-9_ \n\t\\\\éあ😀\u{0}\u{7f}-]{0,80}",
        bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
    ) {
        for store in [Store::S3, Store::Gcs, Store::Azure] {
            let _ = check(store, AZURE_BUCKET, "k", text.as_bytes());
            let _ = check(store, AZURE_BUCKET, "k", &bytes);
        }
    }
}
