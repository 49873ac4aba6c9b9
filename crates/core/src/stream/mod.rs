//! Split a manifest stream into documents with exact byte ranges.
//!
//! [`split`] cuts the input into chunks whose ranges tile it: concatenating every
//! [`Document::range`] gives back the input byte for byte, so a document that is not edited is
//! copied as `&input[doc.range]`. Each chunk also carries what a line scan can tell without a
//! YAML parser: the `kind` and `apiVersion` of a block-style root mapping, the Helm 3
//! `# Source:` comment, the line numbers needed to turn parser positions into stream positions,
//! and whether that scan is trustworthy ([`Document::certain`]).
//!
//! Helm 3 streams (`---\n# Source: chart/templates/x.yaml\n<doc>\n`) give [`Document::source`].
//! Helm 4 streams (kyaml-normalised, `---` only between documents) have no `# Source:`; their
//! file name is the `postrenderer.helm.sh/postrender-filename` annotation, which takes a parse
//! and is not read here.
//!
//! # Rules
//! * A chunk starts at a `---` line (column 0, followed by end of line, a space or a tab; a line
//!   break is `\n`, `\r\n` or a lone `\r`, as in YAML). `----` and `---x` are content. A column-0
//!   `---` always starts a document, even inside a root-level block scalar, as in every spec
//!   parser; an indented `---` is content.
//! * A run of `%` directive lines (comment and blank lines may sit between them) that ends at a
//!   `---` line belongs to the chunk of that `---`: the chunk starts at the first `%` line.
//!   Directives are only recognised where YAML allows them, at the stream start and after a
//!   `...` line; any other `%` line is content (of a root block scalar, or a parse error, as in
//!   serde-saphyr) and makes the scan uncertain.
//! * A `...` line (column 0, followed by end of line, a space or a tab) ends its chunk and
//!   belongs to it. Whatever follows, up to the next chunk start, is a chunk of its own: a bare
//!   document, or an `Empty` chunk when it holds only comments and blank lines.
//! * Text before the first `---` is a chunk of its own (a bare first document, or a leading
//!   comment block: `Empty`). Chunks are never zero-length, except that empty input gives one
//!   `Empty` document with the range `0..0`, so the result is never an empty list.
//! * A UTF-8 byte-order mark at the start of the input belongs to the first chunk's `range`,
//!   never to its `body`, and does not disturb detection; `BOM---` is a document marker. A BOM at
//!   the start of a later `---`, `...` or `%` line (the YAML spec allows one before each
//!   document, e.g. in concatenated files) is treated the same way and belongs to the chunk it
//!   starts; serde-saphyr accepts such a BOM only after a `...`. Elsewhere a BOM is content.
//! * The input must be valid UTF-8 without NUL bytes; [`SplitError`] says where it is not.
//!   All range boundaries fall on character boundaries, so `&text[doc.body.clone()]` is fine
//!   on the validated input.
//!
//! # Re-emitting a document
//! `range` = `head()` + `body` + `tail()`: the head is the directives, the BOM and the `---`
//! (up to the end of the three dashes), the tail the `...` line with its line break. Content
//! on the marker line (`--- {kind: Pod}`, `--- |`, `--- !tag`) is part of `body`, so a caller
//! that re-emits a document from a value must write its own `---\n` (a marker line holds more
//! than the marker), and copy `tail()` after it to keep the `...` (no value holds it). A chunk
//! with `%TAG`/`%YAML` directives (`directives == true`) must be parsed from `parse_range()`,
//! which includes them.
//!
//! # Residual risk
//! Kind detection reads column-0 lines only. A lenient parser accepts an under-indented
//! continuation line of a multi-line quoted scalar; if such a line reads exactly like
//! `kind: X`, the scan believes it. Column-0 lines that do not look like root mapping keys,
//! quote or flow characters in a detected value, and multi-line flow or quoted values of root
//! keys all make the scan uncertain, so what is left is rare; a caller that parses a document
//! anyway can compare kinds.
//!
//! # Layout
//! `lines` tells what a line is (a marker, a directive, content) and where lines end;
//! `splitter` cuts the stream into chunks; `detect` reads a chunk's root keys line by line, with
//! `scalar` reading the keys and values on one line.

