//! A fast reader for the plain block YAML that Helm-rendered Kubernetes manifests are made of.
//!
//! granit-parser costs about 200 instructions per byte; this reader walks the text line by line
//! and builds the same [`Tree`] as [`super::parse_granit`], node for node: the same arena order,
//! spans, lines, columns, styles and texts, including granit's conventions (an implicit null of
//! `key:` sits on the colon, one of `-` at the end of the dash's line; a sequence at its key's
//! indentation starts where its first item starts; a block scalar's span runs from its first
//! content character to the first non-space character of the line that ends it).
//!
//! It handles a subset: block mappings and sequences (compact `- k: v` and `- - x` included),
//! plain, single- and double-quoted scalars on one line, single-line flow collections, literal
//! and folded block scalars with detected indentation, comments, a leading `---` and a trailing
//! `...`. On anything else, and on every error, [`parse`] returns `None` and the caller falls back
//! to granit, which reports errors. Every `return None` below says why it bails.

use std::borrow::Cow;

use granit_parser::ScalarStyle;

use super::{Kind, Limits, Node, NodeId, Spare, Tree};

/// The tree of `text`, or `None` when the text is outside the subset this reader handles. The
/// tree is built in the buffers of `spare`.
pub(super) fn parse<'a>(text: &'a str, limits: Limits, spare: &mut Spare<'a>) -> Option<Tree<'a>> {
    let ascii = check_chars(text)?;
    let mut reader = Reader {
        text,
        b: text.as_bytes(),
        ascii,
        last_col: std::cell::Cell::new((usize::MAX, 0, 0)),
        max_depth: limits.max_depth,
        // Manifests run about 12 bytes per node: one allocation instead of a dozen regrowths.
        tree: Tree::in_spare(text, text.len() / 12, spare),
        line: 1,
        line_start: 0,
        pos: 0,
        eol: 0,
        next: None,
        started: false,
        marker: false,
        entries: Vec::new(),
        items: Vec::new(),
    };
    reader.document()?;
    Some(reader.tree)
}

/// Whether every character is one this reader treats like granit, and whether the text is ASCII.
/// Tabs (separation and indentation rules differ for them), carriage returns (line breaks),
/// control characters, DEL, C1 controls, NEL, the line and paragraph separators, BOMs and
/// non-characters (errors, or breaks in some YAML versions) all bail.
fn check_chars(text: &str) -> Option<bool> {
    let b = text.as_bytes();
    let mut bad = false;
    let mut high = false;
    for chunk in b.chunks(64) {
        let (c_bad, c_high) = chunk.iter().fold((false, false), |(bad, high), &x| {
            (
                bad | (x < 0x20 && x != b'\n') | (x == 0x7F),
                high | (x >= 0x80),
            )
        });
        bad |= c_bad;
        high |= c_high;
    }
    if bad {
        return None;
    }
    if high
        && text.chars().any(|c| {
            matches!(
                c,
                '\u{80}'
                    ..='\u{9F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
            )
        })
    {
        return None;
    }
    Some(!high)
}

/// A scalar read but not yet in the arena (a mapping's node must come before its first key's).
struct Scalar<'a> {
    start: usize,
    end: usize,
    text: Cow<'a, str>,
    style: ScalarStyle,
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    /// The whole text is ASCII: a column is a byte distance.
    ascii: bool,
    /// The last column `col` counted on a non-ASCII text: (line start, position, column).
    last_col: std::cell::Cell<(usize, usize, usize)>,
    max_depth: usize,
    tree: Tree<'a>,
    /// The current line: its 1-based number and where it starts.
    line: usize,
    line_start: usize,
    /// On a content line: its first non-space byte, and where the line ends.
    pos: usize,
    eol: usize,
    /// The indentation of the current content line, or `None` at the end of the document.
    next: Option<usize>,
    /// The root node has started (a `---` after that is a second document).
    started: bool,
    /// A `---` line was seen.
    marker: bool,
    /// The entries and items of the collections being read, innermost last: a collection moves
    /// its own off the top into the tree's lists when it closes, so they are stored together.
    entries: Vec<(NodeId, NodeId)>,
    items: Vec<NodeId>,
}

