//! Property tests (docs/reliability.md): generated Helm-like streams and random configs through
//! `stowage_core::post_render::post_render`, judged by an independent YAML parser (`serde_saphyr`).

mod common;

use proptest::prelude::*;
use serde_json::{Value, json};
use stowage_core::plan::WorkloadPlan;
use stowage_core::post_render::{ConfigSource, Options, Outcome, post_render};
use stowage_core::report::Severity;

/// A tiny deterministic generator: proptest picks the seed, this picks the shapes.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn coin(&mut self) -> bool {
        self.below(2) == 0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
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
        Value::Object(p)
    }
}

fn case(seed: u64) -> (String, Value) {
    let mut g = Gen {
        rng: Rng(seed | 1),
        counter: 0,
    };
    let config = g.config();
    (g.stream(), config)
}

/// An outcome with its output bytes.
struct Ran {
    output: Vec<u8>,
    outcome: Outcome,
}

impl std::ops::Deref for Ran {
    type Target = Outcome;
    fn deref(&self) -> &Outcome {
        &self.outcome
    }
}

fn run(input: &[u8], config: &Value) -> Ran {
    let options = Options {
        keep_plans: true,
        ..Options::default()
    };
    let source = ConfigSource::values(config, "values.yaml");
    match post_render(input, source, &options) {
        Ok(outcome) => Ran {
            output: outcome.output(input),
            outcome,
        },
        Err(d) => panic!(
            "post_render failed on a valid stream:\n{}\n--- input:\n{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            String::from_utf8_lossy(input)
        ),
    }
}

fn reemitted(o: &Outcome) -> bool {
    o.diagnostics
        .iter()
        .any(|d| d.severity == Severity::Note && d.message.contains("re-emitted"))
}

fn judge(text: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(text).expect("UTF-8");
    serde_saphyr::from_multiple::<Value>(text)
        .unwrap_or_else(|e| panic!("the judge cannot read:\n{text}\n{e}"))
}

fn subsequence(input: &[u8], output: &[u8]) -> bool {
    let mut out = output.iter();
    input.iter().all(|c| out.any(|o| o == c))
}

fn is_workload(kind: &str) -> bool {
    matches!(
        kind,
        "Pod" | "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob"
    )
}

fn pod_template(doc: &mut Value) -> &mut Value {
    match doc["kind"].as_str().unwrap() {
        "Pod" => doc,
        "CronJob" => &mut doc["spec"]["jobTemplate"]["spec"]["template"],
        _ => &mut doc["spec"]["template"],
    }
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

/// The input's value plus the plan's blocks: what the output must read as.
fn expected(mut docs: Vec<Value>, plans: &[WorkloadPlan]) -> Vec<Value> {
    for doc in &mut docs {
        let kind = doc["kind"].as_str().unwrap_or("").to_string();
        if !is_workload(&kind) {
            continue;
        }
        let name = doc["metadata"]["name"].as_str().unwrap().to_string();
        // No plan: a rule (`inject: false`) left the workload alone.
        let Some(plan) = plans.iter().find(|p| p.kind == kind && p.name == name) else {
            continue;
        };
        let template = pod_template(doc);
        if !plan.pod_annotations.is_empty() {
            let meta = &mut template["metadata"];
            if meta.is_null() {
                *meta = json!({});
            }
            let ann = &mut meta["annotations"];
            if ann.is_null() {
                *ann = json!({});
            }
            for (k, v) in &plan.pod_annotations {
                ann[k] = v.clone();
            }
        }
        let spec = &mut template["spec"];
        // A plan with nothing of a kind (a rule gave no entries) adds no key.
        if !plan.volumes.is_empty() {
            append(&mut spec["volumes"], &plan.volumes);
        }
        for list in ["initContainers", "containers"] {
            if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
                let chosen = |c: &Value| {
                    plan.containers.as_ref().is_none_or(|only| {
                        only.iter().any(|n| Some(n.as_str()) == c["name"].as_str())
                    })
                };
                for c in cs.iter_mut().filter(|c| chosen(c)) {
                    if !plan.mounts.is_empty() {
                        append(&mut c["volumeMounts"], &plan.mounts);
                    }
                    if !plan.env.is_empty() {
                        append(&mut c["env"], &plan.env);
                    }
                }
            }
        }
    }
    docs
}

proptest! {
    #![proptest_config(common::proptest_cases(64))]

    #[test]
    fn idempotent(seed in any::<u64>()) {
        let (input, cfg) = case(seed);
        let once = run(input.as_bytes(), &cfg);
        let twice = run(&once.output, &cfg);
        prop_assert_eq!(String::from_utf8_lossy(&twice.output), String::from_utf8_lossy(&once.output));
    }

    #[test]
    fn insert_only(seed in any::<u64>()) {
        let (input, cfg) = case(seed);
        let out = run(input.as_bytes(), &cfg);
        if !reemitted(&out) {
            prop_assert!(subsequence(input.as_bytes(), &out.output), "not insert-only:\n{}\n=>\n{}", input, String::from_utf8_lossy(&out.output));
        }
    }

    #[test]
    fn output_value_is_input_plus_plan(seed in any::<u64>()) {
        let (input, cfg) = case(seed);
        let out = run(input.as_bytes(), &cfg);
        let want = expected(judge(input.as_bytes()), &out.plans);
        let got = judge(&out.output);
        prop_assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            prop_assert!(
                g == w,
                "document differs:\ngot:  {}\nwant: {}\ninput:\n{}\noutput:\n{}",
                g, w, input, String::from_utf8_lossy(&out.output)
            );
        }
    }

    #[test]
    fn untouched_documents_byte_identical(seed in any::<u64>()) {
        let (input, cfg) = case(seed);
        let out = run(input.as_bytes(), &cfg);
        let a = stowage_core::stream::split(input.as_bytes()).unwrap();
        let b = stowage_core::stream::split(&out.output).unwrap();
        prop_assert_eq!(a.len(), b.len());
        let docs = judge(input.as_bytes());
        // Judge documents and split documents line up (every generated document has content).
        prop_assert_eq!(docs.len(), a.len());
        for ((da, db), v) in a.iter().zip(&b).zip(&docs) {
            if !is_workload(v["kind"].as_str().unwrap_or("")) {
                prop_assert_eq!(&input.as_bytes()[da.range.clone()], &out.output[db.range.clone()]);
            }
        }
    }
}
