//! A key file's bytes → a JSON object whose keys know their line and column, or problems that say
//! where and what, in words of our own.
//!
//! serde_json parses; its error text is never shown, because a data error's text quotes the value it
//! choked on (`invalid type: string "..."`), and in a key file every value is a credential. Only its
//! line, column and error kind are used. A short scan of the (then valid) text finds where each key
//! is and catches duplicate keys, which serde_json's `Value` would silently collapse to the last.

use std::collections::HashSet;

use serde_json::{Map, Value};

/// A problem at a place in the file; `at` is a 1-based (line, column), the column in characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: Option<(usize, usize)>,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(
        at: Option<(usize, usize)>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Problem {
        Problem {
            at,
            message: message.into(),
            hint,
        }
    }
}

/// One top-level key of the object, where it is, and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub key: String,
    pub value: Value,
    pub line: usize,
    pub column: usize,
}

/// A parsed key file: its top-level object, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub fields: Vec<Field>,
}

impl Object {
    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// Parse `bytes` as one JSON object. `example` is what a right file looks like, for the hints.
pub fn parse_object(bytes: &[u8], example: &str) -> Result<Object, Problem> {
    // Windows editors and PowerShell's `>` write UTF-16 with a byte-order mark.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Problem::new(
            None,
            "is UTF-16 text; a JSON key file is UTF-8",
            Some("save it again as UTF-8 (PowerShell: `Out-File -Encoding utf8`)".into()),
        ));
    }
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        return Err(Problem::new(
            None,
            format!("is a binary file (a NUL byte at offset {i}), not a JSON key file"),
            Some(format!("give the JSON key file itself, e.g. {example}")),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = line_col(bytes, e.valid_up_to());
            return Err(Problem::new(
                Some(at),
                "is not UTF-8 text: a JSON key file is UTF-8",
                Some("if the editor saved it as UTF-16 or Latin-1, save it again as UTF-8".into()),
            ));
        }
    };
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        // Python's json.loads (the Polyaxon client) refuses a BOM: "Unexpected UTF-8 BOM".
        let hint = "save the file as UTF-8 without a byte-order mark";
        if rest.trim().is_empty() {
            return Err(Problem::new(
                Some((1, 1)),
                "is empty but for a byte-order mark",
                None,
            ));
        }
        return Err(Problem::new(
            Some((1, 1)),
            "starts with a byte-order mark (U+FEFF), which the Polyaxon client's JSON reader refuses",
            Some(hint.into()),
        ));
    }
    if text.trim().is_empty() {
        return Err(Problem::new(
            None,
            "is empty",
            Some(format!("a key file is one JSON object, e.g. {example}")),
        ));
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(syntax_problem(text, &e, example)),
    };
    let Value::Object(map) = value else {
        let what = match value {
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return Err(Problem::new(
            Some(first_char_at(text)),
            format!("is {what}, not a JSON object"),
            Some(format!("a key file is one JSON object, e.g. {example}")),
        ));
    };
    let scan = scan_keys(text);
    if let Some((key, second, first)) = scan.duplicate {
        let (line, _) = line_col(text.as_bytes(), first);
        return Err(Problem::new(
            Some(line_col(text.as_bytes(), second)),
            format!("duplicate key {} (first at line {line})", shown_key(&key)),
            Some("JSON readers silently keep one of them; delete the one you don't mean".into()),
        ));
    }
    Ok(Object {
        fields: fields(text, map, scan.top),
    })
}

/// The fields of the top-level object in file order, each with its key's place.
fn fields(text: &str, map: Map<String, Value>, top: Vec<(String, usize)>) -> Vec<Field> {
    // `preserve_order` keeps the map in file order, and there are no duplicates: the two lists
    // match one to one. Looked up by key anyway, so a mismatch can only cost a place, not a field.
    map.into_iter()
        .map(|(key, value)| {
            let offset = top.iter().find(|(k, _)| *k == key).map_or(0, |(_, o)| *o);
            let (line, column) = line_col(text.as_bytes(), offset);
            Field {
                key,
                value,
                line,
                column,
            }
        })
        .collect()
}

