//! Command-line interface: parses arguments and wires the stages; no logic of its own.
//!
//! Exit codes (design.md §8): 0 success; 1 invalid input, config or conflict (stderr says what and
//! where, stdout stays empty); 2 usage; 3 `--fail-on` tripped.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config;
use crate::inject::{self, ConfigSource, Options};
use crate::report::{Diagnostic, Severity, has_errors};
use crate::yaml::Limits;

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
    Validate {
        #[command(flatten)]
        values: ValuesArgs,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Print the JSON Schema (draft 2020-12) of the `persistence` value, for a chart's values.schema.json.
    Schema,
    /// KRM function (kustomize, kpt): a ResourceList on stdin, the injected ResourceList on stdout.
    ///
    /// The config is the functionConfig: a `stowage.dev/v1alpha1 Persistence` (config under `spec`)
    /// or a ConfigMap whose `data.persistence` holds it (kpt `-- persistence="$(cat p.yaml)"`).
    #[command(name = "fn")]
    Fn,
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
struct PostRenderArgs {
    #[command(flatten)]
    values: ValuesArgs,
    /// Namespace for workloads without `metadata.namespace` (as `helm --namespace`); default `default`.
    #[arg(long, short = 'n', value_name = "NS")]
    namespace: Option<String>,
    /// A directory whose `*.yaml.hbs` files replace the built-in templates of the same name.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Treat warnings as errors (for CI).
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    limits: LimitArgs,
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
        return crate::krm::legacy_plugin_main(&config);
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
        Command::Validate { values, strict } => validate(&values.files, strict),
        Command::PostRender(args) => post_render(args),
        Command::Fn => crate::krm::fn_main(),
        Command::KustomizePlugin(KustomizePluginCommand::Install { dir }) => {
            crate::krm::install_plugin_main(dir)
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
        .is_some_and(|n| n == crate::inject::CONFIG_KIND);
    let by_env = std::env::var_os("KUSTOMIZE_PLUGIN_CONFIG_STRING").is_some() && {
        use clap::CommandFactory;
        let f = first.to_string_lossy();
        !f.starts_with('-')
            && f != "help"
            && !Cli::command().get_subcommands().any(|c| c.get_name() == f)
    };
    (by_name || by_env).then(|| PathBuf::from(first))
}

fn validate(files: &[PathBuf], strict: bool) -> i32 {
    if files.is_empty() {
        eprintln!("error: `stowage validate` needs at least one --values FILE");
        return 2;
    }
    let persistence = match config::load_values_files(files) {
        Ok(v) => v,
        Err(diagnostics) => return report(&diagnostics, strict),
    };
    let (_, diagnostics) = config::build(&persistence, &origin(files));
    let code = report(&diagnostics, strict);
    if code == 0 {
        eprintln!("config is valid");
    }
    code
}

fn post_render(args: PostRenderArgs) -> i32 {
    let source = if args.values.files.is_empty() {
        ConfigSource::InStream
    } else {
        match config::load_values_files(&args.values.files) {
            Ok(persistence) => ConfigSource::Values {
                persistence,
                origin: origin(&args.values.files),
            },
            Err(diagnostics) => return report(&diagnostics, args.strict),
        }
    };
    let options = Options {
        namespace: args.namespace,
        templates: args.templates,
        max_input_bytes: args.limits.max_input_bytes,
        max_documents: args.limits.max_documents,
        yaml: Limits {
            max_depth: args.limits.max_depth,
            max_alias_nodes: args.limits.max_alias_nodes,
        },
    };
    let mut input = Vec::new();
    // Read one byte past the limit so an oversized stream is refused without reading it all.
    let limit = options.max_input_bytes as u64 + 1;
    if let Err(e) = std::io::stdin().take(limit).read_to_end(&mut input) {
        eprintln!("error: cannot read stdin: {e}");
        return 1;
    }
    match inject::post_render(&input, source, &options) {
        Ok(outcome) => {
            let code = report(&outcome.diagnostics, args.strict);
            if code != 0 {
                return code;
            }
            print_stdout(&outcome.output)
        }
        Err(diagnostics) => report(&diagnostics, args.strict),
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
    let mut stderr = std::io::stderr().lock();
    for d in diagnostics {
        let mut d = d.clone();
        if strict && d.severity == Severity::Warning {
            d.severity = Severity::Error;
            d.message.push_str(" [--strict]");
        }
        let _ = writeln!(stderr, "{d}");
    }
    let failed = has_errors(diagnostics)
        || (strict && diagnostics.iter().any(|d| d.severity == Severity::Warning));
    if failed { 1 } else { 0 }
}

/// Write the result; a closed pipe (`| head`) is not an error.
pub(crate) fn print_stdout(bytes: &[u8]) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: cannot write stdout: {e}");
            1
        }
    }
}
