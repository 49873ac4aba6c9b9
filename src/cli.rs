//! Command-line interface: parses arguments and wires the stages; no logic of its own.
//!
//! Exit codes (design.md §8): 0 success; 1 invalid input, config or conflict (stderr says what and
//! where, stdout stays empty); 2 usage; 3 `--fail-on` tripped.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::messages::say;

use stowage_core::config;
use stowage_core::diff;
use stowage_core::generate;
use stowage_core::post_render::{self, ConfigSource, Options};
use stowage_core::report::{Diagnostic, Severity, has_errors};
use stowage_core::yaml::Limits;

#[derive(Parser, Debug)]
#[command(
    name = "stowage",
    version,
    about = "Inject Polyaxon-style data and outputs volumes into rendered Kubernetes manifests",
    long_about = "Reads rendered manifests and a persistence config in the shape of Polyaxon's \
                  `persistence` chart values, and injects volumes, volumeMounts, credentials and the \
                  POLYAXON_RUN_* env vars into every selected workload, changing nothing else."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Helm post-renderer: manifests on stdin, injected manifests on stdout.
    ///
    /// With no --values, the config is the stream's `stowage.dev/v1alpha1 Persistence` document,
    /// which is removed from the output.
    PostRender(PostRenderArgs),
    /// Check a persistence config alone and report every problem.
    ///
    /// On success, also lists on stderr what each namespace must hold for the config: Secrets with
    /// their keys, and claims.
    Validate {
        #[command(flatten)]
        values: ValuesArgs,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// A namespace the workloads run in (repeatable); default `default`.
        #[arg(long, short = 'n', value_name = "NS", value_parser = namespace_name)]
        namespace: Vec<String>,
    },
    /// Print what the cluster must hold for the config, ready for `kubectl apply -f -`.
    ///
    /// One Secret per distinct `secret`, one key per `secretKey` holding its key file (checked for
    /// the entry's store), and for s3 entries with `mount: csi` a PersistentVolume and its claim;
    /// in every namespace given.
    Generate(GenerateArgs),
    /// Print the JSON Schema (draft 2020-12) of the `persistence` value, for a chart's values.schema.json.
    Schema,
    /// KRM function (kustomize, kpt): a ResourceList on stdin, the injected ResourceList on stdout.
    ///
    /// The config is the functionConfig: a `stowage.dev/v1alpha1 Persistence` (config under `spec`)
    /// or a ConfigMap whose `data.persistence` holds it (kpt `-- persistence="$(cat p.yaml)"`).
    #[command(name = "fn")]
    Fn {
        /// Treat warnings as errors: error results, the input items unchanged, exit 1.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Compare the volume plan of each workload with the previous render and flag changes.
    ///
    /// Works on any manifests (`helm get manifest RELEASE` included). Exit 3 when a change at or
    /// above --fail-on exists.
    Diff(DiffArgs),
    /// Legacy kustomize exec plugin (`kubectl kustomize --enable-alpha-plugins`).
    #[command(subcommand)]
    KustomizePlugin(KustomizePluginCommand),
}

#[derive(Subcommand, Debug)]
enum KustomizePluginCommand {
    /// Link this executable as the `stowage.dev/v1alpha1` Persistence plugin:
    /// `DIR/stowage.dev/v1alpha1/persistence/Persistence`.
    Install {
        /// The kustomize plugin home; default `$XDG_CONFIG_HOME/kustomize/plugin` or
        /// `~/.config/kustomize/plugin`.
        #[arg(long, value_name = "D")]
        dir: Option<PathBuf>,
    },
}

#[derive(Args, Debug)]
struct ValuesArgs {
    /// A chart values file whose `persistence:` key is the config (repeatable; later files override
    /// earlier ones key by key, like Helm).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    #[command(flatten)]
    values: ValuesArgs,
    /// The key file of a bucket entry (repeatable), e.g. `--credentials data-s3=./s3.json`.
    #[arg(long = "credentials", value_name = "ENTRY=FILE", value_parser = credentials_arg)]
    credentials: Vec<generate::KeyFileArg>,
    /// A namespace to make the objects in (repeatable); default `default`.
    #[arg(long, short = 'n', value_name = "NS", value_parser = namespace_name)]
    namespace: Vec<String>,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
}

