//! Small inline templates (the outputs path): compiled once, rendered by joining strings where
//! the template is only text and variables.

use handlebars::Handlebars;
use serde_json::Value;

/// A small inline template (the outputs path) compiled once for many renders.
pub struct Inline {
    template: String,
    /// The template as text and `{{variable}}`s, when it is only that (the default
    /// `{{namespace}}/{{name}}` is): rendered by joining strings, a tenth of handlebars' cost.
    pieces: Option<Vec<Piece>>,
    /// `None` when the template does not compile: every render then reports the error.
    registry: Option<Handlebars<'static>>,
}

#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Variable(String),
}

impl Inline {
    pub fn new(template: &str) -> Inline {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        let registry = hb
            .register_template_string("inline", template)
            .is_ok()
            .then_some(hb);
        Inline {
            template: template.to_string(),
            pieces: pieces(template),
            registry,
        }
    }

    /// What [`render_inline`] gives for this template and `context`.
    pub fn render(&self, context: &Value) -> Result<String, String> {
        if let Some(pieces) = &self.pieces {
            let mut out = String::new();
            for piece in pieces {
                match piece {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Variable(v) => match context.get(v) {
                        Some(Value::String(s)) => out.push_str(s),
                        // Anything but a string is handlebars' to write, or to refuse.
                        _ => return self.render_with_handlebars(context),
                    },
                }
            }
            return Ok(out);
        }
        self.render_with_handlebars(context)
    }

    fn render_with_handlebars(&self, context: &Value) -> Result<String, String> {
        match &self.registry {
            Some(hb) => match hb.render("inline", context) {
                Ok(text) => Ok(text),
                // Errors name the template differently when it is registered: take render_inline's.
                Err(_) => render_inline(&self.template, context),
            },
            None => render_inline(&self.template, context),
        }
    }
}

/// `template` as text and `{{name}}`s (a name of letters, digits and `_`), or `None` when it has
/// anything else handlebars reads: other `{{`, `}}`, escapes, whitespace control, helpers.
fn pieces(template: &str) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find("{{") {
            None => {
                if rest.contains(['{', '}', '\\']) {
                    return None;
                }
                pieces.push(Piece::Text(rest.to_string()));
                break;
            }
            Some(open) => {
                let text = &rest[..open];
                if text.contains(['{', '}', '\\']) {
                    return None;
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(text.to_string()));
                }
                let after = &rest[open + 2..];
                let close = after.find("}}")?;
                let name = &after[..close];
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return None;
                }
                // `this`, `else` and the like mean something else to handlebars.
                if !name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                    || matches!(name, "this" | "else" | "true" | "false" | "null")
                {
                    return None;
                }
                pieces.push(Piece::Variable(name.to_string()));
                rest = &after[close + 2..];
            }
        }
    }
    Some(pieces)
}

/// Render a small inline template (the outputs path) in strict mode.
pub fn render_inline(template: &str, context: &Value) -> Result<String, String> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.render_template(template, context)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
