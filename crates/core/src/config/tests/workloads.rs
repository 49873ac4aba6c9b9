//! `persistence.workloads`: rules, their `match`, and what they pick.

use super::*;

const ENTRIES: &str = "data:\n  data1: {mountPath: /data/1, existingClaim: d1}\n  data-foo: {mountPath: /data/foo, existingClaim: foo}\noutputs:\n  outputs-foo: {mountPath: /outputs/foo, existingClaim: o}\n";

fn with(rules: &str) -> String {
    format!("{ENTRIES}workloads:\n{rules}")
}

fn facts<'a>(api_version: &'a str, kind: &'a str, name: &'a str) -> WorkloadFacts<'a> {
    WorkloadFacts {
        api_version: Some(api_version),
        kind,
        name,
        namespace: "default",
        ..WorkloadFacts::default()
    }
}

#[test]
fn a_rule_of_every_field() {
    let (config, diags) = ok(&with(
        "- match:\n    kind: Job\n    name: 'train-*'\n    namespace: 'ml-*'\n    labels: {team: vision}\n    source: '*/templates/train-*.yaml'\n    hook: false\n  data: [data1, data-foo]\n  outputs: outputs-foo\n  containers: [trainer]\n- match: {name: '*-exporter'}\n  inject: false\n",
    ));
    assert!(errors(&diags).is_empty(), "{}", list(&diags));
    let [train, exporter] = &config.workloads[..] else {
        panic!("{:?}", config.workloads)
    };
    assert_eq!(
        train.when.kinds,
        [KindMatch {
            kind: "Job".into(),
            group: Some("batch".into())
        }]
    );
    assert_eq!(train.when.name.as_ref().map(Glob::as_str), Some("train-*"));
    assert_eq!(
        train.when.labels,
        [("team".to_string(), "vision".to_string())]
    );
    assert_eq!(train.when.hook, Some(false));
    assert_eq!(
        train.data,
        Some(DataPick::Entries(vec!["data1".into(), "data-foo".into()]))
    );
    assert_eq!(
        train.outputs,
        Some(OutputsPick::Entry("outputs-foo".into()))
    );
    assert_eq!(train.containers, Some(vec!["trainer".to_string()]));
    assert_eq!(train.inject, None);
    assert_eq!(
        (exporter.inject, &exporter.data, &exporter.outputs),
        (Some(false), &None, &None)
    );

    let labels = [("team", "vision"), ("app", "x")];
    let job = WorkloadFacts {
        namespace: "ml-prod",
        labels: &labels,
        source: Some("trainer/templates/train-job.yaml"),
        ..facts("batch/v1", "Job", "train-resnet")
    };
    assert_eq!(config.workload_rule(&job).map(|(i, _)| i), Some(0));
    let exporter_pod = facts("v1", "Pod", "node-exporter");
    assert_eq!(config.workload_rule(&exporter_pod).map(|(i, _)| i), Some(1));
    assert_eq!(
        config.workload_rule(&facts("apps/v1", "Deployment", "web")),
        None
    );
}

#[test]
fn every_field_given_must_match() {
    let (config, _) = ok(&with(
        "- match: {kind: Job, name: 'train-*', namespace: 'ml-*', labels: {team: vision}, source: '*/train-*.yaml', hook: false}\n",
    ));
    let m = &config.workloads[0].when;
    let labels = [("team", "vision")];
    let base = WorkloadFacts {
        namespace: "ml-prod",
        labels: &labels,
        source: Some("chart/templates/train-a.yaml"),
        ..facts("batch/v1", "Job", "train-a")
    };
    assert!(m.matches(&base));
    let misses = [
        WorkloadFacts {
            kind: "CronJob",
            ..base
        },
        WorkloadFacts {
            name: "serve-a",
            ..base
        },
        WorkloadFacts {
            namespace: "default",
            ..base
        },
        WorkloadFacts {
            labels: &[("team", "nlp")],
            ..base
        },
        WorkloadFacts {
            labels: &[],
            ..base
        },
        WorkloadFacts {
            source: Some("chart/templates/serve.yaml"),
            ..base
        },
        WorkloadFacts {
            source: None,
            ..base
        },
        WorkloadFacts { hook: true, ..base },
        WorkloadFacts {
            api_version: Some("batch.volcano.sh/v1alpha1"),
            ..base
        },
    ];
    for facts in misses {
        assert!(!m.matches(&facts), "{facts:?}");
    }
    // An empty `match`, or none, matches every workload.
    let (config, _) = ok(&with("- {match: {}, data: none}\n- {outputs: none}\n"));
    assert!(config.workloads[0].when.is_empty() && config.workloads[1].when.is_empty());
    assert!(config.workloads[0].when.matches(&base));
    assert!(Match::default().matches(&WorkloadFacts::default()));
}

