//! Shared by the process-level test suites: run the real binary with a bounded wall time, and
//! compare golden files.

// Each suite uses its own part of this module.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Run {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub code: i32,
}

/// Run `stowage ARGS...` on `input`; kill it and fail after 10 s, and fail on any panic message.
pub fn stowage(args: &[&str], input: &[u8]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stowage"));
    cmd.args(args)
        // Colour must come from the terminal test, not from the environment the tests run in.
        .env_remove("NO_COLOR");
    run_process(&mut cmd, input, Duration::from_secs(10))
}

/// Run `cmd` with `input` on its stdin; kill it and fail after `limit`, and fail on any panic
/// message.
pub fn run_process(cmd: &mut Command, input: &[u8], limit: Duration) -> Run {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    writer.join().unwrap();
    let stdout = out_reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    assert!(!stderr.contains("panicked"), "panic in {what}: {stderr}");
    Run {
        stdout,
        stderr,
        code: status.code().unwrap_or(-1),
    }
}

/// Exit 1, nothing on stdout, and an `error:` line containing every phrase.
#[track_caller]
pub fn fails(r: &Run, phrases: &[&str]) {
    assert_eq!(r.code, 1, "expected exit 1; stderr: {}", r.stderr);
    assert!(
        r.stdout.is_empty(),
        "stdout must be empty on error, got {} bytes",
        r.stdout.len()
    );
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("error:") && phrases.iter().all(|p| l.contains(p))),
        "no error line with {phrases:?} in:\n{}",
        r.stderr
    );
}

/// Exit 0 with no error on stderr; returns stdout as text.
#[track_caller]
pub fn succeeds(r: &Run) -> String {
    assert_eq!(r.code, 0, "expected exit 0; stderr: {}", r.stderr);
    assert!(!r.stderr.contains("error:"), "{}", r.stderr);
    String::from_utf8(r.stdout.clone()).expect("UTF-8 output")
}

/// The input's characters appear in the output in order: the output only inserted.
pub fn only_inserts(input: &str, output: &str) -> bool {
    let mut out = output.chars();
    input.chars().all(|c| out.any(|o| o == c))
}

/// Expected files are written only with `STOWAGE_BLESS=1` (then read the `git diff` of testdata/).
pub fn bless() -> bool {
    std::env::var_os("STOWAGE_BLESS").is_some()
}

/// Compare `actual` with the golden file at `path` (or write it when blessing).
pub fn check_file(path: &Path, actual: &[u8], failures: &mut Vec<String>) {
    if bless() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    match std::fs::read(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{}: differs\n--- expected\n{}\n--- actual\n{}",
            path.display(),
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual)
        )),
        Err(_) => failures.push(format!("{}: missing (bless to create it)", path.display())),
    }
}

/// A proptest config of `cases` cases by default, `PROPTEST_CASES=N` for a longer run on demand.
pub fn proptest_cases(cases: u32) -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    proptest::test_runner::Config {
        cases,
        ..proptest::test_runner::Config::default()
    }
}

/// A fresh directory under the system temp dir, named by `tag`, the process and the clock.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let d = std::env::temp_dir().join(format!("stowage-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Copy the folder `from` to `to`, sub-folders included.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
