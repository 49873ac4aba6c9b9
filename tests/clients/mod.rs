//! The real clients (docs/real-clients.md) for the end-to-end suites: each is `.tools/bin/<role>`, linked
//! by `scripts/setup-tools` after it checked the version; a missing one fails the test with the
//! command that installs it. Also: a private Helm home per test, runs with a deadline, golden
//! files under testdata/clients. A suite declares `mod common;` beside `mod clients;`.

// Each suite uses its own part of this module.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common;

pub const STOWAGE: &str = env!("CARGO_BIN_EXE_stowage");

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `.tools/bin/ROLE` (helm3, helm4, kustomize, kpt, kubectl-1.32, kubectl-1.37).
pub fn tool(role: &str) -> PathBuf {
    let p = root().join(".tools/bin").join(role);
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup-tools (it builds or links every client the end-to-end \
         tests use; scripts/test and .ci/run run it first)",
        p.display()
    );
    p
}

/// A directory holding `NAME` -> the real client ROLE, for scripts that call `helm` or `stowage`
/// by name (Argo CD's generate, the kustomize README commands). Prepend it to PATH.
pub fn bin_dir(dir: &Path, links: &[(&str, &Path)]) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for (name, target) in links {
        let _ = std::fs::remove_file(bin.join(name));
        std::os::unix::fs::symlink(target, bin.join(name)).unwrap();
    }
    bin
}

/// PATH with `dir` first.
pub fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

/// A fresh scratch directory, removed when dropped unless the test panicked (kept for a look).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        Scratch(common::temp_dir(tag))
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A Helm binary with its own config, cache and data folders under `home`, so tests never read or
/// write the user's Helm set-up or each other's. Plugins are in the data folder's `plugins`, the
/// default: Helm 4 installs a local plugin folder there whatever HELM_PLUGINS says (helm v4.3.2
/// internal/plugin/installer/local_installer.go:168-180) and loads from HELM_PLUGINS.
pub struct Helm {
    pub major: u8,
    pub bin: PathBuf,
    pub home: PathBuf,
}

impl Helm {
    /// `major` is 3 or 4.
    pub fn new(major: u8, home: &Path) -> Helm {
        let bin = tool(&format!("helm{major}"));
        for d in ["config", "cache", "data/plugins"] {
            std::fs::create_dir_all(home.join(d)).unwrap();
        }
        Helm {
            major,
            bin,
            home: home.to_path_buf(),
        }
    }

    /// How this Helm runs stowage: Helm 3 by path, `post-render` first; Helm 4 the `stowage`
    /// plugin (install it first).
    pub fn post_renderer(&self) -> Vec<&'static str> {
        if self.major == 3 {
            vec![
                "--post-renderer",
                STOWAGE,
                "--post-renderer-args",
                "post-render",
            ]
        } else {
            vec!["--post-renderer", "stowage"]
        }
    }

    pub fn plugins(&self) -> PathBuf {
        self.home.join("data/plugins")
    }

    /// `helm ARGS...` with the private folders; the caller adds env, cwd and runs it.
    pub fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = Command::new(&self.bin);
        c.args(args);
        self.env(&mut c);
        c
    }

    /// The private folders as Helm's environment, on any command (a script that runs helm).
    pub fn env(&self, c: &mut Command) {
        c.env_remove("HELM_PLUGINS")
            .env("HELM_CONFIG_HOME", self.home.join("config"))
            .env("HELM_CACHE_HOME", self.home.join("cache"))
            .env("HELM_DATA_HOME", self.home.join("data"))
            .env_remove("HELM_NAMESPACE")
            .env_remove("HELM_KUBECONTEXT")
            .env_remove("HELM_DEBUG")
            .env_remove("STOWAGE_BIN")
            .env_remove("KUBECONFIG");
    }

    /// Installs the `stowage` post-renderer plugin (plugin.yaml) from a copy of the checkout's
    /// plugin files, the install hook copying this build's binary (STOWAGE_BIN) instead of
    /// running cargo; and the `stowage-diff` CLI plugin from helm-plugin-diff/.
    pub fn install_plugins(&self, scratch: &Path) {
        let src = plugin_source(scratch);
        let out = ok(self
            .cmd(["plugin", "install"])
            .arg(&src)
            .env("STOWAGE_BIN", STOWAGE));
        assert!(out.contains("stowage installed at"), "{out}");
        ok(self
            .cmd(["plugin", "install"])
            .arg(root().join("helm-plugin-diff")));
    }
}

