//! The document and its block structure: mappings, sequences, keys, and the values that sit on
//! a key's or a dash's line.

use std::borrow::Cow;

use granit_parser::ScalarStyle;

use super::bytes::{find2, is_space_or_end};
use super::{Kind, NodeId, Reader, Scalar};

impl<'a> Reader<'a> {
    pub(super) fn document(&mut self) -> Option<()> {
        self.skip_to_content()?;
        if self.next.is_none() {
            // After a `---`, an empty document is a null node (granit places it on the marker).
            return (!self.marker).then_some(());
        }
        self.started = true;
        let root = self.collection_here(0, 1)?;
        self.tree.root = Some(root);
        // Content left over is less indented than an indented root: an error.
        self.next.is_none().then_some(())
    }

    fn is_dash(&self, p: usize) -> bool {
        self.b[p] == b'-' && is_space_or_end(self.b, p + 1)
    }

    /// The node starting at the current content line's first character: a block collection, or
    /// a flow collection or quoted scalar alone on its line (Helm's `resources:\n  {}`);
    /// `owner` is the column of the key or dash it belongs to.
    fn collection_here(&mut self, owner: usize, depth: usize) -> Option<NodeId> {
        let (pos, indent) = (self.pos, self.next?);
        if self.is_dash(pos) {
            self.seq(pos, indent, depth, false)
        } else if matches!(self.b[pos], b'[' | b'{' | b'"' | b'\'') && self.key(pos).is_none() {
            self.inline_value(pos, owner, depth)
        } else {
            // A plain scalar alone on its line (a root scalar, `key:\n  value`) may be a
            // multi-line plain scalar, and a block scalar header there is unusual; left to
            // granit. `map` bails when there is no key.
            self.map(pos, indent, depth)
        }
    }

    /// A block sequence whose first `-` is at `pos`, column `indent`. An indentless sequence (at
    /// its key's indentation) starts where its first item starts, as granit reports it.
    fn seq(
        &mut self,
        mut pos: usize,
        indent: usize,
        depth: usize,
        indentless: bool,
    ) -> Option<NodeId> {
        self.check_depth(depth)?;
        let col = self.col(pos);
        let id = self.push(
            pos,
            pos,
            self.line,
            col,
            Kind::Seq {
                flow: false,
                items: 0..0,
            },
        );
        let base = self.items.len();
        let mut first = true;
        let last = loop {
            if first && indentless {
                // granit starts an indentless sequence at the token after its first dash: the
                // item's first character (a block scalar's header, not its content), or the end
                // of the dash's line when the item is on the lines below.
                let mut q = self.skip_spaces(pos + 1);
                if q < self.eol && self.b[q] == b'#' {
                    q = self.eol;
                }
                let (line, col) = (self.line, self.col(q));
                let node = &mut self.tree.nodes[id.0 as usize];
                (node.start, node.line, node.col) = (q, line, col);
            }
            let item = self.item(pos + 1, indent, depth + 1)?;
            self.items.push(item);
            first = false;
            match self.next {
                Some(i) if i == indent && self.is_dash(self.pos) => pos = self.pos,
                // More indented than the items after an item: a continuation line of a plain
                // scalar, or an error.
                Some(i) if i > indent => return None,
                _ => break item,
            }
        };
        self.take_items(id, base);
        self.close_block(id, last);
        Some(id)
    }

    /// The item after a `-` whose following byte is `p`; `indent` is the dash's column.
    fn item(&mut self, p: usize, indent: usize, depth: usize) -> Option<NodeId> {
        let q = self.skip_spaces(p);
        if q == self.eol || self.b[q] == b'#' {
            // Nothing on the dash's line: the item is on the next lines, or an implicit null
            // at the end of the dash's line.
            return self.node_below(self.eol, indent, depth, false);
        }
        if self.is_dash(q) {
            let col = self.col(q);
            return self.seq(q, col, depth, false);
        }
        if self.key(q).is_some() {
            let col = self.col(q);
            return self.map(q, col, depth);
        }
        self.inline_value(q, indent, depth)
    }

    /// A block mapping whose first key starts at `pos`, column `indent`.
    fn map(&mut self, mut pos: usize, indent: usize, depth: usize) -> Option<NodeId> {
        self.check_depth(depth)?;
        let col = self.col(pos);
        let id = self.push(
            pos,
            pos,
            self.line,
            col,
            Kind::Map {
                flow: false,
                entries: 0..0,
            },
        );
        let base = self.entries.len();
        let last = loop {
            // Not a key where one must be (a scalar line, `- ` after a value, `? `): an error
            // or a structure this reader does not build.
            let (key, after) = self.key(pos)?;
            let key = self.push_scalar(key);
            let value = self.map_value(after, indent, depth + 1)?;
            self.entries.push((key, value));
            match self.next {
                Some(i) if i == indent => pos = self.pos,
                // More indented than the keys after a value: a continuation line of a plain
                // scalar, or an error.
                Some(i) if i > indent => return None,
                _ => break value,
            }
        };
        self.take_entries(id, base);
        self.close_block(id, last);
        Some(id)
    }

    /// The value after a key's colon (`p` is the byte after it); `indent` is the key's column.
    fn map_value(&mut self, p: usize, indent: usize, depth: usize) -> Option<NodeId> {
        let q = self.skip_spaces(p);
        if q == self.eol || self.b[q] == b'#' {
            // Nothing after `key:` on its line: a nested collection on the next lines, an
            // indentless sequence, or an implicit null on the colon.
            return self.node_below(p - 1, indent, depth, true);
        }
        // `key: - x` is an error.
        if self.is_dash(q) {
            return None;
        }
        self.inline_value(q, indent, depth)
    }

