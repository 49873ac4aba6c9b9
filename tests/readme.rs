//! The README stays true: its config reference names every key of the schema, and its two set-up
//! commands are the ones this repository provides.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn keys_of(schema: &serde_json::Value, pointer: &str) -> Vec<String> {
    schema
        .pointer(pointer)
        .and_then(|p| p.as_object())
        .unwrap_or_else(|| panic!("schema has no {pointer}"))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn config_reference_names_every_schema_key() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let reference = readme
        .split("### Config reference")
        .nth(1)
        .expect("README has a `### Config reference` section");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/persistence.schema.json")).unwrap(),
    )
    .unwrap();
    let mut keys = keys_of(&schema, "/properties");
    keys.extend(keys_of(&schema, "/$defs/dataEntry/properties"));
    keys.extend(keys_of(&schema, "/$defs/outputsEntry/properties"));
    keys.extend(keys_of(&schema, "/$defs/workloadRule/properties"));
    keys.extend(keys_of(&schema, "/$defs/workloadMatch/properties"));
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !["data", "outputs"].contains(&k.as_str()))
        .filter(|k| !reference.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README's config reference lacks {missing:?}"
    );
}

#[test]
fn set_up_commands_exist() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains(
        "cargo run --release -- post-render --values examples/values.yaml < examples/rendered.yaml"
    ));
    assert!(
        root().join("examples/values.yaml").exists()
            && root().join("examples/rendered.yaml").exists()
    );
    assert!(readme.contains("\nscripts/test\n"));
    assert!(
        root().join("scripts/test").exists(),
        "scripts/test is the README's test command"
    );
}

#[test]
fn printed_schema_is_the_embedded_file() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stowage"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let file = std::fs::read(root().join("schema/persistence.schema.json")).unwrap();
    assert_eq!(out.stdout, file);
}
