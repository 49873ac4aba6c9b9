//! The post-render adapter: a manifest stream in, the same stream with volumes injected out.
//!
//! read → split → config → the per-object filter for each document → write. Documents that
//! can't hold a workload are never parsed and are copied byte for byte; the others are parsed
//! one at a time (on two threads for a large stream) so memory stays near the input plus the
//! insertions. Either the whole stream comes out, or nothing does and every problem is reported.

use std::path::PathBuf;

use serde_json::Value;

mod stream;

use crate::config::{self, Config};
use crate::edit::{self, Splice};
use crate::filter::Scratch;
use crate::generate::{self, in_stream};
use crate::kinds;
use crate::parallel;
use crate::plan::{Injector, WorkloadPlan};
use crate::render::Renderer;
use crate::report::{Diagnostic, Place, has_errors};
use crate::stream::Class;
use crate::workload;
use crate::yaml::{self, Limits};

pub use stream::split_bounded;
use stream::{Stream, yaml_errors_first};

/// The Helm 4 annotation naming the template a document came from (Helm 3 writes `# Source:`).
pub const HELM4_FILENAME: &str = "postrenderer.helm.sh/postrender-filename";
/// The file Helm 4 files the objects stowage adds under.
pub const GENERATED_FILE: &str = "stowage/generated.yaml";
/// The annotation that makes an object a Helm hook.
pub const HELM_HOOK: &str = "helm.sh/hook";

/// Where the config comes from: exactly one place.
pub enum ConfigSource {
    /// `--values FILE...` (or a plugin config): the `persistence` value, and where it came from
    /// for messages. It is built while the stream is split.
    Values { persistence: Value, origin: String },
    /// A `stowage.dev/v1alpha1 Persistence` document in the stream.
    InStream,
}

impl ConfigSource {
    pub fn values(persistence: &Value, origin: &str) -> ConfigSource {
        ConfigSource::Values {
            persistence: persistence.clone(),
            origin: origin.to_string(),
        }
    }
}

/// A config and the templates, built; their problems are reported once the stream is read, in
/// the order post-render always reports them.
pub struct Built {
    renderer: Result<Renderer, String>,
    config: Option<Config>,
    diagnostics: Vec<Diagnostic>,
}

