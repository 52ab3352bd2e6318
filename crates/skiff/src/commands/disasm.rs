//! `skiff disasm FILE`: the bytecode the compiler produces for one module.

use crate::source::{load_or_report, print_diagnostics};
use skiff_diagnostics::{has_errors, SourceMap};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn disasm(path: &Path) -> ExitCode {
    let mut sources = SourceMap::new();
    let Some(file) = load_or_report(&mut sources, path) else {
        return ExitCode::FAILURE;
    };
    let parsed = skiff_parser::parse_module(&file.text, file.id);
    if has_errors(&parsed.diagnostics) {
        print_diagnostics(&parsed.diagnostics, &sources);
        return ExitCode::FAILURE;
    }
    let compiled = skiff_compiler::compile_module(&parsed.program, &file);
    print_diagnostics(&compiled.diagnostics, &sources);
    match compiled.module {
        Some(module) => {
            let text = skiff_bytecode::disassemble(&module);
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        None => ExitCode::FAILURE,
    }
}
