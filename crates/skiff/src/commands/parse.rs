//! `skiff parse --ast FILE`: the syntax tree, for debugging the front end.

use crate::source::{load_or_report, print_diagnostics};
use skiff_diagnostics::{has_errors, SourceMap};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn parse(path: &Path) -> ExitCode {
    let mut sources = SourceMap::new();
    let Some(file) = load_or_report(&mut sources, path) else {
        return ExitCode::FAILURE;
    };
    let parsed = skiff_parser::parse_module(&file.text, file.id);
    // A closed pipe (`skiff parse x | head`) ends the output quietly instead of panicking.
    let _ = writeln!(std::io::stdout().lock(), "{:#?}", parsed.program);
    print_diagnostics(&parsed.diagnostics, &sources);
    if has_errors(&parsed.diagnostics) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