use std::fmt;
use std::ops::Range;

mod detect;
mod lines;
mod scalar;
mod splitter;

use lines::count_breaks;
use splitter::Splitter;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What a chunk holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Only comments, blank lines, markers (`---`, `...`) and directives: a template that
    /// rendered to nothing. Copy it.
    Empty,
    /// Has content (a node): normally a mapping, but any YAML node counts (`--- |`, `- a`, `~`).
    Object,
}

/// One chunk of the stream. All ranges are byte offsets into the input given to [`split`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Every byte of this chunk: directives, the `---` line, the body, a trailing `...` line.
    /// The ranges of all documents tile the input.
    pub range: Range<usize>,
    /// The YAML text of the document: starts right after the three dashes of the `---` marker
    /// (so content on the marker line is included), or at the chunk start (after a BOM) for a
    /// bare document; ends where a `...` line starts, else at the chunk end.
    pub body: Range<usize>,
    /// 1-based line of `range.start` in the whole stream.
    pub start_line: usize,
    /// 1-based line of `body.start` (the `---` line for marked documents).
    pub body_line: usize,
    /// Characters before `body.start` on its line: 3 after `---`, else 0 (a BOM counts as 0).
    /// Add it to columns a parser reports on the body's first line ([`Document::stream_position`]).
    pub body_column: usize,
    pub class: Class,
    /// The value of a column-0 `kind:` key of a block-style root mapping (key and value may be
    /// quoted; trailing comments, `\r` and quotes stripped). `None` when there is none or it
    /// cannot be read from the text (flow/JSON documents, content on the `---` line, ...).
    /// When `certain` is false this is only a best guess, possibly `Some` and wrong: parse.
    pub kind: Option<String>,
    /// Like `kind`, for `apiVersion`.
    pub api_version: Option<String>,
    /// The Helm 3 `# Source: chart/templates/x.yaml` comment of the leading comment block.
    pub source: Option<String>,
    /// The chunk contains at least one `\r\n` line break.
    pub crlf: bool,
    /// The chunk starts with `%` directive lines (see [`Document::parse_range`]).
    pub directives: bool,
    /// The chunk starts with a UTF-8 byte-order mark (part of `range`, not of `body`).
    pub bom: bool,
    /// `kind` and `api_version` (`None` included) are what a YAML parser reads from this
    /// document, as far as a line scan can know. `false` for flow/JSON documents, `!tag`,
    /// `&anchor`, `*alias`, `?` or other indicators at column 0, content on the `---` line,
    /// directives, an indented root, a repeated or multi-line or non-string-looking `kind:` or
    /// `apiVersion:`, a `<<` merge key at the root, and column-0 lines that are not root keys.
    /// When `false`, parse the document to know its kind.
    pub certain: bool,
}

