//! The post-render job: a manifest stream in, the same stream with volumes injected out.
//!
//! Wires the stages (design.md §10): split the stream, find the config, plan every workload, edit
//! the documents that need it and copy every other byte as it was. Either the whole stream comes
//! out, or nothing does and every problem is reported (design.md §8).

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::config::{self, Config};
use crate::edit::{self, Failure};
use crate::kinds::{self, is_list_kind};
use crate::plan::{Injector, WorkloadPlan, locked};
use crate::render::Renderer;
use crate::report::{Diagnostic, Place, has_errors};
use crate::stream::{self, Class, Document};
use crate::yaml::{self, Limits, Tree};

pub const CONFIG_API_GROUP: &str = "stowage.dev/";
pub const CONFIG_KIND: &str = "Persistence";
const HELM4_FILENAME: &str = "postrenderer.helm.sh/postrender-filename";

/// Where the config comes from (design.md §2): exactly one place.
pub enum ConfigSource {
    /// `--values FILE...`: the merged `persistence` value, built ([`ConfigSource::values`]).
    Values(Box<Built>),
    /// A `stowage.dev/v1alpha1 Persistence` document in the stream.
    InStream,
}

impl ConfigSource {
    /// The config of `--values`, built for `options` (its templates).
    pub fn values(persistence: &Value, origin: &str, options: &Options) -> ConfigSource {
        ConfigSource::Values(Box::new(Built::new(persistence, origin, options)))
    }
}

/// A config and the templates, built; their problems are reported once the stream is read, in the
/// order post-render always reports them.
pub struct Built {
    renderer: Result<Renderer, String>,
    config: Option<Config>,
    diagnostics: Vec<Diagnostic>,
}

impl Built {
    fn new(persistence: &Value, origin: &str, options: &Options) -> Built {
        let renderer = Renderer::new(options.templates.as_deref());
        let (config, diagnostics) = config::build(persistence, origin);
        Built {
            renderer,
            config,
            diagnostics,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub namespace: Option<String>,
    pub templates: Option<PathBuf>,
    pub max_input_bytes: usize,
    pub max_documents: usize,
    pub yaml: Limits,
    /// Keep the plan of every workload in [`Outcome::plans`]. Off by default: the CLI doesn't
    /// read them, and on a large release they are a tenth of the peak memory.
    pub keep_plans: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            namespace: None,
            templates: None,
            max_input_bytes: 256 << 20,
            max_documents: 100_000,
            yaml: Limits::default(),
            keep_plans: false,
        }
    }
}

pub struct Outcome {
    /// What changes in the input, in order: the output is the input with these applied. Only the
    /// inserted text is held, not a second copy of the stream.
    pub splices: Vec<Splice>,
    /// Warnings and notes (errors make `post_render` fail instead).
    pub diagnostics: Vec<Diagnostic>,
    /// The plan of every workload, when [`Options::keep_plans`] asks for them.
    pub plans: Vec<WorkloadPlan>,
}

/// Replace `input[range]` with `text` (an insertion when the range is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splice {
    pub range: std::ops::Range<usize>,
    /// Shared by the identical insertions of one document (the containers of a pod all get the
    /// same mounts and env vars), which would otherwise be most of the memory held for a release.
    pub text: Arc<str>,
}