fn is_space_or_end(b: &[u8], i: usize) -> bool {
    i >= b.len() || b[i] == b' ' || b[i] == b'\n'
}

// Lines in manifests are short and deeply indented: scanning them a word at a time costs less
// than memchr's vector setup per call, and far less than a byte loop over the indentation.

const ONES: u64 = 0x0101_0101_0101_0101;

/// The eight bytes at `p`, if there are eight left.
fn word(b: &[u8], p: usize) -> Option<u64> {
    let w = b.get(p..p + 8)?;
    Some(u64::from_le_bytes(w.try_into().ok()?))
}

/// The high bit of each byte of `w` equal to `c`. Bytes above a true match may be flagged
/// falsely, so only the lowest flag is exact, and it is the only one used.
fn matches_in_word(w: u64, c: u8) -> u64 {
    let x = w ^ (ONES * u64::from(c));
    x.wrapping_sub(ONES) & !x & (ONES << 7)
}

/// The index in `w` of its first byte equal to `c`, if any.
fn find_in_word(w: u64, c: u8) -> Option<usize> {
    let m = matches_in_word(w, c);
    (m != 0).then(|| m.trailing_zeros() as usize / 8)
}

/// The first index in `p..to` holding `x` or `y`, or `to`. Words may read past `to` (the
/// result is clamped), which spares a byte loop over the last bytes of most lines.
fn find2(b: &[u8], mut p: usize, to: usize, x: u8, y: u8) -> usize {
    while p < to {
        let Some(w) = word(b, p) else {
            return b[p..to]
                .iter()
                .position(|&c| c == x || c == y)
                .map_or(to, |i| p + i);
        };
        let m = matches_in_word(w, x) | matches_in_word(w, y);
        if m != 0 {
            return (p + m.trailing_zeros() as usize / 8).min(to);
        }
        p += 8;
    }
    to
}

/// The first byte at or after `p` that is not a space.
fn skip_indent(b: &[u8], mut p: usize) -> usize {
    while let Some(w) = word(b, p) {
        let other = w ^ (ONES * u64::from(b' '));
        if other != 0 {
            return p + other.trailing_zeros() as usize / 8;
        }
        p += 8;
    }
    while p < b.len() && b[p] == b' ' {
        p += 1;
    }
    p
}

impl<'a> Reader<'a> {
    // ---------------------------------------------------------------------------------------
    // Lines

