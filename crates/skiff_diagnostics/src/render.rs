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

/// Renders several diagnostics, one after another.
pub fn render_all(ds: &[Diagnostic], sources: &SourceMap, color: ColorMode) -> String {
    let config = term::Config::default();
    let mut buffer = match color {
        ColorMode::Always => termcolor::Buffer::ansi(),
        ColorMode::Never => termcolor::Buffer::no_color(),
    };
    for d in ds {
        // Writing into an in-memory buffer only fails when a span lies outside its file, which
        // `to_codespan` prevents by clamping; fall back to a one-line rendering all the same.
        if term::emit_to_write_style(&mut buffer, &config, sources, &to_codespan(d, sources))
            .is_err()
        {
            let location = sources
                .get(d.file)
                .map(|f| f.location(d.span))
                .unwrap_or_default();
            let line = format!("error[{}]: {} at {location}\n", d.code, d.message);
            let _ = std::io::Write::write_all(&mut buffer, line.as_bytes());
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
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
}
