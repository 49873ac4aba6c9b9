//! The edit module's tests: an edit applied to a document, and the text it gives.

use super::*;
use crate::yaml::{Limits, parse};
use serde_json::json;

/// Apply one edit at `path` below the root mapping.
fn edit(text: &str, path: &'static [&'static str], add: Addition) -> String {
    let tree = parse(text, Limits::default()).unwrap();
    let e = Edit {
        at: tree.root.unwrap(),
        pointer: String::new(),
        path,
        add,
    };
    match apply(&tree, &[e]) {
        Ok(s) => s,
        Err(f) => panic!("{f:?}"),
    }
}

/// One list, written into documents of different styles through one `Written`: each gets
/// what it would get on its own.
#[test]
fn remembered_items_follow_each_documents_style() {
    let items: Arc<[Value]> = vec![json!({"name": "data", "mountPath": "/data"})].into();
    let docs = [
        "spec:\n  volumes:\n    - name: a\n",
        "spec:\n  volumes:\n  - name: a\n",
        "spec:\r\n  volumes:\r\n    - name: a\r\n",
        "spec:\n  volumes:\n    - name: a\n",
        "spec:\n  x: 1\n",
        "a:\n  spec:\n    volumes:\n    - name: a\n",
    ];
    let mut written = Written::default();
    for text in docs {
        let tree = parse(text, Limits::default()).unwrap();
        let root = tree.root.unwrap();
        let at = tree
            .get(root, "spec")
            .or_else(|| tree.get(root, "a").and_then(|a| tree.get(a, "spec")));
        let e = Edit {
            at: at.unwrap(),
            pointer: String::new(),
            path: &["volumes"],
            add: Addition::Items(items.clone()),
        };
        let alone = apply(&tree, std::slice::from_ref(&e)).unwrap();
        let shared = spliced(
            text,
            &splices(&tree, std::slice::from_ref(&e), &mut written).unwrap(),
        );
        assert_eq!(shared, alone, "{text:?}");
    }
    assert!(written.recent.len() > 1, "one list, several styles");
}

fn vol() -> Addition {
    Addition::Items(vec![json!({"name": "data1", "hostPath": {"path": "/data"}})].into())
}

#[test]
fn appends_to_indented_block_list() {
    let text =
        "spec:\n  volumes:\n    - name: a # keep\n      emptyDir: {}\n  # trailing\nkind: Pod\n";
    let out = edit(text, &["spec", "volumes"], vol());
    assert_eq!(
        out,
        "spec:\n  volumes:\n    - name: a # keep\n      emptyDir: {}\n    - name: \"data1\"\n      hostPath:\n        path: \"/data\"\n  # trailing\nkind: Pod\n"
    );
}

#[test]
fn appends_to_compact_block_list() {
    let text = "volumes:\n- name: a\n  emptyDir: {}\n";
    assert_eq!(
        edit(text, &["volumes"], vol()),
        "volumes:\n- name: a\n  emptyDir: {}\n- name: \"data1\"\n  hostPath:\n    path: \"/data\"\n"
    );
}

#[test]
fn creates_missing_keys_at_the_mapping_indentation() {
    let text = "spec:\n  containers:\n  - name: c\n";
    assert_eq!(
        edit(text, &["spec", "volumes"], vol()),
        "spec:\n  containers:\n  - name: c\n  volumes:\n  - name: \"data1\"\n    hostPath:\n      path: \"/data\"\n"
    );
}

#[test]
fn fills_an_empty_key_and_keeps_crlf() {
    let text = "env:\r\nname: x\r\n";
    assert_eq!(
        edit(
            text,
            &["env"],
            Addition::Items(vec![json!({"name": "A", "value": "yes"})].into())
        ),
        "env:\r\n  - name: \"A\"\r\n    value: \"yes\"\r\nname: x\r\n"
    );
}

#[test]
fn inserts_into_flow_and_json() {
    assert_eq!(
        edit(
            "{\"volumes\": [{\"name\": \"a\"}], \"x\": 1}",
            &["volumes"],
            vol()
        ),
        "{\"volumes\": [{\"name\": \"a\"}, {\"name\": \"data1\", \"hostPath\": {\"path\": \"/data\"}}], \"x\": 1}"
    );
    assert_eq!(
        edit("{x: 1}", &["volumes"], vol()),
        "{x: 1, \"volumes\": [{\"name\": \"data1\", \"hostPath\": {\"path\": \"/data\"}}]}"
    );
    assert_eq!(
        edit("v: []\n", &["v"], Addition::Items(vec![json!(1)].into())),
        "v: [1]\n"
    );
    assert_eq!(
        edit(
            "{\n  \"v\": [\n    1\n  ]\n}\n",
            &["v"],
            Addition::Items(vec![json!(2)].into())
        ),
        "{\n  \"v\": [\n    1,\n    2\n  ]\n}\n"
    );
}

