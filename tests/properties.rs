//! Property tests (docs/reliability.md): generated Helm-like streams and random configs through
//! `stowage_core::post_render::post_render`, judged by an independent YAML parser (`serde_saphyr`)
//! and an independent model of where each kind keeps its pods.
//!
//! - `properties/generate.rs`: the streams (Kubernetes workloads, ConfigMaps, Services) and configs;
//! - `properties/crds.rs`: the custom-resource workloads among them (Kubeflow, KubeRay, Volcano,
//!   Argo Workflows, the Spark operator);
//! - `properties/model.rs`: what the output must read as.

mod common;
#[path = "properties/crds.rs"]
mod crds;
#[path = "properties/generate.rs"]
mod generate;
#[path = "properties/model.rs"]
mod model;

use proptest::prelude::*;
use serde_json::{Value, json};
use stowage_core::post_render::{ConfigSource, Options, Outcome, post_render};
use stowage_core::report::Severity;

use generate::case;

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

/// The input without the explicit nulls of block mappings (`env: ~`, `volumes: null`): stowage
/// writes a list in place of such a null, the one thing it removes. Whether it removed only those
/// it filled, the value property says.
fn without_nulls(input: &str) -> String {
    let mut s = input.to_string();
    for null in [": ~\n", ": null\n", ": ~\r\n", ": null\r\n"] {
        let eol = if null.ends_with("\r\n") {
            ":\r\n"
        } else {
            ":\n"
        };
        s = s.replace(null, eol);
    }
    s
}

fn subsequence(input: &[u8], output: &[u8]) -> bool {
    let mut out = output.iter();
    input.iter().all(|c| out.any(|o| o == c))
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
            prop_assert!(subsequence(without_nulls(&input).as_bytes(), &out.output), "not insert-only:\n{}\n=>\n{}", input, String::from_utf8_lossy(&out.output));
        }
    }

    #[test]
    fn output_value_is_input_plus_plan(seed in any::<u64>()) {
        let (input, cfg) = case(seed);
        let out = run(input.as_bytes(), &cfg);
        let want = model::expected(judge(input.as_bytes()), &out.plans, &cfg);
        let got = judge(&out.output);
        for doc in &got {
            if let Some(e) = model::env_out_of_order(doc) {
                prop_assert!(false, "{}\ninput:\n{}\noutput:\n{}", e, input, String::from_utf8_lossy(&out.output));
            }
        }
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
            if !model::is_workload(v) {
                prop_assert_eq!(&input.as_bytes()[da.range.clone()], &out.output[db.range.clone()]);
            }
        }
    }
}

/// Found by `output_value_is_input_plus_plan` at c224386 (fixed in 8282c39): under
/// `containers: [a]`, container `a` of an Argo containerSet got the env naming `/data/claim`, and
/// the set (the only place Argo takes mounts for its containers) no volumeMounts, so nothing was
/// mounted there.
#[test]
fn chosen_container_of_an_argo_container_set_gets_the_set_mounts() {
    let input = "apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: wf
spec:
  templates:
    - name: cs
      containerSet:
        containers:
          - name: a
            image: x
          - name: b
            image: y
";
    let cfg = json!({
        "data": {"data-claim": {"mountPath": "/data/claim", "existingClaim": "data-pvc"}},
        "containers": ["a"],
    });
    let out = run(input.as_bytes(), &cfg);
    let got = judge(&out.output);
    let set = &got[0]["spec"]["templates"][0]["containerSet"];
    assert_eq!(
        set["volumeMounts"],
        json!([{"name": "data-claim", "mountPath": "/data/claim"}]),
        "{}",
        String::from_utf8_lossy(&out.output)
    );
    assert_eq!(
        got,
        model::expected(judge(input.as_bytes()), &out.plans, &cfg)
    );
}

/// The run-variable check of `output_value_is_input_plus_plan` sees a reference before its
/// definition (stowage gets it right, so the properties alone would never show that it can).
#[test]
fn env_order_check_sees_a_reference_before_its_definition() {
    let run = json!({"name": "STOWAGE_RUN", "valueFrom": {"fieldRef": {"fieldPath": "x"}}});
    let path = json!({"name": "POLYAXON_RUN_OUTPUTS_PATH", "value": "/o/$(STOWAGE_RUN)/$(HOME)"});
    let late = json!({"spec": {"c": [{"env": [path, run]}]}});
    assert!(model::env_out_of_order(&late).is_some());
    let undefined = json!({"env": [path]});
    assert!(model::env_out_of_order(&undefined).is_some());
    let fine = json!({"env": [{"name": "A", "value": "$(B)"}, run, path]});
    assert!(model::env_out_of_order(&fine).is_none());
}
