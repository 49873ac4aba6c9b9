//! What the output must read as: the input's value with each workload's plan put where its kind
//! keeps its pods. Where that is, and which pod field tells one run from another, is written out
//! here from the README's table of kinds ("Workloads and runs"), not taken from stowage's
//! (`stowage_core::kinds`, `workload::find`): a second reading of the table, for the kinds the
//! generator makes.

use serde_json::{Value, json};
use stowage_core::plan::WorkloadPlan;

/// A step over every value of a mapping or item of a list.
const EACH: &str = "*";
const RUN: &str = "STOWAGE_RUN";
const RUN_REFERENCE: &str = "$(STOWAGE_RUN)";
const OUTPUTS_PATH: &str = "POLYAXON_RUN_OUTPUTS_PATH";

/// Where a kind keeps its pods.
enum Pods {
    /// Pod templates (a mapping with the pod's `metadata` and `spec`) at these paths.
    Templates(&'static [&'static [&'static str]]),
    /// Argo Workflows: the volumes in `spec.volumes`, the annotations in
    /// `spec.podMetadata.annotations`; mounts and env in each template's `container`, `script`,
    /// `initContainers` and `sidecars`; a `containerSet` takes the mounts, its containers the env.
    Argo,
    /// The Spark operator: the volumes in `spec.volumes`; mounts, env and annotations in
    /// `spec.driver` and `spec.executor`, mounts and env in their init containers and sidecars.
    Spark,
}

pub struct Shape {
    pods: Pods,
    /// The pod field `STOWAGE_RUN` is read from; `None`: the kind has no runs.
    run: Option<&'static str>,
}

const POD_TEMPLATE: &[&[&str]] = &[&["spec", "template"]];
const JOB_RUN: &str = "metadata.labels['batch.kubernetes.io/controller-uid']";

/// The shape of a workload kind, matched with its apiVersion; `None`: not a workload (another
/// kind, or a known kind of a version stowage doesn't know).
pub fn shape(api_version: &str, kind: &str) -> Option<Shape> {
    use Pods::*;
    let (pods, run) = match (api_version, kind) {
        ("v1", "Pod") => (Templates(&[&[]]), None),
        ("apps/v1", "Deployment" | "StatefulSet" | "DaemonSet") => (Templates(POD_TEMPLATE), None),
        ("batch/v1", "Job") => (Templates(POD_TEMPLATE), Some(JOB_RUN)),
        ("batch/v1", "CronJob") => (
            Templates(&[&["spec", "jobTemplate", "spec", "template"]]),
            Some(JOB_RUN),
        ),
        ("kubeflow.org/v1", "PyTorchJob") => (
            Templates(&[&["spec", "pytorchReplicaSpecs", EACH, "template"]]),
            None,
        ),
        ("ray.io/v1", "RayCluster") => (
            Templates(&[
                &["spec", "headGroupSpec", "template"],
                &["spec", "workerGroupSpecs", EACH, "template"],
            ]),
            None,
        ),
        ("batch.volcano.sh/v1alpha1", "Job") => (
            Templates(&[&["spec", "tasks", EACH, "template"]]),
            Some("metadata.annotations['scheduling.k8s.io/group-name']"),
        ),
        ("argoproj.io/v1alpha1", "Workflow") => (
            Argo,
            Some("metadata.labels['workflows.argoproj.io/workflow']"),
        ),
        ("sparkoperator.k8s.io/v1beta2", "SparkApplication") => (
            Spark,
            Some("metadata.labels['sparkoperator.k8s.io/submission-id']"),
        ),
        _ => return None,
    };
    Some(Shape { pods, run })
}

/// Whether a document is a workload stowage may change.
pub fn is_workload(doc: &Value) -> bool {
    let text = |k: &str| doc[k].as_str().unwrap_or("");
    shape(text("apiVersion"), text("kind")).is_some()
}

/// The name a workload goes by: an Argo Workflow made with `generateName` by its prefix.
fn name_of(doc: &Value) -> String {
    let meta = &doc["metadata"];
    match meta["name"].as_str() {
        Some(n) => n.to_string(),
        None => meta["generateName"]
            .as_str()
            .unwrap_or("")
            .trim_end_matches('-')
            .to_string(),
    }
}

/// The nodes at `path` below `v` that are there and not null.
fn reach<'a>(v: &'a mut Value, path: &[&str], out: &mut Vec<&'a mut Value>) {
    match path.split_first() {
        None if v.is_null() => {}
        None => out.push(v),
        Some((&EACH, rest)) => match v {
            Value::Object(m) => m.values_mut().for_each(|x| reach(x, rest, out)),
            Value::Array(a) => a.iter_mut().for_each(|x| reach(x, rest, out)),
            _ => {}
        },
        Some((key, rest)) => {
            if let Some(x) = v.get_mut(*key) {
                reach(x, rest, out);
            }
        }
    }
}

/// The items of a list that may be absent or null.
fn each(list: Option<&mut Value>) -> impl Iterator<Item = &mut Value> {
    list.and_then(Value::as_array_mut).into_iter().flatten()
}

/// The mapping at `key`, if there is one.
fn object<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    v.get_mut(key).filter(|x| x.is_object())
}