impl Built {
    fn new(persistence: &Value, origin: &str, options: &Options) -> Built {
        let (config, diagnostics) = config::build(persistence, origin);
        Built {
            renderer: Renderer::new(options.templates.as_deref()),
            config,
            diagnostics,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Namespace of objects without `metadata.namespace`; `default` when `None`.
    pub namespace: Option<String>,
    /// A directory of templates that replace the built-in ones.
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

impl Outcome {
    /// Write the output: `input` with the splices applied.
    pub fn write_to(
        &self,
        input: &[u8],
        out: &mut (impl std::io::Write + ?Sized),
    ) -> std::io::Result<()> {
        edit::write(input, &self.splices, out)
    }

    /// The output as bytes.
    pub fn output(&self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(input, &mut out)
            .expect("writing to a Vec never fails");
        out
    }
}

/// Below this many bytes of documents to parse, a second thread costs more than it saves.
pub const PARALLEL_BYTES: usize = 1 << 20;

/// Documents a thread takes at a time (a few workloads with their ConfigMaps and Services).
const RUN: usize = 16;

pub fn post_render(
    input: &[u8],
    source: ConfigSource,
    options: &Options,
) -> Result<Outcome, Vec<Diagnostic>> {
    // A config given as a value needs nothing from the stream: build it (schema, rules,
    // templates) on a second thread while this one splits the stream.
    let split = || split_bounded(input, options.max_input_bytes, options.max_documents);
    let (split, given) = match &source {
        ConfigSource::Values {
            persistence,
            origin,
        } => {
            let (split, built) = parallel::join(split, || Built::new(persistence, origin, options));
            (split, Some(built))
        }
        ConfigSource::InStream => (split(), None),
    };
    let (text, docs) = split.map_err(|d| vec![d])?;
    let stream = Stream {
        text,
        docs: &docs,
        options,
    };

    // Pass 1: the config, and the kind of every document the line scan could not read. Workloads
    // are parsed one at a time in pass 2.
    let mut kinds: Vec<Option<String>> = docs.iter().map(|d| d.kind.clone()).collect();
    let mut config_docs: Vec<(usize, Value)> = Vec::new();
    let mut yaml_errors: Vec<(usize, Diagnostic)> = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let config_like = doc.kind.as_deref() == Some(kinds::CONFIG_KIND);
        if doc.class != Class::Object || (doc.certain && doc.kind.is_some() && !config_like) {
            continue;
        }
        // A document with no `kind` is no Kubernetes object: read it, so broken YAML is reported.
        match stream.parse(i, &mut yaml::Spare::default()) {
            Ok(tree) => {
                let root = tree.root;
                let field = |k: &str| root.and_then(|r| workload::string_at(&tree, r, &[k]));
                kinds[i] = field("kind").map(str::to_string);
                if kinds::is_config(field("apiVersion"), field("kind")) {
                    let value = root.map_or(Ok(Value::Null), |r| tree.value(r, options.yaml));
                    match value {
                        Ok(v) => config_docs.push((i, v)),
                        Err(e) => {
                            let d = Diagnostic::error(
                                stream.place(
                                    i,
                                    Some(kinds::CONFIG_KIND.into()),
                                    Some((e.line, e.column)),
                                ),
                                e.message,
                            );
                            return Err(vec![d]);
                        }
                    }
                }
            }
            Err(d) => yaml_errors.push((i, d)),
        }
    }
    let mut diagnostics = Vec::new();
    let built = match (given, config_docs.as_slice()) {
        (Some(built), []) => built,
        (Some(_), [(i, _), ..]) => {
            return Err(vec![
                Diagnostic::error(
                    stream.place(*i, Some(kinds::CONFIG_KIND.into()), None),
                    "config given twice: by --values and by this in-stream Persistence document",
                )
                .with_hint("use one: drop --values, or stop rendering the Persistence document"),
            ]);
        }
        (None, []) if yaml_errors.is_empty() => {
            if let Some(note) = stream.passes_without_config() {
                return Ok(Outcome {
                    splices: Vec::new(),
                    diagnostics: vec![note],
                    plans: Vec::new(),
                });
            }
            let missing = Diagnostic::error(Place::default(), "no persistence config").with_hint(
                "pass --values FILE, or render a `apiVersion: stowage.dev/v1alpha1, kind: Persistence` document into the stream",
            );
            return Err(stream.with_yaml_errors(yaml_errors, &kinds, vec![missing]));
        }
        (None, []) => {
            return Err(stream.with_yaml_errors(yaml_errors, &kinds, Vec::new()));
        }
        (None, [(i, value)]) => {
            let spec = value.get("spec").cloned().unwrap_or(Value::Null);
            Built::new(
                &spec,
                &format!("in-stream Persistence document {}", i + 1),
                options,
            )
        }
        (None, [_, (j, _), ..]) => {
            return Err(vec![
                Diagnostic::error(
                    stream.place(*j, Some(kinds::CONFIG_KIND.into()), None),
                    "a second in-stream Persistence document",
                )
                .with_hint("render exactly one"),
            ]);
        }
    };
    let renderer = built
        .renderer
        .map_err(|m| vec![Diagnostic::error(Place::default(), m)])?;
    diagnostics.extend(built.diagnostics);
    let config = match built.config {
        Some(c) if !has_errors(&diagnostics) => c,
        _ => return Err(stream.with_yaml_errors(yaml_errors, &kinds, diagnostics)),
    };
    let (injector, warnings) = Injector::prepare(
        &config,
        &renderer,
        options.namespace.as_deref(),
        options.yaml,
    )
    .map_err(|mut errors| {
        diagnostics.append(&mut errors);
        std::mem::take(&mut diagnostics)
    })?;
    diagnostics.extend(warnings);

    // Pass 2: the filter over every document that may hold a workload; the config document goes.
    let to_parse = |i: &usize| {
        docs[*i].class == Class::Object
            && kinds[*i]
                .as_deref()
                .is_some_and(|k| workload::may_hold_workloads(k, config.kinds()))
    };
    // Workloads using a bucket's Secret or an S3 claim are checked against what the stream holds.
    let track_uses = config
        .entries()
        .any(|e| generate::reads(e).is_some() || generate::objects::is_s3_csi(e));
    let indices: Vec<usize> = (0..docs.len()).collect();
    let parsed_bytes: usize = indices
        .iter()
        .filter(|i| to_parse(i))
        .map(|i| docs[*i].range.len())
        .sum();
    let threads = if parsed_bytes >= PARALLEL_BYTES { 2 } else { 1 };
    let results = parallel::map(&indices, threads, RUN, |&i, scratch: &mut Worker| {
        if config_docs.iter().any(|(c, _)| *c == i) {
            return Done {
                splices: vec![Splice::remove(docs[i].range.clone())],
                ..Done::default()
            };
        }
        let mut done = Done {
            object: docs[i].class == Class::Object,
            ..Done::default()
        };
        if to_parse(&i) {
            match stream.parse(i, &mut scratch.spare) {
                Ok(tree) => {
                    stream.inject(i, &tree, &injector, &mut scratch.filter, &mut done);
                    if track_uses {
                        let place = |p: &WorkloadPlan| {
                            stream.place(i, Some(format!("{}/{}", p.kind, p.name)), None)
                        };
                        done.uses = done
                            .plans
                            .iter()
                            .map(|p| in_stream::Use::of(p, place(p)))
                            .collect();
                    }
                    // Held to the end only when asked for: on a large release, each workload's
                    // env (its own outputs path) adds up.
                    if !options.keep_plans {
                        done.plans = Vec::new();
                    }
                    scratch.spare = tree.into_spare();
                }
                Err(d) => done.yaml_error = Some(Box::new(d)),
            }
        }
        done
    });
    let mut splices = Vec::new();
    let mut plans = Vec::new();
    let mut uses = Vec::new();
    let mut rules = std::collections::BTreeSet::new();
    let mut namespace_defaulted = false;
    let mut objects = 0;
    for (i, done) in results.into_iter().flatten().enumerate() {
        splices.extend(done.splices);
        uses.extend(done.uses);
        rules.extend(done.rules);
        namespace_defaulted |= done.namespace_defaulted;
        diagnostics.extend(done.diagnostics);
        if options.keep_plans {
            plans.extend(done.plans);
        }
        if let Some(d) = done.yaml_error {
            yaml_errors.push((i, *d));
        }
        objects += usize::from(done.object);
    }
    diagnostics.extend(injector.rules_matching_nothing(&rules));
    if namespace_defaulted && options.namespace.is_none() {
        // Helm renders no `metadata.namespace`: without --namespace, every outputs path of a
        // release says `default`, wherever it is installed.
        diagnostics.push(
            Diagnostic::note(
                Place::default(),
                "workloads without `metadata.namespace` are taken to be in namespace `default` (no --namespace given); their outputs paths say so",
            )
            .with_hint("give stowage the namespace Helm installs into: `--post-renderer-args --namespace --post-renderer-args NS`"),
        );
    }
    if !yaml_errors.is_empty() || has_errors(&diagnostics) {
        return Err(yaml_errors_first(yaml_errors, diagnostics));
    }
    if !uses.is_empty() {
        let (added, problems) = in_stream::complete(&config, &uses, &stream.held(&kinds));
        diagnostics.extend(problems);
        if has_errors(&diagnostics) {
            return Err(diagnostics);
        }
        if !added.is_empty() {
            splices.push(stream.appended(&added));
        }
    }
    if objects == 0 {
        // Helm 3 deploys an empty release (every component switched off, or an upgrade that
        // removes every object): let it through, but say so.
        diagnostics.push(
            Diagnostic::note(Place::default(), "the stream has no Kubernetes objects (besides the config): nothing to inject")
                .with_hint("an empty manifest deploys nothing; if that is not what you meant, check the chart's values"),
        );
    }
    Ok(Outcome {
        splices,
        diagnostics,
        plans,
    })
}

/// What a thread of pass 2 keeps from one document to the next.
#[derive(Default)]
struct Worker<'a> {
    filter: Scratch,
    spare: yaml::Spare<'a>,
}

/// What pass 2 did with one document.
#[derive(Default)]
pub(super) struct Done {
    splices: Vec<Splice>,
    diagnostics: Vec<Diagnostic>,
    plans: Vec<WorkloadPlan>,
    /// What the document's workloads use, when the stream is checked for it.
    uses: Vec<in_stream::Use>,
    /// The `persistence.workloads` rules its workloads matched.
    rules: Vec<usize>,
    /// One of its workloads got the fallback namespace.
    namespace_defaulted: bool,
    /// Boxed: most documents have none, and a Done is kept for every document until the end.
    yaml_error: Option<Box<Diagnostic>>,
    /// The document is a Kubernetes object that goes to the output.
    object: bool,
}
