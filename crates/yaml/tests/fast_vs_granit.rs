//! The fast YAML reader (`src/yaml/fast.rs`) against granit-parser: whenever the fast path
//! accepts a document its tree must equal granit's node by node, and whenever granit reports an
//! error the fast path must decline. Documents come from `testdata/**`, a corpus folder
//! (`STOWAGE_CORPUS_DIR`, which `.ci/run` points at the larger corpus it checks; docs/reliability.md),
//! bench-generated streams, and a proptest grammar of block YAML with mutations.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use stowage_yaml::{Limits, NodeId, Spare, Tree, parse_fast, parse_granit, parse_in};

/// The first difference between two trees, described, or `None` when they are equal.
fn first_difference(fast: &Tree, granit: &Tree) -> Option<String> {
    if fast.root != granit.root {
        return Some(format!("root {:?} vs {:?}", fast.root, granit.root));
    }
    if fast.has_aliases() != granit.has_aliases() || fast.text != granit.text {
        return Some("aliases flag or text differ".to_string());
    }
    if fast.find_duplicate_key() != granit.find_duplicate_key() {
        return Some(format!(
            "duplicate keys: fast {:?}, granit {:?}",
            fast.find_duplicate_key(),
            granit.find_duplicate_key()
        ));
    }
    for i in 0..fast.len().max(granit.len()) {
        let id = NodeId(i as u32);
        if i >= fast.len() || i >= granit.len() {
            return Some(format!(
                "node counts differ: fast {}, granit {}",
                fast.len(),
                granit.len()
            ));
        }
        if fast.node(id) != granit.node(id) {
            return Some(format!(
                "node {i}:\n  fast   {:?}\n  granit {:?}",
                fast.node(id),
                granit.node(id)
            ));
        }
        // Children live in the tree's lists, not in the node.
        if fast.items(id) != granit.items(id) || fast.entries(id) != granit.entries(id) {
            return Some(format!(
                "children of node {i}:\n  fast   {:?} {:?}\n  granit {:?} {:?}",
                fast.items(id),
                fast.entries(id),
                granit.items(id),
                granit.entries(id)
            ));
        }
    }
    None
}

/// Compare both readers on `text`; panic with the document on a mismatch. Returns whether the
/// fast path accepted it.
fn check(text: &str, limits: Limits, label: &str) -> bool {
    let fast = parse_fast(text, limits);
    let granit = parse_granit(text, limits);
    match (&fast, &granit) {
        (Some(f), Ok(g)) => {
            if let Some(diff) = first_difference(f, g) {
                panic!(
                    "{label}: fast and granit trees differ: {diff}\n--- document ---\n{text}\n---"
                );
            }
            true
        }
        (Some(_), Err(e)) => {
            panic!(
                "{label}: granit fails ({e}) but the fast path accepted\n--- document ---\n{text}\n---"
            )
        }
        (None, _) => false,
    }
}

#[derive(Default)]
struct Tally {
    documents: usize,
    accepted: usize,
    workloads: usize,
    workloads_accepted: usize,
    /// Workload documents the fast path declined (label), for the report.
    declined: Vec<String>,
}

impl Tally {
    fn percent(&self) -> f64 {
        100.0 * self.workloads_accepted as f64 / self.workloads.max(1) as f64
    }
}

/// Check every document of a stream, and the whole stream as one text (several documents: the
/// fast path must decline where granit fails).
fn check_stream(input: &[u8], label: &str, tally: &mut Tally) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    check(text, Limits::default(), label);
    // Trees built one after another in the same buffers, as post-render builds them.
    let mut spare = Spare::default();
    for (i, body) in documents(text).into_iter().enumerate() {
        let accepted = check(
            body,
            Limits::default(),
            &format!("{label} document {}", i + 1),
        );
        if let (Ok(reused), Ok(granit)) = (
            parse_in(body, Limits::default(), &mut spare),
            parse_granit(body, Limits::default()),
        ) {
            if let Some(diff) = first_difference(&reused, &granit) {
                panic!("{label} document {}: built in a spare tree: {diff}", i + 1);
            }
            spare = reused.into_spare();
        }
        tally.documents += 1;
        tally.accepted += usize::from(accepted);
        if kind_of(body).as_deref().is_some_and(is_workload) {
            tally.workloads += 1;
            if accepted {
                tally.workloads_accepted += 1;
            } else {
                tally.declined.push(format!("{label} document {}", i + 1));
            }
        }
    }
}

