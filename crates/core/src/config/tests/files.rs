//! Whole values files: the full example, Polyaxon's own values files, the shapes of old charts.

use super::*;

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("testdata/config")
        .join(rel)
}

#[test]
fn full_example_builds_with_warnings_only() {
    let value = load_values_files(&[testdata("full-example.yaml")]).unwrap();
    let (config, diags) = build(&value, "full-example.yaml");
    let config = config.unwrap_or_else(|| panic!("{}", list(&diags)));
    assert!(errors(&diags).is_empty());
    let names = |es: &[Entry]| es.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&config.data),
        ["data1", "data2", "data-gcs3", "data-s3", "data-azure"]
    );
    assert_eq!(
        names(&config.outputs),
        [
            "outputs1",
            "outputs2",
            "outputs-gcs",
            "outputs-s3",
            "outputs-azure"
        ]
    );
    find(
        &diags,
        Severity::Warning,
        "persistence.data.data1.hostPath",
        "baseline",
    );
    find(
        &diags,
        Severity::Warning,
        "persistence.outputs.outputs1.hostPath",
        "baseline",
    );
    find(
        &diags,
        Severity::Warning,
        "persistence.outputs.outputs1.readOnly",
        "can't write",
    );
    assert_eq!(diags.len(), 3, "{}", list(&diags));

    assert_eq!(
        config.data[0].source,
        Source::HostPath {
            path: "/path/to/data".into(),
            kind: None
        }
    );
    assert!(config.data[0].read_only);
    assert_eq!(
        config.data[1].source,
        Source::Claim {
            claim: "data-2-pvc".into()
        }
    );
    assert_eq!(config.data[1].mount_path.as_deref(), Some("/data/2"));
    assert_eq!(
        config.outputs[4].source,
        Source::Bucket {
            store: Store::Azure,
            bucket: "wasbs://outputs-container@plxstorage.blob.core.windows.net/".into(),
            secret: "az-secret".into(),
            secret_key: "key.json".into(),
            csi: false,
            mount_options: None,
        }
    );
    assert_eq!(
        config.outputs[4].run_path(),
        "wasbs://outputs-container@plxstorage.blob.core.windows.net/"
    );
    assert_eq!(config.outputs_path, DEFAULT_OUTPUTS_PATH);
    assert_eq!(config.env, EnvNames::default());
}

#[test]
fn polyaxon_values_files() {
    let root = testdata("polyaxon-values");
    let mut seen = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let version = dir.file_name().unwrap().to_str().unwrap().to_string();
        for file in std::fs::read_dir(dir).unwrap() {
            let file = file.unwrap().path();
            seen += 1;
            let value = load_values_files(std::slice::from_ref(&file))
                .unwrap_or_else(|e| panic!("{}: {}", file.display(), list(&e)));
            let (config, diags) = build(&value, &file.display().to_string());
            let old = ["v0.0.", "v0.1.0"].iter().any(|p| version.starts_with(p));
            if old {
                assert!(config.is_none(), "{}", file.display());
                let flat = diags.iter().filter(|d| d.is_error()).all(|d| {
                    d.message.contains("single-volume shape")
                        && d.hint
                            .as_deref()
                            .is_some_and(|h| h.contains(": {mountPath: /"))
                });
                assert!(flat, "{}:\n{}", file.display(), list(&diags));
            } else {
                let config =
                    config.unwrap_or_else(|| panic!("{}:\n{}", file.display(), list(&diags)));
                assert!(config.is_empty());
                find(
                    &diags,
                    Severity::Note,
                    "persistence",
                    "nothing will be injected",
                );
                find(
                    &diags,
                    Severity::Note,
                    "persistence",
                    "`logs`, `repos`, `upload`",
                );
            }
        }
    }
    assert_eq!(seen, 10);
}

#[test]
fn flat_shape_of_old_charts_shows_the_named_shape() {
    let diags = error_at(
        "data: {existingClaim: , mountPath: /data, size: 10Gi, subPath: ''}",
        "persistence.data",
        "single-volume shape",
    );
    find(
        &diags,
        Severity::Error,
        "persistence.data",
        "data: {data: {mountPath: /data, existingClaim: my-claim}}",
    );
    assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
    let diags = error_at(
        "outputs: {existingClaim: my-outputs, mountPath: /outputs}",
        "persistence.outputs",
        "outputs: {outputs: {mountPath: /outputs, existingClaim: my-outputs}}",
    );
    assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
    // Chart 0.0.1: the volume directly under `persistence`.
    let diags = error_at(
        "enabled: false\naccessMode: ReadWriteOnce\nsize: 10Gi\nmountPath: /data/polyaxon",
        "persistence",
        "persistence: {data: {data: {mountPath: /data/polyaxon, existingClaim: my-claim}}}",
    );
    assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
}
