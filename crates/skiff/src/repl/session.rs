//! One REPL session: a VM whose globals persist from line to line, and the evaluation of a chunk
//! of input (one or more complete statements) into the text the REPL prints.

use skiff_ast::{ImportSpecifier, Stmt};
use skiff_diagnostics::{render_all, ColorMode, SourceMap};
use skiff_runtime::instance::Attached;
use skiff_runtime::limits::Limits;
use skiff_runtime::loader::FileLoader;
use skiff_vm::module::RunError;
use skiff_vm::vm::attention;
use skiff_vm::{repl_support, Vm};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The attention flag of the current session's VM, for the Ctrl+C handler (which runs on its
/// own thread): setting `INTERRUPT` makes the running line throw at its next safepoint.
static RUNNING_VM: Mutex<Option<Arc<AtomicU32>>> = Mutex::new(None);

/// Ctrl+C was pressed during the current line.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Ctrl+C while a line runs (the line editor has the terminal in raw mode while it reads, so
/// the signal only arrives while a line is evaluated): interrupts it.
pub fn interrupt_running_line() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    if let Some(flag) = RUNNING_VM
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
    {
        flag.fetch_or(attention::INTERRUPT, Ordering::SeqCst);
    }
}

pub struct Session {
    vm: Vm,
    /// The VM as the main instance of a runtime, so lines can use Workers and the TaskPool.
    instance: Attached,
    limits: Limits,
    sources: SourceMap,
    /// Lines evaluated so far; line `n` is compiled as the module `REPL<n>`.
    count: u32,
    /// Colour diagnostics (output is a terminal).
    color: bool,
}

impl Session {
    pub fn new(color: bool, limits: Limits) -> Session {
        let mut vm = Vm::new();
        vm.set_loader(Box::new(FileLoader::new()));
        let instance = skiff_runtime::instance::attach(&mut vm, limits.clone());
        *RUNNING_VM.lock().unwrap_or_else(|p| p.into_inner()) = Some(vm.attention.clone());
        // Between lines the VM waits for the user: parked, so that Workers and tasks still
        // running can collect the shared heap (see `eval`).
        vm.park();
        Session {
            vm,
            instance,
            limits,
            sources: SourceMap::default(),
            count: 0,
            color,
        }
    }

    /// Evaluates a complete chunk of input; returns what to print (with a final newline), or
    /// nothing for blank input. Script output (`console.log`) is written as it happens.
    pub fn eval(&mut self, input: &str) -> String {
        if input.trim().is_empty() {
            return String::new();
        }
        self.vm.unpark();
        let out = self.eval_unparked(input);
        self.vm.park();
        out
    }

    fn eval_unparked(&mut self, input: &str) -> String {
        self.count += 1;
        let name = format!("REPL{}", self.count);
        // Like node: `{ a: 1 }` on its own is an object literal, not a block.
        let trimmed = input.trim();
        let wrapped = format!("({trimmed})\n");
        let source = if trimmed.starts_with('{')
            && trimmed.ends_with('}')
            && skiff_parser::parse_module(&wrapped, skiff_diagnostics::FileId(0))
                .diagnostics
                .iter()
                .all(|d| !d.is_error())
        {
            wrapped
        } else {
            input.to_string()
        };
        let source = with_imports_as_globals(source);
        let file = self.sources.add(name, source);
        let parsed = skiff_parser::parse_module(&file.text, file.id);
        if parsed.diagnostics.iter().any(|d| d.is_error()) {
            return self.render(&parsed.diagnostics);
        }
        let is_expression = matches!(parsed.program.body.last(), Some(Stmt::Expr(_)));
        let compiled = skiff_compiler::compile_repl_line(&parsed.program, &file);
        let mut out = String::new();
        if !compiled.diagnostics.is_empty() {
            out.push_str(&self.render(&compiled.diagnostics));
        }
        let Some(module) = compiled.module else {
            return out;
        };
        // A Ctrl+C that arrived between lines must not interrupt this one.
        INTERRUPTED.store(false, Ordering::SeqCst);
        self.vm
            .attention
            .fetch_and(!attention::INTERRUPT, Ordering::SeqCst);
        // Like a script, a line runs until nothing can happen any more: timers fire, and
        // answers from Workers and pool threads arrive, before the next prompt.
        let instance = &self.instance;
        let mut settle = |vm: &mut Vm| instance.wait_for(vm, |_| false);
        // Values are coloured like node's REPL on a terminal.
        let options = skiff_vm::inspect::Options {
            depth: 2,
            colors: self.color,
        };
        match repl_support::eval_repl_module_then(&mut self.vm, module, &mut settle) {
            Ok(v) if is_expression => {
                repl_support::set_global(&mut self.vm, "_", v);
                out.push_str(&skiff_vm::inspect::inspect_with(&self.vm, v, &options));
                out.push('\n');
            }
            Ok(_) => {
                let undefined = skiff_vm::Value::UNDEFINED;
                out.push_str(&skiff_vm::inspect::inspect_with(
                    &self.vm, undefined, &options,
                ));
                out.push('\n');
            }
            Err(RunError::Uncaught(e)) => {
                out.push_str(&self.vm.format_uncaught(e));
                out.push('\n');
                if INTERRUPTED.load(Ordering::SeqCst) {
                    // An interrupted line's timers would run again at once: drop them.
                    self.vm.event_loop.clear_timers();
                }
            }
            Err(RunError::Load(message)) => {
                out.push_str(message.trim_end());
                out.push('\n');
            }
        }
        out
    }

    fn render(&self, diagnostics: &[skiff_diagnostics::Diagnostic]) -> String {
        let color = if self.color {
            ColorMode::Always
        } else {
            ColorMode::Never
        };
        render_all(diagnostics, &self.sources, color)
    }

    /// The limits this session was started with (`.clear` keeps them).
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The VM, for tab completion (read only: completion never runs script code).
    pub fn vm(&self) -> &Vm {
        &self.vm
    }
}

/// Imports are bindings of the line's own module, which later lines cannot see; so a line that
/// imports also copies each imported binding to a global of the same name (imports are
/// initialised before the body runs, so the copy can come first, on the first line).
fn with_imports_as_globals(source: String) -> String {
    let parsed = skiff_parser::parse_module(&source, skiff_diagnostics::FileId(0));
    let mut prefix = String::new();
    for stmt in &parsed.program.body {
        let Stmt::Import(decl) = stmt else { continue };
        if decl.type_only {
            continue;
        }
        for spec in &decl.specifiers {
            let local = match spec {
                ImportSpecifier::Default(id) | ImportSpecifier::Namespace(id) => id,
                ImportSpecifier::Named {
                    local, type_only, ..
                } => {
                    if *type_only {
                        continue;
                    }
                    local
                }
            };
            prefix.push_str(&format!("globalThis.{0} = {0}; ", local.name));
        }
    }
    if prefix.is_empty() {
        source
    } else {
        prefix + &source
    }
}
