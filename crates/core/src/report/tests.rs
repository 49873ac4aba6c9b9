use super::*;

#[test]
fn suggests_close_names() {
    let keys = ["existingClaim", "hostPath", "mountPath", "readOnly"];
    assert_eq!(did_you_mean("existingclaim", keys), Some("existingClaim"));
    assert_eq!(did_you_mean("existingClam", keys), Some("existingClaim"));
    assert_eq!(did_you_mean("bucket", keys), None);
}

#[test]
fn renders_document_places() {
    let d = Diagnostic::error(
        Place {
            document: Some(3),
            line: Some(40),
            source: Some("c/templates/job.yaml".into()),
            object: Some("Job/train".into()),
            ..Place::default()
        },
        "boom",
    )
    .with_hint("do this");
    assert_eq!(
        d.to_string(),
        "error: document 3 (line 40), # Source: c/templates/job.yaml, Job/train: boom (do this)"
    );
}
