//! The embedded schema: its patterns, its drafts, and the paths its errors name.

use super::*;

/// Every error a validator reports (instance path, schema path, kind), in order; a failed
/// `pattern` is one kind whether a regex or a `pattern_check` function found it.
fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    use jsonschema::error::ValidationErrorKind as K;
    validator
        .iter_errors(instance)
        .map(|e| {
            let kind = match e.kind() {
                K::Pattern { .. } | K::Custom { .. } => "pattern".to_string(),
                other => format!("{other:?}"),
            };
            format!("{} {} {kind}", e.instance_path(), e.schema_path())
        })
        .collect()
}

#[test]
fn pattern_checks_match_their_regexes() {
    use serde_json::json;
    let mut patterns = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(p)) = m.get("pattern") {
                    out.push(p.clone());
                }
                m.values().for_each(|c| walk(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    walk(schema_value(), &mut patterns);
    patterns.sort();
    patterns.dedup();
    assert!(patterns.len() >= 12, "{patterns:?}");
    // Every string of up to three characters over an alphabet that each pattern cares
    // about, and longer ones that reach the repetitions and alternatives.
    let alphabet = [
        "", "a", "Z", "0", "-", ".", "_", "/", ":", "[", "]", "\n", "\r", "\u{2028}", "é", " ",
    ];
    let mut samples: Vec<String> = Vec::new();
    for a in alphabet {
        for b in alphabet {
            for c in alphabet {
                samples.push(format!("{a}{b}{c}"));
            }
        }
    }
    samples.extend(
        [
            "gs://b",
            "s3://b",
            "wasb://c@a",
            "wasbs://c@a.blob.core.windows.net/",
            "gs:/b",
            "gcs://b",
            "s3://b\nx",
            "wasbs//x",
            "gs://",
            "ab-c",
            "a-",
            "-a",
            "a.b-c.d",
            "a..b",
            ".a",
            "a.",
            "group.io/v1",
            "apps/v1",
            "v1",
            "/v1",
            "a/b/c",
            "Job",
            "job2",
            "2job",
            "spec.template.spec",
            "spec.jobs[].template",
            "a[][]",
            "a.[]",
            "[]",
            "a[]b",
            "/mnt/data",
            "/mnt:x",
            "relative/x",
            "/x\ny",
            "\n/x",
            "x\ny",
            "MY_ENV",
            "my.env-1",
            "1ENV",
            "key.json",
            "key json",
        ]
        .map(String::from),
    );
    for pattern in &patterns {
        let regex = jsonschema::draft202012::new(&json!({ "pattern": pattern })).unwrap();
        let check = pattern_check(pattern).expect("every schema pattern has a function");
        for sample in &samples {
            assert_eq!(
                check(sample),
                regex.is_valid(&json!(sample)),
                "pattern {pattern} on {sample:?}"
            );
        }
    }
}

#[test]
fn draft_07_and_2020_12_agree() {
    use serde_json::json;
    let draft_2020_12 = jsonschema::draft202012::new(schema_value()).unwrap();
    let full = load_values_files(&[Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("testdata/config/full-example.yaml")])
    .unwrap();
    // The full example, and a copy with each leaf in turn replaced by a wrong value of every
    // JSON type, so that every keyword of the schema fails somewhere.
    let mut instances = vec![full.clone()];
    let mut leaves = Vec::new();
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m
                .iter()
                .for_each(|(k, c)| walk(c, format!("{at}/{k}"), out)),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, c)| walk(c, format!("{at}/{i}"), out)),
            _ => {}
        }
        out.push(at);
    }
    walk(&full, String::new(), &mut leaves);
    let wrong = [
        json!(null),
        json!(true),
        json!(7),
        json!(-1.5),
        json!(""),
        json!("Not A/valid:name.."),
        json!([]),
        json!(["a", "a"]),
        json!({}),
        json!({"unknown": 1}),
    ];
    for at in leaves.iter().filter(|p| !p.is_empty()) {
        for w in &wrong {
            let mut v = full.clone();
            *v.pointer_mut(at).unwrap() = w.clone();
            instances.push(v);
        }
    }
    let mut failing = 0;
    for instance in &instances {
        let old = schema_errors(&draft_2020_12, instance);
        assert_eq!(schema_errors(validator(), instance), old, "on {instance}");
        failing += usize::from(!old.is_empty());
    }
    assert!(
        failing > 100,
        "only {failing} of {} instances fail",
        instances.len()
    );
}

#[test]
fn schema_is_draft_2020_12_and_compiles() {
    let v: Value = serde_json::from_str(schema()).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let _ = validator();
    // Every key we read is in the schema, so Helm's check and ours agree.
    let entry = &v["$defs"]["outputsEntry"]["properties"];
    for key in ENTRY_KEYS {
        assert!(entry.get(*key).is_some(), "{key} missing from the schema");
    }
    for key in CONFIG_KEYS.iter().chain(PLATFORM_KEYS) {
        assert!(
            v["properties"].get(*key).is_some(),
            "{key} missing from the schema"
        );
    }
}

#[test]
fn dotted_paths() {
    let v = serde_json::json!({"data": {"0": {"a": 1}}, "containers": ["x", "y"]});
    assert_eq!(
        dotted(&v, &pointer_segments("/data/0/a")),
        "persistence.data.0.a"
    );
    assert_eq!(
        dotted(&v, &pointer_segments("/containers/1")),
        "persistence.containers[1]"
    );
    assert_eq!(dotted(&v, &pointer_segments("")), "persistence");
}
