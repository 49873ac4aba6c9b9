//! `persistence.workloads`: rules that choose, from the config, what each workload gets — the
//! polyaxonfile's per-job `persistence` for charts whose templates you cannot annotate.
//!
//! The first rule whose [`Match`] fits a workload applies. The planner takes each field from the
//! workload's own `stowage.dev/*` annotation, else from its rule, else the default: a field a rule
//! leaves out (`None`) says nothing.

use super::Glob;
use crate::kinds;

/// One rule of `persistence.workloads` (`persistence.workloads[i]`, `i` its index in
/// [`super::Config::workloads`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkloadRule {
    /// The config key `match`: which workloads the rule is for.
    pub when: Match,
    /// The polyaxonfile's `environment.persistence.data`.
    pub data: Option<DataPick>,
    /// The polyaxonfile's `environment.persistence.outputs`.
    pub outputs: Option<OutputsPick>,
    /// Only these containers of the matched workloads get mounts and env.
    pub containers: Option<Vec<String>>,
    /// `Some(false)`: leave the matched workloads alone.
    pub inject: Option<bool>,
}

/// Which data entries: `none`, or these (names of `persistence.data` entries, as written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataPick {
    None,
    Entries(Vec<String>),
}

/// Which outputs entry: `none`, or this one (a name of a `persistence.outputs` entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputsPick {
    None,
    Entry(String),
}

/// Which workloads a rule is for: every field given must fit; an empty `Match` fits every
/// workload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Match {
    /// Any of these kinds; empty: any kind.
    pub kinds: Vec<KindMatch>,
    /// Glob on `metadata.name`.
    pub name: Option<Glob>,
    /// Glob on the namespace the workload lands in.
    pub namespace: Option<Glob>,
    /// Each of these labels, with this value, on the object or on its pod template.
    pub labels: Vec<(String, String)>,
    /// Glob on the file that rendered the workload.
    pub source: Option<Glob>,
    /// `Some(true)`: Helm hooks only; `Some(false)`: no hooks.
    pub hook: Option<bool>,
}

/// A kind of a `match`. `Job` is the built-in kind of that name in its own group (`batch`), and a
/// kind that is not built in may have any group; `Job.batch.volcano.sh` names the group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindMatch {
    pub kind: String,
    /// The API group the object's `apiVersion` must have; None: any.
    pub group: Option<String>,
}

/// What a `match` looks at, read from one workload by the planner.
#[derive(Clone, Copy, Debug, Default)]
pub struct WorkloadFacts<'a> {
    pub api_version: Option<&'a str>,
    pub kind: &'a str,
    pub name: &'a str,
    /// The namespace the workload lands in: `metadata.namespace`, else `--namespace`, else
    /// `default`.
    pub namespace: &'a str,
    /// The labels of the object and those of its pod templates, in any order.
    pub labels: &'a [(&'a str, &'a str)],
    /// Helm 3's `# Source:`, Helm 4's `postrenderer.helm.sh/postrender-filename` or KRM's
    /// `config.kubernetes.io/path`; None when the stream does not say.
    pub source: Option<&'a str>,
    /// The workload has a `helm.sh/hook` annotation.
    pub hook: bool,
}

impl Match {
    pub fn is_empty(&self) -> bool {
        *self == Match::default()
    }

    pub fn matches(&self, facts: &WorkloadFacts) -> bool {
        let glob = |g: &Option<Glob>, s: &str| g.as_ref().is_none_or(|g| g.matches(s));
        (self.kinds.is_empty() || self.kinds.iter().any(|k| k.matches(facts)))
            && glob(&self.name, facts.name)
            && glob(&self.namespace, facts.namespace)
            && self
                .labels
                .iter()
                .all(|(k, v)| facts.labels.iter().any(|(fk, fv)| fk == k && fv == v))
            && self
                .source
                .as_ref()
                .is_none_or(|g| facts.source.is_some_and(|s| g.matches(s)))
            && self.hook.is_none_or(|hook| hook == facts.hook)
    }
}

impl KindMatch {
    /// `Job` or `Job.batch.volcano.sh`, as a rule writes it. None when it is neither.
    pub fn parse(s: &str) -> Option<KindMatch> {
        let (kind, group) = match s.split_once('.') {
            Some((kind, group)) => (kind, Some(group)),
            None => (s, None),
        };
        let is_kind = kind.starts_with(|c: char| c.is_ascii_alphabetic())
            && kind.bytes().all(|c| c.is_ascii_alphanumeric());
        if !is_kind || group.is_some_and(|g| !crate::k8s::is_dns1123_subdomain(g)) {
            return None;
        }
        let group = match group {
            Some(g) => Some(g.to_string()),
            None => kinds::BUILT_IN
                .iter()
                .find(|b| b.kind == kind)
                .map(|b| b.group.to_string()),
        };
        Some(KindMatch {
            kind: kind.to_string(),
            group,
        })
    }

    pub fn matches(&self, facts: &WorkloadFacts) -> bool {
        self.kind == facts.kind
            && self.group.as_deref().is_none_or(|group| {
                // Without an `apiVersion` the kind alone decides, as for the built-in kinds.
                facts
                    .api_version
                    .is_none_or(|a| kinds::group_of(a) == group)
            })
    }
}

impl super::Config {
    /// The first rule of `persistence.workloads` that matches the workload, with its index.
    pub fn workload_rule(&self, facts: &WorkloadFacts) -> Option<(usize, &WorkloadRule)> {
        self.workloads
            .iter()
            .enumerate()
            .find(|(_, rule)| rule.when.matches(facts))
    }
}
