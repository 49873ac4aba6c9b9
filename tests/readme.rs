//! The README stays true: its config reference names every key of the schema, its two set-up
//! commands are the ones this repository provides, and the commands of its Helm, Argo CD, kustomize
//! and kpt sections run as written with the real clients.

mod clients;
mod common;

use std::path::Path;
use std::process::Command;

use clients::{STOWAGE, Scratch, bin_dir, path_with, run, tool};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn keys_of(schema: &serde_json::Value, pointer: &str) -> Vec<String> {
    schema
        .pointer(pointer)
        .and_then(|p| p.as_object())
        .unwrap_or_else(|| panic!("schema has no {pointer}"))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn config_reference_names_every_schema_key() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let reference = readme
        .split("### Config reference")
        .nth(1)
        .expect("README has a `### Config reference` section");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/persistence.schema.json")).unwrap(),
    )
    .unwrap();
    let mut keys = keys_of(&schema, "/properties");
    keys.extend(keys_of(&schema, "/$defs/dataEntry/properties"));
    keys.extend(keys_of(&schema, "/$defs/outputsEntry/properties"));
    keys.extend(keys_of(&schema, "/$defs/workloadRule/properties"));
    keys.extend(keys_of(&schema, "/$defs/workloadMatch/properties"));
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !["data", "outputs"].contains(&k.as_str()))
        .filter(|k| !reference.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README's config reference lacks {missing:?}"
    );
}

#[test]
fn set_up_commands_exist() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains(
        "cargo run --release -- post-render --values examples/values.yaml < examples/rendered.yaml"
    ));
    assert!(
        root().join("examples/values.yaml").exists()
            && root().join("examples/rendered.yaml").exists()
    );
    assert!(readme.contains("\nscripts/test\n"));
    assert!(
        root().join("scripts/test").exists(),
        "scripts/test is the README's test command"
    );
}

#[test]
fn printed_schema_is_the_embedded_file() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stowage"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let file = std::fs::read(root().join("schema/persistence.schema.json")).unwrap();
    assert_eq!(out.stdout, file);
}

// ---------------------------------------------------------------------------------------------
// Every command of the README's Helm, Argo CD and kustomize/kpt sections, as written, with the
// real clients (scripts/setup-tools). Blocks run with `sh -e` in a work folder that holds what
// the text assumes: `./chart` (testdata/charts/trainer), `persistence.yaml`, `./stowage` (a
// checkout: plugin.yaml, its install hook, helm-plugin-diff/, examples/) and a package `./pkg`;
// stowage, stowage-fn and the clients on PATH; HOME a scratch folder.

