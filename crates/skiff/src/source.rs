//! Loading source files and printing diagnostics: the edge where diagnostics become text.

use skiff_diagnostics::{render_all, ColorMode, Diagnostic, FileId, SourceFile, SourceMap, Span};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

/// Colour only on a terminal, and never when `NO_COLOR` is set (<https://no-color.org>).
pub fn stderr_color() -> ColorMode {
    if std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal() {
        ColorMode::Always
    } else {
        ColorMode::Never
    }
}

pub fn print_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap) {
    if !diagnostics.is_empty() {
        write_stderr(&render_all(diagnostics, sources, stderr_color()));
    }
}

/// Writes to stderr, ignoring failures: a closed pipe (`skiff check x | head`) must not turn into
/// a panic, and there is nowhere else to report the failure.
pub fn write_stderr(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Why a file could not be loaded.
pub enum LoadError {
    /// The file could not be read at all (missing, a directory, no permission).
    Io(String),
    /// The file was read but is not UTF-8; the diagnostic points at the first bad byte.
    Diagnostic(Box<Diagnostic>),
}

/// Reads a file into the source map. Invalid UTF-8 becomes a diagnostic at the first bad byte; the
/// file is still added (lossily decoded) so that the diagnostic can show its line.
pub fn load(sources: &mut SourceMap, path: &Path) -> Result<Arc<SourceFile>, LoadError> {
    let bytes = std::fs::read(path)
        .map_err(|e| LoadError::Io(format!("cannot read {}: {e}", path.display())))?;
    let name = path.display().to_string();
    match String::from_utf8(bytes) {
        Ok(text) => Ok(sources.add(name, text)),
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let file = sources.add(name, text);
            let at = u32::try_from(offset).unwrap_or(u32::MAX);
            let span = Span::new(at, at.saturating_add(1));
            Err(LoadError::Diagnostic(Box::new(invalid_utf8(file.id, span))))
        }
    }
}

fn invalid_utf8(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E0001", "this file is not valid UTF-8", file, span)
        .with_label("the first byte that is not UTF-8")
        .with_help("save the file as UTF-8")
}

/// Loads a file, printing what went wrong when it cannot be loaded.
pub fn load_or_report(sources: &mut SourceMap, path: &Path) -> Option<Arc<SourceFile>> {
    match load(sources, path) {
        Ok(file) => Some(file),
        Err(LoadError::Io(message)) => {
            write_stderr(&format!("error: {message}\n"));
            None
        }
        Err(LoadError::Diagnostic(d)) => {
            print_diagnostics(&[*d], sources);
            None
        }
    }
}
