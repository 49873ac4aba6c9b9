//! Real Helm end to end (docs/real-clients.md): Helm v3.21.4 runs stowage by path, Helm v4.3.2 as the
//! `stowage` postrenderer/v1 plugin installed by `helm plugin install`, on testdata/charts/trainer
//! (a Deployment, a Job, a pre-install hook Job, a CRD, a List, a subchart's DaemonSet and the
//! in-stream config template). Outputs are golden files under testdata/clients (STOWAGE_BLESS=1).

mod clients;
mod common;

use clients::{Helm, STOWAGE, Scratch, doc, docs, golden, ok, root, run};

const CHART: &str = "testdata/charts/trainer";
const PERSISTENCE: &str = "testdata/charts/persistence.yaml";

/// The in-stream config: Helm's values hold `persistence`, and `--set` changes it.
const IN_STREAM: [&str; 4] = [
    "--values",
    PERSISTENCE,
    "--set",
    "persistence.outputs.outputs2.existingClaim=run-7-pvc",
];
/// The config as stowage's own `--values` file.
const STOWAGE_VALUES: [&str; 4] = [
    "--post-renderer-args",
    "--values",
    "--post-renderer-args",
    PERSISTENCE,
];

/// `helm template trainer CHART --namespace ml --include-crds ARGS...`, run from the checkout.
fn template(helm: &Helm, args: &[&str]) -> String {
    ok(helm
        .cmd([
            "template",
            "trainer",
            CHART,
            "--namespace",
            "ml",
            "--include-crds",
        ])
        .args(args)
        .current_dir(root()))
}

/// `template` through stowage: on Helm 3 by path with `post-render` first, on Helm 4 the
/// `stowage` plugin, installed first.
fn render(major: u8, args: &[&str]) -> String {
    let s = Scratch::new(&format!("helm{major}"));
    let helm = Helm::new(major, s.path());
    if major == 4 {
        helm.install_plugins(s.path());
    }
    let mut all = helm.post_renderer();
    all.extend(args);
    template(&helm, &all)
}

/// Every name appears as a `name:` value (stowage quotes what it inserts; Helm 4 re-serialises).
fn has_volumes(doc: &str, names: &[&str]) -> bool {
    names
        .iter()
        .all(|n| doc.contains(&format!("name: {n}\n")) || doc.contains(&format!("name: \"{n}\"\n")))
}

/// What both Helm versions must do to the chart's templates (not its hooks).
fn check_templates(out: &str, outputs_claim: &str) {
    let all = docs(out);
    assert!(
        !out.contains("kind: Persistence"),
        "the in-stream config is consumed:\n{out}"
    );
    let api = doc(&all, "trainer-api");
    assert!(
        has_volumes(api, &["data1", "data-s3-credentials", "outputs2"]),
        "{api}"
    );
    assert!(
        api.contains(&format!("claimName: \"{outputs_claim}\""))
            || api.contains(&format!("claimName: {outputs_claim}\n")),
        "{api}"
    );
    assert!(api.contains("POLYAXON_RUN_OUTPUTS_PATH"), "{api}");
    // The Job's annotation picks data1 only.
    let train = doc(&all, "trainer-train");
    assert!(
        has_volumes(train, &["data1", "outputs2"]) && !train.contains("data-s3"),
        "{train}"
    );
    // Both StatefulSets of the List (a volume and a mount each). Helm 3 hands the List to the
    // post-renderer as it is; Helm 4 parses each document with kyaml, which unwraps a List into
    // its items before stowage sees them (helm v4.3.2 pkg/action/action.go:207, kyaml v0.21.2
    // kio/byteio_reader.go:248-252).
    let workers: usize = all
        .iter()
        .filter(|d| d.contains("trainer-worker-"))
        .map(|d| d.matches("outputs2").count())
        .sum();
    assert_eq!(workers, 4, "{out}");
    // The subchart's DaemonSet: data, and no outputs (its annotation says none).
    let logger = doc(&all, "trainer-logger");
    assert!(
        has_volumes(logger, &["data1"]) && !logger.contains("outputs2"),
        "{logger}"
    );
    // The CRD and the ConfigMap pass through; the quoted "on" stays quoted.
    assert!(out.contains("name: trainingruns.example.com"));
    assert!(doc(&all, "trainer-config").contains("\"on\""));
}

#[test]
fn helm3_path_form_with_values() {
    let namespace = [
        "--post-renderer-args",
        "--namespace",
        "--post-renderer-args",
        "ml",
    ];
    let out = render(3, &[&STOWAGE_VALUES[..], &namespace].concat());
    check_templates(&out, "outputs-2-pvc");
    // Helm renders no metadata.namespace: the release namespace reaches stowage as an argument.
    assert!(out.contains("/outputs/2/ml/trainer-api"), "{out}");
    assert!(out.contains("kind: List"));
    // Helm 3 never post-renders hooks: `helm template` prints the hook Job as rendered.
    let hook = doc(&docs(&out), "trainer-prepare").to_string();
    assert!(!hook.contains("volumes"), "{hook}");
    golden("helm3-values.yaml", &out);
}

#[test]
fn helm3_path_form_with_the_in_stream_config_and_set() {
    let out = render(3, &IN_STREAM);
    check_templates(&out, "run-7-pvc");
    golden("helm3-in-stream.yaml", &out);
}

