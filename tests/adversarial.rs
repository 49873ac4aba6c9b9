//! Adversarial inputs: each case runs the real binary with a bounded wall time and asserts
//! either a correct result (exit 0, untouched documents byte-identical) or exit 1 with a precise
//! message on stderr and zero bytes on stdout (docs/reliability.md).

const VALUES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/adversarial/values.yaml"
);
const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n";
const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  value: \"yes\"\n  mode: 0644\n";

mod common;
use common::{Run, fails, succeeds};

/// Run `stowage post-render --values VALUES EXTRA...` on `input`; kill it and fail after 10 s.
fn run_with(extra: &[&str], input: &[u8]) -> Run {
    let mut args = vec!["post-render", "--values", VALUES];
    args.extend_from_slice(extra);
    common::stowage(&args, input)
}

fn run(input: &[u8]) -> Run {
    run_with(&[], input)
}

/// The input's bytes appear in the output in order: the output only inserted.
fn only_inserts(input: &[u8], output: &[u8]) -> bool {
    let mut out = output.iter();
    input.iter().all(|c| out.any(|o| o == c))
}

/// Every (JSON) document the independent judge reads from `text`.
fn judge(text: &str) -> Vec<serde_json::Value> {
    serde_saphyr::from_multiple::<serde_json::Value>(text).expect("the judge reads the output")
}

#[track_caller]
fn injected_pod(v: &serde_json::Value) {
    let spec = &v["spec"];
    let names: Vec<&str> = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"data1") && names.contains(&"outputs1"),
        "{v}"
    );
    for c in spec["containers"].as_array().unwrap() {
        let mounts: Vec<&str> = c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert!(
            mounts.contains(&"data1") && mounts.contains(&"outputs1"),
            "{v}"
        );
        assert!(
            c["env"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["name"] == "POLYAXON_RUN_OUTPUTS_PATH"),
            "{v}"
        );
    }
}

fn laughs(anchor_at: &str) -> String {
    let mut s = String::from(anchor_at);
    s.push_str("&a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let mut prev = 'a';
    for c in "bcdefghi".chars() {
        let refs = vec![format!("*{prev}"); 9].join(",");
        s.push_str(&format!("    x{c}: &{c} [{refs}]\n"));
        prev = c;
    }
    s
}

#[test]
fn alias_bomb_in_metadata_is_not_expanded() {
    // Anchors in labels are never expanded: the document is edited textually, not re-emitted.
    let mut input = String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n");
    input.push_str(&laughs("    a: "));
    input.push_str("spec:\n  containers:\n  - name: a\n    image: x\n");
    let r = run(input.as_bytes());
    let out = succeeds(&r);
    assert!(only_inserts(input.as_bytes(), out.as_bytes()));
}

#[test]
fn alias_bomb_in_pod_spec_is_refused() {
    // A merge key forces a re-emit, which must not expand 9^9 nodes.
    let mut input = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n",
    );
    input.push_str(&laughs("    args: "));
    input.push_str("  <<: {hostname: h}\n");
    let r = run(input.as_bytes());
    fails(&r, &["document 1", "alias"]);
}

#[test]
fn deep_flow_nesting_is_refused() {
    let input = POD.replace("image: x", &format!("image: {}", "[".repeat(100_000)));
    fails(
        &run(input.as_bytes()),
        &["document 1", "line 8", "recursion limit"],
    );
}

#[test]
fn deep_block_nesting_is_refused() {
    let mut input = String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n");
    for i in 0..5000 {
        input.push_str(&format!("{}k{i}:\n", " ".repeat(4 + 2 * i)));
    }
    input.push_str(&format!("{}v\n", " ".repeat(4 + 2 * 5000)));
    input.push_str("spec:\n  containers:\n  - name: a\n    image: x\n");
    fails(&run(input.as_bytes()), &["document 1", "recursion limit"]);
}

fn big_stream() -> String {
    let mut s = String::with_capacity(50_001_000);
    s.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: ");
    s.push_str(&"a".repeat(50_000_000));
    s.push_str("\n---\n");
    s.push_str(POD);
    s
}

