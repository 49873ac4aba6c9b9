//! The stream being post-rendered: reading its documents, placing what the filter says in it,
//! and the objects it holds or gains.

use serde_json::Value;

use super::{Done, GENERATED_FILE, HELM_HOOK, HELM4_FILENAME, Options};
use crate::edit::{self, Splice};
use crate::filter::{self, Scratch};
use crate::generate::in_stream;
use crate::plan::Injector;
use crate::report::{Diagnostic, Place};
use crate::stream::{self, Class, Document};
use crate::workload;
use crate::yaml::{self, Tree};

/// The stream being post-rendered: its text, documents and options.
pub(super) struct Stream<'s> {
    pub text: &'s str,
    pub docs: &'s [Document],
    pub options: &'s Options,
}

impl<'s> Stream<'s> {
    /// Parse one document; a YAML error becomes a diagnostic with its stream position.
    pub(super) fn parse(
        &self,
        i: usize,
        spare: &mut yaml::Spare<'s>,
    ) -> Result<Tree<'s>, Diagnostic> {
        let doc = &self.docs[i];
        yaml::parse_in(&self.text[doc.parse_range()], self.options.yaml, spare).map_err(|e| {
            Diagnostic::error(
                self.place(i, None, Some((e.line, e.column))),
                format!("invalid YAML: {}", e.message),
            )
            .with_hint("fix the template that rendered this document")
        })
    }

    /// Run the filter on document `i`, and place what it found in the stream.
    pub(super) fn inject(
        &self,
        i: usize,
        tree: &Tree,
        injector: &Injector,
        scratch: &mut Scratch,
        done: &mut Done,
    ) {
        let Some(root) = tree.root else {
            return;
        };
        let doc = &self.docs[i];
        let helm4_source =
            || workload::string_at(tree, root, &["metadata", "annotations", HELM4_FILENAME]);
        let source = doc.source.as_deref().or_else(helm4_source);
        let filtered = filter::inject(injector, tree, root, source, scratch);
        done.rules = filtered.rules;
        done.namespace_defaulted = filtered.namespace_defaulted;
        for mut d in filtered.diagnostics {
            // Messages about an object name its line, not a column.
            let mut place = self.place(i, d.place.object.take(), d.place.line.map(|l| (l, 1)));
            place.column = None;
            if place.source.is_none() {
                place.source = helm4_source().map(str::to_string);
            }
            place.field = d.place.field.take();
            d.place = place;
            done.diagnostics.push(d);
        }
        let base = doc.parse_range().start;
        match filtered.reemit {
            Some(value) => {
                let parsed = &self.text[doc.parse_range()];
                let body_offset = doc.body.start - base;
                let text = format!(
                    "{}{}",
                    &parsed[..body_offset],
                    reemit(
                        &parsed[body_offset..],
                        &value,
                        doc.crlf,
                        doc.body_column > 0
                    )
                );
                done.splices.push(Splice {
                    range: doc.parse_range(),
                    text: text.into(),
                });
            }
            None => done
                .splices
                .extend(filtered.splices.into_iter().map(|s| s.shifted(base))),
        }
        done.plans = filtered.plans;
    }

    /// The Secrets, PersistentVolumes and claims of the stream.
    /// `kinds`: each document's kind, as the line scan or the first pass read it.
    pub(super) fn held(&self, kinds: &[Option<String>]) -> in_stream::Held {
        let mut held = in_stream::Held::default();
        let namespace = self.options.namespace.as_deref().unwrap_or("default");
        for (i, doc) in self.docs.iter().enumerate() {
            let holds = kinds[i]
                .as_deref()
                .is_some_and(|k| in_stream::HELD_KINDS.contains(&k));
            if doc.class != Class::Object || !holds {
                continue;
            }
            if let Ok(tree) = self.parse(i, &mut yaml::Spare::default())
                && let Some(root) = tree.root
            {
                held.add(&tree, root, namespace, self.place(i, None, None));
            }
        }
        held
    }

    /// Objects added at the end of the stream, each a document of its own. In a Helm 4 stream
    /// every document names the file it came from; these name stowage's.
    pub(super) fn appended(&self, objects: &[Value]) -> Splice {
        let helm4 = memchr::memmem::find(self.text.as_bytes(), HELM4_FILENAME.as_bytes()).is_some();
        let mut text = String::new();
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            text.push('\n');
        }
        for object in objects {
            let mut object = object.clone();
            if helm4 {
                object["metadata"]["annotations"][HELM4_FILENAME] =
                    Value::String(GENERATED_FILE.into());
            }
            text.push_str("---\n");
            text.push_str(&edit::emit_document(&object, "\n"));
        }
        Splice::insert(self.text.len(), text)
    }

    /// The place of document `i`, with a position reported by the parser of its text.
    pub(super) fn place(
        &self,
        i: usize,
        object: Option<String>,
        at: Option<(usize, usize)>,
    ) -> Place {
        let doc = &self.docs[i];
        let at = at.map(|(line, column)| {
            if line <= 1 && !doc.directives {
                doc.stream_position(line, column)
            } else {
                (doc.parse_line() + line.max(1) - 1, column)
            }
        });
        Place {
            document: Some(i + 1),
            source: doc.source.clone(),
            object: object.or_else(|| doc.kind.clone()),
            line: Some(at.map_or(doc.start_line, |(l, _)| l)),
            column: at.map(|(_, c)| c),
            ..Place::default()
        }
    }

    /// Without a config, a stream passes through only when there is nothing to inject: no
    /// objects at all, or Helm hooks alone (Helm 4 programs that post-render hooks separately
    /// from the templates send them without the chart's in-stream config).
    pub(super) fn passes_without_config(&self) -> Option<Diagnostic> {
        let objects: Vec<usize> = (0..self.docs.len())
            .filter(|i| self.docs[*i].class == Class::Object)
            .collect();
        if objects.is_empty() {
            return Some(Diagnostic::note(
                Place::default(),
                "the stream has no Kubernetes objects: nothing to inject, and no config needed",
            ));
        }
        let all_hooks = objects.iter().all(|i| {
            self.parse(*i, &mut yaml::Spare::default())
                .is_ok_and(|tree| {
                    tree.root.is_some_and(|r| {
                        workload::string_at(&tree, r, &["metadata", "annotations", HELM_HOOK])
                            .is_some()
                    })
                })
        });
        all_hooks.then(|| {
            Diagnostic::note(
                Place::default(),
                "a stream of Helm hooks alone and no persistence config: passed through unchanged",
            )
            .with_hint("programs that embed Helm 4 and post-render hooks apart from the templates send hooks without the in-stream config; give the config with --values to inject hooks too")
        })
    }

    /// On a config problem, the YAML errors of the documents pass 2 would have parsed are
    /// reported with it.
    pub(super) fn with_yaml_errors(
        &self,
        mut yaml_errors: Vec<(usize, Diagnostic)>,
        kinds: &[Option<String>],
        rest: Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        for (i, doc) in self.docs.iter().enumerate() {
            let parsed_in_pass_1 = yaml_errors.iter().any(|(j, _)| *j == i);
            let may_hold = kinds[i]
                .as_deref()
                .is_some_and(|k| workload::may_hold_workloads(k, Default::default()));
            if doc.class == Class::Object
                && may_hold
                && !parsed_in_pass_1
                && let Err(d) = self.parse(i, &mut yaml::Spare::default())
            {
                yaml_errors.push((i, d));
            }
        }
        yaml_errors_first(yaml_errors, rest)
    }
}

