//! Diagnostics: every error, warning and note stowage reports, with the place it points at.
//!
//! Every stage returns plain `Diagnostic`s; the CLI prints them on stderr, the KRM adapter turns them
//! into `results`. A diagnostic names where the problem is (a config path, or a document of the
//! stream with its `# Source:`, kind/name and line) and, where we can, what to do about it.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Where a diagnostic points. All parts are optional; the more we know, the more we say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// Where the config came from: a values file path, `in-stream Persistence document`, `functionConfig`.
    pub config_source: Option<String>,
    /// A dotted config path such as `persistence.data.data-s3.bucket`.
    pub config_path: Option<String>,
    /// 1-based index of the document in the input stream.
    pub document: Option<usize>,
    /// The Helm 3 `# Source:` comment or Helm 4 `postrenderer.helm.sh/postrender-filename` of the document.
    pub source: Option<String>,
    /// A KRM item's file in the user's package (`internal.config.kubernetes.io/path`) and the
    /// object's index in it.
    pub file: Option<String>,
    pub index: Option<usize>,
    /// `Kind/name` (with namespace when known: `Kind/namespace/name`).
    pub object: Option<String>,
    /// A field path inside the object, e.g. `spec.template.spec.containers[0].env`.
    pub field: Option<String>,
    /// 1-based line and column in the input stream (or config file).
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Place {
    pub fn config(source: impl Into<String>, path: impl Into<String>) -> Place {
        Place {
            config_source: Some(source.into()),
            config_path: Some(path.into()),
            ..Place::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Place::default()
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = &self.config_source {
            match (self.line, self.column) {
                (Some(l), Some(c)) if self.document.is_none() => parts.push(format!("{s}:{l}:{c}")),
                (Some(l), None) if self.document.is_none() => parts.push(format!("{s}:{l}")),
                _ => parts.push(s.clone()),
            }
        }
        if let Some(p) = &self.config_path {
            parts.push(format!("`{p}`"));
        }
        if let Some(file) = &self.file {
            let mut s = file.clone();
            if let Some(i) = self.index {
                s.push_str(&format!(" (object {} of the file)", i + 1));
            }
            parts.push(s);
        }
        if let Some(d) = self.document {
            let mut s = format!("document {d}");
            match (self.line, self.column) {
                (Some(l), Some(c)) => s.push_str(&format!(" (line {l}, column {c})")),
                (Some(l), None) => s.push_str(&format!(" (line {l})")),
                _ => {}
            }
            parts.push(s);
        } else if self.config_source.is_none() && self.file.is_none() {
            match (self.line, self.column) {
                (Some(l), Some(c)) => parts.push(format!("line {l}, column {c}")),
                (Some(l), None) => parts.push(format!("line {l}")),
                _ => {}
            }
        }
        if let Some(s) = &self.source {
            parts.push(format!("# Source: {s}"));
        }
        if let Some(o) = &self.object {
            parts.push(o.clone());
        }
        if let Some(fl) = &self.field {
            parts.push(format!("field `{fl}`"));
        }
        write!(f, "{}", parts.join(", "))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub place: Place,
    pub message: String,
    /// What to do about it ("did you mean `existingClaim`?").
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(severity: Severity, place: Place, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            place,
            message: message.into(),
            hint: None,
        }
    }
    pub fn error(place: Place, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, place, message)
    }
    pub fn warning(place: Place, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, place, message)
    }
    pub fn note(place: Place, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Note, place, message)
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `error: document 3 (line 40), # Source: chart/templates/job.yaml, Job/train: message (hint: ...)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.severity.as_str())?;
        if !self.place.is_empty() {
            write!(f, "{}: ", self.place)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// Suggest the closest candidate for a misspelt name (Levenshtein distance ≤ 1/3 of the length, at least 2).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests;