/// The document's `kind`, to tally how many workloads (the documents stowage edits, so the ones
/// where speed matters) the fast reader takes.
fn kind_of(body: &str) -> Option<String> {
    let tree = parse_granit(body, Limits::default()).ok()?;
    let kind = tree.get(tree.root?, "kind")?;
    tree.as_str(kind).map(str::to_string)
}

fn is_workload(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod"
    )
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

fn check_tree_of_files(dir: &Path) -> Tally {
    let mut files = Vec::new();
    yaml_files(dir, &mut files);
    let mut tally = Tally::default();
    for file in files {
        let input = std::fs::read(&file).unwrap();
        check_stream(&input, &file.display().to_string(), &mut tally);
    }
    tally
}

fn report(name: &str, tally: &Tally) {
    println!(
        "{name}: {} documents, fast path accepted {} ({:.1}%); workloads {}/{} ({:.1}%)",
        tally.documents,
        tally.accepted,
        100.0 * tally.accepted as f64 / tally.documents.max(1) as f64,
        tally.workloads_accepted,
        tally.workloads,
        tally.percent()
    );
    for d in tally.declined.iter().take(20) {
        println!("  declined workload: {d}");
    }
}

#[test]
fn agrees_with_granit_on_testdata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("testdata");
    let tally = check_tree_of_files(&root);
    report("testdata", &tally);
    assert!(tally.documents > 500, "testdata was not found or is empty");
    // The in-repo corpus of real charts and manifests: a regression floor for coverage.
    assert!(
        tally.percent() >= 80.0,
        "the fast path accepts only {:.1}% of workload documents",
        tally.percent()
    );
}

#[test]
fn accepts_every_bench_workload() {
    // Small deterministic samples of `bench/gen.py workloads` and `chart`, kept in testdata.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("testdata/yaml-fast");
    let tally = check_tree_of_files(&dir);
    report("bench samples", &tally);
    assert!(tally.workloads >= 10, "no bench samples found");
    assert_eq!(
        tally.workloads_accepted, tally.workloads,
        "declined: {:?}",
        tally.declined
    );
    // Larger streams straight from the generator, when Python is available.
    let gen_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("bench/gen.py");
    for args in [&["workloads", "50"][..], &["chart"], &["objects", "50"]] {
        let Ok(out) = std::process::Command::new("python3")
            .arg(&gen_path)
            .args(args)
            .output()
        else {
            println!("python3 not available: skipped bench/gen.py {args:?}");
            continue;
        };
        assert!(out.status.success(), "bench/gen.py {args:?} failed");
        let mut tally = Tally::default();
        check_stream(&out.stdout, &format!("gen.py {args:?}"), &mut tally);
        report(&format!("gen.py {args:?}"), &tally);
        assert_eq!(
            tally.workloads_accepted, tally.workloads,
            "declined: {:?}",
            tally.declined
        );
    }
}

/// The corpus `STOWAGE_CORPUS_DIR` names (`.ci/run` sets it for its full-corpus stage), else the
/// repository's own `testdata/corpus`. A folder named but missing is a failure, not a skip.
#[test]
fn agrees_with_granit_on_a_corpus() {
    let dir = match std::env::var_os("STOWAGE_CORPUS_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus"),
    };
    assert!(
        dir.is_dir(),
        "corpus folder {} does not exist",
        dir.display()
    );
    let tally = check_tree_of_files(&dir);
    report(&dir.display().to_string(), &tally);
    assert!(
        tally.documents > 0,
        "no YAML documents under {}",
        dir.display()
    );
}