    fn line_end(&self, from: usize) -> usize {
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
    fn col(&self, pos: usize) -> usize {
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
    fn next_line(&mut self, eol: usize) {
        self.line_start = (eol + 1).min(self.b.len());
        if eol < self.b.len() {
            self.line += 1;
        }
    }

    /// From the start of the current line, skip blank and comment lines to the next content
    /// line, setting `pos`, `eol` and `next` (`None` at the end of the document).
    fn skip_to_content(&mut self) -> Option<()> {
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
    fn rest_is_comment(&self, from: usize, eol: usize) -> bool {
        let mut p = from;
        while p < eol && self.b[p] == b' ' {
            p += 1;
        }
        p == eol || (self.b[p] == b'#' && p > from)
    }

    /// After a value ending at `p` on the current line: only spaces and a comment may follow.
    /// Moves to the next content line.
    fn finish_line(&mut self, p: usize) -> Option<()> {
        // `"a" b`, `[a] b`, `"a": b` where no key is allowed: errors or other structures.
        if !self.rest_is_comment(p, self.eol) {
            return None;
        }
        self.next_line(self.eol);
        self.skip_to_content()
    }

    // ---------------------------------------------------------------------------------------
    // The arena

    fn push(
        &mut self,
        start: usize,
        end: usize,
        line: usize,
        col: usize,
        kind: Kind<'a>,
    ) -> NodeId {
        let id = NodeId(self.tree.nodes.len() as u32);
        self.tree.nodes.push(Node {
            start,
            end,
            line,
            col,
            kind,
            tag: None,
            anchored: false,
        });
        id
    }

    /// Push a scalar that lies on the current line.
    fn push_scalar(&mut self, s: Scalar<'a>) -> NodeId {
        let col = self.col(s.start);
        self.push(
            s.start,
            s.end,
            self.line,
            col,
            Kind::Scalar {
                text: s.text,
                style: s.style,
                implicit_null: false,
            },
        )
    }

    /// Push an implicit null at `pos` (line `line`, column `col`).
    fn push_null(&mut self, pos: usize, line: usize, col: usize) -> NodeId {
        self.push(
            pos,
            pos,
            line,
            col,
            Kind::Scalar {
                text: Cow::Borrowed("~"),
                style: ScalarStyle::Plain,
                implicit_null: true,
            },
        )
    }

    /// Move the items from `base` up on the stack into the sequence `seq`.
    fn take_items(&mut self, seq: NodeId, base: usize) {
        self.tree.set_items(seq, &self.items[base..]);
        self.items.truncate(base);
    }

    /// Move the entries from `base` up on the stack into the mapping `map`.
    fn take_entries(&mut self, map: NodeId, base: usize) {
        self.tree.set_entries(map, &self.entries[base..]);
        self.entries.truncate(base);
    }

    /// A block collection ends where its last child ends, as in granit.
    fn close_block(&mut self, id: NodeId, last: NodeId) {
        self.tree.nodes[id.0 as usize].end = self.tree.nodes[last.0 as usize].end;
    }

    fn check_depth(&self, depth: usize) -> Option<()> {
        // granit stops at `max_depth` nesting levels (with its own count); staying a level below
        // keeps every accepted document one granit accepts.
        (depth < self.max_depth).then_some(())
    }

    // ---------------------------------------------------------------------------------------
    // Document and block structure

    fn document(&mut self) -> Option<()> {
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

    // ---------------------------------------------------------------------------------------
    // Quoted scalars (one line only)

    /// A single-quoted scalar starting at `p`, and the byte after its closing quote.
    fn single_quoted(&self, p: usize) -> Option<(Scalar<'a>, usize)> {
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
            let text = match owned {
                Some(mut s) => {
                    s.push_str(&self.text[seg..qpos]);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(&self.text[p + 1..qpos]),
            };
            return Some((
                Scalar {
                    start: p,
                    end: qpos + 1,
                    text,
                    style: ScalarStyle::SingleQuoted,
                },
                qpos + 1,
            ));
        }
    }

    /// A double-quoted scalar starting at `p`, and the byte after its closing quote.
    fn double_quoted(&self, p: usize) -> Option<(Scalar<'a>, usize)> {
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
                let text = match owned {
                    Some(mut s) => {
                        s.push_str(&self.text[seg..at]);
                        Cow::Owned(s)
                    }
                    None => Cow::Borrowed(&self.text[p + 1..at]),
                };
                return Some((
                    Scalar {
                        start: p,
                        end: at + 1,
                        text,
                        style: ScalarStyle::DoubleQuoted,
                    },
                    at + 1,
                ));
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

    // ---------------------------------------------------------------------------------------
    // Flow collections (one line only)

    /// A flow collection starting at `p` (`[` or `{`), and the byte after its closing bracket.
    fn flow(&mut self, p: usize, depth: usize) -> Option<(NodeId, usize)> {
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

    fn skip_spaces(&self, mut p: usize) -> usize {
        while p < self.eol && self.b[p] == b' ' {
            p += 1;
        }
        p
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

    // ---------------------------------------------------------------------------------------
    // Block scalars

    /// A literal (`|`) or folded (`>`) block scalar whose header starts at `h`; `indent` is the
    /// column of its key or dash. Moves to the next content line after it.
    fn block_scalar(&mut self, h: usize, indent: usize) -> Option<NodeId> {
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

/// Whether a plain scalar may start at `p`. Indicators that start other nodes or are reserved
/// (`&*!|>'"%@\``, flow brackets, `#`, `,`) bail; so does `?` in any case, to stay clear of
/// complex keys.
fn plain_can_start(b: &[u8], p: usize) -> bool {
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

#[cfg(test)]
mod tests {
    //! One case per bail-out rule: each input is one where granit fails or builds a tree this
    //! reader would get wrong if the rule were dropped, so removing a rule fails its test. The
    //! differential suite (`tests/yaml_fast.rs`) checks accepted documents against granit.

    use super::super::{NodeId, parse_granit};
    use super::*;

    fn same_as_granit(text: &str) {
        let fast =
            parse(text, Limits::default(), &mut Spare::default()).expect("the fast path declined");
        let granit = parse_granit(text, Limits::default()).expect("granit failed");
        assert_eq!(fast.root, granit.root, "{text:?}");
        assert_eq!(fast.len(), granit.len(), "{text:?}");
        for i in 0..fast.len() {
            let id = NodeId(i as u32);
            assert_eq!(fast.node(id), granit.node(id), "node {i} of {text:?}");
        }
    }

    #[track_caller]
    fn declines(text: &str) {
        assert!(
            parse(text, Limits::default(), &mut Spare::default()).is_none(),
            "the fast path accepted {text:?}"
        );
    }

    #[test]
    fn accepts_typical_manifests_exactly() {
        same_as_granit(
            "\n# Source: x\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {a: b, \"c\": 'd'}\nspec:\n  containers:\n  - name: c\n    args: [\"--x\", -1, http://y:80]\n    env:\n      - name: A\n        value: \"1\\n\\u00e9\"\n      -\n      - 'it''s'\n    command:\n    - sh\n    - |\n      echo a\n\n      echo b\n    resources:\n      {}\n  x: é # c\n  y:\n  z: a#b\n...\n# end\n",
        );
        same_as_granit("---  # c\na: >-\n  x\n  y\n\n  z\nb: |+\n  k\n\nc: :9001\n");
        same_as_granit("- - x\n  - y\n- k: v\n  l:\n  - |\n    t\n");
    }

    #[test]
    fn characters_granit_treats_differently() {
        declines("a:\tb\n"); // a tab separates: granit reads `b`
        declines("a: b\r\nc: d\n"); // a line break
        declines("a: b\u{85}c\n"); // NEL, a break in YAML 1.1
        declines("\u{feff}a: b\n"); // a BOM
        declines("a: b\u{7}\n"); // a control character: an error
    }

    #[test]
    fn columns_after_multibyte_characters() {
        // Columns are characters; `col` counts on from the last node of the line.
        same_as_granit("k: é\na: [é, x, \"éé\", {é: é, x: [é]}, 'é']  # é\nb: {x: é}\n");
        same_as_granit("é: [a, é]\nc:\n  - é: [é, é]\n    d: é\n");
    }

    #[test]
    fn flow_collections_cut_off_by_the_end_of_the_text() {
        // Found by fuzzing (fuzz/fuzz_targets/yaml_fast.rs): an index past the end of the text.
        declines("#\"\n#-\n{");
        declines("{");
        declines("[");
        declines("a: {");
        declines("a: [ ");
        declines("- {a: 1, ");
        declines("- [a, ");
    }

    #[test]
    fn document_markers() {
        declines("%YAML 1.2\n---\na: 1\n"); // a directive
        declines("a: 1\n---\nb: 2\n"); // a second document: an error
        declines("--- {a: 1}\n"); // content on the marker line
        declines("---\n# nothing\n"); // an empty document after `---` is a null root
        declines("...\na: 1\n"); // a document end first
        declines("a: 1\n...\nb: 2\n"); // content after the end: an error
    }

    #[test]
    fn indentation_that_matches_no_collection() {
        declines(" a: 1\nb: 2\n"); // less indented than the root: an error
        declines("- a\n  b\n"); // a multi-line plain item: `a b`
        declines("a: b\n  c\n"); // a multi-line plain value: `b c`
        declines("a:\n  b\n"); // a plain scalar alone on its line (may continue)
        declines("x\n"); // a root scalar
    }

    #[test]
    fn values_that_are_not_plain_one_line_scalars() {
        declines("a: - b\n"); // an error
        declines("a: b: c\n"); // an error
        declines("a: b:\n"); // an error
        declines("a: &x 1\nb: *x\n"); // anchor and alias
        declines("a: !t x\n"); // a tag
        declines("a: ?x\n"); // granit reads the plain `?x`; we stay clear of `?`
        declines("a: @x\n"); // reserved: an error
        declines("a: ,x\n"); // a flow indicator: an error
        declines("? a\n: b\n"); // a complex key
        declines("a #b: 1\n"); // a comment cuts the key: an error
        declines(&format!("{}: 1\n", "k".repeat(1100))); // an implicit key over 1024 characters
    }

    #[test]
    fn quoted_scalars() {
        declines("a: 'x\n  y'\n"); // multi-line: `x y`
        declines("a: \"x\n  y\"\n"); // multi-line: `x y`
        declines("a: \"x\\\n  y\"\n"); // an escaped line break
        declines("a: 'x' y\n"); // an error
        declines("a: \"x\"#c\n"); // a comment needs a space before it
        declines("a: \"\\'\"\n"); // an unknown escape: an error
        declines("a: \"\\u12\"\n"); // a short escape: an error
    }

    #[test]
    fn flow_collections() {
        declines("a: [x,\n  y]\n"); // multi-line: `[x, y]`
        declines("a: {b}\n"); // `{b: null}`
        declines("a: {b:1}\n"); // the key `b:1` with a null value
        declines("a: [b: c]\n"); // a single-pair mapping
        declines("a: [b, ]\n"); // a trailing comma: `[b]`
        declines("a: [b,,c]\n"); // an error
        declines("a: [b] c\n"); // an error
        declines("a: [b[c]]\n"); // an error
        declines("a: [-]\n"); // not a plain scalar in flow context
        declines("a: [b # c\n  ]\n"); // a comment inside: multi-line
    }

    #[test]
    fn block_scalars() {
        declines("a: |2\n   x\n"); // an indentation indicator: ` x\n`
        declines("a: | x\n"); // an error
        declines("a: |\nb: 1\n"); // empty: granit spans it at the next line
        declines("a: |\n"); // empty at the end: spanned at the header
        declines("a: |"); // the header is the last line
        declines("a: |\n    \n  x\n"); // a leading blank line longer than the content's indentation: an error
        declines("a: >\n  x\n   y\n"); // folded with a more-indented line: `x\n y\n`
        declines("a: >\n  x\n   \n  y\n"); // folded with a whitespace-only line
        declines("a: |+\n  x"); // kept breaks without a final break
        declines("- |\n x\n- >\nx\n"); // content left of its owner: empty, then an error
    }

    #[test]
    fn word_scans_match_byte_scans() {
        // Matches at every offset within and across words, past `to`, and near the text end.
        let text = b"  a:b #c\n        d: e\n  x#\n:\n\n   ";
        for from in 0..text.len() {
            let indent = from + text[from..].iter().take_while(|&&c| c == b' ').count();
            assert_eq!(skip_indent(text, from), indent, "{from}");
            for to in from..=text.len() {
                let naive = text[from..to]
                    .iter()
                    .position(|&c| c == b':' || c == b'#')
                    .map_or(to, |i| from + i);
                assert_eq!(find2(text, from, to, b':', b'#'), naive, "{from}..{to}");
            }
        }
        same_as_granit("abcdefg: 1\nabcdefgh: 2\nabcdefghi: 3 # c\nk: abcdefg#h:i # j: k\nl: m");
    }

    #[test]
    fn depth_limit() {
        let limits = Limits {
            max_depth: 2,
            ..Limits::default()
        };
        assert!(parse("a:\n  b:\n    c: 1\n", limits, &mut Spare::default()).is_none());
        assert!(parse("a: [[x]]\n", limits, &mut Spare::default()).is_none());
        assert!(parse("a: 1\n", limits, &mut Spare::default()).is_some());
    }
}
