//! Stream shapes: markers, directives, line breaks, byte-order marks, invalid input.

use super::*;

// ---- basic shapes ----------------------------------------------------------------------

#[test]
fn empty_input_is_one_empty_document() {
    let docs = check(b"");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].range, 0..0);
    assert_eq!(docs[0].class, Class::Empty);
    assert!(docs[0].certain);
    assert_eq!(split(b"").unwrap(), docs);
}

#[test]
fn only_markers_are_empty_documents() {
    for (input, n) in [
        ("---", 1),
        ("---\n", 1),
        ("--- \n", 1),
        ("---\n---\n", 2),
        ("---\n...\n", 1),
        ("...\n", 1),
    ] {
        let docs = check(input.as_bytes());
        assert_eq!(docs.len(), n, "{input:?}");
        assert!(
            docs.iter().all(|d| d.class == Class::Empty && d.certain),
            "{input:?}"
        );
    }
}

#[test]
fn comment_only_input_and_documents() {
    let docs = check(b"# just a comment\n\n  # indented\n");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].class, Class::Empty);
    let input = "---\n# Source: c/templates/empty.yaml\n---\n# Source: c/templates/cm.yaml\nkind: ConfigMap\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].class, Class::Empty);
    assert_eq!(docs[0].source.as_deref(), Some("c/templates/empty.yaml"));
    assert_eq!(docs[1].class, Class::Object);
    assert_eq!(docs[1].kind.as_deref(), Some("ConfigMap"));
}

#[test]
fn helm3_stream() {
    let input = "---\n# Source: mychart/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n---\n# Source: mychart/charts/sub/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers: []\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs.len(), 2);
    assert_eq!(
        s(input, &docs[0].range),
        "---\n# Source: mychart/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n"
    );
    assert_eq!(
        s(input, &docs[0].body),
        "\n# Source: mychart/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n"
    );
    assert_eq!(s(input, &docs[0].head()), "---");
    assert_eq!(
        (docs[0].start_line, docs[0].body_line, docs[0].body_column),
        (1, 1, 3)
    );
    assert_eq!((docs[1].start_line, docs[1].body_line), (7, 7));
    assert_eq!(docs[0].source.as_deref(), Some("mychart/templates/sa.yaml"));
    assert_eq!(
        docs[1].source.as_deref(),
        Some("mychart/charts/sub/templates/deploy.yaml")
    );
    assert_eq!(kinds(&docs), [Some("ServiceAccount"), Some("Deployment")]);
    assert_eq!(docs[1].api_version.as_deref(), Some("apps/v1"));
    assert!(
        docs.iter()
            .all(|d| d.certain && d.class == Class::Object && !d.crlf && !d.has_end_marker())
    );
    // A parser position on the body maps back to the stream.
    assert_eq!(docs[1].stream_position(3, 7), (9, 7));
    assert_eq!(docs[1].stream_position(1, 1), (7, 4));
}

#[test]
fn helm4_kyaml_stream() {
    // No `# Source:`, `---` only between documents, filename annotation.
    let input = "apiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: c/templates/svc.yaml\n  name: s\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: c/templates/d.yaml\n";
    let docs = check(input.as_bytes());
    assert_eq!(kinds(&docs), [Some("Service"), Some("Deployment")]);
    assert_eq!(docs[0].body, 0..docs[0].range.end);
    assert!(docs.iter().all(|d| d.source.is_none() && d.certain));
}

#[test]
fn bare_first_document_and_no_trailing_newline() {
    let input = "apiVersion: v1\nkind: Pod\n---\nkind: Service";
    let docs = check(input.as_bytes());
    assert_eq!(kinds(&docs), [Some("Pod"), Some("Service")]);
    assert_eq!(docs[0].body, 0..input.find("---").unwrap());
    assert_eq!(docs[0].body_column, 0);
    assert_eq!(s(input, &docs[1].body), "\nkind: Service");
    assert_eq!(docs[1].start_line, 3);
}

#[test]
fn leading_comment_block_before_first_marker() {
    let input =
        "# Copyright 2024\n# Licensed under Apache-2.0\n\n---\napiVersion: v1\nkind: Namespace\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].class, Class::Empty);
    assert_eq!(
        s(input, &docs[0].range),
        "# Copyright 2024\n# Licensed under Apache-2.0\n\n"
    );
    assert_eq!(docs[1].kind.as_deref(), Some("Namespace"));
    assert_eq!(docs[1].start_line, 4);
    // A leading comment block inside a document is kept in `body`; `# Source:` is read from it
    // only before the first content line.
    let input = "---\n# a comment\n# Source: c/t.yaml\nkind: A\n# Source: not/this.yaml\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs[0].source.as_deref(), Some("c/t.yaml"));
}

// ---- what a parser's document leaves out: the marker line, `...`, directives --------------