impl Outcome {
    /// Write the output: `input` with the splices applied.
    pub fn write_to(
        &self,
        input: &[u8],
        out: &mut (impl std::io::Write + ?Sized),
    ) -> std::io::Result<()> {
        // The pieces go out a thousand at a time (`writev`), not copied into a buffer first.
        let mut pieces = Vec::with_capacity(1024);
        let mut pos = 0;
        for s in &self.splices {
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

    /// The output as bytes.
    pub fn output(&self, input: &[u8]) -> Vec<u8> {
        let extra: usize = self.splices.iter().map(|s| s.text.len()).sum();
        let mut out = Vec::with_capacity(input.len() + extra);
        self.write_to(input, &mut out)
            .expect("writing to a Vec never fails");
        out
    }
}

/// How one document changes.
enum Change {
    /// Text inserted at these offsets of the parsed text.
    Insert(Vec<(usize, String)>),
    /// The parsed text re-emitted whole.
    Replace(String),
}

/// A parsed document of the stream, kept between the config pass and the injection pass.
struct Parsed<'a> {
    /// The parsed text: the document's body, after its `%` directives and `---` when it has any.
    text: &'a str,
    /// Where the body starts in `text` (after directives and the `---` marker).
    body_offset: usize,
    tree: Tree<'a>,
    kind: Option<String>,
    api_version: Option<String>,
}

pub fn post_render(
    input: &[u8],
    source: ConfigSource,
    options: &Options,
) -> Result<Outcome, Vec<Diagnostic>> {
    let fail = |d: Diagnostic| Err(vec![d]);
    let (text, docs) = split_bounded(input, options.max_input_bytes, options.max_documents)
        .map_err(|d| vec![d])?;
    let mut diagnostics = Vec::new();
    // YAML errors, by document, reported first and in stream order whichever pass finds them.
    let mut yaml_errors: Vec<(usize, Diagnostic)> = Vec::new();

    // Pass 1: find the config. Only config documents and documents without a kind the line scan can
    // read are parsed now; workloads are parsed one at a time in pass 2, so memory stays near the
    // size of the input plus the output.
    let mut early: Vec<Option<Parsed>> = (0..docs.len()).map(|_| None).collect();
    for (i, doc) in docs.iter().enumerate() {
        // A document with no `kind` is no Kubernetes object: read it, so broken YAML is reported.
        if doc.class == Class::Object && (!doc.certain || doc_is_config(doc) || doc.kind.is_none())
        {
            match parse_doc(text, doc, i, options, &mut yaml::Spare::default()) {
                Ok(p) => early[i] = Some(p),
                Err(d) => yaml_errors.push((i, d)),
            }
        }
    }
    let config_docs: Vec<usize> = (0..docs.len())
        .filter(|i| early[*i].as_ref().is_some_and(is_config))
        .collect();
    // On a config problem, the YAML errors of the workloads are reported with it.
    let with_yaml_errors = |mut yaml_errors: Vec<(usize, Diagnostic)>, rest: Vec<Diagnostic>| {
        for (i, doc) in docs.iter().enumerate() {
            if early[i].is_none()
                && needs_parse(doc, &[])
                && let Err(d) = parse_doc(text, doc, i, options, &mut yaml::Spare::default())
            {
                yaml_errors.push((i, d));
            }
        }
        yaml_errors.sort_by_key(|(i, _)| *i);
        let mut all: Vec<Diagnostic> = yaml_errors.into_iter().map(|(_, d)| d).collect();
        all.extend(rest);
        all
    };
    let built = match (source, config_docs.as_slice()) {
        (ConfigSource::Values(built), []) => *built,
        (ConfigSource::Values(_), [i, ..]) => {
            return fail(
                Diagnostic::error(
                    doc_place(&docs[*i], *i, Some("Persistence".into()), None),
                    "config given twice: by --values and by this in-stream Persistence document",
                )
                .with_hint("use one: drop --values, or stop rendering the Persistence document"),
            );
        }
        (ConfigSource::InStream, []) if !yaml_errors.is_empty() => {
            return Err(with_yaml_errors(yaml_errors, Vec::new()));
        }
        (ConfigSource::InStream, []) => {
            let missing = Diagnostic::error(Place::default(), "no persistence config").with_hint(
                "pass --values FILE, or render a `apiVersion: stowage.dev/v1alpha1, kind: Persistence` document into the stream",
            );
            return Err(with_yaml_errors(yaml_errors, vec![missing]));
        }
        (ConfigSource::InStream, [i]) => {
            let p = early[*i].as_ref().unwrap();
            let root = p.tree.root.unwrap();
            let value = p.tree.value(root, options.yaml).map_err(|e| {
                vec![Diagnostic::error(
                    doc_place(
                        &docs[*i],
                        *i,
                        Some("Persistence".into()),
                        Some(shift(&docs[*i], e.line, e.column)),
                    ),
                    e.message,
                )]
            })?;
            let spec = value.get("spec").cloned().unwrap_or(Value::Null);
            let origin = format!("in-stream Persistence document {}", i + 1);
            Built::new(&spec, &origin, options)
        }
        (ConfigSource::InStream, [_, j, ..]) => {
            return fail(
                Diagnostic::error(
                    doc_place(&docs[*j], *j, Some("Persistence".into()), None),
                    "a second in-stream Persistence document",
                )
                .with_hint("render exactly one"),
            );
        }
    };
    let renderer = built
        .renderer
        .map_err(|m| vec![Diagnostic::error(Place::default(), m)])?;
    diagnostics.extend(built.diagnostics);
    let config = match built.config {
        Some(c) if !has_errors(&diagnostics) => c,
        _ => return Err(with_yaml_errors(yaml_errors, diagnostics)),
    };

    let Ok(mut injector) = Injector::prepare(
        &config,
        &renderer,
        options.namespace.as_deref(),
        &mut diagnostics,
    ) else {
        return Err(diagnostics);
    };
    injector.limits = options.yaml;

    // Pass 2: inject, document by document, in runs of documents that the threads of a large
    // stream take in turn: one that starts late (a CPU slow to wake) leaves more to the other, not
    // a half to wait for. The runs' results are joined in stream order.
    let pass = Pass {
        text,
        docs: &docs,
        config_docs: &config_docs,
        injector: &injector,
        config: &config,
        options,
    };
    let runs = early
        .chunks_mut(RUN)
        .enumerate()
        .map(|(n, early)| (n * RUN, early));
    let queue = std::sync::Mutex::new(runs);
    let work = || {
        let mut own = Own::default();
        let mut done = Vec::new();
        loop {
            let next = locked(&queue).next();
            let Some((first, early)) = next else {
                return done;
            };
            done.push((first, pass.run(first, early, &mut own)));
        }
    };
    let mut parts = if two_threads(&docs, &config.workload_kinds) {
        std::thread::scope(|scope| {
            let other = scope.spawn(work);
            let mut mine = work();
            mine.extend(other.join().expect("an injection thread panicked"));
            mine
        })
    } else {
        work()
    };
    parts.sort_by_key(|(first, _)| *first);
    let mut splices: Vec<Splice> = Vec::new();
    let mut plans = Vec::new();
    let mut objects_out = 0usize;
    for (_, part) in parts {
        splices.extend(part.splices);
        plans.extend(part.plans);
        diagnostics.extend(part.diagnostics);
        yaml_errors.extend(part.yaml_errors);
        objects_out += part.objects_out;
    }
    if !yaml_errors.is_empty() || has_errors(&diagnostics) {
        yaml_errors.sort_by_key(|(i, _)| *i);
        let mut all: Vec<Diagnostic> = yaml_errors.into_iter().map(|(_, d)| d).collect();
        all.extend(diagnostics);
        return Err(all);
    }
    if objects_out == 0 {
        diagnostics.push(
            Diagnostic::error(Place::default(), "the stream has no Kubernetes objects to write (besides the config)")
                .with_hint("an empty manifest deploys nothing — Helm 3 accepts it silently; check the chart (and `helm template --output-dir`, which sends post-renderers nothing)"),
        );
        return Err(diagnostics);
    }
    Ok(Outcome {
        splices,
        diagnostics,
        plans,
    })
}

/// Below this many bytes of documents to parse, a second thread costs more than it saves.
pub const PARALLEL_BYTES: usize = 1 << 20;

/// Documents in a run of pass 2 (a few workloads with their ConfigMaps and Services).
const RUN: usize = 16;

/// Whether pass 2 is worth a second thread: the documents to parse add up to `PARALLEL_BYTES`.
fn two_threads(docs: &[Document], workload_kinds: &[config::WorkloadKind]) -> bool {
    let parsed = docs
        .iter()
        .filter(|d| needs_parse(d, workload_kinds))
        .map(|d| d.range.len());
    parsed.sum::<usize>() >= PARALLEL_BYTES
}

/// What pass 2 needs from post-render, shared by its threads.
struct Pass<'a> {
    text: &'a str,
    docs: &'a [Document],
    config_docs: &'a [usize],
    injector: &'a Injector<'a>,
    config: &'a Config,
    options: &'a Options,
}

