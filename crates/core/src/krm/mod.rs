//! The KRM function (`stowage fn`, for kustomize and kpt): a `ResourceList` in, the same
//! `ResourceList` out with insertions.
//!
//! kpt writes a function's output items back into the user's files, so the output is the input
//! text plus what stowage inserts, byte for byte: each workload item gets the per-object filter's
//! insertions in place, every other item and the functionConfig are copied as they came, and
//! `results` are added at the end. Deleting the inserted text gives the input back. On an error
//! only `results` are added, and the function exits 1.

mod function_config;
mod legacy;
mod results;

use serde_json::Value;

use crate::config;
use crate::edit::{self, Addition, Edit, Splice, Written};
use crate::filter::{self, Scratch};
use crate::kinds;
use crate::plan::Injector;
use crate::post_render::Options;
use crate::render::Renderer;
use crate::report::{Diagnostic, Place, Severity, has_errors};
use crate::workload;
use crate::yaml::{self, NodeId, Tree};

pub use function_config::persistence_from_function_config;
pub use legacy::run_legacy_plugin;

/// apiVersions of `ResourceList` accepted on input (the output keeps the input's).
pub const RESOURCE_LIST_VERSIONS: &[&str] = &[
    "config.kubernetes.io/v1",
    "config.kubernetes.io/v1beta1",
    "config.kubernetes.io/v1alpha1",
];

/// A diagnostic with the `resourceRef` of the item it is about.
type Annotated = (Diagnostic, Option<serde_json::Map<String, Value>>);

/// What a run of the KRM function produced.
pub struct FnOutcome {
    /// The output `ResourceList`.
    pub output: String,
    /// Every diagnostic (also in `results`); the CLI prints warnings and errors on stderr.
    pub diagnostics: Vec<Diagnostic>,
    /// 0 success, 1 an error result.
    pub exit_code: i32,
}

/// Run the KRM function on a `ResourceList`. With `strict`, a warning fails the function like an
/// error does.
pub fn run_fn(input: &[u8], options: &Options, strict: bool) -> FnOutcome {
    // No usable ResourceList came in: answer with a new one that holds the error.
    let refuse = |d: Diagnostic| results::fresh_list(d);
    let Ok(text) = std::str::from_utf8(input) else {
        return refuse(Diagnostic::error(
            Place::default(),
            "the ResourceList is not UTF-8",
        ));
    };
    if input.len() > options.max_input_bytes {
        return refuse(
            Diagnostic::error(
                Place::default(),
                format!(
                    "the ResourceList is {} bytes, over the limit of {}",
                    input.len(),
                    options.max_input_bytes
                ),
            )
            .with_hint("raise it with --max-input-bytes if this package is legitimate"),
        );
    }
    let tree = match yaml::parse(text, options.yaml) {
        Ok(tree) => tree,
        Err(e) => {
            let place = Place {
                line: Some(e.line),
                column: Some(e.column),
                ..Place::default()
            };
            return refuse(Diagnostic::error(
                place,
                format!("invalid ResourceList YAML: {}", e.message),
            ));
        }
    };
    let list = match List::read(&tree) {
        Ok(list) => list,
        Err(d) => return refuse(d),
    };
    let (splices, annotated) = list.inject(options, strict);
    let diagnostics: Vec<Diagnostic> = annotated.iter().map(|(d, _)| d.clone()).collect();
    let failed = has_errors(&diagnostics);
    // On an error the items stay as they came: only the results are added.
    let splices = if failed { Vec::new() } else { splices };
    let output = results::append(&tree, list.root, splices, &annotated);
    FnOutcome {
        output,
        diagnostics,
        exit_code: i32::from(failed),
    }
}

/// A `ResourceList`, parsed with spans.
struct List<'t, 'a> {
    tree: &'t Tree<'a>,
    root: NodeId,
    function_config: Option<NodeId>,
    items: Vec<NodeId>,
}

impl<'t, 'a> List<'t, 'a> {
    fn read(tree: &'t Tree<'a>) -> Result<List<'t, 'a>, Diagnostic> {
        let not_a_list = |what: String| {
            Diagnostic::error(Place::default(), format!("expected a `config.kubernetes.io/v1` ResourceList on stdin, got {what}"))
                .with_hint("run `stowage fn` from kustomize (a KRM exec function) or `kpt fn eval --exec` / a Kptfile pipeline")
        };
        let Some(root) = tree.root.filter(|r| tree.entries(*r).is_some()) else {
            return Err(not_a_list("no mapping".into()));
        };
        let api_version = workload::string_at(tree, root, &["apiVersion"]).unwrap_or("");
        let kind = workload::string_at(tree, root, &["kind"]).unwrap_or("");
        if kind != "ResourceList" || !RESOURCE_LIST_VERSIONS.contains(&api_version) {
            return Err(not_a_list(format!(
                "apiVersion `{api_version}`, kind `{kind}`"
            )));
        }
        let items = match tree.get(root, "items") {
            None => Vec::new(),
            Some(n) if tree.is_null(n) => Vec::new(),
            Some(n) => match tree.items(n) {
                Some(items) => items.to_vec(),
                None => {
                    return Err(Diagnostic::error(
                        Place::default(),
                        "`items` of the ResourceList is not a list",
                    ));
                }
            },
        };
        let function_config = tree
            .get(root, "functionConfig")
            .filter(|n| !tree.is_null(*n));
        Ok(List {
            tree,
            root,
            function_config,
            items,
        })
    }

