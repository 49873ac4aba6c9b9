//! A tree's nodes as values, typed the way Kubernetes reads them: scalars by their tag and
//! style, plain ones by [`crate::plain`]; merge keys applied; alias expansion bounded.

use granit_parser::ScalarStyle;
use serde_json::{Map, Value};

use crate::plain::{Plain, classify_plain, plain_is_string, resolve_plain};
use crate::{Kind, Limits, Node, NodeId, Tree, YamlError, err};

impl Tree<'_> {
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
pub(crate) fn scalar_is_string(text: &str, node: &Node) -> bool {
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
pub(crate) fn scalar_is_null(text: &str, node: &Node) -> bool {
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
