//! Where and how text is inserted for an edit: after the last item of a list, the last entry of
//! a mapping, or below an empty key, at the column its neighbours use; inside the brackets of
//! a flow collection.

use std::sync::Arc;

use serde_json::Value;

use super::emit::{Style, Written, emit_entry, emit_flow, emit_items, push_indent, push_key};
use super::{Addition, Edit, Failure, NeedsReemit};
use crate::report::{Diagnostic, Place};
use crate::yaml::{Kind, NodeId, Tree};

pub(super) struct Insertion {
    pub offset: usize,
    /// Order among insertions at one offset: lower first. The value of an empty key must directly
    /// follow its key line; otherwise deeper blocks go first, so that a block closing an inner
    /// mapping is not read as part of an outer one inserted at the same place.
    pub rank: usize,
    pub text: String,
    /// Bytes from `offset` that the text replaces: 0 (an insertion), except for an explicit
    /// `null` that a new value takes the place of.
    pub replace: usize,
}

impl Style {
    /// `crlf`: the text has a `\r`, and every one of them ends a line.
    pub(super) fn of(tree: &Tree, crlf: bool, written: Written) -> Style {
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
        // An alias repeats a node walked where it is defined, and may sit inside it (`&a {x: *a}`):
        // following it could go round for ever.
        if matches!(tree.node(id).kind, Kind::Alias(_)) {
            continue;
        }
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
    Failure::WrongShape(Box::new(Diagnostic::error(
        Place {
            line: Some(node.line),
            column: Some(node.col + 1),
            ..Place::default()
        },
        message,
    )))
}

pub(super) fn reemit(reason: impl Into<String>) -> Failure {
    Failure::NeedsReemit(NeedsReemit(reason.into()))
}

pub(super) fn plan_insertion(
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
                    // `key: null` (or `~`) in a block mapping: the new value takes the place of the
                    // null, as it would below an empty key. In flow style the whole collection
                    // would have to be rewritten.
                    Kind::Scalar { .. }
                        if tree.is_null(value)
                            && !is_flow(tree, map)
                            && on_key_line(tree, key_node, value) =>
                    {
                        out.push(null_removed(tree, value));
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
        replace: 0,
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

/// Whether the value starts on its key's line (`key: null`, not `? key` ... `: null`).
fn on_key_line(tree: &Tree, key: NodeId, value: NodeId) -> bool {
    let (k, v) = (tree.node(key), tree.node(value));
    !tree.text[k.end.min(v.start)..v.start].contains('\n')
}

/// The removal of an explicit null and the blanks before it: `key: null` → `key:`.
fn null_removed(tree: &Tree, value: NodeId) -> Insertion {
    let v = tree.node(value);
    let before = &tree.text[..v.start];
    let start = before.trim_end_matches([' ', '\t']).len();
    Insertion {
        offset: start,
        rank: 0,
        text: String::new(),
        replace: v.end - start,
    }
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
                replace: 0,
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
                replace: 0,
            }
        }
    }
}
