//! The whole post-render job (`stowage_core::post_render::post_render`: split, parse, plan, lossless edit)
//! on arbitrary streams, with one of a few configs picked by the first byte.
//!
//! Invariants: no panic; on success the input is a subsequence of the output (insert-only) unless
//! a note says a document was re-emitted, the output splits again as valid UTF-8, and a second
//! run on the output succeeds and changes nothing (idempotence); on failure there is at least one
//! error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use stowage_core::post_render::{ConfigSource, Options, post_render};
use stowage_core::report::Severity;

fn configs() -> Vec<Option<Value>> {
    vec![
        // testdata/adversarial/values.yaml: a hostPath and a claim.
        Some(json!({
            "data": {"data1": {"mountPath": "/data/1", "hostPath": "/path/to/data", "readOnly": true}},
            "outputs": {"outputs1": {"mountPath": "/outputs/1", "existingClaim": "outputs-pvc"}}
        })),
        // Buckets, a CSI mount, a default outputs entry.
        Some(json!({
            "data": {
                "data-s3": {"store": "s3", "bucket": "s3://data-bucket", "secret": "s3-secret", "secretKey": "key.json"},
                "data-gcs": {"store": "gcs", "bucket": "gs://data-bucket/x", "secret": "gcs-secret", "secretKey": "key.json",
                             "mount": "csi", "mountPath": "/gcs"}
            },
            "outputs": {
                "out-a": {"mountPath": "/outputs/a", "existingClaim": "a-pvc"},
                "out-b": {"mountPath": "/outputs/b", "existingClaim": "b-pvc", "default": true, "subPath": "runs"}
            }
        })),
        // onConflict skip, a container filter, a CRD kind with a list path.
        Some(json!({
            "data": {"d": {"mountPath": "/d", "existingClaim": "d-pvc"}},
            "outputs": {"o": {"mountPath": "/o", "hostPath": "/srv/out"}},
            "onConflict": "skip",
            "containers": ["main", "a"],
            "outputsPath": "{{kind}}/{{namespace}}/{{name}}",
            "workloadKinds": [{"apiVersion": "example.com/v1", "kind": "Trainer",
                               "podSpecPaths": ["spec.template.spec", "spec.workers[].template.spec"]}]
        })),
        // The config comes from an in-stream Persistence document.
        None,
    ]
}

fn subsequence(input: &[u8], output: &[u8]) -> bool {
    let mut out = output.iter();
    input.iter().all(|c| out.any(|o| o == c))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let configs = configs();
    let chosen = configs[selector as usize % configs.len()].clone();
    let options = Options {
        max_input_bytes: 1 << 20,
        ..Options::default()
    };
    let source = || match &chosen {
        Some(p) => ConfigSource::values(p, "values.yaml"),
        None => ConfigSource::InStream,
    };
    let outcome = match post_render(input, source(), &options) {
        Ok(o) => o,
        Err(diagnostics) => {
            assert!(
                diagnostics.iter().any(|d| d.severity == Severity::Error),
                "failed without an error: {diagnostics:?}"
            );
            return;
        }
    };
    assert!(
        outcome
            .diagnostics
            .iter()
            .all(|d| d.severity != Severity::Error)
    );
    let output = outcome.output(input);
    let reemitted = outcome
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Note && d.message.contains("re-emitted"));
    // The in-stream config document is consumed: only the other documents must survive.
    if chosen.is_some() && !reemitted {
        assert!(
            subsequence(input, &output),
            "not insert-only:\n{}\n=>\n{}",
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(&output)
        );
    }
    stowage_core::stream::split(&output).expect("the output is valid UTF-8 without NUL");
    if chosen.is_none() {
        return; // the second run would have no config
    }
    let again = match post_render(&output, source(), &options) {
        Ok(o) => o,
        Err(d) => panic!(
            "second run failed: {}\ninput:\n{}\noutput:\n{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(&output)
        ),
    };
    assert!(
        again.output(&output) == output,
        "not idempotent:\ninput:\n{}\nfirst:\n{}\nsecond:\n{}",
        String::from_utf8_lossy(input),
        String::from_utf8_lossy(&output),
        String::from_utf8_lossy(&again.output(&output))
    );
});
