//! The commands: each reads its input, runs stowage-core and writes the result; no logic of its
//! own.
//!
//! Exit codes: 0 success; 1 invalid input, config or conflict (stderr says what and
//! where, stdout stays empty); 2 usage; 3 `--fail-on` tripped.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::Parser;

use crate::args::{
    Cli, Command, DiffArgs, GenerateArgs, KustomizePluginCommand, LimitArgs, OutputArg,
    PostRenderArgs,
};
use crate::messages::say;

use stowage_core::config;
use stowage_core::diff;
use stowage_core::generate;
use stowage_core::post_render::{self, ConfigSource};
use stowage_core::report::{Diagnostic, Severity, has_errors};
use stowage_core::yaml::Limits;

/// Run the CLI; returns the process exit code.
pub fn run() -> i32 {
    if let Some(config) = legacy_plugin_config() {
        return crate::kustomize::legacy_plugin_main(&config);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A usage error is a message like any other: Helm 4 would hide it too.
        Err(e) if e.use_stderr() => {
            let mut text = e.render().to_string();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            crate::messages::write(&text);
            return 2;
        }
        Err(e) => {
            let _ = e.print();
            return 0;
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
    match generate::generate(
        &config,
        &args.credentials,
        &namespaces(args.namespace),
        generate::Ask::Flag,
    ) {
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
            Ok(persistence) => ConfigSource::values(&persistence, &origin(&args.values.files)),
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
