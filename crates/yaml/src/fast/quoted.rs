//! Single- and double-quoted scalars, on one line only.

use std::borrow::Cow;

use granit_parser::ScalarStyle;

use super::{Reader, Scalar};

impl<'a> Reader<'a> {
    /// A single-quoted scalar starting at `p`, and the byte after its closing quote.
    pub(super) fn single_quoted(&self, p: usize) -> Option<(Scalar<'a>, usize)> {
        let b = self.b;
        let eol = self.eol;
        let mut i = p + 1;
        let mut owned: Option<String> = None;
        let mut seg = i;
        loop {
            // A quote closed on a later line: multi-line scalars fold line breaks; left to granit.
            let rel = memchr::memchr(b'\'', &b[i..eol])?;
            let qpos = i + rel;
            if qpos + 1 < eol && b[qpos + 1] == b'\'' {
                let s = owned.get_or_insert_with(String::new);
                s.push_str(&self.text[seg..=qpos]);
                i = qpos + 2;
                seg = i;
                continue;
            }
            return Some(self.closed(p, seg, qpos, owned, ScalarStyle::SingleQuoted));
        }
    }

    /// The quoted scalar opened at `p` and closed at `close`, and the byte after it: its text is
    /// the source between the quotes, or `owned` (the unescaped text up to `seg`) and the rest.
    fn closed(
        &self,
        p: usize,
        seg: usize,
        close: usize,
        owned: Option<String>,
        style: ScalarStyle,
    ) -> (Scalar<'a>, usize) {
        let text = match owned {
            Some(mut s) => {
                s.push_str(&self.text[seg..close]);
                Cow::Owned(s)
            }
            None => Cow::Borrowed(&self.text[p + 1..close]),
        };
        let scalar = Scalar {
            start: p,
            end: close + 1,
            text,
            style,
        };
        (scalar, close + 1)
    }

    /// A double-quoted scalar starting at `p`, and the byte after its closing quote.
    pub(super) fn double_quoted(&self, p: usize) -> Option<(Scalar<'a>, usize)> {
        let b = self.b;
        let eol = self.eol;
        let mut i = p + 1;
        let mut owned: Option<String> = None;
        let mut seg = i;
        loop {
            // A quote closed on a later line (or a `\` line continuation): left to granit.
            let rel = memchr::memchr2(b'"', b'\\', &b[i..eol])?;
            let at = i + rel;
            if b[at] == b'"' {
                return Some(self.closed(p, seg, at, owned, ScalarStyle::DoubleQuoted));
            }
            let s = owned.get_or_insert_with(String::new);
            s.push_str(&self.text[seg..at]);
            let e = *b.get(at + 1).filter(|_| at + 1 < eol)?;
            let (c, len) = match e {
                b'0' => ('\0', 2),
                b'a' => ('\u{7}', 2),
                b'b' => ('\u{8}', 2),
                b't' => ('\t', 2),
                b'n' => ('\n', 2),
                b'v' => ('\u{b}', 2),
                b'f' => ('\u{c}', 2),
                b'r' => ('\r', 2),
                b'e' => ('\u{1b}', 2),
                b' ' => (' ', 2),
                b'"' => ('"', 2),
                b'/' => ('/', 2),
                b'\\' => ('\\', 2),
                b'N' => ('\u{85}', 2),
                b'_' => ('\u{a0}', 2),
                b'L' => ('\u{2028}', 2),
                b'P' => ('\u{2029}', 2),
                b'x' => (hex_char(b, at + 2, 2, eol)?, 4),
                b'u' => (hex_char(b, at + 2, 4, eol)?, 6),
                b'U' => (hex_char(b, at + 2, 8, eol)?, 10),
                // Unknown escapes are errors.
                _ => return None,
            };
            s.push(c);
            i = at + len;
            seg = i;
        }
    }
}

/// The character of `n` hex digits at `p` (before `eol`); `None` for a bad escape.
fn hex_char(b: &[u8], p: usize, n: usize, eol: usize) -> Option<char> {
    if p + n > eol {
        return None;
    }
    let digits = std::str::from_utf8(&b[p..p + n]).ok()?;
    if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    char::from_u32(u32::from_str_radix(digits, 16).ok()?)
}
