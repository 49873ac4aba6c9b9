//! One case per bail-out rule: each input is one where granit fails or builds a tree this
//! reader would get wrong if the rule were dropped, so removing a rule fails its test. The
//! differential suite (`tests/fast_vs_granit.rs`) checks accepted documents against granit.

use super::bytes::{find2, skip_indent};
use super::*;
use crate::parse_granit;

fn same_as_granit(text: &str) {
    let fast =
        parse(text, Limits::default(), &mut Spare::default()).expect("the fast path declined");
    let granit = parse_granit(text, Limits::default()).expect("granit failed");
    assert_eq!(fast.root, granit.root, "{text:?}");
    assert_eq!(fast.len(), granit.len(), "{text:?}");
    for i in 0..fast.len() {
        let id = NodeId(i as u32);
        assert_eq!(fast.node(id), granit.node(id), "node {i} of {text:?}");
    }
}

#[track_caller]
fn declines(text: &str) {
    assert!(
        parse(text, Limits::default(), &mut Spare::default()).is_none(),
        "the fast path accepted {text:?}"
    );
}

#[test]
fn accepts_typical_manifests_exactly() {
    same_as_granit(
        "\n# Source: x\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {a: b, \"c\": 'd'}\nspec:\n  containers:\n  - name: c\n    args: [\"--x\", -1, http://y:80]\n    env:\n      - name: A\n        value: \"1\\n\\u00e9\"\n      -\n      - 'it''s'\n    command:\n    - sh\n    - |\n      echo a\n\n      echo b\n    resources:\n      {}\n  x: é # c\n  y:\n  z: a#b\n...\n# end\n",
    );
    same_as_granit("---  # c\na: >-\n  x\n  y\n\n  z\nb: |+\n  k\n\nc: :9001\n");
    same_as_granit("- - x\n  - y\n- k: v\n  l:\n  - |\n    t\n");
}

#[test]
fn characters_granit_treats_differently() {
    declines("a:\tb\n"); // a tab separates: granit reads `b`
    declines("a: b\r\nc: d\n"); // a line break
    declines("a: b\u{85}c\n"); // NEL, a break in YAML 1.1
    declines("\u{feff}a: b\n"); // a BOM
    declines("a: b\u{7}\n"); // a control character: an error
}

#[test]
fn columns_after_multibyte_characters() {
    // Columns are characters; `col` counts on from the last node of the line.
    same_as_granit("k: é\na: [é, x, \"éé\", {é: é, x: [é]}, 'é']  # é\nb: {x: é}\n");
    same_as_granit("é: [a, é]\nc:\n  - é: [é, é]\n    d: é\n");
}

#[test]
fn flow_collections_cut_off_by_the_end_of_the_text() {
    // Found by fuzzing (fuzz/fuzz_targets/yaml_fast.rs): an index past the end of the text.
    declines("#\"\n#-\n{");
    declines("{");
    declines("[");
    declines("a: {");
    declines("a: [ ");
    declines("- {a: 1, ");
    declines("- [a, ");
}

#[test]
fn document_markers() {
    declines("%YAML 1.2\n---\na: 1\n"); // a directive
    declines("a: 1\n---\nb: 2\n"); // a second document: an error
    declines("--- {a: 1}\n"); // content on the marker line
    declines("---\n# nothing\n"); // an empty document after `---` is a null root
    declines("...\na: 1\n"); // a document end first
    declines("a: 1\n...\nb: 2\n"); // content after the end: an error
}

#[test]
fn indentation_that_matches_no_collection() {
    declines(" a: 1\nb: 2\n"); // less indented than the root: an error
    declines("- a\n  b\n"); // a multi-line plain item: `a b`
    declines("a: b\n  c\n"); // a multi-line plain value: `b c`
    declines("a:\n  b\n"); // a plain scalar alone on its line (may continue)
    declines("x\n"); // a root scalar
}