/// What a thread of pass 2 keeps from one document to the next.
#[derive(Default)]
struct Own<'a> {
    written: edit::Written,
    spare: yaml::Spare<'a>,
}

/// What pass 2 found in a run of documents.
#[derive(Default)]
struct Part {
    splices: Vec<Splice>,
    diagnostics: Vec<Diagnostic>,
    plans: Vec<WorkloadPlan>,
    yaml_errors: Vec<(usize, Diagnostic)>,
    objects_out: usize,
}

impl<'a> Pass<'a> {
    /// Inject into the run of documents from `first`; `early` holds those parsed in pass 1.
    fn run(&self, first: usize, early: &mut [Option<Parsed<'a>>], own: &mut Own<'a>) -> Part {
        let mut part = Part::default();
        let Own { written, spare } = own;
        for (i, early) in (first..).zip(early) {
            let doc = &self.docs[i];
            if self.config_docs.contains(&i) {
                part.splices.push(Splice {
                    range: doc.range.clone(),
                    text: Arc::from(""),
                });
                continue;
            }
            if doc.class == Class::Object {
                part.objects_out += 1;
            }
            let parsed = match early.take() {
                Some(p) => Some(p),
                None if needs_parse(doc, &self.config.workload_kinds) => {
                    match parse_doc(self.text, doc, i, self.options, spare) {
                        Ok(p) => Some(p),
                        Err(d) => {
                            part.yaml_errors.push((i, d));
                            continue;
                        }
                    }
                }
                None => None,
            };
            let change = parsed.as_ref().and_then(|p| {
                inject_document(
                    doc,
                    i,
                    p,
                    self.injector,
                    self.config,
                    self.options,
                    &mut part.diagnostics,
                    &mut part.plans,
                    written,
                )
            });
            if let Some(p) = parsed {
                *spare = p.tree.into_spare();
            }
            let base = doc.parse_range().start;
            match change {
                Some(Change::Insert(insertions)) => {
                    let mut texts: Vec<Arc<str>> = Vec::new();
                    for (offset, text) in insertions {
                        let text = match texts.iter().find(|t| ***t == *text) {
                            Some(same) => same.clone(),
                            None => {
                                let text: Arc<str> = Arc::from(text);
                                texts.push(text.clone());
                                text
                            }
                        };
                        part.splices.push(Splice {
                            range: base + offset..base + offset,
                            text,
                        });
                    }
                }
                Some(Change::Replace(text)) => part.splices.push(Splice {
                    range: doc.parse_range(),
                    text: Arc::from(text),
                }),
                None => {}
            }
        }
        part
    }
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

/// Split a stream within the input limits (design.md §8); a problem names where it is.
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

/// Parse one document of the stream; a YAML error becomes a diagnostic with its stream position.
fn parse_doc<'a>(
    text: &'a str,
    doc: &Document,
    index: usize,
    options: &Options,
    spare: &mut yaml::Spare<'a>,
) -> Result<Parsed<'a>, Diagnostic> {
    let doc_text = &text[doc.parse_range()];
    match yaml::parse_in(doc_text, options.yaml, spare) {
        Ok(tree) => {
            let root = tree.root;
            let field = |k: &str| {
                root.and_then(|r| tree.get(r, k))
                    .and_then(|n| tree.as_str(n))
                    .map(str::to_string)
            };
            let (kind, api_version) = (field("kind"), field("apiVersion"));
            Ok(Parsed {
                text: doc_text,
                body_offset: doc.body.start - doc.parse_range().start,
                tree,
                kind,
                api_version,
            })
        }
        Err(e) => {
            let (line, column) = shift(doc, e.line, e.column);
            Err(Diagnostic::error(
                doc_place(doc, index, None, Some((line, column))),
                format!("invalid YAML: {}", e.message),
            )
            .with_hint("fix the template that rendered this document"))
        }
    }
}

