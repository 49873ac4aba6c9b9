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
//!
//! The reader's parts: `bytes` (scans over the text a word at a time), `lines` (moving from line
//! to line), `block` (block collections, keys and one-line values), `quoted`, `flow` and
//! `block_scalar` (the scalars and collections a value may be), each bailing where it must.

use std::borrow::Cow;

use granit_parser::ScalarStyle;

use super::{Kind, Limits, Node, NodeId, Spare, Tree};

mod block;
mod block_scalar;
mod bytes;
mod flow;
mod lines;
mod quoted;

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

impl<'a> Reader<'a> {
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
}

#[cfg(test)]
mod tests;
