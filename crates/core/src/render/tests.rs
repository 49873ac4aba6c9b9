use serde_json::json;

use super::*;

/// Wherever the built-in templates are rendered without handlebars, the value is the one
/// their handlebars text reads as; contexts like those stowage builds are rendered that way.
#[test]
fn builtin_templates_render_as_handlebars() {
    let handlebars = builtins();
    let through_handlebars = |name: &str, context: &Value| {
        handlebars
            .render(name, context)
            .map_err(|e| e.to_string())
            .and_then(|t| yaml::parse_value(&t, Limits::default()).map_err(|e| e.to_string()))
    };
    let strings = [
        json!(""),
        json!("data"),
        json!("/mnt/a b/\"q\"\\"),
        json!("tab\tnew\nline\u{1}"),
        json!("é ü 日本"),
        json!("del\u{7f}"),
        json!("c1\u{85}\u{9f}"),
        json!("bom\u{feff}"),
        json!("yes"),
        json!("0644"),
        json!("~"),
        json!(null),
        json!(true),
        json!(false),
        json!(7),
        json!(["a", "b c"]),
        json!([]),
        json!([1]),
        json!({"a": "b"}),
    ];
    let keys: &[(&str, &[&str])] = &[
        (
            "volume.yaml.hbs",
            &[
                "name",
                "hostPath",
                "hostPathType",
                "existingClaim",
                "readOnly",
                "csi",
                "bucketName",
                "containerName",
                "secret",
                "mountOptions",
                "claimName",
            ],
        ),
        (
            "mount.yaml.hbs",
            &["name", "mountPath", "readOnly", "subPath"],
        ),
        (
            "credentials.yaml.hbs",
            &["volumeName", "secret", "secretKey", "mountPath"],
        ),
        (
            "env.yaml.hbs",
            &[
                "dataPaths",
                "outputsPath",
                "storesAccessKeys",
                "googleCredentials",
            ],
        ),
    ];
    let base = |name: &str| -> Value {
        match name {
            "volume.yaml.hbs" => json!({"name": "v", "hostPath": "", "hostPathType": "",
                "existingClaim": "", "readOnly": false, "csi": "", "bucketName": "b",
                "containerName": "c", "secret": "s", "mountOptions": [], "claimName": "p"}),
            "mount.yaml.hbs" => {
                json!({"name": "v", "mountPath": "/m", "readOnly": true, "subPath": ""})
            }
            "credentials.yaml.hbs" => {
                json!({"volumeName": "v", "secret": "s", "secretKey": "k.json", "mountPath": "/c"})
            }
            _ => {
                json!({"names": {"dataPaths": "D", "outputsPath": "O", "storesAccessKeys": "K",
                "googleCredentials": "G"}, "dataPaths": "{}", "outputsPath": "/o",
                "credentials": [{"envName": "E", "secret": "s", "secretKey": "k"}],
                "storesAccessKeys": "", "googleCredentials": ""})
            }
        }
    };
    let mut native = 0;
    let mut contexts = 0;
    for (name, keys) in keys {
        let mut cases = vec![base(name)];
        // Each key with each kind of value, one at a time and with the csi kinds.
        for key in *keys {
            for value in &strings {
                let mut c = base(name);
                c[*key] = value.clone();
                cases.push(c.clone());
                c.as_object_mut().unwrap().remove(*key);
                cases.push(c);
            }
        }
        if *name == "volume.yaml.hbs" {
            for csi in ["gcs", "azure", "s3", "other"] {
                for (claim, read_only, options) in
                    [("", false, json!([])), ("pvc", true, json!(["ro", "x"]))]
                {
                    let mut c = base(name);
                    c["csi"] = json!(csi);
                    c["existingClaim"] = json!(claim);
                    c["readOnly"] = json!(read_only);
                    c["mountOptions"] = options;
                    c["hostPath"] = json!("/h");
                    c["hostPathType"] = json!("Directory");
                    cases.push(c);
                }
            }
        }
        if *name == "env.yaml.hbs" {
            for credentials in [
                json!([]),
                json!([{"envName": "A", "secret": "s", "secretKey": "k"}, {"envName": "B", "secret": "t", "secretKey": "l"}]),
                json!([{"envName": "A"}]),
                json!("x"),
            ] {
                let mut c = base(name);
                c["credentials"] = credentials;
                cases.push(c.clone());
                c["dataPaths"] = json!("");
                c["outputsPath"] = json!("");
                cases.push(c);
            }
        }
        for context in &cases {
            contexts += 1;
            if let Some(value) = builtin::render(name, context) {
                native += 1;
                assert_eq!(
                    Ok(value),
                    through_handlebars(name, context),
                    "{name} with {context}"
                );
            }
        }
    }
    // Most of these are contexts stowage never builds; the point is that the ones it does
    // are rendered without handlebars (the bench would show it too).
    assert!(
        native * 3 > contexts,
        "{native} of {contexts} rendered natively"
    );
    let r = Renderer::new(None).unwrap();
    r.mount(&base("mount.yaml.hbs")).unwrap();
    assert!(
        r.builtins.get().is_none(),
        "handlebars compiled for a plain mount"
    );
    r.volume(&json!({"name": "data1", "hostPath": "/data", "readOnly": true, "csi": ""}))
        .unwrap();
    assert!(
        r.builtins.get().is_none(),
        "handlebars compiled for a host path volume"
    );
    let mount = r.mount(&json!({"name": "v", "mountPath": "/m", "readOnly": 1}));
    assert_eq!(mount.unwrap()["readOnly"], json!(true));
    assert!(
        r.builtins.get().is_some(),
        "a number as a flag is left to handlebars"
    );
}