#[derive(Args, Debug)]
struct PostRenderArgs {
    #[command(flatten)]
    values: ValuesArgs,
    /// Namespace for workloads without `metadata.namespace` (as `helm --namespace`); default `default`.
    #[arg(long, short = 'n', value_name = "NS", value_parser = namespace_name)]
    namespace: Option<String>,
    /// A directory whose `*.yaml.hbs` files replace the built-in templates of the same name.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Treat warnings as errors (for CI).
    #[arg(long)]
    strict: bool,
    /// The previous render (e.g. `helm get manifest RELEASE`): report volume changes on stderr.
    #[arg(long, value_name = "OLD")]
    previous: Option<PathBuf>,
    /// With --previous: fail (exit 3, nothing on stdout) when a change at or above this level exists.
    #[arg(long, value_name = "LEVEL", requires = "previous")]
    fail_on: Option<LevelArg>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// The previous render (e.g. `helm get manifest RELEASE`).
    #[arg(long, value_name = "OLD")]
    previous: PathBuf,
    /// The new render; default (or `-`) stdin.
    #[arg(value_name = "NEW")]
    new: Option<PathBuf>,
    /// Namespace for workloads without `metadata.namespace` (as `helm --namespace`); default `default`.
    #[arg(long, short = 'n', value_name = "NS", value_parser = namespace_name)]
    namespace: Option<String>,
    /// Report format.
    #[arg(long, short = 'o', value_name = "FORMAT", default_value = "human")]
    output: OutputArg,
    /// Exit 3 when a change at or above this level exists.
    #[arg(long, value_name = "LEVEL")]
    fail_on: Option<LevelArg>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LevelArg {
    Info,
    Warning,
    Danger,
}

impl From<LevelArg> for diff::Level {
    fn from(l: LevelArg) -> diff::Level {
        match l {
            LevelArg::Info => diff::Level::Info,
            LevelArg::Warning => diff::Level::Warning,
            LevelArg::Danger => diff::Level::Danger,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OutputArg {
    Human,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
struct LimitArgs {
    /// Largest input accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    max_input_bytes: usize,
    /// Most documents accepted in one stream.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_documents: usize,
    /// Deepest nesting of YAML collections accepted.
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_depth: usize,
    /// Most nodes a document may expand to through YAML aliases.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_alias_nodes: usize,
}

/// Run the CLI; returns the process exit code.
pub fn run() -> i32 {
    if let Some(config) = legacy_plugin_config() {
        return crate::kustomize::legacy_plugin_main(&config);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Schema => {
            print_stdout(config::schema().as_bytes());
            0
        }
        Command::Validate {
            values,
            strict,
            namespace,
        } => validate(&values.files, strict, &namespaces(namespace)),
        Command::Generate(args) => generate(args),
        Command::PostRender(args) => post_render(args),
        Command::Diff(args) => diff_main(args),
        Command::Fn { strict, limits } => {
            crate::kustomize::fn_main(&limits.options(None, None), strict)
        }
        Command::KustomizePlugin(KustomizePluginCommand::Install { dir }) => {
            crate::kustomize::install_plugin_main(dir)
        }
    }
}

/// The plugin config file when run as a legacy kustomize exec plugin: argv[0] named `Persistence`, or
/// `KUSTOMIZE_PLUGIN_CONFIG_STRING` set and argv[1] not a subcommand.
fn legacy_plugin_config() -> Option<PathBuf> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let first = args.get(1)?;
    let by_name = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .is_some_and(|n| n == stowage_core::kinds::CONFIG_KIND);
    let by_env = std::env::var_os("KUSTOMIZE_PLUGIN_CONFIG_STRING").is_some() && {
        use clap::CommandFactory;
        let f = first.to_string_lossy();
        !f.starts_with('-')
            && f != "help"
            && !Cli::command().get_subcommands().any(|c| c.get_name() == f)
    };
    (by_name || by_env).then(|| PathBuf::from(first))
}

fn validate(files: &[PathBuf], strict: bool, namespaces: &[String]) -> i32 {
    if files.is_empty() {
        say!("error: `stowage validate` needs at least one --values FILE");
        return 2;
    }
    let persistence = match config::load_values_files(files) {
        Ok(v) => v,
        Err(diagnostics) => return report(&diagnostics, strict),
    };
    let (config, diagnostics) = config::build(&persistence, &origin(files));
    let code = report(&diagnostics, strict);
    if code == 0 {
        if let Some(config) = config {
            for ns in namespaces {
                crate::messages::write(&generate::describe(&generate::needs(&config, ns)));
            }
        }
        say!("config is valid");
    }
    code
}

fn generate(args: GenerateArgs) -> i32 {
    if args.values.files.is_empty() {
        say!("error: `stowage generate` needs at least one --values FILE");
        return 2;
    }
    let persistence = match config::load_values_files(&args.values.files) {
        Ok(v) => v,
        Err(diagnostics) => return report(&diagnostics, args.strict),
    };
    let (config, mut diagnostics) = config::build(&persistence, &origin(&args.values.files));
    let Some(config) = config.filter(|_| !has_errors(&diagnostics)) else {
        return report(&diagnostics, args.strict);
    };
    match generate::generate(&config, &args.credentials, &namespaces(args.namespace)) {
        Ok(made) => {
            diagnostics.extend(made.diagnostics);
            match report(&diagnostics, args.strict) {
                0 => print_stdout(generate::to_yaml(&made.objects).as_bytes()),
                code => code,
            }
        }
        Err(more) => {
            diagnostics.extend(more);
            report(&diagnostics, args.strict).max(1)
        }
    }
}

/// The namespaces asked for, each once, in order; `default` when none.
fn namespaces(mut given: Vec<String>) -> Vec<String> {
    given.retain(|n| !n.is_empty());
    if given.is_empty() {
        given.push("default".into());
    }
    let mut seen = std::collections::HashSet::new();
    given.retain(|n| seen.insert(n.clone()));
    given
}

fn post_render(mut args: PostRenderArgs) -> i32 {
    args.namespace = args.namespace.filter(|n| !n.is_empty());
    let options = args.limits.options(args.namespace.clone(), args.templates);
    // Values files that don't load are reported before stdin is read.
    let source = if args.values.files.is_empty() {
        ConfigSource::InStream
    } else {
        match config::load_values_files(&args.values.files) {
            Ok(persistence) => {
                ConfigSource::values(&persistence, &origin(&args.values.files), &options)
            }
            Err(diagnostics) => return report(&diagnostics, args.strict),
        }
    };
    // Read one byte past the limit so an oversized stream is refused without reading it all.
    let input = match crate::input::read_stdin(options.max_input_bytes.saturating_add(1)) {
        Ok(input) => input,
        Err(e) => {
            say!("error: cannot read stdin: {e}");
            return 1;
        }
    };
    // The previous render is read first: an invalid one fails before any work.
    let previous = match &args.previous {
        Some(path) => match read_plan_file(path, &args.namespace, &args.limits) {
            Ok(plan) => Some(plan),
            Err(code) => return code,
        },
        None => None,
    };
    match post_render::post_render(&input, source, &options) {
        Ok(outcome) => {
            let code = report(&outcome.diagnostics, args.strict);
            if code != 0 {
                return code;
            }
            if let Some(previous) = previous {
                // The output is the input plus insertions: no input limit applies to it.
                let read = diff::ReadOptions {
                    namespace: args.namespace.as_deref(),
                    max_input_bytes: usize::MAX,
                    ..read_options(&args.limits)
                };
                let new =
                    match diff::read_plan(&outcome.output(&input), "the injected output", &read) {
                        Ok(plan) => plan,
                        Err(diagnostics) => return report(&diagnostics, false),
                    };
                let diff_report = diff::compare(&previous, &new);
                let style = diff::Style::for_terminal(std::io::stderr().is_terminal());
                crate::messages::write(&diff::human(&diff_report, style));
                if args.fail_on.is_some_and(|l| diff_report.trips(l.into())) {
                    say!(
                        "error: volume changes at or above --fail-on {}: nothing written",
                        diff::Level::from(args.fail_on.unwrap()).as_str()
                    );
                    return 3;
                }
            }
            print_with(|out| outcome.write_to(&input, out))
        }
        Err(diagnostics) => report(&diagnostics, args.strict),
    }
}

impl LimitArgs {
    fn options(&self, namespace: Option<String>, templates: Option<PathBuf>) -> Options {
        Options {
            namespace,
            templates,
            max_input_bytes: self.max_input_bytes,
            max_documents: self.max_documents,
            yaml: Limits {
                max_depth: self.max_depth,
                max_alias_nodes: self.max_alias_nodes,
            },
            keep_plans: false,
        }
    }
}

fn read_options(limits: &LimitArgs) -> diff::ReadOptions<'static> {
    diff::ReadOptions {
        namespace: None,
        max_input_bytes: limits.max_input_bytes,
        max_documents: limits.max_documents,
        yaml: Limits {
            max_depth: limits.max_depth,
            max_alias_nodes: limits.max_alias_nodes,
        },
    }
}

/// Read a file's bytes (one byte past the limit at most), or stdin for `-`.
fn read_input(path: Option<&std::path::Path>, limit: usize) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let take = limit as u64 + 1;
    match path {
        None => std::io::stdin()
            .take(take)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("error: cannot read stdin: {e}"))?,
        Some(p) if p.as_os_str() == "-" => std::io::stdin()
            .take(take)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("error: cannot read stdin: {e}"))?,
        Some(p) => std::fs::File::open(p)
            .and_then(|f| f.take(take).read_to_end(&mut bytes))
            .map_err(|e| format!("error: cannot read {}: {e}", p.display()))?,
    };
    Ok(bytes)
}

