//! A YAML document reader that keeps where every node is in the text.
//!
//! The editor inserts text at byte offsets, so it needs positions and styles, not just values; the
//! planner needs values typed the way Kubernetes types them. [`parse`] builds both from one pass of
//! granit-parser events (the parser serde-saphyr uses): an arena of [`Node`]s with byte spans, and
//! [`Tree::value`] which resolves plain scalars like go-yaml v2 (`sigs.k8s.io/yaml`, what kubectl,
//! Helm and the API server read with): `yes`/`on` are booleans, `0644` is 420, `1_000` is 1000.
//!
//! The modules, by job: `tree` (the node arena and its queries), `fast` (the reader for plain
//! block YAML), `granit` (the reader for everything else, from granit-parser events), `value`
//! (nodes as `serde_json::Value`s) and `plain` (how a plain scalar is typed).

use serde_json::Value;

mod fast;
mod granit;
mod plain;
mod tree;
mod value;

pub use granit::parse_granit;
pub use plain::{plain_is_string, plain_is_string_in_any_schema, resolve_plain};
pub use tree::{Kind, Node, NodeId, Spare, Tag, Tree};

/// Bounds that keep hostile input from costing unbounded time or memory.
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

/// Parse one YAML document (the text may hold only one; a second document is an error).
///
/// Most Kubernetes manifests are plain block YAML, which the fast path (`fast`) reads several times
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

/// [`parse`]'s fast path alone: `None` where it leaves the text to granit (public for tests).
#[doc(hidden)]
pub fn parse_fast(text: &str, limits: Limits) -> Option<Tree<'_>> {
    fast::parse(text, limits, &mut Spare::default())
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
mod tests;
