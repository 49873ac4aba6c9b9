//! Custom-resource workloads for the generated streams: Kubeflow PyTorchJobs, KubeRay
//! RayClusters, Volcano Jobs, Argo Workflows and Spark applications, with several replica types,
//! worker groups and tasks, every flavour of Argo template (steps and DAGs without a container
//! too), and optional parts present, null, empty or missing; now and then an apiVersion stowage
//! doesn't know. Each is built as a value and written as a flow line, as JSON, or in block style
//! (comments, both list indentations, flow collections and literal blocks here and there).

use serde_json::{Map, Value, json};

use super::generate::Rng;

pub struct Crds {
    pub r: Rng,
    n: usize,
}

type Object = Map<String, Value>;

impl Crds {
    pub fn new(seed: u64) -> Crds {
        Crds {
            r: Rng((seed.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15) | 1),
            n: 0,
        }
    }

    fn name(&mut self, prefix: &str) -> String {
        self.n += 1;
        format!("{prefix}-{}", self.n)
    }

    /// The config settings that matter to these kinds: an outputs path with or without the run,
    /// and a GCS bucket mounted by its CSI driver (whose pods get an annotation).
    pub fn config(&mut self, p: &mut Object) {
        match self.r.below(4) {
            0 => {
                p.insert("outputsPath".into(), json!("{{namespace}}/{{name}}"));
            }
            1 => {
                p.insert("outputsPath".into(), json!("runs/{{run}}/{{name}}"));
            }
            _ => {}
        }
        if self.r.below(4) == 0 {
            p["data"].as_object_mut().expect("data").insert(
                "data-gcsfuse".into(),
                json!({"store": "gcs", "bucket": "gs://fuse-bucket", "secret": "gcs-secret", "secretKey": "key.json", "mount": "csi", "mountPath": "/data/fuse", "readOnly": true}),
            );
        }
    }

    /// One custom-resource document, without its `---`.
    pub fn document(&mut self) -> String {
        let doc = match self.r.below(5) {
            0 => self.pytorch_job(),
            1 => self.ray_cluster(),
            2 => self.volcano_job(),
            3 => self.workflow(),
            _ => self.spark_application(),
        };
        let doc = Value::Object(doc);
        let mut s = String::new();
        if self.r.below(3) == 0 {
            s.push_str(&format!("# Source: chart/templates/crd-{}.yaml\n", self.n));
        }
        match self.r.below(8) {
            0 => s.push_str(&(serde_json::to_string(&doc).unwrap() + "\n")),
            1 => s.push_str(&(serde_json::to_string_pretty(&doc).unwrap() + "\n")),
            _ => self.value_lines(&mut s, &doc, 0),
        }
        s
    }

    /// `apiVersion`, `kind` and `metadata`. One in ten has another apiVersion (stowage leaves it
    /// alone); one in five is named `w1…`, which a rule may leave alone.
    fn head(&mut self, api: &str, others: &[&str], kind: &str, short: &str) -> Object {
        let api = if self.r.below(10) == 0 {
            self.r.pick(others)
        } else {
            api
        };
        let prefix = if self.r.below(5) == 0 { "w1" } else { "x" };
        let mut meta = json!({"name": self.name(&format!("{prefix}-{short}"))});
        if self.r.coin() {
            meta["namespace"] = json!("ml");
        }
        if self.r.coin() {
            meta["labels"] = json!({"app": self.r.pick(&["w2", "trainer"])});
        }
        let o = json!({"apiVersion": api, "kind": kind, "metadata": meta});
        o.as_object().unwrap().clone()
    }

    /// A list that is absent, null or empty when it has no items.
    fn list(&mut self, m: &mut Object, key: &str, items: Vec<Value>) {
        if !items.is_empty() {
            m.insert(key.into(), Value::Array(items));
            return;
        }
        match self.r.below(3) {
            0 => {}
            1 => {
                m.insert(key.into(), Value::Null);
            }
            _ => {
                m.insert(key.into(), json!([]));
            }
        }
    }

    /// A container name: `c0`, `c1`… (what the config's `containers` rules choose) or another.
    fn container_name(&mut self, small: &mut usize) -> String {
        if self.r.coin() {
            *small += 1;
            format!("c{}", *small - 1)
        } else {
            self.name("k")
        }
    }