    /// The node of a `-` or `key:` (at column `indent`) with nothing after it on its line: a
    /// collection on the lines below, a sequence at the key's own indentation when
    /// `indentless_seq`, or else an implicit null at `null_at`.
    fn node_below(
        &mut self,
        null_at: usize,
        indent: usize,
        depth: usize,
        indentless_seq: bool,
    ) -> Option<NodeId> {
        let (line, col) = (self.line, self.col(null_at));
        self.next_line(self.eol);
        self.skip_to_content()?;
        match self.next {
            Some(i) if i > indent => self.collection_here(indent, depth),
            Some(i) if indentless_seq && i == indent && self.is_dash(self.pos) => {
                self.seq(self.pos, i, depth, true)
            }
            _ => Some(self.push_null(null_at, line, col)),
        }
    }

    /// An implicit key starting at `p` on the current line: the scalar and the byte after its
    /// `:`. `None` when the line does not start with a key this reader handles.
    fn key(&self, p: usize) -> Option<(Scalar<'a>, usize)> {
        let b = self.b;
        let eol = self.eol;
        let (scalar, mut q) = match b[p] {
            b'"' => self.double_quoted(p)?,
            b'\'' => self.single_quoted(p)?,
            _ => {
                if !plain_can_start(b, p) {
                    return None;
                }
                // The first `:` followed by a space or the line end ends the key, unless a
                // comment (` #`) comes first: one scan finds both.
                let mut c = p;
                let colon = loop {
                    c = find2(b, c, eol, b':', b'#');
                    if c >= eol {
                        return None;
                    }
                    if b[c] == b':' {
                        if is_space_or_end(b, c + 1) {
                            break c;
                        }
                    } else if b[c - 1] == b' ' {
                        // `b[p]` is no `#` (`plain_can_start`), so `c > p` here.
                        return None;
                    }
                    c += 1;
                };
                let mut end = colon;
                while b[end - 1] == b' ' {
                    end -= 1;
                }
                let text = &self.text[p..end];
                return Some((
                    Scalar {
                        start: p,
                        end,
                        text: Cow::Borrowed(text),
                        style: ScalarStyle::Plain,
                    },
                    colon + 1,
                ))
                .filter(|(s, _)| key_length_ok(s));
            }
        };
        q = self.skip_spaces(q);
        if q < eol && b[q] == b':' && is_space_or_end(b, q + 1) {
            q += 1;
            Some((scalar, q)).filter(|(s, _)| key_length_ok(s))
        } else {
            None
        }
    }

    /// A value that starts at `q` on the current line (not a key, not a `- `); `indent` is the
    /// column of the key or dash that owns it. Moves to the next content line.
    fn inline_value(&mut self, q: usize, indent: usize, depth: usize) -> Option<NodeId> {
        let b = self.b;
        match b[q] {
            b'"' | b'\'' => {
                let (s, end) = if b[q] == b'"' {
                    self.double_quoted(q)?
                } else {
                    self.single_quoted(q)?
                };
                let id = self.push_scalar(s);
                self.finish_line(end)?;
                Some(id)
            }
            b'[' | b'{' => {
                let (id, end) = self.flow(q, depth)?;
                self.finish_line(end)?;
                Some(id)
            }
            b'|' | b'>' => self.block_scalar(q, indent),
            _ => {
                // Anchors, aliases, tags, directives, reserved and flow indicators, `? ` and
                // `: `: structures or errors left to granit.
                if !plain_can_start(b, q) {
                    return None;
                }
                let eol = self.eol;
                // One pass finds the comment (` #`) that ends the value and any `: ` or final
                // `:` before it: `key: a: b` (a mapping where none may start) and `a:` at the
                // end are errors. (A `:` before the spaces of ` #` ends the value too.)
                let mut end = eol;
                let mut i = q;
                loop {
                    i = find2(b, i, eol, b':', b'#');
                    if i >= eol {
                        break;
                    }
                    if b[i] == b':' {
                        if is_space_or_end(b, i + 1) {
                            return None;
                        }
                    } else if b[i - 1] == b' ' {
                        // `b[q]` is no `#` (`plain_can_start`), so `i > q` here.
                        end = i - 1;
                        break;
                    }
                    i += 1;
                }
                while b[end - 1] == b' ' {
                    end -= 1;
                }
                let id = self.push_scalar(Scalar {
                    start: q,
                    end,
                    text: Cow::Borrowed(&self.text[q..end]),
                    style: ScalarStyle::Plain,
                });
                self.next_line(eol);
                self.skip_to_content()?;
                Some(id)
            }
        }
    }
}

/// Whether a plain scalar may start at `p`. Indicators that start other nodes or are reserved
/// (`&*!|>'"%@\``, flow brackets, `#`, `,`) bail; so does `?` in any case, to stay clear of
/// complex keys.
pub(super) fn plain_can_start(b: &[u8], p: usize) -> bool {
    match b[p] {
        b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b'[' | b']'
        | b'{' | b'}' | b'#' | b',' | b'?' => false,
        // `-x` and `:9001` are plain; `- ` and `: ` are indicators, and before a flow
        // indicator the rules differ between block and flow context.
        b'-' | b':' => {
            !is_space_or_end(b, p + 1) && !matches!(b[p + 1], b',' | b'[' | b']' | b'{' | b'}')
        }
        _ => true,
    }
}

/// Implicit keys are limited to 1024 characters in YAML; long ones are left to granit.
fn key_length_ok(s: &Scalar) -> bool {
    s.end - s.start <= 1000
}
