//! Building a [`Tree`] from granit-parser events: the reader for every text the fast path
//! leaves to it, and the reference the fast path is tested against.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

use crate::{Kind, Limits, Node, NodeId, Spare, Tag, Tree, YamlError, err};

/// [`crate::parse`] through granit-parser events only (public so tests can compare the fast path with it).
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