fn append(list: &mut Value, items: &[Value]) {
    if items.is_empty() {
        return;
    }
    if list.is_null() {
        *list = json!([]);
    }
    list.as_array_mut()
        .expect("a list")
        .extend(items.iter().cloned());
}

/// One workload's blocks, and where they go.
struct Put<'p> {
    plan: &'p WorkloadPlan,
    env: Vec<Value>,
}

impl Put<'_> {
    fn chosen(&self, c: &Value) -> bool {
        self.plan
            .containers
            .as_ref()
            .is_none_or(|only| only.iter().any(|n| Some(n.as_str()) == c["name"].as_str()))
    }

    /// A container (or an Argo container set, `env` false) the config chose gets the mounts and
    /// the env; nothing of a kind adds no key.
    fn container(&self, c: &mut Value, mounts: bool, env: bool) {
        if !self.chosen(c) {
            return;
        }
        self.mounts(c, mounts);
        if env && !self.env.is_empty() {
            append(&mut c["env"], &self.env);
        }
    }

    fn mounts(&self, c: &mut Value, mounts: bool) {
        if mounts && !self.plan.mounts.is_empty() {
            append(&mut c["volumeMounts"], &self.plan.mounts);
        }
    }

    fn volumes(&self, holder: &mut Value) {
        if !self.plan.volumes.is_empty() {
            append(&mut holder["volumes"], &self.plan.volumes);
        }
    }

    /// The pod annotations, in the mapping at `keys` below `holder` (made where missing or null).
    fn annotations(&self, holder: &mut Value, keys: &[&str]) {
        if self.plan.pod_annotations.is_empty() {
            return;
        }
        let mut at = holder;
        for key in keys {
            let next = at
                .as_object_mut()
                .expect("a mapping")
                .entry(*key)
                .or_insert(Value::Null);
            if next.is_null() {
                *next = json!({});
            }
            at = next;
        }
        for (k, v) in &self.plan.pod_annotations {
            at[k] = v.clone();
        }
    }

    fn pod_spec(&self, spec: &mut Value) {
        self.volumes(spec);
        for list in ["initContainers", "containers"] {
            for c in each(spec.get_mut(list)) {
                self.container(c, true, true);
            }
        }
    }

    fn argo(&self, spec: &mut Value) {
        self.volumes(spec);
        self.annotations(spec, &["podMetadata", "annotations"]);
        for t in each(spec.get_mut("templates")) {
            for key in ["container", "script"] {
                if let Some(c) = object(t, key) {
                    self.container(c, true, true);
                }
            }
            for key in ["initContainers", "sidecars"] {
                for c in each(t.get_mut(key)) {
                    self.container(c, true, true);
                }
            }
            if let Some(set) = object(t, "containerSet") {
                // The set's volumeMounts are each of its containers' (Argo mounts a container of
                // a set nothing of its own): the set gets them when one of them is chosen.
                let chosen = self.plan.containers.is_none()
                    || each(set.get_mut("containers")).any(|c| self.chosen(c));
                for c in each(set.get_mut("containers")) {
                    self.container(c, false, true);
                }
                if chosen {
                    self.mounts(set, true);
                }
            }
        }
    }

    fn spark(&self, spec: &mut Value) {
        self.volumes(spec);
        for role in ["driver", "executor"] {
            let Some(r) = object(spec, role) else {
                continue;
            };
            self.annotations(r, &["annotations"]);
            self.container(r, true, true);
            for key in ["initContainers", "sidecars"] {
                for c in each(r.get_mut(key)) {
                    self.container(c, true, true);
                }
            }
        }
    }
}

/// The outputs path of a workload: the outputs entry's root, then `outputsPath` (by default
/// `{{namespace}}/{{name}}/{{run}}`) with `{{run}}` the run variable for a kind with runs and
/// empty for one without, and no empty segments.
fn outputs_path(
    plan: &WorkloadPlan,
    config: &Value,
    namespace: &str,
    name: &str,
    shape: &Shape,
) -> Option<String> {
    let entry = &config["outputs"][plan.outputs.as_ref()?];
    let root = entry["mountPath"]
        .as_str()
        .or(entry["bucket"].as_str())
        .expect("an outputs root");
    let run = if shape.run.is_some() {
        RUN_REFERENCE
    } else {
        ""
    };
    let below = match config["outputsPath"].as_str() {
        None => format!("{namespace}/{name}/{run}"),
        Some("{{namespace}}/{{name}}") => format!("{namespace}/{name}"),
        Some("runs/{{run}}/{{name}}") => format!("runs/{run}/{name}"),
        Some(other) => panic!("the model has no outputsPath `{other}`"),
    };
    let below: Vec<&str> = below.split('/').filter(|s| !s.is_empty()).collect();
    Some(format!(
        "{}/{}",
        root.trim_end_matches('/'),
        below.join("/")
    ))
}