#[test]
fn kinds_are_matched_with_their_group() {
    let (config, diags) = ok(&format!(
        "{}workloadKinds: [{{kind: PyTorchJob, podSpecPaths: [spec.pytorchReplicaSpecs.Worker.template.spec]}}]\n",
        with("- match: {kind: [Job, Job.batch.volcano.sh, PyTorchJob]}\n  data: none\n")
    ));
    assert!(errors(&diags).is_empty(), "{}", list(&diags));
    let m = &config.workloads[0].when;
    assert!(m.matches(&facts("batch/v1", "Job", "a")));
    assert!(m.matches(&facts("batch.volcano.sh/v1alpha1", "Job", "a")));
    assert!(m.matches(&facts("kubeflow.org/v1", "PyTorchJob", "a")));
    assert!(m.matches(&WorkloadFacts {
        api_version: None,
        ..facts("", "Job", "a")
    }));
    assert!(!m.matches(&facts("example.com/v1", "Job", "a")));
    assert!(!m.matches(&facts("batch/v1", "CronJob", "a")));
    let (config, _) = ok(&with("- match: {kind: Job}\n  data: none\n"));
    assert!(
        !config.workloads[0]
            .when
            .matches(&facts("batch.volcano.sh/v1alpha1", "Job", "a"))
    );
}

#[test]
fn data_and_outputs() {
    let (config, _) = ok(&with(
        "- {match: {name: a}, data: none, outputs: none}\n- {match: {name: b}, data: 'data-foo, data1'}\n- {match: {name: c}, data: '', outputs: ''}\n",
    ));
    assert_eq!(config.workloads[0].data, Some(DataPick::None));
    assert_eq!(config.workloads[0].outputs, Some(OutputsPick::None));
    assert_eq!(
        config.workloads[1].data,
        Some(DataPick::Entries(vec!["data-foo".into(), "data1".into()]))
    );
    // Empty counts as absent: the workload's annotation or the default decides.
    assert_eq!(
        (&config.workloads[2].data, &config.workloads[2].outputs),
        (&None, &None)
    );
    only_error_at(
        &with("- {match: {name: a}, data: []}\n"),
        "persistence.workloads[0].data",
        "write `data: none`",
    );
}

#[test]
fn unknown_entry_names_are_errors_with_a_suggestion() {
    only_error_at(
        &with("- {match: {}, data: [data1, data-fo]}\n"),
        "persistence.workloads[0].data[1]",
        "did you mean `data-foo`?",
    );
    only_error_at(
        &with("- {match: {}, data: 'data1,dat1'}\n"),
        "persistence.workloads[0].data",
        "did you mean `data1`?",
    );
    only_error_at(
        &with("- {match: {}, data: [outputs-foo]}\n"),
        "persistence.workloads[0].data[0]",
        "is an outputs entry: pick it with `outputs`",
    );
    only_error_at(
        &with("- {match: {}, data: [none]}\n"),
        "persistence.workloads[0].data[0]",
        "write `data: none`",
    );
    only_error_at(
        &with("- {match: {}, data: 'data1,data1'}\n"),
        "persistence.workloads[0].data",
        "listed twice",
    );
    only_error_at(
        &with("- {match: {}}\n- {match: {name: x}, outputs: outputs-fo}\n"),
        "persistence.workloads[1].outputs",
        "did you mean `outputs-foo`?",
    );
    only_error_at(
        &with("- {match: {}, outputs: data1}\n"),
        "persistence.workloads[0].outputs",
        "is a data entry",
    );
    // An entry with errors of its own is still a name a rule may pick.
    let diags = error_at(
        "data: {Bad_Name: {mountPath: /d, existingClaim: c}}\nworkloads: [{data: [Bad_Name]}]",
        "persistence.data.Bad_Name",
        "DNS-1123",
    );
    assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
}

