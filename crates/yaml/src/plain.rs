//! Plain scalars typed the way go-yaml v2 types them for an untyped target (`sigs.k8s.io/yaml`,
//! what kubectl, Helm and the API server read with): YAML 1.1 booleans, legacy octal,
//! underscores in numbers.

use std::borrow::Cow;

use serde_json::{Number, Value};

/// go-yaml v2's `resolve` for plain scalars (YAML 1.1 booleans, legacy octal, underscores).
pub fn resolve_plain(text: &str) -> Value {
    match classify_plain(text) {
        Plain::Null => Value::Null,
        Plain::Bool(b) => Value::Bool(b),
        Plain::Number(n) => Value::Number(n),
        Plain::Str => Value::String(text.to_string()),
    }
}

/// What [`resolve_plain`] makes of a plain scalar, without copying a string.
pub(crate) enum Plain {
    Null,
    Bool(bool),
    Number(Number),
    Str,
}

/// Whether a plain scalar is read as a string (what [`resolve_plain`] would return), without
/// allocating.
pub fn plain_is_string(text: &str) -> bool {
    matches!(classify_plain(text), Plain::Str)
}

/// Whether a plain scalar is the string of its text to every YAML reader a manifest may meet,
/// whichever schema it types plain scalars by (YAML 1.1 like go-yaml and this crate, or the YAML
/// 1.2 core schema): `false` for anything that starts like a number (a digit, a sign, a dot) or
/// with `~`, and for the null and boolean words go-yaml knows in any letter case (`nULL`).
///
/// Where it says `true`, [`plain_is_string`] does too; it refuses more on purpose, and cheaply:
/// a line scan that must agree with whatever parser reads the document later (the manifest
/// splitter's `kind` detection) asks this. `.inf` is a float to YAML 1.2 and `-x` a string
/// everywhere; both are refused here.
pub fn plain_is_string_in_any_schema(text: &[u8]) -> bool {
    // The longest null or boolean word `classify_plain` knows.
    const LONGEST_WORD: usize = "false".len();
    match text.first() {
        None => false,
        Some(&b) if starts_like_number(b) || b == b'~' => false,
        Some(_) if text.len() > LONGEST_WORD => true,
        Some(_) => {
            let mut word = [0u8; LONGEST_WORD];
            let word = &mut word[..text.len()];
            word.copy_from_slice(text);
            word.make_ascii_lowercase();
            match std::str::from_utf8(word) {
                Ok(w) => matches!(classify_plain(w), Plain::Str),
                // Not UTF-8: no word of YAML's.
                Err(_) => true,
            }
        }
    }
}

/// A first character that may start a number (`1`, `-1`, `+1`, `.5`): only such plain scalars
/// are worth parsing as one.
fn starts_like_number(first: u8) -> bool {
    first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.'
}

pub(crate) fn classify_plain(text: &str) -> Plain {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Plain::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Plain::Bool(false);
        }
        _ => {}
    }
    if !starts_like_number(text.as_bytes()[0]) {
        return Plain::Str;
    }
    let plain: Cow<str> = if text.contains('_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    };
    if let Some(n) = parse_go_int(&plain) {
        return Plain::Number(n);
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>()
            && f.is_finite()
            && let Some(n) = Number::from_f64(f)
        {
            return Plain::Number(n);
        }
        // Overflowing floats (e.g. an unquoted hash) stay strings, as in go-yaml.
        return Plain::Str;
    }
    Plain::Str
}

/// `strconv.ParseInt(s, 0, 64)` then `ParseUint`, as go-yaml v2 tries them.
fn parse_go_int(s: &str) -> Option<Number> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(r) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, r)
    } else if let Some(r) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        (2, r)
    } else if let Some(r) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
    {
        (8, r)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            return Some(Number::from(-(magnitude as i128) as i64));
        }
        None
    } else if magnitude <= i64::MAX as u64 {
        Some(Number::from(magnitude as i64))
    } else {
        Some(Number::from(magnitude))
    }
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests;