#[test]
fn inner_blocks_come_before_outer_ones_at_one_place() {
    let text = "spec:\n  containers:\n  - name: c\n    env:\n";
    let tree = parse(text, Limits::default()).unwrap();
    let spec = tree.get(tree.root.unwrap(), "spec").unwrap();
    let container = tree.items(tree.get(spec, "containers").unwrap()).unwrap()[0];
    let edits = [
        Edit {
            at: spec,
            pointer: String::new(),
            path: &["volumes"],
            add: vol(),
        },
        Edit {
            at: container,
            pointer: String::new(),
            path: &["volumeMounts"],
            add: Addition::Items(vec![json!({"name": "m"})].into()),
        },
        Edit {
            at: container,
            pointer: String::new(),
            path: &["env"],
            add: Addition::Items(vec![json!({"name": "E"})].into()),
        },
    ];
    let out = apply(&tree, &edits).unwrap();
    assert_eq!(
        out,
        "spec:\n  containers:\n  - name: c\n    env:\n    - name: \"E\"\n    volumeMounts:\n    - name: \"m\"\n  volumes:\n  - name: \"data1\"\n    hostPath:\n      path: \"/data\"\n"
    );
}

#[test]
fn inserts_after_a_block_scalar_that_ends_a_mapping() {
    // The scalar's span runs into the next line's indentation; the insertion must not skip it.
    let text = "containers:\n- name: a\n  args: |\n    x\n- name: b\n";
    let tree = parse(text, Limits::default()).unwrap();
    let a = tree
        .items(tree.get(tree.root.unwrap(), "containers").unwrap())
        .unwrap()[0];
    let e = Edit {
        at: a,
        pointer: String::new(),
        path: &["env"],
        add: Addition::Items(vec![json!({"name": "E"})].into()),
    };
    assert_eq!(
        apply(&tree, &[e]).unwrap(),
        "containers:\n- name: a\n  args: |\n    x\n  env:\n  - name: \"E\"\n- name: b\n"
    );
}

#[test]
fn fills_an_explicit_empty_key_below_its_colon() {
    let text = "? env\n:\nname: x\n";
    let out = edit(
        text,
        &["env"],
        Addition::Items(vec![json!({"name": "E"})].into()),
    );
    assert_eq!(out, "? env\n:\n    - name: \"E\"\nname: x\n");
    assert_eq!(
        crate::yaml::parse_value(&out, Limits::default()).unwrap(),
        json!({"env": [{"name": "E"}], "name": "x"})
    );
}

#[test]
fn asks_for_reemit_on_lone_carriage_returns() {
    let tree = parse("a: 1\rb: 2\r", Limits::default()).unwrap();
    let e = Edit {
        at: tree.root.unwrap(),
        pointer: String::new(),
        path: &["c"],
        add: vol(),
    };
    assert!(matches!(apply(&tree, &[e]), Err(Failure::NeedsReemit(_))));
}

#[test]
fn keeps_block_scalars_whole() {
    let text = "a:\n  s: |+\n    keep\n\n";
    assert_eq!(
        edit(
            text,
            &["a", "m"],
            Addition::Entries(vec![("k".into(), json!("on"))])
        ),
        "a:\n  s: |+\n    keep\n\n  m:\n    k: \"on\"\n"
    );
}

#[test]
fn adds_a_newline_at_end_of_input_without_one() {
    assert_eq!(
        edit(
            "a: 1",
            &["b"],
            Addition::Entries(vec![("c".into(), json!(true))])
        ),
        "a: 1\nb:\n  c: true"
    );
}

#[test]
fn asks_for_reemit_through_aliases_merge_keys_and_flow_nulls() {
    for text in [
        "a: &x {b: 1}\nc: *x\n",
        "{c: null}\n",
        "c:\n  <<: {b: 1}\n",
        "? c\n: null\n",
    ] {
        let tree = parse(text, Limits::default()).unwrap();
        let e = Edit {
            at: tree.root.unwrap(),
            pointer: String::new(),
            path: &["c", "d"],
            add: vol(),
        };
        assert!(
            matches!(apply(&tree, &[e]), Err(Failure::NeedsReemit(_))),
            "{text}"
        );
    }
}

/// A block mapping's explicit null gives way to the value: the null (and the blanks before it) is
/// the only text removed.
#[test]
fn an_explicit_null_is_replaced_in_place() {
    for (text, want) in [
        ("c: null\n", "c:\n  d:\n    - name: \"v\"\n"),
        (
            "c: ~  # later\nx: 1\n",
            "c:  # later\n  d:\n    - name: \"v\"\nx: 1\n",
        ),
    ] {
        let tree = parse(text, Limits::default()).unwrap();
        let e = Edit {
            at: tree.root.unwrap(),
            pointer: String::new(),
            path: &["c", "d"],
            add: Addition::Items(vec![json!({"name": "v"})].into()),
        };
        assert_eq!(apply(&tree, &[e]).unwrap(), want, "{text}");
    }
}

#[test]
fn reports_wrong_shapes() {
    let tree = parse("spec: 3\n", Limits::default()).unwrap();
    let e = Edit {
        at: tree.root.unwrap(),
        pointer: String::new(),
        path: &["spec", "volumes"],
        add: vol(),
    };
    assert!(matches!(apply(&tree, &[e]), Err(Failure::WrongShape(w)) if w.place.line == Some(1)));
}

#[test]
fn emitted_text_reads_back_as_the_value() {
    let v =
        json!({"a": ["yes", "0644", 1, true, null, {"b": "on", "c": []}], "d": {}, "e/f": "x\ny"});
    let text = emit_document(&v, "\n");
    assert_eq!(
        crate::yaml::parse_value(&text, Limits::default()).unwrap(),
        v
    );
}
