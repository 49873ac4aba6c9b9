//! The kustomize and kpt commands: `stowage fn`, the legacy exec plugin and its installer.

use stowage_core::krm;

use crate::messages::say;
use stowage_core::post_render::Options;
use stowage_core::report::{Diagnostic, Severity};

fn read_stdin(options: &Options) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut input = Vec::new();
    let limit = options.max_input_bytes as u64 + 1;
    std::io::stdin()
        .take(limit)
        .read_to_end(&mut input)
        .map_err(|e| format!("error: cannot read stdin: {e}"))?;
    Ok(input)
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics.iter().filter(|d| d.severity != Severity::Note) {
        say!("{d}");
    }
}

/// `stowage fn`: always writes a ResourceList; exit 1 when a result is an error.
pub fn fn_main(options: &Options, strict: bool) -> i32 {
    let input = match read_stdin(options) {
        Ok(i) => i,
        Err(m) => {
            say!("{m}");
            return 1;
        }
    };
    let outcome = krm::run_fn(&input, options, strict);
    // kustomize does not show results: say it on stderr too.
    print_diagnostics(&outcome.diagnostics);
    let code = crate::cli::print_stdout(outcome.output.as_bytes());
    if outcome.exit_code != 0 {
        outcome.exit_code
    } else {
        code
    }
}

/// The legacy exec plugin: argv[1] is the config file, stdin the resources.
pub fn legacy_plugin_main(config_path: &std::path::Path) -> i32 {
    let options = Options::default();
    let config = match std::fs::read_to_string(config_path) {
        Ok(c) => c,
        Err(e) => {
            say!(
                "error: cannot read the plugin config {}: {e}",
                config_path.display()
            );
            return 1;
        }
    };
    let input = match read_stdin(&options) {
        Ok(i) => i,
        Err(m) => {
            say!("{m}");
            return 1;
        }
    };
    // kustomize passes a temp file name: name the config by its object instead.
    let origin = "Persistence plugin config";
    // Key files are relative to the kustomization, kustomize's working dir for the plugin.
    let base = std::env::var_os("KUSTOMIZE_PLUGIN_CONFIG_ROOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    match krm::run_legacy_plugin(&config, origin, &base, &input, &options) {
        Ok((output, diagnostics)) => {
            print_diagnostics(&diagnostics);
            crate::cli::print_stdout(&output)
        }
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            1
        }
    }
}

/// Where `stowage kustomize-plugin install` links the plugin under `dir`.
pub fn plugin_path(dir: &std::path::Path) -> std::path::PathBuf {
    dir.join("stowage.dev/v1alpha1/persistence")
        .join(stowage_core::kinds::CONFIG_KIND)
}

pub fn install_plugin_main(dir: Option<std::path::PathBuf>) -> i32 {
    // Where kustomize looks first (its konfig/plugins.go, DefaultAbsPluginHome):
    // $KUSTOMIZE_PLUGIN_HOME, then $XDG_CONFIG_HOME/kustomize/plugin, then ~/.config/....
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    };
    let dir = match dir
        .or_else(|| env("KUSTOMIZE_PLUGIN_HOME"))
        .or_else(|| env("XDG_CONFIG_HOME").map(|x| x.join("kustomize/plugin")))
        .or_else(|| env("HOME").map(|h| h.join(".config/kustomize/plugin")))
    {
        Some(d) => d,
        None => {
            say!(
                "error: none of KUSTOMIZE_PLUGIN_HOME, XDG_CONFIG_HOME and HOME is set; pass --dir"
            );
            return 2;
        }
    };
    let exe = match std::env::current_exe().and_then(|p| p.canonicalize()) {
        Ok(p) => p,
        Err(e) => {
            say!("error: cannot find the current executable: {e}");
            return 1;
        }
    };
    let target = plugin_path(&dir);
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(target.parent().expect("has a parent"))?;
        if std::fs::symlink_metadata(&target).is_ok() {
            std::fs::remove_file(&target)?;
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(&exe, &target)?;
        #[cfg(not(unix))]
        std::fs::copy(&exe, &target).map(|_| ())?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            println!("installed {} -> {}", target.display(), exe.display());
            println!(
                "use it with `kubectl kustomize --enable-alpha-plugins` (or `kustomize build --enable-alpha-plugins`)"
            );
            0
        }
        Err(e) => {
            say!(
                "error: cannot install the plugin at {}: {e}",
                target.display()
            );
            1
        }
    }
}
