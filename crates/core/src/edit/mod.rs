//! Lossless insertion into a document's text.
//!
//! An [`Edit`] says "under this mapping, at this key path, add these list items (or these map
//! entries)". [`splices`] turns edits into text inserted at the right byte offsets and
//! indentation, in the document's own style: block lists stay block (compact or indented, as the
//! document writes them), flow and JSON documents get flow items. Nothing that was there is
//! re-emitted, so comments, anchors, key order, quoting and line endings survive, and deleting the
//! inserted text gives the input back.
//!
//! A [`Splice`] is the one text change from here to the output: the filter's result, the
//! adapters' removals (the in-stream config) and replacements (a document re-emitted), all written
//! out by [`write`].
//!
//! When an edit point can't be reached by inserting text (through an alias or merge key, or where
//! a key holds an explicit `null` that would have to be replaced), [`splices`] says so and the
//! caller re-emits that one object from its value ([`apply_to_value`], [`emit_document`]).

mod emit;
mod insert;
#[cfg(test)]
mod tests;

use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;

use crate::report::Diagnostic;
use crate::yaml::{NodeId, Tree};

pub use emit::{Written, emit_document, emit_flow};

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
    /// JSON pointer of `at` inside the edited object's value (used when re-emitting).
    pub pointer: String,
    /// Keys below `at`, created when missing; the last one holds the list or mapping to extend.
    pub path: &'static [&'static str],
    pub add: Addition,
}

/// Replace `range` of a text with `text`: an insertion when the range is empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splice {
    pub range: Range<usize>,
    /// Shared by the identical insertions of one object (the containers of a pod all get the
    /// same mounts and env vars), which would otherwise be most of the memory held for a release.
    pub text: Arc<str>,
}

impl Splice {
    pub fn insert(at: usize, text: impl Into<Arc<str>>) -> Splice {
        Splice {
            range: at..at,
            text: text.into(),
        }
    }

    pub fn remove(range: Range<usize>) -> Splice {
        Splice {
            range,
            text: Arc::from(""),
        }
    }

    /// The same change at `offset` bytes further on (from a text to a text that contains it).
    pub fn shifted(mut self, offset: usize) -> Splice {
        self.range = self.range.start + offset..self.range.end + offset;
        self
    }
}

/// Why an edit can't be made by inserting text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedsReemit(pub String);

#[derive(Debug)]
pub enum Failure {
    NeedsReemit(NeedsReemit),
    /// The document's structure is wrong where stowage must write (the line and column are
    /// the tree's).
    WrongShape(Box<Diagnostic>),
}

/// The text to insert for `edits`, in offset order, with offsets in `tree.text`. `written`
/// remembers item lines across calls (pass the same one for the objects of a stream).
pub fn splices(tree: &Tree, edits: &[Edit], written: &mut Written) -> Result<Vec<Splice>, Failure> {
    let text = tree.text;
    let crlf = text.contains('\r');
    // Lines ended by a lone `\r` (classic Mac) are lines to YAML but not to our line arithmetic.
    if crlf && text.split('\r').skip(1).any(|rest| !rest.starts_with('\n')) {
        return Err(insert::reemit(
            "the document ends lines with a lone carriage return",
        ));
    }
    let style = emit::Style::of(tree, crlf, std::mem::take(written));
    let mut insertions = Vec::new();
    let planned = edits
        .iter()
        .try_for_each(|edit| insert::plan_insertion(tree, &style, edit, &mut insertions));
    *written = style.written.into_inner();
    planned?;
    // Stable: insertions of one rank at one offset keep the order the edits asked for.
    insertions.sort_by_key(|i| (i.offset, i.rank));
    let mut texts: Vec<Arc<str>> = Vec::new();
    Ok(insertions
        .into_iter()
        .map(|i| {
            let text = match texts.iter().find(|t| ***t == *i.text) {
                Some(same) => same.clone(),
                None => {
                    let text: Arc<str> = Arc::from(i.text);
                    texts.push(text.clone());
                    text
                }
            };
            Splice {
                range: i.offset..i.offset + i.replace,
                text,
            }
        })
        .collect())
}

/// Apply `edits` to the text of `tree`, returning the new text.
pub fn apply(tree: &Tree, edits: &[Edit]) -> Result<String, Failure> {
    let splices = splices(tree, edits, &mut Written::default())?;
    Ok(spliced(tree.text, &splices))
}

/// `text` with `splices` (in order, not overlapping) applied.
pub fn spliced(text: &str, splices: &[Splice]) -> String {
    let mut out =
        Vec::with_capacity(text.len() + splices.iter().map(|s| s.text.len()).sum::<usize>());
    write(text.as_bytes(), splices, &mut out).expect("writing to a Vec never fails");
    String::from_utf8(out).expect("splices of text are text")
}

/// Write `input` with `splices` applied. The pieces go out a thousand at a time (`writev`),
/// not copied into a buffer first.
pub fn write(
    input: &[u8],
    splices: &[Splice],
    out: &mut (impl std::io::Write + ?Sized),
) -> std::io::Result<()> {
    let mut pieces = Vec::with_capacity(1024);
    let mut pos = 0;
    for s in splices {
        pieces.push(std::io::IoSlice::new(&input[pos..s.range.start]));
        pieces.push(std::io::IoSlice::new(s.text.as_bytes()));
        pos = s.range.end;
        if pieces.len() >= 1024 {
            write_all_vectored(out, &mut pieces)?;
        }
    }
    pieces.push(std::io::IoSlice::new(&input[pos..]));
    write_all_vectored(out, &mut pieces)
}

/// Write every byte of `pieces` (emptied after), as `Write::write_all` does for one slice.
fn write_all_vectored(
    out: &mut (impl std::io::Write + ?Sized),
    pieces: &mut Vec<std::io::IoSlice<'_>>,
) -> std::io::Result<()> {
    let mut rest = &mut pieces[..];
    std::io::IoSlice::advance_slices(&mut rest, 0);
    while !rest.is_empty() {
        match out.write_vectored(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    pieces.clear();
    Ok(())
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
