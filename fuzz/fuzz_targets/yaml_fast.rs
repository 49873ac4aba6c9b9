//! The fast path of the YAML reader (`stowage_yaml::parse_fast`) against granit-parser
//! (`parse_granit`), on arbitrary text.
//!
//! Invariants: no panic; where the fast path reads a text, granit reads it too and builds the
//! same tree, node for node (every field: spans, lines, columns, styles, texts); where granit
//! reports an error, the fast path declines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stowage_yaml::{Limits, NodeId, parse_fast, parse_granit};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_depth: 64,
        max_alias_nodes: 10_000,
    };
    let Some(fast) = parse_fast(text, limits) else {
        return;
    };
    let granit = match parse_granit(text, limits) {
        Ok(tree) => tree,
        Err(e) => panic!("the fast path read a text granit refuses ({e})"),
    };
    assert_eq!(fast.root, granit.root, "roots differ");
    assert_eq!(fast.len(), granit.len(), "node counts differ");
    for i in 0..fast.len() {
        let id = NodeId(i as u32);
        assert_eq!(fast.node(id), granit.node(id), "node {i} differs");
    }
});