#[test]
fn content_on_the_marker_line() {
    let input = "--- {kind: Pod, apiVersion: v1}\n--- # a comment\nkind: Service\n--- !tag\nkind: Deployment\n--- |\n  text\n  --- indented\n--- &a\nkind: Job\n--- >-\n  folded\n---\tkind\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs.len(), 7);
    assert_eq!(s(input, &docs[0].body), " {kind: Pod, apiVersion: v1}\n");
    assert_eq!(
        (docs[0].class, docs[0].kind.as_deref(), docs[0].certain),
        (Class::Object, None, false)
    );
    // A comment on the marker line is not content.
    assert_eq!(
        (docs[1].kind.as_deref(), docs[1].certain),
        (Some("Service"), true)
    );
    // Properties on the marker line: kind still read, but uncertain.
    assert_eq!(
        (docs[2].kind.as_deref(), docs[2].certain),
        (Some("Deployment"), false)
    );
    assert_eq!(s(input, &docs[3].body), " |\n  text\n  --- indented\n");
    assert_eq!(
        (docs[3].class, docs[3].kind.as_deref(), docs[3].certain),
        (Class::Object, None, false)
    );
    assert_eq!(
        (docs[4].kind.as_deref(), docs[4].certain),
        (Some("Job"), false)
    );
    assert_eq!((docs[5].kind.as_deref(), docs[5].certain), (None, false));
    assert_eq!(
        (docs[6].class, docs[6].kind.as_deref(), docs[6].certain),
        (Class::Object, None, false)
    );
}

#[test]
fn document_end_then_bare_document() {
    let input = "---\nkind: Deployment\n...\nkind: Service\n... # end\n\n# trailing\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs.len(), 3);
    assert_eq!(s(input, &docs[0].range), "---\nkind: Deployment\n...\n");
    assert_eq!(s(input, &docs[0].body), "\nkind: Deployment\n");
    assert_eq!(s(input, &docs[0].tail()), "...\n");
    assert!(docs[0].has_end_marker());
    assert_eq!(s(input, &docs[1].range), "kind: Service\n... # end\n");
    assert_eq!(s(input, &docs[1].body), "kind: Service\n");
    assert_eq!(
        (docs[1].start_line, docs[1].body_line, docs[1].body_column),
        (4, 4, 0)
    );
    assert_eq!(kinds(&docs), [Some("Deployment"), Some("Service"), None]);
    assert_eq!(docs[2].class, Class::Empty);
    // `...` directly followed by `---` (istio kiali.yaml): no chunk in between.
    let docs = check(b"---\nkind: A\n...\n---\nkind: B\n...\n");
    assert_eq!(kinds(&docs), [Some("A"), Some("B")]);
}

#[test]
fn directives_belong_to_the_next_document() {
    let input = "%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\nkind: A\n...\n# between\n%YAML 1.2\n# a comment\n\n---\nkind: B\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs.len(), 3, "{docs:#?}");
    assert_eq!(
        s(input, &docs[0].range),
        "%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\nkind: A\n...\n"
    );
    assert_eq!(s(input, &docs[0].body), "\nkind: A\n");
    assert_eq!(
        s(input, &docs[0].parse_range()),
        "%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\nkind: A\n"
    );
    assert_eq!(
        (docs[0].start_line, docs[0].body_line, docs[0].parse_line()),
        (1, 3, 1)
    );
    assert!(docs[0].directives && !docs[0].certain);
    assert_eq!(docs[0].kind.as_deref(), Some("A"));
    assert_eq!(s(input, &docs[1].range), "# between\n");
    assert_eq!(docs[1].class, Class::Empty);
    assert_eq!(
        s(input, &docs[2].range),
        "%YAML 1.2\n# a comment\n\n---\nkind: B\n"
    );
    assert_eq!(docs[2].kind.as_deref(), Some("B"));
    // Directives are only allowed at the stream start or after `...`. Elsewhere a `%` line
    // is content (of a root block scalar, as serde-saphyr reads it) or an error ("missing
    // explicit document end marker before directive"): it stays in its chunk, uncertain.
    let docs = check(b"kind: A\n%YAML 1.2\n---\nkind: B\n");
    assert_eq!(kinds(&docs), [Some("A"), Some("B")]);
    assert!(!docs[0].certain && !docs[1].directives && docs[1].certain);
    let input = "--- |\n%YAML 1.2\n---\nkind: B\n";
    let docs = check(input.as_bytes());
    assert_eq!(s(input, &docs[0].body), " |\n%YAML 1.2\n");
    assert!(!docs[1].directives);
    // A `%` line not followed by `---` is content, and makes the scan uncertain.
    let docs = check(b"kind: A\n%weird\nfoo: bar\n");
    assert_eq!(docs.len(), 1);
    assert!(!docs[0].certain);
}

#[test]
fn indented_marker_in_block_scalar_is_content() {
    let input = "apiVersion: v1\nkind: ConfigMap\ndata:\n  manifests.yaml: |\n    ---\n    apiVersion: v1\n    kind: Pod\n    ...\n    ---\n    kind: Deployment\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (docs[0].kind.as_deref(), docs[0].certain),
        (Some("ConfigMap"), true)
    );
    // A column-0 `---` always starts a document, even in a root-level block scalar.
    let docs = check(b"--- |\n  a\n---\nkind: Pod\n");
    assert_eq!(kinds(&docs), [None, Some("Pod")]);
}

