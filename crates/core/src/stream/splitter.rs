//! The splitter: one pass over the lines, cutting chunks at markers and directive runs, each
//! with its kind detection.

use super::detect::Detect;
use super::lines::{Breaks, LineKind, classify, is_blank_or_comment, is_ws, strip_chunk_bom};
use super::{BOM, Class, Document};

pub(super) struct Splitter<'a> {
    input: &'a [u8],
    /// Whether the input has a `\r` not followed by `\n` (then lines end at those too).
    lone_cr: bool,
    docs: Vec<Document>,
}

/// The chunk being built.
struct Chunk {
    start: usize,
    start_line: usize,
    body_start: usize,
    body_line: usize,
    body_column: usize,
    body_end: Option<usize>,
    directives: bool,
    /// Directive chunk whose `---` has not been seen yet.
    awaiting_marker: bool,
    /// Directives may start here: the chunk began at the stream start or after a `...` line,
    /// and has had no `---` and no content yet.
    fresh: bool,
    bom: bool,
    crlf: bool,
    det: Detect,
}

impl Chunk {
    fn bare(input: &[u8], start: usize, line: usize) -> Chunk {
        let bom = input[start..].starts_with(BOM);
        let body_start = start + if bom { BOM.len() } else { 0 };
        Chunk {
            start,
            start_line: line,
            body_start,
            body_line: line,
            body_column: 0,
            body_end: None,
            directives: false,
            awaiting_marker: false,
            fresh: false,
            bom,
            crlf: false,
            det: Detect::new(),
        }
    }
}

impl<'a> Splitter<'a> {
    pub(super) fn new(input: &'a [u8]) -> Splitter<'a> {
        let lone_cr = memchr::memchr_iter(b'\r', input).any(|i| input.get(i + 1) != Some(&b'\n'));
        Splitter {
            input,
            lone_cr,
            docs: Vec::with_capacity(input.len() / 4096 + 1),
        }
    }

    /// Returns (end of line content, start of next line, break is `\r\n`) for the line at `pos`.
    #[inline]
    fn line_end(&self, pos: usize) -> (usize, usize, bool) {
        let input = self.input;
        if self.lone_cr {
            match memchr::memchr2(b'\n', b'\r', &input[pos..]) {
                None => (input.len(), input.len(), false),
                Some(i) => {
                    let e = pos + i;
                    if input[e] == b'\r' && input.get(e + 1) == Some(&b'\n') {
                        (e, e + 2, true)
                    } else {
                        (e, e + 1, false)
                    }
                }
            }
        } else {
            match memchr::memchr(b'\n', &input[pos..]) {
                None => (input.len(), input.len(), false),
                Some(i) => {
                    let e = pos + i;
                    if e > pos && input[e - 1] == b'\r' {
                        (e - 1, e + 1, true)
                    } else {
                        (e, e + 1, false)
                    }
                }
            }
        }
    }

    /// Looks ahead from a `%` line at `pos`: `Ok(marker_pos)` if a run of `%`, comment and
    /// blank lines ends at a `---` line; `Err(pos)` with the start of the line that breaks the run.
    fn directive_run(&self, mut pos: usize) -> Result<usize, usize> {
        let len = self.input.len();
        while pos < len {
            let (ce, next, _) = self.line_end(pos);
            let line = &self.input[pos..ce];
            match classify(line) {
                LineKind::Start(_) => return Ok(pos),
                LineKind::Percent => {}
                LineKind::Other if is_blank_or_comment(line) => {}
                _ => return Err(pos),
            }
            pos = next;
        }
        Err(len)
    }

    fn finish(&mut self, c: Chunk, end: usize) {
        let body_end = c.body_end.unwrap_or(end);
        let d = c.det;
        let class = if d.content {
            Class::Object
        } else {
            Class::Empty
        };
        let certain = d.certain && !c.directives;
        self.docs.push(Document {
            range: c.start..end,
            body: c.body_start..body_end.max(c.body_start),
            start_line: c.start_line,
            body_line: c.body_line,
            body_column: c.body_column,
            class,
            kind: d.kind,
            api_version: d.api_version,
            source: d.source,
            crlf: c.crlf,
            directives: c.directives,
            bom: c.bom,
            certain,
        });
    }

    pub(super) fn run(mut self) -> Vec<Document> {
        let input = self.input;
        let len = input.len();
        let mut pos = 0;
        let mut line_no = 1;
        let mut cur = Chunk::bare(input, 0, 1);
        cur.fresh = true;
        // `%` lines before this offset are known not to start a directive run.
        let mut no_directive_until = 0;
        let mut breaks = Breaks::new(input, self.lone_cr);
        while pos < len {
            let (ce, next, crlf) = breaks.next_line();
            let line = &input[pos..ce];
            // Most lines are blank or indented content that neither the markers nor the
            // detection look at: settle them before the general dispatch below.
            let idle = match line.first() {
                None => true,
                Some(&b) => is_ws(b) && (cur.awaiting_marker || cur.det.ignores_indented()),
            };
            if idle {
                cur.crlf |= crlf;
                if next > ce {
                    line_no += 1;
                }
                pos = next;
                continue;
            }
            match classify(line) {
                LineKind::Start(after) => {
                    if cur.awaiting_marker {
                        cur.awaiting_marker = false;
                    } else if cur.start < pos {
                        let done = std::mem::replace(&mut cur, Chunk::bare(input, pos, line_no));
                        self.finish(done, pos);
                    }
                    cur.fresh = false;
                    cur.body_start = pos + after;
                    cur.body_line = line_no;
                    cur.body_column = 3;
                    cur.det.marker_line(&line[after..]);
                }
                LineKind::End => {
                    cur.crlf |= crlf;
                    if cur.body_end.is_none() {
                        cur.body_end = Some(pos);
                    }
                    let mut after = Chunk::bare(input, next, line_no + 1);
                    after.fresh = true;
                    let done = std::mem::replace(&mut cur, after);
                    self.finish(done, next);
                    pos = next;
                    line_no += 1;
                    continue;
                }
                LineKind::Percent if cur.fresh && !cur.det.content && pos >= no_directive_until => {
                    match self.directive_run(pos) {
                        Ok(_) => {
                            if cur.start < pos {
                                let done =
                                    std::mem::replace(&mut cur, Chunk::bare(input, pos, line_no));
                                self.finish(done, pos);
                            }
                            cur.directives = true;
                            cur.awaiting_marker = true;
                            cur.fresh = false;
                        }
                        Err(stop) => {
                            no_directive_until = stop;
                            cur.det.line(strip_chunk_bom(line, pos == cur.start));
                        }
                    }
                }
                _ => {
                    if !cur.awaiting_marker {
                        cur.det.line(strip_chunk_bom(line, pos == cur.start));
                    }
                }
            }
            cur.crlf |= crlf;
            if next > ce {
                line_no += 1;
            }
            pos = next;
        }
        if cur.start < len || self.docs.is_empty() {
            self.finish(cur, len);
        }
        self.docs
    }
}
