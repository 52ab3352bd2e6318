//! Code generation: the compiler state, scopes and bindings at code-generation time, functions,
//! the module body and statements. Expressions, patterns and classes are in sibling modules.

use crate::diagnostics as diag;
use crate::emit::FnBuilder;
use crate::scope::{node, BindKind, FuncId, ScopeId, ScopeKind, ScopeTree};
use rustc_hash::{FxHashMap, FxHashSet};
use skiff_ast::*;
use skiff_bytecode::{
    Const, EnvSlot, ErrorKind, ExportEntry, Func, FunctionFlags, FunctionProto, ImportEntry,
    ImportName, Instr, Jump, Module, Reg, SlotInit,
};
use skiff_diagnostics::{Diagnostic, FileId, SourceFile};
use std::sync::Arc;

/// Where a binding lives at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    Reg(Reg),
    Env(u16),
    Import(u16),
    /// An import that is never used as a value (erased, as TypeScript does).
    Dead,
    /// A REPL top-level declaration: a property of the global object, so later lines see it.
    Global,
}

pub(crate) struct ActiveScope {
    pub id: ScopeId,
    /// The scope has a run-time environment in the chain (pushed, or the module env).
    pub has_env: bool,
    pub pushed: bool,
    pub locs: Vec<Loc>,
    pub reg_mark: u32,
}

/// A resolved reference.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    pub place: Place,
    pub kind: BindKind,
    pub needs_tdz: bool,
    pub scope: ScopeId,
    pub index: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    Reg(Reg),
    Env { hops: u16, slot: u16 },
    Import(u16),
    Global,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Route {
    Break(usize),
    Continue(usize),
    Return,
}

pub(crate) enum ControlKind {
    Loop {
        breaks: Vec<usize>,
        continues: Vec<usize>,
        /// A for-of iterator that must be closed when control leaves the loop early.
        iter: Option<(Reg, bool)>,
    },
    /// A switch or a labelled non-loop statement.
    Block { breaks: Vec<usize> },
    Finally {
        kind_reg: Reg,
        value_reg: Reg,
        entries: Vec<usize>,
        routes: Vec<Route>,
    },
}

pub(crate) struct Control {
    pub labels: Vec<String>,
    pub kind: ControlKind,
    /// The environment depth that `continue` and finally routing expect.
    pub env_depth: u32,
    /// The environment depth at the break target.
    pub break_depth: u32,
    /// An unlabelled `break` may target this control (loops and switches).
    pub unlabelled_break: bool,
}

/// Completion kinds in a finally block's kind register. Routes are numbered from `ROUTE_BASE`.
pub(crate) const COMPLETION_NORMAL: i32 = 0;
pub(crate) const COMPLETION_THROW: i32 = 1;
pub(crate) const ROUTE_BASE: i32 = 2;

pub(crate) struct FnCtx {
    pub b: FnBuilder,
    /// The scope-tree function this context compiles (kept for debugging and future checks).
    #[allow(dead_code)]
    pub func: FuncId,
    pub scopes: Vec<ActiveScope>,
    pub env_depth: u32,
    pub controls: Vec<Control>,
    pub flags: FunctionFlags,
    pub is_arrow: bool,
    pub is_async: bool,
    pub is_generator: bool,
    pub is_derived_ctor: bool,
    pub is_module: bool,
    /// A function declaration: created at scope entry, before textually earlier code runs.
    pub hoisted: bool,
    pub start: u32,
    pub opt_chain: Vec<Vec<usize>>,
    /// TypeScript parameter properties of a constructor (assigned after `this` exists).
    pub param_props: Vec<(String, Reg)>,
    /// The function may use `super.x` (methods, accessors, constructors, field initializers).
    pub has_home: bool,
    /// Class constructor kind, for `super()` validity.
    #[allow(dead_code)]
    pub is_class_ctor: bool,
    /// A class constructor whose class has instance fields or private methods (`InitFields`).
    pub init_fields: bool,
    /// For a namespace body: the namespace's full dotted path.
    pub ns_path: Option<String>,
    /// A temporary just allocated for the expression being compiled (see `expr_fresh`).
    pub fresh: Option<Reg>,
}

pub struct Compiler<'a> {
    pub(crate) file: &'a SourceFile,
    pub(crate) fid: FileId,
    pub(crate) tree: ScopeTree,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) functions: Vec<Option<FunctionProto>>,
    pub(crate) fns: Vec<FnCtx>,
    pub(crate) env_slots: Vec<EnvSlot>,
    pub(crate) requests: Vec<Arc<str>>,
    pub(crate) imports: Vec<ImportEntry>,
    pub(crate) exports: Vec<ExportEntry>,
    /// Layouts of the module's Sendable classes, in source order (`class.rs`).
    pub(crate) sendable_classes: Vec<skiff_bytecode::SendableClassInfo>,
    /// Type aliases and enums of the module (Sendable field types, `class.rs`).
    pub(crate) sendable_generic_names: FxHashSet<String>,
    /// Non-generic type aliases of the module and their definitions.
    pub(crate) sendable_aliases: FxHashMap<String, skiff_ast::Type>,
    pub(crate) export_names: FxHashSet<String>,
    /// Values of `const enum` members, keyed by the enum's binding.
    pub(crate) const_enums: FxHashMap<(ScopeId, usize), FxHashMap<String, EnumValue>>,
    /// Values of all enum members (used to fold references between members).
    pub(crate) type_names: FxHashSet<String>,
    pub(crate) overflow_reported: bool,
    /// Compiling a REPL line: top-level declarations become globals and the body returns the
    /// value of a final expression statement.
    pub(crate) repl: bool,
    /// The assignment target being stored was written inside parentheses or a type assertion
    /// (`(c as any) = 1`): assignments to constants then fail at run time instead of compile time.
    pub(crate) wrapped_target: bool,
    /// Set just before binding a top-level destructuring pattern: `Some(text)` names the
    /// destructured expression for error messages (`Cannot destructure property 'a' of 'u' …`),
    /// `Some(None)` when it has no short text. Nested patterns see `None`.
    pub(crate) destructure_src: Option<Option<String>>,
    /// Exported names of every namespace path, across all of its (merged) blocks.
    pub(crate) ns_exports: FxHashMap<String, FxHashSet<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum EnumValue {
    Num(f64),
    Str(String),
}

pub(crate) struct FnSpec<'n> {
    pub name: String,
    pub flags: u32,
    pub hoisted: bool,
    pub start: u32,
    pub span: (u32, u32),
    pub is_class_ctor: bool,
    pub derived: bool,
    pub has_home: bool,
    /// For class constructors: the class (whether it has instance elements to initialise).
    pub class: Option<&'n Class>,
}

impl<'a> Compiler<'a> {
    pub fn new(file: &'a SourceFile, tree: ScopeTree, diags: Vec<Diagnostic>) -> Self {
        Compiler {
            file,
            fid: file.id,
            tree,
            diags,
            functions: Vec::new(),
            fns: Vec::new(),
            env_slots: Vec::new(),
            requests: Vec::new(),
            imports: Vec::new(),
            exports: Vec::new(),
            sendable_classes: Vec::new(),
            sendable_generic_names: FxHashSet::default(),
            sendable_aliases: FxHashMap::default(),
            export_names: FxHashSet::default(),
            const_enums: FxHashMap::default(),
            type_names: FxHashSet::default(),
            overflow_reported: false,
            repl: false,
            wrapped_target: false,
            destructure_src: None,
            ns_exports: FxHashMap::default(),
        }
    }

    // --- small helpers -------------------------------------------------------------------------

    pub(crate) fn f(&mut self) -> &mut FnCtx {
        let n = self.fns.len() - 1;
        &mut self.fns[n]
    }

    pub(crate) fn fr(&self) -> &FnCtx {
        &self.fns[self.fns.len() - 1]
    }

    pub(crate) fn emit(&mut self, i: Instr) -> usize {
        self.f().b.emit(i)
    }

    pub(crate) fn alloc(&mut self) -> Reg {
        self.f().b.alloc()
    }

    pub(crate) fn alloc_n(&mut self, n: u32) -> Reg {
        self.f().b.alloc_n(n)
    }

    pub(crate) fn mark(&self) -> u32 {
        self.fr().b.mark()
    }

    pub(crate) fn release(&mut self, m: u32) {
        self.f().b.release(m)
    }

    pub(crate) fn pos(&mut self, span: Span) {
        self.f().b.set_pos(span.start);
    }

    pub(crate) fn str_const(&mut self, s: &str) -> Const {
        self.f().b.str_const(s)
    }

    pub(crate) fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub(crate) fn unsupported(&mut self, span: Span, what: &str) {
        let d = diag::unsupported(self.fid, span, what);
        self.diags.push(d);
    }

    pub(crate) fn throw_error(&mut self, kind: ErrorKind, msg: &str) {
        let msg = self.str_const(msg);
        self.emit(Instr::ThrowError { kind, msg });
    }

    pub(crate) fn jump(&mut self) -> usize {
        self.f().b.jump()
    }

    pub(crate) fn patch_here(&mut self, at: usize) {
        self.f().b.patch_here(at)
    }

    pub(crate) fn pc(&self) -> usize {
        self.fr().b.pc()
    }

    // --- scopes --------------------------------------------------------------------------------