/// The env a chosen container gets: the plan's, with `STOWAGE_RUN` (read from the kind's run
/// field) first where the outputs path refers to it, and nowhere else.
fn env(plan: &WorkloadPlan, path: Option<&str>, shape: &Shape) -> Vec<Value> {
    let mut env: Vec<Value> = plan
        .env
        .iter()
        .filter(|e| e["name"] != RUN)
        .cloned()
        .collect();
    let Some(path) = path else {
        return env;
    };
    let var = env.iter().find(|e| e["name"] == OUTPUTS_PATH);
    assert_eq!(
        var.map(|v| &v["value"]),
        Some(&json!(path)),
        "{}/{}: {OUTPUTS_PATH}",
        plan.kind,
        plan.name
    );
    if let (true, Some(field)) = (path.contains(RUN_REFERENCE), shape.run) {
        let run = json!({"name": RUN, "valueFrom": {"fieldRef": {"fieldPath": field}}});
        env.insert(0, run);
    }
    env
}

/// The input's value plus the plans' blocks: what the output must read as. `config` is the
/// `persistence` value the plans came from.
pub fn expected(mut docs: Vec<Value>, plans: &[WorkloadPlan], config: &Value) -> Vec<Value> {
    for doc in &mut docs {
        let api = doc["apiVersion"].as_str().unwrap_or("").to_string();
        let kind = doc["kind"].as_str().unwrap_or("").to_string();
        let name = name_of(doc);
        let plan = plans.iter().find(|p| p.kind == kind && p.name == name);
        let Some(shape) = shape(&api, &kind) else {
            assert!(
                plan.is_none(),
                "{kind}/{name} of {api} is no workload, yet has a plan"
            );
            continue;
        };
        // No plan: a rule (`inject: false` for `w1*`) left the workload alone.
        let Some(plan) = plan else {
            assert!(
                name.starts_with("w1"),
                "{kind}/{name} has no plan, and no rule leaves it alone"
            );
            continue;
        };
        let namespace = doc["metadata"]["namespace"].as_str().unwrap_or("default");
        let path = outputs_path(plan, config, namespace, &name, &shape);
        assert_eq!(plan.outputs_path, path, "{kind}/{name}: outputs path");
        let put = Put {
            plan,
            env: env(plan, path.as_deref(), &shape),
        };
        match shape.pods {
            Pods::Templates(paths) => {
                for path in paths {
                    let mut templates = Vec::new();
                    reach(doc, path, &mut templates);
                    for t in templates {
                        if object(t, "spec").is_none() {
                            continue;
                        }
                        put.annotations(t, &["metadata", "annotations"]);
                        put.pod_spec(&mut t["spec"]);
                    }
                }
            }
            Pods::Argo => {
                if let Some(spec) = object(doc, "spec") {
                    put.argo(spec);
                }
            }
            Pods::Spark => {
                if let Some(spec) = object(doc, "spec") {
                    put.spark(spec);
                }
            }
        }
    }
    docs
}

/// Every `$(VAR)` in an env var's value that names a variable of its list (and every
/// `$(STOWAGE_RUN)`) comes after that variable: Kubernetes expands a reference only to a
/// variable defined before it. The first one that doesn't, anywhere in `v`.
pub fn env_out_of_order(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(list)) = m.get("env") {
                let names: Vec<&str> = list
                    .iter()
                    .map(|e| e["name"].as_str().unwrap_or(""))
                    .collect();
                for (i, e) in list.iter().enumerate() {
                    let value = e["value"].as_str().unwrap_or("");
                    for var in references(value) {
                        if (var == RUN || names.contains(&var)) && !names[..i].contains(&var) {
                            return Some(format!(
                                "`{}` refers to $({var}) before it is defined: {}",
                                e["name"],
                                Value::Array(list.clone())
                            ));
                        }
                    }
                }
            }
            m.values().find_map(env_out_of_order)
        }
        Value::Array(a) => a.iter().find_map(env_out_of_order),
        _ => None,
    }
}

/// The names in `$(NAME)` references.
fn references(s: &str) -> Vec<&str> {
    s.match_indices("$(")
        .filter_map(|(i, _)| {
            let rest = &s[i + 2..];
            rest.find(')').map(|end| &rest[..end])
        })
        .collect()
}