#[test]
fn fifty_megabyte_scalar() {
    let input = big_stream();
    let r = run(input.as_bytes());
    let out = succeeds(&r);
    let cm_end = input.find("---\n").unwrap() + 4;
    assert_eq!(
        &out[..cm_end],
        &input[..cm_end],
        "the ConfigMap is byte-identical"
    );
    assert!(only_inserts(input.as_bytes(), out.as_bytes()));
}

#[test]
fn long_flow_line_with_non_ascii_text() {
    // 200,000 flow items on one line of a workload whose text is not all ASCII. Columns are
    // counted in characters; the fast YAML reader once counted from the line start for every
    // item (quadratic: 4 s for 300,000 items in a release build). Timing is left to benchmarks;
    // this checks the result.
    let items = vec!["x"; 200_000].join(", ");
    let input = format!("{POD}    args: [{items}]\n    env:\n    - name: NOTE\n      value: é\n");
    let out = succeeds(&run(input.as_bytes()));
    injected_pod(&judge(&out)[0]);
    assert!(only_inserts(input.as_bytes(), out.as_bytes()));
}

#[test]
fn input_over_max_input_bytes() {
    let input = big_stream();
    let r = run_with(&["--max-input-bytes", "1000000"], input.as_bytes());
    fails(&r, &["over the limit of 1000000", "--max-input-bytes"]);
}

/// At a limit of 256 KiB the limit holds to the byte, and a stream past the first reads gives the
/// same output as a small one.
#[test]
fn input_around_the_first_read() {
    const FIRST: usize = 256 << 10;
    let sized = |n: usize| {
        let mut s = format!("{POD}---\n");
        let pad = n - s.len() - 1;
        s.push_str(&"#".repeat(pad));
        s.push('\n');
        assert_eq!(s.len(), n);
        s
    };
    let limit = FIRST.to_string();
    for n in [FIRST - 1, FIRST] {
        let out = succeeds(&run_with(
            &["--max-input-bytes", &limit],
            sized(n).as_bytes(),
        ));
        injected_pod(&judge(&out)[0]);
    }
    let r = run_with(&["--max-input-bytes", &limit], sized(FIRST + 1).as_bytes());
    fails(&r, &[&format!("over the limit of {FIRST}")]);
    // Past the first read, three times the size: the same output with the pad three times over.
    let small = succeeds(&run(sized(FIRST - 1).as_bytes()));
    let large = succeeds(&run(sized(3 * FIRST).as_bytes()));
    assert_eq!(
        large.trim_end_matches(['#', '\n']),
        small.trim_end_matches(['#', '\n'])
    );
    assert_eq!(large.len() - small.len(), 2 * FIRST + 1);
}

