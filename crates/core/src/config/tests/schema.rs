//! The embedded schema: its patterns, its drafts, its validator, and the paths its errors name.

use super::*;
use crate::config::schema::validate::{self, Kind};

/// Every error a validator reports (instance path, schema path, kind), in order.
fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} {} {:?}", e.instance_path(), e.schema_path(), e.kind()))
        .collect()
}

/// Whether a rule accepts a string.
type Accepts = fn(&str) -> bool;

/// The rule stowage runs where the schema at `location` has a `pattern`, as "is this string
/// accepted here", with strings both must accept. A string left empty counts as absent where the
/// schema allows it.
fn rule_for(location: &str) -> Option<(Accepts, &'static [&'static str])> {
    use super::rules::{kinds, paths, sources};
    use crate::k8s;
    Some(match location {
        "/$defs/entryName" | "/$defs/containerName" => {
            (k8s::is_dns1123_label, &["data1", "data-s3", "a"])
        }
        "/$defs/mountPath" => (
            |s| s.is_empty() || paths::clean_path("mountPath", s).is_ok(),
            &["/data/1", "/outputs", "", "/a b/c"],
        ),
        "/$defs/hostPath" => (
            |s| s.is_empty() || paths::clean_path("hostPath", s).is_ok(),
            &["/path/to/data", "/srv/a:b", ""],
        ),
        "/$defs/absolutePath" => (
            |s| paths::clean_path("allowHostPaths", s).is_ok(),
            &["/var/run/docker.sock", "/etc/ssl"],
        ),
        "/$defs/subPath" => (
            |s| s.is_empty() || paths::sub_path(s).is_ok(),
            &["team-a/x", "x", ""],
        ),
        "/$defs/claimName" | "/$defs/secretName" => (
            |s| s.is_empty() || k8s::is_dns1123_subdomain(s),
            &["data-2-pvc", "a.b-c", ""],
        ),
        "/$defs/secretKey" => (
            |s| s.is_empty() || k8s::is_config_key(s),
            &["key.json", "K_1-a", ""],
        ),
        "/$defs/bucket" => (
            |s| s.is_empty() || sources::bucket_url(None, s).is_ok(),
            &[
                "gs://b",
                "s3://b/x/",
                "wasbs://c@acct.blob.core.windows.net/",
                "",
            ],
        ),
        "/$defs/envName" => (
            |s| s.is_empty() || k8s::is_env_name(s),
            &["MY_ENV", "my.env-1", ""],
        ),
        "/$defs/workloadKind/properties/apiVersion" => (
            |s| s.is_empty() || kinds::is_api_version(s),
            &["argoproj.io/v1alpha1", "v1", ""],
        ),
        "/$defs/workloadKind/properties/kind" => (kinds::is_kind, &["Workflow", "PyTorchJob"]),
        "/$defs/fieldPath" => (
            kinds::is_field_path,
            &[
                "spec.template.spec",
                "spec.jobs[].template.spec",
                "spec.r.*.template.spec",
            ],
        ),
        "/$defs/workloadKind/properties/runLabel" => (
            |s| s.is_empty() || kinds::is_label_key(s),
            &[
                "batch.kubernetes.io/controller-uid",
                "ray.io/cluster",
                "run",
                "",
            ],
        ),
        "/properties/disabledKinds/items" => (
            |s| {
                crate::kinds::BUILT_IN
                    .iter()
                    .any(|b| crate::kinds::qualified(b) == s)
            },
            &["RayCluster.ray.io", "Job.batch.volcano.sh", "Pod"],
        ),
        _ => return None,
    })
}