/// Whether a document the line scan classified must be parsed: it may hold workloads.
fn needs_parse(doc: &Document, workload_kinds: &[config::WorkloadKind]) -> bool {
    doc.class == Class::Object
        && doc.kind.as_deref().is_some_and(|k| {
            kinds::is_workload_kind(k)
                || is_list_kind(k)
                || workload_kinds.iter().any(|w| w.kind == k)
        })
}

fn is_config(p: &Parsed) -> bool {
    p.kind.as_deref() == Some(CONFIG_KIND)
        && p.api_version
            .as_deref()
            .is_some_and(|a| a.starts_with(CONFIG_API_GROUP))
}

fn doc_is_config(doc: &Document) -> bool {
    doc.kind.as_deref() == Some(CONFIG_KIND)
}

/// Edit one parsed document; `None` when it needs no change.
#[allow(clippy::too_many_arguments)]
fn inject_document(
    doc: &Document,
    index: usize,
    p: &Parsed,
    injector: &Injector,
    config: &Config,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
    plans: &mut Vec<WorkloadPlan>,
    written: &mut edit::Written,
) -> Option<Change> {
    let kind = p.kind.as_deref()?;
    let tree = &p.tree;
    let root = tree.root?;
    let holds_workloads = kinds::is_workload_kind(kind)
        || is_list_kind(kind)
        || config.workload_kinds.iter().any(|w| w.kind == kind);
    if !holds_workloads {
        return None;
    }
    // Only messages need these: they are looked up when one is written.
    let place = |line: Option<usize>| {
        let metadata = tree.get(root, "metadata");
        let name = metadata
            .and_then(|m| tree.get(m, "name"))
            .and_then(|n| tree.as_str(n))
            .unwrap_or("");
        let mut pl = doc_place(
            doc,
            index,
            Some(format!("{kind}/{name}")),
            line.map(|l| shift(doc, l, 1)),
        );
        pl.column = None;
        pl.source = doc.source.clone().or_else(|| {
            metadata
                .and_then(|m| tree.get(m, "annotations"))
                .and_then(|a| tree.get(a, HELM4_FILENAME))
                .and_then(|n| tree.as_str(n))
                .map(str::to_string)
        });
        pl
    };
    let error = |diagnostics: &mut Vec<Diagnostic>, line: usize, message: String| {
        diagnostics.push(Diagnostic::error(place(Some(line)), message));
    };
    // The document is read as Kubernetes would read it; refuse what it would read differently.
    if let Some((line, _, key)) = tree.find_duplicate_key() {
        error(
            diagnostics,
            line,
            format!("duplicate key `{key}` (Kubernetes tooling disagrees on which one wins)"),
        );
        return None;
    }
    if let Some((line, _, tag)) = tree.find_custom_tag() {
        error(
            diagnostics,
            line,
            format!("custom tag `{tag}` in a workload: its meaning is up to the reader"),
        );
        return None;
    }
    let workloads = match injector.workloads(tree, kind) {
        Ok(w) => w,
        Err((line, message)) => {
            error(diagnostics, line, message);
            return None;
        }
    };
    // Plan every workload first (planning has no side effects), so the edits can borrow the plans.
    let planned: Vec<Result<Option<WorkloadPlan>, (Option<usize>, String)>> = workloads
        .iter()
        .map(|workload| injector.plan(tree, workload))
        .collect();
    let text = 'apply: {
        let mut edits = Vec::new();
        for (workload, plan) in workloads.iter().zip(&planned) {
            let line = tree.node(workload.object).line;
            let plan = match plan {
                Ok(Some(plan)) => plan,
                Ok(None) => continue,
                Err((at, message)) => {
                    let line = at.unwrap_or(line);
                    diagnostics.push(Diagnostic::error(place(Some(line)), message.clone()));
                    continue;
                }
            };
            for pod in &workload.pod_specs {
                let mut conflicts = Vec::new();
                match injector.edits(tree, plan, pod, &mut conflicts) {
                    Ok(e) => edits.extend(e),
                    Err((line, message)) => error(diagnostics, line, message),
                }
                for (mut d, line) in conflicts {
                    let mut pl = place(Some(line));
                    pl.object = d.place.object.take();
                    pl.field = d.place.field.take();
                    d.place = pl;
                    diagnostics.push(d);
                }
            }
        }
        if edits.is_empty() || has_errors(diagnostics) {
            break 'apply None;
        }
        // Text inserted under an anchor that aliases repeat would land in every one of them.
        let shared = if tree.has_aliases() {
            tree.shared_nodes()
        } else {
            Vec::new()
        };
        let under_shared_anchor = edits
            .iter()
            .any(|e| shared.get(e.at.0 as usize) == Some(&true));
        let textual = match edit::insertions(tree, &edits, written) {
            Ok(_) if under_shared_anchor => {
                Err("the edit point is inside an anchor that aliases repeat".to_string())
            }
            // Test builds read every edited document back: an insertion bug becomes a failure.
            Ok(insertions) if cfg!(debug_assertions) => {
                let text = edit::with_insertions(tree.text, &insertions);
                match reads_as_planned(tree, root, &edits, &text, options.yaml) {
                    Some(false) => panic!("inserted text does not read as planned:\n{text}"),
                    _ => Ok(insertions),
                }
            }
            Ok(insertions) => Ok(insertions),
            Err(Failure::WrongShape(w)) => {
                error(diagnostics, w.line, w.message);
                break 'apply None;
            }
            Err(Failure::NeedsReemit(reason)) => Err(reason.0),
        };
        match textual {
            Ok(insertions) => Some(Change::Insert(insertions)),
            Err(reason) => {
                let mut value = match tree.value(root, options.yaml) {
                    Ok(v) => v,
                    Err(e) => {
                        error(diagnostics, e.line, e.message);
                        break 'apply None;
                    }
                };
                if let Err(m) = edit::apply_to_value(&mut value, &edits) {
                    error(diagnostics, tree.node(root).line, m);
                    break 'apply None;
                }
                diagnostics.push(Diagnostic::note(
                    place(None),
                    format!(
                        "{reason}; this document was re-emitted from its value (comments and formatting inside it are not kept)"
                    ),
                ));
                Some(Change::Replace(format!(
                    "{}{}",
                    &p.text[..p.body_offset],
                    reemit(
                        &p.text[p.body_offset..],
                        &value,
                        doc.crlf,
                        doc.body_column > 0
                    )
                )))
            }
        }
    };
    if options.keep_plans {
        plans.extend(planned.into_iter().filter_map(|plan| plan.ok().flatten()));
    }
    text
}

