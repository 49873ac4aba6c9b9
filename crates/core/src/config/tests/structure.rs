//! Empty and absent values, unknown keys, types, and every problem at once.

use super::*;

#[test]
fn nothing_to_inject_is_a_note() {
    for text in ["{}", "data: {}\noutputs: {}", "data:\noutputs:", "null"] {
        let (config, diags) = ok(text);
        assert!(config.is_empty());
        find(
            &diags,
            Severity::Note,
            "persistence",
            "nothing will be injected",
        );
    }
}

#[test]
fn null_and_empty_strings_count_as_absent() {
    let (config, _) = ok(
        "data: {d: {existingClaim: , hostPath: /srv/data, mountPath: /d, readOnly: true, subPath: '', store: ''}}",
    );
    assert!(matches!(config.data[0].source, Source::HostPath { .. }));
    assert_eq!(config.data[0].sub_path, None);
    let (config, _) = ok(
        "data: {d: {existingClaim: c, hostPath: '', mountPath: /d, hostPathType: }, gone: null}",
    );
    assert_eq!(config.data.len(), 1);
    assert!(matches!(config.data[0].source, Source::Claim { .. }));
}

#[test]
fn persistence_must_be_a_mapping() {
    let (config, diags) = build(&Value::String("x".into()), "values.yaml");
    assert!(config.is_none());
    find(&diags, Severity::Error, "persistence", "must be a mapping");
}

#[test]
fn unknown_keys_get_did_you_mean() {
    let diags = error_at(
        "data: {d: {mountPath: /d, existingclaim: c}}",
        "persistence.data.d.existingclaim",
        "did you mean `existingClaim`?",
    );
    // The misspelt key is the problem; "no source" would be noise.
    assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
    only_error_at(
        "outputz: {}",
        "persistence.outputz",
        "did you mean `outputs`?",
    );
    only_error_at(
        "data: {d: {mountPath: /d, existingClaim: c, colour: red}}",
        "persistence.data.d.colour",
        "an entry's keys are",
    );
}

#[test]
fn platform_keys_are_ignored_with_one_note() {
    let (_, diags) = ok(
        "logs: {existingClaim: , mountPath: /logs, hostPath: /tmp/logs}\nrepos: {}\nupload: {}\nextra: []\ndata: {}",
    );
    let notes: Vec<_> = diags
        .iter()
        .filter(|d| d.message.contains("platform"))
        .collect();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0]
            .message
            .contains("`logs`, `repos`, `upload`, `extra`")
    );
}

#[test]
fn booleans_must_be_booleans() {
    only_error_at(
        "data: {d: {mountPath: /d, existingClaim: c, readOnly: 'true'}}",
        "persistence.data.d.readOnly",
        "without quotes",
    );
    only_error_at(
        "outputs: {o: {mountPath: /o, existingClaim: c, default: 'yes'}}",
        "persistence.outputs.o.default",
        "must be a boolean",
    );
    // YAML 1.1 `yes` is a boolean, as Helm and kubectl read it.
    let (config, _) = ok("outputs: {o: {mountPath: /o, existingClaim: c, default: yes}}");
    assert!(config.outputs[0].default);
}

#[test]
fn shapes_of_data_and_entries() {
    only_error_at(
        "data: [data1, data2]",
        "persistence.data",
        "stowage.dev/data",
    );
    only_error_at(
        "outputs: {o: /outputs}",
        "persistence.outputs.o",
        "an entry is a mapping",
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let (config, diags) = run(
        "data:\n  d1: {mountPath: /d1, existingClaim: Bad_Claim}\n  d2: {store: gsc, bucket: gs://b, secret: s, secretKey: k}\noutputs:\n  o1: {hostPath: /o, existingClaim: c, mountPath: /o}",
    );
    assert!(config.is_none());
    assert_eq!(errors(&diags).len(), 3, "{}", list(&diags));
    find(
        &diags,
        Severity::Error,
        "persistence.data.d1.existingClaim",
        "PersistentVolumeClaim name",
    );
    find(
        &diags,
        Severity::Error,
        "persistence.data.d2.store",
        "did you mean `gcs`?",
    );
    find(
        &diags,
        Severity::Error,
        "persistence.outputs.o1",
        "more than one source",
    );
}

/// The rules of each field hold whatever else is wrong with its entry: an unknown key, a second
/// source, a missing store.
#[test]
fn fields_are_checked_in_broken_entries_too() {
    let diags = error_at(
        "data: {d: {mountPath: relative, existingclaim: c}}",
        "persistence.data.d.mountPath",
        "write `/relative`",
    );
    find(
        &diags,
        Severity::Error,
        "persistence.data.d.existingclaim",
        "did you mean",
    );
    let diags = error_at(
        "data: {d: {mountPath: /d, hostPath: /srv/d, existingClaim: Bad_Claim, readOnly: true}}",
        "persistence.data.d.existingClaim",
        "PersistentVolumeClaim name",
    );
    find(
        &diags,
        Severity::Error,
        "persistence.data.d",
        "more than one source",
    );
    let diags = error_at(
        "data: {d: {bucket: 'http://b', secret: S, secretKey: k}}",
        "persistence.data.d.bucket",
        "not a bucket URL",
    );
    find(
        &diags,
        Severity::Error,
        "persistence.data.d.store",
        "needs a `store`",
    );
    find(
        &diags,
        Severity::Error,
        "persistence.data.d.secret",
        "Secret name",
    );
    assert_eq!(errors(&diags).len(), 3, "{}", list(&diags));
}
