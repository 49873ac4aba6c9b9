//! The command line: every subcommand and flag, documented once, where it is defined.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use stowage_core::diff;
use stowage_core::generate;
use stowage_core::post_render::Options;
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
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
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
pub(crate) enum KustomizePluginCommand {
    /// Link this executable as the `stowage.dev/v1alpha1` Persistence plugin:
    /// `DIR/stowage.dev/v1alpha1/persistence/Persistence`.
    Install {
        /// The kustomize plugin home; default where kustomize looks first: `$KUSTOMIZE_PLUGIN_HOME`,
        /// else `$XDG_CONFIG_HOME/kustomize/plugin`, else `~/.config/kustomize/plugin`.
        #[arg(long, value_name = "D")]
        dir: Option<PathBuf>,
    },
}

#[derive(Args, Debug)]
pub(crate) struct ValuesArgs {
    /// A chart values file whose `persistence:` key is the config (repeatable; later files override
    /// earlier ones key by key, like Helm).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct GenerateArgs {
    #[command(flatten)]
    pub(crate) values: ValuesArgs,
    /// The key file of a bucket entry (repeatable), e.g. `--credentials data-s3=./s3.json`.
    #[arg(long = "credentials", value_name = "ENTRY=FILE", value_parser = credentials_arg)]
    pub(crate) credentials: Vec<generate::KeyFileArg>,
    /// A namespace to make the objects in (repeatable); default `default`.
    #[arg(long, short = 'n', value_name = "NS", value_parser = namespace_name)]
    pub(crate) namespace: Vec<String>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub(crate) strict: bool,
}

#[derive(Args, Debug)]
pub(crate) struct PostRenderArgs {
    #[command(flatten)]
    pub(crate) values: ValuesArgs,
    /// Namespace for workloads without `metadata.namespace` (as `helm --namespace`); default `default`.
    #[arg(long, short = 'n', value_name = "NS", value_parser = namespace_name)]
    pub(crate) namespace: Option<String>,
    /// A directory whose `*.yaml.hbs` files replace the built-in templates of the same name.
    #[arg(long, value_name = "DIR")]
    pub(crate) templates: Option<PathBuf>,
    /// Treat warnings as errors (for CI).
    #[arg(long)]
    pub(crate) strict: bool,
    /// The previous render (e.g. `helm get manifest RELEASE`): report volume changes on stderr.
    #[arg(long, value_name = "OLD")]
    pub(crate) previous: Option<PathBuf>,
    /// With --previous: fail (exit 3, nothing on stdout) when a change at or above this level exists.
    #[arg(long, value_name = "LEVEL", requires = "previous")]
    pub(crate) fail_on: Option<LevelArg>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

#[derive(Args, Debug)]
pub(crate) struct DiffArgs {
    /// The previous render (e.g. `helm get manifest RELEASE`).
    #[arg(long, value_name = "OLD")]
    pub(crate) previous: PathBuf,
    /// The new render; default (or `-`) stdin.
    #[arg(value_name = "NEW")]
    pub(crate) new: Option<PathBuf>,
    /// Namespace for workloads without `metadata.namespace` (as `helm --namespace`); default `default`.
    #[arg(long, short = 'n', value_name = "NS", value_parser = namespace_name)]
    pub(crate) namespace: Option<String>,
    /// Report format.
    #[arg(long, short = 'o', value_name = "FORMAT", default_value = "human")]
    pub(crate) output: OutputArg,
    /// Exit 3 when a change at or above this level exists.
    #[arg(long, value_name = "LEVEL")]
    pub(crate) fail_on: Option<LevelArg>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum LevelArg {
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
pub(crate) enum OutputArg {
    Human,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub(crate) struct LimitArgs {
    /// Largest input accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    pub(crate) max_input_bytes: usize,
    /// Most documents accepted in one stream.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub(crate) max_documents: usize,
    /// Deepest nesting of YAML collections accepted.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub(crate) max_depth: usize,
    /// Most nodes a document may expand to through YAML aliases.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub(crate) max_alias_nodes: usize,
}

impl LimitArgs {
    pub(crate) fn options(&self, namespace: Option<String>, templates: Option<PathBuf>) -> Options {
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
