//! Problems found in input files, reported the way a person wants to read them:
//! file, line and column, the field (in Kubernetes' own path notation), what was expected,
//! and the offending line.
//!
//! ```text
//! error: job.yaml:8:16: spec.parallelism: Invalid value: -1: must be greater than or equal to 0
//!    ╭─[ job.yaml:8:16 ]
//!    │
//!  8 │   parallelism: -1
//!    │                ─┬
//!    │                 ╰── must be greater than or equal to 0
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use super::locate::Position;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in one input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: Option<PathBuf>,
    pub position: Option<Position>,
    /// Field path, e.g. `spec.template.spec.containers[0].resources.requests[cpu]`.
    pub field: Option<String>,
    pub message: String,
    /// A short label for the snippet (defaults to the message).
    pub label: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: None,
            position: None,
            field: None,
            message: message.into(),
            label: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// The same problem, reported as a warning.
    pub fn as_warning(mut self) -> Diagnostic {
        self.severity = Severity::Warning;
        self
    }

    pub fn in_file(mut self, file: &Path) -> Diagnostic {
        self.file = Some(file.to_path_buf());
        self
    }

    pub fn at(mut self, position: Position) -> Diagnostic {
        self.position = Some(position);
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Diagnostic {
        self.field = Some(field.into());
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, as far as known.
    pub fn location(&self) -> String {
        let mut s = String::new();
        if let Some(f) = &self.file {
            s.push_str(&f.display().to_string());
        }
        if let Some(p) = self.position {
            if !s.is_empty() {
                s.push(':');
            }
            s.push_str(&format!("{}:{}", p.line, p.column));
        }
        s
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `error: file:line:col: field: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}: ")?;
        let loc = self.location();
        if !loc.is_empty() {
            write!(f, "{loc}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// All problems found while reading the inputs of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The input files were not accepted.
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s) in the input", .diagnostics.errors().count())]
pub struct InputError {
    pub diagnostics: Diagnostics,
    /// The sources, for snippets.
    pub sources: Vec<(PathBuf, String)>,
}

/// Renders a diagnostic with a snippet of its source line, when the source is known.
/// `color` adds ANSI colours (terminals only).
pub fn render(d: &Diagnostic, sources: &[(PathBuf, String)], color: bool) -> String {
    use ariadne::{Config, Label, Report, ReportKind, Source};
    let mut out = d.to_string();
    out.push('\n');
    let (Some(file), Some(pos)) = (&d.file, d.position) else {
        return out;
    };
    let Some((_, text)) = sources.iter().find(|(p, _)| p == file) else {
        return out;
    };
    if pos.offset > text.len() {
        return out;
    }
    let name = file.display().to_string();
    let label_text = d.label.clone().unwrap_or_else(|| d.message.clone());
    // A very long line (minified or generated YAML, deep nesting) is shown as a window
    // around the column.
    let line_start = text[..pos.offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos.offset..]
        .find('\n')
        .map_or(text.len(), |i| pos.offset + i);
    if text[line_start..line_end].chars().count() > MAX_SNIPPET_LINE {
        out.push_str(&window_snippet(
            &format!("{name}:{}:{}", pos.line, pos.column),
            pos.line,
            &text[line_start..line_end],
            text[line_start..pos.offset].chars().count(),
            &label_text,
        ));
        return out;
    }
    let kind = if d.is_error() {
        ReportKind::Error
    } else {
        ReportKind::Warning
    };
    // ariadne counts characters; positions carry byte offsets.
    let char_offset = text[..pos.offset].chars().count();
    let end = char_offset + token_len(&text[pos.offset..]).max(1);
    let mut buf = Vec::new();
    let report = Report::build(kind, (name.clone(), char_offset..end))
        .with_config(
            Config::default()
                .with_color(color)
                .with_index_type(ariadne::IndexType::Char),
        )
        .with_label(Label::new((name.clone(), char_offset..end)).with_message(label_text))
        .finish();
    if report
        .write((name.clone(), Source::from(text.as_str())), &mut buf)
        .is_ok()
    {
        // ariadne repeats the headline; keep only the snippet part.
        let rendered = String::from_utf8_lossy(&buf);
        let snippet: Vec<&str> = rendered.lines().skip(1).collect();
        out.push_str(&snippet.join("\n"));
        out.push('\n');
    }
    out
}

/// Lines longer than this (in chars) are shown as a window around the column.
const MAX_SNIPPET_LINE: usize = 160;

/// A snippet of `WINDOW` chars either side of `column` (0-based, in chars) of a long line.
fn window_snippet(header: &str, line_no: usize, line: &str, column: usize, label: &str) -> String {
    const WINDOW: usize = 40;
    let chars: Vec<char> = line.chars().collect();
    let from = column.saturating_sub(WINDOW);
    let to = (column + WINDOW).min(chars.len());
    let mut shown: String = chars[from..to].iter().collect();
    let mut caret = column - from;
    if from > 0 {
        shown.insert(0, '…');
        caret += 1;
    }
    if to < chars.len() {
        shown.push('…');
    }
    let num = line_no.to_string();
    let pad = " ".repeat(num.len());
    format!(
        "{pad} ╭─[ {header} ]\n{pad} │\n{num} │ {shown}\n{pad} │ {}^ {label}  (line {line_no} is {} characters long)\n{pad}─╯\n",
        " ".repeat(caret),
        chars.len()
    )
}

/// Length in chars of the token starting a text (up to the end of the line or a
/// separator), for the snippet underline.
fn token_len(text: &str) -> usize {
    text.chars()
        .take_while(|c| !matches!(c, '\n' | '\r' | ',' | '}' | ']' | '#'))
        .collect::<String>()
        .trim_end()
        .chars()
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_form_has_file_line_column_field_and_message() {
        let d = Diagnostic::error("Invalid value: -1: must be greater than or equal to 0")
            .in_file(Path::new("job.yaml"))
            .at(Position {
                offset: 100,
                line: 8,
                column: 16,
            })
            .field("spec.parallelism");
        assert_eq!(
            d.to_string(),
            "error: job.yaml:8:16: spec.parallelism: Invalid value: -1: must be greater than or equal to 0"
        );
    }

    #[test]
    fn long_lines_are_shown_as_a_window() {
        let src = format!("a: {}x{}\n", "[".repeat(500), "]".repeat(500));
        let d = Diagnostic::error("bad")
            .in_file(Path::new("j.yaml"))
            .at(Position {
                offset: 503,
                line: 1,
                column: 504,
            });
        let out = render(&d, &[(PathBuf::from("j.yaml"), src)], false);
        assert!(out.lines().all(|l| l.chars().count() < 150), "{out}");
        assert!(out.contains("[x]"), "{out}");
        assert!(out.contains("is 1004 characters long"), "{out}");
    }

    #[test]
    fn snippet_shows_the_offending_line() {
        let src = "spec:\n  parallelism: -1\n".to_string();
        let d = Diagnostic::error("bad")
            .in_file(Path::new("j.yaml"))
            .at(Position {
                offset: 15,
                line: 2,
                column: 16,
            })
            .label("must be >= 0");
        let out = render(&d, &[(PathBuf::from("j.yaml"), src)], false);
        assert!(out.contains("parallelism: -1"), "{out}");
        assert!(out.contains("must be >= 0"), "{out}");
        assert!(out.starts_with("error: j.yaml:2:16: bad"), "{out}");
    }
}