/// YAML errors first, in stream order, then the others in the order found.
pub(super) fn yaml_errors_first(
    mut yaml_errors: Vec<(usize, Diagnostic)>,
    rest: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    yaml_errors.sort_by_key(|(i, _)| *i);
    let mut all: Vec<Diagnostic> = yaml_errors.into_iter().map(|(_, d)| d).collect();
    all.extend(rest);
    all
}

/// Split a stream within the input limits; a problem names where it is.
pub fn split_bounded(
    input: &[u8],
    max_input_bytes: usize,
    max_documents: usize,
) -> Result<(&str, Vec<Document>), Diagnostic> {
    if input.len() > max_input_bytes {
        return Err(Diagnostic::error(
            Place::default(),
            format!(
                "the input is {} bytes, over the limit of {max_input_bytes}",
                input.len()
            ),
        )
        .with_hint("raise it with --max-input-bytes if this stream is legitimate"));
    }
    let (text, docs) = stream::split_text(input).map_err(|e| {
        Diagnostic::error(
            Place {
                document: Some(e.document),
                line: Some(e.line),
                column: Some(e.column),
                ..Place::default()
            },
            e.message,
        )
    })?;
    if docs.len() > max_documents {
        return Err(Diagnostic::error(
            Place::default(),
            format!(
                "the input has {} documents, over the limit of {max_documents}",
                docs.len()
            ),
        )
        .with_hint("raise it with --max-documents if this stream is legitimate"));
    }
    Ok((text, docs))
}

/// A re-emitted document keeps its leading comment block (the `# Source:` line). After a `---`
/// marker (`after_marker`: the text starts with the rest of that line) it starts on a fresh line.
fn reemit(text: &str, value: &Value, crlf: bool, after_marker: bool) -> String {
    let newline = if crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    let mut lines = text.split_inclusive('\n');
    if after_marker && let Some(first) = lines.next() {
        let rest = first.trim();
        if rest.is_empty() || rest.starts_with('#') {
            out.push_str(first);
        } else {
            out.push_str(newline);
        }
    }
    for line in lines {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            out.push_str(line);
        } else {
            break;
        }
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(newline);
    }
    out.push_str(&edit::emit_document(value, newline));
    out
}