/// A key as a message shows it: in backticks when it is short and printable, else described.
pub fn shown_key(key: &str) -> String {
    if !key.is_empty() && key.chars().count() <= 64 && key.chars().all(|c| c.is_ascii_graphic()) {
        format!("`{key}`")
    } else {
        format!("a key of {} characters", key.chars().count())
    }
}

// ------------------------------------------------------------------------------------------------
// Places

/// 1-based line and column (in characters) of byte `offset` of `bytes`.
pub fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    // Characters, not bytes: count the bytes that start one (not UTF-8 continuation bytes).
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count();
    (line, column)
}

/// The byte offset of serde_json's (line, column): its column counts bytes from 1. Moved back to
/// the start of a character, so the text can be sliced there.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let mut offset = (line_start + column).saturating_sub(1).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn first_char_at(text: &str) -> (usize, usize) {
    let i = text.len() - text.trim_start().len();
    line_col(text.as_bytes(), i)
}

// ------------------------------------------------------------------------------------------------
// Syntax errors

/// Our own message for a serde_json error: its kind (the text before ` at line`, which for syntax
/// errors names no value) picks the words, its place the line and column.
fn syntax_problem(text: &str, e: &serde_json::Error, example: &str) -> Problem {
    let offset = offset_of(text, e.line(), e.column());
    let at = line_col(text.as_bytes(), offset);
    let next = text[offset..].chars().next();
    let full = e.to_string();
    let kind = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(k, _)| k);
    let first = text.trim_start().chars().next();
    // Something that is not JSON at all: say what it looks like instead of where JSON broke.
    if first != Some('{')
        && let Some((what, hint)) = looks_like(text, example)
    {
        return Problem::new(
            Some(first_char_at(text)),
            format!("is not JSON: it looks like {what}"),
            Some(hint),
        );
    }
    let (message, hint): (&str, Option<String>) = match kind {
        "trailing comma" => {
            // serde_json points at the `}` or `]`; the mistake is the comma before it.
            let comma = text[..offset].rfind(',').unwrap_or(offset);
            let close = if next == Some(']') { ']' } else { '}' };
            return Problem::new(
                Some(line_col(text.as_bytes(), comma)),
                format!("a comma after the last entry, before `{close}`"),
                Some(format!("JSON allows no comma before `{close}`: delete it")),
            );
        }
        "EOF while parsing an object" => (
            "the file ends inside the object",
            Some("a closing `}` is missing".into()),
        ),
        "EOF while parsing a list" => (
            "the file ends inside a list",
            Some("a closing `]` is missing".into()),
        ),
        "EOF while parsing a string" => (
            "the file ends inside a string",
            Some("a closing `\"` is missing".into()),
        ),
        "EOF while parsing a value" => ("the file ends where a value should be", None),
        "expected `:`" => ("expected `:` after the key", None),
        "expected `,` or `}`" | "expected `,` or `]`" => {
            let close = if kind.ends_with("`]`") { ']' } else { '}' };
            let hint = if next == Some('"') {
                "a comma is missing between two entries".to_string()
            } else {
                format!("separate entries with `,` and end with `{close}`")
            };
            return Problem::new(Some(at), format!("expected `,` or `{close}`"), Some(hint));
        }
        "key must be a string" | "expected value" | "expected ident" => {
            let message = if kind == "key must be a string" {
                "expected a key in double quotes"
            } else {
                "expected a JSON value"
            };
            let hint = match next {
                Some('\'') => Some("JSON strings use double quotes, not single quotes".into()),
                Some('/' | '#') => Some("JSON allows no comments: delete them".into()),
                Some(c) if c.is_alphabetic() && kind == "key must be a string" => {
                    Some("JSON keys are strings in double quotes".into())
                }
                Some(c) if c.is_alphabetic() => Some(
                    "a JSON string is in double quotes; the only bare words are `true`, `false` and `null`".into(),
                ),
                _ => None,
            };
            return Problem::new(Some(at), message, hint);
        }
        "control character (\\u0000-\\u001F) found while parsing a string" => (
            "a line break or control character inside a string",
            Some("inside a JSON string, a line break (in a PEM key too) is written `\\n`".into()),
        ),
        "invalid escape" => (
            "an invalid `\\` escape in a string",
            Some("a backslash inside a JSON string is written `\\\\`".into()),
        ),
        "invalid unicode code point"
        | "lone leading surrogate in hex escape"
        | "unexpected end of hex escape" => ("an invalid `\\u` escape in a string", None),
        "invalid number" | "number out of range" => ("an invalid number", None),
        "trailing characters" => (
            "more text after the JSON object",
            Some("a key file holds one JSON object and nothing after it".into()),
        ),
        "recursion limit exceeded" => ("nested too deeply", None),
        _ => ("invalid JSON", None),
    };
    Problem::new(Some(at), message, hint)
}

