//! Entry names and claim names.

use super::*;

#[test]
fn entry_names_are_volume_names() {
    only_error_at(
        &format!("data: {{Data_1: {CLAIM}}}"),
        "persistence.data.Data_1",
        "rename it, e.g. `data-1`",
    );
    ok(&format!("data: {{{}: {CLAIM}}}", "a".repeat(63)));
    let long = "a".repeat(64);
    only_error_at(
        &format!("data: {{{long}: {CLAIM}}}"),
        &format!("persistence.data.{long}"),
        "DNS-1123 label",
    );
    // Bucket entries also get `<name>-credentials`: 51 + 12 = 63.
    let bucket = "{store: s3, bucket: s3://b, secret: s, secretKey: k}";
    ok(&format!("data: {{{}: {bucket}}}", "b".repeat(51)));
    let long = "b".repeat(52);
    only_error_at(
        &format!("data: {{{long}: {bucket}}}"),
        &format!("persistence.data.{long}"),
        "at most 51",
    );
    only_error_at(
        &format!("data: {{x: {bucket}, x-credentials: {CLAIM}}}"),
        "persistence.data.x-credentials",
        "credentials volume",
    );
    only_error_at(
        "data: {same: {existingClaim: c, mountPath: /a}}\noutputs: {same: {existingClaim: c, mountPath: /b}}",
        "persistence.outputs.same",
        "both a data and an outputs entry",
    );
}

#[test]
fn claim_names() {
    only_error_at(
        "data: {d: {existingClaim: Data_PVC, mountPath: /d}}",
        "persistence.data.d.existingClaim",
        "PersistentVolumeClaim name",
    );
    ok("data: {d: {existingClaim: data.pvc-1, mountPath: /d}}");
}
