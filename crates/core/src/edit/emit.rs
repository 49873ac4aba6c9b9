//! YAML text for values: block entries and list items at a given column, flow collections, and
//! whole documents. Inserted strings are always double-quoted (JSON escapes are valid YAML), so
//! no YAML 1.1 reader can take `"yes"` for a boolean or `"0644"` for a number.

use std::sync::Arc;

use serde_json::Value;

use crate::yaml::plain_is_string;

/// Item lines already written, most recently used first: the containers of a workload, and the
/// workloads of a release with the same volumes, get the same list (one `Arc`). Holding the
/// list keeps its address from being reused for another.
#[derive(Default)]
pub struct Written {
    pub(super) recent: Vec<WrittenItems>,
}

pub(super) struct WrittenItems {
    items: Arc<[Value]>,
    dash: usize,
    newline: &'static str,
    compact_lists: bool,
    text: String,
}

impl Written {
    /// Enough for the lists a release's workloads share; a list of one workload's own (env with
    /// its outputs path) passes through the tail.
    const KEEP: usize = 8;
}

/// How the document writes things, so insertions look like their neighbours.
pub(super) struct Style {
    pub newline: &'static str,
    /// `key:\n- item` (kyaml, Helm 4) rather than `key:\n  - item`.
    pub compact_lists: bool,
    pub written: std::cell::RefCell<Written>,
}

/// A block key as YAML text: plain when nothing could misread it, else double-quoted.
pub(super) fn push_key(out: &mut String, key: &str) {
    let plain_safe = key
        .as_bytes()
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/'))
        && plain_is_string(key);
    if plain_safe {
        out.push_str(key);
    } else {
        push_json_str(out, key);
    }
}

/// A string as JSON text (what `Value::String(s).to_string()` gives), without building a value.
fn push_json_str(out: &mut String, s: &str) {
    // serde_json escapes only `"`, `\` and control characters; anything else is copied.
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&serde_json::to_string(s).expect("strings serialise"));
    } else {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

/// A scalar as YAML text: strings double-quoted (JSON escapes are valid YAML), the rest plain.
fn push_scalar(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => push_json_str(out, s),
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        other => out.push_str(&other.to_string()),
    }
}

/// Flow (JSON-compatible) text of a value, with `: ` and `, ` separators.
pub fn emit_flow(v: &Value) -> String {
    let mut out = String::new();
    push_flow(&mut out, v);
    out
}

fn push_flow(out: &mut String, v: &Value) {
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_flow(out, item);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_json_str(out, k);
                out.push_str(": ");
                push_flow(out, v);
            }
            out.push('}');
        }
        other => push_scalar(out, other),
    }
}

fn is_empty_collection(v: &Value) -> bool {
    matches!(v, Value::Array(a) if a.is_empty()) || matches!(v, Value::Object(m) if m.is_empty())
}

/// `key: value` at `indent`, block style.
pub(super) fn emit_entry(out: &mut String, style: &Style, indent: usize, key: &str, value: &Value) {
    push_indent(out, indent);
    push_key(out, key);
    out.push(':');
    emit_value_after_key(out, style, indent, value);
}

fn emit_value_after_key(out: &mut String, style: &Style, indent: usize, value: &Value) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push_str(style.newline);
            for (k, v) in m {
                emit_entry(out, style, indent + 2, k, v);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str(style.newline);
            let dash = if style.compact_lists {
                indent
            } else {
                indent + 2
            };
            for item in items {
                emit_item(out, style, dash, item);
            }
        }
        other => {
            out.push(' ');
            if is_empty_collection(other) {
                push_flow(out, other);
            } else {
                push_scalar(out, other);
            }
            out.push_str(style.newline);
        }
    }
}

/// `- item` lines for every item, the dashes at `dash`; remembered (see [`Written`]).
pub(super) fn emit_items(out: &mut String, style: &Style, dash: usize, items: &Arc<[Value]>) {
    let mut written = style.written.borrow_mut();
    let recent = &mut written.recent;
    let found = recent.iter().position(|w| {
        Arc::ptr_eq(&w.items, items)
            && w.dash == dash
            && w.newline == style.newline
            && w.compact_lists == style.compact_lists
    });
    if let Some(i) = found {
        out.push_str(&recent[i].text);
        recent[..=i].rotate_right(1);
        return;
    }
    let start = out.len();
    for item in items.iter() {
        emit_item(out, style, dash, item);
    }
    recent.truncate(Written::KEEP - 1);
    recent.insert(
        0,
        WrittenItems {
            items: items.clone(),
            dash,
            newline: style.newline,
            compact_lists: style.compact_lists,
            text: out[start..].to_string(),
        },
    );
}

/// `- item` with the dash at `dash`, block style.
fn emit_item(out: &mut String, style: &Style, dash: usize, item: &Value) {
    push_indent(out, dash);
    out.push_str("- ");
    match item {
        Value::Object(m) if !m.is_empty() => {
            // The first entry shares the dash's line; the rest line up under it.
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    push_indent(out, dash + 2);
                }
                push_key(out, k);
                out.push(':');
                emit_value_after_key(out, style, dash + 2, v);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            push_flow(out, item);
            out.push_str(style.newline);
        }
        other => {
            if is_empty_collection(other) {
                push_flow(out, other);
            } else {
                push_scalar(out, other);
            }
            out.push_str(style.newline);
        }
    }
}

pub(super) fn push_indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// A whole document re-emitted from its value, block style, every string double-quoted.
pub fn emit_document(value: &Value, newline: &'static str) -> String {
    let style = Style {
        newline,
        compact_lists: false,
        written: Default::default(),
    };
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                emit_entry(&mut out, &style, 0, k, v);
            }
        }
        other => {
            out.push_str(&emit_flow(other));
            out.push_str(newline);
        }
    }
    out
}