#[test]
fn matches_that_are_not_well_formed() {
    only_error_at(
        &with("- {match: {name: 'train-[ab'}, data: none}\n"),
        "persistence.workloads[0].match.name",
        "`[` at character 7 is not closed",
    );
    only_error_at(
        &with("- {match: {source: '[z-a]'}, data: none}\n"),
        "persistence.workloads[0].match.source",
        "backwards",
    );
    only_error_at(
        &with("- {match: {kind: 'apps/Deployment'}, data: none}\n"),
        "persistence.workloads[0].match.kind",
        "`Job.batch.volcano.sh`",
    );
    only_error_at(
        &with("- {match: {kind: []}, data: none}\n"),
        "persistence.workloads[0].match.kind",
        "match every kind",
    );
    only_error_at(
        &with("- {match: {labels: {team: 1}}, data: none}\n"),
        "persistence.workloads[0].match.labels.team",
        "quote it",
    );
    only_error_at(
        &with("- {match: {hook: 'yes'}, data: none}\n"),
        "persistence.workloads[0].match.hook",
        "without quotes",
    );
    // `match:` left empty with its fields one level up: the fields belong under `match`.
    let diags = error_at(
        &with("- match:\n  kind: Job\n  data: none\n"),
        "persistence.workloads[0].kind",
        "put it under `match`",
    );
    assert_eq!(errors(&diags).len(), 1, "{}", list(&diags));
    only_error_at(
        &with("- {match: {}, containers: [Main]}\n"),
        "persistence.workloads[0].containers[0]",
        "container name",
    );
    only_error_at(
        &with("- {match: {nmae: x}}\n"),
        "persistence.workloads[0].match.nmae",
        "did you mean `name`?",
    );
}

#[test]
fn kinds_stowage_never_injects_into_are_a_warning() {
    let (_, diags) = ok(&with("- {match: {kind: Deploymnet}, data: none}\n"));
    find(
        &diags,
        Severity::Warning,
        "persistence.workloads[0].match.kind",
        "did you mean `Deployment`?",
    );
    let (_, diags) = ok(&with("- {match: {kind: [Job, Pipeline]}, data: none}\n"));
    find(
        &diags,
        Severity::Warning,
        "persistence.workloads[0].match.kind[1]",
        "persistence.workloadKinds",
    );
    let (_, diags) = ok(&with("- {match: {kind: Deployment.apps}, data: none}\n"));
    assert!(
        diags
            .iter()
            .all(|d| d.severity != Severity::Warning || !d.message.contains("kind"))
    );
}

#[test]
fn rules_that_never_apply_are_a_warning() {
    let (_, diags) = ok(&with(
        "- {data: none}\n- {match: {kind: Job}, outputs: none}\n",
    ));
    find(
        &diags,
        Severity::Warning,
        "persistence.workloads[1]",
        "`persistence.workloads[0]` comes first and matches every workload",
    );
    let (_, diags) = ok(&with(
        "- {match: {kind: Job}, data: none}\n- {match: {name: x}}\n- {match: {kind: Job}, outputs: none}\n",
    ));
    find(
        &diags,
        Severity::Warning,
        "persistence.workloads[2]",
        "has the same `match`",
    );
    // Rules are named by their place in the list, whatever comes before them.
    let diags = error_at(
        &with("- 5\n- {data: none}\n- {match: {kind: Job}, outputs: none}\n"),
        "persistence.workloads[0]",
        "must be a mapping",
    );
    find(
        &diags,
        Severity::Warning,
        "persistence.workloads[2]",
        "`persistence.workloads[1]` comes first",
    );
    assert_eq!(
        diags
            .iter()
            .filter(|d| d.message.contains("never applies"))
            .count(),
        1,
        "{}",
        list(&diags)
    );
}
