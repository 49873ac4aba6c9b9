//! The span-keeping YAML parser under the lossless editor (`stowage_yaml::parse`), on arbitrary
//! text.
//!
//! Invariants: no panic; every node's byte span lies inside the text, on character boundaries,
//! and its line is the line its start is on; the value conversion stays inside the alias budget
//! or reports it; `parse_value` agrees with `parse` + `value`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stowage_yaml::{self as yaml, Kind, Limits, NodeId, Tree};

fn check(tree: &Tree, id: NodeId, depth: usize, seen: &mut usize) {
    *seen += 1;
    assert!(depth <= 300, "deeper than max_depth");
    let n = tree.node(id);
    let text = tree.text;
    assert!(
        n.start <= n.end && n.end <= text.len(),
        "span {}..{} outside the text",
        n.start,
        n.end
    );
    assert!(
        text.is_char_boundary(n.start) && text.is_char_boundary(n.end),
        "span inside a character"
    );
    let breaks = text.as_bytes()[..n.start]
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n')))
        .count();
    assert_eq!(n.line, 1 + breaks, "line of node at {}", n.start);
    match &n.kind {
        Kind::Seq { .. } => {
            for &c in tree.items(id).unwrap() {
                check(tree, c, depth + 1, seen);
            }
        }
        Kind::Map { .. } => {
            for &(k, v) in tree.entries(id).unwrap() {
                check(tree, k, depth + 1, seen);
                check(tree, v, depth + 1, seen);
            }
        }
        Kind::Alias(target) => assert!(target.0 < id.0, "an alias points forward"),
        Kind::Scalar { .. } => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_depth: 64,
        max_alias_nodes: 10_000,
    };
    let tree = match yaml::parse(text, limits) {
        Ok(t) => t,
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1, "error without a place: {e}");
            assert!(yaml::parse_value(text, limits).is_err());
            return;
        }
    };
    let mut seen = 0;
    if let Some(root) = tree.root {
        check(&tree, root, 0, &mut seen);
        let value = tree.value(root, limits);
        if let Err(e) = &value {
            assert!(e.line >= 1, "error without a place: {e}");
        }
        let direct = yaml::parse_value(text, limits);
        if tree.find_duplicate_key().is_none() {
            assert_eq!(direct.is_ok(), value.is_ok());
            if let (Ok(a), Ok(b)) = (&direct, &value) {
                assert_eq!(a, b);
            }
        } else {
            assert!(direct.is_err());
        }
    }
    let _ = tree.find_custom_tag();
    let _ = tree.has_aliases();
});
