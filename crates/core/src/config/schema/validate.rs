//! A JSON Schema validator for the keywords `schema/persistence.schema.json` uses, and no others.
//!
//! stowage checks only the *structure* of a config with its schema (types, known keys, enums,
//! lengths); the Rust rules (`rules/`) check what strings mean. That takes a few hundred lines, where
//! a general validator crate was the critical path of a fresh release build (the numbers are in
//! docs/design.md, under dependencies). The `jsonschema` crate stays as the judge in the tests
//! (`config/tests/schema.rs`): on every config under `testdata/` and hundreds of one-field
//! mutations, both report the same errors, at the same instance and schema paths, in the same
//! order.
//!
//! Semantics are draft-07's, which Helm 3 checks values with; the schema only uses keywords that
//! mean the same in draft 2020-12 (`draft_07_and_2020_12_agree`). In particular a `$ref` hides its
//! siblings, and `pattern` is not checked: the Rust rules are its authority
//! (`rust_rules_agree_with_the_schema_patterns`).

use serde_json::{Map, Value};

/// Every keyword this validator reads, skips on purpose (`pattern`) or reads as an annotation. A
/// test walks the schema and fails on any other, so a new keyword cannot be ignored by accident.
#[cfg(test)]
pub(in crate::config) const KEYWORDS: &[&str] = &[
    "$defs",
    "$ref",
    "additionalProperties",
    "enum",
    "items",
    "maxLength",
    "minItems",
    "pattern",
    "properties",
    "propertyNames",
    "required",
    "type",
    "uniqueItems",
    // Annotations.
    "$id",
    "$schema",
    "title",
    "description",
];

/// One failed keyword.
#[derive(Debug)]
pub(in crate::config) struct SchemaError<'a> {
    /// JSON pointer to the failing value (`/data/data1/readOnly`).
    pub(in crate::config) instance_path: String,
    /// JSON pointer to the failing keyword in the schema document, after `$ref`s
    /// (`/$defs/flag/type`, not the path through the `$ref`).
    pub(in crate::config) schema_path: String,
    /// The failing value; for `PropertyNames`, the mapping whose key fails.
    pub(in crate::config) instance: &'a Value,
    pub(in crate::config) kind: Kind<'a>,
}

/// What failed, with what the diagnostics need to say it.
#[derive(Debug)]
pub(in crate::config) enum Kind<'a> {
    Type,
    /// `options` is the `enum` array.
    Enum {
        options: &'a Value,
    },
    MaxLength {
        limit: u64,
    },
    MinItems,
    UniqueItems,
    Required {
        property: &'a str,
    },
    /// Every key of the mapping that neither `properties` nor a schema in `additionalProperties`
    /// allows, in the mapping's order: one error for all of them.
    AdditionalProperties {
        unexpected: Vec<String>,
    },
    /// A key of the mapping fails `propertyNames`; `schema_path` is the keyword of that schema.
    PropertyNames,
}

/// Every error of `instance` against `schema` (the whole schema document), depth first. In each
/// schema object the keywords run in this order: `type`, `enum`, `maxLength`, `minItems`,
/// `required`, `uniqueItems`, then `properties` and `additionalProperties` as one step over the
/// mapping's keys in the mapping's order (the unexpected keys in one error after the values'
/// errors), `propertyNames`, `items`. That is the order of `jsonschema`'s `iter_errors`, which
/// the diagnostics had before this validator, so messages come out as they did.
pub(in crate::config) fn errors<'a>(
    schema: &'a Value,
    instance: &'a Value,
) -> Vec<SchemaError<'a>> {
    let mut walk = Walk {
        root: schema,
        out: Vec::new(),
    };
    let mut at = String::new();
    walk.check(schema, "", instance, &mut at);
    walk.out
}

struct Walk<'a> {
    root: &'a Value,
    out: Vec<SchemaError<'a>>,
}

