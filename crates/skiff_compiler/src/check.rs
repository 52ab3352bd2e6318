//! Semantic checks that run on the AST before code generation.
//!
//! This is the place for the Sendable/Concurrent rules (`@Sendable` classes, `@Concurrent`
//! functions): they need the AST with its type annotations and report `E3xxx`/`E4xxx`
//! diagnostics without producing code. The pass currently checks nothing; it is called from
//! `compile_module` so that adding rules needs no change elsewhere.

use skiff_ast::Program;
use skiff_diagnostics::{Diagnostic, FileId};

/// Runs every check over `program`, appending diagnostics.
pub fn check_program(program: &Program, file: FileId, diagnostics: &mut Vec<Diagnostic>) {
    let _ = (program, file, diagnostics);
}
