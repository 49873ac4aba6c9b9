//! The tree a document is read into: an arena of nodes with their byte spans, and the queries
//! the planner and the editor ask of it (keys, items, aliases, duplicates, tags).

use std::borrow::Cow;
use std::ops::Range;

use granit_parser::ScalarStyle;

use crate::value::{scalar_is_null, scalar_is_string};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeId(pub u32);

#[derive(Clone, Debug, PartialEq)]
pub enum Kind<'a> {
    Scalar {
        text: Cow<'a, str>,
        style: ScalarStyle,
        /// An empty value (`key:` with nothing after it), as opposed to an explicit `~` or `null`.
        implicit_null: bool,
    },
    Seq {
        flow: bool,
        /// Where its items are in the tree's list of items ([`Tree::items`] reads them).
        items: Range<u32>,
    },
    Map {
        flow: bool,
        /// Where its entries are in the tree's list of entries ([`Tree::entries`] reads them).
        entries: Range<u32>,
    },
    Alias(NodeId),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node<'a> {
    /// Byte range of the node in the parsed text. Block collections start at their first key or item
    /// and end at their last child's end; flow collections include their brackets.
    pub start: usize,
    pub end: usize,
    /// 1-based line and 0-based column of `start`.
    pub line: usize,
    pub col: usize,
    pub kind: Kind<'a>,
    /// Rare in manifests: kept out of line, so a node is 80 bytes rather than 120.
    pub tag: Option<Box<Tag>>,
    pub anchored: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tag {
    /// A core tag such as `!!str` or `!!int` (its suffix) that decides the scalar's type.
    Core(String),
    /// A tag other than the core schema's (`!Ref`, `!foo`): the value would not mean what it says.
    Custom(String),
}

// A manifest has a node every 10 bytes or so: their size is the reader's memory traffic.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Node<'static>>() <= 80);

impl Node<'_> {
    /// The suffix of the node's core tag (`str` for `!!str`), if it has one.
    pub fn core_tag(&self) -> Option<&str> {
        match self.tag.as_deref() {
            Some(Tag::Core(t)) => Some(t),
            _ => None,
        }
    }
}

/// A parsed document: the text it came from and its nodes.
#[derive(Debug)]
pub struct Tree<'a> {
    pub text: &'a str,
    pub(crate) nodes: Vec<Node<'a>>,
    /// The children of every collection: a collection's are stored together when it closes, so a
    /// document costs a few allocations rather than one per collection.
    item_list: Vec<NodeId>,
    entry_list: Vec<(NodeId, NodeId)>,
    pub root: Option<NodeId>,
    /// The document has an alias node.
    pub(crate) aliases: bool,
    /// The first mapping (in node order) with a repeated key, and that key's first repeat: found
    /// as each mapping closes, while its keys are at hand.
    duplicate: Option<(NodeId, NodeId)>,
}

/// The emptied buffers of a tree (see [`crate::parse_in`]).
#[derive(Default)]
pub struct Spare<'a> {
    nodes: Vec<Node<'a>>,
    item_list: Vec<NodeId>,
    entry_list: Vec<(NodeId, NodeId)>,
}