    /// Opens the scope introduced by a node at code-generation time. `preset` gives registers that
    /// already hold some bindings (simple parameters).
    pub(crate) fn enter_scope(&mut self, id: ScopeId, preset: &[(String, Reg)]) {
        let reg_mark = self.mark();
        let n = self.tree.scopes[id].bindings.len();
        let kind = self.tree.scopes[id].kind;
        let mut locs = Vec::with_capacity(n);
        let mut env_size: u16 = 0;
        let mut init_holes = Vec::new();
        let mut init_undef = Vec::new();
        let first_scope_of_fn = self.fr().scopes.is_empty();
        for i in 0..n {
            let b = self.tree.scopes[id].bindings[i].clone();
            let loc = if b.captured && b.kind != BindKind::Import {
                let s = env_size;
                env_size = env_size.saturating_add(1);
                Loc::Env(s)
            } else if let Some((_, r)) = preset.iter().find(|(name, _)| *name == b.name) {
                Loc::Reg(*r)
            } else {
                let lexical = b.kind.is_lexical() || b.name == "%this";
                let early = b.early_ref || kind == ScopeKind::Switch;
                let is_var = b.kind == BindKind::Var || b.kind == BindKind::EnumOrNamespace;
                let r = self.f().b.alloc();
                if lexical && early || b.name == "%this" {
                    init_holes.push(r);
                } else if is_var && !first_scope_of_fn {
                    init_undef.push(r);
                }
                Loc::Reg(r)
            };
            locs.push(loc);
        }
        let pushed = env_size > 0;
        if pushed {
            self.emit(Instr::PushEnv { size: env_size });
            self.f().env_depth += 1;
        }
        for r in init_holes {
            self.emit(Instr::LoadHole { dst: r });
        }
        for r in init_undef {
            self.emit(Instr::LoadUndefined { dst: r });
        }
        self.f().scopes.push(ActiveScope {
            id,
            has_env: pushed,
            pushed,
            locs,
            reg_mark,
        });
        // Captured `var`s start as undefined, not as holes.
        let vars: Vec<u16> = (0..n)
            .filter_map(|i| {
                let b = &self.tree.scopes[id].bindings[i];
                match (b.kind, self.fr().scopes.last().map(|s| s.locs[i])) {
                    (BindKind::Var | BindKind::EnumOrNamespace, Some(Loc::Env(slot))) => Some(slot),
                    _ => None,
                }
            })
            .collect();
        if !vars.is_empty() {
            let m = self.mark();
            let r = self.alloc();
            self.emit(Instr::LoadUndefined { dst: r });
            for slot in vars {
                self.emit(Instr::StoreEnv {
                    src: r,
                    hops: 0,
                    slot,
                });
            }
            self.release(m);
        }
    }

    pub(crate) fn exit_scope(&mut self) {
        if let Some(s) = self.f().scopes.pop() {
            if s.pushed {
                self.emit(Instr::PopEnv);
                self.f().env_depth -= 1;
            }
            self.release(s.reg_mark);
        }
    }

    pub(crate) fn scope_id<T>(&self, kind: u8, node: &T) -> Option<ScopeId> {
        self.tree.scope_of(kind, node)
    }

    /// Resolves a name at code-generation time.
    pub(crate) fn resolve(&self, name: &str, pos: u32) -> Option<Resolved> {
        let cur = self.fns.len() - 1;
        let mut hops: u32 = 0;
        for fi in (0..self.fns.len()).rev() {
            for sc in self.fns[fi].scopes.iter().rev() {
                let scope = &self.tree.scopes[sc.id];
                if let Some(i) = scope.lookup(name) {
                    let b = &scope.bindings[i];
                    let place = match sc.locs[i] {
                        Loc::Reg(r) => {
                            if fi != cur {
                                // Pass 1 marks every cross-function reference captured, so this
                                // cannot happen; treat the name as a global rather than panic.
                                return None;
                            }
                            Place::Reg(r)
                        }
                        Loc::Env(slot) => Place::Env {
                            hops: u16::try_from(hops).unwrap_or(u16::MAX),
                            slot,
                        },
                        Loc::Import(idx) => Place::Import(idx),
                        Loc::Dead => return None,
                        Loc::Global => Place::Global,
                    };
                    let needs_tdz = if b.kind == BindKind::Param {
                        fi == cur && pos < b.init_end
                    } else if b.kind.is_lexical() {
                        if fi == cur {
                            pos < b.init_end || scope.kind == ScopeKind::Switch
                        } else {
                            let inner = &self.fns[fi + 1];
                            inner.hoisted
                                || inner.start < b.init_end
                                || scope.kind == ScopeKind::Switch
                        }
                    } else {
                        false
                    };
                    return Some(Resolved {
                        place,
                        kind: b.kind,
                        needs_tdz,
                        scope: sc.id,
                        index: i,
                    });
                }
                if sc.has_env {
                    hops += 1;
                }
            }
        }
        None
    }

    /// Loads a resolved binding into `dst` (with a TDZ check when needed).
    pub(crate) fn load_resolved(&mut self, r: &Resolved, name: &str, dst: Reg) {
        match r.place {
            Place::Reg(src) => self.f().b.mov(dst, src),
            Place::Env { hops, slot } => {
                self.emit(Instr::LoadEnv { dst, hops, slot });
            }
            Place::Import(idx) => {
                self.emit(Instr::LoadImport { dst, idx });
                return;
            }
            Place::Global => {
                let ic = self.f().b.ic(name);
                self.emit(Instr::LoadGlobal { dst, ic });
                return;
            }
        }
        if r.needs_tdz && r.kind == BindKind::Param {
            // A parameter read by an earlier parameter's default value: always in its TDZ.
            let msg = format!("Cannot access '{name}' before initialization");
            self.throw_error(ErrorKind::ReferenceError, &msg);
        } else if r.needs_tdz {
            let name = self.str_const(name);
            self.emit(Instr::CheckTdz { src: dst, name });
        }
    }

    /// Stores `src` into a resolved binding. `init` is true for the declaration's own
    /// initialisation (no TDZ or const checks).
    pub(crate) fn store_resolved(
        &mut self,
        r: &Resolved,
        name: &str,
        src: Reg,
        init: bool,
        span: Span,
    ) {
        if !init {
            if r.kind == BindKind::Const
                || r.kind == BindKind::Class && self.is_class_inner_binding(r)
            {
                if self.wrapped_target {
                    // `(c as any) = v` type-checks in TypeScript, so it fails at run time, as
                    // in JavaScript (after the TDZ check).
                    if r.needs_tdz {
                        let m = self.mark();
                        let t = self.alloc();
                        self.load_resolved(r, name, t);
                        self.release(m);
                    }
                    self.throw_error(ErrorKind::TypeError, "Assignment to constant variable.");
                    return;
                }
                let d = diag::assign_to_const(self.fid, name, span);
                self.error(d);
                return;
            }
            if r.kind == BindKind::Import && !self.wrapped_target {
                let d = diag::assign_to_import(self.fid, name, span);
                self.error(d);
                return;
            }
            if r.needs_tdz {
                let m = self.mark();
                let t = self.alloc();
                self.load_resolved(r, name, t);
                self.release(m);
            }
        }
        match r.place {
            Place::Reg(dst) => self.f().b.mov(dst, src),
            Place::Env { hops, slot } => {
                self.emit(Instr::StoreEnv { src, hops, slot });
            }
            Place::Import(_) => {
                self.throw_error(ErrorKind::TypeError, "Assignment to constant variable.");
            }
            Place::Global if init => {
                // A REPL declaration defines (or redefines) a global property.
                let m = self.mark();
                let g = self.alloc();
                let ic = self.f().b.ic("globalThis");
                self.emit(Instr::LoadGlobal { dst: g, ic });
                let ic = self.f().b.ic(name);
                self.emit(Instr::DefineNamed {
                    obj: g,
                    value: src,
                    ic,
                });
                self.release(m);
            }
            Place::Global => {
                let ic = self.f().b.ic(name);
                self.emit(Instr::StoreGlobal { src, ic });
            }
        }
    }

    fn is_class_inner_binding(&self, r: &Resolved) -> bool {
        self.tree.scopes[r.scope].kind == ScopeKind::Class
    }

    /// Initialises the binding `name` declared in the innermost scope that has it.
    pub(crate) fn init_binding(&mut self, id: &Ident, src: Reg) {
        if let Some(r) = self.resolve(&id.name, u32::MAX) {
            self.store_resolved(&r, &id.name, src, true, id.span);
        }
    }

    // --- functions -----------------------------------------------------------------------------

    pub(crate) fn reserve_function(&mut self) -> Func {
        self.functions.push(None);
        Func((self.functions.len() - 1) as u32)
    }

    pub(crate) fn push_fn(&mut self, func: FuncId, spec: &FnSpec<'_>) {
        let flags = FunctionFlags(spec.flags | FunctionFlags::STRICT);
        let is_arrow = flags.has(FunctionFlags::ARROW);
        self.fns.push(FnCtx {
            b: FnBuilder::new(),
            func,
            scopes: Vec::new(),
            env_depth: 0,
            controls: Vec::new(),
            flags,
            is_arrow,
            is_async: flags.has(FunctionFlags::ASYNC),
            is_generator: flags.has(FunctionFlags::GENERATOR),
            is_derived_ctor: spec.derived,
            is_module: flags.has(FunctionFlags::MODULE_BODY),
            hoisted: spec.hoisted,
            start: spec.start,
            opt_chain: Vec::new(),
            param_props: Vec::new(),
            has_home: spec.has_home,
            is_class_ctor: spec.is_class_ctor,
            init_fields: spec.class.map(class_has_instance_elements).unwrap_or(false),
            ns_path: None,
            fresh: None,
        });
    }