    /// A container's own `env` and `volumeMounts`, in either order.
    fn env_and_mounts(&mut self, c: &mut Object) {
        let n = self.r.below(3);
        let env: Vec<Value> = (0..n)
            .map(|i| json!({"name": format!("EXISTING_{i}"), "value": self.r.pick(&["yes", "0644", "on", "plain"])}))
            .collect();
        let mounts: Vec<Value> = (0..self.r.below(2))
            .map(|i| json!({"name": format!("cfg{i}"), "mountPath": format!("/etc/cfg{i}")}))
            .collect();
        if self.r.coin() {
            self.list(c, "env", env);
            self.list(c, "volumeMounts", mounts);
        } else {
            self.list(c, "volumeMounts", mounts);
            self.list(c, "env", env);
        }
    }

    fn container(&mut self, small: &mut usize) -> Value {
        let mut c = Object::new();
        c.insert("name".into(), json!(self.container_name(small)));
        c.insert("image".into(), json!("example/trainer:1.0"));
        if self.r.coin() {
            c.insert("command".into(), json!(["python", "train.py"]));
        }
        self.env_and_mounts(&mut c);
        if self.r.below(3) == 0 {
            c.insert("resources".into(), json!({"limits": {"nvidia.com/gpu": 1}}));
        }
        Value::Object(c)
    }

    fn containers(&mut self, n: usize, small: &mut usize) -> Vec<Value> {
        (0..n).map(|_| self.container(small)).collect()
    }

    fn volumes(&mut self) -> Vec<Value> {
        (0..self.r.below(3))
            .map(|i| json!({"name": format!("cfg{i}"), "configMap": {"name": format!("cm{i}"), "defaultMode": 420}}))
            .collect()
    }

    /// A pod template: `metadata` now and then, and a pod spec.
    fn template(&mut self) -> Value {
        let mut small = 0;
        let mut spec = Object::new();
        if self.r.below(3) == 0 {
            spec.insert("restartPolicy".into(), json!("OnFailure"));
        }
        let n = self.r.below(2);
        let init = self.containers(n, &mut small);
        if !init.is_empty() {
            spec.insert("initContainers".into(), Value::Array(init));
        }
        let n = 1 + self.r.below(2);
        let containers = self.containers(n, &mut small);
        spec.insert("containers".into(), Value::Array(containers));
        let volumes = self.volumes();
        self.list(&mut spec, "volumes", volumes);
        let mut t = Object::new();
        match self.r.below(4) {
            0 => {
                t.insert("metadata".into(), json!({"labels": {"app": "trainer"}}));
            }
            1 => {
                t.insert(
                    "metadata".into(),
                    json!({"annotations": {"sidecar.istio.io/inject": "false"}}),
                );
            }
            _ => {}
        }
        t.insert("spec".into(), Value::Object(spec));
        Value::Object(t)
    }

    fn pytorch_job(&mut self) -> Object {
        let mut o = self.head(
            "kubeflow.org/v1",
            &["kubeflow.org/v2alpha1"],
            "PyTorchJob",
            "pt",
        );
        let types: &[&str] = match self.r.below(4) {
            0 => &["Worker"],
            1 => &["Master"],
            2 => &["Worker", "Master"],
            _ => &["Master", "Worker"],
        };
        let mut replicas = Object::new();
        for t in types {
            let n = if *t == "Master" {
                1
            } else {
                1 + self.r.below(4)
            };
            let template = self.template();
            replicas.insert(
                t.to_string(),
                json!({"replicas": n, "restartPolicy": "OnFailure", "template": template}),
            );
        }
        let mut spec = Object::new();
        if self.r.coin() {
            spec.insert("runPolicy".into(), json!({"cleanPodPolicy": "None"}));
        }
        if self.r.below(4) == 0 {
            spec.insert(
                "elasticPolicy".into(),
                json!({"rdzvBackend": "c10d", "minReplicas": 1, "maxReplicas": 3}),
            );
        }
        spec.insert("pytorchReplicaSpecs".into(), Value::Object(replicas));
        o.insert("spec".into(), Value::Object(spec));
        o
    }

    fn ray_cluster(&mut self) -> Object {
        let mut o = self.head("ray.io/v1", &["ray.io/v1alpha1"], "RayCluster", "ray");
        let mut spec = Object::new();
        spec.insert("rayVersion".into(), json!("2.9.0"));
        if self.r.coin() {
            spec.insert("enableInTreeAutoscaling".into(), json!(true));
        }
        let template = self.template();
        spec.insert(
            "headGroupSpec".into(),
            json!({"serviceType": "ClusterIP", "rayStartParams": {"dashboard-host": "0.0.0.0", "num-cpus": "0"}, "template": template}),
        );
        let groups: Vec<Value> = (0..self.r.below(4))
            .map(|i| {
                let template = self.template();
                json!({"groupName": format!("group-{i}"), "replicas": 1, "minReplicas": 0, "maxReplicas": 4, "rayStartParams": {}, "template": template})
            })
            .collect();
        self.list(&mut spec, "workerGroupSpecs", groups);
        o.insert("spec".into(), Value::Object(spec));
        o
    }

