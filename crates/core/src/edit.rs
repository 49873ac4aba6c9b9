//! Lossless insertion into a document's text (design.md §5).
//!
//! An [`Edit`] says "under this mapping, at this key path, add these list items (or these map
//! entries)". [`apply`] turns edits into text insertions at the right byte offsets and indentation,
//! in the document's own style: block lists stay block (compact or indented, as the document writes
//! them), flow and JSON documents get flow items. Nothing that was there is re-emitted, so comments,
//! anchors, key order, quoting and line endings survive, and deleting the inserted lines gives the
//! input back. Inserted strings are always double-quoted, so YAML 1.1 readers can't misread them.
//!
//! When an edit point can't be reached by inserting text (through an alias or merge key, or where a
//! key holds an explicit `null` that would have to be replaced), [`apply`] says so and the caller
//! re-emits that one document from its value with [`emit_document`].

use std::sync::Arc;

use serde_json::Value;

use crate::yaml::{Kind, NodeId, Tree};

#[derive(Clone, Debug, PartialEq)]
pub enum Addition {
    /// Append these items to a list (usually the plan's, shared by every container and by the
    /// workloads with the same volumes).
    Items(Arc<[Value]>),
    /// Add these entries to a mapping.
    Entries(Vec<(String, Value)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// The mapping the path starts from.
    pub at: NodeId,
    /// JSON pointer of `at` inside the document's value (used when re-emitting).
    pub pointer: String,
    /// Keys below `at`, created when missing; the last one holds the list or mapping to extend.
    pub path: &'static [&'static str],
    pub add: Addition,
}

/// Why an edit can't be made by inserting text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedsReemit(pub String);

/// Why an edit can't be made at all: the document's structure is wrong where we must write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrongShape {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug)]
pub enum Failure {
    NeedsReemit(NeedsReemit),
    WrongShape(WrongShape),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Insertion {
    offset: usize,
    /// Order among insertions at one offset: lower first. The value of an empty key must directly
    /// follow its key line; otherwise deeper blocks go first, so that a block closing an inner
    /// mapping is not read as part of an outer one inserted at the same place.
    rank: usize,
    text: String,
}

/// Apply `edits` to the document text of `tree`, returning the new text.
pub fn apply(tree: &Tree, edits: &[Edit]) -> Result<String, Failure> {
    let insertions = insertions(tree, edits, &mut Written::default())?;
    Ok(with_insertions(tree.text, &insertions))
}

/// The text to insert for `edits`, as (byte offset in the document text, text), in order.
/// `written` remembers item lines across calls (pass the same one for the documents of a stream).
pub fn insertions(
    tree: &Tree,
    edits: &[Edit],
    written: &mut Written,
) -> Result<Vec<(usize, String)>, Failure> {
    let text = tree.text;
    let crlf = text.contains('\r');
    // Lines ended by a lone `\r` (classic Mac) are lines to YAML but not to our line arithmetic.
    if crlf && text.split('\r').skip(1).any(|rest| !rest.starts_with('\n')) {
        return Err(reemit(
            "the document ends lines with a lone carriage return",
        ));
    }
    let style = Style::of(tree, crlf, std::mem::take(written));
    let mut insertions: Vec<Insertion> = Vec::new();
    let planned = edits
        .iter()
        .try_for_each(|edit| plan_insertion(tree, &style, edit, &mut insertions));
    *written = style.written.into_inner();
    planned?;
    // Stable: insertions of one rank at one offset keep the order the edits asked for.
    insertions.sort_by_key(|i| (i.offset, i.rank));
    Ok(insertions.into_iter().map(|i| (i.offset, i.text)).collect())
}

/// Item lines already written, most recently used first: the containers of a workload, and the
/// workloads of a release with the same volumes, get the same list (one `Arc`). Holding the
/// list keeps its address from being reused for another.
#[derive(Default)]
pub struct Written {
    recent: Vec<WrittenItems>,
}

struct WrittenItems {
    items: Arc<[Value]>,
    dash: usize,
    newline: &'static str,
    compact_lists: bool,
    text: String,
}

impl Written {
    /// Enough for the lists a release's workloads share; a list of one workload's own (env with
    /// its outputs path) passes through the tail.
    const KEEP: usize = 8;
}

/// `text` with `insertions` (in offset order) put in.
pub fn with_insertions(text: &str, insertions: &[(usize, String)]) -> String {
    let extra: usize = insertions.iter().map(|(_, t)| t.len()).sum();
    let mut out = String::with_capacity(text.len() + extra);
    let mut pos = 0;
    for (offset, t) in insertions {
        out.push_str(&text[pos..*offset]);
        out.push_str(t);
        pos = *offset;
    }
    out.push_str(&text[pos..]);
    out
}

/// How the document writes things, so insertions look like their neighbours.
struct Style {
    newline: &'static str,
    /// `key:\n- item` (kyaml, Helm 4) rather than `key:\n  - item`.
    compact_lists: bool,
    written: std::cell::RefCell<Written>,
}

impl Style {
    /// `crlf`: the text has a `\r`, and every one of them ends a line.
    fn of(tree: &Tree, crlf: bool, written: Written) -> Style {
        let newline = if crlf { "\r\n" } else { "\n" };
        Style {
            newline,
            compact_lists: first_block_list_is_compact(tree).unwrap_or(false),
            written: written.into(),
        }
    }
}

fn first_block_list_is_compact(tree: &Tree) -> Option<bool> {
    let root = tree.root?;
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if let Some(entries) = tree.entries(id) {
            if matches!(
                tree.node(tree.resolve(id)).kind,
                Kind::Map { flow: true, .. }
            ) {
                continue;
            }
            for (k, v) in entries {
                if matches!(tree.node(*v).kind, Kind::Seq { flow: false, .. })
                    && let Some(first) = tree.items(*v).and_then(|items| items.first())
                {
                    let dash = dash_column(tree.text, tree.node(*first).start)?;
                    return Some(dash == tree.node(*k).col);
                }
                stack.push(*v);
            }
        } else if let Some(items) = tree.items(id) {
            stack.extend(items.iter().rev());
        }
    }
    None
}

