//! Golden tests: each directory of `testdata/golden/` is one case, read like the README:
//!
//! - `input.yaml`: the manifest stream on stdin;
//! - `values.yaml` (optional): passed as `--values`; without it the config is in the stream;
//! - `args` (optional): more arguments, one per line;
//! - `expected.out`, `expected.err`, `expected.code`: stdout, stderr and exit code.
//!
//! Expected files are written only by the reviewed command `STOWAGE_BLESS=1 cargo test --test golden`
//! (then read the `git diff` of testdata/ before committing). Every successful case is also checked
//! for the invariants of docs/design.md ("The lossless invariant"): the output only inserts
//! (deleting the inserted text gives back the input), a second run changes nothing, and an
//! independent YAML parser reads the output.

use std::path::{Path, PathBuf};
mod common;
use common::{check_file, only_inserts};

fn stowage(args: &[String], stdin: &[u8]) -> (Vec<u8>, String, i32) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = common::stowage(&args, stdin);
    (run.stdout, run.stderr, run.code)
}

fn case_args(dir: &Path) -> Vec<String> {
    let mut args = vec!["post-render".to_string()];
    if dir.join("values.yaml").exists() {
        args.push("--values".into());
        args.push(dir.join("values.yaml").display().to_string());
    }
    if let Ok(extra) = std::fs::read_to_string(dir.join("args")) {
        args.extend(
            extra
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.trim().replace("$CASE", &dir.display().to_string())),
        );
    }
    args
}

#[test]
fn golden_cases() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/golden");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("testdata/golden")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("input.yaml").exists())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 10,
        "expected the golden cases, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let input = std::fs::read(dir.join("input.yaml")).unwrap();
        let args = case_args(dir);
        let (stdout, stderr, code) = stowage(&args, &input);
        // Paths in messages are the case's own; keep goldens independent of the checkout.
        let stderr = stderr.replace(&format!("{}/", dir.display()), "");
        check_file(&dir.join("expected.out"), &stdout, &mut failures);
        check_file(&dir.join("expected.err"), stderr.as_bytes(), &mut failures);
        check_file(
            &dir.join("expected.code"),
            format!("{code}\n").as_bytes(),
            &mut failures,
        );
        if code != 0 {
            if !stdout.is_empty() {
                failures.push(format!(
                    "{}: exit {code} but stdout is not empty",
                    dir.display()
                ));
            }
            continue;
        }
        let (input_s, output_s) = (
            String::from_utf8_lossy(&input),
            String::from_utf8_lossy(&stdout),
        );
        let in_stream_config = !dir.join("values.yaml").exists();
        if !in_stream_config && !stderr.contains("re-emitted") && !only_inserts(&input_s, &output_s)
        {
            failures.push(format!(
                "{}: the output does not only insert into the input",
                dir.display()
            ));
        }
        if !in_stream_config {
            let (again, _, code2) = stowage(&args, &stdout);
            if code2 != 0 || again != stdout {
                failures.push(format!(
                    "{}: a second run changed the output (exit {code2})",
                    dir.display()
                ));
            }
        }
        // An independent parser (serde-saphyr) reads the whole output stream.
        let r: Result<Vec<serde_json::Value>, _> = serde_saphyr::from_multiple(&output_s);
        if let Err(e) = r {
            failures.push(format!("{}: the output does not parse: {e}", dir.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
