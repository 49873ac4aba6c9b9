//! Kind detection: what the column-0 lines of a chunk say about its root mapping (`kind`,
//! `apiVersion`, the Helm `# Source:` comment), and whether a parser would read the same.

use super::lines::{is_ws, trim_end, trim_start};
use super::scalar::{flow_closes, plain_key_end, quoted, scalar_value};

pub(super) struct Detect {
    /// The chunk has content (class `Object`).
    pub(super) content: bool,
    /// The first content line of the body has been seen.
    root_seen: bool,
    /// Detection does not apply any more (flow root, sequence root, ...).
    stopped: bool,
    pub(super) certain: bool,
    pub(super) kind: Option<String>,
    kind_seen: bool,
    pub(super) api_version: Option<String>,
    api_seen: bool,
    pub(super) source: Option<String>,
    /// The last root key had a plain value: an indented next line would continue it.
    pending_plain: bool,
    /// A root key's value opened a flow collection or quoted scalar that did not close on its
    /// line: a later column-0 line may be inside it.
    open_value: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Kind,
    ApiVersion,
    Other,
}

impl Detect {
    pub(super) fn new() -> Detect {
        Detect {
            content: false,
            root_seen: false,
            stopped: false,
            certain: true,
            kind: None,
            kind_seen: false,
            api_version: None,
            api_seen: false,
            source: None,
            pending_plain: false,
            open_value: false,
        }
    }

    fn uncertain(&mut self) {
        self.certain = false;
    }

    /// What follows `---` on the marker line.
    pub(super) fn marker_line(&mut self, rest: &[u8]) {
        let mut t = trim_start(rest);
        if t.is_empty() || t[0] == b'#' {
            return;
        }
        self.content = true;
        self.uncertain();
        // Node properties only (`--- !tag`, `--- &anchor`): the root may still be a block
        // mapping on the next lines; keep scanning (uncertain). Anything else: not a block map.
        while let Some(&b) = t.first() {
            if b == b'!' || b == b'&' {
                let n = t.iter().position(|&b| is_ws(b)).unwrap_or(t.len());
                t = trim_start(&t[n..]);
            } else {
                break;
            }
        }
        if !(t.is_empty() || t[0] == b'#') {
            self.stopped = true;
            self.root_seen = true;
        }
    }

    fn comment(&mut self, t: &[u8]) {
        self.pending_plain = false;
        if self.content || self.source.is_some() {
            return;
        }
        let c = trim_start(&t[1..]);
        if let Some(v) = c.strip_prefix(b"Source:") {
            let v = trim_end(trim_start(v));
            if !v.is_empty() {
                self.source = Some(lossy_string(v));
            }
        }
    }

    /// An indented line cannot change anything: it is nested content of a root already seen
    /// (no plain `kind`/`apiVersion` value it could continue).
    #[inline]
    pub(super) fn ignores_indented(&self) -> bool {
        self.root_seen && !self.pending_plain
    }

    /// One line of the body (no line break), after the marker line.
    pub(super) fn line(&mut self, l: &[u8]) {
        let Some(&b0) = l.first() else { return };
        if is_ws(b0) {
            if self.ignores_indented() {
                return;
            }
            let t = trim_start(l);
            if t.is_empty() {
                return;
            }
            if t[0] == b'#' {
                self.comment(t);
                return;
            }
            self.content = true;
            if self.stopped {
                return;
            }
            if self.pending_plain {
                // A continuation line of a multi-line plain `kind`/`apiVersion` value.
                self.pending_plain = false;
                self.uncertain();
            }
            if !self.root_seen {
                // An indented root: its keys are not at column 0.
                self.root_seen = true;
                self.uncertain();
                self.stopped = true;
            }
            return;
        }
        if b0 == b'#' {
            self.comment(l);
            return;
        }
        self.content = true;
        self.pending_plain = false;
        if self.stopped {
            return;
        }
        let first = !self.root_seen;
        self.root_seen = true;
        if self.open_value {
            self.uncertain();
            self.open_value = false;
        }
        match b0 {
            b'{' | b'[' => {
                // Flow (JSON) root, or an under-indented flow continuation.
                self.uncertain();
                self.stopped = true;
            }
            b'-' if l.len() == 1 || is_ws(l[1]) => {
                if first {
                    // A root sequence: no kind, certainly.
                    self.stopped = true;
                }
                // Otherwise an entry of an indentless sequence under a root key.
            }
            b'"' | b'\'' => match quoted(l) {
                Some(q) => {
                    let after = trim_start(&l[q.len..]);
                    if after.first() == Some(&b':') && after.get(1).is_none_or(|&b| is_ws(b)) {
                        let key = if q.escaped {
                            self.uncertain();
                            Key::Other
                        } else {
                            key_of(&q.text)
                        };
                        self.key_value(key, &after[1..]);
                    } else {
                        // A quoted root scalar, or junk.
                        self.uncertain();
                        if first {
                            self.stopped = true;
                        }
                    }
                }
                None => {
                    self.uncertain();
                    if first {
                        self.stopped = true;
                    }
                }
            },
            b'!' | b'&' | b'*' | b'?' => {
                // Node properties, alias or complex key at column 0: keep scanning, uncertain.
                self.uncertain();
            }
            b'|' | b'>' | b'%' | b'@' | b'`' | b',' | b']' | b'}' | 0xEF => {
                self.uncertain();
                self.stopped = true;
            }
            _ => match plain_key_end(l) {
                Some(i) => {
                    let key = trim_end(&l[..i]);
                    if key == b"<<" {
                        self.uncertain();
                    }
                    self.key_value(key_of(key), &l[i + 1..]);
                }
                None => {
                    // A root scalar, or a column-0 line that is not a key (an under-indented
                    // continuation of something).
                    self.uncertain();
                    if first {
                        self.stopped = true;
                    }
                }
            },
        }
    }

    /// The value part of a root key line (after the `:`).
    fn key_value(&mut self, key: Key, v: &[u8]) {
        let v = trim_start(v);
        let open = match v.first() {
            Some(b'"' | b'\'') => quoted(v).is_none(),
            Some(b'{' | b'[') => !flow_closes(v),
            _ => false,
        };
        if open {
            self.open_value = true;
        }
        let seen = match key {
            Key::Other => return,
            Key::Kind => &mut self.kind_seen,
            Key::ApiVersion => &mut self.api_seen,
        };
        if *seen {
            // A repeated key: an error or last-wins, depending on the parser.
            self.certain = false;
        }
        *seen = true;
        let (value, certain, plain) = scalar_value(v);
        if !certain {
            self.uncertain();
        }
        self.pending_plain = plain;
        let value = value.map(|s| lossy_string(&s));
        match key {
            Key::Kind => self.kind = value,
            Key::ApiVersion => self.api_version = value,
            Key::Other => {}
        }
    }
}

/// `String::from_utf8_lossy`, which decodes in slow chunks, only for invalid UTF-8.
fn lossy_string(v: &[u8]) -> String {
    match std::str::from_utf8(v) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(v).into_owned(),
    }
}

fn key_of(k: &[u8]) -> Key {
    match k {
        b"kind" => Key::Kind,
        b"apiVersion" => Key::ApiVersion,
        _ => Key::Other,
    }
}