    fn volcano_job(&mut self) -> Object {
        // A Job of batch/v1's kind name, in Volcano's group (or in a group stowage doesn't know).
        let mut o = self.head(
            "batch.volcano.sh/v1alpha1",
            &["batch.volcano.sh/v1beta1", "example.com/v1"],
            "Job",
            "vc",
        );
        let mut spec = Object::new();
        spec.insert("minAvailable".into(), json!(1));
        spec.insert("schedulerName".into(), json!("volcano"));
        if self.r.coin() {
            spec.insert("queue".into(), json!("default"));
        }
        if self.r.coin() {
            // Volcano's `env` plugin: a list named env that is no container's.
            spec.insert("plugins".into(), json!({"env": [], "svc": []}));
        }
        if self.r.coin() {
            spec.insert(
                "policies".into(),
                json!([{"event": "PodEvicted", "action": "RestartJob"}]),
            );
        }
        let tasks: Vec<Value> = (0..1 + self.r.below(3))
            .map(|i| {
                let template = self.template();
                let name = ["ps", "worker", "chief"][i];
                let mut t = json!({"name": name, "replicas": 1 + i, "template": template});
                if self.r.below(3) == 0 {
                    t["policies"] = json!([{"event": "TaskCompleted", "action": "CompleteJob"}]);
                }
                t
            })
            .collect();
        spec.insert("tasks".into(), Value::Array(tasks));
        o.insert("spec".into(), Value::Object(spec));
        o
    }