/// Each `pattern` of the printed schema has a Rust rule in its place, and the rule never accepts
/// what the pattern refuses (so Helm's check of the same values never fails where stowage
/// passes). A rule may refuse more: `..` in a path, a bucket without a name.
#[test]
fn rust_rules_agree_with_the_schema_patterns() {
    use serde_json::json;
    let mut patterns = Vec::new();
    fn walk(v: &Value, at: String, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(p)) = m.get("pattern") {
                    out.push((at.clone(), p.clone()));
                }
                m.iter()
                    .for_each(|(k, c)| walk(c, format!("{at}/{k}"), out));
            }
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, c)| walk(c, format!("{at}/{i}"), out)),
            _ => {}
        }
    }
    walk(schema_value(), String::new(), &mut patterns);
    assert!(patterns.len() >= 14, "{patterns:?}");
    // Every string of up to three characters over an alphabet that each pattern cares
    // about, and longer ones that reach the repetitions and alternatives.
    let alphabet = [
        "", "a", "Z", "0", "-", ".", "_", "/", ":", "[", "]", "*", "@", "\n", "\r", "\u{2028}",
        "é", " ",
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
            "wasbs://c@a.blob.core.windows.net/x\ny",
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
            "/mnt/./x",
            "/mnt/../x",
            "relative/x",
            "a/../../b",
            "/x\ny",
            "\n/x",
            "x\ny",
            "MY_ENV",
            "my.env-1",
            "1ENV",
            "..ENV",
            "key.json",
            "key json",
            "..",
        ]
        .map(String::from),
    );
    for (location, pattern) in &patterns {
        let Some((rule, valid)) = rule_for(location) else {
            panic!("the schema's pattern at {location} has no Rust rule in `rule_for`");
        };
        let regex = jsonschema::draft202012::new(&json!({ "pattern": pattern })).unwrap();
        for sample in samples
            .iter()
            .map(String::as_str)
            .chain(valid.iter().copied())
        {
            if rule(sample) {
                assert!(
                    regex.is_valid(&json!(sample)),
                    "{location}: stowage accepts {sample:?}, which {pattern} refuses"
                );
            }
        }
        for example in valid {
            assert!(rule(example), "{location}: stowage refuses {example:?}");
        }
    }
}

/// The full example with a value for every other key of the schema.
fn every_key() -> Value {
    let mut v = load_values_files(&[Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("testdata/config/full-example.yaml")])
    .unwrap();
    let extra = serde_json::json!({
        "outputsPath": "{{kind}}/{{namespace}}/{{name}}",
        "onConflict": "skip",
        "containers": ["main", "sidecar"],
        "workloadKinds": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "podSpecPaths": ["spec.templates[].podSpecPatch"]}],
        "env": {"dataPaths": "DATA_PATHS", "outputsPath": "OUTPUTS_PATH",
            "storesAccessKeys": "KEYS", "credentialsPrefix": "CREDS_", "googleCredentials": "GOOGLE"},
        "allowHostPaths": ["/var/run/docker.sock"],
        "workloads": [
            {"match": {"kind": "Job", "name": "train-*", "namespace": "ml-*", "labels": {"team": "vision"},
                "source": "*/templates/train-*.yaml", "hook": false},
             "data": ["data1", "data2"], "outputs": "outputs2", "containers": ["trainer"]},
            {"match": {"kind": ["Deployment", "Job.batch.volcano.sh"]}, "data": "data1,data2", "outputs": "none"},
            {"match": {"name": "*-exporter"}, "inject": false},
        ],
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    let data2 = &mut v["data"]["data2"];
    data2["subPath"] = "team-a".into();
    let data1 = &mut v["data"]["data1"];
    data1["hostPathType"] = "Directory".into();
    v
}

/// [`every_key`], and a copy with each leaf in turn replaced by a wrong value of every JSON type,
/// so that every keyword of the schema fails somewhere.
fn wrong_values() -> Vec<Value> {
    use serde_json::json;
    let base = every_key();
    let mut instances = vec![base.clone()];
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
    walk(&base, String::new(), &mut leaves);
    let wrong = [
        json!(null),
        json!(true),
        json!(7),
        json!(-1.5),
        json!(""),
        json!("Not A/valid:name.."),
        json!("gs://x\n"),
        json!([]),
        json!(["a", "a"]),
        json!({}),
        json!({"unknown": 1}),
    ];
    for at in leaves.iter().filter(|p| !p.is_empty()) {
        for w in &wrong {
            let mut v = base.clone();
            *v.pointer_mut(at).unwrap() = w.clone();
            instances.push(v);
        }
    }
    instances
}

#[test]
fn every_key_builds() {
    let (config, diags) = build(&every_key(), "every-key");
    assert!(config.is_some(), "{}", list(&diags));
}

