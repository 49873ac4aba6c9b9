//! The stream splitter (`stowage_core::stream::split`) on arbitrary bytes.
//!
//! Invariants: the chunks tile the input (concatenation identity); `body`, `head()`, `tail()` and
//! `parse_range()` lie inside the chunk; line numbers count the input's line breaks; `split`
//! succeeds exactly on valid UTF-8 without NUL, with every boundary on a character boundary, and
//! otherwise points at the first bad byte; and a `certain` line-scan `kind`/`apiVersion` is what
//! stowage's YAML parser reads from the document (a wrong certain kind would copy a workload
//! without injecting it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stowage_core::stream::{self, BOM, Class};
use stowage_yaml::{self as yaml, Limits};

fn breaks(s: &[u8]) -> usize {
    (0..s.len())
        .filter(|&i| s[i] == b'\n' || (s[i] == b'\r' && s.get(i + 1) != Some(&b'\n')))
        .count()
}

fuzz_target!(|data: &[u8]| {
    let docs = stream::split_unchecked(data);
    assert!(!docs.is_empty(), "never an empty list");
    let mut at = 0;
    let mut concat = Vec::with_capacity(data.len());
    for d in &docs {
        assert_eq!(d.range.start, at, "chunks are contiguous");
        assert!(
            d.range.end > d.range.start || data.is_empty(),
            "zero-length chunk"
        );
        assert!(
            d.range.start <= d.body.start
                && d.body.start <= d.body.end
                && d.body.end <= d.range.end
        );
        let p = d.parse_range();
        assert!(d.range.start <= p.start && p.end <= d.range.end && p.start <= p.end);
        assert_eq!(d.head().end, d.body.start);
        assert_eq!(d.tail().start, d.body.end);
        assert_eq!(
            d.start_line,
            1 + breaks(&data[..d.range.start]),
            "start_line"
        );
        assert_eq!(d.body_line, 1 + breaks(&data[..d.body.start]), "body_line");
        if d.bom {
            assert!(data[d.range.start..].starts_with(BOM));
        }
        concat.extend_from_slice(d.bytes(data));
        at = d.range.end;
    }
    assert_eq!(at, data.len());
    assert_eq!(concat, data, "concatenation identity");

    let valid = std::str::from_utf8(data).ok().filter(|s| !s.contains('\0'));
    match (stream::split(data), valid) {
        (Ok(checked), Some(text)) => {
            assert_eq!(checked, docs);
            for d in &docs {
                for o in [
                    d.range.start,
                    d.range.end,
                    d.body.start,
                    d.body.end,
                    d.parse_range().start,
                ] {
                    assert!(text.is_char_boundary(o), "boundary {o} inside a character");
                }
                if d.class == Class::Object && d.certain {
                    let body = &text[d.parse_range()];
                    if let Ok(tree) = yaml::parse(body, Limits::default()) {
                        let field = |k: &str| {
                            tree.root
                                .and_then(|r| tree.get(r, k))
                                .and_then(|n| tree.as_str(n))
                                .map(str::to_string)
                        };
                        assert_eq!(
                            field("kind"),
                            d.kind,
                            "certain kind differs from the parse of {body:?}"
                        );
                        assert_eq!(
                            field("apiVersion"),
                            d.api_version,
                            "certain apiVersion differs from the parse of {body:?}"
                        );
                    }
                }
            }
        }
        (Err(e), None) => {
            assert!(e.offset < data.len());
            let prefix_ok =
                std::str::from_utf8(&data[..e.offset]).is_ok() && !data[..e.offset].contains(&0);
            let bad = data[e.offset] == 0 || std::str::from_utf8(&data[e.offset..]).is_err();
            let bad = prefix_ok && bad;
            assert!(bad, "error offset {} is not the first bad byte", e.offset);
            assert!(e.line >= 1 && e.column >= 1);
            assert!((1..=docs.len()).contains(&e.document));
            assert!(docs[e.document - 1].range.contains(&e.offset));
        }
        (r, _) => panic!(
            "split result {:?} disagrees with the input's validity",
            r.map(|d| d.len())
        ),
    }
});