    pub(crate) fn pop_fn(
        &mut self,
        idx: Func,
        name: &str,
        param_count: u16,
        length: u16,
        span: (u32, u32),
    ) {
        let Some(ctx) = self.fns.pop() else { return };
        if let Some(what) = ctx.b.overflow {
            if !self.overflow_reported {
                self.overflow_reported = true;
                let d = diag::too_large(self.fid, Span::new(span.0, span.0.max(span.1)), what);
                self.diags.push(d);
            }
        }
        let proto = ctx.b.finish(
            self.file,
            Arc::from(name),
            ctx.flags,
            param_count,
            length,
            span,
        );
        if let Some(slot) = self.functions.get_mut(idx.0 as usize) {
            *slot = Some(proto);
        }
    }

    /// Compiles a function with parameters and a body; returns its index in the function table.
    pub(crate) fn compile_function(&mut self, f: &Function, mut spec: FnSpec<'_>) -> Func {
        if f.is_async {
            spec.flags |= FunctionFlags::ASYNC;
        }
        if f.is_generator {
            spec.flags |= FunctionFlags::GENERATOR;
        }
        if f.decorators.iter().any(|d| d.name() == Some("Concurrent")) {
            spec.flags |= FunctionFlags::CONCURRENT;
        }
        if f.decorators.iter().any(|d| d.name() == Some("Sendable"))
            || crate::class::starts_with_use_sendable(f.body.as_ref().map(|b| &b.body[..]))
        {
            spec.flags |= FunctionFlags::SENDABLE;
        }
        let func_id = self.tree.func_of(node::FUNCTION, f).unwrap_or(0);
        let scope = self.scope_id(node::FUNCTION, f);
        let body: &[Stmt] = f.body.as_ref().map(|b| &b.body[..]).unwrap_or(&[]);
        self.compile_body(
            func_id,
            scope,
            &f.params,
            FnBody::Stmts(body),
            spec,
            f.name.as_ref(),
        )
    }

    pub(crate) fn compile_arrow(&mut self, a: &ArrowFunction, name: &str) -> Func {
        let mut flags = FunctionFlags::ARROW;
        if a.is_async {
            flags |= FunctionFlags::ASYNC;
        }
        let func_id = self.tree.func_of(node::ARROW, a).unwrap_or(0);
        let scope = self.scope_id(node::ARROW, a);
        let spec = FnSpec {
            name: name.to_string(),
            flags,
            hoisted: false,
            start: a.span.start,
            span: (a.span.start, a.span.end),
            is_class_ctor: false,
            derived: false,
            has_home: false,
            class: None,
        };
        let body = match &a.body {
            ArrowBody::Expr(e) => FnBody::Expr(e),
            ArrowBody::Block(b) => FnBody::Stmts(&b.body),
        };
        self.compile_body(func_id, scope, &a.params, body, spec, None)
    }

    pub(crate) fn compile_body(
        &mut self,
        func_id: FuncId,
        scope: Option<ScopeId>,
        params: &[Param],
        body: FnBody<'_>,
        spec: FnSpec<'_>,
        self_name: Option<&Ident>,
    ) -> Func {
        let idx = self.reserve_function();
        self.push_fn(func_id, &spec);
        let params: Vec<&Param> = params
            .iter()
            .filter(|p| !crate::scope::is_this_param(p))
            .collect();
        let rest_index = params.iter().position(|p| p.rest);
        let param_count = rest_index
            .unwrap_or(params.len())
            .min(usize::from(u16::MAX)) as u16;
        let length = params
            .iter()
            .position(|p| p.rest || p.default.is_some())
            .unwrap_or(params.len())
            .min(usize::from(u16::MAX)) as u16;
        let first = self.alloc_n(u32::from(param_count));
        // Simple parameters stay in their argument registers.
        let mut preset = Vec::new();
        for (i, p) in params.iter().enumerate().take(param_count as usize) {
            if let Pattern::Ident(id) = &p.pattern {
                preset.push((id.name.clone(), first.offset(i as u16)));
            }
        }
        if let Some(sid) = scope {
            self.enter_scope(sid, &preset);
        }
        // Hidden bindings.
        if self.fr().is_derived_ctor {
            if let Some(r) = self.resolve("%ctor", u32::MAX) {
                if matches!(r.place, Place::Env { .. }) {
                    let m = self.mark();
                    let t = self.alloc();
                    self.emit(Instr::LoadCallee { dst: t });
                    self.store_resolved(&r, "%ctor", t, true, Span::DUMMY);
                    self.release(m);
                }
                // An uncaptured `%ctor` is never read: `super()` in the constructor itself
                // uses `LoadCallee` directly.
            }
        }
        if let Some(sid) = scope {
            if self.tree.scopes[sid].lookup("arguments").is_some()
                && self.tree.scopes[sid].bindings
                    [self.tree.scopes[sid].lookup("arguments").unwrap_or(0)]
                .kind
                    == BindKind::Hidden
            {
                self.f().flags.set(FunctionFlags::NEEDS_ARGUMENTS);
                let m = self.mark();
                let t = self.alloc();
                self.emit(Instr::CreateArguments { dst: t });
                if let Some(r) = self.resolve("arguments", u32::MAX) {
                    self.store_resolved(&r, "arguments", t, true, Span::DUMMY);
                }
                self.release(m);
            }
        }
        if let Some(id) = self_name {
            if let Some(r) = self.resolve(&id.name, u32::MAX) {
                if r.kind == BindKind::Hidden && Some(r.scope) == scope {
                    let m = self.mark();
                    let t = self.alloc();
                    self.emit(Instr::LoadCallee { dst: t });
                    self.store_resolved(&r, &id.name, t, true, id.span);
                    self.release(m);
                }
            }
        }
        // Parameters: defaults, destructuring, rest, captured simple parameters.
        for (i, p) in params.iter().enumerate() {
            let m = self.mark();
            let src = if p.rest {
                self.f().flags.set(FunctionFlags::NEEDS_ARGUMENTS);
                let t = self.alloc();
                self.emit(Instr::CreateRest {
                    dst: t,
                    start: i.min(usize::from(u16::MAX)) as u16,
                });
                t
            } else {
                first.offset(i as u16)
            };
            if let Some(d) = &p.default {
                let skip = self.emit(Instr::JumpIfNotUndefined {
                    src,
                    offset: Jump(0),
                });
                let hint = match &p.pattern {
                    Pattern::Ident(id) => id.name.clone(),
                    _ => String::new(),
                };
                self.expr_named(d, src, &hint);
                self.patch_here(skip);
            }
            match &p.pattern {
                Pattern::Ident(id) => {
                    if let Some(r) = self.resolve(&id.name, u32::MAX) {
                        if r.place != Place::Reg(src) {
                            self.store_resolved(&r, &id.name, src, true, id.span);
                        }
                    }
                }
                pat => {
                    self.destructure_src = Some(None);
                    self.bind_pattern(pat, src, BindMode::Declare);
                    self.destructure_src = None;
                }
            }
            if p.modifiers.is_parameter_property() {
                if let Pattern::Ident(id) = &p.pattern {
                    self.f().param_props.push((id.name.clone(), src));
                }
            }
            self.release(m);
        }
        if spec.is_class_ctor && !spec.derived {
            // TypeScript assigns parameter properties before the field initialisers run.
            self.emit_param_props();
            if self.fr().init_fields {
                let m = self.mark();
                let c = self.alloc();
                let t = self.alloc();
                self.emit(Instr::LoadCallee { dst: c });
                self.emit(Instr::LoadThis { dst: t });
                self.emit(Instr::InitFields { ctor: c, this: t });
                self.release(m);
            }
        }
        let body_stmts: &[Stmt] = match body {
            FnBody::Stmts(s) => s,
            FnBody::Expr(_) => &[],
        };
        self.hoist_functions(body_stmts);
        if self.fr().is_generator {
            self.emit(Instr::InitialYield);
        }
        match body {
            FnBody::Stmts(stmts) => {
                for s in stmts {
                    self.stmt(s);
                }
                self.emit_implicit_return();
            }
            FnBody::Expr(e) => {
                let m = self.mark();
                let r = self.alloc();
                self.expr(e, r);
                self.emit(Instr::Return { src: r });
                self.release(m);
            }
        }
        self.pop_fn(idx, &spec.name, param_count, length, spec.span);
        idx
    }

    pub(crate) fn emit_param_props(&mut self) {
        let props = std::mem::take(&mut self.f().param_props);
        if props.is_empty() {
            return;
        }
        let m = self.mark();
        let this = self.alloc();
        self.load_this(this, Span::DUMMY);
        for (name, _) in &props {
            let v = self.alloc();
            if let Some(r) = self.resolve(name, u32::MAX) {
                self.load_resolved(&r, name, v);
            }
            let ic = self.f().b.ic(name);
            self.emit(Instr::SetNamed {
                obj: this,
                value: v,
                ic,
            });
        }
        self.release(m);
        self.f().param_props = props;
    }

