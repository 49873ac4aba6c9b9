//! `stowage diff` and `post-render --previous` (README, "Flag volume changes").
//!
//! Each directory of `testdata/diff/` is one case: `old.yaml` (the previous render), `new.yaml`, and
//! the expected reports `expected.human`, `expected.json`, `expected.md`. The fixtures were made by
//! `testdata/diff/make.sh` (two `stowage post-render` runs with two configs; `plain-manifests` and
//! `claim-template` are hand-written). Expected files are written only by the reviewed command
//! `STOWAGE_BLESS=1 cargo test --test diff` (then read the `git diff` of testdata/).

use std::path::PathBuf;
mod common;
use common::check_file;

fn stowage(args: &[&str], stdin: &[u8]) -> (Vec<u8>, String, i32) {
    let run = common::stowage(args, stdin);
    (run.stdout, run.stderr, run.code)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/diff")
}

/// The highest severity each case must report (None: no change), independent of the goldens.
const EXPECTED: &[(&str, Option<&str>)] = &[
    ("bucket-changed", Some("danger")),
    ("claim-template", Some("info")),
    ("data-volume-removed", Some("warning")),
    ("hook-beside-template", Some("info")),
    ("hostpath-changed", Some("danger")),
    ("injection-lost", Some("warning")),
    ("nothing-changed", None),
    ("outputs-claim-changed", Some("danger")),
    ("outputs-path-changed", Some("danger")),
    ("outputs-per-run", Some("info")),
    ("plain-manifests", Some("danger")),
    ("readonly-flipped", Some("warning")),
    ("s3-bucket-changed", Some("danger")),
    ("volume-added", Some("info")),
    ("workload-removed", Some("warning")),
    ("workload-renamed", Some("info")),
];

const LEVELS: [&str; 3] = ["info", "warning", "danger"];

fn rank(level: &str) -> usize {
    LEVELS.iter().position(|l| *l == level).unwrap()
}

fn case(name: &str) -> (String, String) {
    let dir = root().join(name);
    (
        dir.join("old.yaml").display().to_string(),
        dir.join("new.yaml").display().to_string(),
    )
}

#[test]
fn diff_cases_in_three_formats() {
    let mut dirs: Vec<String> = std::fs::read_dir(root())
        .expect("testdata/diff")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("old.yaml").exists())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|(n, _)| *n).collect();
    assert_eq!(dirs, listed, "every case needs its expected severity here");
    let mut failures = Vec::new();
    for (name, highest) in EXPECTED {
        let dir = root().join(name);
        let (old, new) = case(name);
        for (format, file) in [
            ("human", "expected.human"),
            ("json", "expected.json"),
            ("markdown", "expected.md"),
        ] {
            let (stdout, stderr, code) =
                stowage(&["diff", "--previous", &old, &new, "--output", format], b"");
            if code != 0 || !stderr.is_empty() {
                failures.push(format!("{name} {format}: exit {code}, stderr {stderr}"));
            }
            if stdout.contains(&0x1b) {
                failures.push(format!("{name} {format}: colour codes on a pipe"));
            }
            check_file(&dir.join(file), &stdout, &mut failures);
        }
        // NEW defaults to stdin.
        let (by_arg, _, _) = stowage(&["diff", "--previous", &old, &new], b"");
        let (by_stdin, _, code) =
            stowage(&["diff", "--previous", &old], &std::fs::read(&new).unwrap());
        if by_arg != by_stdin || code != 0 {
            failures.push(format!("{name}: NEW on stdin reports differently"));
        }
        // The severities, from the JSON report.
        let (stdout, _, _) = stowage(&["diff", "--previous", &old, &new, "-o", "json"], b"");
        let report: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
        let found = LEVELS
            .iter()
            .rev()
            .find(|l| report["summary"][**l].as_u64().unwrap() > 0)
            .copied();
        if found != *highest {
            failures.push(format!(
                "{name}: highest severity {found:?}, expected {highest:?}"
            ));
        }
        // --fail-on: 3 when a change at or above the level exists, else 0; stdout the same.
        for level in LEVELS {
            let (out, _, code) =
                stowage(&["diff", "--previous", &old, &new, "--fail-on", level], b"");
            let trips = highest.is_some_and(|h| rank(h) >= rank(level));
            let want = if trips { 3 } else { 0 };
            if code != want || out != by_arg {
                failures.push(format!(
                    "{name}: --fail-on {level} exited {code}, expected {want}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn json_has_the_documented_shape() {
    let (old, new) = case("plain-manifests");
    let (stdout, _, _) = stowage(&["diff", "--previous", &old, &new, "-o", "json"], b"");
    let report: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&report), ["changes", "summary"]);
    assert_eq!(keys(&report["summary"]), ["danger", "warning", "info"]);
    let changes = report["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    let mut counts = std::collections::BTreeMap::new();
    for c in changes {
        let mut k = keys(c);
        k.retain(|k| k != "container");
        assert_eq!(
            k,
            [
                "severity",
                "kind",
                "namespace",
                "name",
                "field",
                "before",
                "after",
                "message"
            ],
            "{c}"
        );
        *counts
            .entry(c["severity"].as_str().unwrap().to_string())
            .or_insert(0u64) += 1;
    }
    for level in LEVELS {
        assert_eq!(
            report["summary"][level].as_u64().unwrap(),
            counts.get(level).copied().unwrap_or(0)
        );
    }
    let (stdout, _, _) = stowage(&["diff", "--previous", &old, &old, "-o", "json"], b"");
    assert_eq!(
        String::from_utf8(stdout).unwrap(),
        "{\n  \"changes\": [],\n  \"summary\": {\n    \"danger\": 0,\n    \"warning\": 0,\n    \"info\": 0\n  }\n}\n"
    );
}

#[test]
fn invalid_input_is_exit_1_with_nothing_on_stdout() {
    let (old, _) = case("plain-manifests");
    let bad =
        b"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec: [unclosed\n";
    let (stdout, stderr, code) = stowage(&["diff", "--previous", &old], bad);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("error: stdin, document 1"), "{stderr}");
    assert!(stderr.contains("invalid YAML"), "{stderr}");

    let (stdout, stderr, code) = stowage(&["diff", "--previous", "/nonexistent/old.yaml"], b"");
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("cannot read /nonexistent/old.yaml"),
        "{stderr}"
    );

    let (_, _, code) = stowage(&["diff"], b"");
    assert_eq!(code, 2, "--previous is required");
    let (_, _, code) = stowage(&["diff", "--previous", &old, "--fail-on", "severe"], b"");
    assert_eq!(code, 2);
    let (_, _, code) = stowage(&["post-render", "--fail-on", "danger"], b"");
    assert_eq!(code, 2, "--fail-on needs --previous");
}

fn post_render_args<'a>(
    values: &'a str,
    previous: &'a str,
    fail_on: Option<&'a str>,
) -> Vec<&'a str> {
    let mut args = vec!["post-render", "--values", values, "--previous", previous];
    if let Some(level) = fail_on {
        args.extend(["--fail-on", level]);
    }
    args
}

