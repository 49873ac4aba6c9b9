//! Lines: where they end (`\n`, `\r\n` or a lone `\r`, as in YAML) and what the splitter makes of
//! them.

use super::BOM;

/// Number of YAML line breaks (`\n`, `\r\n`, lone `\r`) in `s`.
pub(super) fn count_breaks(s: &[u8]) -> usize {
    let lf = memchr::memchr_iter(b'\n', s).count();
    let lone_cr = memchr::memchr_iter(b'\r', s)
        .filter(|&i| s.get(i + 1) != Some(&b'\n'))
        .count();
    lf + lone_cr
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum LineKind {
    /// `---`; the payload is the offset of the byte after the dashes, relative to the line.
    Start(usize),
    /// `...`
    End,
    /// `%...` (a directive if a `---` follows the run).
    Percent,
    Other,
}

pub(super) fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Classifies a line (without its line break).
pub(super) fn classify(line: &[u8]) -> LineKind {
    let (l, skip) = if line.starts_with(BOM) {
        (&line[3..], 3)
    } else {
        (line, 0)
    };
    match l.first() {
        Some(b'-') if l.starts_with(b"---") && l.get(3).is_none_or(|&b| is_ws(b)) => {
            LineKind::Start(skip + 3)
        }
        Some(b'.') if l.starts_with(b"...") && l.get(3).is_none_or(|&b| is_ws(b)) => LineKind::End,
        Some(b'%') => LineKind::Percent,
        _ => LineKind::Other,
    }
}

pub(super) fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().position(|&b| !is_ws(b)).unwrap_or(s.len());
    &s[n..]
}

pub(super) fn trim_end(s: &[u8]) -> &[u8] {
    let n = s.iter().rposition(|&b| !is_ws(b)).map_or(0, |p| p + 1);
    &s[..n]
}

pub(super) fn is_blank_or_comment(line: &[u8]) -> bool {
    let t = trim_start(line);
    t.is_empty() || t[0] == b'#'
}

/// The line breaks of the input, in order (one searcher for the whole scan, which is cheaper
/// than a search per line on short lines).
pub(super) struct Breaks<'a> {
    input: &'a [u8],
    lf: memchr::Memchr<'a>,
    /// `\n` and `\r`, when the input has lone `\r` line breaks.
    any: Option<memchr::Memchr2<'a>>,
}

impl<'a> Breaks<'a> {
    pub(super) fn new(input: &'a [u8], lone_cr: bool) -> Breaks<'a> {
        Breaks {
            input,
            lf: memchr::memchr_iter(b'\n', input),
            any: lone_cr.then(|| memchr::memchr2_iter(b'\n', b'\r', input)),
        }
    }

    /// (end of line content, start of next line, break is `\r\n`) for the line that starts
    /// where the previous one ended.
    #[inline]
    pub(super) fn next_line(&mut self) -> (usize, usize, bool) {
        let input = self.input;
        let len = input.len();
        match &mut self.any {
            None => match self.lf.next() {
                None => (len, len, false),
                Some(e) if e > 0 && input[e - 1] == b'\r' => (e - 1, e + 1, true),
                Some(e) => (e, e + 1, false),
            },
            Some(any) => match any.next() {
                None => (len, len, false),
                Some(e) if input[e] == b'\r' && input.get(e + 1) == Some(&b'\n') => {
                    any.next();
                    (e, e + 2, true)
                }
                Some(e) => (e, e + 1, false),
            },
        }
    }
}

pub(super) fn strip_chunk_bom(line: &[u8], at_chunk_start: bool) -> &[u8] {
    if at_chunk_start && line.starts_with(BOM) {
        &line[3..]
    } else {
        line
    }
}
