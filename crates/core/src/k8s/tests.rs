use super::*;
use serde_json::json;

#[test]
fn label_boundaries() {
    assert!(is_dns1123_label("a"));
    assert!(is_dns1123_label("data-s3"));
    assert!(is_dns1123_label("0abc9"));
    assert!(is_dns1123_label(&"a".repeat(63)));
    assert!(!is_dns1123_label(&"a".repeat(64)));
    assert!(!is_dns1123_label(""));
    assert!(!is_dns1123_label("-a"));
    assert!(!is_dns1123_label("a-"));
    assert!(!is_dns1123_label("Data"));
    assert!(!is_dns1123_label("a.b"));
    assert!(!is_dns1123_label("a_b"));
}

#[test]
fn subdomain_boundaries() {
    assert!(is_dns1123_subdomain("my-secret"));
    assert!(is_dns1123_subdomain("a.b.c"));
    // 253 = 63 + 1 + 63 + 1 + 63 + 1 + 61
    let s253 = format!("{0}.{0}.{0}.{1}", "a".repeat(63), "b".repeat(61));
    assert_eq!(s253.len(), 253);
    assert!(is_dns1123_subdomain(&s253));
    assert!(!is_dns1123_subdomain(&format!("{s253}b")));
    // Single labels longer than 63 are fine in a subdomain, as in Kubernetes.
    assert!(is_dns1123_subdomain(&"a".repeat(100)));
    assert!(!is_dns1123_subdomain("a..b"));
    assert!(!is_dns1123_subdomain(".a"));
    assert!(!is_dns1123_subdomain("a."));
    assert!(!is_dns1123_subdomain("A"));
    assert!(!is_dns1123_subdomain(""));
}

#[test]
fn config_keys() {
    assert!(is_config_key("key.json"));
    assert!(is_config_key("AWS_ACCESS_KEY-1"));
    assert!(is_config_key(&"k".repeat(253)));
    assert!(!is_config_key(&"k".repeat(254)));
    assert!(!is_config_key(""));
    assert!(!is_config_key("a/b"));
    assert!(!is_config_key("."));
    assert!(!is_config_key(".."));
    assert!(!is_config_key("..a"));
    assert!(is_config_key(".a"));
}

#[test]
fn env_names() {
    assert!(is_env_name("POLYAXON_RUN_DATA_PATHS"));
    assert!(is_env_name("_x"));
    assert!(is_env_name("a.b-c"));
    assert!(is_env_name(".x"));
    assert!(!is_env_name("1A"));
    assert!(!is_env_name(""));
    assert!(!is_env_name("A=B"));
    assert!(!is_env_name("A B"));
    assert!(!is_env_name("."));
    assert!(!is_env_name(".."));
    assert!(!is_env_name("..x"));
}

#[test]
fn paths() {
    assert!(has_backsteps("/a/../b"));
    assert!(has_backsteps(".."));
    assert!(!has_backsteps("/a/..b/c"));
    assert_eq!(local_descending_path_problem("a/b"), None);
    assert_eq!(
        local_descending_path_problem("/a"),
        Some("must be a relative path")
    );
    assert_eq!(
        local_descending_path_problem("a/../../b"),
        Some("must not contain '..'")
    );
}

#[test]
fn valid_volumes_pass() {
    for v in [
        json!({"name": "data1", "hostPath": {"path": "/path/to/data", "type": "Directory"}}),
        json!({"name": "data2", "persistentVolumeClaim": {"claimName": "data-2-pvc", "readOnly": true}}),
        json!({"name": "data-s3-credentials", "secret": {"secretName": "s3-secret", "defaultMode": 256,
            "items": [{"key": "key.json", "path": "key.json"}]}}),
        json!({"name": "data-gcs", "csi": {"driver": "gcsfuse.csi.storage.gke.io", "readOnly": true,
            "volumeAttributes": {"bucketName": "b", "mountOptions": "implicit-dirs"}}}),
    ] {
        assert_eq!(validate_volume(&v), Vec::<String>::new(), "{v}");
    }
}

fn has(problems: &[String], needle: &str) -> bool {
    problems.iter().any(|p| p.contains(needle))
}