/// Whether `new_text` reads back as the document's value with the edits applied (`None` when the
/// value can't be computed, e.g. an alias bomb stowage never expands).
fn reads_as_planned(
    tree: &Tree,
    root: crate::yaml::NodeId,
    edits: &[edit::Edit],
    new_text: &str,
    limits: yaml::Limits,
) -> Option<bool> {
    let mut expected = tree.value(root, limits).ok()?;
    edit::apply_to_value(&mut expected, edits).ok()?;
    let Ok(new_tree) = yaml::parse(new_text, limits) else {
        return Some(false);
    };
    if new_tree.find_duplicate_key().is_some() {
        return Some(false);
    }
    Some(new_tree.root.and_then(|r| new_tree.value(r, limits).ok()) == Some(expected))
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

fn shift(doc: &Document, line: usize, column: usize) -> (usize, usize) {
    // Positions in the parsed text → positions in the stream.
    let first = doc.parse_line();
    let (l, c) = (first + line.max(1) - 1, column);
    if line <= 1 && !doc.directives {
        doc.stream_position(line, column)
    } else {
        (l, c)
    }
}

fn doc_place(
    doc: &Document,
    index: usize,
    object: Option<String>,
    at: Option<(usize, usize)>,
) -> Place {
    Place {
        document: Some(index + 1),
        source: doc.source.clone(),
        object: object.or_else(|| doc.kind.clone()),
        line: Some(at.map_or(doc.start_line, |(l, _)| l)),
        column: at.map(|(_, c)| c),
        ..Place::default()
    }
}
