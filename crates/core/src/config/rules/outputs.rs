//! Outputs: one default entry, read-only entries, and the `outputsPath` template.

use super::{Checker, path_of};
use crate::config::raw::RawEntry;
use crate::config::{
    DEFAULT_OUTPUTS_PATH, Entry, OUTPUTS_PATH_VARIABLES, RUN_REFERENCE, clean_outputs_path,
};
use crate::k8s;
use crate::report;

impl Checker<'_> {
    /// At most one outputs entry has `default: true`.
    pub(super) fn one_default(&mut self, outputs: &[Entry]) {
        let defaults: Vec<&Entry> = outputs.iter().filter(|e| e.default).collect();
        for extra in defaults.iter().skip(1) {
            self.error(
                &format!("{}.default", path_of(extra)),
                format!(
                    "only one outputs entry may have `default: true`; `{}` already has it",
                    defaults[0].name
                ),
                Some("remove `default: true` from all but one".into()),
            );
        }
    }

    /// A read-only outputs entry is allowed (the Polyaxon page's own example has one), but the
    /// workload can't write there.
    pub(super) fn read_only_outputs(&mut self, path: &str, e: &RawEntry) {
        if e.read_only {
            self.warning(
                &format!("{path}.readOnly"),
                "read-only outputs entry: the workload can't write its outputs there",
                Some(
                    "remove `readOnly: true` unless the workload only reads earlier outputs".into(),
                ),
            );
        }
    }

    /// The `outputsPath` template: it must compile, use only its variables, and render to a
    /// relative path that stays below the outputs root (tried on an example Job, which has a run,
    /// and an example Deployment, which has none).
    pub(in crate::config) fn outputs_path(&mut self, template: Option<&str>) -> String {
        let Some(template) = template else {
            return DEFAULT_OUTPUTS_PATH.to_string();
        };
        let at = "persistence.outputsPath";
        let vars = OUTPUTS_PATH_VARIABLES
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let compiled = match handlebars::Template::compile(template) {
            Ok(t) => t,
            Err(e) => {
                self.error(
                    at,
                    format!("`outputsPath` is not a valid handlebars template: {e}"),
                    Some(format!("e.g. `{DEFAULT_OUTPUTS_PATH}`")),
                );
                return template.to_string();
            }
        };
        let mut problems = Vec::new();
        template_variables(&compiled.elements, &mut problems);
        for problem in &problems {
            let hint = report::did_you_mean(problem, OUTPUTS_PATH_VARIABLES.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("the variables are {vars}"));
            self.error(
                at,
                format!("`outputsPath` uses `{problem}`, which is not a template variable"),
                Some(hint),
            );
        }
        if problems.is_empty() {
            let mut hb = handlebars::Handlebars::new();
            hb.set_strict_mode(true);
            hb.register_escape_fn(handlebars::no_escape);
            for (kind, name, run) in [("Job", "train", RUN_REFERENCE), ("Deployment", "api", "")] {
                let sample = serde_json::json!({"namespace": "team-a", "name": name, "kind": kind, "run": run});
                let problem = match hb.render_template(template, &sample) {
                    Err(e) => Some(format!("`outputsPath` does not render: {e}")),
                    // A leading `/` written in the template is an absolute path; one left by an
                    // empty `{{run}}` is an empty segment, dropped.
                    Ok(p)
                        if template.trim_start().starts_with('/')
                            || clean_outputs_path(&p).is_empty()
                            || k8s::has_backsteps(&p) =>
                    {
                        Some(format!(
                            "`outputsPath` must render to a relative path below the outputs root, but renders `{p}` (tried on an example {kind} named `{name}` in namespace `team-a`)"
                        ))
                    }
                    Ok(_) => None,
                };
                if let Some(problem) = problem {
                    self.error(at, problem, Some(format!("e.g. `{DEFAULT_OUTPUTS_PATH}`")));
                    break;
                }
            }
        }
        template.to_string()
    }
}

/// blocks the context changes, so only `#if`/`#unless` bodies are looked into.
fn template_variables(
    elements: &[handlebars::template::TemplateElement],
    problems: &mut Vec<String>,
) {
    use handlebars::template::{Parameter, TemplateElement as E};
    fn param(p: &Parameter, problems: &mut Vec<String>) {
        match p {
            Parameter::Name(n) => variable(n, problems),
            Parameter::Path(handlebars::Path::Relative((_, raw))) => variable(raw, problems),
            Parameter::Path(handlebars::Path::Local(_)) | Parameter::Literal(_) => {}
            Parameter::Subexpression(sub) => {
                if let Some(params) = sub.params() {
                    params.iter().for_each(|p| param(p, problems));
                }
            }
            _ => {}
        }
    }
    fn variable(raw: &str, problems: &mut Vec<String>) {
        let name = raw.trim_start_matches("this.").trim_start_matches("./");
        let head = name.split(['.', '/']).next().unwrap_or_default();
        if !OUTPUTS_PATH_VARIABLES.contains(&head) && !problems.iter().any(|p| p == head) {
            problems.push(head.to_string());
        }
    }
    for el in elements {
        match el {
            E::Expression(h) | E::HtmlExpression(h) => {
                if h.params.is_empty() && h.hash.is_empty() {
                    param(&h.name, problems); // `{{name}}`: a variable
                } else {
                    h.params
                        .iter()
                        .chain(h.hash.values())
                        .for_each(|p| param(p, problems));
                }
            }
            E::HelperBlock(h) => {
                h.params
                    .iter()
                    .chain(h.hash.values())
                    .for_each(|p| param(p, problems));
                let name = match &h.name {
                    Parameter::Name(n) => n.as_str(),
                    _ => "",
                };
                if matches!(name, "if" | "unless") {
                    for t in [&h.template, &h.inverse].into_iter().flatten() {
                        template_variables(&t.elements, problems);
                    }
                }
            }
            E::DecoratorExpression(_)
            | E::DecoratorBlock(_)
            | E::PartialExpression(_)
            | E::PartialBlock(_) => {
                problems.push("partials and decorators".into());
            }
            E::RawString(_) | E::Comment(_) => {}
            _ => problems.push("unsupported template syntax".into()),
        }
    }
}
