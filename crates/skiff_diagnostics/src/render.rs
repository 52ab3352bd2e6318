//! Rendering diagnostics to text. This is the only place that knows how diagnostics look.

use crate::{Diagnostic, Severity, SourceMap};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor};
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorMode {
    /// ANSI colours: for a terminal.
    Always,
    /// Plain text: for pipes, files and tests.
    Never,
}

impl<'a> Files<'a> for SourceMap {
    type FileId = crate::FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: Self::FileId) -> Result<Self::Name, FilesError> {
        self.get(id)
            .map(|f| f.name.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: Self::FileId) -> Result<Self::Source, FilesError> {
        self.get(id)
            .map(|f| &*f.text)
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: Self::FileId, byte_index: usize) -> Result<usize, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        let starts = file.line_starts();
        let offset = u32::try_from(byte_index).unwrap_or(u32::MAX);
        Ok(match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        })
    }

    fn line_range(
        &'a self,
        id: Self::FileId,
        line_index: usize,
    ) -> Result<Range<usize>, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        let starts = file.line_starts();
        let len = file.text.len();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })? as usize;
        let end = starts
            .get(line_index + 1)
            .map(|&s| s as usize)
            .unwrap_or(len);
        Ok(start.min(len)..end.min(len))
    }
}

fn to_codespan(d: &Diagnostic, sources: &SourceMap) -> cs::Diagnostic<crate::FileId> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let len = sources.get(d.file).map(|f| f.text.len()).unwrap_or(0);
    let clamp = |s: crate::Span| (s.start as usize).min(len)..(s.end as usize).min(len);
    let mut primary = cs::Label::primary(d.file, clamp(d.span));
    if let Some(label) = &d.label {
        primary = primary.with_message(label.clone());
    }
    let mut labels = vec![primary];
    labels.extend(
        d.secondary
            .iter()
            .map(|l| cs::Label::secondary(d.file, clamp(l.span)).with_message(l.message.clone())),
    );
    let mut out = cs::Diagnostic::new(severity)
        .with_code(d.code)
        .with_message(d.message.clone())
        .with_labels(labels);
    if let Some(help) = &d.help {
        out = out.with_notes(vec![format!("help: {help}")]);
    }
    out
}

/// Renders one diagnostic as text: the message with its code, `file:line:col`, the source line
/// with a caret, and the help line.
pub fn render(d: &Diagnostic, sources: &SourceMap, color: ColorMode) -> String {
    render_all(std::slice::from_ref(d), sources, color)
}

/// At most this many diagnostics are shown; the rest are counted. Malformed input can have a
/// diagnostic per token (found by the hostile-input suite: 20 000 stray identifiers on one line
/// rendered 12 MB per 1 000 diagnostics).
pub const MAX_RENDERED: usize = 100;

/// Source lines longer than this (in bytes) are not quoted: the diagnostic shows its position
/// only, so that a 50 MB line is not printed once per diagnostic.
pub const MAX_QUOTED_LINE: usize = 1000;

/// Renders several diagnostics, one after another (at most [`MAX_RENDERED`], then a count of
/// the others).
pub fn render_all(ds: &[Diagnostic], sources: &SourceMap, color: ColorMode) -> String {
    let config = term::Config::default();
    let mut buffer = match color {
        ColorMode::Always => termcolor::Buffer::ansi(),
        ColorMode::Never => termcolor::Buffer::no_color(),
    };
    for d in ds.iter().take(MAX_RENDERED) {
        // Writing into an in-memory buffer only fails when a span lies outside its file, which
        // `to_codespan` prevents by clamping; fall back to a one-line rendering all the same.
        if quotes_long_line(d, sources)
            || term::emit_to_write_style(&mut buffer, &config, sources, &to_codespan(d, sources))
                .is_err()
        {
            let _ = std::io::Write::write_all(&mut buffer, compact(d, sources).as_bytes());
        }
    }
    if ds.len() > MAX_RENDERED {
        let more = format!(
            "note: {} more diagnostics not shown\n",
            ds.len() - MAX_RENDERED
        );
        let _ = std::io::Write::write_all(&mut buffer, more.as_bytes());
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

/// Whether a label of `d` lies on a line longer than [`MAX_QUOTED_LINE`].
fn quotes_long_line(d: &Diagnostic, sources: &SourceMap) -> bool {
    let spans = std::iter::once(d.span).chain(d.secondary.iter().map(|l| l.span));
    spans.into_iter().any(|span| {
        [span.start, span.end].into_iter().any(|at| {
            sources
                .line_index(d.file, at as usize)
                .and_then(|line| sources.line_range(d.file, line))
                .is_ok_and(|r| r.len() > MAX_QUOTED_LINE)
        })
    })
}

/// A diagnostic without its source line: message, `file:line:col` and help.
fn compact(d: &Diagnostic, sources: &SourceMap) -> String {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let location = sources
        .get(d.file)
        .map(|f| f.location(d.span))
        .unwrap_or_default();
    let mut out = format!("{severity}[{}]: {}\n  --> {location}\n", d.code, d.message);
    if let Some(help) = &d.help {
        out.push_str(&format!("  = help: {help}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Diagnostic, Span};

    #[test]
    fn renders_location_caret_and_help() {
        let mut map = SourceMap::new();
        let file = map.add("a.ets", "let x = 1;\nlet y = ;\n");
        let d = Diagnostic::error(
            "E0001",
            "expected an expression",
            file.id,
            Span::new(19, 20),
        )
        .with_label("here")
        .with_help("write a value after `=`");
        let text = render(&d, &map, ColorMode::Never);
        assert!(
            text.contains("error[E0001]: expected an expression"),
            "{text}"
        );
        assert!(text.contains("a.ets:2:9"), "{text}");
        assert!(text.contains("let y = ;"), "{text}");
        assert!(text.contains("help: write a value"), "{text}");
    }

    #[test]
    fn line_col_counts_characters() {
        let mut map = SourceMap::new();
        let file = map.add("u.ets", "é = 1;\nab");
        assert_eq!(file.line_col(2), crate::LineCol { line: 1, col: 2 });
        assert_eq!(file.line_col(9), crate::LineCol { line: 2, col: 2 });
    }

    #[test]
    fn long_lines_and_many_diagnostics_are_bounded() {
        let mut map = SourceMap::new();
        let text = "a ".repeat(5_000);
        let file = map.add("g.ets", text.as_str());
        let ds: Vec<Diagnostic> = (0..1_000)
            .map(|i| {
                Diagnostic::error(
                    "E2001",
                    "unexpected identifier",
                    file.id,
                    Span::new(2 * i, 2 * i + 1),
                )
            })
            .collect();
        let out = render_all(&ds, &map, ColorMode::Never);
        assert!(
            out.contains("error[E2001]: unexpected identifier\n  --> g.ets:1:3\n"),
            "{out}"
        );
        assert!(
            out.ends_with("note: 900 more diagnostics not shown\n"),
            "{out}"
        );
        assert!(out.len() < 10_000, "{} bytes", out.len());
    }
}
