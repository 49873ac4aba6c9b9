//! Kind detection: which root keys the scan reads, and when it says it cannot be sure.

use super::*;

#[test]
fn nested_kind_is_not_detected() {
    let input = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  pod.yaml: |\n    kind: Pod\n  kind: Deployment\nitems:\n- kind: Job\n";
    let docs = check(input.as_bytes());
    assert_eq!(
        (docs[0].kind.as_deref(), docs[0].certain),
        (Some("ConfigMap"), true)
    );
}

#[test]
fn quoted_keys_values_comments_and_tabs() {
    let cases: &[(&str, Option<&str>, Option<&str>, bool)] = &[
        (
            "\"kind\": \"Pod\"\n'apiVersion': 'v1'\n",
            Some("Pod"),
            Some("v1"),
            true,
        ),
        (
            "kind: Pod # a comment\napiVersion: apps/v1#notacomment\n",
            Some("Pod"),
            Some("apps/v1#notacomment"),
            false,
        ),
        (
            "kind:\tPod\t# tab\napiVersion:\t\"apps/v1\"   # c\n",
            Some("Pod"),
            Some("apps/v1"),
            true,
        ),
        (
            "kind : Pod\napiVersion \t: v1\n",
            Some("Pod"),
            Some("v1"),
            true,
        ),
        ("kind: 'It''s'\n", Some("It's"), None, false),
        ("kind: Pod\r\n", Some("Pod"), None, true),
        ("kind: \"P\\u006fd\"\n", None, None, false),
        ("kind: !!str Pod\n", None, None, false),
        ("kind: &k Pod\n", None, None, false),
        ("kind: *k\n", None, None, false),
        ("kind:\n  Pod\n", None, None, false),
        ("kind: # nothing\n", None, None, false),
        ("kind: |\n  Pod\n", None, None, false),
        ("kind: 123\n", Some("123"), None, false),
        ("kind: true\n", Some("true"), None, false),
        ("kind: ~\n", Some("~"), None, false),
        ("kind: Pod\n  Extra\n", Some("Pod"), None, false),
        (
            "kind: Pod\n\n  # comment\nspec: {}\n",
            Some("Pod"),
            None,
            true,
        ),
        ("kind: \"Pod\n  continued\"\n", None, None, false),
        ("kind: a: b\n", Some("a: b"), None, false),
        ("kind: Pod\nkind: Job\n", Some("Job"), None, false),
        ("kindly: Pod\nkind:Pod\n", None, None, false),
        ("metadata:\n  name: x\nkind: Pod\n", Some("Pod"), None, true),
        ("<<: *base\nkind: Pod\n", Some("Pod"), None, false),
    ];
    for &(body, kind, api, certain) in cases {
        let input = format!("---\n{body}");
        let docs = check(input.as_bytes());
        assert_eq!(docs.len(), 1, "{body:?}");
        let d = &docs[0];
        assert_eq!(
            (d.kind.as_deref(), d.api_version.as_deref(), d.certain),
            (kind, api, certain),
            "{body:?}"
        );
    }
}

#[test]
fn roots_that_are_not_block_mappings() {
    // Root sequence: no kind, certainly; indentless sequences under root keys are fine.
    let docs = check(b"- kind: Pod\n- b\n");
    assert_eq!(
        (docs[0].kind.as_deref(), docs[0].certain, docs[0].class),
        (None, true, Class::Object)
    );
    let docs = check(b"kind: ClusterRole\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n");
    assert_eq!(
        (docs[0].kind.as_deref(), docs[0].certain),
        (Some("ClusterRole"), true)
    );
    // JSON / flow documents: kind unknown.
    let docs = check(b"{\n  \"kind\": \"Pod\",\n  \"apiVersion\": \"v1\"\n}\n");
    assert_eq!((docs[0].kind.as_deref(), docs[0].certain), (None, false));
    let docs = check(b"[1, 2]\n");
    assert!(!docs[0].certain);
    // An indented root mapping.
    let docs = check(b"---\n  kind: Pod\n  apiVersion: v1\n");
    assert_eq!((docs[0].kind.as_deref(), docs[0].certain), (None, false));
    // Scalar roots, tags and anchors at column 0.
    for body in [
        "hello world\n",
        "\"quoted\"\n",
        "!!map\nkind: Pod\n",
        "&a\nkind: Pod\n",
        "? kind\n: Pod\n",
        "|\n text\n",
    ] {
        let docs = check(format!("---\n{body}").as_bytes());
        assert!(!docs[0].certain, "{body:?}");
    }
}

#[test]
fn under_indented_continuations_make_the_scan_uncertain() {
    // Lenient parsers accept these; the column-0 line is not a root key.
    for body in [
        "kind: ConfigMap\nmetadata:\n  annotations:\n    a: \"x\nkind: Pod\"\n",
        "kind: ConfigMap\ndata: {a: 1,\nkind: Pod}\n",
        "kind: ConfigMap\ndescription: \"a long\n  text\"\nkind2: x\n",
        "kind: ConfigMap\nitems: [a,\n  b]\nother: 1\n",
        "kind: ConfigMap\nmetadata:\n  a: 'x\njunk line\n  y'\n",
    ] {
        let docs = check(body.as_bytes());
        assert!(!docs[0].certain, "{body:?}");
    }
    // Closed on the line: fine.
    let docs =
        check(b"kind: ConfigMap\ndata: {a: \"}\", b: '['}\nlist: [a, b] # c\nq: \"a # b\"\n");
    assert_eq!(
        (docs[0].kind.as_deref(), docs[0].certain),
        (Some("ConfigMap"), true)
    );
}

#[test]
fn kinds_of_workloads_and_lists() {
    for k in [
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "PodTemplate",
    ] {
        assert!(crate::kinds::is_workload_kind(k));
    }
    for k in ["Service", "pod", "DeploymentConfig", "PodList", ""] {
        assert!(!crate::kinds::is_workload_kind(k));
    }
    for k in ["List", "ConfigMapList", "DeploymentList"] {
        assert!(crate::kinds::is_list_kind(k));
    }
    for k in ["Lists", "Pod", "list"] {
        assert!(!crate::kinds::is_list_kind(k));
    }
}

/// Where the scan is certain of a kind, stowage's YAML reader reads that string: for the values
/// YAML types in surprising ways, plain (never certain but for a name) and quoted (certain).
#[test]
fn certain_kinds_are_what_the_yaml_reader_reads() {
    for value in [
        "Pod",
        "yes",
        "Yes",
        "yES",
        "on",
        "y",
        "n",
        "true",
        "null",
        "nULL",
        "~",
        "0x1F",
        "0644",
        "1e3",
        "1_000",
        ".inf",
        "-x",
        "2001-12-14",
    ] {
        for (form, quoted) in [
            (value.to_string(), false),
            (format!("'{value}'"), true),
            (format!("\"{value}\""), true),
        ] {
            let input = format!("apiVersion: v1\nkind: {form}\n");
            let docs = check(input.as_bytes());
            let tree = crate::yaml::parse(&input, crate::yaml::Limits::default()).unwrap();
            let kind = tree.get(tree.root.unwrap(), "kind").unwrap();
            let d = &docs[0];
            assert_eq!(d.certain, quoted || value == "Pod", "{form}");
            if d.certain {
                assert_eq!(d.kind.as_deref(), tree.as_str(kind), "{form}");
            }
        }
    }
}