/// What a file that is not JSON looks like, and the hint for it. Reads shapes, never shows text.
fn looks_like(text: &str, example: &str) -> Option<(&'static str, String)> {
    let json = format!("write one JSON object instead, e.g. {example}");
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .collect();
    let first = lines.first()?;
    let lower = text.to_ascii_lowercase();
    if first.starts_with("-----BEGIN") {
        return Some((
            "a PEM block",
            format!("a key file is the JSON the store's client reads; {json}"),
        ));
    }
    if first.starts_with('[') && first.ends_with(']') {
        if lower.contains("aws_access_key_id") {
            return Some(("an AWS shared credentials file (INI)", json));
        }
        return Some(("an INI file (`[section]` lines)", json));
    }
    if lower.contains("accountname=") && text.contains(';') {
        return Some((
            "an Azure connection string on its own",
            "put it in `AZURE_CONNECTION_STRING` with `AZURE_ACCOUNT_NAME` beside it, e.g. {\"AZURE_ACCOUNT_NAME\": \"...\", \"AZURE_CONNECTION_STRING\": \"...\"}".into(),
        ));
    }
    let assignment = |l: &&str| {
        let l = l.strip_prefix("export ").unwrap_or(l);
        l.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    if lines.iter().all(assignment) {
        return Some(("a shell or dotenv file (`NAME=value` lines)", json));
    }
    let yaml_line = |l: &&str| {
        l.starts_with("---")
            || l.starts_with("- ")
            || l.split_once(':').is_some_and(|(k, _)| {
                !k.is_empty() && !k.contains(' ') && !k.contains('"') && !k.contains('{')
            })
    };
    if lines.iter().all(yaml_line) {
        return Some(("YAML", json));
    }
    None
}

// ------------------------------------------------------------------------------------------------
// Key places and duplicates

struct Scan {
    /// Top-level keys with the byte offset of their opening quote, first occurrences.
    top: Vec<(String, usize)>,
    /// The first key that repeats in its object, at any depth: (key, offset, first offset).
    duplicate: Option<(String, usize, usize)>,
}

/// Find every key of valid JSON `text` (serde_json has accepted it, so the shape is trusted, but
/// nothing here can panic on any input).
fn scan_keys(text: &str) -> Scan {
    enum Frame {
        Object {
            keys: HashSet<String>,
            offsets: Vec<(String, usize)>,
            expect_key: bool,
        },
        Array,
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut top = Vec::new();
    let mut duplicate = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => stack.push(Frame::Object {
                keys: HashSet::new(),
                offsets: Vec::new(),
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Array),
            b'}' | b']' => {
                if let Some(Frame::Object { offsets, .. }) = stack.pop()
                    && stack.is_empty()
                {
                    top = offsets;
                }
            }
            b',' => {
                if let Some(Frame::Object { expect_key, .. }) = stack.last_mut() {
                    *expect_key = true;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object {
                    keys,
                    offsets,
                    expect_key,
                }) = stack.last_mut()
                    && *expect_key
                {
                    *expect_key = false;
                    let raw = text.get(start..(i + 1).min(text.len())).unwrap_or("");
                    let key: String = serde_json::from_str(raw).unwrap_or_default();
                    if !keys.insert(key.clone()) {
                        if duplicate.is_none() {
                            let first = offsets.iter().find(|(k, _)| *k == key).map_or(0, |x| x.1);
                            duplicate = Some((key, start, first));
                        }
                    } else {
                        offsets.push((key, start));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Scan { top, duplicate }
}
