//! Flow collections (`[a, b]`, `{a: b}`), on one line only.

use std::borrow::Cow;

use granit_parser::ScalarStyle;

use super::block::plain_can_start;
use super::bytes::is_space_or_end;
use super::{Kind, NodeId, Reader, Scalar};

impl<'a> Reader<'a> {
    /// A flow collection starting at `p` (`[` or `{`), and the byte after its closing bracket.
    pub(super) fn flow(&mut self, p: usize, depth: usize) -> Option<(NodeId, usize)> {
        self.check_depth(depth)?;
        let b = self.b;
        let col = self.col(p);
        let is_seq = b[p] == b'[';
        let kind = if is_seq {
            Kind::Seq {
                flow: true,
                items: 0..0,
            }
        } else {
            Kind::Map {
                flow: true,
                entries: 0..0,
            }
        };
        let id = self.push(p, p, self.line, col, kind);
        let (items, entries) = (self.items.len(), self.entries.len());
        let close = if is_seq { b']' } else { b'}' };
        let mut q = self.skip_spaces(p + 1);
        // A flow collection continued on the next line (or cut off by the end of the text):
        // left to granit.
        if q >= self.eol {
            return None;
        }
        if b[q] == close {
            self.tree.nodes[id.0 as usize].end = q + 1;
            return Some((id, q + 1));
        }
        loop {
            if is_seq {
                let (item, r) = self.flow_node(q, depth + 1)?;
                self.items.push(item);
                q = r;
            } else {
                // `{a}` (no value), `{? a}`, `{[a]: b}` and a plain key not followed by `: `
                // (`{a:1}` is the key `a:1`): left to granit.
                let (key, r) = match b[q] {
                    b'"' => self.double_quoted(q)?,
                    b'\'' => self.single_quoted(q)?,
                    _ => self.flow_plain(q)?,
                };
                let quoted = key.style != ScalarStyle::Plain;
                let key = self.push_scalar(key);
                let r = self.skip_spaces(r);
                if r >= self.eol || b[r] != b':' {
                    return None;
                }
                // After a plain key the colon must be followed by a space; a JSON-like quoted
                // key may have its value right after the colon.
                if !quoted && !is_space_or_end(b, r + 1) {
                    return None;
                }
                let v = self.skip_spaces(r + 1);
                let (value, r) = self.flow_node(v, depth + 1)?;
                self.entries.push((key, value));
                q = r;
            }
            q = self.skip_spaces(q);
            // A flow collection continued on the next line: left to granit.
            if q >= self.eol {
                return None;
            }
            if b[q] == close {
                if is_seq {
                    self.take_items(id, items);
                } else {
                    self.take_entries(id, entries);
                }
                self.tree.nodes[id.0 as usize].end = q + 1;
                return Some((id, q + 1));
            }
            // `[a: b]` (a single-pair mapping), `[a b]` and other separators: left to granit.
            if b[q] != b',' {
                return None;
            }
            q = self.skip_spaces(q + 1);
            // A trailing comma (`[a, ]`) or an empty entry (`[a,,b]`): left to granit.
            if q >= self.eol || b[q] == b',' || b[q] == close {
                return None;
            }
        }
    }

    /// A node inside a flow collection starting at `p`, and the byte after it.
    fn flow_node(&mut self, p: usize, depth: usize) -> Option<(NodeId, usize)> {
        // An empty node (`[a, ]` handled by the caller; `{a: }`) or a line break: granit.
        if p >= self.eol {
            return None;
        }
        let (s, end) = match self.b[p] {
            b'[' | b'{' => return self.flow(p, depth),
            b'"' => self.double_quoted(p)?,
            b'\'' => self.single_quoted(p)?,
            _ => self.flow_plain(p)?,
        };
        Some((self.push_scalar(s), end))
    }

    /// A plain scalar inside a flow collection, and the byte after it (before trailing spaces).
    fn flow_plain(&self, p: usize) -> Option<(Scalar<'a>, usize)> {
        let b = self.b;
        let eol = self.eol;
        // Flow indicators and the rest of `plain_can_start`'s list cannot start a plain
        // scalar; `#` starts a comment, so the collection would go on to the next line.
        if matches!(b[p], b',' | b'[' | b']' | b'{' | b'}' | b'#') || !plain_can_start(b, p) {
            return None;
        }
        let mut i = p;
        while i < eol {
            match b[i] {
                b',' | b']' | b'}' => break,
                // `[` and `{` cannot be inside a plain scalar in flow context.
                b'[' | b'{' => return None,
                b':' if i + 1 >= eol
                    || matches!(b[i + 1], b' ' | b',' | b'[' | b']' | b'{' | b'}') =>
                {
                    break;
                }
                b'#' if b[i - 1] == b' ' => return None,
                _ => {}
            }
            i += 1;
        }
        let mut end = i;
        while b[end - 1] == b' ' {
            end -= 1;
        }
        Some((
            Scalar {
                start: p,
                end,
                text: Cow::Borrowed(&self.text[p..end]),
                style: ScalarStyle::Plain,
            },
            end,
        ))
    }
}