/// Column of the `-` that introduces the block list item starting at `item_start`.
fn dash_column(text: &str, item_start: usize) -> Option<usize> {
    let line_start = text[..item_start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..item_start];
    let dash = before.rfind('-')?;
    Some(before[..dash].chars().count())
}

fn shape_error(tree: &Tree, id: NodeId, message: String) -> Failure {
    let node = tree.node(id);
    Failure::WrongShape(WrongShape {
        line: node.line,
        column: node.col + 1,
        message,
    })
}

fn reemit(reason: impl Into<String>) -> Failure {
    Failure::NeedsReemit(NeedsReemit(reason.into()))
}

fn plan_insertion(
    tree: &Tree,
    style: &Style,
    edit: &Edit,
    out: &mut Vec<Insertion>,
) -> Result<(), Failure> {
    let mut map = edit.at;
    for (depth, key) in edit.path.iter().enumerate() {
        let last = depth + 1 == edit.path.len();
        let map_node = tree.node(map);
        if matches!(map_node.kind, Kind::Alias(_)) {
            return Err(reemit("the edit point is reached through an alias"));
        }
        if !matches!(map_node.kind, Kind::Map { .. }) {
            return Err(shape_error(
                tree,
                map,
                format!("expected a mapping where `{key}` goes"),
            ));
        }
        if tree.has_merge_key(map) {
            return Err(reemit(
                "the edit point is in a mapping with a merge key (`<<`)",
            ));
        }
        let rest: &[&str] = &edit.path[depth + 1..];
        match tree.get_entry(map, key) {
            None => {
                out.push(new_key(tree, style, map, key, rest, &edit.add));
                return Ok(());
            }
            Some((key_node, value)) => {
                let node = tree.node(value);
                match &node.kind {
                    Kind::Alias(_) => {
                        return Err(reemit("the edit point is reached through an alias"));
                    }
                    Kind::Scalar {
                        implicit_null: true,
                        ..
                    } if !is_flow(tree, map) => {
                        out.push(under_empty_key(
                            tree, style, key_node, value, rest, &edit.add,
                        ));
                        return Ok(());
                    }
                    Kind::Scalar { .. } if tree.is_null(value) => {
                        return Err(reemit(format!(
                            "`{key}` is null and would have to be replaced"
                        )));
                    }
                    Kind::Seq { .. } if last => {
                        let Addition::Items(items) = &edit.add else {
                            return Err(shape_error(
                                tree,
                                value,
                                format!("`{key}` should be a mapping"),
                            ));
                        };
                        out.push(extend_list(tree, style, value, items));
                        return Ok(());
                    }
                    Kind::Map { .. } if last => {
                        let Addition::Entries(entries) = &edit.add else {
                            return Err(shape_error(
                                tree,
                                value,
                                format!("`{key}` should be a list"),
                            ));
                        };
                        out.push(extend_map(tree, style, value, entries));
                        return Ok(());
                    }
                    Kind::Map { .. } => map = value,
                    _ => {
                        let want = if last && matches!(edit.add, Addition::Items(_)) {
                            "a list"
                        } else {
                            "a mapping"
                        };
                        return Err(shape_error(
                            tree,
                            value,
                            format!("`{key}` should be {want}"),
                        ));
                    }
                }
            }
        }
    }
    unreachable!("edit paths are never empty")
}