#[test]
fn helm4_plugin_install_and_list() {
    let s = Scratch::new("helm4-list");
    let helm = Helm::new(4, s.path());
    helm.install_plugins(s.path());
    let list = ok(&mut helm.cmd(["plugin", "list"]));
    let rows: Vec<Vec<&str>> = list
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        rows.iter()
            .any(|r| r[..3] == ["stowage", "0.1.0", "postrenderer/v1"]),
        "{list}"
    );
    assert!(
        rows.iter()
            .any(|r| r[..3] == ["stowage-diff", "0.1.0", "cli/v1"]),
        "{list}"
    );
    // The install hook put the binary where plugin.yaml's platformCommand runs it.
    let installed = helm.plugins().join("stowage/bin/stowage");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(STOWAGE).unwrap()
    );
    // `helm stowage-diff --help` reaches the script through Helm's cli/v1 runtime.
    let help = ok(&mut helm.cmd(["stowage-diff", "--help"]));
    assert!(help.contains("Usage: helm stowage-diff"), "{help}");
}

#[test]
fn helm4_plugin_with_values() {
    let out = render(4, &STOWAGE_VALUES);
    check_templates(&out, "outputs-2-pvc");
    assert!(!out.contains("kind: List"), "kyaml unwraps the List");
    // Helm 4's CLI post-renders hooks with the templates (the combined strategy).
    let hook = doc(&docs(&out), "trainer-prepare").to_string();
    assert!(has_volumes(&hook, &["data1", "outputs2"]), "{hook}");
    golden("helm4-values.yaml", &out);
}

#[test]
fn helm4_plugin_with_the_in_stream_config_and_set() {
    let out = render(4, &IN_STREAM);
    check_templates(&out, "run-7-pvc");
    golden("helm4-in-stream.yaml", &out);
}

/// A bad config fails the render on both versions (never a half-injected release). Helm 3 shows
/// stowage's message inside its error; Helm 4 shows only that the plugin failed on stderr
/// (stowage's own message goes to the terminal: tests/helm_messages.rs).
#[test]
fn a_bad_config_fails_the_render_on_both_versions() {
    let s = Scratch::new("helm-bad");
    let bad = s.path().join("bad.yaml");
    let text = std::fs::read_to_string(root().join(PERSISTENCE)).unwrap();
    std::fs::write(&bad, text.replace("existingClaim:", "existingClam:")).unwrap();
    let bad = bad.to_str().unwrap();

    let helm3 = Helm::new(3, &s.path().join("h3"));
    let o = run(helm3
        .cmd(["template", "trainer", CHART, "--post-renderer", STOWAGE])
        .args(["--post-renderer-args", "post-render"])
        .args([
            "--post-renderer-args",
            "--values",
            "--post-renderer-args",
            bad,
        ])
        .current_dir(root()));
    assert_ne!(o.code, 0);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(
        o.stderr.contains("did you mean `existingClaim`"),
        "{}",
        o.stderr
    );

    let helm4 = Helm::new(4, &s.path().join("h4"));
    helm4.install_plugins(s.path());
    let o = run(helm4
        .cmd(["template", "trainer", CHART, "--post-renderer", "stowage"])
        .args([
            "--post-renderer-args",
            "--values",
            "--post-renderer-args",
            bad,
        ])
        .current_dir(root()));
    assert_ne!(o.code, 0);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(
        o.stderr.contains(r#"plugin "stowage" exited with error"#),
        "{}",
        o.stderr
    );
}

/// The hook difference, made the same on both: `stowage.dev/inject: "false"` on the hook.
#[test]
fn helm4_leaves_an_annotated_hook_alone_like_helm3() {
    let out = render(
        4,
        &[&STOWAGE_VALUES[..], &["--set", "injectHooks=false"]].concat(),
    );
    let hook = doc(&docs(&out), "trainer-prepare").to_string();
    assert!(hook.contains("stowage.dev/inject"), "{hook}");
    assert!(!hook.contains("volumes"), "{hook}");
    check_templates(&out, "outputs-2-pvc");
}

/// Programs that embed Helm 4 choose a post-render strategy (helm v4.3.2 pkg/action/action.go:
/// 92-117; the CLI always uses "combined"): testdata/helm4-embed installs client-side with each.
/// "combined" post-renders hooks with the templates, "nohooks" leaves hooks alone as Helm 3 does,
/// "separate" runs stowage on the hooks alone (:383-430), where the in-stream config is absent:
/// they pass through, and the templates get the config.
#[test]
fn helm4_embedded_strategies() {
    let s = Scratch::new("helm4-embed");
    let helm = Helm::new(4, s.path());
    helm.install_plugins(s.path());
    for (strategy, hook_injected) in [("combined", true), ("nohooks", false), ("separate", false)] {
        let mut c = clients::helm4_embed(&helm, strategy);
        let out = ok(&mut c);
        let all = docs(&out);
        assert!(
            doc(&all, "trainer-api").contains("out-pvc"),
            "{strategy}: {out}"
        );
        let hook = doc(&all, "trainer-prepare");
        assert_eq!(
            hook.contains("out-pvc"),
            hook_injected,
            "{strategy}: {hook}"
        );
    }
}

/// A release that renders no object (every component switched off) goes through Helm 3, which
/// accepts an empty manifest: stowage passes the empty stream on with a note.
#[test]
fn an_empty_release_passes_through_helm3() {
    let s = Scratch::new("helm3-empty");
    let chart = s.path().join("empty");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: empty\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/job.yaml"),
        "{{- if .Values.enabled }}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\n{{- end }}\n",
    )
    .unwrap();
    let helm = Helm::new(3, &s.path().join("helm"));
    let o = run(helm
        .cmd(["template", "empty"])
        .arg(&chart)
        .args(helm.post_renderer())
        .args(STOWAGE_VALUES)
        .current_dir(root()));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.trim().is_empty(), "{}", o.stdout);
}