    /// The filter over every workload item: the insertions, and every diagnostic placed in the
    /// user's files.
    fn inject(&self, options: &Options, strict: bool) -> (Vec<Splice>, Vec<Annotated>) {
        let tree = self.tree;
        let plain =
            |diagnostics: Vec<Diagnostic>| diagnostics.into_iter().map(|d| (d, None)).collect();
        // Refused for the whole list, before anything else: kpt and kustomize would not send it.
        if let Some((line, _, key)) = tree.find_duplicate_key() {
            let d = Diagnostic::error(self.place_of_line(line), format!("duplicate key `{key}`"))
                .with_hint("Kubernetes tooling disagrees on which one wins: keep one");
            return (Vec::new(), plain(vec![d]));
        }
        let function_config = match self
            .function_config
            .map(|n| tree.value(n, options.yaml))
            .transpose()
        {
            Ok(v) => v,
            Err(e) => {
                let d =
                    Diagnostic::error(Place::default(), format!("functionConfig: {}", e.message));
                return (Vec::new(), plain(vec![d]));
            }
        };
        let persistence = match persistence_from_function_config(function_config.as_ref(), options)
        {
            Ok(p) => p,
            Err(d) => return (Vec::new(), plain(d)),
        };
        let (config, mut diagnostics) = config::build(&persistence, function_config::ORIGIN);
        let renderer = match Renderer::new(options.templates.as_deref()) {
            Ok(r) => r,
            Err(m) => {
                diagnostics.push(Diagnostic::error(Place::default(), m));
                return (Vec::new(), plain(diagnostics));
            }
        };
        let Some(config) = config.filter(|_| !has_errors(&diagnostics)) else {
            return (Vec::new(), plain(diagnostics));
        };
        let injector = match Injector::prepare(
            &config,
            &renderer,
            options.namespace.as_deref(),
            options.yaml,
        ) {
            Ok((injector, warnings)) => {
                diagnostics.extend(warnings);
                injector
            }
            Err(errors) => {
                diagnostics.extend(errors);
                return (Vec::new(), plain(diagnostics));
            }
        };
        let mut annotated: Vec<Annotated> = plain(diagnostics);
        let mut splices = Vec::new();
        let mut scratch = Scratch::default();
        for (index, item) in self.items.iter().enumerate() {
            let kind = workload::string_at(tree, *item, &["kind"]);
            let api_version = workload::string_at(tree, *item, &["apiVersion"]);
            // A Persistence object among the items (the config file inside a kpt package) is a
            // resource of the package: it passes through untouched and is not a second config.
            if kinds::is_config(api_version, kind)
                || !kind.is_some_and(|k| workload::may_hold_workloads(k, &config.workload_kinds))
            {
                continue;
            }
            let filtered = filter::inject(&injector, tree, *item, &mut scratch);
            for mut d in filtered.diagnostics {
                self.place_in_item(*item, index, &mut d.place);
                annotated.push((d, results::resource_ref(tree, *item)));
            }
            match filtered.reemit {
                // A block item can be replaced by its value in flow style, at any indentation.
                Some(value) => splices.push(Splice {
                    range: tree.node(*item).start..tree.node(*item).end,
                    text: edit::emit_flow(&value).into(),
                }),
                None => splices.extend(filtered.splices),
            }
        }
        if strict {
            for (d, _) in &mut annotated {
                if d.severity == Severity::Warning {
                    d.severity = Severity::Error;
                    d.message.push_str(" [--strict]");
                }
            }
        }
        (splices, annotated)
    }

    /// Name the user's file in a place the filter gave for `item`: its path and index
    /// annotations, the line within the object, and a `resourceRef`-worthy object name.
    fn place_in_item(&self, item: NodeId, index: usize, place: &mut Place) {
        let tree = self.tree;
        let annotation =
            |key: &str| workload::string_at(tree, item, &["metadata", "annotations", key]);
        place.file = annotation("internal.config.kubernetes.io/path")
            .or_else(|| annotation("config.kubernetes.io/path"))
            .map(str::to_string);
        place.index = annotation("internal.config.kubernetes.io/index")
            .or_else(|| annotation("config.kubernetes.io/index"))
            .and_then(|i| i.parse().ok());
        if place.file.is_none() {
            // Not from a file (kustomize's generated objects): its position in the list.
            place.document = Some(index + 1);
        }
        // A line of the ResourceList is no line of the user's file: kpt and kustomize add
        // annotations and reformat. The object and the field say where.
        place.line = None;
        place.column = None;
    }

    /// The place of a line of the ResourceList: the item it falls in, else the list itself.
    fn place_of_line(&self, line: usize) -> Place {
        let tree = self.tree;
        let item = self
            .items
            .iter()
            .enumerate()
            .rev()
            .find(|(_, i)| tree.node(**i).line <= line);
        let mut place = Place {
            line: Some(line),
            ..Place::default()
        };
        if let Some((index, item)) = item {
            place.object = Some(filter::object_label(tree, *item));
            self.place_in_item(*item, index, &mut place);
        }
        place
    }
}

/// The edit that adds `results` at the end of the ResourceList (or extends the ones there).
fn results_edit(root: NodeId, results: Vec<Value>) -> Edit {
    Edit {
        at: root,
        pointer: String::new(),
        path: &["results"],
        add: Addition::Items(results.into()),
    }
}

/// The output: `tree.text` with the splices and the results.
fn spliced_with_results(
    tree: &Tree,
    root: NodeId,
    mut splices: Vec<Splice>,
    results: Vec<Value>,
) -> Option<String> {
    if !results.is_empty() {
        let added = edit::splices(
            tree,
            &[results_edit(root, results)],
            &mut Written::default(),
        )
        .ok()?;
        splices.extend(added);
        splices.sort_by_key(|s| s.range.start);
    }
    Some(edit::spliced(tree.text, &splices))
}
