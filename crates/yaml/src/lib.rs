//! A YAML document reader that keeps where every node is in the text.
//!
//! The editor inserts text at byte offsets, so it needs positions and styles, not just values; the
//! planner needs values typed the way Kubernetes types them. [`parse`] builds both from one pass of
//! granit-parser events (the parser serde-saphyr uses): an arena of [`Node`]s with byte spans, and
//! [`Tree::value`] which resolves plain scalars like go-yaml v2 (`sigs.k8s.io/yaml`, what kubectl,
//! Helm and the API server read with): `yes`/`on` are booleans, `0644` is 420, `1_000` is 1000.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle, StructureStyle};
use serde_json::{Map, Number, Value};

/// Bounds that keep hostile input from costing unbounded time or memory (design.md §8).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of collections.
    pub max_depth: usize,
    /// Nodes a document may expand to through aliases (counted when converting to values).
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // CRD schemas nest deeply; 256 is far above the corpus's deepest document.
        Limits {
            max_depth: 256,
            max_alias_nodes: 100_000,
        }
    }
}

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
    nodes: Vec<Node<'a>>,
    /// The children of every collection: a collection's are stored together when it closes, so a
    /// document costs a few allocations rather than one per collection.
    item_list: Vec<NodeId>,
    entry_list: Vec<(NodeId, NodeId)>,
    pub root: Option<NodeId>,
    /// The document has an alias node.
    aliases: bool,
    /// The first mapping (in node order) with a repeated key, and that key's first repeat: found
    /// as each mapping closes, while its keys are at hand.
    duplicate: Option<(NodeId, NodeId)>,
}

/// A parse error with its place in the parsed text (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

fn err(line: usize, col0: usize, message: impl Into<String>) -> YamlError {
    YamlError {
        line,
        column: col0 + 1,
        message: message.into(),
    }
}

mod fast;

/// Parse one YAML document (the text may hold only one; a second document is an error).
///
/// Most Kubernetes manifests are plain block YAML, which [`fast::parse`] reads several times
/// faster than granit-parser; anything it does not fully handle (and every error) goes to
/// [`parse_granit`], which builds the identical tree.
pub fn parse(text: &str, limits: Limits) -> Result<Tree<'_>, YamlError> {
    parse_in(text, limits, &mut Spare::default())
}

/// [`parse`], building the tree in the buffers of one no longer needed ([`Tree::into_spare`]):
/// a thread that reads many documents allocates its trees about once.
pub fn parse_in<'a>(
    text: &'a str,
    limits: Limits,
    spare: &mut Spare<'a>,
) -> Result<Tree<'a>, YamlError> {
    match fast::parse(text, limits, spare) {
        Some(tree) => Ok(tree),
        None => parse_granit(text, limits),
    }
}

/// The emptied buffers of a tree (see [`parse_in`]).
#[derive(Default)]
pub struct Spare<'a> {
    nodes: Vec<Node<'a>>,
    item_list: Vec<NodeId>,
    entry_list: Vec<(NodeId, NodeId)>,
}

/// [`parse`]'s fast path alone: `None` where it leaves the text to granit (public for tests).
#[doc(hidden)]
pub fn parse_fast(text: &str, limits: Limits) -> Option<Tree<'_>> {
    fast::parse(text, limits, &mut Spare::default())
}

