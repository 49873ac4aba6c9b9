use serde_json::json;

use super::*;

/// Templates of text and variables are joined without handlebars: the same text, and the
/// same errors (handlebars' own) where a variable is missing or not a string.
#[test]
fn inline_templates_render_as_handlebars_renders_them() {
    let contexts = [
        json!({"namespace": "team-a", "name": "train", "kind": "Job"}),
        json!({"namespace": "", "name": "a/b", "kind": "CronJob"}),
        json!({"namespace": "x", "name": 5, "kind": null}),
        json!({"name": "only"}),
    ];
    let templates = [
        ("{{namespace}}/{{name}}", true),
        ("{{kind}}-{{namespace}}.{{name}}/run", true),
        ("runs/{{name}}", true),
        ("plain", true),
        ("", true),
        ("{{ name }}", false),
        ("{{{name}}}", false),
        ("\\{{name}}", false),
        ("{{~name}}", false),
        (
            "{{#if namespace}}{{namespace}}{{else}}default{{/if}}/{{name}}",
            false,
        ),
        ("{{this}}", false),
        ("{{name}", false),
        ("{name}}", false),
        ("{{lookup . 'name'}}", false),
        ("{{../name}}", false),
        ("{{name.length}}", false),
    ];
    for (template, joined) in templates {
        let inline = Inline::new(template);
        assert_eq!(inline.pieces.is_some(), joined, "{template}");
        for context in &contexts {
            assert_eq!(
                inline.render(context),
                render_inline(template, context),
                "{template} with {context}"
            );
        }
    }
}

#[test]
fn strict_mode_names_missing_variables() {
    let e = render_inline(
        "{{namespace}}/{{nme}}",
        &json!({"namespace": "a", "name": "b"}),
    )
    .unwrap_err();
    assert!(e.contains("nme"), "{e}");
}