    pub(crate) fn emit_implicit_return(&mut self) {
        if self.fr().is_derived_ctor {
            let m = self.mark();
            let u = self.alloc();
            let t = self.alloc();
            self.emit(Instr::LoadUndefined { dst: u });
            self.load_this_binding_raw(t);
            self.emit(Instr::ReturnDerived { value: u, this: t });
            self.release(m);
        } else {
            self.emit(Instr::ReturnUndefined);
        }
    }

    /// Loads `this` without the TDZ check (derived constructors' binding may be the hole).
    pub(crate) fn load_this_binding_raw(&mut self, dst: Reg) {
        if let Some(r) = self.resolve("%this", u32::MAX) {
            let mut r = r;
            r.needs_tdz = false;
            self.load_resolved(&r, "%this", dst);
        } else {
            self.emit(Instr::LoadThis { dst });
        }
    }

    /// Hoists the function declarations of a statement list: creates their closures at scope entry.
    pub(crate) fn hoist_functions(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            let f = match s {
                Stmt::Function(f) => f,
                Stmt::Export(e) => match &e.kind {
                    ExportKind::Decl(Stmt::Function(f)) => f,
                    ExportKind::DefaultFunction(f) if f.name.is_some() => f,
                    _ => continue,
                },
                _ => continue,
            };
            let (Some(name), Some(_)) = (&f.name, &f.body) else {
                continue;
            };
            if f.declare {
                continue;
            }
            let spec = FnSpec {
                name: name.name.clone(),
                flags: 0,
                hoisted: true,
                start: f.span.start,
                span: (f.span.start, f.span.end),
                is_class_ctor: false,
                derived: false,
                has_home: false,
                class: None,
            };
            // Module-level functions in the environment are instantiated by the VM.
            if self.fns.len() == 1 && self.fr().scopes.len() == 1 {
                if let Some(r) = self.resolve(&name.name, u32::MAX) {
                    if let Place::Env { hops: 0, slot } = r.place {
                        let func = self.compile_function(f, spec);
                        if let Some(s) = self.env_slots.get_mut(slot as usize) {
                            s.init = SlotInit::Function(func);
                        }
                        continue;
                    }
                }
            }
            let func = self.compile_function(f, spec);
            let m = self.mark();
            let t = self.alloc();
            self.emit(Instr::Closure { dst: t, func });
            self.init_binding(name, t);
            self.release(m);
        }
    }

    // --- the module ----------------------------------------------------------------------------

    pub fn compile_program(mut self, p: &Program) -> (Option<Module>, Vec<Diagnostic>) {
        let idx = self.reserve_function();
        let spec = FnSpec {
            name: String::new(),
            flags: FunctionFlags::MODULE_BODY,
            hoisted: false,
            start: 0,
            span: (p.span.start, p.span.end),
            is_class_ctor: false,
            derived: false,
            has_home: false,
            class: None,
        };
        self.push_fn(0, &spec);
        self.collect_type_names(&p.body);
        self.collect_sendable_generic_names(&p.body);
        crate::scope::collect_namespace_exports(&p.body, &mut Vec::new(), &mut self.ns_exports);
        self.module_scope(p);
        self.hoist_functions(&p.body);
        let n = p.body.len();
        for (i, s) in p.body.iter().enumerate() {
            match s {
                Stmt::Expr(e) if self.repl && i + 1 == n => {
                    // The REPL prints the value of the last expression statement.
                    let r = self.alloc();
                    self.expr(&e.expr, r);
                    self.emit(Instr::Return { src: r });
                }
                s => self.stmt(s),
            }
        }
        self.emit(Instr::ReturnUndefined);
        self.pop_fn(idx, "", 0, 0, spec.span);
        let mut functions = Vec::with_capacity(self.functions.len());
        for f in self.functions.drain(..) {
            match f {
                Some(f) => functions.push(f),
                None => {
                    // Only possible after an internal error, which produced a diagnostic.
                    functions.push(FunctionProto {
                        name: Arc::from(""),
                        flags: FunctionFlags(FunctionFlags::STRICT),
                        param_count: 0,
                        length: 0,
                        register_count: 0,
                        code: vec![Instr::ReturnUndefined].into(),
                        constants: Box::new([]),
                        ic_sites: Box::new([]),
                        handlers: Box::new([]),
                        lines: Box::new([]),
                        callee_names: Box::new([]),
                        span: (0, 0),
                    })
                }
            }
        }
        let module = Module {
            file: Arc::from(self.file.name.as_str()),
            source: self.file.text.clone(),
            functions,
            env_slots: std::mem::take(&mut self.env_slots),
            requests: std::mem::take(&mut self.requests),
            imports: std::mem::take(&mut self.imports),
            exports: std::mem::take(&mut self.exports),
            sendable_classes: std::mem::take(&mut self.sendable_classes),
            shared: !self.repl && crate::check::is_shared_module(p),
        };
        let ok = !skiff_diagnostics::has_errors(&self.diags);
        (ok.then_some(module), self.diags)
    }

    fn collect_type_names(&mut self, body: &[Stmt]) {
        for s in body {
            let s = match s {
                Stmt::Export(e) => match &e.kind {
                    ExportKind::Decl(d) => d,
                    _ => continue,
                },
                s => s,
            };
            match s {
                Stmt::Interface(i) => {
                    self.type_names.insert(i.name.name.clone());
                }
                Stmt::TypeAlias(t) => {
                    self.type_names.insert(t.name.name.clone());
                }
                Stmt::Function(f) if f.body.is_none() || f.declare => {
                    if let Some(n) = &f.name {
                        self.type_names.insert(n.name.clone());
                    }
                }
                Stmt::Class(c) if c.declare => {
                    if let Some(n) = &c.name {
                        self.type_names.insert(n.name.clone());
                    }
                }
                Stmt::Var(v) if v.declare => {
                    let mut names = Vec::new();
                    for d in &v.decls {
                        crate::scope::pattern_names(&d.target, &mut names);
                    }
                    for n in names {
                        self.type_names.insert(n.name.clone());
                    }
                }
                Stmt::Enum(e) if e.declare => {
                    self.type_names.insert(e.name.name.clone());
                }
                _ => {}
            }
        }
    }

    fn request_index(&mut self, spec: &str) -> u16 {
        if let Some(i) = self.requests.iter().position(|r| &**r == spec) {
            return i as u16;
        }
        self.requests.push(Arc::from(spec));
        (self.requests.len() - 1).min(usize::from(u16::MAX)) as u16
    }

    /// Lays out the module scope: imports, environment slots, registers; records imports/exports.
    fn module_scope(&mut self, p: &Program) {
        let Some(sid) = self.scope_id(node::PROGRAM, p) else {
            return;
        };
        // Requests in source order (side-effect imports included).
        let mut import_of: FxHashMap<String, (u16, ImportName)> = FxHashMap::default();
        for s in &p.body {
            match s {
                Stmt::Import(imp) if !imp.type_only => {
                    let any_used = imp.specifiers.is_empty()
                        || imp.specifiers.iter().any(|sp| {
                            let local = match sp {
                                ImportSpecifier::Default(id) | ImportSpecifier::Namespace(id) => id,
                                ImportSpecifier::Named {
                                    local, type_only, ..
                                } => {
                                    if *type_only {
                                        return false;
                                    }
                                    local
                                }
                            };
                            self.binding_used(sid, &local.name)
                        });
                    if !any_used {
                        continue;
                    }
                    let req = self.request_index(&imp.source.value);
                    for sp in &imp.specifiers {
                        match sp {
                            ImportSpecifier::Default(id) => {
                                import_of.insert(
                                    id.name.clone(),
                                    (req, ImportName::Named(Arc::from("default"))),
                                );
                            }
                            ImportSpecifier::Namespace(id) => {
                                import_of.insert(id.name.clone(), (req, ImportName::Namespace));
                            }
                            ImportSpecifier::Named {
                                imported,
                                local,
                                type_only,
                                ..
                            } => {
                                if !type_only {
                                    import_of.insert(
                                        local.name.clone(),
                                        (req, ImportName::Named(Arc::from(imported.name()))),
                                    );
                                }
                            }
                        }
                    }
                }
                Stmt::Export(e) => match &e.kind {
                    ExportKind::Named {
                        source: Some(src),
                        type_only: false,
                        ..
                    }
                    | ExportKind::All { source: src, .. } => {
                        self.request_index(&src.value);
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        let n = self.tree.scopes[sid].bindings.len();
        let mut locs = Vec::with_capacity(n);
        let reg_mark = self.mark();
        let mut init_holes = Vec::new();
        for i in 0..n {
            let b = self.tree.scopes[sid].bindings[i].clone();
            let loc = if self.repl && b.kind != BindKind::Import && b.kind != BindKind::Hidden {
                Loc::Global
            } else if b.kind == BindKind::Import {
                match import_of.get(&b.name) {
                    Some((req, name)) if b.used => {
                        self.imports.push(ImportEntry {
                            request: *req,
                            name: name.clone(),
                            local: Arc::from(b.name.as_str()),
                            offset: b.span.start,
                        });
                        Loc::Import((self.imports.len() - 1) as u16)
                    }
                    _ => Loc::Dead,
                }
            } else if b.captured {
                let init = match b.kind {
                    BindKind::Var | BindKind::Function | BindKind::EnumOrNamespace => {
                        SlotInit::Undefined
                    }
                    BindKind::Hidden => SlotInit::Undefined,
                    _ => SlotInit::Hole,
                };
                self.env_slots.push(EnvSlot {
                    name: Arc::from(b.name.as_str()),
                    init,
                    immutable: b.kind == BindKind::Const,
                });
                Loc::Env((self.env_slots.len() - 1) as u16)
            } else {
                let r = self.alloc();
                if b.kind.is_lexical() && b.early_ref {
                    init_holes.push(r);
                }
                Loc::Reg(r)
            };
            locs.push(loc);
        }
        for r in init_holes {
            self.emit(Instr::LoadHole { dst: r });
        }
        self.f().scopes.push(ActiveScope {
            id: sid,
            has_env: true,
            pushed: false,
            locs,
            reg_mark,
        });
        // Exports.
        for s in &p.body {
            let Stmt::Export(e) = s else { continue };
            match &e.kind {
                ExportKind::Decl(d) => {
                    for name in crate::scope::declared_names(d) {
                        self.export_local(&name, &name, e.span, &import_of);
                    }
                }
                ExportKind::DefaultExpr(_) => {
                    self.export_local("*default*", "default", e.span, &import_of)
                }
                ExportKind::DefaultFunction(f) => {
                    let local = f
                        .name
                        .as_ref()
                        .map(|n| n.name.clone())
                        .unwrap_or_else(|| "*default*".into());
                    if f.body.is_some() {
                        self.export_local(&local, "default", e.span, &import_of);
                    }
                }
                ExportKind::DefaultClass(c) => {
                    let local = c
                        .name
                        .as_ref()
                        .map(|n| n.name.clone())
                        .unwrap_or_else(|| "*default*".into());
                    self.export_local(&local, "default", e.span, &import_of);
                }
                ExportKind::Named {
                    specifiers,
                    source,
                    type_only,
                } => {
                    if *type_only {
                        continue;
                    }
                    for sp in specifiers {
                        if sp.type_only {
                            continue;
                        }
                        let exported = sp.exported.as_ref().unwrap_or(&sp.local).name().to_string();
                        match source {
                            Some(src) => {
                                let request = self.request_index(&src.value);
                                let import = if sp.local.name() == "*" {
                                    ImportName::Namespace
                                } else {
                                    ImportName::Named(Arc::from(sp.local.name()))
                                };
                                self.add_export(
                                    ExportEntry::Indirect {
                                        name: Arc::from(exported.as_str()),
                                        request,
                                        import,
                                    },
                                    &exported,
                                    sp.span,
                                );
                            }
                            None => {
                                let local = sp.local.name().to_string();
                                self.export_local(&local, &exported, sp.span, &import_of);
                            }
                        }
                    }
                }
                ExportKind::All { alias, source } => {
                    let request = self.request_index(&source.value);
                    match alias {
                        Some(a) => {
                            let name = a.name().to_string();
                            self.add_export(
                                ExportEntry::Indirect {
                                    name: Arc::from(name.as_str()),
                                    request,
                                    import: ImportName::Namespace,
                                },
                                &name,
                                e.span,
                            );
                        }
                        None => self.exports.push(ExportEntry::Star { request }),
                    }
                }
            }
        }
    }

    fn binding_used(&self, sid: ScopeId, name: &str) -> bool {
        self.tree.scopes[sid]
            .lookup(name)
            .map(|i| {
                self.tree.scopes[sid].bindings[i].used || self.tree.scopes[sid].bindings[i].captured
            })
            .unwrap_or(false)
    }

    fn add_export(&mut self, e: ExportEntry, name: &str, span: Span) {
        if !self.export_names.insert(name.to_string()) {
            let d = diag::duplicate_export(self.fid, name, span);
            self.error(d);
            return;
        }
        self.exports.push(e);
    }

    fn export_local(
        &mut self,
        local: &str,
        exported: &str,
        span: Span,
        import_of: &FxHashMap<String, (u16, ImportName)>,
    ) {
        if let Some((request, import)) = import_of.get(local) {
            let e = ExportEntry::Indirect {
                name: Arc::from(exported),
                request: *request,
                import: import.clone(),
            };
            self.add_export(e, exported, span);
            return;
        }
        let scope = &self.fr().scopes[0];
        let sid = scope.id;
        match self.tree.scopes[sid].lookup(local).map(|i| scope.locs[i]) {
            Some(Loc::Env(slot)) => {
                self.add_export(
                    ExportEntry::Local {
                        name: Arc::from(exported),
                        slot,
                    },
                    exported,
                    span,
                );
            }
            _ => {
                if self.type_names.contains(local) {
                    return;
                }
                let d = diag::export_undeclared(self.fid, local, span);
                self.error(d);
            }
        }
    }

    // --- statements ----------------------------------------------------------------------------

    pub(crate) fn stmts(&mut self, list: &[Stmt]) {
        for s in list {
            self.stmt(s);
        }
    }

    pub(crate) fn block(&mut self, b: &Block) {
        let sid = self.scope_id(node::BLOCK, b);
        if let Some(sid) = sid {
            self.enter_scope(sid, &[]);
        }
        self.hoist_functions(&b.body);
        self.stmts(&b.body);
        if sid.is_some() {
            self.exit_scope();
        }
    }

    pub(crate) fn stmt(&mut self, s: &Stmt) {
        self.pos(s.span());
        match s {
            Stmt::Var(v) => self.var_decl(v),
            Stmt::Function(_) => {} // hoisted
            Stmt::Class(c) => {
                if !c.declare {
                    let m = self.mark();
                    let r = self.alloc();
                    let name = c.name.as_ref().map(|n| n.name.clone()).unwrap_or_default();
                    self.class(c, r, &name);
                    if let Some(n) = &c.name {
                        self.init_binding(n, r);
                    }
                    self.release(m);
                }
            }
            Stmt::Enum(e) => {
                if !e.declare {
                    self.enum_decl(e);
                }
            }
            Stmt::Namespace(n) => {
                if !n.declare {
                    self.namespace_decl(n);
                }
            }
            Stmt::Interface(_) | Stmt::TypeAlias(_) | Stmt::Import(_) => {}
            Stmt::Export(e) => self.export_stmt(e),
            Stmt::Expr(e) => {
                let m = self.mark();
                self.expr_discard(&e.expr);
                self.release(m);
            }
            Stmt::Block(b) => self.block(b),
            Stmt::Empty(_) => {}
            Stmt::Debugger(_) => {
                self.emit(Instr::Nop);
            }
            Stmt::Invalid(_) => {}
            Stmt::If(i) => {
                let m = self.mark();
                let to_else = self.branch_over(&i.test, i.consequent.span());
                self.release(m);
                self.sub_stmt(&i.consequent);
                if let Some(alt) = &i.alternate {
                    let to_end = self.jump();
                    self.f().b.patch_all_here(to_else);
                    self.sub_stmt(alt);
                    self.patch_here(to_end);
                } else {
                    self.f().b.patch_all_here(to_else);
                }
            }
            Stmt::For(f) => self.for_stmt(f, Vec::new()),
            Stmt::ForIn(f) => self.for_in(f, Vec::new()),
            Stmt::ForOf(f) => self.for_of(f, Vec::new()),
            Stmt::While(w) => self.while_stmt(w, Vec::new()),
            Stmt::DoWhile(w) => self.do_while(w, Vec::new()),
            Stmt::Return(r) => self.return_stmt(r),
            Stmt::Break(j) => self.break_stmt(j),
            Stmt::Continue(j) => self.continue_stmt(j),
            Stmt::Throw(t) => {
                let m = self.mark();
                let r = self.alloc();
                self.expr(&t.arg, r);
                self.pos(t.span);
                self.emit(Instr::Throw { src: r });
                self.release(m);
            }
            Stmt::Try(t) => self.try_stmt(t),
            Stmt::Switch(sw) => self.switch_stmt(sw, Vec::new()),
            Stmt::Labeled(l) => self.labeled(l),
        }
    }

    fn sub_stmt(&mut self, s: &Stmt) {
        self.stmt(s);
    }

    fn export_stmt(&mut self, e: &ExportDecl) {
        match &e.kind {
            ExportKind::Decl(d) => self.stmt(d),
            ExportKind::DefaultExpr(x) => {
                let m = self.mark();
                let r = self.alloc();
                self.expr_named(x, r, "default");
                if let Some(res) = self.resolve("*default*", u32::MAX) {
                    self.store_resolved(&res, "*default*", r, true, e.span);
                }
                self.release(m);
            }
            ExportKind::DefaultFunction(f) => {
                if f.name.is_none() && f.body.is_some() {
                    let spec = FnSpec {
                        name: "default".into(),
                        flags: 0,
                        hoisted: true,
                        start: f.span.start,
                        span: (f.span.start, f.span.end),
                        is_class_ctor: false,
                        derived: false,
                        has_home: false,
                        class: None,
                    };
                    let func = self.compile_function(f, spec);
                    let m = self.mark();
                    let r = self.alloc();
                    self.emit(Instr::Closure { dst: r, func });
                    if let Some(res) = self.resolve("*default*", u32::MAX) {
                        self.store_resolved(&res, "*default*", r, true, e.span);
                    }
                    self.release(m);
                }
            }
            ExportKind::DefaultClass(c) => {
                let m = self.mark();
                let r = self.alloc();
                let name = c
                    .name
                    .as_ref()
                    .map(|n| n.name.clone())
                    .unwrap_or_else(|| "default".into());
                self.class(c, r, &name);
                match &c.name {
                    Some(n) => self.init_binding(n, r),
                    None => {
                        if let Some(res) = self.resolve("*default*", u32::MAX) {
                            self.store_resolved(&res, "*default*", r, true, e.span);
                        }
                    }
                }
                self.release(m);
            }
            ExportKind::Named { .. } | ExportKind::All { .. } => {}
        }
    }

    pub(crate) fn var_decl(&mut self, v: &VarDecl) {
        if v.declare {
            return;
        }
        for d in &v.decls {
            let m = self.mark();
            match (&d.target, &d.init) {
                (Pattern::Ident(id), Some(init)) => {
                    // Evaluate straight into a register binding when the last instruction is the
                    // only write to the destination.
                    let res = self.resolve(&id.name, u32::MAX);
                    match res {
                        Some(r)
                            if matches!(r.place, Place::Reg(_)) && self.writes_dst_last(init) =>
                        {
                            if let Place::Reg(dst) = r.place {
                                self.expr_named(init, dst, &id.name);
                            }
                        }
                        _ => {
                            let t = self.alloc();
                            self.expr_named(init, t, &id.name);
                            self.init_binding(id, t);
                        }
                    }
                }
                (Pattern::Ident(id), None) => {
                    if v.kind != VarKind::Var {
                        let t = self.alloc();
                        self.emit(Instr::LoadUndefined { dst: t });
                        self.init_binding(id, t);
                    }
                }
                (pat, Some(init)) => {
                    let t = self.alloc();
                    self.expr(init, t);
                    self.destructure_src = Some(crate::expr::callee_text(init));
                    self.bind_pattern(pat, t, BindMode::Declare);
                    self.destructure_src = None;
                }
                (_, None) => {}
            }
            self.release(m);
        }
    }

    fn labeled(&mut self, l: &LabeledStmt) {
        let mut labels = vec![l.label.name.clone()];
        let mut body = &l.body;
        // Collect nested labels: `a: b: for (…)`; `a: a: …` repeats one.
        while let Stmt::Labeled(inner) = body {
            if labels.contains(&inner.label.name) {
                let d = diag::duplicate_label(self.fid, &inner.label);
                self.diags.push(d);
            }
            labels.push(inner.label.name.clone());
            body = &inner.body;
        }
        for c in &self.fr().controls {
            if c.labels.iter().any(|x| labels.contains(x)) {
                let d = diag::duplicate_label(self.fid, &l.label);
                self.diags.push(d);
                break;
            }
        }
        match body {
            Stmt::For(f) => self.for_stmt(f, labels),
            Stmt::ForIn(f) => self.for_in(f, labels),
            Stmt::ForOf(f) => self.for_of(f, labels),
            Stmt::While(w) => self.while_stmt(w, labels),
            Stmt::DoWhile(w) => self.do_while(w, labels),
            Stmt::Switch(s) => self.switch_stmt(s, labels),
            other => {
                let depth = self.fr().env_depth;
                self.f().controls.push(Control {
                    labels,
                    kind: ControlKind::Block { breaks: Vec::new() },
                    env_depth: depth,
                    break_depth: depth,
                    unlabelled_break: false,
                });
                self.stmt(other);
                if let Some(Control {
                    kind: ControlKind::Block { breaks },
                    ..
                }) = self.f().controls.pop()
                {
                    self.f().b.patch_all_here(breaks);
                }
            }
        }
    }

    pub(crate) fn push_loop(
        &mut self,
        labels: Vec<String>,
        iter: Option<(Reg, bool)>,
        break_depth: Option<u32>,
    ) {
        let depth = self.fr().env_depth;
        self.f().controls.push(Control {
            labels,
            kind: ControlKind::Loop {
                breaks: Vec::new(),
                continues: Vec::new(),
                iter,
            },
            env_depth: depth,
            break_depth: break_depth.unwrap_or(depth),
            unlabelled_break: true,
        });
    }

    /// Pops a loop control, returning its break and continue patch lists.
    pub(crate) fn pop_loop(&mut self) -> (Vec<usize>, Vec<usize>) {
        match self.f().controls.pop() {
            Some(Control {
                kind:
                    ControlKind::Loop {
                        breaks, continues, ..
                    },
                ..
            }) => (breaks, continues),
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn while_stmt(&mut self, w: &WhileStmt, labels: Vec<String>) {
        // Layout: jump to the test at the bottom, so each iteration runs one branch.
        let to_test = self.jump();
        let top = self.pc();
        self.push_loop(labels, None, None);
        self.sub_stmt(&w.body);
        let (breaks, continues) = self.pop_loop();
        self.patch_here(to_test);
        self.f().b.patch_all_here(continues);
        let m = self.mark();
        let back = self.branch_to(&w.test, true, Some(top));
        for b in back {
            self.f().b.patch_to(b, top);
        }
        self.release(m);
        self.f().b.patch_all_here(breaks);
    }

    fn do_while(&mut self, w: &DoWhileStmt, labels: Vec<String>) {
        let top = self.pc();
        self.push_loop(labels, None, None);
        self.sub_stmt(&w.body);
        let (breaks, continues) = self.pop_loop();
        self.f().b.patch_all_here(continues);
        let m = self.mark();
        let back = self.branch_to(&w.test, true, Some(top));
        for b in back {
            self.f().b.patch_to(b, top);
        }
        self.release(m);
        self.f().b.patch_all_here(breaks);
    }

    fn for_stmt(&mut self, f: &ForStmt, labels: Vec<String>) {
        let sid = self.scope_id(node::FOR, f);
        if let Some(sid) = sid {
            self.enter_scope(sid, &[]);
        }
        let per_iteration = self.fr().scopes.last().map(|s| s.pushed).unwrap_or(false)
            && matches!(&f.init, Some(ForInit::Var(v)) if v.kind == VarKind::Let);
        if let Some(init) = &f.init {
            let m = self.mark();
            match init {
                ForInit::Var(v) => self.var_decl(v),
                ForInit::Expr(e) => self.expr_discard(e),
            }
            self.release(m);
        }
        let to_test = if f.test.is_some() {
            Some(self.jump())
        } else {
            None
        };
        let top = self.pc();
        self.push_loop(labels, None, None);
        self.sub_stmt(&f.body);
        let (breaks, continues) = self.pop_loop();
        self.f().b.patch_all_here(continues);
        // ES CreatePerIterationEnvironment: copy before the update, so closures created in this
        // iteration keep this iteration's values.
        if per_iteration {
            self.emit(Instr::CloneEnv);
        }
        if let Some(u) = &f.update {
            let m = self.mark();
            self.expr_discard(u);
            self.release(m);
        }
        match &f.test {
            Some(t) => {
                if let Some(j) = to_test {
                    self.patch_here(j);
                }
                let m = self.mark();
                let back = self.branch_to(t, true, Some(top));
                for b in back {
                    self.f().b.patch_to(b, top);
                }
                self.release(m);
            }
            None => self.f().b.jump_back(top),
        }
        self.f().b.patch_all_here(breaks);
        if sid.is_some() {
            self.exit_scope();
        }
    }

    fn for_in(&mut self, f: &ForInStmt, labels: Vec<String>) {
        let m = self.mark();
        let obj = self.alloc();
        self.expr(&f.right, obj);
        let it = self.alloc();
        self.pos(f.span);
        self.emit(Instr::ForInPrepare { dst: it, obj });
        let key = self.alloc();
        let top = self.pc();
        self.emit(Instr::ForInNext { dst: key, iter: it });
        let exit = self.emit(Instr::JumpIfUndefined {
            src: key,
            offset: Jump(0),
        });
        let sid = self.scope_id(node::FOR_IN, f);
        let outer_depth = self.fr().env_depth;
        if let Some(sid) = sid {
            self.enter_scope(sid, &[]);
        }
        self.push_loop(labels, None, Some(outer_depth));
        self.bind_for_head(&f.left, key);
        self.sub_stmt(&f.body);
        let (breaks, continues) = self.pop_loop();
        self.f().b.patch_all_here(continues);
        if sid.is_some() {
            self.exit_scope();
        }
        self.f().b.jump_back(top);
        self.patch_here(exit);
        // Breaks jump here after popping the scope's environment themselves.
        self.f().b.patch_all_here(breaks);
        self.release(m);
    }

    pub(crate) fn bind_for_head(&mut self, head: &ForHead, value: Reg) {
        match head {
            ForHead::Var { target, .. } => self.bind_pattern(target, value, BindMode::Declare),
            ForHead::Target(p) => self.bind_pattern(p, value, BindMode::Assign),
        }
    }

    fn for_of(&mut self, f: &ForOfStmt, labels: Vec<String>) {
        let is_async = f.is_await;
        if is_async && !self.fr().is_async {
            if self.fr().is_module {
                self.f().flags.set(FunctionFlags::ASYNC);
                self.f().is_async = true;
            } else {
                let d = diag::await_outside_async(self.fid, f.span);
                self.error(d);
            }
        }
        let m = self.mark();
        let src = self.alloc();
        self.expr(&f.right, src);
        let it = self.alloc_n(2);
        self.pos(f.span);
        let pc = if is_async {
            self.emit(Instr::GetAsyncIterator { dst: it, src })
        } else {
            self.emit(Instr::GetIterator { dst: it, src })
        };
        self.record_callee(pc, &f.right);
        let res = self.alloc();
        let done = self.alloc();
        let top = self.pc();
        self.emit(Instr::IteratorNext { dst: res, iter: it });
        if is_async {
            self.emit(Instr::Await { dst: res, src: res });
        }
        self.emit(Instr::IteratorResultDone {
            dst: done,
            result: res,
        });
        let exit = self.emit(Instr::JumpIfTrue {
            cond: done,
            offset: Jump(0),
        });
        let value = self.alloc();
        self.emit(Instr::IteratorResultValue {
            dst: value,
            result: res,
        });
        let env_save = self.alloc();
        self.emit(Instr::GetEnv { dst: env_save });
        let body_start = self.pc();
        let sid = self.scope_id(node::FOR_OF, f);
        let outer_depth = self.fr().env_depth;
        if let Some(sid) = sid {
            self.enter_scope(sid, &[]);
        }
        self.push_loop(labels, Some((it, is_async)), Some(outer_depth));
        self.bind_for_head(&f.left, value);
        self.sub_stmt(&f.body);
        let (breaks, continues) = self.pop_loop();
        self.f().b.patch_all_here(continues);
        if sid.is_some() {
            self.exit_scope();
        }
        let body_end = self.pc();
        self.f().b.jump_back(top);
        // Throw completion inside the body: close the iterator, ignoring errors from `return()`,
        // then rethrow.
        let handler = self.pc();
        let exc = self.alloc();
        self.f().b.handlers.push(skiff_bytecode::Handler {
            start: body_start as u32,
            end: body_end as u32,
            target: handler as u32,
            reg: exc.0,
        });
        self.emit(Instr::SetEnv { src: env_save });
        let close_start = self.pc();
        let ret = self.alloc();
        let ic = self.f().b.ic("return");
        self.emit(Instr::GetNamed {
            dst: ret,
            obj: it,
            ic,
        });
        let skip = self.emit(Instr::JumpIfNullish {
            src: ret,
            offset: Jump(0),
        });
        let win = self.alloc_n(2);
        self.f().b.mov(win, ret);
        self.f().b.mov(win.offset(1), it);
        self.emit(Instr::Call {
            dst: win,
            base: win,
            argc: 0,
        });
        if is_async {
            self.emit(Instr::Await { dst: win, src: win });
        }
        let close_end = self.pc();
        self.patch_here(skip);
        let rethrow = self.pc();
        let ignored = self.alloc();
        self.f().b.handlers.push(skiff_bytecode::Handler {
            start: close_start as u32,
            end: close_end as u32,
            target: rethrow as u32,
            reg: ignored.0,
        });
        self.emit(Instr::Throw { src: exc });
        self.patch_here(exit);
        self.f().b.patch_all_here(breaks);
        self.release(m);
    }

    /// Emits the normal-completion `IteratorClose` for a for-of iterator (break, return).
    pub(crate) fn emit_iterator_close(&mut self, it: Reg, is_async: bool) {
        let m = self.mark();
        let ret = self.alloc();
        let ic = self.f().b.ic("return");
        self.emit(Instr::GetNamed {
            dst: ret,
            obj: it,
            ic,
        });
        let skip = self.emit(Instr::JumpIfNullish {
            src: ret,
            offset: Jump(0),
        });
        let win = self.alloc_n(2);
        self.f().b.mov(win, ret);
        self.f().b.mov(win.offset(1), it);
        self.emit(Instr::Call {
            dst: win,
            base: win,
            argc: 0,
        });
        if is_async {
            self.emit(Instr::Await { dst: win, src: win });
        }
        let msg = self.str_const("Iterator result %s is not an object");
        self.emit(Instr::ThrowIfNotObject { src: win, msg });
        self.patch_here(skip);
        self.release(m);
    }

    fn switch_stmt(&mut self, sw: &SwitchStmt, labels: Vec<String>) {
        let m = self.mark();
        let d = self.alloc();
        self.expr(&sw.discriminant, d);
        let sid = self.scope_id(node::SWITCH, sw);
        if let Some(sid) = sid {
            self.enter_scope(sid, &[]);
        }
        for c in &sw.cases {
            self.hoist_functions(&c.body);
        }
        let mut case_jumps = Vec::new();
        for c in &sw.cases {
            if let Some(t) = &c.test {
                let m2 = self.mark();
                let v = self.alloc();
                self.expr(t, v);
                let eq = self.alloc();
                self.emit(Instr::StrictEq {
                    dst: eq,
                    a: d,
                    b: v,
                });
                let j = self.emit(Instr::JumpIfTrue {
                    cond: eq,
                    offset: Jump(0),
                });
                case_jumps.push(Some(j));
                self.release(m2);
            } else {
                case_jumps.push(None);
            }
        }
        let to_default = self.jump();
        let depth = self.fr().env_depth;
        self.f().controls.push(Control {
            labels,
            kind: ControlKind::Block { breaks: Vec::new() },
            env_depth: depth,
            break_depth: depth,
            unlabelled_break: true,
        });
        let mut default_found = false;
        for (c, j) in sw.cases.iter().zip(case_jumps) {
            match j {
                Some(j) => self.patch_here(j),
                None => {
                    self.patch_here(to_default);
                    default_found = true;
                }
            }
            self.stmts(&c.body);
        }
        let breaks = match self.f().controls.pop() {
            Some(Control {
                kind: ControlKind::Block { breaks },
                ..
            }) => breaks,
            _ => Vec::new(),
        };
        if !default_found {
            self.patch_here(to_default);
        }
        self.f().b.patch_all_here(breaks);
        if sid.is_some() {
            self.exit_scope();
        }
        self.release(m);
    }

    // --- jumps: break, continue, return, through finally ----------------------------------------

    fn find_break_target(&self, label: Option<&Ident>) -> Option<usize> {
        let controls = &self.fr().controls;
        for i in (0..controls.len()).rev() {
            let c = &controls[i];
            if matches!(c.kind, ControlKind::Finally { .. }) {
                continue;
            }
            match label {
                Some(l) => {
                    if c.labels.contains(&l.name) {
                        return Some(i);
                    }
                }
                None => {
                    if c.unlabelled_break {
                        return Some(i);
                    }
                }
            }
        }
        None
    }

    fn break_stmt(&mut self, j: &JumpStmt) {
        match self.find_break_target(j.label.as_ref()) {
            Some(i) => self.emit_jump_to(Route::Break(i)),
            None => {
                let d = match &j.label {
                    Some(l) => diag::undefined_label(self.fid, l),
                    None => diag::break_outside(self.fid, j.span),
                };
                self.error(d);
            }
        }
    }

    fn continue_stmt(&mut self, j: &JumpStmt) {
        let controls = &self.fr().controls;
        let mut target = None;
        let mut non_loop = false;
        for i in (0..controls.len()).rev() {
            let c = &controls[i];
            match (&c.kind, &j.label) {
                (ControlKind::Loop { .. }, None) => {
                    target = Some(i);
                    break;
                }
                (ControlKind::Loop { .. }, Some(l)) if c.labels.contains(&l.name) => {
                    target = Some(i);
                    break;
                }
                (ControlKind::Block { .. }, Some(l)) if c.labels.contains(&l.name) => {
                    non_loop = true;
                    break;
                }
                _ => {}
            }
        }
        match target {
            Some(i) => self.emit_jump_to(Route::Continue(i)),
            None => {
                let d = match &j.label {
                    Some(l) if non_loop => diag::continue_non_loop(self.fid, l),
                    Some(l) => diag::undefined_label(self.fid, l),
                    None => diag::continue_outside(self.fid, j.span),
                };
                self.error(d);
            }
        }
    }

    /// Emits the jump for a break/continue/return, crossing finally blocks (by routing through
    /// them) and closing for-of iterators on the way.
    pub(crate) fn emit_jump_to(&mut self, route: Route) {
        let target_index = match route {
            Route::Break(i) | Route::Continue(i) => i,
            Route::Return => 0,
        };
        let n = self.fr().controls.len();
        let lowest = match route {
            Route::Return => 0,
            _ => target_index,
        };
        let mut i = n;
        while i > lowest {
            i -= 1;
            let is_target = i == target_index && !matches!(route, Route::Return);
            let (iter, finally) = match &self.fr().controls[i].kind {
                ControlKind::Loop { iter, .. } => (*iter, None),
                ControlKind::Finally { kind_reg, .. } => (None, Some(*kind_reg)),
                ControlKind::Block { .. } => (None, None),
            };
            if let Some(kind_reg) = finally {
                // Route through this finally block: it resumes the jump afterwards.
                let id = match &mut self.f().controls[i].kind {
                    ControlKind::Finally { routes, .. } => {
                        routes.push(route);
                        ROUTE_BASE + routes.len() as i32 - 1
                    }
                    _ => 0,
                };
                self.f().b.load_int(kind_reg, id);
                let depth = self.fr().controls[i].env_depth;
                self.pop_envs_to(depth);
                let j = self.jump();
                if let ControlKind::Finally { entries, .. } = &mut self.f().controls[i].kind {
                    entries.push(j);
                }
                return;
            }
            if let Some((it, is_async)) = iter {
                let closes = match route {
                    Route::Continue(_) => !is_target,
                    _ => true,
                };
                if closes {
                    self.emit_iterator_close(it, is_async);
                }
            }
        }
        match route {
            Route::Return => {}
            Route::Break(i) | Route::Continue(i) => {
                let depth = match route {
                    Route::Break(_) => self.fr().controls[i].break_depth,
                    _ => self.fr().controls[i].env_depth,
                };
                self.pop_envs_to(depth);
                let j = self.jump();
                match (&mut self.f().controls[i].kind, route) {
                    (ControlKind::Loop { breaks, .. }, Route::Break(_)) => breaks.push(j),
                    (ControlKind::Loop { continues, .. }, Route::Continue(_)) => continues.push(j),
                    (ControlKind::Block { breaks }, _) => breaks.push(j),
                    _ => {}
                }
            }
        }
    }

    /// Emits `PopEnv`s down to an environment depth (without changing the compile-time depth,
    /// since the code after the jump continues at the current depth).
    fn pop_envs_to(&mut self, depth: u32) {
        let cur = self.fr().env_depth;
        for _ in depth..cur {
            self.emit(Instr::PopEnv);
        }
    }

    fn return_stmt(&mut self, r: &ReturnStmt) {
        if self.fr().is_module {
            let d = diag::return_outside(self.fid, r.span);
            self.error(d);
            return;
        }
        let m = self.mark();
        let async_gen = self.fr().is_async && self.fr().is_generator;
        let v = match &r.arg {
            // A local returned as is needs no copy (async generators await it first).
            Some(a @ Expr::Ident(_)) if !async_gen => self.expr_reg(a),
            Some(a) => {
                let v = self.expr_fresh(a);
                if async_gen {
                    self.emit(Instr::Await { dst: v, src: v });
                }
                v
            }
            None => {
                let v = self.alloc();
                self.emit(Instr::LoadUndefined { dst: v });
                v
            }
        };
        self.emit_return(v);
        self.release(m);
    }

    /// Returns `v` from the current function, running enclosing finally blocks first.
    pub(crate) fn emit_return(&mut self, v: Reg) {
        // The innermost finally (if any) receives the value; the rest is routed.
        let fin = self
            .fr()
            .controls
            .iter()
            .rposition(|c| matches!(c.kind, ControlKind::Finally { .. }));
        // Close iterators between here and the finally (or the function).
        let lowest = fin.map(|i| i + 1).unwrap_or(0);
        let n = self.fr().controls.len();
        for i in (lowest..n).rev() {
            if let ControlKind::Loop {
                iter: Some((it, a)),
                ..
            } = self.fr().controls[i].kind
            {
                self.emit_iterator_close(it, a);
            }
        }
        if let Some(i) = fin {
            if let ControlKind::Finally { value_reg, .. } = self.fr().controls[i].kind {
                self.f().b.mov(value_reg, v);
            }
            // Truncate the view to the finally for routing purposes.
            let saved: Vec<Control> = self.f().controls.drain(i + 1..).collect();
            self.emit_jump_to(Route::Return);
            self.f().controls.extend(saved);
            return;
        }
        self.emit_final_return(v);
    }

    pub(crate) fn emit_final_return(&mut self, v: Reg) {
        if self.fr().is_derived_ctor {
            let m = self.mark();
            let t = self.alloc();
            self.load_this_binding_raw(t);
            self.emit(Instr::ReturnDerived { value: v, this: t });
            self.release(m);
        } else {
            self.emit(Instr::Return { src: v });
        }
    }

    fn try_stmt(&mut self, t: &TryStmt) {
        let m = self.mark();
        let env_save = self.alloc();
        self.emit(Instr::GetEnv { dst: env_save });
        let fin_regs = if t.finalizer.is_some() {
            let kind_reg = self.alloc();
            let value_reg = self.alloc();
            let depth = self.fr().env_depth;
            self.f().controls.push(Control {
                labels: Vec::new(),
                kind: ControlKind::Finally {
                    kind_reg,
                    value_reg,
                    entries: Vec::new(),
                    routes: Vec::new(),
                },
                env_depth: depth,
                break_depth: depth,
                unlabelled_break: false,
            });
            Some((kind_reg, value_reg))
        } else {
            None
        };
        let try_start = self.pc();
        self.block(&t.block);
        let try_end = self.pc();
        let mut to_after = vec![self.jump()];
        if let Some(h) = &t.handler {
            let handler_pc = self.pc();
            let exc = self.alloc();
            self.f().b.handlers.push(skiff_bytecode::Handler {
                start: try_start as u32,
                end: try_end as u32,
                target: handler_pc as u32,
                reg: exc.0,
            });
            self.emit(Instr::SetEnv { src: env_save });
            let sid = self.scope_id(node::CATCH, h);
            if let Some(sid) = sid {
                self.enter_scope(sid, &[]);
            }
            if let Some(p) = &h.param {
                self.bind_pattern(p, exc, BindMode::Declare);
            }
            self.block(&h.body);
            if sid.is_some() {
                self.exit_scope();
            }
            to_after.push(self.jump());
        }
        let protected_end = self.pc();
        match fin_regs {
            None => {
                self.f().b.patch_all_here(to_after);
            }
            Some((kind_reg, value_reg)) => {
                let ctl = self.f().controls.pop();
                let (entries, routes) = match ctl {
                    Some(Control {
                        kind:
                            ControlKind::Finally {
                                entries, routes, ..
                            },
                        ..
                    }) => (entries, routes),
                    _ => (Vec::new(), Vec::new()),
                };
                // Throw path.
                let throw_pc = self.pc();
                self.f().b.handlers.push(skiff_bytecode::Handler {
                    start: try_start as u32,
                    end: protected_end as u32,
                    target: throw_pc as u32,
                    reg: value_reg.0,
                });
                self.emit(Instr::SetEnv { src: env_save });
                self.f().b.load_int(kind_reg, COMPLETION_THROW);
                let to_fin = self.jump();
                // Normal path.
                self.f().b.patch_all_here(to_after);
                self.f().b.load_int(kind_reg, COMPLETION_NORMAL);
                self.patch_here(to_fin);
                self.f().b.patch_all_here(entries);
                if let Some(fin) = &t.finalizer {
                    self.block(fin);
                }
                // Dispatch on the completion.
                let m2 = self.mark();
                let k = self.alloc();
                let c = self.alloc();
                self.f().b.load_int(k, COMPLETION_THROW);
                self.emit(Instr::StrictEq {
                    dst: c,
                    a: kind_reg,
                    b: k,
                });
                let not_throw = self.emit(Instr::JumpIfFalse {
                    cond: c,
                    offset: Jump(0),
                });
                self.emit(Instr::Throw { src: value_reg });
                self.patch_here(not_throw);
                for (ri, route) in routes.into_iter().enumerate() {
                    self.f().b.load_int(k, ROUTE_BASE + ri as i32);
                    self.emit(Instr::StrictEq {
                        dst: c,
                        a: kind_reg,
                        b: k,
                    });
                    let skip = self.emit(Instr::JumpIfFalse {
                        cond: c,
                        offset: Jump(0),
                    });
                    match route {
                        Route::Return => self.emit_return(value_reg),
                        r => self.emit_jump_to(r),
                    }
                    self.patch_here(skip);
                }
                self.release(m2);
            }
        }
        self.release(m);
    }
}

pub(crate) enum FnBody<'x> {
    Stmts(&'x [Stmt]),
    Expr(&'x Expr),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BindMode {
    /// Initialising a declared binding (let/const/var/param/catch).
    Declare,
    /// Assigning to existing targets (destructuring assignment, for-in/of with a target).
    Assign,
}

/// True when instances of the class get fields or private methods from `InitFields`.
pub(crate) fn class_has_instance_elements(c: &Class) -> bool {
    c.members.iter().any(|m| match m {
        ClassMember::Property(p) => {
            !p.modifiers.is_static && !p.modifiers.declare && !p.modifiers.is_abstract
        }
        ClassMember::Method(m) => {
            !m.modifiers.is_static
                && matches!(m.key, PropKey::Private(_))
                && m.function.body.is_some()
        }
        _ => false,
    })
}

impl Compiler<'_> {
    /// A name that, inside a namespace body, denotes a member exported by some block of that
    /// namespace (TypeScript rewrites such references to `Namespace.name`): returns the binding
    /// that holds the namespace object. Local bindings take precedence.
    pub(crate) fn ns_member(&self, name: &str) -> Option<(Resolved, String)> {
        if self.ns_exports.is_empty() {
            return None;
        }
        for f in self.fns.iter().rev() {
            if f.scopes
                .iter()
                .any(|sc| self.tree.scopes[sc.id].lookup(name).is_some())
            {
                return None;
            }
            if let Some(path) = &f.ns_path {
                if self
                    .ns_exports
                    .get(path)
                    .is_some_and(|set| set.contains(name))
                {
                    let hidden = format!("%ns:{path}");
                    return self.resolve(&hidden, u32::MAX).map(|r| (r, hidden));
                }
            }
        }
        None
    }
}
