//! The report as text: for a terminal (a unified diff of each volume section, coloured on
//! request), as JSON, and as Markdown for a pull-request comment.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::compare::{Change, Level, Report};

/// ANSI colours, or none.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when writing to a terminal and `NO_COLOR` is unset or empty (<https://no-color.org>).
    pub fn for_terminal(is_terminal: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: is_terminal && !no_color,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn level(&self, level: Level) -> String {
        let code = match level {
            Level::Danger => "1;31",
            Level::Warning => "33",
            Level::Info => "36",
        };
        self.paint(code, &format!("{:<7}", level.as_str()))
    }
}

fn unified(before: Option<&str>, after: Option<&str>) -> String {
    let (a, b) = (before.unwrap_or(""), after.unwrap_or(""));
    let diff = similar::TextDiff::from_lines(a, b);
    // The whole section, so each change is read in its context.
    diff.unified_diff()
        .context_radius(usize::MAX / 4)
        .header(
            if before.is_some() {
                "previous"
            } else {
                "/dev/null"
            },
            if after.is_some() { "new" } else { "/dev/null" },
        )
        .to_string()
}

fn summary_line(report: &Report) -> String {
    let total = report.changes().count();
    if total == 0 {
        return format!(
            "no volume changes ({} workload{} compared)",
            report.compared,
            plural(report.compared)
        );
    }
    format!(
        "{total} volume change{}: {} danger, {} warning, {} info ({} workload{} compared)",
        plural(total),
        report.count(Level::Danger),
        report.count(Level::Warning),
        report.count(Level::Info),
        report.compared,
        plural(report.compared)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn containers_text(c: &Change) -> String {
    c.containers.join(", ")
}

/// The human report: per changed workload a header, the unified diff of its volume section and
/// its classified changes; then a summary line.
pub fn human(report: &Report, style: Style) -> String {
    let mut s = String::new();
    for w in &report.workloads {
        let _ = writeln!(s, "{}", style.paint("1", &w.title));
        for line in unified(w.before.as_deref(), w.after.as_deref()).lines() {
            let painted = if line.starts_with("---") || line.starts_with("+++") {
                style.paint("1", line)
            } else if line.starts_with('-') {
                style.paint("31", line)
            } else if line.starts_with('+') {
                style.paint("32", line)
            } else if line.starts_with("@@") {
                style.paint("36", line)
            } else {
                line.to_string()
            };
            let _ = writeln!(s, "  {painted}");
        }
        for c in &w.changes {
            let at = if c.containers.is_empty() {
                c.field.clone()
            } else {
                format!("{} [{}]", c.field, containers_text(c))
            };
            let _ = writeln!(s, "  {} {at}: {}", style.level(c.level), c.message);
        }
        s.push('\n');
    }
    let _ = writeln!(s, "{}", summary_line(report));
    s
}

/// The `--output json` shape (documented in the README).
pub fn json(report: &Report) -> String {
    let changes: Vec<Value> = report
        .changes()
        .map(|c| {
            let mut o = serde_json::Map::new();
            o.insert("severity".into(), json!(c.level.as_str()));
            o.insert("kind".into(), json!(c.kind));
            o.insert("namespace".into(), json!(c.namespace));
            o.insert("name".into(), json!(c.name));
            if !c.containers.is_empty() {
                o.insert("container".into(), json!(containers_text(c)));
            }
            o.insert("field".into(), json!(c.field));
            o.insert("before".into(), json!(c.before));
            o.insert("after".into(), json!(c.after));
            o.insert("message".into(), json!(c.message));
            Value::Object(o)
        })
        .collect();
    let doc = json!({
        "changes": changes,
        "summary": {
            "danger": report.count(Level::Danger),
            "warning": report.count(Level::Warning),
            "info": report.count(Level::Info),
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON of plain values");
    s.push('\n');
    s
}

fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

fn code_cell(text: Option<&str>) -> String {
    match text {
        None => "—".to_string(),
        Some(t) => format!("`{}`", cell(&t.replace('`', "'"))),
    }
}

/// The `--output markdown` report, for a pull-request comment.
pub fn markdown(report: &Report) -> String {
    let mut s = String::from("### stowage: volume changes\n\n");
    let total = report.changes().count();
    if total == 0 {
        let _ = writeln!(
            s,
            "No volume changes ({} workload{} compared).",
            report.compared,
            plural(report.compared)
        );
        return s;
    }
    let count = |l: Level| match report.count(l) {
        0 => format!("0 {}", l.as_str()),
        n if l == Level::Info => format!("{n} info"),
        n => format!("**{n} {}**", l.as_str()),
    };
    let _ = writeln!(
        s,
        "{}, {}, {} — {total} change{} in {} workload{} ({} compared).\n",
        count(Level::Danger),
        count(Level::Warning),
        count(Level::Info),
        plural(total),
        report.workloads.len(),
        plural(report.workloads.len()),
        report.compared
    );
    for w in &report.workloads {
        let _ = writeln!(s, "#### {}\n", cell(&w.title));
        s.push_str("| severity | container | field | before | after | change |\n");
        s.push_str("|---|---|---|---|---|---|\n");
        for c in &w.changes {
            let level = match c.level {
                Level::Info => "info".to_string(),
                l => format!("**{}**", l.as_str()),
            };
            let _ = writeln!(
                s,
                "| {level} | {} | `{}` | {} | {} | {} |",
                if c.containers.is_empty() {
                    "—".to_string()
                } else {
                    cell(&containers_text(c))
                },
                cell(&c.field),
                code_cell(c.before.as_deref()),
                code_cell(c.after.as_deref()),
                cell(&c.message)
            );
        }
        let _ = writeln!(
            s,
            "\n<details><summary>volume section diff</summary>\n\n```diff\n{}```\n\n</details>\n",
            unified(w.before.as_deref(), w.after.as_deref())
        );
    }
    s
}