impl<'a> Tree<'a> {
    /// An empty tree of `text` in the buffers of `spare`, room made for `nodes` nodes.
    pub(crate) fn in_spare(text: &'a str, nodes: usize, spare: &mut Spare<'a>) -> Tree<'a> {
        let mut spare = std::mem::take(spare);
        spare.nodes.reserve(nodes);
        Tree {
            text,
            nodes: spare.nodes,
            item_list: spare.item_list,
            entry_list: spare.entry_list,
            root: None,
            aliases: false,
            duplicate: None,
        }
    }

    /// This tree's buffers, emptied, for the next [`crate::parse_in`].
    pub fn into_spare(mut self) -> Spare<'a> {
        self.nodes.clear();
        self.item_list.clear();
        self.entry_list.clear();
        Spare {
            nodes: self.nodes,
            item_list: self.item_list,
            entry_list: self.entry_list,
        }
    }

    /// Give the sequence `seq`, now closed, its items.
    pub(crate) fn set_items(&mut self, seq: NodeId, items: &[NodeId]) {
        if items.is_empty() {
            return;
        }
        let start = self.item_list.len() as u32;
        self.item_list.extend_from_slice(items);
        if let Kind::Seq { items, .. } = &mut self.nodes[seq.0 as usize].kind {
            *items = start..self.item_list.len() as u32;
        }
    }

    /// Give the mapping `map`, now closed, its entries.
    pub(crate) fn set_entries(&mut self, map: NodeId, entries: &[(NodeId, NodeId)]) {
        if entries.is_empty() {
            return;
        }
        if self.duplicate.is_none_or(|(first, _)| map.0 < first.0)
            && let Some(key) = self.repeated_key(entries)
        {
            self.duplicate = Some((map, key));
        }
        let start = self.entry_list.len() as u32;
        self.entry_list.extend_from_slice(entries);
        if let Kind::Map { entries, .. } = &mut self.nodes[map.0 as usize].kind {
            *entries = start..self.entry_list.len() as u32;
        }
    }

    /// The children of a collection node itself (no alias resolution).
    pub(crate) fn items_of(&self, run: &Range<u32>) -> &[NodeId] {
        &self.item_list[run.start as usize..run.end as usize]
    }

    pub(crate) fn entries_of(&self, run: &Range<u32>) -> &[(NodeId, NodeId)] {
        &self.entry_list[run.start as usize..run.end as usize]
    }

    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id.0 as usize]
    }

    /// Follow aliases to the node they stand for.
    pub fn resolve(&self, mut id: NodeId) -> NodeId {
        // Aliases point backwards at already-built nodes, so this ends.
        while let Kind::Alias(target) = self.node(id).kind {
            id = target;
        }
        id
    }

    pub(crate) fn content_end_of_children(&self, id: NodeId) -> usize {
        let node = self.node(id);
        let last = match &node.kind {
            Kind::Seq { items, .. } => self.items_of(items).last().copied(),
            Kind::Map { entries, .. } => self.entries_of(entries).last().map(|(_, v)| *v),
            _ => None,
        };
        match last {
            Some(child) => self.node(child).end,
            None => node.end,
        }
    }

    /// The string value of a scalar node (after alias resolution), if it is a scalar that YAML types
    /// as a string for Kubernetes. Keys are compared with this.
    pub fn as_str(&self, id: NodeId) -> Option<&str> {
        let node = self.node(self.resolve(id));
        match &node.kind {
            Kind::Scalar { text, .. } if scalar_is_string(text, node) => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        let node = self.node(self.resolve(id));
        matches!(&node.kind, Kind::Scalar { text, .. } if scalar_is_null(text, node))
    }

    /// Entries of a mapping node (aliases resolved), or `None` when it is not a mapping.
    pub fn entries(&self, id: NodeId) -> Option<&[(NodeId, NodeId)]> {
        match &self.node(self.resolve(id)).kind {
            Kind::Map { entries, .. } => Some(self.entries_of(entries)),
            _ => None,
        }
    }

    pub fn items(&self, id: NodeId) -> Option<&[NodeId]> {
        match &self.node(self.resolve(id)).kind {
            Kind::Seq { items, .. } => Some(self.items_of(items)),
            _ => None,
        }
    }

    /// The value under `key` in a mapping (the last one if duplicated; `parse` callers reject duplicates).
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_entry(map, key).map(|(_, v)| v)
    }

    pub fn get_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        self.entries(map)?
            .iter()
            .rev()
            .find(|(k, _)| self.reads_as(*k, key))
            .copied()
    }

    /// `as_str(id) == Some(s)`, with the cheap text comparison first: most keys looked at are
    /// not the one sought, and typing a plain scalar costs more than comparing it.
    fn reads_as(&self, id: NodeId, s: &str) -> bool {
        let node = self.node(self.resolve(id));
        match &node.kind {
            Kind::Scalar { text, .. } => text == s && scalar_is_string(text, node),
            _ => false,
        }
    }

    /// Whether the mapping uses a merge key (`<<`), whose meaning the text alone does not show.
    pub fn has_merge_key(&self, map: NodeId) -> bool {
        self.entries(map).is_some_and(|entries| {
            entries.iter().any(|(k, _)| {
                let node = self.node(*k);
                matches!(&node.kind, Kind::Scalar { text, style: ScalarStyle::Plain, .. } if text == "<<")
            })
        })
    }

    /// The first duplicate key of any mapping in the document, as (line, column, key).
    pub fn find_duplicate_key(&self) -> Option<(usize, usize, String)> {
        let (_, key) = self.duplicate?;
        let node = self.node(key);
        let Kind::Scalar { text, .. } = &node.kind else {
            unreachable!("only scalar keys are compared")
        };
        Some((node.line, node.col + 1, text.to_string()))
    }

    /// The first key of `entries` that repeats an earlier one (merge keys `<<` may repeat).
    fn repeated_key(&self, entries: &[(NodeId, NodeId)]) -> Option<NodeId> {
        if entries.len() < 2 {
            return None;
        }
        let key_text = |k: &NodeId| match &self.node(*k).kind {
            Kind::Scalar { text, .. } if text != "<<" => Some(text.as_ref()),
            _ => None,
        };
        // Small mappings (almost all of them): compare pairwise, no hashing.
        if entries.len() <= 12 {
            return entries.iter().enumerate().find_map(|(i, (k, _))| {
                let key = key_text(k)?;
                entries[..i]
                    .iter()
                    .any(|(p, _)| key_text(p) == Some(key))
                    .then_some(*k)
            });
        }
        let mut seen = std::collections::HashSet::new();
        entries
            .iter()
            .find(|(k, _)| key_text(k).is_some_and(|key| !seen.insert(key)))
            .map(|(k, _)| *k)
    }

    /// The first custom tag in the document, as (line, column, tag).
    pub fn find_custom_tag(&self) -> Option<(usize, usize, String)> {
        self.nodes.iter().find_map(|n| match n.tag.as_deref() {
            Some(Tag::Custom(t)) => Some((n.line, n.col + 1, t.clone())),
            _ => None,
        })
    }

    pub fn has_aliases(&self) -> bool {
        self.aliases
    }

    /// For each node, whether it lies inside a node that an alias repeats: text inserted there
    /// would appear at every alias too.
    pub fn shared_nodes(&self) -> Vec<bool> {
        let mut shared = vec![false; self.nodes.len()];
        let mut parent: Vec<Option<NodeId>> = vec![None; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            let me = Some(NodeId(i as u32));
            match &node.kind {
                Kind::Alias(target) => shared[target.0 as usize] = true,
                Kind::Seq { items, .. } => self
                    .items_of(items)
                    .iter()
                    .for_each(|c| parent[c.0 as usize] = me),
                Kind::Map { entries, .. } => self.entries_of(entries).iter().for_each(|(k, v)| {
                    parent[k.0 as usize] = me;
                    parent[v.0 as usize] = me;
                }),
                Kind::Scalar { .. } => {}
            }
        }
        // Parents come before their children in the arena, so one forward pass propagates.
        for i in 0..shared.len() {
            if let Some(p) = parent[i] {
                shared[i] |= shared[p.0 as usize];
            }
        }
        shared
    }

    /// How many nodes the document has.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}