#[test]
fn crlf_and_mixed_line_endings() {
    let input = "---\r\n# Source: c/t.yaml\r\napiVersion: v1\r\nkind: Pod\r\n---\r\nkind: Service\n...\r\nkind: Job\r";
    let docs = check(input.as_bytes());
    assert_eq!(kinds(&docs), [Some("Pod"), Some("Service"), Some("Job")]);
    assert_eq!(docs[0].source.as_deref(), Some("c/t.yaml"));
    assert_eq!(docs[0].api_version.as_deref(), Some("v1"));
    assert!(docs[0].crlf && docs[1].crlf && !docs[2].crlf);
    assert_eq!(s(input, &docs[1].tail()), "...\r\n");
    assert_eq!(docs[2].start_line, 8);
    // A lone `\r` is a line break too (YAML 1.2), so `\r---\r` is a marker.
    let docs = check(b"kind: A\r---\rkind: B\r");
    assert_eq!(kinds(&docs), [Some("A"), Some("B")]);
    assert_eq!(docs[1].start_line, 2);
    assert!(!docs[0].crlf);
}

#[test]
fn byte_order_mark() {
    let input = "\u{feff}apiVersion: v1\nkind: Pod\n";
    let docs = check(input.as_bytes());
    assert_eq!(
        (docs[0].range.clone(), docs[0].body.clone()),
        (0..input.len(), 3..input.len())
    );
    assert!(docs[0].bom && docs[0].certain);
    assert_eq!(docs[0].api_version.as_deref(), Some("v1"));
    assert_eq!(docs[0].kind.as_deref(), Some("Pod"));

    let input = "\u{feff}---\n# Source: c/t.yaml\nkind: Pod\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs.len(), 1);
    assert_eq!(s(input, &docs[0].head()), "\u{feff}---");
    assert_eq!(docs[0].body.start, 6);
    assert_eq!(docs[0].body_column, 3);
    assert_eq!(docs[0].source.as_deref(), Some("c/t.yaml"));
    assert_eq!(docs[0].kind.as_deref(), Some("Pod"));

    // A BOM starting a later document (files concatenated).
    let input = "kind: A\n\u{feff}---\nkind: B\n";
    let docs = check(input.as_bytes());
    assert_eq!(kinds(&docs), [Some("A"), Some("B")]);
    assert!(docs[1].bom);
    // Elsewhere, a BOM is content and makes the scan uncertain.
    let docs = check("kind: A\n\u{feff}kind: B\n".as_bytes());
    assert_eq!(docs.len(), 1);
    assert!(!docs[0].certain);
    // BOM then directives.
    let input = "\u{feff}%YAML 1.2\n---\nkind: A\n";
    let docs = check(input.as_bytes());
    assert_eq!(
        s(input, &docs[0].parse_range()),
        "%YAML 1.2\n---\nkind: A\n"
    );
}

#[test]
fn not_markers() {
    let input = "kind: A\n----\n---x\n--\n ---\n...x\n....\n";
    let docs = check(input.as_bytes());
    assert_eq!(docs.len(), 1);
    assert!(!docs[0].certain); // those column-0 lines are not root keys
    let docs = check(b"kind: A\nb: |\n  x\n---\t# tab after the marker\nkind: B\n");
    assert_eq!(kinds(&docs), [Some("A"), Some("B")]);
}

// ---- errors ------------------------------------------------------------------------------

#[test]
fn invalid_utf8_and_nul_are_reported_with_line() {
    let mut input = b"---\nkind: A\n---\nkind: B\nname: caf\xc3\xa9 \xff\n".to_vec();
    let e = split(&input).unwrap_err();
    assert_eq!(
        (e.line, e.column, e.document, e.offset),
        (5, 12, 2, input.len() - 2)
    );
    assert!(e.message.contains("not valid UTF-8"));
    assert!(
        e.to_string()
            .starts_with("document 2, line 5, column 12: input is not valid UTF-8")
    );
    input[5] = 0;
    let e = split(&input).unwrap_err();
    assert_eq!((e.line, e.column, e.document, e.offset), (2, 2, 1, 5));
    assert!(e.message.contains("NUL"));
    // Truncated sequence at the end.
    let e = split(b"kind: A\n\xe2\x82").unwrap_err();
    assert_eq!((e.line, e.column), (2, 1));
}
