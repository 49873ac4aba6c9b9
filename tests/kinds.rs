//! The built-in workload kinds on real manifests: every example in `testdata/kinds/<project>/`
//! (copied from the projects' own examples; sources and licences in `testdata/kinds/SOURCES.md`)
//! goes through `stowage post-render --values testdata/kinds/values.yaml --namespace ml`.
//!
//! - The output is `testdata/kinds/expected/<project>/<file>` (written only by the reviewed command
//!   `STOWAGE_BLESS=1 cargo test --test kinds`).
//! - It only inserts, and a second run changes nothing.
//! - Every container of every pod got each mount and the env once, and every pod the volumes once;
//!   where containers are is read here from the table, not from stowage's.
//! - Kinds that run to completion define `STOWAGE_RUN` before the outputs path that uses it.
//! - The output is valid against each project's published CRD (`tests/k8s/crd_check.py`, with the
//!   CRDs that `scripts/setup-tools` fetches from the projects' Go modules).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

mod common;
use common::{check_file, only_inserts};

const MOUNTS: [&str; 4] = ["/data/1", "/data/2", "/data/images", "/outputs/1"];
const VOLUMES: [&str; 4] = ["data1", "data2", "images", "outputs1"];
const OUTPUTS_PATH: &str = "POLYAXON_RUN_OUTPUTS_PATH";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every example: `<project>/<file>.yaml`.
fn examples() -> Vec<PathBuf> {
    let kinds = root().join("testdata/kinds");
    let mut out = Vec::new();
    for project in std::fs::read_dir(&kinds).unwrap() {
        let project = project.unwrap().path();
        if !project.is_dir()
            || ["expected", "LICENSES"]
                .iter()
                .any(|d| project.ends_with(d))
        {
            continue;
        }
        for f in std::fs::read_dir(&project).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "yaml") {
                out.push(f);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 25, "only {} examples", out.len());
    out
}

fn inject(input: &[u8]) -> common::Run {
    let values = root().join("testdata/kinds/values.yaml");
    let args = [
        "post-render",
        "--values",
        values.to_str().unwrap(),
        "--namespace",
        "ml",
    ];
    common::stowage(&args, input)
}

/// `(project/file, output)` of every example.
fn outputs() -> Vec<(String, String)> {
    examples()
        .into_iter()
        .map(|f| {
            let name = f
                .strip_prefix(root().join("testdata/kinds"))
                .unwrap()
                .display()
                .to_string();
            let input = std::fs::read(&f).unwrap();
            let run = inject(&input);
            let out = common::succeeds(&run);
            let input = String::from_utf8(input).unwrap();
            assert!(only_inserts(&input, &out), "{name}: not only insertions");
            let again = inject(out.as_bytes());
            assert_eq!(
                common::succeeds(&again),
                out,
                "{name}: a second run changed it"
            );
            (name, out)
        })
        .collect()
}