/// The ```sh blocks of the README section titled `## TITLE`.
fn sh_blocks(title: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split(&format!("\n## {title}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("README has no `## {title}`"))
        .split("\n## ")
        .next()
        .unwrap();
    section
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_string())
        .collect()
}

/// The work folder, and PATH with `helm` (the stand-in for `helm get`, wrapping Helm `major`),
/// `kubectl` (`kubectl`), kustomize, kpt, stowage and stowage-fn.
struct Work {
    scratch: Scratch,
}

impl Work {
    fn new(tag: &str) -> Work {
        let scratch = Scratch::new(&format!("readme-{tag}"));
        let w = scratch.path().join("work");
        common::copy_tree(&root().join("testdata/charts/trainer"), &w.join("chart"));
        std::fs::copy(
            root().join("testdata/charts/persistence.yaml"),
            w.join("persistence.yaml"),
        )
        .unwrap();
        let checkout = w.join("stowage");
        common::copy_tree(&root().join("examples"), &checkout.join("examples"));
        common::copy_tree(
            &root().join("helm-plugin-diff"),
            &checkout.join("helm-plugin-diff"),
        );
        std::fs::create_dir_all(checkout.join("scripts")).unwrap();
        std::fs::copy(root().join("plugin.yaml"), checkout.join("plugin.yaml")).unwrap();
        std::fs::copy(
            root().join("scripts/helm-plugin-install"),
            checkout.join("scripts/helm-plugin-install"),
        )
        .unwrap();
        std::fs::create_dir_all(scratch.path().join("home")).unwrap();
        Work { scratch }
    }

    fn dir(&self, sub: &str) -> std::path::PathBuf {
        self.scratch.path().join("work").join(sub)
    }

    /// `sh -e` on `script` in `cwd`, Helm `helm` and kubectl `kubectl` on PATH.
    fn sh(&self, script: &str, cwd: &str, helm: u8, kubectl: &str) -> clients::Out {
        let standin = root().join("testdata/clients/helm-get-standin");
        let bin = bin_dir(
            &self.scratch.path().join(format!("bin-{helm}-{kubectl}")),
            &[
                ("helm", &standin),
                ("kubectl", &tool(kubectl)),
                ("kustomize", &tool("kustomize")),
                ("kpt", &tool("kpt")),
                ("stowage", Path::new(STOWAGE)),
                (
                    "stowage-fn",
                    &root().join("examples/kustomize/krm/stowage-fn"),
                ),
            ],
        );
        let home = self.scratch.path().join("home");
        let mut c = Command::new("sh");
        c.args(["-ec", script])
            .current_dir(self.dir(cwd))
            .env_clear()
            .env("PATH", path_with(&bin))
            .env("HOME", &home)
            .env("TMPDIR", self.scratch.path())
            .env("REAL_HELM", tool(&format!("helm{helm}")))
            .env("STOWAGE_BIN", STOWAGE)
            .env(
                "STANDIN_MANIFEST",
                self.scratch.path().join("manifest.yaml"),
            )
            .env("STANDIN_HOOKS", self.scratch.path().join("hooks.yaml"));
        let o = run(&mut c);
        assert_eq!(
            o.code, 0,
            "README block failed (helm{helm}, {kubectl}, in {cwd}):\n{script}\n{}\n{}",
            o.stderr, o.stdout
        );
        o
    }

    /// The deployed release for `helm stowage-diff`: what Helm `helm` renders now, through
    /// stowage with persistence.yaml and namespace ml, split into manifest and hooks.
    fn deployed(&self, helm: u8) {
        // Helm 4 takes only a plugin's name: install it in a data folder of its own first.
        let (setup, renderer) = if helm == 3 {
            (
                "",
                "\"$(command -v stowage)\" --post-renderer-args post-render",
            )
        } else {
            (
                "export HELM_DATA_HOME=\"$TMPDIR/deployed\"; \"$REAL_HELM\" plugin install ./stowage >&2;",
                "stowage",
            )
        };
        let render = |extra: &str| {
            let script = format!(
                "{setup} \"$REAL_HELM\" template trainer ./chart --namespace ml {extra} \
                 --post-renderer {renderer} \
                 --post-renderer-args --values --post-renderer-args persistence.yaml \
                 --post-renderer-args --namespace --post-renderer-args ml"
            );
            let _ = std::fs::remove_dir_all(self.scratch.path().join("deployed"));
            self.sh(&script, "", helm, "kubectl-1.37").stdout
        };
        let manifest = render("--no-hooks");
        let full = render("");
        std::fs::write(self.scratch.path().join("manifest.yaml"), &manifest).unwrap();
        let hooks = full.strip_prefix(&manifest).unwrap();
        std::fs::write(self.scratch.path().join("hooks.yaml"), hooks).unwrap();
    }
}

fn injected(out: &str) -> bool {
    out.contains("POLYAXON_RUN_OUTPUTS_PATH") && out.contains("outputs-2-pvc")
}

#[test]
fn readme_helm_commands_run_as_written() {
    let helm = sh_blocks("Use it with Helm");
    let plugins = sh_blocks("Helm plugins, Argo CD and GitOps CI");
    assert_eq!(
        (helm.len(), plugins.len()),
        (3, 2),
        "a new block needs a run here"
    );

    // Helm 3: the path form, and the diff script run directly.
    let w = Work::new("helm3");
    let o = w.sh(&helm[0], "", 3, "kubectl-1.37");
    assert!(
        o.stdout.contains("/outputs/2/ml/trainer-api"),
        "{}",
        o.stdout
    );
    w.deployed(3);
    let o = w.sh(&plugins[1], "", 3, "kubectl-1.37");
    assert!(
        o.stdout.contains("0 volume changes") || o.stdout.contains("no volume change"),
        "{}",
        o.stdout
    );

    // Helm 4: its own data folder, the plugins, the values and in-stream forms, the diff plugin.
    let w = Work::new("helm4");
    w.deployed(4);
    let script = [&helm[1][..], &helm[2], &plugins[0]].join("\n");
    let o = w.sh(&script, "", 4, "kubectl-1.37");
    assert!(o.stdout.contains("run-7-pvc"), "{}", o.stdout);
    let data = w.scratch.path().join("home/.local/share/helm4/plugins");
    assert!(data.join("stowage/bin/stowage").exists());
    assert!(data.join("helm-plugin-diff/plugin.yaml").exists());
}

#[test]
fn readme_kustomize_and_kpt_commands_run_as_written() {
    let blocks = sh_blocks("Use it with kustomize and kpt");
    assert_eq!(blocks.len(), 3, "a new block needs a run here");
    for kubectl in ["kubectl-1.32", "kubectl-1.37"] {
        let w = Work::new(kubectl);
        let o = w.sh(&blocks[0], "stowage", 4, kubectl);
        assert!(injected(&o.stdout), "{kubectl}: {}", o.stdout);
        let o = w.sh(&blocks[1], "stowage", 4, kubectl);
        assert!(injected(&o.stdout), "{}", o.stdout);
    }
    // kpt: a package of the example's workloads whose Kptfile runs stowage-fn with the example's
    // config; eval's config file is the same value, beside the package.
    let w = Work::new("kpt");
    let pkg = w.dir("pkg");
    common::copy_tree(&root().join("examples/kustomize/base"), &pkg);
    std::fs::remove_file(pkg.join("kustomization.yaml")).unwrap();
    let cfg = std::fs::read_to_string(root().join("examples/kustomize/persistence.yaml")).unwrap();
    std::fs::write(pkg.join("persistence.yaml"), &cfg).unwrap();
    let value = cfg.split("\nspec:\n").nth(1).unwrap();
    std::fs::write(w.dir("persistence.yaml"), format!("persistence:\n{value}")).unwrap();
    std::fs::write(
        pkg.join("Kptfile"),
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n    \
         - exec: stowage-fn\n      configPath: persistence.yaml\n",
    )
    .unwrap();
    w.sh(&blocks[2], "", 4, "kubectl-1.37");
    let deployment = std::fs::read_to_string(pkg.join("deployment.yaml")).unwrap();
    assert!(injected(&deployment), "{deployment}");
}

/// Helm 3 and Helm 4 side by side (README): with one plugins folder, Helm 3 loses its CLI and
/// downloader plugins to Helm 4's plugin.yaml (helm v3.21.4 pkg/plugin/plugin.go:329-350 and
/// :354-365 stop at the first file it cannot read; cmd/helm/load_plugins.go:59-62 then loads none,
/// pkg/getter/getter.go:225 ignores the error); the README's `export HELM_DATA_HOME` for Helm 4
/// keeps them apart.
#[test]
fn readme_keeps_helm3_plugins_apart_from_helm4s() {
    let advice = sh_blocks("Use it with Helm")[1]
        .lines()
        .find(|l| l.starts_with("export HELM_DATA_HOME="))
        .expect("the Helm 4 block sets HELM_DATA_HOME")
        .to_string();
    // Two Helm 3 plugins: a CLI command and an s3:// downloader (it fails, saying it ran).
    let helm3_plugins = "mkdir -p hello fakes3/bin
printf 'name: hello\\nversion: 0.1.0\\nusage: hi\\ndescription: a Helm 3 CLI plugin\\ncommand: \"$HELM_PLUGIN_DIR/hello.sh\"\\n' >hello/plugin.yaml
printf '#!/bin/sh\\necho hello from helm 3\\n' >hello/hello.sh
printf 'name: fakes3\\nversion: 0.1.0\\ndescription: a Helm 3 downloader\\ndownloaders:\\n  - command: bin/fetch\\n    protocols: [s3]\\n' >fakes3/plugin.yaml
printf '#!/bin/sh\\necho \"fakes3 ran for $4\" >&2; exit 1\\n' >fakes3/bin/fetch
chmod +x hello/hello.sh fakes3/bin/fetch
\"$REAL_HELM\" plugin install ./hello && \"$REAL_HELM\" plugin install ./fakes3";
    let helm3_uses_them =
        "\"$REAL_HELM\" hello; \"$REAL_HELM\" pull s3://bucket/chart-0.1.0.tgz || true";
    for (with_advice, kept) in [(false, false), (true, true)] {
        let w = Work::new(if with_advice {
            "side-advice"
        } else {
            "side-shared"
        });
        w.sh(helm3_plugins, "", 3, "kubectl-1.37");
        let helm4 = format!(
            "{} helm plugin install ./stowage",
            if with_advice { advice.as_str() } else { "" }
        );
        w.sh(&helm4, "", 4, "kubectl-1.37");
        let mut c = Command::new("sh");
        c.args(["-c", helm3_uses_them])
            .current_dir(w.dir(""))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", w.scratch.path().join("home"))
            .env("REAL_HELM", tool("helm3"));
        let o = run(&mut c);
        let said = format!("{}{}", o.stdout, o.stderr);
        assert_eq!(said.contains("hello from helm 3"), kept, "{said}");
        assert_eq!(said.contains("fakes3 ran for s3://bucket"), kept, "{said}");
        assert_eq!(said.contains("failed to load plugins"), !kept, "{said}");
    }
}