fn is_flow(tree: &Tree, id: NodeId) -> bool {
    matches!(
        tree.node(id).kind,
        Kind::Seq { flow: true, .. } | Kind::Map { flow: true, .. }
    )
}

/// The value to write for `rest` keys above the addition: `{a: {b: [items]}}`.
fn nested_value(rest: &[&str], add: &Addition) -> Value {
    let mut value = match add {
        Addition::Items(items) => Value::Array(items.to_vec()),
        Addition::Entries(entries) => Value::Object(entries.iter().cloned().collect()),
    };
    for key in rest.iter().rev() {
        let mut m = serde_json::Map::new();
        m.insert((*key).to_string(), value);
        value = Value::Object(m);
    }
    value
}

/// Where to insert after a node that ends at `end`. A block scalar's span runs on past its trailing
/// newline into the next line's indentation: then the insertion goes at the start of that line.
fn after_node(text: &str, end: usize) -> usize {
    let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
    if end > line_start
        && text.as_bytes()[line_start..end]
            .iter()
            .all(|b| *b == b' ' || *b == b'\t')
    {
        return line_start;
    }
    after_line(text, end)
}

/// Offset just after the line on which `end` falls (or `end` itself when it starts a line).
fn after_line(text: &str, end: usize) -> usize {
    if end > 0 && text.as_bytes()[end - 1] == b'\n' {
        return end;
    }
    match text[end..].find('\n') {
        Some(i) => end + i + 1,
        None => text.len(),
    }
}

/// Block text inserted at `offset`: begins with a newline when the text there lacks one.
fn block_insertion(
    text: &str,
    style: &Style,
    offset: usize,
    indent: usize,
    lines: String,
) -> Insertion {
    let mut t = String::new();
    if offset == text.len() && !text.is_empty() && !text.ends_with('\n') {
        t.push_str(style.newline);
        t.push_str(lines.strip_suffix(style.newline).unwrap_or(&lines));
    } else {
        t = lines;
    }
    Insertion {
        offset,
        // Twice the column, so a compact list (`- ` at its key's column) can rank between columns.
        rank: usize::MAX - 2 * indent,
        text: t,
    }
}