#[test]
fn volume_problems() {
    let p = validate_volume(&json!({"name": "a".repeat(64), "hostPath": {"path": "/x"}}));
    assert!(has(&p, "name:"), "{p:?}");
    let p = validate_volume(&json!({"name": "a"}));
    assert!(has(&p, "must specify a volume type"), "{p:?}");
    let p = validate_volume(
        &json!({"name": "a", "hostPath": {"path": "/x"}, "persistentVolumeClaim": {"claimName": "c"}}),
    );
    assert!(has(&p, "more than 1 volume type"), "{p:?}");
    let p =
        validate_volume(&json!({"name": "a", "hostPath": {"path": "/x/../etc", "type": "Dir"}}));
    assert!(has(&p, "hostPath.path: must not contain '..'"), "{p:?}");
    assert!(has(&p, "hostPath.type"), "{p:?}");
    let p = validate_volume(&json!({"name": "a", "hostPath": {"path": ""}}));
    assert!(has(&p, "hostPath.path: required"), "{p:?}");
    let p = validate_volume(&json!({"name": "a", "persistentVolumeClaim": {"claimName": ""}}));
    assert!(has(&p, "claimName: required"), "{p:?}");
    let p = validate_volume(
        &json!({"name": "a", "persistentVolumeClaim": {"claimName": "Bad_Claim", "readOnly": "true"}}),
    );
    assert!(has(&p, "claimName"), "{p:?}");
    assert!(has(&p, "readOnly: must be a boolean"), "{p:?}");
    let p = validate_volume(
        &json!({"name": "a", "secret": {"secretName": "s", "defaultMode": 512,
        "items": [{"key": "k/x", "path": "/abs"}, {"key": "k", "path": "../up"}, {"key": "k", "path": "..x"}]}}),
    );
    assert!(has(&p, "defaultMode"), "{p:?}");
    assert!(has(&p, "items[0].key"), "{p:?}");
    assert!(has(&p, "items[0].path: must be a relative path"), "{p:?}");
    assert!(has(&p, "items[1].path: must not contain '..'"), "{p:?}");
    assert!(has(&p, "items[2].path: must not start with '..'"), "{p:?}");
    let p =
        validate_volume(&json!({"name": "a", "secret": {"secretName": "s", "defaultMode": 511}}));
    assert!(p.is_empty(), "{p:?}");
    let p = validate_volume(
        &json!({"name": "a", "csi": {"driver": format!("{}.io", "d".repeat(61)),
        "volumeAttributes": {"skipCSIBucketAccessCheck": true}}}),
    );
    assert!(has(&p, "csi.driver"), "{p:?}");
    assert!(
        has(
            &p,
            "volumeAttributes.skipCSIBucketAccessCheck: must be a string"
        ),
        "{p:?}"
    );
    let p = validate_volume(&json!({"name": "a", "hostPath": {"path": "/x", "tpye": "File"}}));
    assert!(has(&p, "hostPath.tpye: unknown field"), "{p:?}");
}

#[test]
fn mounts() {
    let ok = json!({"name": "data1", "mountPath": "/data/1", "readOnly": true, "subPath": "a/b"});
    assert!(validate_volume_mount(&ok).is_empty());
    let p = validate_volume_mount(&json!({"name": "x", "mountPath": "/a:b"}));
    assert!(has(&p, "mountPath: must not contain ':'"), "{p:?}");
    let p = validate_volume_mount(&json!({"name": "x"}));
    assert!(has(&p, "mountPath: required"), "{p:?}");
    let p = validate_volume_mount(&json!({"name": "x", "mountPath": "/a", "subPath": "/abs"}));
    assert!(has(&p, "subPath: must be a relative path"), "{p:?}");
    let p = validate_volume_mount(&json!({"name": "x", "mountPath": "/a", "subPath": "a/.."}));
    assert!(has(&p, "subPath: must not contain '..'"), "{p:?}");
    let p = validate_volume_mount(&json!({"name": "X", "mountPath": "/a", "readOnly": "yes"}));
    assert!(has(&p, "name:"), "{p:?}");
    assert!(has(&p, "readOnly: must be a boolean"), "{p:?}");
}

#[test]
fn env_vars() {
    assert!(validate_env_var(&json!({"name": "A", "value": "1"})).is_empty());
    assert!(validate_env_var(&json!({"name": "A", "valueFrom": {"secretKeyRef": {"name": "s3-secret", "key": "key.json"}}})).is_empty());
    let p = validate_env_var(&json!({"name": "A", "value": 1}));
    assert!(has(&p, "value: must be a string"), "{p:?}");
    let p = validate_env_var(&json!({"name": "A"}));
    assert!(has(&p, "one of value or valueFrom"), "{p:?}");
    let p = validate_env_var(&json!({"name": "A", "value": "x", "valueFrom": {"fieldRef": {}}}));
    assert!(has(&p, "valueFrom: may not be specified"), "{p:?}");
    let p = validate_env_var(
        &json!({"name": "..A", "valueFrom": {"secretKeyRef": {"name": "Bad", "key": "a/b"}}}),
    );
    assert!(has(&p, "name:"), "{p:?}");
    assert!(has(&p, "secretKeyRef.name"), "{p:?}");
    assert!(has(&p, "secretKeyRef.key"), "{p:?}");
}