/// [`parse`] through granit-parser events only (public so tests can compare the fast path with it).
#[doc(hidden)]
pub fn parse_granit(text: &str, limits: Limits) -> Result<Tree<'_>, YamlError> {
    let options = granit_parser::options! {
        flow_nesting_limit: limits.max_depth,
        block_nesting_limit: limits.max_depth,
    };
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut tree = Tree::in_spare(text, 0, &mut Spare::default());
    // Open collections: (node, pending key of a mapping, where its children start in `items` or
    // `entries`, the children of open collections, innermost last).
    let mut stack: Vec<(NodeId, Option<NodeId>, usize)> = Vec::new();
    let mut items: Vec<NodeId> = Vec::new();
    let mut entries: Vec<(NodeId, NodeId)> = Vec::new();
    let mut anchors: HashMap<usize, NodeId> = HashMap::new();
    let mut documents = 0usize;

    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            err(m.line(), m.col(), e.info().to_string())
        })?;
        let start = span.start.byte_offset().unwrap_or(0);
        let end = span.end.byte_offset().unwrap_or(start);
        let (line, col) = (span.start.line(), span.start.col());
        let (anchor, tag, kind) = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => continue,
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(err(
                        line,
                        col,
                        "a second YAML document where one was expected",
                    ));
                }
                continue;
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(target) => {
                    tree.aliases = true;
                    (0, None, Kind::Alias(*target))
                }
                None => return Err(err(line, col, "alias to an unknown anchor")),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let implicit_null = style == ScalarStyle::Plain && start == end;
                (
                    anchor,
                    tag,
                    Kind::Scalar {
                        text,
                        style,
                        implicit_null,
                    },
                )
            }
            Event::SequenceStart(style, anchor, tag) => (
                anchor,
                tag,
                Kind::Seq {
                    flow: style == StructureStyle::Flow,
                    items: 0..0,
                },
            ),
            Event::MappingStart(style, anchor, tag) => (
                anchor,
                tag,
                Kind::Map {
                    flow: style == StructureStyle::Flow,
                    entries: 0..0,
                },
            ),
            Event::SequenceEnd | Event::MappingEnd => {
                let (id, _, base) = stack.pop().expect("parser balances collections");
                if matches!(event, Event::SequenceEnd) {
                    tree.set_items(id, &items[base..]);
                    items.truncate(base);
                } else {
                    tree.set_entries(id, &entries[base..]);
                    entries.truncate(base);
                }
                let flow = matches!(
                    tree.node(id).kind,
                    Kind::Seq { flow: true, .. } | Kind::Map { flow: true, .. }
                );
                let node_end = if flow {
                    end
                } else {
                    tree.content_end_of_children(id)
                };
                tree.nodes[id.0 as usize].end = node_end;
                continue;
            }
            Event::UnresolvedAlias(_) => return Err(err(line, col, "alias to an unknown anchor")),
            // Anchor metadata (and comments, a feature we leave off) carry no data.
            _ => continue,
        };
        let tag = match tag {
            Some(t) if t.is_yaml_core_schema() => Some(Box::new(Tag::Core(t.suffix().to_string()))),
            Some(t) => Some(Box::new(Tag::Custom(t.original()))),
            None => None,
        };
        let is_collection = matches!(kind, Kind::Seq { .. } | Kind::Map { .. });
        let id = NodeId(tree.nodes.len() as u32);
        tree.nodes.push(Node {
            start,
            end,
            line,
            col,
            kind,
            tag,
            anchored: anchor != 0,
        });
        if anchor != 0 {
            anchors.insert(anchor, id);
        }
        match stack.last_mut() {
            None => tree.root = Some(id),
            Some((parent, pending_key, _)) => match &tree.nodes[parent.0 as usize].kind {
                Kind::Seq { .. } => items.push(id),
                Kind::Map { .. } => match pending_key.take() {
                    None => *pending_key = Some(id),
                    Some(key) => entries.push((key, id)),
                },
                _ => unreachable!("only collections are pushed on the stack"),
            },
        }
        if is_collection {
            let base = match tree.nodes[id.0 as usize].kind {
                Kind::Seq { .. } => items.len(),
                _ => entries.len(),
            };
            stack.push((id, None, base));
        }
    }
    Ok(tree)
}

impl<'a> Tree<'a> {
    /// An empty tree of `text` in the buffers of `spare`, room made for `nodes` nodes.
    fn in_spare(text: &'a str, nodes: usize, spare: &mut Spare<'a>) -> Tree<'a> {
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

