//! `skiff check FILE...`: parse and check without running; every diagnostic of every file.

use crate::source::{load_or_report, print_diagnostics};
use skiff_diagnostics::{has_errors, SourceMap};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn check(files: &[PathBuf]) -> ExitCode {
    let mut sources = SourceMap::new();
    let mut failed = false;
    for path in files {
        let Some(file) = load_or_report(&mut sources, path) else {
            failed = true;
            continue;
        };
        let parsed = skiff_parser::parse_module(&file.text, file.id);
        let mut diagnostics = parsed.diagnostics;
        if !has_errors(&diagnostics) {
            diagnostics.extend(skiff_compiler::compile_module(&parsed.program, &file).diagnostics);
        }
        failed |= has_errors(&diagnostics);
        print_diagnostics(&diagnostics, &sources);
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