impl Document {
    /// The bytes of the whole chunk.
    pub fn bytes<'a>(&self, input: &'a [u8]) -> &'a [u8] {
        &input[self.range.clone()]
    }

    /// The body text (the input must be the `str` that was split).
    pub fn body_str<'a>(&self, input: &'a str) -> &'a str {
        &input[self.body.clone()]
    }

    /// Directives, BOM and `---` marker: the bytes before `body`.
    pub fn head(&self) -> Range<usize> {
        self.range.start..self.body.start
    }

    /// The `...` line and what follows it in the chunk (empty when there is no `...`).
    pub fn tail(&self) -> Range<usize> {
        self.body.end..self.range.end
    }

    /// The chunk ends with a `...` document-end line.
    pub fn has_end_marker(&self) -> bool {
        self.body.end < self.range.end
    }

    /// The text to hand to a YAML parser: `body`, or for a chunk with directives the
    /// directives, the `---` and the body (BOM skipped). Positions a parser reports in it start
    /// at line [`Document::parse_line`].
    pub fn parse_range(&self) -> Range<usize> {
        if self.directives {
            let start = self.range.start + if self.bom { BOM.len() } else { 0 };
            start..self.body.end
        } else {
            self.body.clone()
        }
    }

    /// 1-based stream line of the first line of [`Document::parse_range`].
    pub fn parse_line(&self) -> usize {
        if self.directives {
            self.start_line
        } else {
            self.body_line
        }
    }

    /// Converts a 1-based (line, column) reported by a parser on `body` into a 1-based
    /// (line, column) in the stream.
    pub fn stream_position(&self, line: usize, column: usize) -> (usize, usize) {
        let line = line.max(1);
        let column = if line == 1 {
            column + self.body_column
        } else {
            column
        };
        (self.body_line + line - 1, column)
    }
}

/// Why the input cannot be split: it is not valid UTF-8, or it contains a NUL byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitError {
    /// Byte offset of the offending byte in the input.
    pub offset: usize,
    /// 1-based line and column (in characters) of that byte in the stream.
    pub line: usize,
    pub column: usize,
    /// 1-based index of the document (as returned by [`split_unchecked`]) holding that byte.
    pub document: usize,
    /// What is wrong, e.g. `input is not valid UTF-8`.
    pub message: String,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "document {}, line {}, column {}: {} (byte offset {})",
            self.document, self.line, self.column, self.message, self.offset
        )
    }
}

impl std::error::Error for SplitError {}

/// Splits a manifest stream into documents (see the module documentation for the rules).
/// Fails if the input is not valid UTF-8 or contains a NUL byte.
pub fn split(input: &[u8]) -> Result<Vec<Document>, SplitError> {
    split_text(input).map(|(_, docs)| docs)
}

/// [`split`], with the input as text.
pub fn split_text(input: &[u8]) -> Result<(&str, Vec<Document>), SplitError> {
    let docs = split_unchecked(input);
    match checked_text(input) {
        Ok(text) => Ok((text, docs)),
        Err((offset, message)) => Err(split_error(input, &docs, offset, message)),
    }
}

/// The input as text, or the first byte that makes it unreadable: a NUL before any invalid
/// UTF-8, else the first invalid UTF-8.
fn checked_text(input: &[u8]) -> Result<&str, (usize, &'static str)> {
    let (text, utf8_error) = match std::str::from_utf8(input) {
        Ok(text) => (Some(text), None),
        Err(e) => (None, Some(e.valid_up_to())),
    };
    let checked = &input[..utf8_error.unwrap_or(input.len())];
    match (memchr::memchr(0, checked), utf8_error, text) {
        (Some(o), _, _) => Err((o, "input contains a NUL byte, which YAML does not allow")),
        (None, Some(o), _) => Err((o, "input is not valid UTF-8")),
        (None, None, text) => Ok(text.unwrap_or_default()),
    }
}

fn split_error(input: &[u8], docs: &[Document], offset: usize, message: &str) -> SplitError {
    let line_start = input[..offset]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |p| p + 1);
    let line = 1 + count_breaks(&input[..offset]);
    // The prefix of the line is valid UTF-8: the error is the first bad byte.
    let column = 1 + String::from_utf8_lossy(&input[line_start..offset])
        .chars()
        .count();
    let document = 1 + docs
        .iter()
        .position(|d| d.range.contains(&offset))
        .unwrap_or(docs.len() - 1);
    SplitError {
        offset,
        line,
        column,
        document,
        message: message.to_string(),
    }
}

/// [`split`] without the UTF-8 and NUL checks. Never panics; on invalid UTF-8 the detected
/// strings are converted lossily.
pub fn split_unchecked(input: &[u8]) -> Vec<Document> {
    Splitter::new(input).run()
}

#[cfg(test)]
mod tests;