/// Helm writes the stream into a pipe as it renders it: reads come back short and at odd sizes.
/// Every byte must arrive, over several reads of stdin.
#[test]
fn stream_trickled_into_a_pipe() {
    use std::io::{Read, Write};
    let mut input = String::new();
    for i in 0..4000 {
        input.push_str(&format!("---\n# Source: chart/templates/cm{i}.yaml\n{CM}"));
        if i % 200 == 0 {
            input.push_str(&format!(
                "---\n{}",
                POD.replace("name: p", &format!("name: p{i}"))
            ));
        }
    }
    assert!(input.len() > 3 * (256 << 10) / 2);
    let whole = succeeds(&run(input.as_bytes()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stowage"))
        .args(["post-render", "--values", VALUES])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = input.into_bytes();
    let writer = std::thread::spawn(move || {
        for (n, chunk) in bytes.chunks(4099).enumerate() {
            stdin.write_all(chunk).unwrap();
            stdin.flush().unwrap();
            if n % 16 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
    });
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert!(out == whole, "a trickled stream came out different");
}

#[test]
fn document_flood() {
    let mut input = "---\n".repeat(200_000);
    input.push_str(POD);
    fails(
        &run(input.as_bytes()),
        &["200000 documents", "over the limit", "--max-documents"],
    );
    let r = run_with(&["--max-documents", "300000"], input.as_bytes());
    let out = succeeds(&r);
    assert!(only_inserts(input.as_bytes(), out.as_bytes()));
}

#[test]
fn duplicate_keys_in_workload() {
    let input = format!("{POD}  containers:\n  - name: b\n    image: y\n");
    fails(
        &run(input.as_bytes()),
        &[
            "document 1",
            "line 9",
            "Pod/p",
            "duplicate key `containers`",
        ],
    );
}

#[test]
fn custom_tag_in_workload() {
    let input = POD.replace("image: x", "image: !Ref x");
    fails(
        &run(input.as_bytes()),
        &["document 1", "line 8", "custom tag `!Ref`"],
    );
}

#[test]
fn merge_key_at_pod_spec_is_reemitted() {
    let input = format!(
        "{CM}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  <<: {{restartPolicy: Never, hostname: h}}\n  containers:\n  - name: a\n    image: x\n"
    );
    let r = run(input.as_bytes());
    let out = succeeds(&r);
    assert!(
        r.stderr.contains("note:") && r.stderr.contains("re-emitted"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("document 2"), "{}", r.stderr);
    assert!(
        out.starts_with(&format!("{CM}---\n")),
        "the ConfigMap is byte-identical:\n{out}"
    );
    let docs = judge(&out);
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs[1]["spec"]["restartPolicy"], "Never",
        "merged keys kept: {}",
        docs[1]
    );
    assert_eq!(docs[1]["spec"]["hostname"], "h");
    injected_pod(&docs[1]);
}

#[test]
fn byte_order_mark() {
    let input = format!("\u{feff}{POD}");
    let out = succeeds(&run(input.as_bytes()));
    assert!(only_inserts(input.as_bytes(), out.as_bytes()));
    injected_pod(&judge(out.trim_start_matches('\u{feff}'))[0]);
}

#[test]
fn crlf_line_endings() {
    let input = format!("{CM}---\n{POD}").replace('\n', "\r\n");
    let out = succeeds(&run(input.as_bytes()));
    assert!(only_inserts(input.as_bytes(), out.as_bytes()));
    let cm = CM.replace('\n', "\r\n");
    assert!(out.starts_with(&cm));
    assert!(
        !out.replace("\r\n", "").contains('\n'),
        "inserted lines use CRLF too"
    );
    injected_pod(&judge(&out)[1]);
}

#[test]
fn mixed_line_endings() {
    let input = POD.replacen('\n', "\r\n", 3);
    let out = succeeds(&run(input.as_bytes()));
    assert!(only_inserts(input.as_bytes(), out.as_bytes()));
    injected_pod(&judge(&out)[0]);
}

#[test]
fn invalid_utf8() {
    let mut input = POD.as_bytes().to_vec();
    input.extend_from_slice(b"  x: \xff\xfe\n");
    fails(&run(&input), &["document 1", "line 9", "not valid UTF-8"]);
}

#[test]
fn nul_byte() {
    let input = POD.replace("image: x", "image: x\0y");
    fails(&run(input.as_bytes()), &["document 1", "line 8", "NUL"]);
}

#[test]
fn truncated_document() {
    let input = format!(
        "{CM}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: {{x: [1,"
    );
    fails(&run(input.as_bytes()), &["document 2", "invalid YAML"]);
}

/// A stream with no objects (a release with every component switched off) passes through
/// unchanged, with a note: Helm 3 deploys it, and refusing it would block the upgrade.
fn passes_with_a_note(input: &[u8]) {
    let r = run(input);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, input);
    assert!(
        r.stderr.contains("note:") && r.stderr.contains("no Kubernetes objects"),
        "{}",
        r.stderr
    );
}

#[test]
fn empty_input() {
    passes_with_a_note(b"");
}

#[test]
fn comment_only_input() {
    passes_with_a_note(b"# just a comment\n---\n# another\n");
}

#[test]
fn document_marker_inside_block_scalar() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  f: |\n    a\n    ---\n    b\n---\n";
    let input = format!("{cm}{POD}");
    let out = succeeds(&run(input.as_bytes()));
    assert!(out.starts_with(cm));
    let docs = judge(&out);
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["data"]["f"], "a\n---\nb\n");
    injected_pod(&docs[1]);
}

