//! The keys and values on one line: quoted scalars, flow collections that close on the line,
//! and plain scalars, with whether a parser would read them as the strings they look like.

use std::borrow::Cow;

use super::lines::{is_ws, trim_end, trim_start};
use crate::yaml::plain_is_string_in_any_schema;

/// Index of the `:` ending a plain implicit key on a column-0 line, if any.
pub(super) fn plain_key_end(l: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < l.len() {
        match l[i] {
            b':' if l.get(i + 1).is_none_or(|&b| is_ws(b)) => return Some(i),
            b'#' if i > 0 && is_ws(l[i - 1]) => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

pub(super) struct Quoted {
    /// Bytes consumed, quotes included.
    pub(super) len: usize,
    /// The content with `''` unescaped (single quotes); raw for double quotes.
    pub(super) text: Vec<u8>,
    /// A double-quoted scalar with `\` escapes (text is not unescaped).
    pub(super) escaped: bool,
}

/// A quoted scalar at the start of `s` that closes on this line.
pub(super) fn quoted(s: &[u8]) -> Option<Quoted> {
    let q = *s.first()?;
    let mut text = Vec::new();
    let mut escaped = false;
    let mut i = 1;
    while i < s.len() {
        let b = s[i];
        if q == b'"' && b == b'\\' {
            escaped = true;
            text.push(b);
            if i + 1 < s.len() {
                text.push(s[i + 1]);
            }
            i += 2;
            continue;
        }
        if b == q {
            if q == b'\'' && s.get(i + 1) == Some(&b'\'') {
                text.push(b'\'');
                i += 2;
                continue;
            }
            return Some(Quoted {
                len: i + 1,
                text,
                escaped,
            });
        }
        text.push(b);
        i += 1;
    }
    None
}

/// Whether a flow collection starting at `s[0]` closes on this line (quotes respected; a
/// comment ends the line).
pub(super) fn flow_closes(s: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return true;
                }
            }
            b'"' | b'\''
                if i == 0 || matches!(s[i - 1], b' ' | b'\t' | b'{' | b'[' | b',' | b':') =>
            {
                match quoted(&s[i..]) {
                    Some(q) => {
                        i += q.len;
                        continue;
                    }
                    None => return false,
                }
            }
            b'#' if i > 0 && is_ws(s[i - 1]) => return false,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Reads a scalar value (already trimmed at the start) of a root key line:
/// (value, certain, plain). `plain` says the value was a plain scalar that could continue on
/// the next, more indented line.
pub(super) fn scalar_value(v: &[u8]) -> (Option<Cow<'_, [u8]>>, bool, bool) {
    let Some(&b0) = v.first() else {
        // `kind:` with the value on later lines, or null.
        return (None, false, false);
    };
    match b0 {
        b'#' => (None, false, false),
        b'"' | b'\'' => match quoted(v) {
            Some(q) => {
                let rest = trim_start(&v[q.len..]);
                let clean = rest.is_empty() || rest[0] == b'#';
                if q.escaped {
                    (None, false, false)
                } else {
                    let ok = clean && looks_like_name(&q.text);
                    (Some(Cow::Owned(q.text)), ok, false)
                }
            }
            None => (None, false, false),
        },
        b'!' | b'&' | b'*' | b'|' | b'>' | b'{' | b'[' | b'%' | b'@' | b'`' | b']' | b'}'
        | b',' => (None, false, false),
        b'-' | b'?' | b':' if v.get(1).is_none_or(|&b| is_ws(b)) => (None, false, false),
        _ => {
            // Plain: up to a ` #` comment, trailing blanks trimmed.
            let mut end = v.len();
            for i in 1..v.len() {
                if v[i] == b'#' && is_ws(v[i - 1]) {
                    end = i;
                    break;
                }
            }
            let val = trim_end(&v[..end]);
            let mut ok = looks_like_name(val) && plain_is_string_in_any_schema(val);
            // `kind: a: b` is an error in a parser.
            if plain_key_end(val).is_some() {
                ok = false;
            }
            (Some(Cow::Borrowed(val)), ok, true)
        }
    }
}

/// No characters a Kubernetes kind or apiVersion never has but YAML structure does.
fn looks_like_name(v: &[u8]) -> bool {
    !v.is_empty()
        && !v.iter().any(|&b| {
            matches!(
                b,
                b'{' | b'}' | b'[' | b']' | b',' | b'"' | b'\'' | b'\\' | b'#'
            )
        })
}
