//! The KRM function (`stowage fn`, for kustomize and kpt): a `ResourceList` in, the same
//! `ResourceList` out with insertions.
//!
//! kpt writes a function's output items back into the user's files, so the output is the input
//! text plus what stowage inserts, byte for byte: each workload item gets the per-object filter's
//! insertions in place, every other item and the functionConfig are copied as they came, and
//! `results` are added at the end. Deleting the inserted text gives the input back. On an error
//! only `results` are added, and the function exits 1.

mod function_config;
mod generator;
mod legacy;
mod results;

use serde_json::Value;

use std::path::Path;

use crate::config::{self, Config};
use crate::edit::{self, Addition, Edit, Splice, Written};
use crate::filter::{self, Scratch};
use crate::generate;
use crate::generate::in_stream;
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
    let (splices, added, annotated) = list.inject(options, strict);
    let diagnostics: Vec<Diagnostic> = annotated.iter().map(|(d, _)| d.clone()).collect();
    let failed = has_errors(&diagnostics);
    // On an error the items stay as they came: only the results are added.
    let (splices, added) = if failed {
        (Vec::new(), Vec::new())
    } else {
        (splices, added)
    };
    let output = results::append(&tree, list.root, splices, added, &annotated);
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
    fn inject(&self, options: &Options, strict: bool) -> (Vec<Splice>, Vec<Value>, Vec<Annotated>) {
        let (splices, added, mut annotated) = self.inject_items(options);
        if strict {
            for (d, _) in &mut annotated {
                if d.severity == Severity::Warning {
                    d.severity = Severity::Error;
                    d.message.push_str(" [--strict]");
                }
            }
        }
        (splices, added, annotated)
    }

    fn inject_items(&self, options: &Options) -> (Vec<Splice>, Vec<Value>, Vec<Annotated>) {
        let tree = self.tree;
        let plain = |diagnostics: Vec<Diagnostic>| -> Vec<Annotated> {
            diagnostics.into_iter().map(|d| (d, None)).collect()
        };
        let nothing = |diagnostics| (Vec::new(), Vec::new(), plain(diagnostics));
        // Refused for the whole list, before anything else: kpt and kustomize would not send it.
        if let Some((line, _, key)) = tree.find_duplicate_key() {
            let d = Diagnostic::error(self.place_of_line(line), format!("duplicate key `{key}`"))
                .with_hint("Kubernetes tooling disagrees on which one wins: keep one");
            return nothing(vec![d]);
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
                return nothing(vec![d]);
            }
        };
        let persistence = match persistence_from_function_config(function_config.as_ref(), options)
        {
            Ok(p) => p,
            Err(d) => return nothing(d),
        };
        let (config, mut diagnostics) = config::build(&persistence, function_config::ORIGIN);
        let renderer = match Renderer::new(options.templates.as_deref()) {
            Ok(r) => r,
            Err(m) => {
                diagnostics.push(Diagnostic::error(Place::default(), m));
                return nothing(diagnostics);
            }
        };
        let Some(config) = config.filter(|_| !has_errors(&diagnostics)) else {
            return nothing(diagnostics);
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
                return nothing(diagnostics);
            }
        };
        let mut annotated: Vec<Annotated> = plain(diagnostics);
        let mut splices = Vec::new();
        let mut scratch = Scratch::default();
        let namespace = options.namespace.as_deref().unwrap_or("default");
        let (mut held, mut uses) = (in_stream::Held::default(), Vec::new());
        let mut rules = std::collections::BTreeSet::new();
        for (index, item) in self.items.iter().enumerate() {
            let kind = workload::string_at(tree, *item, &["kind"]);
            let api_version = workload::string_at(tree, *item, &["apiVersion"]);
            let mut place = Place {
                object: Some(filter::object_label(tree, *item)),
                ..Place::default()
            };
            self.place_in_item(*item, index, &mut place);
            held.add(tree, *item, namespace, place.clone());
            // A Persistence object among the items (the config file inside a kpt package) is a
            // resource of the package: it passes through untouched and is not a second config.
            if kinds::is_config(api_version, kind)
                || !kind.is_some_and(|k| workload::may_hold_workloads(k, config.kinds()))
            {
                continue;
            }
            let source = place.file.clone();
            let filtered = filter::inject(&injector, tree, *item, source.as_deref(), &mut scratch);
            rules.extend(filtered.rules.iter().copied());
            uses.extend(
                filtered
                    .plans
                    .iter()
                    .map(|p| in_stream::Use::of(p, place.clone())),
            );
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
        annotated.extend(plain(injector.rules_matching_nothing(&rules)));
        let mut added = Vec::new();
        if let Some(fc) = &function_config {
            match generator::read(fc, function_config::ORIGIN, Path::new("")) {
                Ok(Some(g)) if !g.credentials.is_empty() => {
                    let made = self.secrets(&config, &g, &uses, &mut held);
                    match made {
                        Ok((secrets, notes)) => {
                            added.extend(secrets);
                            annotated.extend(plain(notes));
                        }
                        Err(d) => annotated.extend(plain(d)),
                    }
                }
                Ok(_) => {}
                Err(d) => annotated.extend(plain(d)),
            }
        }
        let (objects, problems) = in_stream::complete(&config, &uses, &held);
        added.extend(objects);
        annotated.extend(problems.into_iter().map(|d| (d, None)));
        (splices, added, annotated)
    }

    /// The Secrets of the functionConfig's key files. Under kustomize's `generators:` (no items
    /// but the config itself) without a namespace and named for hashing; in a package (kpt), in each namespace whose
    /// workloads read them, and only where the package has no Secret of that name yet (delete it
    /// to make it again from the key files).
    fn secrets(
        &self,
        config: &Config,
        g: &generator::Generator,
        uses: &[in_stream::Use],
        held: &mut in_stream::Held,
    ) -> Result<(Vec<Value>, Vec<Diagnostic>), Vec<Diagnostic>> {
        // kustomize runs a KRM generator on a list holding only its own config object.
        let only_config = self.items.iter().all(|item| {
            let field = |key: &str| workload::string_at(self.tree, *item, &[key]);
            kinds::is_config(field("apiVersion"), field("kind"))
        });
        if only_config {
            return generator::secrets(config, g);
        }
        let mut namespaces: Vec<String> = uses.iter().map(|u| u.namespace.clone()).collect();
        namespaces.sort();
        namespaces.dedup();
        let unhashed = generator::Generator {
            credentials: g.credentials.clone(),
            hash: false,
        };
        let made = generate::generate(
            config,
            &unhashed.credentials,
            &namespaces,
            generate::Ask::Field,
        )?;
        let mut notes = made.diagnostics;
        let mut secrets = Vec::new();
        for secret in made.objects.into_iter().filter(|o| o["kind"] == "Secret") {
            let name = secret["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let namespace = secret["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if held.has_secret(&namespace, &name) {
                notes.push(Diagnostic::note(
                    Place::default(),
                    format!("the package already has the Secret `{name}` in namespace `{namespace}`: left as it is"),
                )
                .with_hint("delete it to make it again from the key files (after rotating a key)"));
                continue;
            }
            let keys = secret["data"]
                .as_object()
                .map(|d| d.keys().cloned().collect())
                .unwrap_or_default();
            held.add_secret(&namespace, &name, keys, Place::default());
            secrets.push(secret);
        }
        Ok((secrets, notes))
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

/// The output: `tree.text` with the splices, the objects added to `items` and the results at
/// the end of the ResourceList (or after the results already there).
fn spliced_with_results(
    tree: &Tree,
    root: NodeId,
    mut splices: Vec<Splice>,
    added: Vec<Value>,
    results: Vec<Value>,
) -> Option<String> {
    let append = |key: &'static [&'static str], items: Vec<Value>| Edit {
        at: root,
        pointer: String::new(),
        path: key,
        add: Addition::Items(items.into()),
    };
    let mut edits = Vec::new();
    if !added.is_empty() {
        edits.push(append(&["items"], added));
    }
    if !results.is_empty() {
        edits.push(append(&["results"], results));
    }
    if !edits.is_empty() {
        // Stable: the items' own insertions at the same offset are deeper, so go first.
        splices.extend(edit::splices(tree, &edits, &mut Written::default()).ok()?);
        splices.sort_by_key(|s| s.range.start);
    }
    Some(edit::spliced(tree.text, &splices))
}
