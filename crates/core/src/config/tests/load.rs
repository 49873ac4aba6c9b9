//! Values files: read and merged as Helm does.

use super::*;

/// A fresh file under the temp dir; removed when dropped.
struct TempFile(PathBuf);
impl TempFile {
    fn new(name: &str, content: &str) -> TempFile {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "stowage-config-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        TempFile(path)
    }
}
impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
    }
}

#[test]
fn values_files_merge_like_helm() {
    let base = TempFile::new(
        "values.yaml",
        "image: x\npersistence:\n  onConflict: skip\n  data:\n    a: {mountPath: /a, existingClaim: a-pvc, readOnly: yes}\n    b: {mountPath: /b, existingClaim: b-pvc}\n  outputs:\n    o: {mountPath: /o, hostPath: /srv/o}\n",
    );
    let no_persistence = TempFile::new("other.yaml", "image: y\n");
    let empty = TempFile::new("empty.yaml", "# nothing\n");
    let over = TempFile::new(
        "prod.yaml",
        "persistence:\n  data:\n    a: {existingClaim: a-prod}\n    b: null\n  outputs:\n    o: {existingClaim: o-pvc, hostPath: null}\n",
    );
    let paths = [
        base.0.clone(),
        no_persistence.0.clone(),
        empty.0.clone(),
        over.0.clone(),
    ];
    let merged = load_values_files(&paths).unwrap();
    assert_eq!(
        merged,
        serde_json::json!({
            "onConflict": "skip",
            "data": {"a": {"mountPath": "/a", "existingClaim": "a-prod", "readOnly": true}},
            "outputs": {"o": {"mountPath": "/o", "existingClaim": "o-pvc"}}
        })
    );
    let (config, diags) = build(&merged, "values");
    assert!(config.is_some(), "{}", list(&diags));
    // A later `persistence: null` removes it all.
    let gone = TempFile::new("gone.yaml", "persistence: null\n");
    let merged = load_values_files(&[base.0.clone(), gone.0.clone()]).unwrap();
    assert_eq!(merged, serde_json::json!({}));
}

#[test]
fn values_without_persistence_are_an_error_with_a_suggestion() {
    let typo = TempFile::new("typo.yaml", "persistance:\n  data: {}\n");
    let errs = load_values_files(std::slice::from_ref(&typo.0)).unwrap_err();
    assert!(
        errs[0].message.contains("no `persistence:` key"),
        "{}",
        errs[0]
    );
    assert!(
        errs[0]
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("`persistance`"),
        "{}",
        errs[0]
    );
}

#[test]
fn values_files_read_like_kubernetes() {
    // Duplicate keys: the last wins, as in Helm. Octal and YAML 1.1 booleans as go-yaml v2.
    let f = TempFile::new(
        "v.yaml",
        "persistence:\n  data: {x: 1}\n  data:\n    d: {mountPath: /d, existingClaim: c, readOnly: on}\n  size: 0644\n",
    );
    let v = load_values_files(std::slice::from_ref(&f.0)).unwrap();
    assert_eq!(v["data"]["d"]["readOnly"], Value::Bool(true));
    assert_eq!(v["size"], 420);
}

#[test]
fn values_file_errors_name_the_file_and_line() {
    let missing = PathBuf::from("/nonexistent/stowage/values.yaml");
    let errs = load_values_files(&[missing]).unwrap_err();
    assert_eq!(
        errs[0].place.config_source.as_deref(),
        Some("/nonexistent/stowage/values.yaml")
    );
    assert!(errs[0].message.contains("cannot read"), "{}", errs[0]);

    let bad = TempFile::new("bad.yaml", "persistence:\n  data: {a: [1, 2}\n");
    let list_top = TempFile::new("list.yaml", "# values\n---\n- persistence\n");
    let errs = load_values_files(&[bad.0.clone(), list_top.0.clone()]).unwrap_err();
    assert_eq!(errs.len(), 2, "both files are reported");
    assert_eq!(
        errs[0].place.config_source.as_deref(),
        Some(bad.0.to_str().unwrap())
    );
    assert_eq!(errs[0].place.line, Some(2), "{}", errs[0]);
    assert!(errs[0].place.column.is_some(), "{}", errs[0]);
    assert!(errs[0].message.contains("not valid YAML"));
    assert_eq!(errs[1].place.line, Some(3), "{}", errs[1]);
    assert!(errs[1].message.contains("must be a mapping"), "{}", errs[1]);
}
