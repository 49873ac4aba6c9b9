//! A stream with over `post_render::PARALLEL_BYTES` (1 MiB) of workloads is injected on two threads,
//! which take runs of documents in turn. Its output and its diagnostics must be those of one
//! thread: the same bytes as each document injected on its own, and errors in stream order.

use serde_json::json;
use stowage_core::post_render::{self, ConfigSource, Options};

fn config() -> ConfigSource {
    let persistence = json!({
        "data": {"datasets": {"mountPath": "/mnt/datasets", "existingClaim": "datasets", "readOnly": true}},
        "outputs": {"results": {"mountPath": "/mnt/outputs", "existingClaim": "results"}},
    });
    ConfigSource::values(&persistence, "values.yaml")
}

/// Workload `i` (about 900 bytes) with a ConfigMap after it.
fn workload(i: usize, volumes: &str) -> String {
    format!(
        "---\n# Source: chart/templates/w{i}.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w{i}\n  namespace: team-{ns}\n  labels: {{app: w{i}, tier: backend}}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: w{i}}}\n  template:\n    metadata:\n      labels: {{app: w{i}}}\n    spec:\n      containers:\n        - name: main\n          image: \"registry.example.com/w{i}:1.{i}\"\n          args: [\"--port=8080\", \"--verbose\"]\n          env:\n            - name: MODE\n              value: \"batch\"\n          resources:\n            limits: {{cpu: \"1\", memory: 1Gi}}\n            requests: {{cpu: 100m, memory: 128Mi}}\n          readinessProbe:\n            httpGet: {{path: /healthz, port: 8080}}\n            periodSeconds: 10\n        - name: sidecar\n          image: busybox:1.36\n          command: [\"sh\", \"-c\", \"sleep infinity\"]\n{volumes}",
        ns = i % 7
    )
}

fn config_map(i: usize) -> String {
    format!(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w{i}-config\ndata:\n  settings.ini: |\n    [server]\n    port = 8080\n    name = w{i}\n"
    )
}

/// 1,500 workloads, their `volumes` chosen by `volumes`: over [`post_render::PARALLEL_BYTES`] of them.
const N: usize = 1500;

fn stream(volumes: impl Fn(usize) -> &'static str) -> String {
    let workloads: Vec<String> = (0..N).map(|i| workload(i, volumes(i))).collect();
    assert!(
        workloads.iter().map(String::len).sum::<usize>() > post_render::PARALLEL_BYTES,
        "the stream must be large enough for two threads"
    );
    (0..N)
        .map(|i| workloads[i].clone() + &config_map(i))
        .collect()
}

fn output(input: &str) -> Result<String, Vec<String>> {
    match post_render::post_render(input.as_bytes(), config(), &Options::default()) {
        Ok(outcome) => Ok(String::from_utf8(outcome.output(input.as_bytes())).unwrap()),
        Err(diagnostics) => Err(diagnostics.iter().map(|d| d.to_string()).collect()),
    }
}

#[test]
fn two_halves_write_what_one_document_at_a_time_writes() {
    let whole = stream(|_| "");
    let one_at_a_time: String = (0..N)
        .map(|i| output(&(workload(i, "") + &config_map(i))).unwrap())
        .collect();
    assert!(one_at_a_time.len() > whole.len());
    assert_eq!(output(&whole).unwrap(), one_at_a_time);
}

#[test]
fn errors_of_both_halves_come_in_stream_order() {
    // A conflict (a different volume named like an entry) and broken YAML in each half.
    const CONFLICT: &str = "      volumes:\n        - name: datasets\n          emptyDir: {}\n";
    let whole = stream(|i| match i {
        5 | 1300 => CONFLICT,
        40 | 1000 => "      volumes: [\n",
        _ => "",
    });
    {
        let errors = output(&whole).unwrap_err();
        let documents: Vec<&str> = errors
            .iter()
            .map(|e| e.split(" (line").next().unwrap_or(e))
            .collect();
        // Each workload is followed by its ConfigMap: workload i is document 2i+1. YAML errors
        // come first, then the others, each in stream order.
        assert_eq!(
            documents,
            [
                "error: document 81",
                "error: document 2001",
                "error: document 11",
                "error: document 2601"
            ],
            "{errors:#?}"
        );
    }
}