#[test]
fn content_on_the_document_marker_line() {
    let input = "--- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x}]}}\n";
    let out = succeeds(&run(input.as_bytes()));
    let docs = judge(&out);
    assert_eq!(docs.len(), 1);
    injected_pod(&docs[0]);
    assert_eq!(docs[0]["spec"]["containers"][0]["image"], "x");
}

#[test]
fn document_end_marker_then_document() {
    for sep in ["...\n", "...\n---\n"] {
        let input = format!("{CM}{sep}{POD}");
        let out = succeeds(&run(input.as_bytes()));
        assert!(out.starts_with(&format!("{CM}{sep}")), "{out}");
        let docs = judge(&out);
        assert_eq!(docs.len(), 2, "{out}");
        injected_pod(&docs[1]);
    }
}

#[test]
fn yaml_directive_before_workload() {
    let input = format!("%YAML 1.1\n---\n{POD}");
    let out = succeeds(&run(input.as_bytes()));
    assert!(out.starts_with("%YAML 1.1\n---\n"));
    assert!(only_inserts(input.as_bytes(), out.as_bytes()));
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n";

#[test]
fn workload_without_spec() {
    fails(
        &run(DEPLOY.as_bytes()),
        &["document 1", "Deployment/d", "`spec` is missing"],
    );
}

#[test]
fn workload_spec_is_a_string() {
    let input = format!("{DEPLOY}spec: hello\n");
    fails(
        &run(input.as_bytes()),
        &["document 1", "Deployment/d", "`spec` is not a mapping"],
    );
}

#[test]
fn pod_spec_is_a_list() {
    let input = format!("{DEPLOY}spec:\n  template:\n    spec:\n    - a\n");
    fails(
        &run(input.as_bytes()),
        &[
            "document 1",
            "Deployment/d",
            "`spec.template.spec` is not a mapping",
            "line 8",
        ],
    );
}

#[test]
fn containers_not_a_list() {
    let input = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: {name: a}\n";
    fails(
        &run(input.as_bytes()),
        &[
            "document 1",
            "line 6",
            "Pod/p",
            "`spec.containers` is not a list",
        ],
    );
}

#[test]
fn container_is_a_string() {
    let input = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - a\n";
    fails(
        &run(input.as_bytes()),
        &[
            "document 1",
            "line 7",
            "`spec.containers[0]` is not a mapping",
        ],
    );
}

#[test]
fn unquoted_boolean_annotation() {
    let input = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    stowage.dev/inject: false\nspec:\n  containers:\n  - name: a\n    image: x\n";
    fails(
        &run(input.as_bytes()),
        &[
            "document 1",
            "Pod/p",
            "`stowage.dev/inject`",
            "must be a string",
        ],
    );
}

#[test]
fn yaml_1_1_hazards_survive_byte_for_byte() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n    env:\n    - name: A\n      value: \"yes\"\n    - name: B\n      value: \"on\"\n  volumes:\n  - name: c\n    configMap:\n      name: c\n      defaultMode: 0644\n";
    let input = format!("{CM}on: true\n---\n{pod}");
    let r = run(input.as_bytes());
    let out = succeeds(&r);
    assert!(out.starts_with(&format!("{CM}on: true\n---\n")));
    assert!(only_inserts(input.as_bytes(), out.as_bytes()));
    for hazard in ["value: \"yes\"\n", "value: \"on\"\n", "defaultMode: 0644\n"] {
        assert!(out.contains(hazard), "{hazard:?} lost:\n{out}");
    }
    let docs = judge(&out);
    injected_pod(&docs[1]);
    assert_eq!(docs[1]["spec"]["containers"][0]["env"][0]["value"], "yes");
}

