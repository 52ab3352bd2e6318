//! The bytecode compiler: AST → [`skiff_bytecode::Module`].
//!
//! Three passes over one module:
//! 1. `check` — semantic rules that produce diagnostics only (Sendable/Concurrent go here);
//! 2. `scope` — scope analysis: declarations, hoisting, which bindings closures capture;
//! 3. code generation (`compiler`, `expr`, `pattern`, `class`) — registers for uncaptured
//!    bindings, environments for captured ones, jumps, exception tables.
//!
//! Errors never stop compilation early: every pass reports all it finds, and a module is returned
//! only when there are no errors.

mod check;
mod class;
mod compiler;
pub mod diagnostics;
mod emit;
mod expr;
mod pattern;
mod scope;

use skiff_ast::Program;
use skiff_diagnostics::{Diagnostic, SourceFile};
use std::sync::Arc;

/// The result of compiling one module: the module (only when there are no errors) and every
/// diagnostic found.
pub struct CompileResult {
    pub module: Option<Arc<skiff_bytecode::Module>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Compiles a parsed module. `file` supplies the name and the line table for positions.
pub fn compile_module(program: &Program, file: &SourceFile) -> CompileResult {
    let mut diagnostics = Vec::new();
    check::check_program(program, file.id, &mut diagnostics);
    let mut resolver = scope::Resolver::new(file.id, &mut diagnostics);
    resolver.program(program);
    let tree = resolver.tree;
    let compiler = compiler::Compiler::new(file, tree, diagnostics);
    let (module, diagnostics) = compiler.compile_program(program);
    CompileResult {
        module: module.map(Arc::new),
        diagnostics,
    }
}

/// Compiles one REPL line. Top-level `let`/`const`/`var`/`function`/`class`/`enum` declarations
/// become properties of the global object, so later lines (compiled separately) see them; the
/// module body returns the value of the line's last statement when it is an expression statement
/// (otherwise undefined). Imports and exports behave as in a module.
pub fn compile_repl_line(program: &Program, file: &SourceFile) -> CompileResult {
    let mut diagnostics = Vec::new();
    check::check_program(program, file.id, &mut diagnostics);
    let mut resolver = scope::Resolver::new(file.id, &mut diagnostics);
    resolver.program(program);
    let tree = resolver.tree;
    let mut compiler = compiler::Compiler::new(file, tree, diagnostics);
    compiler.repl = true;
    let (module, diagnostics) = compiler.compile_program(program);
    CompileResult {
        module: module.map(Arc::new),
        diagnostics,
    }
}

#[cfg(test)]
mod tests;
