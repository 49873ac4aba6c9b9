//! The splitter's tests. Every input goes through [`check`], which verifies the structural
//! invariants (the chunks tile the input, line numbers, markers) before a test looks at the
//! documents.

use std::ops::Range;

use super::lines::count_breaks;
use super::*;

mod corpus;
mod detect;
mod props;
mod shapes;

// ---- invariants checked on every input -------------------------------------------------

/// Lines of `s` as (start, content end, next start), YAML line breaks; an independent
/// (slow, obvious) re-implementation for the checks.
fn lines(s: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\n' => {
                out.push((start, i, i + 1));
                start = i + 1;
            }
            b'\r' if s.get(i + 1) == Some(&b'\n') => {
                out.push((start, i, i + 2));
                i += 1;
                start = i + 1;
            }
            b'\r' => {
                out.push((start, i, i + 1));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < s.len() {
        out.push((start, s.len(), s.len()));
    }
    out
}

fn marker_len(line: &[u8], dots: bool) -> Option<usize> {
    let (l, skip) = match line.strip_prefix(BOM) {
        Some(l) => (l, 3),
        None => (line, 0),
    };
    let m: &[u8] = if dots { b"..." } else { b"---" };
    (l.starts_with(m) && (l.len() == 3 || matches!(l[3], b' ' | b'\t' | b'\r' | b'\n')))
        .then_some(skip + 3)
}

/// Checks every structural invariant and returns the documents.
fn check(input: &[u8]) -> Vec<Document> {
    let docs = split_unchecked(input);
    assert!(!docs.is_empty());
    // Tiling and concatenation identity.
    let mut joined = Vec::with_capacity(input.len());
    let mut at = 0;
    for d in &docs {
        assert_eq!(d.range.start, at, "ranges must be contiguous: {docs:#?}");
        assert!(
            d.range.end > d.range.start || input.is_empty(),
            "zero-length chunk: {docs:#?}"
        );
        assert!(
            d.range.start <= d.body.start
                && d.body.start <= d.body.end
                && d.body.end <= d.range.end
        );
        joined.extend_from_slice(&input[d.range.clone()]);
        at = d.range.end;
        assert_eq!(d.start_line, 1 + count_breaks(&input[..d.range.start]));
        assert_eq!(d.body_line, 1 + count_breaks(&input[..d.body.start]));
        assert_eq!(d.bom, input[d.range.clone()].starts_with(BOM));
        assert_eq!(
            d.has_end_marker(),
            marker_len(&input[d.body.end..d.range.end], true).is_some()
        );
        if d.class == Class::Empty {
            assert_eq!(d.kind, None);
        }
    }
    assert_eq!(at, input.len());
    assert_eq!(joined, input);
    // Every column-0 `---` is the marker of some document, every `...` ends one, and no
    // body holds a marker line other than its own first line.
    for (s, e, _) in lines(input) {
        let line = &input[s..e];
        if let Some(n) = marker_len(line, false) {
            assert!(
                docs.iter().any(|d| d.body.start == s + n),
                "`---` at {s} not a marker: {docs:#?}"
            );
        }
        if let Some(n) = marker_len(line, true) {
            assert!(
                docs.iter()
                    .any(|d| (s..=s + n - 3).contains(&d.body.end) && d.has_end_marker()),
                "`...` at {s}: {docs:#?}"
            );
        }
    }
    for d in &docs {
        for (s, e, _) in lines(&input[d.body.clone()]).into_iter().skip(1) {
            let line = &input[d.body.start + s..d.body.start + e];
            assert!(marker_len(line, false).is_none() && marker_len(line, true).is_none());
        }
    }
    docs
}

fn s<'a>(input: &'a str, r: &Range<usize>) -> &'a str {
    &input[r.clone()]
}

fn kinds(docs: &[Document]) -> Vec<Option<&str>> {
    docs.iter().map(|d| d.kind.as_deref()).collect()
}

// ---- the fixtures in testdata/stream (their origins: SOURCES.md there) ------------------

fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/stream")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every fixture file, in name order.
fn fixture_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    walk(&fixtures_dir(), &mut files);
    files
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| ["yaml", "yml", "json", "txt"].contains(&e.to_str().unwrap_or("")))
        {
            out.push(p);
        }
    }
}
