//! The README stays true: its config reference names every key of the schema and of the
//! Persistence object, its configs are valid, its two set-up commands are the ones this repository
//! provides, and the commands of its Helm, volume-diff, kustomize, kpt and generator sections run
//! as written with the real clients.
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
    keys.extend(keys_of(&schema, "/$defs/workloadKind/properties"));
    // The generator's fields of a Persistence object, as the code reads them.
    let generator =
        std::fs::read_to_string(root().join("crates/core/src/krm/generator.rs")).unwrap();
    let fields: Vec<String> = generator
        .split("object.get(\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect();
    assert!(
        fields.contains(&"credentials".to_string()),
        "generator.rs no longer reads `credentials`: {fields:?}"
    );
    keys.extend(fields);
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

/// Every ```yaml block of the README that is a values file (starts with `persistence:`) is a
/// valid config.
#[test]
fn readme_configs_are_valid() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let configs: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .filter(|b| b.starts_with("persistence:\n"))
        .collect();
    assert!(configs.len() >= 2, "the config and the hooks rule");
    let s = Scratch::new("readme-configs");
    for (i, config) in configs.iter().enumerate() {
        let file = s.path().join(format!("config-{i}.yaml"));
        std::fs::write(&file, config).unwrap();
        let o = run(Command::new(STOWAGE)
            .arg("validate")
            .arg("--values")
            .arg(&file));
        assert_eq!(o.code, 0, "README config {i}:\n{config}\n{}", o.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// Every command of the README's Helm, volume-diff, kustomize, kpt and generator sections, as
// written, with the real clients (scripts/setup-tools). (The Argo CD section has no command: its
// plugin's scripts run in tests/argocd.rs.) Blocks run with `sh -e` in a work folder that holds
// what the text assumes: `./chart` (testdata/charts/trainer), `persistence.yaml`, `./stowage` (a
// checkout: plugin.yaml, its install hook, helm-plugin-diff/, examples/), a package `./pkg` and
// key files; stowage, stowage-fn and the clients on PATH; HOME a scratch folder.

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

/// The README's text from right after the first `marker` to the end of its code block.
fn text_after(marker: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let rest = readme
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("README has no {marker:?}"));
    rest.split("```").next().unwrap().to_string()
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

    /// Where Helm 4 installs plugins, with the README's HELM_DATA_HOME.
    fn helm4_plugins(&self) -> std::path::PathBuf {
        self.scratch.path().join("home/.local/share/helm4/plugins")
    }

    fn dir(&self, sub: &str) -> std::path::PathBuf {
        self.scratch.path().join("work").join(sub)
    }

    /// `sh -e` on `script` in `cwd`, Helm `helm` and kubectl `kubectl` on PATH.
    fn sh(&self, script: &str, cwd: &str, helm: u8, kubectl: &str) -> clients::Out {
        self.sh_with(script, cwd, helm, kubectl, &tool(kubectl))
    }

    /// [`Work::sh`] with `kubectl` standing for the program at `kubectl_path`.
    fn sh_with(
        &self,
        script: &str,
        cwd: &str,
        helm: u8,
        kubectl: &str,
        kubectl_path: &Path,
    ) -> clients::Out {
        let standin = root().join("testdata/clients/helm-get-standin");
        let bin = bin_dir(
            &self.scratch.path().join(format!("bin-{helm}-{kubectl}")),
            &[
                ("helm", &standin),
                ("kubectl", kubectl_path),
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
    assert_eq!(helm.len(), 4, "a new block needs a run here");

    // Helm 3: the path form.
    let w = Work::new("helm3");
    let o = w.sh(&helm[0], "", 3, "kubectl-1.37");
    assert!(
        o.stdout.contains("/outputs/2/ml/trainer-api"),
        "{}",
        o.stdout
    );

    // Helm 4: its own data folder, the plugin, the values and in-stream forms, STOWAGE_LOG.
    let w = Work::new("helm4");
    let script = [&helm[1][..], &helm[2], &helm[3]].join("\n");
    let o = w.sh(&script, "", 4, "kubectl-1.37");
    assert!(o.stdout.contains("run-7-pvc"), "{}", o.stdout);
    assert!(
        o.stdout.contains("warning:") && o.stdout.contains("forbid hostPath volumes"),
        "STOWAGE_LOG did not keep stowage's warnings:\n{}",
        o.stdout
    );
    assert!(w.helm4_plugins().join("stowage/bin/stowage").exists());
}

#[test]
fn readme_volume_diff_commands_run_as_written() {
    let blocks = sh_blocks("Flag volume changes");
    assert_eq!(blocks.len(), 3, "a new block needs a run here");
    let unchanged =
        |out: &str| out.contains("No volume changes") || out.contains("no volume change");

    // Helm 3: `helm get manifest` (the stand-in) against `helm template`, through stowage diff;
    // then the diff script run directly.
    let w = Work::new("diff3");
    w.deployed(3);
    let o = w.sh(&blocks[0], "", 3, "kubectl-1.37");
    assert!(unchanged(&o.stdout), "{}", o.stdout);
    assert!(o.stdout.contains("\"changes\": []"), "{}", o.stdout);
    let o = w.sh(&blocks[2], "", 3, "kubectl-1.37");
    assert!(unchanged(&o.stdout), "{}", o.stdout);

    // Helm 4: the Helm section's data folder and plugin, then the diff plugin.
    let w = Work::new("diff4");
    w.deployed(4);
    let helm4 = sh_blocks("Use it with Helm")[1].clone();
    let script = [&helm4[..], &blocks[1]].join("\n");
    let o = w.sh(&script, "", 4, "kubectl-1.37");
    assert!(unchanged(&o.stdout), "{}", o.stdout);
    assert!(
        w.helm4_plugins()
            .join("helm-plugin-diff/plugin.yaml")
            .exists()
    );
}

#[test]
fn readme_kustomize_commands_run_as_written() {
    let blocks = sh_blocks("Use it with kustomize");
    assert_eq!(blocks.len(), 2, "a new block needs a run here");
    for kubectl in ["kubectl-1.32", "kubectl-1.37"] {
        let w = Work::new(kubectl);
        let o = w.sh(&blocks[0], "stowage", 4, kubectl);
        assert!(injected(&o.stdout), "{kubectl}: {}", o.stdout);
        // The generator example: a Secret with a hashed name, and the injected reference to it.
        let secret = o
            .stdout
            .split("name: s3-credentials-")
            .nth(1)
            .map(|rest| rest.split_whitespace().next().unwrap().to_string())
            .expect("a Secret with a hashed name");
        assert!(
            o.stdout
                .contains(&format!("secretName: s3-credentials-{secret}")),
            "{kubectl}: {}",
            o.stdout
        );
        let o = w.sh(&blocks[1], "stowage", 4, kubectl);
        assert!(injected(&o.stdout), "{}", o.stdout);
    }
}

#[test]
fn readme_kpt_commands_run_as_written() {
    let blocks = sh_blocks("Use it with kpt");
    assert_eq!(blocks.len(), 1, "a new block needs a run here");
    // The Kptfile is the README's pipeline; the package holds the example's workloads and its
    // config as a local-config Persistence file. Beside the package: the values file.
    let pipeline = text_after("```yaml\npipeline:\n");
    let w = Work::new("kpt");
    let pkg = w.dir("pkg");
    common::copy_tree(&root().join("examples/kustomize/base"), &pkg);
    std::fs::remove_file(pkg.join("kustomization.yaml")).unwrap();
    std::fs::write(
        pkg.join("Kptfile"),
        format!(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n{pipeline}"
        ),
    )
    .unwrap();
    let cfg = std::fs::read_to_string(root().join("examples/kustomize/persistence.yaml")).unwrap();
    let local = cfg.replace(
        "  name: persistence\n",
        "  name: persistence\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n",
    );
    assert_ne!(local, cfg);
    std::fs::write(pkg.join("persistence.yaml"), &local).unwrap();
    // The values file beside the package: the same config (the commands run one after the other
    // on one package; a second run with the same config changes nothing).
    let value = cfg.split("\nspec:\n").nth(1).unwrap();
    std::fs::write(w.dir("persistence.yaml"), format!("persistence:\n{value}")).unwrap();
    w.sh(&blocks[0], "", 4, "kubectl-1.37");
    let deployment = std::fs::read_to_string(pkg.join("deployment.yaml")).unwrap();
    assert!(injected(&deployment), "{deployment}");
    assert_eq!(
        std::fs::read_to_string(pkg.join("persistence.yaml")).unwrap(),
        local,
        "the config file comes back as it was"
    );
}

/// The generator section: `stowage validate` and `stowage generate` on the README's config, with
/// key files for its three buckets (testdata/keyfiles; the Azure one for the config's account).
/// `kubectl apply -f -` needs a cluster: a stand-in keeps what it is given, which must be the
/// three Secrets of the Polyaxon page's `kubectl create secret` commands.
#[test]
fn readme_generator_commands_run_as_written() {
    let blocks = sh_blocks("Make the Secrets: stowage generate");
    assert_eq!(blocks.len(), 2, "a new block needs a run here");
    let polyaxon: Vec<&str> = blocks[0].lines().collect();
    assert!(
        polyaxon
            .iter()
            .all(|l| l.starts_with("kubectl create secret generic ")),
        "the first block quotes the Polyaxon page"
    );
    let config = &text_after("## The config\n\n```yaml\n");
    let w = Work::new("generate");
    std::fs::write(w.dir("values.yaml"), config).unwrap();
    let keys = root().join("testdata/keyfiles");
    std::fs::create_dir_all(w.dir("path")).unwrap();
    for (from, to) in [
        ("gcs-service-account.json", "gcs-key.json"),
        ("s3-valid.json", "s3-key.json"),
    ] {
        std::fs::copy(keys.join(from), w.dir("path").join(to)).unwrap();
    }
    let account = config
        .split("@")
        .nth(1)
        .and_then(|rest| rest.split(".blob.").next())
        .expect("the azure bucket's account");
    let azure = std::fs::read_to_string(keys.join("azure-valid.json")).unwrap();
    assert!(azure.contains("\"plxstorage\""));
    std::fs::write(
        w.dir("path/az-key.json"),
        azure.replace("\"plxstorage\"", &format!("\"{account}\"")),
    )
    .unwrap();
    let applied = w.scratch.path().join("applied.yaml");
    let standin = w.scratch.path().join("kubectl-apply");
    std::fs::write(
        &standin,
        format!(
            "#!/bin/sh\n[ \"$*\" = \"apply -f -\" ] || {{ echo \"kubectl stand-in: $*\" >&2; exit 2; }}\ncat > '{}'\n",
            applied.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&standin).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&standin, perms).unwrap();
    let o = w.sh_with(&blocks[1], "", 4, "kubectl-apply", &standin);
    assert!(
        o.stderr.contains("namespace `polyaxon` must hold") && o.stderr.contains("config is valid"),
        "{}",
        o.stderr
    );
    let applied = std::fs::read_to_string(&applied).unwrap();
    for line in &polyaxon {
        let name = line.split_whitespace().nth(4).unwrap();
        assert!(
            applied.contains(&format!("name: \"{name}\"")),
            "no Secret {name}:\n{applied}"
        );
    }
    assert_eq!(applied.matches("kind: \"Secret\"").count(), polyaxon.len());
    assert!(applied.contains("namespace: \"polyaxon\""));
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