/// `key:` missing from `map`: add it (and any keys below it) with the addition.
fn new_key(
    tree: &Tree,
    style: &Style,
    map: NodeId,
    key: &str,
    rest: &[&str],
    add: &Addition,
) -> Insertion {
    let node = tree.node(map);
    let text = tree.text;
    let entries = tree.entries(map).unwrap_or(&[]);
    if is_flow(tree, map) {
        // Flow keys are always quoted, so a JSON document stays JSON.
        let value = nested_value(rest, add);
        let entry = format!("{}: {}", Value::String(key.to_string()), emit_flow(&value));
        return flow_insertion(tree, map, entries.last().map(|(_, v)| *v), entry);
    }
    let mut lines = String::new();
    match (rest, add) {
        ([], Addition::Items(items)) if !items.is_empty() => {
            // What emit_entry writes for `key: [items]`, with the item lines memoised.
            push_indent(&mut lines, node.col);
            push_key(&mut lines, key);
            lines.push(':');
            lines.push_str(style.newline);
            let dash = if style.compact_lists {
                node.col
            } else {
                node.col + 2
            };
            emit_items(&mut lines, style, dash, items);
        }
        _ => emit_entry(&mut lines, style, node.col, key, &nested_value(rest, add)),
    }
    let last = entries
        .last()
        .map(|(_, v)| *v)
        .expect("block mappings have entries");
    let offset = after_node(text, tree.node(last).end);
    block_insertion(text, style, offset, node.col, lines)
}

/// `key:` present with nothing after it: write the value on the lines below.
fn under_empty_key(
    tree: &Tree,
    style: &Style,
    key_node: NodeId,
    value: NodeId,
    rest: &[&str],
    add: &Addition,
) -> Insertion {
    let key = tree.node(key_node);
    // The empty value sits at its `:`, which is on the key's line or, after `? key`, below it.
    let colon_line_end = after_line(tree.text, (tree.node(value).start + 1).min(tree.text.len()));
    let mut lines = String::new();
    if let ([], Addition::Items(items)) = (rest, add) {
        let dash = if style.compact_lists {
            key.col
        } else {
            key.col + 2
        };
        emit_items(&mut lines, style, dash, items);
    } else {
        // With keys below it, or entries to add, the value is a mapping.
        let Value::Object(m) = nested_value(rest, add) else {
            unreachable!("only a list addition without keys below it is a list")
        };
        for (k, v) in &m {
            emit_entry(&mut lines, style, key.col + 2, k, v);
        }
    }
    Insertion {
        rank: 0,
        ..block_insertion(tree.text, style, colon_line_end, key.col, lines)
    }
}

fn extend_list(tree: &Tree, style: &Style, list: NodeId, items: &Arc<[Value]>) -> Insertion {
    let text = tree.text;
    let node_items = tree.items(list).unwrap_or(&[]);
    if is_flow(tree, list) {
        let joined: Vec<String> = items.iter().map(emit_flow).collect();
        return flow_insertion(tree, list, node_items.last().copied(), joined.join(", "));
    }
    let first = tree.node(node_items[0]);
    let dash = dash_column(text, first.start).unwrap_or(first.col.saturating_sub(2));
    let mut lines = String::new();
    emit_items(&mut lines, style, dash, items);
    let last = *node_items.last().expect("block lists have items");
    let offset = after_node(text, tree.node(last).end);
    let insertion = block_insertion(text, style, offset, dash, lines);
    // A compact list's items sit at the column of the keys of the mapping holding it: they still
    // belong to that mapping's last value, so they go before a new key of that mapping.
    Insertion {
        rank: insertion.rank - 1,
        ..insertion
    }
}

fn extend_map(tree: &Tree, style: &Style, map: NodeId, entries: &[(String, Value)]) -> Insertion {
    let node = tree.node(map);
    let existing = tree.entries(map).unwrap_or(&[]);
    if is_flow(tree, map) {
        let joined: Vec<String> = entries
            .iter()
            .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), emit_flow(v)))
            .collect();
        return flow_insertion(
            tree,
            map,
            existing.last().map(|(_, v)| *v),
            joined.join(", "),
        );
    }
    let mut lines = String::new();
    for (k, v) in entries {
        emit_entry(&mut lines, style, node.col, k, v);
    }
    let last = existing
        .last()
        .map(|(_, v)| *v)
        .expect("block mappings have entries");
    let offset = after_node(tree.text, tree.node(last).end);
    block_insertion(tree.text, style, offset, node.col, lines)
}