#[test]
fn small_depth_limits_agree() {
    // Nesting at and around a small limit: the fast path must decline wherever granit fails.
    for max_depth in 1..8 {
        let limits = Limits {
            max_depth,
            ..Limits::default()
        };
        for depth in 1..10 {
            let block: String = (0..depth)
                .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
                .collect::<String>()
                + &"  ".repeat(depth)
                + "v: 1\n";
            check(
                &block,
                limits,
                &format!("block depth {depth}, limit {max_depth}"),
            );
            let seqs: String = (0..depth).map(|_| "- ").collect::<String>() + "x\n";
            check(
                &seqs,
                limits,
                &format!("seq depth {depth}, limit {max_depth}"),
            );
            let flow = format!("a: {}x{}\n", "[".repeat(depth), "]".repeat(depth));
            check(
                &flow,
                limits,
                &format!("flow depth {depth}, limit {max_depth}"),
            );
            let mixed = format!("a:\n- b:\n  - {{c: [{}]}}\n", "[x]".repeat(depth.min(1)));
            check(&mixed, limits, &format!("mixed, limit {max_depth}"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generated documents

/// Scalars of many shapes, as they appear after `key: ` or `- `.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("x".to_string()),
        Just("yes".to_string()),
        Just("0644".to_string()),
        Just("\"quoted\"".to_string()),
        Just("\"a\\\"b\\n\\u00e9\\/c\"".to_string()),
        Just("'it''s'".to_string()),
        Just("a#b".to_string()),
        Just("a # c".to_string()),
        Just("a:b".to_string()),
        Just("http://x:80/y".to_string()),
        Just("-1".to_string()),
        Just("~".to_string()),
        Just("é ü".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[a, \"b\", 'c', 1]".to_string()),
        Just("{a: 1, \"b\": x, c: [d, {e: f}]}".to_string()),
        Just("|\n  line one\n\n  line two\n".to_string()),
        Just("|-\n  x\n    y\n".to_string()),
        Just("|+\n  x\n\n".to_string()),
        Just(">\n  folded\n  text\n\n  para\n".to_string()),
        Just(">-\n  a\n  b\n".to_string()),
        Just("".to_string()),
        Just("  # comment".to_string()),
        "[a-z][a-z0-9 ._/-]{0,12}",
    ]
}

/// A block node at `indent` spaces, written after a key or dash (starting with the text that
/// follows `key:`/`-`).
fn node(depth: u32) -> BoxedStrategy<Node> {
    let leaf = scalar().prop_map(Node::Scalar).boxed();
    if depth == 0 {
        return leaf;
    }
    let inner = node(depth - 1);
    prop_oneof![
        2 => leaf,
        1 => prop::collection::vec(("[a-z\"'][a-z ]{0,6}", inner.clone()), 1..4).prop_map(Node::Map),
        1 => prop::collection::vec(inner, 1..4).prop_map(Node::Seq),
    ]
    .boxed()
}

#[derive(Clone, Debug)]
enum Node {
    Scalar(String),
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
}

/// Re-indent a (possibly multi-line, block scalar) scalar so its continuation lines sit under
/// `indent`.
fn indent_scalar(s: &str, indent: usize) -> String {
    let mut lines = s.split('\n');
    let mut out = lines.next().unwrap_or("").to_string();
    for l in lines {
        out.push('\n');
        if !l.is_empty() {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(l);
    }
    out.trim_end_matches('\n').to_string() + "\n"
}

fn fix_key(k: &str) -> String {
    match k.chars().next() {
        Some('"') => format!("\"{}\"", k.trim_matches('"').replace('\'', "")),
        Some('\'') => format!("'{}'", k.trim_matches('\'').replace('"', "")),
        _ => k.trim_end().to_string(),
    }
}

/// Write `n` at `indent`. `compact`: the first line continues a `- ` already written.
fn write(n: &Node, indent: usize, compact: bool, indentless: bool, out: &mut String) {
    match n {
        Node::Scalar(s) => {
            out.push_str(&indent_scalar(s, indent + 2));
        }
        Node::Map(entries) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 || !compact {
                    out.push_str(&" ".repeat(indent));
                }
                out.push_str(&fix_key(k));
                out.push(':');
                match v {
                    Node::Scalar(s) if s.is_empty() => out.push('\n'),
                    Node::Scalar(s) => {
                        out.push(' ');
                        out.push_str(&indent_scalar(s, indent + 2));
                    }
                    Node::Map(_) => {
                        out.push('\n');
                        write(v, indent + 2, false, false, out);
                    }
                    Node::Seq(_) => {
                        out.push('\n');
                        // Alternate between indented and indentless sequences.
                        let il = indentless || k.len() % 2 == 0;
                        write(v, if il { indent } else { indent + 2 }, false, il, out);
                    }
                }
            }
        }
        Node::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 || !compact {
                    out.push_str(&" ".repeat(indent));
                }
                out.push('-');
                match item {
                    Node::Scalar(s) if s.is_empty() => out.push('\n'),
                    _ => {
                        out.push(' ');
                        write(item, indent + 2, true, false, out);
                    }
                }
            }
        }
    }
}

fn document() -> impl Strategy<Value = String> {
    (
        node(4),
        prop::bool::ANY,
        prop::bool::ANY,
        prop::sample::select(vec!["", "\n", "# Source: x\n", " # c\n"]),
    )
        .prop_map(|(n, marker, end, lead)| {
            let n = match n {
                Node::Scalar(s) => Node::Map(vec![("k".to_string(), Node::Scalar(s))]),
                other => other,
            };
            let mut out = lead.to_string();
            if marker {
                out.push_str("---\n");
            }
            write(&n, 0, false, false, &mut out);
            if end {
                out.push_str("...\n");
            }
            out
        })
}

/// A document with one YAML-significant change: a character inserted or deleted, or a line's
/// indentation changed.
fn mutated() -> impl Strategy<Value = String> {
    (
        document(),
        any::<prop::sample::Index>(),
        prop::sample::select(vec![
            ':', '-', '#', '\'', '"', '|', '>', '[', ']', '{', '}', ',', '&', '*', '!', '?', ' ',
            '\n', '\t', '%', '@', '`', '\\',
        ]),
        0..4u8,
    )
        .prop_map(|(doc, at, c, op)| {
            let boundaries: Vec<usize> = (0..=doc.len())
                .filter(|i| doc.is_char_boundary(*i))
                .collect();
            let i = boundaries[at.index(boundaries.len())];
            let mut d = doc.clone();
            match op {
                0 => d.insert(i, c),
                1 => {
                    if i < d.len() {
                        d.remove(i);
                    }
                }
                2 => {
                    // Indent the line holding `i` by one more space.
                    let ls = d[..i].rfind('\n').map_or(0, |p| p + 1);
                    d.insert(ls, ' ');
                }
                _ => {
                    // Remove one space of the line's indentation.
                    let ls = d[..i].rfind('\n').map_or(0, |p| p + 1);
                    if d[ls..].starts_with(' ') {
                        d.remove(ls);
                    }
                }
            }
            d
        })
}

proptest! {
    #![proptest_config(proptest_cases(256))]

    #[test]
    fn generated_documents_agree(doc in document()) {
        check(&doc, Limits::default(), "generated");
    }

    #[test]
    fn mutated_documents_agree(doc in mutated()) {
        check(&doc, Limits::default(), "mutated");
    }
}

/// The generator writes documents the fast path accepts (else the properties test nothing).
#[test]
fn generated_documents_are_mostly_accepted() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = document();
    let (mut total, mut accepted) = (0, 0);
    for _ in 0..300 {
        let doc = strategy.new_tree(&mut runner).unwrap().current();
        total += 1;
        accepted += usize::from(check(&doc, Limits::default(), "generated"));
    }
    println!("generated: fast path accepted {accepted}/{total}");
    assert!(
        accepted * 10 >= total * 8,
        "accepted only {accepted}/{total}"
    );
    // Mutants: many are still valid documents the fast path reads, so the property compares
    // trees there too, not only declines.
    let strategy = mutated();
    let mut mutants_accepted = 0;
    for _ in 0..300 {
        let doc = strategy.new_tree(&mut runner).unwrap().current();
        mutants_accepted += usize::from(check(&doc, Limits::default(), "mutated"));
    }
    println!("mutated: fast path accepted {mutants_accepted}/300");
    assert!(
        mutants_accepted >= 60,
        "accepted only {mutants_accepted}/300 mutants"
    );
}

/// The documents of a stream, each from right after its `---` marker (a column-0 `---` followed
/// by a space, a tab or a line break), as the stream splitter of stowage-core cuts them; the
/// splitter's own edge cases (directives, `...`) are its tests' business, not this reader's.
fn documents(text: &str) -> Vec<&str> {
    let mut cuts = vec![(0, 0)];
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let is_marker = line.starts_with("---")
            && matches!(
                line.as_bytes().get(3),
                None | Some(b' ' | b'\t' | b'\r' | b'\n')
            );
        if is_marker {
            cuts.push((line_start, line_start + 3));
        }
        line_start += line.len();
    }
    cuts.push((text.len(), text.len()));
    cuts.windows(2).map(|w| &text[w[0].1..w[1].0]).collect()
}

/// 256 cases by default, `PROPTEST_CASES=N` for a longer run on demand.
fn proptest_cases(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}