#[test]
fn examples_are_injected_as_expected() {
    let mut failures = Vec::new();
    for (name, out) in outputs() {
        let expected = root().join("testdata/kinds/expected").join(&name);
        std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
        check_file(&expected, out.as_bytes(), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where a project keeps what stowage injects into, read from the table.
#[derive(Default)]
struct Found {
    /// Containers that get mounts and env, with their paths.
    containers: Vec<(String, Value)>,
    /// Argo container sets: mounts on the set, env on its containers.
    mounts_only: Vec<(String, Value)>,
    env_only: Vec<(String, Value)>,
    /// Mappings holding a pod's volumes.
    pods: Vec<(String, Value)>,
}

fn walk(v: &Value, at: &str, parent_key: &str, split: bool, found: &mut Found) {
    let Value::Object(m) = v else {
        if let Value::Array(items) = v {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{at}[{i}]"), parent_key, split, found);
            }
        }
        return;
    };
    for (k, child) in m {
        let here = format!("{at}.{k}");
        let items = || child.as_array().into_iter().flatten().enumerate();
        match k.as_str() {
            // KubeRay runs the submitter only to submit the job: no data there.
            "submitterPodTemplate" => continue,
            // A Spark pod template's main container is the one the operator's webhook gives the
            // driver's (executor's) mounts and env: injected there, not twice.
            "template" if ["driver", "executor"].contains(&parent_key) => continue,
            "containers" if parent_key == "containerSet" => {
                for (i, c) in items() {
                    found.env_only.push((format!("{here}[{i}]"), c.clone()));
                }
                continue;
            }
            "containers" | "initContainers" | "sidecars" => {
                for (i, c) in items() {
                    found.containers.push((format!("{here}[{i}]"), c.clone()));
                }
                if k == "containers" && !split {
                    found.pods.push((at.to_string(), v.clone()));
                }
            }
            "container" | "script" | "driver" | "executor" if split && child.is_object() => {
                found.containers.push((here.clone(), child.clone()));
            }
            "containerSet" if split => found.mounts_only.push((here.clone(), child.clone())),
            "volumes" if split && ["spec", "workflowSpec", "template"].contains(&parent_key) => {
                found.pods.push((at.to_string(), v.clone()))
            }
            _ => {}
        }
        walk(child, &here, k, split, found);
    }
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i[key].as_str().map(str::to_string))
        .collect()
}

/// `want` each once in `have`.
#[track_caller]
fn once(have: &[String], want: &[&str], what: &str) {
    for w in want {
        let n = have.iter().filter(|h| h == w).count();
        assert_eq!(n, 1, "{what}: `{w}` {n} times in {have:?}");
    }
}

#[test]
fn every_container_of_every_pod_gets_the_config_once() {
    // The kinds whose runs have their own outputs (README, "Workloads and runs").
    let per_run = [
        "batch.volcano.sh/v1alpha1 Job",
        "jobset.x-k8s.io/v1alpha2 JobSet",
        "ray.io/v1 RayJob",
        "argoproj.io/v1alpha1 Workflow",
        "argoproj.io/v1alpha1 WorkflowTemplate",
        "argoproj.io/v1alpha1 ClusterWorkflowTemplate",
        "argoproj.io/v1alpha1 CronWorkflow",
        "sparkoperator.k8s.io/v1beta2 SparkApplication",
        "sparkoperator.k8s.io/v1beta2 ScheduledSparkApplication",
    ];
    let mut kinds_seen = std::collections::BTreeSet::new();
    for (name, out) in outputs() {
        let docs: Vec<Value> = serde_saphyr::from_multiple(&out).unwrap();
        for doc in docs.iter().filter(|d| d.is_object()) {
            let api_version = doc["apiVersion"].as_str().unwrap_or("");
            let kind = doc["kind"].as_str().unwrap_or("");
            if ["v1", "apps/v1"].contains(&api_version) {
                continue; // the examples' ConfigMaps and Services
            }
            let what = format!("{name}: {kind}/{}", doc["metadata"]["name"]);
            let split = api_version.starts_with("argoproj.io/")
                || api_version.starts_with("sparkoperator.k8s.io/");
            let mut found = Found::default();
            walk(doc, "", "", split, &mut found);
            assert!(!found.pods.is_empty(), "{what}: no pod found");
            kinds_seen.insert(format!("{api_version} {kind}"));
            for (at, pod) in &found.pods {
                once(
                    &names(&pod["volumes"], "name"),
                    &VOLUMES,
                    &format!("{what} {at}"),
                );
            }
            let run = per_run.contains(&format!("{api_version} {kind}").as_str());
            for (at, c) in found.containers.iter().chain(&found.env_only) {
                let env = names(&c["env"], "name");
                once(
                    &env,
                    &[OUTPUTS_PATH, "POLYAXON_RUN_DATA_PATHS"],
                    &format!("{what} {at}"),
                );
                let path = c["env"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["name"] == OUTPUTS_PATH)
                    .unwrap()["value"]
                    .as_str()
                    .unwrap();
                if run {
                    // Kubernetes expands $(STOWAGE_RUN) only after its definition.
                    let defined = env.iter().position(|e| e == "STOWAGE_RUN");
                    let used = env.iter().position(|e| e == OUTPUTS_PATH);
                    assert!(defined < used && defined.is_some(), "{what} {at}: {env:?}");
                    assert!(path.ends_with("/$(STOWAGE_RUN)"), "{what} {at}: {path}");
                } else {
                    assert!(
                        !env.iter().any(|e| e == "STOWAGE_RUN"),
                        "{what} {at}: {env:?}"
                    );
                    assert!(!path.contains("$("), "{what} {at}: {path}");
                }
            }
            for (at, c) in found.containers.iter().chain(&found.mounts_only) {
                once(
                    &names(&c["volumeMounts"], "mountPath"),
                    &MOUNTS,
                    &format!("{what} {at}"),
                );
            }
            for (at, c) in &found.env_only {
                let mounts = names(&c["volumeMounts"], "mountPath");
                assert!(
                    mounts.iter().all(|m| !MOUNTS.contains(&m.as_str())),
                    "{what} {at}"
                );
            }
            assert!(
                found.containers.len() + found.env_only.len() > 0,
                "{what}: no container found"
            );
        }
    }
    // Every kind of the table has an example.
    assert_eq!(kinds_seen.len(), 18, "{kinds_seen:?}");
}

/// The CRDs `scripts/setup-tools` fetched; a missing set is a failure that says how to fix it.
fn crds() -> PathBuf {
    let dir = root().join(".tools/crds");
    let any = std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some());
    assert!(any, "{} is empty: run scripts/setup-tools", dir.display());
    dir
}

#[test]
fn output_is_valid_against_the_published_crds() {
    let dir = common::temp_dir("kinds");
    let mut files = Vec::new();
    for (name, out) in outputs() {
        let file = dir.join(name.replace('/', "--"));
        std::fs::write(&file, out).unwrap();
        files.push(file);
    }
    let python = root().join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} missing: run scripts/setup-python",
        python.display()
    );
    let run = Command::new(python)
        .arg(root().join("tests/k8s/crd_check.py"))
        .arg("--crds")
        .arg(crds())
        .args(&files)
        .output()
        .unwrap();
    let report =
        String::from_utf8_lossy(&run.stdout).into_owned() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{report}");
    let _ = std::fs::remove_dir_all(dir);
    assert!(report.contains("valid against"), "{report}");
}

/// A resource of a known kind in a version stowage doesn't know is left alone, with a note.
#[test]
fn an_unknown_version_is_left_alone_with_a_note() {
    let input =
        std::fs::read_to_string(root().join("testdata/kinds/kuberay/raycluster-complete.yaml"))
            .unwrap()
            .replace("apiVersion: ray.io/v1", "apiVersion: ray.io/v2");
    let run = inject(input.as_bytes());
    assert_eq!(common::succeeds(&run), input);
    assert!(
        run.stderr
            .contains("`ray.io/v2` is not a version of RayCluster.ray.io that stowage knows"),
        "{}",
        run.stderr
    );
}