/// Insert `content` into a flow collection: after its last child, or inside empty brackets.
/// In a collection written over several lines (pretty JSON), the new content goes on its own line.
fn flow_insertion(
    tree: &Tree,
    collection: NodeId,
    last_child: Option<NodeId>,
    content: String,
) -> Insertion {
    let text = tree.text;
    let node = tree.node(collection);
    match last_child {
        None => {
            // `[]` / `{}` (possibly with spaces or newlines inside): right after the opening bracket.
            Insertion {
                offset: node.start + 1,
                rank: 0,
                text: content,
            }
        }
        Some(child) => {
            let child = tree.node(child);
            let child_line_start = text[..child.start].rfind('\n').map_or(0, |i| i + 1);
            let multiline = text[node.start..child.start].contains('\n');
            let separator = if multiline {
                let indent: String = text[child_line_start..]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
                format!(",{newline}{indent}")
            } else {
                ", ".to_string()
            };
            Insertion {
                offset: child.end,
                rank: 0,
                text: format!("{separator}{content}"),
            }
        }
    }
}

/// A block key as YAML text: plain when nothing could misread it, else double-quoted.
fn push_key(out: &mut String, key: &str) {
    let plain_safe = key
        .as_bytes()
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/'))
        && crate::yaml::plain_is_string(key);
    if plain_safe {
        out.push_str(key);
    } else {
        push_json_str(out, key);
    }
}

/// A string as JSON text (what `Value::String(s).to_string()` gives), without building a value.
fn push_json_str(out: &mut String, s: &str) {
    // serde_json escapes only `"`, `\` and control characters; anything else is copied.
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&serde_json::to_string(s).expect("strings serialise"));
    } else {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

/// A scalar as YAML text: strings double-quoted (JSON escapes are valid YAML), the rest plain.
fn push_scalar(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => push_json_str(out, s),
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        other => out.push_str(&other.to_string()),
    }
}

/// Flow (JSON-compatible) text of a value, with `: ` and `, ` separators.
pub fn emit_flow(v: &Value) -> String {
    let mut out = String::new();
    push_flow(&mut out, v);
    out
}

fn push_flow(out: &mut String, v: &Value) {
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_flow(out, item);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_json_str(out, k);
                out.push_str(": ");
                push_flow(out, v);
            }
            out.push('}');
        }
        other => push_scalar(out, other),
    }
}

fn is_empty_collection(v: &Value) -> bool {
    matches!(v, Value::Array(a) if a.is_empty()) || matches!(v, Value::Object(m) if m.is_empty())
}

/// `key: value` at `indent`, block style.
fn emit_entry(out: &mut String, style: &Style, indent: usize, key: &str, value: &Value) {
    push_indent(out, indent);
    push_key(out, key);
    out.push(':');
    emit_value_after_key(out, style, indent, value);
}

fn emit_value_after_key(out: &mut String, style: &Style, indent: usize, value: &Value) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push_str(style.newline);
            for (k, v) in m {
                emit_entry(out, style, indent + 2, k, v);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str(style.newline);
            let dash = if style.compact_lists {
                indent
            } else {
                indent + 2
            };
            for item in items {
                emit_item(out, style, dash, item);
            }
        }
        other => {
            out.push(' ');
            if is_empty_collection(other) {
                push_flow(out, other);
            } else {
                push_scalar(out, other);
            }
            out.push_str(style.newline);
        }
    }
}

/// `- item` lines for every item, the dashes at `dash`; remembered (see [`Written`]).
fn emit_items(out: &mut String, style: &Style, dash: usize, items: &Arc<[Value]>) {
    let mut written = style.written.borrow_mut();
    let recent = &mut written.recent;
    let found = recent.iter().position(|w| {
        Arc::ptr_eq(&w.items, items)
            && w.dash == dash
            && w.newline == style.newline
            && w.compact_lists == style.compact_lists
    });
    if let Some(i) = found {
        out.push_str(&recent[i].text);
        recent[..=i].rotate_right(1);
        return;
    }
    let start = out.len();
    for item in items.iter() {
        emit_item(out, style, dash, item);
    }
    recent.truncate(Written::KEEP - 1);
    recent.insert(
        0,
        WrittenItems {
            items: items.clone(),
            dash,
            newline: style.newline,
            compact_lists: style.compact_lists,
            text: out[start..].to_string(),
        },
    );
}