/// Process level: on error, stdout (a pipe) receives zero bytes and the exit code is 1.
#[test]
fn error_writes_nothing_to_stdout_pipe() {
    let input = format!(
        "{CM}---\n{POD}---\n{}",
        POD.replace("image: x", "image: !Ref x")
    );
    let r = run(input.as_bytes());
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.len(), 0, "bytes written to stdout on error");
    assert!(r.stderr.contains("document 3"), "{}", r.stderr);
}

/// Found by `scripts/fuzz` (post_render target): a lone `\r` (a classic Mac line break, a line
/// break to YAML) inside an edited workload. The editor inserted after the wrong line, so the
/// output was no longer the input's YAML plus the blocks and a second run could not parse it.
#[test]
fn lone_carriage_return_in_workload() {
    let input = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: windows\r\nspec:\r\n  containers:\r\n  - name: app\r\n    image: example/app:2.0\rO    env:\r\n";
    let out = succeeds(&run(input.as_bytes()));
    let docs = judge(&out);
    assert_eq!(docs.len(), 1, "{out}");
    injected_pod(&docs[0]);
    assert_eq!(docs[0]["spec"]["containers"][0]["image"], "example/app:2.0");
    assert!(
        docs[0]["O    env"].is_null() && docs[0].get("O    env").is_some(),
        "{out}"
    );
    // A second run reads the output and changes nothing.
    assert_eq!(succeeds(&run(out.as_bytes())), out);
}

#[test]
fn workload_cut_off_inside_a_flow_collection() {
    // The last document ends in an open `{` with no line break after it (found by fuzzing the
    // fast YAML path, which read past the end of the text).
    let input = format!("{POD}    resources: {{");
    fails(&run(input.as_bytes()), &["document 1", "invalid YAML"]);
}

#[test]
fn broken_document_without_a_kind() {
    // No `kind` means no Kubernetes object: it is read, so its broken YAML is reported.
    let input = format!("{CM}---\na: [\n");
    fails(&run(input.as_bytes()), &["document 2", "invalid YAML"]);
}

#[test]
fn reemitted_bare_document_starts_at_its_first_byte() {
    // A container behind a merge key is edited by re-emitting the document; one without `---`
    // gets no blank line.
    let input = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - <<: {name: a}\n    image: x\n";
    let r = run(input.as_bytes());
    let out = succeeds(&r);
    assert!(out.starts_with("apiVersion: \"v1\"\n"), "{out}");
}

#[test]
fn an_explicit_null_takes_the_value_in_place() {
    // `env: null` becomes `env:` with the items below it; the rest of the document is untouched.
    let input = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n    env: null   # none yet\n";
    let out = succeeds(&run(input.as_bytes()));
    let (head, tail) = input.split_once("env: null").unwrap();
    assert!(
        out.starts_with(head) && out.contains("env:   # none yet\n    - name: \"POLYAXON_RUN_"),
        "{out}"
    );
    assert!(
        !out.contains("null") && out.contains(tail.trim_end()),
        "{out}"
    );
}

#[test]
fn unreadable_previous_render_fails_the_diff() {
    // Otherwise a broken previous file looks like one without workloads and passes --fail-on.
    let dir = std::env::temp_dir().join(format!("stowage-adv-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (old, new) = (dir.join("old.yaml"), dir.join("new.yaml"));
    std::fs::write(&old, "a: [\n").unwrap();
    std::fs::write(&new, POD).unwrap();
    let args = [
        "diff",
        "--previous",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--fail-on",
        "danger",
    ];
    let r = common::stowage(&args, b"");
    fails(&r, &["invalid YAML", "old.yaml"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An alias inside its own anchor (`spec: &s {x: *s}`): YAML forbids it and Helm, kpt and
/// kubectl refuse it, but a stream on stdin may hold it. Walking it must not go round for ever.
#[test]
fn anchor_containing_its_own_alias() {
    let input = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: &s\n  containers: [{name: c, image: x}]\n  x: *s\n";
    fails(&run(input.as_bytes()), &["document 1", "Pod/p"]);
}