impl<'a> Walk<'a> {
    /// Checks `instance` (at pointer `at`) against the schema object `node` (at pointer `here` in
    /// the document). The keywords run in a fixed order, whatever their order in the schema file:
    /// the one `jsonschema` gives them (cheap checks first), so that errors, and the diagnostics
    /// made of them, come out in the order they always had.
    fn check(&mut self, node: &'a Value, here: &str, instance: &'a Value, at: &mut String) {
        let Some(node) = node.as_object() else {
            // Boolean subschemas appear only as `additionalProperties: false`, read by `members`.
            return;
        };
        if let Some(reference) = node.get("$ref") {
            // Draft-07: `$ref` replaces its siblings. Only local `#/...` references are used.
            let target = reference.as_str().and_then(|r| r.strip_prefix('#'));
            match target.and_then(|t| Some((t, self.root.pointer(t)?))) {
                Some((pointer, target)) => self.check(target, pointer, instance, at),
                None => debug_assert!(false, "unresolved $ref {reference} at {here}"),
            }
            return;
        }
        let keyword = |k: &str| format!("{here}/{k}");
        if let Some(types) = node.get("type")
            && !has_type(instance, types)
        {
            self.push(at, keyword("type"), instance, Kind::Type);
        }
        if let Some(options) = node.get("enum")
            && !options
                .as_array()
                .is_some_and(|o| o.iter().any(|o| equal(o, instance)))
        {
            self.push(at, keyword("enum"), instance, Kind::Enum { options });
        }
        if let (Some(limit), Some(s)) = (
            node.get("maxLength").and_then(Value::as_u64),
            instance.as_str(),
        ) && s.chars().count() as u64 > limit
        {
            self.push(
                at,
                keyword("maxLength"),
                instance,
                Kind::MaxLength { limit },
            );
        }
        if let (Some(limit), Some(items)) = (
            node.get("minItems").and_then(Value::as_u64),
            instance.as_array(),
        ) && (items.len() as u64) < limit
        {
            self.push(at, keyword("minItems"), instance, Kind::MinItems);
        }
        if let (Some(Value::Array(names)), Some(object)) =
            (node.get("required"), instance.as_object())
        {
            for property in names.iter().filter_map(Value::as_str) {
                if !object.contains_key(property) {
                    self.push(
                        at,
                        keyword("required"),
                        instance,
                        Kind::Required { property },
                    );
                }
            }
        }
        if node.get("uniqueItems") == Some(&Value::Bool(true))
            && let Some(items) = instance.as_array()
            && !unique(items)
        {
            self.push(at, keyword("uniqueItems"), instance, Kind::UniqueItems);
        }
        if let Some(object) = instance.as_object() {
            if node.contains_key("properties") || node.contains_key("additionalProperties") {
                self.members(node, here, object, instance, at);
            }
            if let Some(names) = node.get("propertyNames") {
                self.property_names(names, &keyword("propertyNames"), object, instance, at);
            }
        }
        if let (Some(schema), Some(items)) = (node.get("items"), instance.as_array()) {
            let here = keyword("items");
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                push_segment(at, &i.to_string());
                self.check(schema, &here, item, at);
                at.truncate(len);
            }
        }
    }

    /// `properties` and `additionalProperties` of `node`, over `object`'s keys in its order.
    fn members(
        &mut self,
        node: &'a Map<String, Value>,
        here: &str,
        object: &'a Map<String, Value>,
        instance: &'a Value,
        at: &mut String,
    ) {
        let properties = node.get("properties").and_then(Value::as_object);
        let additional = node.get("additionalProperties");
        let mut unexpected = Vec::new();
        for (key, value) in object {
            let (schema, schema_path) = match (properties.and_then(|p| p.get(key)), additional) {
                (Some(schema), _) => (schema, format!("{here}/properties/{}", escape(key))),
                (None, Some(Value::Bool(false))) => {
                    unexpected.push(key.clone());
                    continue;
                }
                (None, Some(schema @ Value::Object(_))) => {
                    (schema, format!("{here}/additionalProperties"))
                }
                (None, _) => continue,
            };
            let len = at.len();
            push_segment(at, key);
            self.check(schema, &schema_path, value, at);
            at.truncate(len);
        }
        if !unexpected.is_empty() {
            let kind = Kind::AdditionalProperties { unexpected };
            self.push(at, format!("{here}/additionalProperties"), instance, kind);
        }
    }

    /// `propertyNames`: each key of `object` checked as a string. An error names the mapping, as
    /// the key has no pointer of its own.
    fn property_names(
        &mut self,
        schema: &'a Value,
        here: &str,
        object: &'a Map<String, Value>,
        instance: &'a Value,
        at: &str,
    ) {
        for key in object.keys() {
            let name = Value::String(key.clone());
            let mut inner = Walk {
                root: self.root,
                out: Vec::new(),
            };
            inner.check(schema, here, &name, &mut String::new());
            for error in inner.out {
                self.push(at, error.schema_path, instance, Kind::PropertyNames);
            }
        }
    }

    fn push(&mut self, at: &str, schema_path: String, instance: &'a Value, kind: Kind<'a>) {
        self.out.push(SchemaError {
            instance_path: at.to_string(),
            schema_path,
            instance,
            kind,
        });
    }
}

/// `type`: one type name or a list of them.
fn has_type(instance: &Value, types: &Value) -> bool {
    let is = |t: &Value| match t.as_str() {
        Some("null") => instance.is_null(),
        Some("boolean") => instance.is_boolean(),
        Some("object") => instance.is_object(),
        Some("array") => instance.is_array(),
        Some("string") => instance.is_string(),
        Some("number") => instance.is_number(),
        // Draft-07: a number with no fractional part (`1.0` too).
        Some("integer") => instance
            .as_f64()
            .is_some_and(|n| instance.is_i64() || instance.is_u64() || n.fract() == 0.0),
        _ => false,
    };
    match types {
        Value::Array(types) => types.iter().any(is),
        one => is(one),
    }
}

/// JSON Schema equality (`enum`, `uniqueItems`): numbers by value (`1` equals `1.0`), mappings
/// whatever their key order.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// Config lists are short: comparing each pair is cheaper than hashing.
fn unique(items: &[Value]) -> bool {
    items
        .iter()
        .enumerate()
        .all(|(i, a)| items[i + 1..].iter().all(|b| !equal(a, b)))
}

/// Appends one JSON pointer segment (`~` → `~0`, `/` → `~1`).
fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    pointer.push_str(&escape(segment));
}

fn escape(segment: &str) -> std::borrow::Cow<'_, str> {
    if segment.contains(['~', '/']) {
        segment.replace('~', "~0").replace('/', "~1").into()
    } else {
        segment.into()
    }
}
