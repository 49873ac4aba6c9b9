//! Outputs entries and the `outputsPath` template.

use super::*;

#[test]
fn default_outputs() {
    let (config, _) = ok(
        "outputs: {a: {existingClaim: c, mountPath: /a}, b: {existingClaim: c, mountPath: /b, default: true}}",
    );
    assert!(!config.outputs[0].default && config.outputs[1].default);
    only_error_at(
        "outputs: {a: {existingClaim: c, mountPath: /a, default: true}, b: {existingClaim: c, mountPath: /b, default: true}}",
        "persistence.outputs.b.default",
        "`a` already has it",
    );
    only_error_at(
        "data: {d: {existingClaim: c, mountPath: /d, default: true}}",
        "persistence.data.d.default",
        "only applies to outputs",
    );
}

#[test]
fn read_only_outputs_is_a_warning() {
    let (_, diags) = ok("outputs: {o: {existingClaim: c, mountPath: /o, readOnly: true}}");
    find(
        &diags,
        Severity::Warning,
        "persistence.outputs.o.readOnly",
        "can't write",
    );
}

// --- extensions ----------------------------------------------------------------------------

#[test]
fn outputs_path_template() {
    let (config, _) = ok("outputsPath: '{{kind}}/{{namespace}}/{{name}}'");
    assert_eq!(config.outputs_path, "{{kind}}/{{namespace}}/{{name}}");
    ok("outputsPath: '{{#if namespace}}{{namespace}}{{else}}default{{/if}}/{{name}}'");
    only_error_at(
        "outputsPath: '{{namespace}}/{{nmae}}'",
        "persistence.outputsPath",
        "did you mean `name`?",
    );
    only_error_at(
        "outputsPath: '{{uuid}}'",
        "persistence.outputsPath",
        "`namespace`, `name`, `kind`, `run`",
    );
    // `{{run}}` alone is empty for a long-running workload.
    only_error_at(
        "outputsPath: '{{run}}'",
        "persistence.outputsPath",
        "renders `` (tried on an example Deployment named `api`",
    );
    // A leading empty `{{run}}` is an empty segment, not an absolute path.
    let (config, _) = ok("outputsPath: '{{run}}/{{namespace}}/{{name}}'");
    assert_eq!(config.outputs_path, "{{run}}/{{namespace}}/{{name}}");
    only_error_at(
        "outputsPath: '{{namespace'",
        "persistence.outputsPath",
        "not a valid handlebars template",
    );
    only_error_at(
        "outputsPath: '/{{namespace}}'",
        "persistence.outputsPath",
        "relative path",
    );
    only_error_at(
        "outputsPath: '../{{name}}'",
        "persistence.outputsPath",
        "relative path",
    );
    only_error_at(
        "outputsPath: 5",
        "persistence.outputsPath",
        "must be a string",
    );
}