/// testdata/helm4-embed installing testdata/charts/trainer as release `trainer` in namespace ml,
/// client-side, through the `stowage` plugin of `helm` with post-render `strategy`; the config
/// is in-stream (Helm values `persistence`: data1 and the outputs on claim out-pvc).
pub fn helm4_embed(helm: &Helm, strategy: &str) -> Command {
    let mut c = Command::new(tool("helm4-embed"));
    c.args(["-strategy", strategy, "-namespace", "ml"]);
    for v in [
        "persistence.data.data1.mountPath=/data/1",
        "persistence.data.data1.existingClaim=data-pvc",
        "persistence.outputs.out.mountPath=/outputs",
        "persistence.outputs.out.existingClaim=out-pvc",
    ] {
        c.args(["-set", v]);
    }
    c.args(["trainer", "testdata/charts/trainer"])
        .current_dir(root());
    helm.env(&mut c);
    c
}

/// A copy of what `helm plugin install <checkout>` needs (plugin.yaml and the install hook) in
/// `scratch/stowage`: Helm 4 installs a local folder as a symlink and the hook writes bin/ there,
/// so tests must not install the checkout itself.
pub fn plugin_source(scratch: &Path) -> PathBuf {
    let src = scratch.join("stowage");
    std::fs::create_dir_all(src.join("scripts")).unwrap();
    std::fs::copy(root().join("plugin.yaml"), src.join("plugin.yaml")).unwrap();
    for f in ["helm-plugin-install", "helm-plugin-install.cmd"] {
        std::fs::copy(root().join("scripts").join(f), src.join("scripts").join(f)).unwrap();
    }
    src
}

pub struct Out {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Run `cmd` with `stdin`; fail the test after 120 s.
pub fn run_with(cmd: &mut Command, stdin: &[u8]) -> Out {
    let r = common::run_process(cmd, stdin, Duration::from_secs(120));
    Out {
        stdout: String::from_utf8_lossy(&r.stdout).into_owned(),
        stderr: r.stderr,
        code: r.code,
    }
}

pub fn run(cmd: &mut Command) -> Out {
    run_with(cmd, b"")
}

/// Run `cmd`, which must exit 0; returns stdout.
#[track_caller]
pub fn ok(cmd: &mut Command) -> String {
    let what = format!("{cmd:?}");
    let o = run(cmd);
    assert_eq!(o.code, 0, "{what} failed:\n{}\n{}", o.stderr, o.stdout);
    o.stdout
}

/// The golden file `testdata/clients/NAME`: compared, or written with `STOWAGE_BLESS=1` (then
/// review `git diff testdata/clients`).
#[track_caller]
pub fn golden(name: &str, actual: &str) {
    let path = root().join("testdata/clients").join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut failures = Vec::new();
    common::check_file(&path, actual.as_bytes(), &mut failures);
    assert!(
        failures.is_empty(),
        "{}
(STOWAGE_BLESS=1 cargo nextest run --test <suite> rewrites it: review the git diff)",
        failures.join("\n")
    );
}

/// The documents of a YAML stream that hold an object, as text (split on `---` lines).
pub fn docs(stream: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for line in stream.lines() {
        if line == "---" || line.starts_with("--- ") {
            out.push(String::new());
        } else {
            let d = out.last_mut().unwrap();
            d.push_str(line);
            d.push('\n');
        }
    }
    out.into_iter()
        .filter(|d| d.lines().any(|l| l.starts_with("kind:")))
        .collect()
}

/// The document of `stream` whose `metadata.name` (or a List item's) is `name`.
#[track_caller]
pub fn doc<'a>(all: &'a [String], name: &str) -> &'a str {
    let want = format!("name: {name}\n");
    all.iter()
        .find(|d| d.contains(&want))
        .unwrap_or_else(|| panic!("no document named {name} in:\n{}", all.join("---\n")))
}