    /// This tree's buffers, emptied, for the next [`parse_in`].
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
    fn set_items(&mut self, seq: NodeId, items: &[NodeId]) {
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
    fn set_entries(&mut self, map: NodeId, entries: &[(NodeId, NodeId)]) {
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
    fn items_of(&self, run: &Range<u32>) -> &[NodeId] {
        &self.item_list[run.start as usize..run.end as usize]
    }

    fn entries_of(&self, run: &Range<u32>) -> &[(NodeId, NodeId)] {
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

    fn content_end_of_children(&self, id: NodeId) -> usize {
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

    /// The node's value as Kubernetes reads it. Merge keys are applied; alias expansion is bounded.
    pub fn value(&self, id: NodeId, limits: Limits) -> Result<Value, YamlError> {
        let mut budget = limits.max_alias_nodes;
        self.value_inner(id, &mut budget, 0, limits.max_depth)
    }

    fn value_inner(
        &self,
        id: NodeId,
        budget: &mut usize,
        depth: usize,
        max_depth: usize,
    ) -> Result<Value, YamlError> {
        let node = self.node(id);
        if depth > max_depth {
            return Err(err(
                node.line,
                node.col,
                format!("nesting deeper than {max_depth} levels"),
            ));
        }
        match &node.kind {
            Kind::Alias(target) => {
                let n = self.node(*target);
                if *budget == 0 {
                    return Err(err(
                        node.line,
                        node.col,
                        "aliases expand to too many nodes (alias bomb?)",
                    ));
                }
                *budget -= 1;
                // Count every node an alias copies, so fan-out is bounded however deep it is.
                let v = self.value_inner(*target, budget, depth, max_depth)?;
                let _ = n;
                Ok(v)
            }
            Kind::Scalar { text, .. } => Ok(scalar_value(text, node)),
            Kind::Seq { items, .. } => {
                let items = self.items_of(items);
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    charge(budget, node)?;
                    out.push(self.value_inner(*item, budget, depth + 1, max_depth)?);
                }
                Ok(Value::Array(out))
            }
            Kind::Map { entries, .. } => {
                let entries = self.entries_of(entries);
                let mut out = Map::new();
                let mut merged: Vec<Map<String, Value>> = Vec::new();
                for (k, v) in entries {
                    charge(budget, node)?;
                    let key_node = self.node(*k);
                    if matches!(&key_node.kind, Kind::Scalar { text, style: ScalarStyle::Plain, .. } if text == "<<")
                    {
                        match self.value_inner(*v, budget, depth + 1, max_depth)? {
                            Value::Object(m) => merged.push(m),
                            Value::Array(list) => {
                                for item in list {
                                    match item {
                                        Value::Object(m) => merged.push(m),
                                        _ => {
                                            return Err(err(
                                                key_node.line,
                                                key_node.col,
                                                "merge key `<<` needs mappings",
                                            ));
                                        }
                                    }
                                }
                            }
                            _ => {
                                return Err(err(
                                    key_node.line,
                                    key_node.col,
                                    "merge key `<<` needs a mapping",
                                ));
                            }
                        }
                        continue;
                    }
                    let key = match self.value_inner(*k, budget, depth + 1, max_depth)? {
                        Value::String(s) => s,
                        Value::Null => "null".to_string(),
                        other => other.to_string(),
                    };
                    let value = self.value_inner(*v, budget, depth + 1, max_depth)?;
                    out.insert(key, value);
                }
                // Explicit keys win over merged ones; earlier merge sources win over later ones.
                for m in merged {
                    for (k, v) in m {
                        out.entry(k).or_insert(v);
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }
}

fn charge(budget: &mut usize, node: &Node) -> Result<(), YamlError> {
    if *budget == 0 {
        return Err(err(
            node.line,
            node.col,
            "document expands to too many nodes (alias bomb?)",
        ));
    }
    *budget -= 1;
    Ok(())
}

/// Whether [`scalar_value`] gives a string, without building the value.
fn scalar_is_string(text: &str, node: &Node) -> bool {
    if let Some(tag) = node.core_tag() {
        return match tag {
            "null" => false,
            "bool" | "int" | "float" => plain_is_string(text),
            _ => true,
        };
    }
    match &node.kind {
        Kind::Scalar { style, .. } if *style != ScalarStyle::Plain => true,
        _ => plain_is_string(text),
    }
}

/// Whether [`scalar_value`] gives null, without building the value.
fn scalar_is_null(text: &str, node: &Node) -> bool {
    if let Some(tag) = node.core_tag() {
        return match tag {
            "null" => true,
            "bool" | "int" | "float" => matches!(classify_plain(text), Plain::Null),
            _ => false,
        };
    }
    match &node.kind {
        Kind::Scalar { style, .. } if *style != ScalarStyle::Plain => false,
        _ => matches!(classify_plain(text), Plain::Null),
    }
}

/// Type a scalar the way go-yaml v2 does for an untyped (`interface{}`) target.
fn scalar_value(text: &str, node: &Node) -> Value {
    let style = match &node.kind {
        Kind::Scalar { style, .. } => *style,
        _ => ScalarStyle::Plain,
    };
    if let Some(tag) = node.core_tag() {
        return match tag {
            "str" | "binary" | "timestamp" => Value::String(text.to_string()),
            "null" => Value::Null,
            "bool" | "int" | "float" => resolve_plain(text),
            _ => Value::String(text.to_string()),
        };
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    resolve_plain(text)
}

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
enum Plain {
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

fn classify_plain(text: &str) -> Plain {
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
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
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

/// Parse a whole YAML text into a value (for configs and rendered template blocks).
pub fn parse_value(text: &str, limits: Limits) -> Result<Value, YamlError> {
    let tree = parse(text, limits)?;
    if let Some((line, column, key)) = tree.find_duplicate_key() {
        return Err(YamlError {
            line,
            column,
            message: format!("duplicate key `{key}`"),
        });
    }
    match tree.root {
        Some(root) => tree.value(root, limits),
        None => Ok(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(text: &str) -> Value {
        parse_value(text, Limits::default()).unwrap()
    }

    #[test]
    fn types_scalars_like_kubernetes() {
        assert_eq!(
            v(
                "a: yes\nb: 'yes'\nc: 0644\nd: \"0644\"\ne: 1_000\nf: 08\ng: ~\nh:\ni: 0x1F\nj: 1e3\nk: 00000000075e1546123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890\nl: on\nm: -12\nd8: 2001-12-14\n"
            ),
            json!({"a": true, "b": "yes", "c": 420, "d": "0644", "e": 1000, "f": 8.0, "g": null, "h": null,
                   "i": 31, "j": 1000.0,
                   "k": "00000000075e1546123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890",
                   "l": true, "m": -12, "d8": "2001-12-14"})
        );
    }

    #[test]
    fn keeps_spans_and_styles() {
        let text = "a: 1\nb:\n  - x\n  - {c: d}\n";
        let tree = parse(text, Limits::default()).unwrap();
        let root = tree.root.unwrap();
        let b = tree.get(root, "b").unwrap();
        let items = tree.items(b).unwrap();
        let flow = tree.node(items[1]);
        assert_eq!(&text[flow.start..flow.end], "{c: d}");
        assert_eq!(
            &text[tree.node(b).start..tree.node(b).end],
            "- x\n  - {c: d}"
        );
        assert_eq!(tree.node(root).end, flow.end);
    }

    #[test]
    fn applies_merge_keys_and_bounds_aliases() {
        assert_eq!(
            v("a: &a {p: 1, q: 2}\nb:\n  <<: *a\n  q: 3\n")["b"],
            json!({"q": 3, "p": 1})
        );
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        let e = parse_value(bomb, Limits::default()).unwrap_err();
        assert!(e.message.contains("too many nodes"), "{e}");
    }

    #[test]
    fn reports_duplicate_keys_with_place() {
        let e = parse_value("a: 1\nb: 2\na: 3\n", Limits::default()).unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
    }

    /// The first mapping in the text with a repeated key is reported, though an inner one
    /// closes (and is checked) first; merge keys may repeat; a big mapping is hashed.
    #[test]
    fn reports_the_first_mapping_with_a_repeated_key() {
        let first = |text: &str| {
            let fast = parse(text, Limits::default()).unwrap().find_duplicate_key();
            let granit = parse_granit(text, Limits::default())
                .unwrap()
                .find_duplicate_key();
            assert_eq!(fast, granit, "{text}");
            fast
        };
        let nested = "a:\n  x: 1\n  x: 2\nb: 1\nb: 2\n";
        assert_eq!(first(nested), Some((5, 1, "b".into())));
        assert_eq!(
            first("a:\n  x: 1\n  x: 2\nb: 1\n"),
            Some((3, 3, "x".into()))
        );
        assert_eq!(
            first("- {p: 1, q: 2, p: 3}\n- {q: 1, q: 1}\n"),
            Some((1, 16, "p".into()))
        );
        assert_eq!(first("<<: {a: 1}\n<<: {b: 1}\nc: 1\n"), None);
        let big: String = (0..20).map(|i| format!("k{i}: 1\n")).collect::<String>() + "k3: 2\n";
        assert_eq!(first(&big), Some((21, 1, "k3".into())));
    }

    #[test]
    fn bounds_depth() {
        let deep = "[".repeat(10_000);
        assert!(parse(&deep, Limits::default()).is_err());
        let block: String = (0..1000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        assert!(parse(&block, Limits::default()).is_err());
    }
}
