//! Moving through the text line by line: line ends, columns, blank and comment lines, the
//! `---` and `...` markers.

use super::Reader;
use super::bytes::{find_in_word, is_space_or_end, skip_indent, word};

impl Reader<'_> {
    pub(super) fn line_end(&self, from: usize) -> usize {
        let b = self.b;
        let mut p = from;
        while let Some(w) = word(b, p) {
            if let Some(i) = find_in_word(w, b'\n') {
                return p + i;
            }
            p += 8;
        }
        b[p..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| p + i)
    }

    /// 0-based column of `pos` on the current line, in characters as granit counts them.
    pub(super) fn col(&self, pos: usize) -> usize {
        if self.ascii {
            return pos - self.line_start;
        }
        // Counted on from the last column asked for on this line, when it is to the left: nodes
        // come left to right, so a long line of flow items costs linear time, not quadratic.
        let (line_start, from, col) = self.last_col.get();
        let (from, col) = if line_start == self.line_start && from <= pos {
            (from, col)
        } else {
            (self.line_start, 0)
        };
        let col = col + self.text[from..pos].chars().count();
        self.last_col.set((self.line_start, pos, col));
        col
    }

    /// Move to the start of the line after the one ending at `eol` (`eol` may be the text end).
    pub(super) fn next_line(&mut self, eol: usize) {
        self.line_start = (eol + 1).min(self.b.len());
        if eol < self.b.len() {
            self.line += 1;
        }
    }

    /// From the start of the current line, skip blank and comment lines to the next content
    /// line, setting `pos`, `eol` and `next` (`None` at the end of the document).
    pub(super) fn skip_to_content(&mut self) -> Option<()> {
        let b = self.b;
        loop {
            let start = self.line_start;
            if start >= b.len() {
                self.next = None;
                return Some(());
            }
            let p = skip_indent(b, start);
            let eol = self.line_end(p);
            if p == eol || b[p] == b'#' {
                if eol >= b.len() {
                    self.next = None;
                    return Some(());
                }
                self.next_line(eol);
                continue;
            }
            if p == start && eol - p >= 3 && is_space_or_end(b, p + 3) {
                if &b[p..p + 3] == b"---" {
                    // A second `---` is a second document, and content after the marker on its
                    // line (`--- {a: 1}`, `--- |`) is a root node this reader does not start.
                    if self.started || self.marker || !self.rest_is_comment(p + 3, eol) {
                        return None;
                    }
                    self.marker = true;
                    self.next_line(eol);
                    continue;
                }
                if &b[p..p + 3] == b"..." {
                    // A document end before any content, or anything but comments after it
                    // (a directive, another document), is left to granit.
                    if !self.started || !self.rest_is_comment(p + 3, eol) {
                        return None;
                    }
                    self.next_line(eol);
                    while self.line_start < b.len() {
                        let q = skip_indent(b, self.line_start);
                        let e = self.line_end(q);
                        if q != e && b[q] != b'#' {
                            return None;
                        }
                        self.next_line(e);
                    }
                    self.next = None;
                    return Some(());
                }
            }
            self.pos = p;
            self.eol = eol;
            self.next = Some(p - start);
            return Some(());
        }
    }

    /// Whether `b[from..eol]` is only spaces and an optional comment (after a space).
    pub(super) fn rest_is_comment(&self, from: usize, eol: usize) -> bool {
        let mut p = from;
        while p < eol && self.b[p] == b' ' {
            p += 1;
        }
        p == eol || (self.b[p] == b'#' && p > from)
    }

    /// After a value ending at `p` on the current line: only spaces and a comment may follow.
    /// Moves to the next content line.
    pub(super) fn finish_line(&mut self, p: usize) -> Option<()> {
        // `"a" b`, `[a] b`, `"a": b` where no key is allowed: errors or other structures.
        if !self.rest_is_comment(p, self.eol) {
            return None;
        }
        self.next_line(self.eol);
        self.skip_to_content()
    }

    pub(super) fn skip_spaces(&self, mut p: usize) -> usize {
        while p < self.eol && self.b[p] == b' ' {
            p += 1;
        }
        p
    }
}
