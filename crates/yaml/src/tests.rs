//! The crate's entry points: spans, duplicate keys, merge keys, alias and depth bounds.

use super::*;
use serde_json::json;

fn v(text: &str) -> Value {
    parse_value(text, Limits::default()).unwrap()
}

#[test]
fn keeps_spans_and_styles() {
    let text = "a: 1\nb:\n  - x\n  - {c: d}\n";
    let tree = parse(text, Limits::default()).unwrap();
    let root = tree.root.unwrap();
    let b = tree.get(root, "b").unwrap();
    let items = tree.items(b).unwrap();
    let flow = tree.node(items[1]);
    assert_eq!(&text[flow.start..flow.end], "{c: d}");
    assert_eq!(
        &text[tree.node(b).start..tree.node(b).end],
        "- x\n  - {c: d}"
    );
    assert_eq!(tree.node(root).end, flow.end);
}

#[test]
fn applies_merge_keys_and_bounds_aliases() {
    assert_eq!(
        v("a: &a {p: 1, q: 2}\nb:\n  <<: *a\n  q: 3\n")["b"],
        json!({"q": 3, "p": 1})
    );
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    let e = parse_value(bomb, Limits::default()).unwrap_err();
    assert!(e.message.contains("too many nodes"), "{e}");
}

#[test]
fn reports_duplicate_keys_with_place() {
    let e = parse_value("a: 1\nb: 2\na: 3\n", Limits::default()).unwrap_err();
    assert_eq!((e.line, e.column), (3, 1));
}

/// The first mapping in the text with a repeated key is reported, though an inner one
/// closes (and is checked) first; merge keys may repeat; a big mapping is hashed.
#[test]
fn reports_the_first_mapping_with_a_repeated_key() {
    let first = |text: &str| {
        let fast = parse(text, Limits::default()).unwrap().find_duplicate_key();
        let granit = parse_granit(text, Limits::default())
            .unwrap()
            .find_duplicate_key();
        assert_eq!(fast, granit, "{text}");
        fast
    };
    let nested = "a:\n  x: 1\n  x: 2\nb: 1\nb: 2\n";
    assert_eq!(first(nested), Some((5, 1, "b".into())));
    assert_eq!(
        first("a:\n  x: 1\n  x: 2\nb: 1\n"),
        Some((3, 3, "x".into()))
    );
    assert_eq!(
        first("- {p: 1, q: 2, p: 3}\n- {q: 1, q: 1}\n"),
        Some((1, 16, "p".into()))
    );
    assert_eq!(first("<<: {a: 1}\n<<: {b: 1}\nc: 1\n"), None);
    let big: String = (0..20).map(|i| format!("k{i}: 1\n")).collect::<String>() + "k3: 2\n";
    assert_eq!(first(&big), Some((21, 1, "k3".into())));
}

#[test]
fn bounds_depth() {
    let deep = "[".repeat(10_000);
    assert!(parse(&deep, Limits::default()).is_err());
    let block: String = (0..1000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    assert!(parse(&block, Limits::default()).is_err());
}