/// `- item` with the dash at `dash`, block style.
fn emit_item(out: &mut String, style: &Style, dash: usize, item: &Value) {
    push_indent(out, dash);
    out.push_str("- ");
    match item {
        Value::Object(m) if !m.is_empty() => {
            // The first entry shares the dash's line; the rest line up under it.
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    push_indent(out, dash + 2);
                }
                push_key(out, k);
                out.push(':');
                emit_value_after_key(out, style, dash + 2, v);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            push_flow(out, item);
            out.push_str(style.newline);
        }
        other => {
            if is_empty_collection(other) {
                push_flow(out, other);
            } else {
                push_scalar(out, other);
            }
            out.push_str(style.newline);
        }
    }
}

fn push_indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// A whole document re-emitted from its value, block style, every string double-quoted.
pub fn emit_document(value: &Value, newline: &'static str) -> String {
    let style = Style {
        newline,
        compact_lists: false,
        written: Default::default(),
    };
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                emit_entry(&mut out, &style, 0, k, v);
            }
        }
        other => {
            out.push_str(&emit_flow(other));
            out.push_str(newline);
        }
    }
    out
}

/// Apply edits to a document's value (for re-emitting); `pointer`s address the mapping `at`.
pub fn apply_to_value(doc: &mut Value, edits: &[Edit]) -> Result<(), String> {
    for edit in edits {
        let mut target = doc
            .pointer_mut(&edit.pointer)
            .ok_or_else(|| format!("no value at {}", edit.pointer))?;
        for key in edit.path {
            let map = target
                .as_object_mut()
                .ok_or_else(|| format!("expected a mapping above `{key}`"))?;
            let slot = map.entry(key.to_string()).or_insert(Value::Null);
            if slot.is_null() {
                *slot = match edit.add {
                    Addition::Items(_) if key == edit.path.last().unwrap() => {
                        Value::Array(Vec::new())
                    }
                    _ => Value::Object(serde_json::Map::new()),
                };
            }
            target = slot;
        }
        match (&edit.add, target) {
            (Addition::Items(items), Value::Array(list)) => list.extend(items.iter().cloned()),
            (Addition::Entries(entries), Value::Object(map)) => {
                for (k, v) in entries {
                    map.insert(k.clone(), v.clone());
                }
            }
            _ => return Err("the edit point has the wrong type".to_string()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse};
    use serde_json::json;

    /// Apply one edit at `path` below the root mapping.
    fn edit(text: &str, path: &'static [&'static str], add: Addition) -> String {
        let tree = parse(text, Limits::default()).unwrap();
        let e = Edit {
            at: tree.root.unwrap(),
            pointer: String::new(),
            path,
            add,
        };
        match apply(&tree, &[e]) {
            Ok(s) => s,
            Err(f) => panic!("{f:?}"),
        }
    }

    /// One list, written into documents of different styles through one `Written`: each gets
    /// what it would get on its own.
    #[test]
    fn remembered_items_follow_each_documents_style() {
        let items: Arc<[Value]> = vec![json!({"name": "data", "mountPath": "/data"})].into();
        let docs = [
            "spec:\n  volumes:\n    - name: a\n",
            "spec:\n  volumes:\n  - name: a\n",
            "spec:\r\n  volumes:\r\n    - name: a\r\n",
            "spec:\n  volumes:\n    - name: a\n",
            "spec:\n  x: 1\n",
            "a:\n  spec:\n    volumes:\n    - name: a\n",
        ];
        let mut written = Written::default();
        for text in docs {
            let tree = parse(text, Limits::default()).unwrap();
            let root = tree.root.unwrap();
            let at = tree
                .get(root, "spec")
                .or_else(|| tree.get(root, "a").and_then(|a| tree.get(a, "spec")));
            let e = Edit {
                at: at.unwrap(),
                pointer: String::new(),
                path: &["volumes"],
                add: Addition::Items(items.clone()),
            };
            let alone = apply(&tree, std::slice::from_ref(&e)).unwrap();
            let shared = with_insertions(
                text,
                &insertions(&tree, std::slice::from_ref(&e), &mut written).unwrap(),
            );
            assert_eq!(shared, alone, "{text:?}");
        }
        assert!(written.recent.len() > 1, "one list, several styles");
    }

    fn vol() -> Addition {
        Addition::Items(vec![json!({"name": "data1", "hostPath": {"path": "/data"}})].into())
    }

    #[test]
    fn appends_to_indented_block_list() {
        let text = "spec:\n  volumes:\n    - name: a # keep\n      emptyDir: {}\n  # trailing\nkind: Pod\n";
        let out = edit(text, &["spec", "volumes"], vol());
        assert_eq!(
            out,
            "spec:\n  volumes:\n    - name: a # keep\n      emptyDir: {}\n    - name: \"data1\"\n      hostPath:\n        path: \"/data\"\n  # trailing\nkind: Pod\n"
        );
    }

    #[test]
    fn appends_to_compact_block_list() {
        let text = "volumes:\n- name: a\n  emptyDir: {}\n";
        assert_eq!(
            edit(text, &["volumes"], vol()),
            "volumes:\n- name: a\n  emptyDir: {}\n- name: \"data1\"\n  hostPath:\n    path: \"/data\"\n"
        );
    }

    #[test]
    fn creates_missing_keys_at_the_mapping_indentation() {
        let text = "spec:\n  containers:\n  - name: c\n";
        assert_eq!(
            edit(text, &["spec", "volumes"], vol()),
            "spec:\n  containers:\n  - name: c\n  volumes:\n  - name: \"data1\"\n    hostPath:\n      path: \"/data\"\n"
        );
    }

    #[test]
    fn fills_an_empty_key_and_keeps_crlf() {
        let text = "env:\r\nname: x\r\n";
        assert_eq!(
            edit(
                text,
                &["env"],
                Addition::Items(vec![json!({"name": "A", "value": "yes"})].into())
            ),
            "env:\r\n  - name: \"A\"\r\n    value: \"yes\"\r\nname: x\r\n"
        );
    }

    #[test]
    fn inserts_into_flow_and_json() {
        assert_eq!(
            edit(
                "{\"volumes\": [{\"name\": \"a\"}], \"x\": 1}",
                &["volumes"],
                vol()
            ),
            "{\"volumes\": [{\"name\": \"a\"}, {\"name\": \"data1\", \"hostPath\": {\"path\": \"/data\"}}], \"x\": 1}"
        );
        assert_eq!(
            edit("{x: 1}", &["volumes"], vol()),
            "{x: 1, \"volumes\": [{\"name\": \"data1\", \"hostPath\": {\"path\": \"/data\"}}]}"
        );
        assert_eq!(
            edit("v: []\n", &["v"], Addition::Items(vec![json!(1)].into())),
            "v: [1]\n"
        );
        assert_eq!(
            edit(
                "{\n  \"v\": [\n    1\n  ]\n}\n",
                &["v"],
                Addition::Items(vec![json!(2)].into())
            ),
            "{\n  \"v\": [\n    1,\n    2\n  ]\n}\n"
        );
    }

    #[test]
    fn inner_blocks_come_before_outer_ones_at_one_place() {
        let text = "spec:\n  containers:\n  - name: c\n    env:\n";
        let tree = parse(text, Limits::default()).unwrap();
        let spec = tree.get(tree.root.unwrap(), "spec").unwrap();
        let container = tree.items(tree.get(spec, "containers").unwrap()).unwrap()[0];
        let edits = [
            Edit {
                at: spec,
                pointer: String::new(),
                path: &["volumes"],
                add: vol(),
            },
            Edit {
                at: container,
                pointer: String::new(),
                path: &["volumeMounts"],
                add: Addition::Items(vec![json!({"name": "m"})].into()),
            },
            Edit {
                at: container,
                pointer: String::new(),
                path: &["env"],
                add: Addition::Items(vec![json!({"name": "E"})].into()),
            },
        ];
        let out = apply(&tree, &edits).unwrap();
        assert_eq!(
            out,
            "spec:\n  containers:\n  - name: c\n    env:\n    - name: \"E\"\n    volumeMounts:\n    - name: \"m\"\n  volumes:\n  - name: \"data1\"\n    hostPath:\n      path: \"/data\"\n"
        );
    }

    #[test]
    fn inserts_after_a_block_scalar_that_ends_a_mapping() {
        // The scalar's span runs into the next line's indentation; the insertion must not skip it.
        let text = "containers:\n- name: a\n  args: |\n    x\n- name: b\n";
        let tree = parse(text, Limits::default()).unwrap();
        let a = tree
            .items(tree.get(tree.root.unwrap(), "containers").unwrap())
            .unwrap()[0];
        let e = Edit {
            at: a,
            pointer: String::new(),
            path: &["env"],
            add: Addition::Items(vec![json!({"name": "E"})].into()),
        };
        assert_eq!(
            apply(&tree, &[e]).unwrap(),
            "containers:\n- name: a\n  args: |\n    x\n  env:\n  - name: \"E\"\n- name: b\n"
        );
    }

    #[test]
    fn fills_an_explicit_empty_key_below_its_colon() {
        let text = "? env\n:\nname: x\n";
        let out = edit(
            text,
            &["env"],
            Addition::Items(vec![json!({"name": "E"})].into()),
        );
        assert_eq!(out, "? env\n:\n    - name: \"E\"\nname: x\n");
        assert_eq!(
            crate::yaml::parse_value(&out, Limits::default()).unwrap(),
            json!({"env": [{"name": "E"}], "name": "x"})
        );
    }

    #[test]
    fn asks_for_reemit_on_lone_carriage_returns() {
        let tree = parse("a: 1\rb: 2\r", Limits::default()).unwrap();
        let e = Edit {
            at: tree.root.unwrap(),
            pointer: String::new(),
            path: &["c"],
            add: vol(),
        };
        assert!(matches!(apply(&tree, &[e]), Err(Failure::NeedsReemit(_))));
    }

    #[test]
    fn keeps_block_scalars_whole() {
        let text = "a:\n  s: |+\n    keep\n\n";
        assert_eq!(
            edit(
                text,
                &["a", "m"],
                Addition::Entries(vec![("k".into(), json!("on"))])
            ),
            "a:\n  s: |+\n    keep\n\n  m:\n    k: \"on\"\n"
        );
    }

    #[test]
    fn adds_a_newline_at_end_of_input_without_one() {
        assert_eq!(
            edit(
                "a: 1",
                &["b"],
                Addition::Entries(vec![("c".into(), json!(true))])
            ),
            "a: 1\nb:\n  c: true"
        );
    }

    #[test]
    fn asks_for_reemit_through_aliases_and_nulls() {
        for text in ["a: &x {b: 1}\nc: *x\n", "c: null\n", "c:\n  <<: {b: 1}\n"] {
            let tree = parse(text, Limits::default()).unwrap();
            let e = Edit {
                at: tree.root.unwrap(),
                pointer: String::new(),
                path: &["c", "d"],
                add: vol(),
            };
            assert!(
                matches!(apply(&tree, &[e]), Err(Failure::NeedsReemit(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn reports_wrong_shapes() {
        let tree = parse("spec: 3\n", Limits::default()).unwrap();
        let e = Edit {
            at: tree.root.unwrap(),
            pointer: String::new(),
            path: &["spec", "volumes"],
            add: vol(),
        };
        assert!(matches!(apply(&tree, &[e]), Err(Failure::WrongShape(w)) if w.line == 1));
    }

    #[test]
    fn emitted_text_reads_back_as_the_value() {
        let v = json!({"a": ["yes", "0644", 1, true, null, {"b": "on", "c": []}], "d": {}, "e/f": "x\ny"});
        let text = emit_document(&v, "\n");
        assert_eq!(
            crate::yaml::parse_value(&text, Limits::default()).unwrap(),
            v
        );
    }
}