/// new.yaml without its first line (the comment saying how it was made) is the post-render output.
fn rendered(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(root().join(name).join("new.yaml")).unwrap();
    text.split_once('\n').unwrap().1.as_bytes().to_vec()
}

#[test]
fn post_render_previous_fails_the_render_on_danger() {
    let base = std::fs::read(root().join("base.yaml")).unwrap();
    let (old, _) = case("outputs-claim-changed");
    let values = root().join("outputs-claim-changed/values.yaml");
    let values = values.display().to_string();
    let (stdout, stderr, code) = stowage(&post_render_args(&values, &old, Some("danger")), &base);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty(), "nothing written when --fail-on trips");
    assert!(
        stderr.contains("danger  volumeMounts[/outputs/2] [trainer, sidecar]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: volume changes at or above --fail-on danger"),
        "{stderr}"
    );

    // Without --fail-on the report is only a report.
    let (stdout, stderr, code) = stowage(&post_render_args(&values, &old, None), &base);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, rendered("outputs-claim-changed"));
    assert!(stderr.contains("2 volume changes: 2 danger"), "{stderr}");
}

#[test]
fn post_render_previous_passes_below_the_level() {
    let base = std::fs::read(root().join("base.yaml")).unwrap();
    let (old, _) = case("volume-added");
    let values = root()
        .join("volume-added/values.yaml")
        .display()
        .to_string();
    let (stdout, stderr, code) = stowage(&post_render_args(&values, &old, Some("danger")), &base);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, rendered("volume-added"));
    assert!(stderr.contains("0 danger, 0 warning, 2 info"), "{stderr}");
    let (stdout, _, code) = stowage(&post_render_args(&values, &old, Some("info")), &base);
    assert_eq!(code, 3);
    assert!(stdout.is_empty());

    // The same config as the previous render: nothing to say.
    let values = root().join("values.yaml").display().to_string();
    let (stdout, stderr, code) = stowage(&post_render_args(&values, &old, Some("info")), &base);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.is_empty());
    assert!(
        stderr.contains("no volume changes (3 workloads compared)"),
        "{stderr}"
    );

    // An invalid previous render fails before anything is written.
    let (stdout, stderr, code) = stowage(
        &post_render_args(&values, "/nonexistent/old.yaml", None),
        &base,
    );
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("cannot read /nonexistent/old.yaml"),
        "{stderr}"
    );
}