#[test]
fn draft_07_and_2020_12_agree() {
    let mut runtime = schema_value().clone();
    for_runtime(&mut runtime);
    let draft_2020_12 = jsonschema::draft202012::new(&runtime).unwrap();
    let mut failing = 0;
    let instances = wrong_values();
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

/// An error as the agreement test compares it: instance path, schema path, kind, failing value.
fn line(instance_path: &str, schema_path: &str, kind: &Kind, value: &Value) -> String {
    format!("{instance_path} {schema_path} {kind:?} {value}")
}

/// `validate`'s errors, in its order.
/// The errors sorted: jsonschema fuses a one-item `required` beside `additionalProperties: false`
/// and `properties` into one check that reports it after the properties' errors, an order that
/// `validate` (and the messages) need not copy.
fn in_order(mut errors: Vec<String>) -> Vec<String> {
    errors.sort();
    errors
}

fn ours(instance: &Value) -> Vec<String> {
    validate::errors(schema_value(), instance)
        .iter()
        .map(|e| line(&e.instance_path, &e.schema_path, &e.kind, e.instance))
        .collect()
}

/// The `jsonschema` crate's draft-07 errors on the runtime schema, in `iter_errors` order.
fn judged(instance: &Value) -> Vec<String> {
    use jsonschema::error::ValidationErrorKind as K;
    validator()
        .iter_errors(instance)
        .map(|e| {
            let kind = match e.kind() {
                K::Type { .. } => Kind::Type,
                K::Enum { options } => Kind::Enum { options },
                K::MaxLength { limit } => Kind::MaxLength { limit: *limit },
                K::MinItems { .. } => Kind::MinItems,
                K::UniqueItems => Kind::UniqueItems,
                K::Required { property } => Kind::Required {
                    property: property.as_str().unwrap(),
                },
                K::AdditionalProperties { unexpected } => Kind::AdditionalProperties {
                    unexpected: unexpected.clone(),
                },
                K::PropertyNames { .. } => Kind::PropertyNames,
                other => panic!("jsonschema reports {other:?}, which `validate` never does"),
            };
            line(
                e.instance_path().as_str(),
                e.schema_path().as_str(),
                &kind,
                e.instance(),
            )
        })
        .collect()
}

/// Every config the repository holds: the example, the Polyaxon charts' values and the golden
/// tests' values.
fn repository_configs() -> Vec<(PathBuf, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut files = Vec::new();
    let mut dirs = vec![root.join("config"), root.join("golden")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml")
                && (path.starts_with(root.join("config"))
                    || path.file_name().is_some_and(|n| n == "values.yaml"))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|f| Some((f.clone(), load_values_files(&[f]).ok()?)))
        .collect()
}

/// Shapes the mutations of [`wrong_values`] do not reach: keys that need escaping in a pointer, an
/// entry name over the length limit, numbers equal by value, several errors in one mapping.
fn odd_shapes() -> Vec<Value> {
    use serde_json::json;
    let long = "a".repeat(64);
    vec![
        json!({"data": {long.clone(): null, "a/b~c": {"mountPath": 1, "x/y~z": 2, "é": 3}}}),
        json!({"outputs": {long: {"default": "yes", "store": "S3"}}, "bogus": 1, "other": []}),
        json!({"containers": [1, 1.0]}),
        json!({"containers": [{"a": 1}, {"a": 1.0}], "allowHostPaths": [null, 2]}),
        json!({"workloadKinds": [{}, {"kind": "X"}, 3, {"podSpecPaths": [], "x": 1}]}),
        json!({"workloads": [{"match": {"kind": [], "labels": {"a": 1, "b": "c"}},
            "data": [], "containers": ["a", "a"], "inject": "no"}, {"data": [1, "1", 1]}]}),
        json!({"onConflict": 1.0, "env": {"dataPaths": [], "nope": null}}),
        json!([]),
        json!("persistence"),
        json!(null),
    ]
}

/// `validate` reports what the `jsonschema` crate (draft-07, on the runtime schema) reports, error
/// for error (in another order where jsonschema fuses keywords, see `in_order`): on every config the repository holds, on each one-field mutation
/// of [`wrong_values`], and on [`odd_shapes`].
#[test]
fn validate_agrees_with_jsonschema() {
    let configs = repository_configs();
    assert!(configs.len() > 30, "only {} configs", configs.len());
    let mut instances: Vec<Value> = configs.into_iter().map(|(_, v)| v).collect();
    instances.extend(wrong_values());
    instances.extend(odd_shapes());
    let mut failing = 0;
    for instance in &instances {
        let judged = judged(instance);
        assert_eq!(
            in_order(ours(instance)),
            in_order(judged.clone()),
            "on {instance}"
        );
        failing += usize::from(!judged.is_empty());
    }
    assert!(
        failing > 100,
        "only {failing} of {} instances fail",
        instances.len()
    );
}

/// The validator knows every keyword of the schema (a new one fails here, rather than being
/// ignored), and every `$ref` is local and resolves.
#[test]
fn validate_knows_every_keyword_of_the_schema() {
    fn walk(schema: &Value, at: &str) {
        let Value::Object(node) = schema else {
            assert!(schema.is_boolean(), "{at} is not a schema");
            return;
        };
        for (keyword, value) in node {
            assert!(
                validate::KEYWORDS.contains(&keyword.as_str()),
                "{at}/{keyword}: `validate` does not know this keyword"
            );
            let here = format!("{at}/{keyword}");
            match keyword.as_str() {
                "properties" | "$defs" => {
                    for (name, child) in value.as_object().unwrap() {
                        walk(child, &format!("{here}/{name}"));
                    }
                }
                "items" | "additionalProperties" | "propertyNames" => walk(value, &here),
                "$ref" => {
                    let target = value.as_str().and_then(|r| r.strip_prefix('#'));
                    assert!(
                        target.is_some_and(|t| schema_value().pointer(t).is_some()),
                        "{here}: {value} does not resolve"
                    );
                }
                _ => {}
            }
        }
    }
    walk(schema_value(), "");
}

/// Wherever the printed schema's patterns refuse a value, `build` reports an error there, or on
/// what holds it (`kind: ""` is a `workloadKinds` item without a kind).
#[test]
fn build_refuses_what_the_schema_patterns_refuse() {
    use jsonschema::error::ValidationErrorKind as K;
    let full = jsonschema::draft202012::new(schema_value()).unwrap();
    let mut refused = 0;
    for instance in wrong_values() {
        let (_, diags) = build(&instance, "values.yaml");
        for err in full.iter_errors(&instance) {
            if !matches!(err.kind(), K::Pattern { .. }) {
                continue;
            }
            refused += 1;
            let path = dotted(&instance, &pointer_segments(err.instance_path().as_str()));
            let at_or_above = |p: &str| {
                path.strip_prefix(p)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            };
            assert!(
                diags.iter().any(
                    |d| d.is_error() && d.place.config_path.as_deref().is_some_and(at_or_above)
                ),
                "{path} breaks a pattern, but build says:\n{}",
                list(&diags)
            );
        }
    }
    assert!(refused > 30, "only {refused} pattern errors");
}

#[test]
fn schema_is_draft_2020_12_and_compiles() {
    let v: Value = serde_json::from_str(schema()).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let _ = validator();
}

/// The keys of each mapping the rules read are the schema's, so Helm's check and ours agree.
#[test]
fn the_raw_structs_read_every_key_of_the_schema() {
    use super::raw::{Persistence, RawEntry, RawEnv, RawKind, RawMatch, RawRule};
    fn keys(v: &Value) -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }
    fn fields<T: serde::Serialize + Default>() -> Vec<String> {
        keys(&serde_json::to_value(T::default()).unwrap())
    }
    let schema = schema_value();
    let mut config_keys = fields::<Persistence>();
    config_keys.extend(PLATFORM_KEYS.iter().map(|k| k.to_string()));
    config_keys.sort();
    assert_eq!(config_keys, keys(&schema["properties"]));
    let entry = fields::<RawEntry>();
    assert_eq!(entry, keys(&schema["$defs"]["outputsEntry"]["properties"]));
    let data_entry: Vec<String> = entry.iter().filter(|k| *k != "default").cloned().collect();
    assert_eq!(
        data_entry,
        keys(&schema["$defs"]["dataEntry"]["properties"])
    );
    let mut entry_keys: Vec<String> = ENTRY_KEYS.iter().map(|k| k.to_string()).collect();
    entry_keys.sort();
    assert_eq!(entry_keys, entry);
    assert_eq!(
        fields::<RawEnv>(),
        keys(&schema["properties"]["env"]["properties"])
    );
    assert_eq!(
        fields::<RawKind>(),
        keys(&schema["$defs"]["workloadKind"]["properties"])
    );
    let defs = &schema["$defs"];
    assert_eq!(
        fields::<RawRule>(),
        keys(&defs["workloadRule"]["properties"])
    );
    assert_eq!(
        fields::<RawMatch>(),
        keys(&defs["workloadMatch"]["properties"])
    );
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