fn read_plan_file(
    path: &std::path::Path,
    namespace: &Option<String>,
    limits: &LimitArgs,
) -> Result<diff::VolumePlan, i32> {
    let bytes = read_input(Some(path), limits.max_input_bytes).map_err(|m| {
        say!("{m}");
        1
    })?;
    let options = diff::ReadOptions {
        namespace: namespace.as_deref(),
        ..read_options(limits)
    };
    let origin = if path.as_os_str() == "-" {
        "stdin".to_string()
    } else {
        path.display().to_string()
    };
    diff::read_plan(&bytes, &origin, &options).map_err(|d| report(&d, false))
}

fn diff_main(mut args: DiffArgs) -> i32 {
    args.namespace = args.namespace.filter(|n| !n.is_empty());
    if args.previous.as_os_str() == "-" && args.new.as_ref().is_none_or(|n| n.as_os_str() == "-") {
        say!("error: OLD and NEW cannot both be stdin");
        return 2;
    }
    let old = match read_plan_file(&args.previous, &args.namespace, &args.limits) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let new_path = args.new.clone().unwrap_or_else(|| PathBuf::from("-"));
    let new = match read_plan_file(&new_path, &args.namespace, &args.limits) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let diff_report = diff::compare(&old, &new);
    let text = match args.output {
        OutputArg::Human => diff::human(
            &diff_report,
            diff::Style::for_terminal(std::io::stdout().is_terminal()),
        ),
        OutputArg::Json => diff::json(&diff_report),
        OutputArg::Markdown => diff::markdown(&diff_report),
    };
    let code = print_stdout(text.as_bytes());
    if code != 0 {
        return code;
    }
    match args.fail_on {
        Some(level) if diff_report.trips(level.into()) => 3,
        _ => 0,
    }
}