#[test]
fn renders_a_host_path_volume_and_mount() {
    let r = Renderer::new(None).unwrap();
    assert_eq!(
        r.volume(&json!({"name": "data1", "hostPath": "/data", "readOnly": true, "csi": ""}))
            .unwrap(),
        json!({"name": "data1", "hostPath": {"path": "/data"}})
    );
    assert_eq!(
        r.mount(&json!({"name": "data1", "mountPath": "/data/1", "readOnly": true}))
            .unwrap(),
        json!({"name": "data1", "mountPath": "/data/1", "readOnly": true})
    );
}

#[test]
fn quotes_everything_it_renders() {
    let r = Renderer::new(None).unwrap();
    let env = r
        .env(&json!({"names": {"dataPaths": "D", "outputsPath": "O"}, "dataPaths": "{\"yes\": \"on\"}",
                     "outputsPath": "yes", "credentials": [], "storesAccessKeys": "", "googleCredentials": ""}))
        .unwrap();
    assert_eq!(
        env,
        vec![
            json!({"name": "D", "value": "{\"yes\": \"on\"}"}),
            json!({"name": "O", "value": "yes"})
        ]
    );
}

/// A `--templates` directory for one test, holding one template.
fn template_dir(tag: &str, name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("stowage-{tag}-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
    dir
}

#[test]
fn rejects_a_template_that_renders_an_invalid_block() {
    let dir = template_dir(
        "render",
        "mount.yaml.hbs",
        "name: {{json name}}\nmountPath: \"a:b\"\n",
    );
    let r = Renderer::new(Some(&dir)).unwrap();
    let e = r
        .mount(&json!({"name": "data1", "mountPath": "/x"}))
        .unwrap_err();
    assert!(
        e.contains("mount.yaml.hbs") && e.contains("invalid volumeMount"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A template of `--templates DIR` may include a built-in one it does not replace.
#[test]
fn a_custom_template_includes_a_built_in_one() {
    let dir = template_dir(
        "partial",
        "credentials.yaml.hbs",
        "volume:\n  name: {{json volumeName}}\n  secret:\n    secretName: {{json secret}}\n\
         mount:\n  {{> mount.yaml.hbs name=volumeName readOnly=true subPath=\"\"}}\n",
    );
    let r = Renderer::new(Some(&dir)).unwrap();
    let (_, mount) = r
        .credentials(
            &json!({"volumeName": "v", "secret": "s", "secretKey": "k", "mountPath": "/c"}),
        )
        .unwrap();
    assert_eq!(
        mount,
        json!({"name": "v", "mountPath": "/c", "readOnly": true})
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn built_in_templates_render_the_same_without_their_comment() {
    let context = json!({"name": "n", "hostPath": "/h", "mountPath": "/m", "readOnly": true,
        "volumeName": "v", "secret": "s", "secretKey": "k", "names": {}, "credentials": []});
    for (name, text) in TEMPLATES {
        let body = without_leading_comment(text);
        assert!(body.len() < text.len() && !body.contains("{{!--"), "{name}");
        let mut hb = Handlebars::new();
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_helper("json", Box::new(json));
        let whole = hb.render_template(text, &context).unwrap();
        assert_eq!(hb.render_template(body, &context).unwrap(), whole, "{name}");
    }
}
