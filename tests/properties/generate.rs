//! The generator: Helm-like streams of Kubernetes workloads, ConfigMaps and Services in block,
//! flow and JSON style, custom-resource workloads among them (`crds.rs`), and random configs.

use serde_json::{Value, json};

use super::crds::Crds;

/// A tiny deterministic generator: proptest picks the seed, this picks the shapes.
pub struct Rng(pub u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn coin(&mut self) -> bool {
        self.below(2) == 0
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const TRICKY: &[&str] = &[
    "\"yes\"",
    "0644",
    "on",
    "off",
    "~",
    "null",
    "''",
    "\"\"",
    "'it''s'",
    "\"a: b # c\"",
    "\"\\u00e9\\t\"",
    "1e3",
    "0x1F",
    "'.inf'",
    "2001-12-14",
    "\"{{ .Values }}\"",
    "plain text here",
    "'-'",
    "'---'",
];

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Block,
    Flow,
    Json,
}

struct Gen {
    rng: Rng,
    counter: usize,
    /// The custom resources, and the config settings that came with them, draw from their own
    /// generator: a seed still makes the documents and config entries it made before they came
    /// (those of the seeds in properties.proptest-regressions among them), and theirs besides.
    crd: Crds,
}

/// The stream and config of a seed.
pub fn case(seed: u64) -> (String, Value) {
    let mut g = Gen {
        rng: Rng(seed | 1),
        counter: 0,
        crd: Crds::new(seed),
    };
    let config = g.config();
    (g.stream(), config)
}

impl Gen {
    fn name(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}-{}", self.counter)
    }

    /// A list key with its items (each item a list of `key: value` lines), in the chosen list style.
    fn list(
        &mut self,
        out: &mut String,
        ind: &str,
        key: &str,
        items: &[Vec<String>],
        style: usize,
    ) {
        if items.is_empty() {
            match style % 3 {
                0 => {} // absent
                1 => out.push_str(&format!("{ind}{key}:\n")),
                _ => out.push_str(&format!("{ind}{key}: []\n")),
            }
            return;
        }
        out.push_str(&format!("{ind}{key}:\n"));
        let li = if style.is_multiple_of(2) { "" } else { "  " };
        for item in items {
            for (j, line) in item.iter().enumerate() {
                let lead = if j == 0 { "- " } else { "  " };
                out.push_str(&format!("{ind}{li}{lead}{line}\n"));
            }
        }
    }

    fn comment(&mut self, out: &mut String, ind: &str) {
        if self.rng.below(4) == 0 {
            out.push_str(&format!(
                "{ind}# {}\n",
                self.rng
                    .pick(&["comment", "volumes: [x]", "- name: y", "---"])
            ));
        }
    }

    fn container(&mut self, out: &mut String, ind: &str, li: usize, first: &str) {
        let cname = self.name("c");
        let _ = first;
        out.push_str(&format!(
            "{ind}{}- name: {cname}\n",
            if li == 0 { "" } else { "  " }
        ));
        let ind2 = format!("{ind}{}  ", if li == 0 { "" } else { "  " });
        out.push_str(&format!("{ind2}image: \"example/{cname}:1.0\"\n"));
        self.comment(out, &ind2);
        let env: Vec<Vec<String>> = (0..self.rng.below(3))
            .map(|i| {
                vec![
                    format!("name: EXISTING_{i}"),
                    format!(
                        "value: {}",
                        self.rng.pick(&["\"yes\"", "\"0644\"", "\"on\"", "plain"])
                    ),
                ]
            })
            .collect();
        let mounts: Vec<Vec<String>> = (0..self.rng.below(2))
            .map(|i| vec![format!("name: cfg{i}"), format!("mountPath: /etc/cfg{i}")])
            .collect();
        let (s1, s2) = (self.rng.below(6), self.rng.below(6));
        if self.rng.coin() {
            self.list(out, &ind2, "env", &env, s1);
            self.list(out, &ind2, "volumeMounts", &mounts, s2);
        } else {
            self.list(out, &ind2, "volumeMounts", &mounts, s2);
            self.list(out, &ind2, "env", &env, s1);
        }
        if self.rng.coin() {
            out.push_str(&format!(
                "{ind2}args: [\"--flag\", \"{}\"]\n",
                self.rng.below(100)
            ));
        }
    }

    fn pod_spec(&mut self, out: &mut String, ind: &str) {
        let li = self.rng.below(2);
        self.comment(out, ind);
        if self.rng.below(3) == 0 {
            out.push_str(&format!("{ind}restartPolicy: Never\n"));
        }
        let n_init = self.rng.below(3);
        if n_init > 0 {
            out.push_str(&format!("{ind}initContainers:\n"));
            for _ in 0..n_init {
                self.container(out, ind, li, "init");
            }
        }
        out.push_str(&format!("{ind}containers:\n"));
        for _ in 0..1 + self.rng.below(3) {
            self.container(out, ind, li, "app");
        }
        let vols: Vec<Vec<String>> = (0..self.rng.below(3))
            .map(|i| {
                vec![
                    format!("name: cfg{i}"),
                    "configMap:".into(),
                    format!("  name: cm{i}"),
                    "  defaultMode: 0644".into(),
                ]
            })
            .collect();
        let s = self.rng.below(6);
        self.list(out, ind, "volumes", &vols, s);
        if self.rng.coin() {
            out.push_str(&format!("{ind}terminationGracePeriodSeconds: 30\n"));
        }
    }

    fn workload_block(&mut self, kind: &str, name: &str) -> String {
        let api = if kind == "Pod" {
            "v1"
        } else if kind == "Job" || kind == "CronJob" {
            "batch/v1"
        } else {
            "apps/v1"
        };
        let mut s = format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n");
        if self.rng.coin() {
            s.push_str("  labels:\n    app: \"yes\"\n");
        }
        s.push_str("spec:\n");
        match kind {
            "Pod" => self.pod_spec(&mut s, "  "),
            "CronJob" => {
                s.push_str(
                    "  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n",
                );
                if self.rng.coin() {
                    s.push_str("        metadata:\n          labels:\n            on: \"off\"\n");
                }
                s.push_str("        spec:\n");
                self.pod_spec(&mut s, "          ");
            }
            _ => {
                s.push_str(&format!(
                    "  selector:\n    matchLabels:\n      app: {name}\n  template:\n"
                ));
                if self.rng.coin() {
                    s.push_str(&format!(
                        "    metadata:\n      labels:\n        app: {name}\n"
                    ));
                }
                s.push_str("    spec:\n");
                self.pod_spec(&mut s, "      ");
            }
        }
        s
    }

    fn workload_value(&mut self, kind: &str, name: &str) -> Value {
        let containers: Vec<Value> = (0..1 + self.rng.below(2))
            .map(|i| {
                let mut c = json!({"name": format!("c{i}"), "image": "example/app:1.0"});
                if self.rng.coin() {
                    c["env"] = json!([{"name": "EXISTING", "value": "yes"}]);
                }
                if self.rng.coin() {
                    c["volumeMounts"] = json!([]);
                }
                c
            })
            .collect();
        let mut pod = json!({"containers": containers});
        if self.rng.coin() {
            pod["volumes"] = json!([{"name": "cfg", "configMap": {"name": "cm"}}]);
        }
        let api = if kind == "Pod" {
            "v1"
        } else if kind == "Job" || kind == "CronJob" {
            "batch/v1"
        } else {
            "apps/v1"
        };
        let template = json!({"metadata": {"labels": {"app": name}}, "spec": pod.clone()});
        let spec = match kind {
            "Pod" => pod,
            "CronJob" => {
                json!({"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}})
            }
            _ => json!({"selector": {"matchLabels": {"app": name}}, "template": template}),
        };
        json!({"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec})
    }

    fn config_map(&mut self, style: Style) -> String {
        let name = self.name("cm");
        match style {
            Style::Json => serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"A": "yes", "B": "0644"}})).unwrap() + "\n",
            Style::Flow => format!("{{apiVersion: v1, kind: ConfigMap, metadata: {{name: {name}}}, data: {{A: \"yes\", B: '0644'}}}}\n"),
            Style::Block => {
                let mut s = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n");
                for i in 0..1 + self.rng.below(4) {
                    match self.rng.below(4) {
                        0 => s.push_str(&format!("  k{i}: |\n    line one\n    ---\n    containers: []\n")),
                        1 => s.push_str(&format!("  k{i}: >-\n    folded\n    text\n")),
                        _ => s.push_str(&format!("  k{i}: {}\n", self.rng.pick(TRICKY))),
                    }
                }
                if self.rng.coin() {
                    s.push_str("on: true\n");
                }
                s
            }
        }
    }

    fn service(&mut self) -> String {
        let name = self.name("svc");
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n    - port: 80\n      targetPort: http  # named\n"
        )
    }

    fn stream(&mut self) -> String {
        let mut docs = Vec::new();
        for _ in 0..1 + self.rng.below(5) {
            let style = match self.rng.below(8) {
                0 => Style::Flow,
                1 => Style::Json,
                _ => Style::Block,
            };
            let doc = match self.rng.below(4) {
                0 => self.config_map(style),
                1 => self.service(),
                _ => {
                    let kind = self.rng.pick(&[
                        "Pod",
                        "Deployment",
                        "StatefulSet",
                        "DaemonSet",
                        "Job",
                        "CronJob",
                    ]);
                    let name = self.name("w");
                    match style {
                        Style::Block => self.workload_block(kind, &name),
                        Style::Json => {
                            serde_json::to_string_pretty(&self.workload_value(kind, &name)).unwrap()
                                + "\n"
                        }
                        Style::Flow => {
                            serde_json::to_string(&self.workload_value(kind, &name)).unwrap() + "\n"
                        }
                    }
                }
            };
            let header = if self.rng.coin() {
                format!("# Source: chart/templates/t{}.yaml\n", self.counter)
            } else {
                String::new()
            };
            docs.push(format!("---\n{header}{doc}"));
        }
        for _ in 0..self.crd.r.below(4) {
            let at = self.crd.r.below(docs.len() + 1);
            let doc = self.crd.document();
            docs.insert(at, format!("---\n{doc}"));
        }
        let mut s = docs.concat();
        if self.rng.below(4) == 0 {
            s = s.replace('\n', "\r\n");
        }
        s
    }

    fn config(&mut self) -> Value {
        let mut data = serde_json::Map::new();
        if self.rng.coin() {
            data.insert(
                "data-host".into(),
                json!({"mountPath": "/data/host", "hostPath": "/srv/data", "readOnly": true}),
            );
        }
        if self.rng.coin() {
            data.insert(
                "data-claim".into(),
                json!({"mountPath": "/data/claim", "existingClaim": "data-pvc"}),
            );
        }
        if self.rng.coin() {
            data.insert("data-s3".into(), json!({"store": "s3", "bucket": "s3://data-bucket", "secret": "s3-secret", "secretKey": "key.json"}));
        }
        if self.rng.coin() {
            data.insert("data-gcs".into(), json!({"store": "gcs", "bucket": "gs://data-bucket", "secret": "gcs-secret", "secretKey": "key.json"}));
        }
        let mut outputs = serde_json::Map::new();
        match self.rng.below(4) {
            0 => {}
            1 => {
                outputs.insert(
                    "outputs-host".into(),
                    json!({"mountPath": "/outputs/host", "hostPath": "/srv/outputs"}),
                );
            }
            2 => {
                outputs.insert(
                    "outputs-claim".into(),
                    json!({"mountPath": "/outputs/claim", "existingClaim": "outputs-pvc"}),
                );
            }
            _ => {
                outputs.insert("outputs-s3".into(), json!({"store": "s3", "bucket": "s3://out-bucket", "secret": "s3-secret", "secretKey": "key.json"}));
            }
        }
        if data.is_empty() && outputs.is_empty() {
            data.insert(
                "data-claim".into(),
                json!({"mountPath": "/data/claim", "existingClaim": "data-pvc"}),
            );
        }
        let mut p = serde_json::Map::new();
        p.insert("data".into(), Value::Object(data));
        if !outputs.is_empty() {
            p.insert("outputs".into(), Value::Object(outputs));
        }
        // Rules choosing from the config what workloads get (first match wins).
        let rules = [
            json!({"match": {"kind": "Job"}, "data": "none"}),
            json!({"match": {"name": "w1*"}, "inject": false}),
            json!({"match": {"kind": ["Deployment", "StatefulSet"]}, "outputs": "none"}),
            json!({"match": {"labels": {"app": "w2"}}, "containers": ["c0"]}),
            json!({"match": {}, "containers": ["c1"]}),
        ];
        let picked: Vec<Value> = rules
            .into_iter()
            .filter(|_| self.rng.below(3) == 0)
            .collect();
        if !picked.is_empty() {
            p.insert("workloads".into(), Value::Array(picked));
        }
        self.crd.config(&mut p);
        Value::Object(p)
    }
}