    fn workflow(&mut self) -> Object {
        let mut o = self.head(
            "argoproj.io/v1alpha1",
            &["argoproj.io/v1beta1"],
            "Workflow",
            "wf",
        );
        if self.r.coin() {
            // Argo names each run after the prefix; stowage names the workflow by the prefix.
            let name = o["metadata"]["name"].as_str().unwrap().to_string();
            let meta = o["metadata"].as_object_mut().unwrap();
            meta.shift_remove("name");
            meta.insert("generateName".into(), json!(format!("{name}-")));
        }
        let mut spec = Object::new();
        spec.insert("entrypoint".into(), json!("main"));
        if self.r.coin() {
            spec.insert("serviceAccountName".into(), json!("argo"));
        }
        if self.r.below(3) == 0 {
            spec.insert(
                "arguments".into(),
                json!({"parameters": [{"name": "message", "value": "hello"}]}),
            );
        }
        match self.r.below(4) {
            0 => {
                spec.insert("podMetadata".into(), json!({"labels": {"team": "ml"}}));
            }
            1 => {
                spec.insert(
                    "podMetadata".into(),
                    json!({"annotations": {"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"}}),
                );
            }
            _ => {}
        }
        if self.r.below(3) == 0 {
            spec.insert(
                "volumeClaimTemplates".into(),
                json!([{"metadata": {"name": "workdir"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]),
            );
        }
        let volumes = self.volumes();
        // Before or after the templates.
        let volumes_first = self.r.coin();
        if volumes_first {
            self.list(&mut spec, "volumes", volumes.clone());
        }
        let templates: Vec<Value> = (0..1 + self.r.below(5))
            .map(|i| self.argo_template(i))
            .collect();
        spec.insert("templates".into(), Value::Array(templates));
        if !volumes_first {
            self.list(&mut spec, "volumes", volumes);
        }
        o.insert("spec".into(), Value::Object(spec));
        o
    }

    /// An Argo template of each flavour: steps, DAG, resource and suspend (no container), or a
    /// container, script or container set.
    fn argo_template(&mut self, i: usize) -> Value {
        let name = if i == 0 {
            "main".to_string()
        } else {
            format!("t{i}")
        };
        let mut t = Object::new();
        t.insert("name".into(), json!(name));
        let mut small = 0;
        match self.r.below(7) {
            0 => {
                t.insert(
                    "steps".into(),
                    json!([[{"name": "a", "template": "t1"}], [{"name": "b", "template": "t2"}, {"name": "c", "template": "t1"}]]),
                );
            }
            1 => {
                t.insert("dag".into(), json!({"tasks": [{"name": "a", "template": "t1"}, {"name": "b", "dependencies": ["a"], "template": "t2"}]}));
            }
            2 => {
                t.insert("resource".into(), json!({"action": "create", "manifest": "apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n"}));
            }
            3 => {
                t.insert("suspend".into(), json!({"duration": "10s"}));
            }
            4 => {
                let mut c = Object::new();
                c.insert("image".into(), json!("python:3.12"));
                c.insert("command".into(), json!(["python"]));
                c.insert(
                    "source".into(),
                    json!("import os\nprint(os.environ)\n---\ncontainers: []\n"),
                );
                if self.r.coin() {
                    c.insert("name".into(), json!(self.container_name(&mut small)));
                }
                self.env_and_mounts(&mut c);
                t.insert("script".into(), Value::Object(c));
            }
            5 => {
                let n = 1 + self.r.below(3);
                let mut members = self.containers(n, &mut small);
                for k in 1..members.len() {
                    let before = members[k - 1]["name"].clone();
                    if self.r.coin() {
                        members[k]["dependencies"] = json!([before]);
                    }
                }
                let mut set = Object::new();
                if self.r.coin() {
                    let mounts = if self.r.coin() {
                        vec![json!({"name": "workdir", "mountPath": "/workdir"})]
                    } else {
                        Vec::new()
                    };
                    self.list(&mut set, "volumeMounts", mounts);
                }
                set.insert("containers".into(), Value::Array(members));
                t.insert("containerSet".into(), Value::Object(set));
            }
            _ => {
                if self.r.coin() {
                    t.insert(
                        "inputs".into(),
                        json!({"parameters": [{"name": "message"}]}),
                    );
                }
                let mut c = self.container(&mut small);
                if self.r.coin() {
                    // Argo names the main container `main` itself.
                    c.as_object_mut().unwrap().shift_remove("name");
                }
                t.insert("container".into(), c);
                if self.r.coin() {
                    t.insert(
                        "outputs".into(),
                        json!({"artifacts": [{"name": "out", "path": "/tmp/out"}]}),
                    );
                }
            }
        }
        // Init containers and sidecars, with any flavour.
        if self.r.below(4) == 0 {
            let n = 1 + self.r.below(2);
            let init = self.containers(n, &mut small);
            t.insert("initContainers".into(), Value::Array(init));
        }
        if self.r.below(4) == 0 {
            let n = 1 + self.r.below(2);
            let sidecars = self.containers(n, &mut small);
            t.insert("sidecars".into(), Value::Array(sidecars));
        }
        Value::Object(t)
    }

    fn spark_application(&mut self) -> Object {
        let mut o = self.head(
            "sparkoperator.k8s.io/v1beta2",
            &["sparkoperator.k8s.io/v1beta1"],
            "SparkApplication",
            "spark",
        );
        let mut spec = json!({
            "type": "Scala",
            "mode": "cluster",
            "image": "spark:3.5.0",
            "mainClass": "org.apache.spark.examples.SparkPi",
            "mainApplicationFile": "local:///opt/spark/examples/jars/spark-examples.jar",
            "sparkVersion": "3.5.0",
        })
        .as_object()
        .unwrap()
        .clone();
        if self.r.coin() {
            spec.insert(
                "sparkConf".into(),
                json!({"spark.ui.port": "4045", "spark.kubernetes.driver.volumes.persistentVolumeClaim.x.mount.path": "/x"}),
            );
        }
        if self.r.coin() {
            spec.insert("restartPolicy".into(), json!({"type": "Never"}));
        }
        let volumes = self.volumes();
        let volumes_first = self.r.coin();
        if volumes_first {
            self.list(&mut spec, "volumes", volumes.clone());
        }
        let mut small = 0;
        for role in ["driver", "executor"] {
            let mut r = Object::new();
            r.insert("cores".into(), json!(1));
            r.insert("memory".into(), json!("512m"));
            if role == "executor" {
                r.insert("instances".into(), json!(1 + self.r.below(3)));
            } else if self.r.coin() {
                r.insert("serviceAccount".into(), json!("spark"));
            }
            if self.r.coin() {
                r.insert("labels".into(), json!({"version": "3.5.0"}));
            }
            match self.r.below(5) {
                0 => {
                    r.insert("annotations".into(), json!({"a": "b"}));
                }
                1 => {
                    r.insert("annotations".into(), Value::Null);
                }
                _ => {}
            }
            self.env_and_mounts(&mut r);
            if self.r.below(3) == 0 {
                let n = 1 + self.r.below(2);
                let init = self.containers(n, &mut small);
                r.insert("initContainers".into(), Value::Array(init));
            }
            if self.r.below(3) == 0 {
                let n = 1 + self.r.below(2);
                let sidecars = self.containers(n, &mut small);
                r.insert("sidecars".into(), Value::Array(sidecars));
            }
            spec.insert(role.into(), Value::Object(r));
        }
        if !volumes_first {
            self.list(&mut spec, "volumes", volumes);
        }
        o.insert("spec".into(), Value::Object(spec));
        o
    }

    /// `v` in block style: a mapping's keys or a list's items, at indentation `ind`.
    fn value_lines(&mut self, out: &mut String, v: &Value, ind: usize) {
        match v {
            Value::Object(m) => self.mapping(out, m, ind, false),
            Value::Array(a) => self.items(out, a, ind),
            _ => unreachable!("a document is a mapping"),
        }
    }

    /// A mapping's keys at `ind`; `item`: it is a list item's, whose first key follows the `- `.
    fn mapping(&mut self, out: &mut String, m: &Object, ind: usize, item: bool) {
        let pad = " ".repeat(ind);
        for (i, (k, v)) in m.iter().enumerate() {
            if !(item && i == 0) && self.r.below(12) == 0 {
                let text = self
                    .r
                    .pick(&["note", "containers: []", "- name: x", "env:", "---"]);
                out.push_str(&format!("{pad}# {text}\n"));
            }
            let key = if plain(k) {
                k.clone()
            } else {
                serde_json::to_string(k).unwrap()
            };
            out.push_str(&format!("{pad}{key}:"));
            self.after_key(out, v, ind);
        }
    }

    fn items(&mut self, out: &mut String, a: &[Value], ind: usize) {
        let pad = " ".repeat(ind);
        for v in a {
            // A nested block written at the item's content column, its first line after `- `.
            let mut nested = String::new();
            match v {
                Value::Object(m) if !m.is_empty() => self.mapping(&mut nested, m, ind + 2, true),
                Value::Array(x) if !x.is_empty() => self.items(&mut nested, x, ind + 2),
                other => {
                    out.push_str(&format!("{pad}-"));
                    self.after_key(out, other, ind);
                    continue;
                }
            }
            out.push_str(&format!("{pad}- {}", &nested[ind + 2..]));
        }
    }

    /// What follows `key:` (or `-`): a scalar, a flow collection, or a block on the next lines.
    fn after_key(&mut self, out: &mut String, v: &Value, ind: usize) {
        match v {
            Value::Null => out.push_str(self.r.pick(&["\n", " null\n", " ~\n"])),
            Value::Object(m) if m.is_empty() => out.push_str(" {}\n"),
            Value::Array(a) if a.is_empty() => out.push_str(" []\n"),
            Value::Object(_) | Value::Array(_) if self.r.below(10) == 0 => {
                out.push_str(&format!(" {}\n", serde_json::to_string(v).unwrap()));
            }
            Value::Object(m) => {
                out.push('\n');
                self.mapping(out, m, ind + 2, false);
            }
            Value::Array(a) => {
                out.push('\n');
                let at = if self.r.coin() { ind } else { ind + 2 };
                self.items(out, a, at);
            }
            Value::String(s) if literal(s) && self.r.coin() => {
                out.push_str(" |\n");
                for line in s.lines() {
                    out.push_str(&format!("{}{line}\n", " ".repeat(ind + 2)));
                }
            }
            Value::String(s) if plain(s) => {
                let s = match self.r.below(6) {
                    0 => format!("'{s}'"),
                    1 => format!("\"{s}\""),
                    _ => s.clone(),
                };
                out.push_str(&format!(" {s}\n"));
            }
            other => out.push_str(&format!(" {other}\n")),
        }
    }
}

/// A string YAML reads as that string when written plain.
fn plain(s: &str) -> bool {
    const WORDS: [&str; 10] = [
        "y", "yes", "n", "no", "on", "off", "true", "false", "null", "~",
    ];
    !WORDS.contains(&s.to_ascii_lowercase().as_str())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

/// A string a literal block (`|`) gives back as it is: lines, none empty and the first not
/// indented, and one final line break.
fn literal(s: &str) -> bool {
    s.ends_with('\n')
        && !s.ends_with("\n\n")
        && !s.starts_with([' ', '\t'])
        && s.lines().all(|l| !l.is_empty())
}