fn origin(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Print diagnostics on stderr; the exit code they call for.
fn report(diagnostics: &[Diagnostic], strict: bool) -> i32 {
    for d in diagnostics {
        let mut d = d.clone();
        if strict && d.severity == Severity::Warning {
            d.severity = Severity::Error;
            d.message.push_str(" [--strict]");
        }
        say!("{d}");
    }
    let failed = has_errors(diagnostics)
        || (strict && diagnostics.iter().any(|d| d.severity == Severity::Warning));
    if failed { 1 } else { 0 }
}

/// Write the result; a closed pipe (`| head`) is not an error.
pub(crate) fn print_stdout(bytes: &[u8]) -> i32 {
    print_with(|out| out.write_all(bytes))
}

/// Write the result through a buffer; a closed pipe (`| head`) is not an error.
fn print_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> i32 {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            say!("error: cannot write stdout: {e}");
            1
        }
    }
}

/// `ENTRY=FILE` of `--credentials`: the entry, the path, and the argument as messages name it.
fn credentials_arg(s: &str) -> Result<generate::KeyFileArg, String> {
    match s.split_once('=') {
        Some((entry, file)) if !entry.is_empty() && !file.is_empty() => Ok(generate::KeyFileArg {
            entry: entry.to_string(),
            path: PathBuf::from(file),
            label: format!("--credentials {s}"),
        }),
        _ => Err(format!(
            "`{s}` is not ENTRY=FILE (e.g. `--credentials data-s3=./s3.json`)"
        )),
    }
}

/// A namespace is a DNS-1123 label; it becomes part of the outputs path, so nothing else may pass.
/// An empty one means none was given, as Argo CD passes an Application without a destination
/// namespace (`--namespace "$ARGOCD_APP_NAMESPACE"`, empty).
fn namespace_name(s: &str) -> Result<String, String> {
    if s.is_empty() || stowage_core::k8s::is_dns1123_label(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{s}` is not a namespace name (a DNS-1123 label: lowercase letters, digits and `-`, at most 63)"
        ))
    }
}
