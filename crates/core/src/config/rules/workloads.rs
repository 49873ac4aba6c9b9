//! `persistence.workloads`: each rule's `match` (kinds, globs, labels, hook) and what it picks
//! (entry names that exist, containers), and rules that can never apply.

use super::Checker;
use crate::config::raw::{Names, RawMatch, RawRule};
use crate::config::{
    DataPick, Glob, KindMatch, Match, OutputsPick, Role, WorkloadKind, WorkloadRule,
};
use crate::kinds;
use crate::report::did_you_mean;

/// The entry names a rule may pick: every entry declared, including those with errors (their
/// own errors are reported where they are).
pub(in crate::config) struct Declared<'a> {
    pub data: Vec<&'a str>,
    pub outputs: Vec<&'a str>,
}

impl Declared<'_> {
    fn of(&self, role: Role) -> &[&str] {
        match role {
            Role::Data => &self.data,
            Role::Outputs => &self.outputs,
        }
    }
}

impl Checker<'_> {
    pub(in crate::config) fn workloads(
        &mut self,
        items: &[Option<RawRule>],
        declared: &Declared,
        workload_kinds: &[WorkloadKind],
    ) -> Vec<WorkloadRule> {
        // With the index each has in `persistence.workloads` (an item that is not a rule is the
        // schema's to report).
        let mut rules: Vec<(usize, WorkloadRule)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(raw) = item else { continue };
            let at = format!("persistence.workloads[{i}]");
            let when = match &raw.when {
                Some(m) => self.when(&format!("{at}.match"), m, workload_kinds),
                None => Match::default(),
            };
            let rule = WorkloadRule {
                data: raw
                    .data
                    .as_ref()
                    .map(|names| self.data_pick(&format!("{at}.data"), names, declared)),
                outputs: raw
                    .outputs
                    .as_deref()
                    .map(|name| self.outputs_pick(&format!("{at}.outputs"), name, declared)),
                containers: self.containers(&format!("{at}.containers"), raw.containers.as_deref()),
                inject: raw.inject,
                when,
            };
            if let Some((k, earlier)) = rules
                .iter()
                .find(|(_, r)| r.when.is_empty() || r.when == rule.when)
            {
                let why = if earlier.when.is_empty() {
                    "matches every workload"
                } else {
                    "has the same `match`"
                };
                self.warning(
                    &at,
                    format!("this rule never applies: `persistence.workloads[{k}]` comes first and {why}"),
                    Some("the first rule that matches a workload applies: merge the two, or give the earlier one a narrower `match`".into()),
                );
            }
            rules.push((i, rule));
        }
        rules.into_iter().map(|(_, rule)| rule).collect()
    }

    fn when(&mut self, at: &str, m: &RawMatch, workload_kinds: &[WorkloadKind]) -> Match {
        let kinds = match &m.kind {
            Some(Names::One(kind)) => self
                .kind(&format!("{at}.kind"), kind, workload_kinds)
                .into_iter()
                .collect(),
            Some(Names::List(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(j, kind)| {
                    let kind = kind.as_deref()?;
                    self.kind(&format!("{at}.kind[{j}]"), kind, workload_kinds)
                })
                .collect(),
            None => Vec::new(),
        };
        Match {
            kinds,
            name: self.glob(&format!("{at}.name"), m.name.as_deref()),
            namespace: self.glob(&format!("{at}.namespace"), m.namespace.as_deref()),
            labels: m.labels.clone(),
            source: self.glob(&format!("{at}.source"), m.source.as_deref()),
            hook: m.hook,
        }
    }

    /// A kind of a `match`: its form, and a warning when stowage would never treat it as a
    /// workload (the rule could not match it).
    fn kind(&mut self, at: &str, s: &str, workload_kinds: &[WorkloadKind]) -> Option<KindMatch> {
        let Some(k) = KindMatch::parse(s) else {
            self.error(
                at,
                format!("`{s}` is not a kind: write a kind such as `Job`, or a kind and its API group such as `Job.batch.volcano.sh`"),
                None,
            );
            return None;
        };
        let built_in = kinds::BUILT_IN
            .iter()
            .any(|b| b.kind == k.kind && k.group.as_deref().is_none_or(|g| g == b.group));
        let configured = workload_kinds.iter().any(|w| {
            w.kind == k.kind
                && match (&k.group, &w.api_version) {
                    (Some(group), Some(api_version)) => kinds::group_of(api_version) == group,
                    _ => true,
                }
        });
        if !built_in && !configured {
            let known = kinds::BUILT_IN
                .iter()
                .map(|b| b.kind)
                .chain(workload_kinds.iter().map(|w| w.kind.as_str()));
            // The kind is right but its group is not: name the groups it has.
            let groups: Vec<String> = kinds::BUILT_IN
                .iter()
                .filter(|b| b.kind == k.kind)
                .map(|b| format!("`{}`", kinds::qualified(b)))
                .collect();
            let hint = match did_you_mean(&k.kind, known) {
                _ if !groups.is_empty() => format!("did you mean {}?", groups.join(" or ")),
                Some(kind) => format!("did you mean `{kind}`?"),
                _ => "stowage injects into its built-in workload kinds and those of `persistence.workloadKinds`; add this kind there".into(),
            };
            self.warning(
                at,
                format!("`{s}` is not a workload kind stowage injects into: this never matches"),
                Some(hint),
            );
        }
        Some(k)
    }

    fn glob(&mut self, at: &str, s: Option<&str>) -> Option<Glob> {
        match Glob::new(s?) {
            Ok(g) => Some(g),
            Err(e) => {
                self.error(
                    at,
                    format!("`{}` is not a glob: {e}", s.unwrap_or_default()),
                    Some("globs are `*`, `?` and `[...]` (`[a-z]`, `[!0-9]`); write `[[]` for a literal `[`".into()),
                );
                None
            }
        }
    }

    /// `data`: `none`, names separated by commas (like the `stowage.dev/data` annotation), or a
    /// list of names.
    fn data_pick(&mut self, at: &str, names: &Names, declared: &Declared) -> DataPick {
        let listed: Vec<(String, &str)> = match names {
            Names::One(s) if s.trim() == "none" => return DataPick::None,
            Names::One(s) => s
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| (at.to_string(), n))
                .collect(),
            Names::List(items) => items
                .iter()
                .enumerate()
                .filter_map(|(j, n)| Some((format!("{at}[{j}]"), n.as_deref()?)))
                .collect(),
        };
        let mut picked: Vec<String> = Vec::new();
        for (path, name) in listed {
            if picked.iter().any(|p| p == name) {
                self.error(&path, format!("`{name}` is listed twice"), None);
            } else if self.entry_exists(&path, name, Role::Data, declared) {
                picked.push(name.to_string());
            }
        }
        DataPick::Entries(picked)
    }

    fn outputs_pick(&mut self, at: &str, name: &str, declared: &Declared) -> OutputsPick {
        if name.trim() == "none" {
            return OutputsPick::None;
        }
        self.entry_exists(at, name.trim(), Role::Outputs, declared);
        OutputsPick::Entry(name.trim().to_string())
    }

    /// Whether `name` is an entry of `role`; an error with a suggestion when it is not.
    fn entry_exists(&mut self, at: &str, name: &str, role: Role, declared: &Declared) -> bool {
        let names = declared.of(role);
        if names.contains(&name) {
            return true;
        }
        let other = match role {
            Role::Data => Role::Outputs,
            Role::Outputs => Role::Data,
        };
        let hint = if declared.of(other).contains(&name) {
            format!(
                "`{name}` is {} entry: pick it with `{}`",
                a(other),
                other.key()
            )
        } else if let Some(close) = did_you_mean(name, names.iter().copied()) {
            format!("did you mean `{close}`?")
        } else if name == "none" {
            format!(
                "for no {} entries write `{}: none`, not a list",
                role.key(),
                role.key()
            )
        } else if names.is_empty() {
            format!("`persistence.{}` has no entries", role.key())
        } else {
            let known: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("the {} entries are {}", role.key(), known.join(", "))
        };
        self.error(
            at,
            format!("`{name}` is not {} entry of the config", a(role)),
            Some(hint),
        );
        false
    }
}

/// "a data", "an outputs".
fn a(role: Role) -> &'static str {
    match role {
        Role::Data => "a data",
        Role::Outputs => "an outputs",
    }
}