#[test]
fn values_that_are_not_plain_one_line_scalars() {
    declines("a: - b\n"); // an error
    declines("a: b: c\n"); // an error
    declines("a: b:\n"); // an error
    declines("a: &x 1\nb: *x\n"); // anchor and alias
    declines("a: !t x\n"); // a tag
    declines("a: ?x\n"); // granit reads the plain `?x`; we stay clear of `?`
    declines("a: @x\n"); // reserved: an error
    declines("a: ,x\n"); // a flow indicator: an error
    declines("? a\n: b\n"); // a complex key
    declines("a #b: 1\n"); // a comment cuts the key: an error
    declines(&format!("{}: 1\n", "k".repeat(1100))); // an implicit key over 1024 characters
}

#[test]
fn quoted_scalars() {
    declines("a: 'x\n  y'\n"); // multi-line: `x y`
    declines("a: \"x\n  y\"\n"); // multi-line: `x y`
    declines("a: \"x\\\n  y\"\n"); // an escaped line break
    declines("a: 'x' y\n"); // an error
    declines("a: \"x\"#c\n"); // a comment needs a space before it
    declines("a: \"\\'\"\n"); // an unknown escape: an error
    declines("a: \"\\u12\"\n"); // a short escape: an error
}

#[test]
fn flow_collections() {
    declines("a: [x,\n  y]\n"); // multi-line: `[x, y]`
    declines("a: {b}\n"); // `{b: null}`
    declines("a: {b:1}\n"); // the key `b:1` with a null value
    declines("a: [b: c]\n"); // a single-pair mapping
    declines("a: [b, ]\n"); // a trailing comma: `[b]`
    declines("a: [b,,c]\n"); // an error
    declines("a: [b] c\n"); // an error
    declines("a: [b[c]]\n"); // an error
    declines("a: [-]\n"); // not a plain scalar in flow context
    declines("a: [b # c\n  ]\n"); // a comment inside: multi-line
}

#[test]
fn block_scalars() {
    declines("a: |2\n   x\n"); // an indentation indicator: ` x\n`
    declines("a: | x\n"); // an error
    declines("a: |\nb: 1\n"); // empty: granit spans it at the next line
    declines("a: |\n"); // empty at the end: spanned at the header
    declines("a: |"); // the header is the last line
    declines("a: |\n    \n  x\n"); // a leading blank line longer than the content's indentation: an error
    declines("a: >\n  x\n   y\n"); // folded with a more-indented line: `x\n y\n`
    declines("a: >\n  x\n   \n  y\n"); // folded with a whitespace-only line
    declines("a: |+\n  x"); // kept breaks without a final break
    declines("- |\n x\n- >\nx\n"); // content left of its owner: empty, then an error
}

#[test]
fn word_scans_match_byte_scans() {
    // Matches at every offset within and across words, past `to`, and near the text end.
    let text = b"  a:b #c\n        d: e\n  x#\n:\n\n   ";
    for from in 0..text.len() {
        let indent = from + text[from..].iter().take_while(|&&c| c == b' ').count();
        assert_eq!(skip_indent(text, from), indent, "{from}");
        for to in from..=text.len() {
            let naive = text[from..to]
                .iter()
                .position(|&c| c == b':' || c == b'#')
                .map_or(to, |i| from + i);
            assert_eq!(find2(text, from, to, b':', b'#'), naive, "{from}..{to}");
        }
    }
    same_as_granit("abcdefg: 1\nabcdefgh: 2\nabcdefghi: 3 # c\nk: abcdefg#h:i # j: k\nl: m");
}

#[test]
fn depth_limit() {
    let limits = Limits {
        max_depth: 2,
        ..Limits::default()
    };
    assert!(parse("a:\n  b:\n    c: 1\n", limits, &mut Spare::default()).is_none());
    assert!(parse("a: [[x]]\n", limits, &mut Spare::default()).is_none());
    assert!(parse("a: 1\n", limits, &mut Spare::default()).is_some());
}
