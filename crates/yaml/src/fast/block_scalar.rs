//! Literal (`|`) and folded (`>`) block scalars with detected indentation.

use std::borrow::Cow;

use granit_parser::ScalarStyle;

use super::{Kind, NodeId, Reader};

impl Reader<'_> {
    /// A literal (`|`) or folded (`>`) block scalar whose header starts at `h`; `indent` is the
    /// column of its key or dash. Moves to the next content line after it.
    pub(super) fn block_scalar(&mut self, h: usize, indent: usize) -> Option<NodeId> {
        let b = self.b;
        let literal = b[h] == b'|';
        let mut p = h + 1;
        let chomp = match b.get(p) {
            Some(b'-') => {
                p += 1;
                b'-'
            }
            Some(b'+') => {
                p += 1;
                b'+'
            }
            _ => b' ',
        };
        // An explicit indentation indicator (`|2`), or anything else on the header line but a
        // comment: left to granit.
        if !self.rest_is_comment(p, self.eol) {
            return None;
        }
        let len = b.len();
        // Lines of the scalar: the first content line decides the indentation.
        let mut at = self.eol + 1;
        if at > len {
            // The header is the last line: an empty scalar, whose span granit puts elsewhere.
            return None;
        }
        let mut line = self.line + 1;
        let mut leading_blanks = 0usize;
        let mut max_blank = 0usize;
        let block_indent;
        loop {
            if at >= len {
                // Only blank lines to the end: an empty scalar.
                return None;
            }
            let e = self.line_end(at);
            let mut s = at;
            while s < e && b[s] == b' ' {
                s += 1;
            }
            if s == e {
                leading_blanks += 1;
                max_blank = max_blank.max(e - at);
                if e >= len {
                    return None;
                }
                at = e + 1;
                line += 1;
                continue;
            }
            block_indent = s - at;
            break;
        }
        // Content at or left of the owner's column: an empty scalar (granit spans it at the
        // next line); leading blank lines longer than the content's indentation: an error.
        if block_indent <= indent || max_blank > block_indent {
            return None;
        }
        let start = at + block_indent;
        let start_line = line;
        let start_line_start = at;
        let mut text = String::new();
        for _ in 0..leading_blanks {
            text.push('\n');
        }
        // Walk the lines: content is appended with its break; blank lines are counted and
        // written out before the next content line (literal: one `\n` each; folded: see below).
        let mut pending_blanks = 0usize;
        let mut prev_content = false;
        let end;
        let mut breaks_after = 0usize;
        let mut cur_line = line;
        let cur_line_start;
        loop {
            if at >= len {
                end = len;
                cur_line_start = len;
                break;
            }
            let e = self.line_end(at);
            let mut s = at;
            while s < e && b[s] == b' ' {
                s += 1;
            }
            let spaces = s - at;
            let blank = s == e;
            if blank && spaces <= block_indent {
                pending_blanks += 1;
                if e < len {
                    breaks_after += 1;
                }
                if e >= len {
                    end = len;
                    cur_line_start = at;
                    break;
                }
                at = e + 1;
                cur_line += 1;
                continue;
            }
            if !blank && spaces < block_indent {
                end = s;
                cur_line_start = at;
                break;
            }
            // A content line (possibly spaces only, beyond the indentation).
            let content = &self.text[at + block_indent..e];
            if literal {
                if prev_content {
                    text.push('\n');
                }
                for _ in 0..pending_blanks {
                    text.push('\n');
                }
            } else {
                // Folding: a more-indented or whitespace-only line keeps the breaks around it
                // by rules this reader does not reproduce.
                if blank || content.starts_with(' ') {
                    return None;
                }
                if prev_content {
                    if pending_blanks == 0 {
                        text.push(' ');
                    } else {
                        for _ in 0..pending_blanks {
                            text.push('\n');
                        }
                    }
                }
            }
            text.push_str(content);
            prev_content = true;
            pending_blanks = 0;
            breaks_after = usize::from(e < len);
            if e >= len {
                end = len;
                cur_line_start = at;
                break;
            }
            at = e + 1;
            cur_line += 1;
        }
        match chomp {
            b'-' => {}
            b'+' => {
                // Kept breaks at the very end of the text without a final break: left to granit.
                if breaks_after == 0 {
                    return None;
                }
                for _ in 0..breaks_after {
                    text.push('\n');
                }
            }
            _ => text.push('\n'),
        }
        let col = if self.ascii {
            start - start_line_start
        } else {
            self.text[start_line_start..start].chars().count()
        };
        let id = self.push(
            start,
            end,
            start_line,
            col,
            Kind::Scalar {
                text: Cow::Owned(text),
                style: if literal {
                    ScalarStyle::Literal
                } else {
                    ScalarStyle::Folded
                },
                implicit_null: false,
            },
        );
        // Continue at the line that ended the scalar.
        self.line = cur_line;
        self.line_start = cur_line_start;
        if end >= len && cur_line_start >= len {
            self.next = None;
            return Some(id);
        }
        self.skip_to_content()?;
        Some(id)
    }
}
