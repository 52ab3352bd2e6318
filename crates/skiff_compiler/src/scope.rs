//! Scope analysis: the first pass over a module.
//!
//! It builds the tree of scopes (module, function, block, loop head, catch, class, switch), declares
//! every binding with the hoisting rules of strict-mode ES modules, resolves every identifier
//! reference, and marks the bindings that are referenced from another function as *captured*. Code
//! generation walks the same AST afterwards and finds each scope by the address of the node that
//! introduced it; only captured bindings get environment slots, the rest live in registers.
//!
//! Redeclaration errors are reported here, because this is where declarations meet.

use crate::diagnostics as diag;
use rustc_hash::FxHashMap;
use skiff_ast::*;
use skiff_diagnostics::{Diagnostic, FileId};

pub type ScopeId = usize;
pub type FuncId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindKind {
    Var,
    Let,
    Const,
    Class,
    /// A function declaration (hoisted and initialised at scope entry).
    Function,
    Param,
    CatchParam,
    Import,
    /// TypeScript enum or namespace object (declarations may merge).
    EnumOrNamespace,
    /// `arguments`, `%this` and `%ctor`, and other bindings the compiler introduces.
    Hidden,
}

impl BindKind {
    pub fn is_lexical(self) -> bool {
        matches!(self, BindKind::Let | BindKind::Const | BindKind::Class)
    }
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub name: String,
    pub kind: BindKind,
    pub captured: bool,
    /// Byte offset where the binding becomes initialised (end of its declarator): references at or
    /// after this offset in the same function need no TDZ check.
    pub init_end: u32,
    /// A reference in the same function precedes `init_end`, so a register binding must start as the hole.
    pub early_ref: bool,
    pub span: Span,
    /// Assigned anywhere (const enums and consts inlining need this).
    pub assigned: bool,
    /// Referenced at all (imports never referenced as values are erased, as TypeScript does).
    pub used: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Function,
    Block,
    Switch,
    Catch,
    Class,
}

#[derive(Debug)]
pub struct Scope {
    pub parent: Option<ScopeId>,
    pub func: FuncId,
    pub kind: ScopeKind,
    pub bindings: Vec<Binding>,
    pub names: FxHashMap<String, usize>,
}

impl Scope {
    pub fn lookup(&self, name: &str) -> Option<usize> {
        self.names.get(name).copied()
    }
}

#[derive(Debug, Default)]
pub struct FuncInfo {
    pub is_arrow: bool,
    pub is_derived_ctor: bool,
    /// A scope of this function has captured bindings (so it pushes environments).
    pub has_env: bool,
    pub uses_arguments: bool,
    pub has_direct_super_call_in_arrow: bool,
}

#[derive(Debug, Default)]
pub struct ScopeTree {
    pub scopes: Vec<Scope>,
    pub funcs: Vec<FuncInfo>,
    by_node: FxHashMap<(u8, usize), ScopeId>,
    func_by_node: FxHashMap<(u8, usize), FuncId>,
}

/// Kinds of nodes that introduce scopes, used in the node-address keys.
pub mod node {
    pub const PROGRAM: u8 = 0;
    pub const FUNCTION: u8 = 1;
    pub const ARROW: u8 = 2;
    pub const BLOCK: u8 = 3;
    pub const FOR: u8 = 4;
    pub const FOR_IN: u8 = 5;
    pub const FOR_OF: u8 = 6;
    pub const CATCH: u8 = 7;
    pub const SWITCH: u8 = 8;
    pub const CLASS: u8 = 9;
    pub const NAMESPACE: u8 = 10;
    pub const FIELD: u8 = 11;
}

pub fn key<T>(kind: u8, node: &T) -> (u8, usize) {
    (kind, node as *const T as usize)
}

impl ScopeTree {
    pub fn scope_of<T>(&self, kind: u8, node: &T) -> Option<ScopeId> {
        self.by_node.get(&key(kind, node)).copied()
    }

    pub fn func_of<T>(&self, kind: u8, node: &T) -> Option<FuncId> {
        self.func_by_node.get(&key(kind, node)).copied()
    }
}

pub struct Resolver<'d> {
    pub tree: ScopeTree,
    /// Full dotted paths of the namespaces being visited.
    ns_stack: Vec<String>,
    cur: ScopeId,
    cur_func: FuncId,
    file: FileId,
    diags: &'d mut Vec<Diagnostic>,
}

/// Names declared by `var` (and hoisted functions are handled separately) inside `stmts`, not
/// descending into nested functions.
fn collect_vars<'a>(stmts: &'a [Stmt], out: &mut Vec<&'a Ident>) {
    for s in stmts {
        collect_vars_stmt(s, out);
    }
}

fn collect_vars_stmt<'a>(s: &'a Stmt, out: &mut Vec<&'a Ident>) {
    match s {
        Stmt::Var(v) if v.kind == VarKind::Var && !v.declare => {
            for d in &v.decls {
                pattern_names(&d.target, out);
            }
        }
        Stmt::Block(b) => collect_vars(&b.body, out),
        Stmt::If(i) => {
            collect_vars_stmt(&i.consequent, out);
            if let Some(a) = &i.alternate {
                collect_vars_stmt(a, out);
            }
        }
        Stmt::For(f) => {
            if let Some(ForInit::Var(v)) = &f.init {
                if v.kind == VarKind::Var {
                    for d in &v.decls {
                        pattern_names(&d.target, out);
                    }
                }
            }
            collect_vars_stmt(&f.body, out);
        }
        Stmt::ForIn(f) => {
            if let ForHead::Var {
                kind: VarKind::Var,
                target,
                ..
            } = &f.left
            {
                pattern_names(target, out);
            }
            collect_vars_stmt(&f.body, out);
        }
        Stmt::ForOf(f) => {
            if let ForHead::Var {
                kind: VarKind::Var,
                target,
                ..
            } = &f.left
            {
                pattern_names(target, out);
            }
            collect_vars_stmt(&f.body, out);
        }
        Stmt::While(w) => collect_vars_stmt(&w.body, out),
        Stmt::DoWhile(w) => collect_vars_stmt(&w.body, out),
        Stmt::Try(t) => {
            collect_vars(&t.block.body, out);
            if let Some(h) = &t.handler {
                collect_vars(&h.body.body, out);
            }
            if let Some(f) = &t.finalizer {
                collect_vars(&f.body, out);
            }
        }
        Stmt::Switch(sw) => {
            for c in &sw.cases {
                collect_vars(&c.body, out);
            }
        }
        Stmt::Labeled(l) => collect_vars_stmt(&l.body, out),
        Stmt::Export(e) => {
            if let ExportKind::Decl(d) = &e.kind {
                collect_vars_stmt(d, out);
            }
        }
        _ => {}
    }
}

/// The identifiers bound by a pattern.
pub fn pattern_names<'a>(p: &'a Pattern, out: &mut Vec<&'a Ident>) {
    match p {
        Pattern::Ident(i) => out.push(i),
        Pattern::Object(o) => {
            for prop in &o.props {
                pattern_names(&prop.value, out);
            }
            if let Some(r) = &o.rest {
                pattern_names(r, out);
            }
        }
        Pattern::Array(a) => {
            for e in a.elements.iter().flatten() {
                pattern_names(e, out);
            }
            if let Some(r) = &a.rest {
                pattern_names(r, out);
            }
        }
        Pattern::Default(inner, _, _) => pattern_names(inner, out),
        Pattern::Expr(_) | Pattern::Invalid(_) => {}
    }
}

impl<'d> Resolver<'d> {
    pub fn new(file: FileId, diags: &'d mut Vec<Diagnostic>) -> Self {
        Resolver {
            tree: ScopeTree::default(),
            ns_stack: Vec::new(),
            cur: 0,
            cur_func: 0,
            file,
            diags,
        }
    }

    fn push_scope(&mut self, kind: ScopeKind, k: (u8, usize)) -> ScopeId {
        let id = self.tree.scopes.len();
        let parent = if self.tree.scopes.is_empty() {
            None
        } else {
            Some(self.cur)
        };
        self.tree.scopes.push(Scope {
            parent,
            func: self.cur_func,
            kind,
            bindings: Vec::new(),
            names: FxHashMap::default(),
        });
        self.tree.by_node.insert(k, id);
        self.cur = id;
        id
    }

    fn pop_scope(&mut self) {
        if let Some(p) = self.tree.scopes[self.cur].parent {
            self.cur = p;
        }
    }

    fn push_func(&mut self, k: (u8, usize), is_arrow: bool, is_derived_ctor: bool) -> FuncId {
        let id = self.tree.funcs.len();
        self.tree.funcs.push(FuncInfo {
            is_arrow,
            is_derived_ctor,
            ..Default::default()
        });
        self.tree.func_by_node.insert(k, id);
        self.cur_func = id;
        id
    }

    /// Declares `name` in scope `scope`, reporting conflicts.
    pub fn declare_in(&mut self, scope: ScopeId, id: &Ident, kind: BindKind, init_end: u32) {
        let s = &mut self.tree.scopes[scope];
        if let Some(&i) = s.names.get(&id.name) {
            let prev = s.bindings[i].kind;
            let conflict = match (prev, kind) {
                (BindKind::Var, BindKind::Var) => false,
                // Function declarations are var-like at the top of a function body, where they
                // may repeat and meet `var`s of the same name, and lexical in modules and
                // blocks, where they may not (a module's top-level functions are among its
                // LexicallyDeclaredNames).
                (BindKind::Function, BindKind::Function)
                | (BindKind::Function, BindKind::Var)
                | (BindKind::Var, BindKind::Function) => s.kind != ScopeKind::Function,
                (BindKind::Param, BindKind::Var) | (BindKind::Param, BindKind::Function) => false,
                (BindKind::EnumOrNamespace, BindKind::EnumOrNamespace)
                | (BindKind::EnumOrNamespace, BindKind::Function)
                | (BindKind::EnumOrNamespace, BindKind::Class)
                | (BindKind::Function, BindKind::EnumOrNamespace)
                | (BindKind::Class, BindKind::EnumOrNamespace) => false,
                (BindKind::Hidden, _) | (_, BindKind::Hidden) => false,
                _ => true,
            };
            if conflict {
                let prev_span = s.bindings[i].span;
                self.diags.push(diag::redeclared(self.file, id, prev_span));
            } else if kind == BindKind::Function || kind == BindKind::Class {
                // A later function declaration replaces the earlier value; keep the first slot.
                if prev == BindKind::EnumOrNamespace {
                    s.bindings[i].kind = kind;
                    s.bindings[i].init_end = init_end;
                }
            }
            return;
        }
        let idx = s.bindings.len();
        s.bindings.push(Binding {
            name: id.name.clone(),
            kind,
            captured: false,
            init_end,
            early_ref: false,
            span: id.span,
            assigned: false,
            used: false,
        });
        s.names.insert(id.name.clone(), idx);
    }

    fn declare(&mut self, id: &Ident, kind: BindKind, init_end: u32) {
        let cur = self.cur;
        self.declare_in(cur, id, kind, init_end);
    }

    fn declare_hidden(&mut self, scope: ScopeId, name: &str) {
        let id = Ident {
            name: name.to_string(),
            span: Span::DUMMY,
        };
        self.declare_in(scope, &id, BindKind::Hidden, 0);
    }

    /// Resolves a reference and marks the binding captured when it crosses a function boundary.
    pub fn reference(&mut self, name: &str, pos: u32, assign: bool) {
        let mut s = self.cur;
        loop {
            let scope = &self.tree.scopes[s];
            if let Some(i) = scope.lookup(name) {
                let func = scope.func;
                let b = &mut self.tree.scopes[s].bindings[i];
                b.used = true;
                if assign {
                    b.assigned = true;
                }
                if func != self.cur_func {
                    b.captured = true;
                    self.tree.funcs[func].has_env = true;
                } else if pos < b.init_end {
                    b.early_ref = true;
                }
                return;
            }
            // `arguments` of a non-arrow function.
            if name == "arguments"
                && scope.kind == ScopeKind::Function
                && !self.tree.funcs[scope.func].is_arrow
            {
                let func = scope.func;
                self.tree.funcs[func].uses_arguments = true;
                self.declare_hidden(s, "arguments");
                continue;
            }
            match scope.parent {
                Some(p) => s = p,
                None => return,
            }
        }
    }

    /// Resolves `this` (and `super` uses) inside a derived constructor or arrows nested in one.
    fn reference_this(&mut self, pos: u32, super_call: bool) {
        let mut s = self.cur;
        let f = loop {
            let scope = &self.tree.scopes[s];
            if scope.kind == ScopeKind::Module {
                return;
            }
            if scope.kind == ScopeKind::Function && !self.tree.funcs[scope.func].is_arrow {
                break scope.func;
            }
            match scope.parent {
                Some(p) => s = p,
                None => return,
            }
        };
        if self.tree.funcs[f].is_derived_ctor {
            self.reference("%this", pos, super_call);
            if super_call && f != self.cur_func {
                self.tree.funcs[f].has_direct_super_call_in_arrow = true;
                self.reference("%ctor", pos, false);
            }
        }
    }

    // ------------------------------------------------------------------------------------------

    pub fn program(&mut self, p: &Program) {
        self.push_func(key(node::PROGRAM, p), false, false);
        self.push_scope(ScopeKind::Module, key(node::PROGRAM, p));
        // Imports first: they are hoisted.
        for s in &p.body {
            if let Stmt::Import(imp) = s {
                if imp.type_only {
                    continue;
                }
                for spec in &imp.specifiers {
                    match spec {
                        ImportSpecifier::Default(id) | ImportSpecifier::Namespace(id) => {
                            self.declare(id, BindKind::Import, 0)
                        }
                        ImportSpecifier::Named {
                            local, type_only, ..
                        } => {
                            if !type_only {
                                self.declare(local, BindKind::Import, 0)
                            }
                        }
                    }
                }
            }
        }
        self.function_body_decls(&p.body);
        let anonymous_default = p.body.iter().any(|s| match s {
            Stmt::Export(e) => match &e.kind {
                ExportKind::DefaultExpr(_) => true,
                ExportKind::DefaultFunction(f) => f.name.is_none(),
                ExportKind::DefaultClass(c) => c.name.is_none(),
                _ => false,
            },
            _ => false,
        });
        if anonymous_default {
            self.declare_hidden(0, "*default*");
            self.mark_exported("*default*");
        }
        for s in &p.body {
            self.stmt(s);
        }
    }

    /// Declares the var-scoped and lexical declarations of a function or module body.
    fn function_body_decls(&mut self, body: &[Stmt]) {
        let mut vars = Vec::new();
        collect_vars(body, &mut vars);
        let scope = self.cur;
        // Conflicts with lexical bindings of this scope are found by `declare_in`; conflicts with
        // lexical bindings of blocks the `var` is hoisted through are found when those blocks
        // declare their names (see `lexical_decls`).
        for v in vars {
            self.declare_in(scope, v, BindKind::Var, 0);
        }
        self.lexical_decls(body);
    }

    /// Declares the lexical declarations (let/const/class/function/enum/namespace) directly in a
    /// statement list.
    fn lexical_decls(&mut self, body: &[Stmt]) {
        for s in body {
            let s = match s {
                Stmt::Export(e) => match &e.kind {
                    ExportKind::Decl(d) => d,
                    ExportKind::DefaultFunction(f) => {
                        if let (Some(name), Some(_)) = (&f.name, &f.body) {
                            self.declare(name, BindKind::Function, 0);
                        }
                        continue;
                    }
                    ExportKind::DefaultClass(c) => {
                        if let Some(name) = &c.name {
                            self.declare(name, BindKind::Class, c.span.end);
                        }
                        continue;
                    }
                    _ => continue,
                },
                s => s,
            };
            match s {
                Stmt::Var(v) if v.kind != VarKind::Var && !v.declare => {
                    let kind = if v.kind == VarKind::Let {
                        BindKind::Let
                    } else {
                        BindKind::Const
                    };
                    for d in &v.decls {
                        let mut names = Vec::new();
                        pattern_names(&d.target, &mut names);
                        for n in names {
                            self.declare(n, kind, d.span.end);
                        }
                    }
                }
                Stmt::Function(f) => {
                    if let (Some(name), Some(_)) = (&f.name, &f.body) {
                        if !f.declare {
                            self.declare(name, BindKind::Function, 0);
                        }
                    }
                }
                Stmt::Class(c) if !c.declare => {
                    if let Some(name) = &c.name {
                        self.declare(name, BindKind::Class, c.span.end);
                    }
                }
                Stmt::Enum(e) if !e.declare => {
                    self.declare(&e.name, BindKind::EnumOrNamespace, e.span.end);
                }
                Stmt::Namespace(n) if !n.declare => {
                    if let NamespaceName::Path(path) = &n.name {
                        if let Some(first) = path.first() {
                            self.declare(first, BindKind::EnumOrNamespace, n.span.end);
                        }
                    }
                }
                _ => {}
            }
        }
        // A `var` hoisted through this block that collides with one of its lexical names. A
        // switch checks all its cases at once.
        if self.tree.scopes[self.cur].kind == ScopeKind::Block {
            self.vars_against_lexical(body.iter());
        }
    }

    /// Reports the `var`s declared in `body` (outside nested functions) whose names a lexical
    /// declaration of the current block or switch already holds.
    fn vars_against_lexical<'s>(&mut self, body: impl Iterator<Item = &'s Stmt>) {
        let mut vars = Vec::new();
        for s in body {
            collect_vars_stmt(s, &mut vars);
        }
        for v in vars {
            if let Some(i) = self.tree.scopes[self.cur].lookup(&v.name) {
                let b = &self.tree.scopes[self.cur].bindings[i];
                if b.kind != BindKind::Var {
                    let span = b.span;
                    self.diags.push(diag::redeclared(self.file, v, span));
                }
            }
        }
    }

    fn block(&mut self, b: &Block) {
        self.push_scope(ScopeKind::Block, key(node::BLOCK, b));
        self.lexical_decls(&b.body);
        for s in &b.body {
            self.stmt(s);
        }
        self.pop_scope();
    }

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Var(v) => self.var_decl(v),
            Stmt::Function(f) => {
                if f.body.is_some() && !f.declare {
                    self.function(f, false);
                }
            }
            Stmt::Class(c) => {
                if !c.declare {
                    self.class(c);
                }
            }
            Stmt::Enum(e) => {
                if !e.declare {
                    self.reference(&e.name.name, e.span.end, true);
                    for m in &e.members {
                        if let Some(init) = &m.init {
                            self.expr(init);
                        }
                    }
                }
            }
            Stmt::Namespace(n) => {
                if !n.declare {
                    if let NamespaceName::Path(path) = &n.name {
                        if let Some(first) = path.first() {
                            self.reference(&first.name, n.span.end, true);
                        }
                    }
                    self.push_func(key(node::NAMESPACE, &**n), false, false);
                    let sc = self.push_scope(ScopeKind::Function, key(node::NAMESPACE, &**n));
                    // The namespace object, read by nested code for members exported by other
                    // blocks of the same namespace.
                    let full = namespace_path(&self.ns_stack, n);
                    let hidden = format!("%ns:{full}");
                    self.declare_hidden(sc, &hidden);
                    if let Some(i) = self.tree.scopes[sc].lookup(&hidden) {
                        self.tree.scopes[sc].bindings[i].captured = true;
                    }
                    let f = self.cur_func;
                    self.tree.funcs[f].has_env = true;
                    self.ns_stack.push(full);
                    self.function_body_decls(&n.body);
                    for s in &n.body {
                        self.stmt(s);
                    }
                    self.pop_scope();
                    self.ns_stack.pop();
                    self.cur_func = self.tree.scopes[self.cur].func;
                }
            }
            Stmt::Interface(_) | Stmt::TypeAlias(_) | Stmt::Import(_) => {}
            Stmt::Export(e) => match &e.kind {
                ExportKind::Decl(d) => {
                    self.stmt(d);
                    for n in declared_names(d) {
                        self.mark_exported(&n);
                    }
                }
                ExportKind::DefaultExpr(x) => self.expr(x),
                ExportKind::DefaultFunction(f) => {
                    if f.body.is_some() {
                        self.function(f, false);
                    }
                    if let Some(n) = &f.name {
                        self.mark_exported(&n.name);
                    }
                }
                ExportKind::DefaultClass(c) => {
                    self.class(c);
                    if let Some(n) = &c.name {
                        self.mark_exported(&n.name);
                    }
                }
                ExportKind::Named {
                    specifiers, source, ..
                } => {
                    if source.is_none() {
                        for sp in specifiers {
                            if let ModuleExportName::Ident(id) = &sp.local {
                                // Exported bindings live in the module environment.
                                self.mark_exported(&id.name);
                            }
                        }
                    }
                }
                ExportKind::All { .. } => {}
            },
            Stmt::Expr(e) => self.expr(&e.expr),
            Stmt::Block(b) => self.block(b),
            Stmt::Empty(_) | Stmt::Debugger(_) | Stmt::Invalid(_) => {}
            Stmt::If(i) => {
                self.expr(&i.test);
                self.sub_stmt(&i.consequent);
                if let Some(a) = &i.alternate {
                    self.sub_stmt(a);
                }
            }
            Stmt::For(f) => {
                self.push_scope(ScopeKind::Block, key(node::FOR, &**f));
                if let Some(init) = &f.init {
                    match init {
                        ForInit::Var(v) => {
                            if v.kind != VarKind::Var {
                                let kind = if v.kind == VarKind::Let {
                                    BindKind::Let
                                } else {
                                    BindKind::Const
                                };
                                for d in &v.decls {
                                    let mut names = Vec::new();
                                    pattern_names(&d.target, &mut names);
                                    for n in names {
                                        self.declare(n, kind, d.span.end);
                                    }
                                }
                            }
                            self.var_decl(v);
                        }
                        ForInit::Expr(e) => self.expr(e),
                    }
                }
                if let Some(t) = &f.test {
                    self.expr(t);
                }
                if let Some(u) = &f.update {
                    self.expr(u);
                }
                self.sub_stmt(&f.body);
                self.pop_scope();
            }
            Stmt::ForIn(f) => {
                self.expr(&f.right);
                self.push_scope(ScopeKind::Block, key(node::FOR_IN, &**f));
                self.for_head(&f.left);
                self.sub_stmt(&f.body);
                self.pop_scope();
            }
            Stmt::ForOf(f) => {
                self.expr(&f.right);
                self.push_scope(ScopeKind::Block, key(node::FOR_OF, &**f));
                self.for_head(&f.left);
                self.sub_stmt(&f.body);
                self.pop_scope();
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.sub_stmt(&w.body);
            }
            Stmt::DoWhile(w) => {
                self.sub_stmt(&w.body);
                self.expr(&w.test);
            }
            Stmt::Return(r) => {
                if let Some(a) = &r.arg {
                    self.expr(a);
                }
            }
            Stmt::Break(_) | Stmt::Continue(_) => {}
            Stmt::Throw(t) => self.expr(&t.arg),
            Stmt::Try(t) => {
                self.block(&t.block);
                if let Some(h) = &t.handler {
                    self.push_scope(ScopeKind::Catch, key(node::CATCH, h));
                    if let Some(p) = &h.param {
                        let mut names = Vec::new();
                        pattern_names(p, &mut names);
                        for n in names {
                            self.declare(n, BindKind::CatchParam, 0);
                        }
                        self.pattern(p);
                    }
                    self.block(&h.body);
                    self.pop_scope();
                }
                if let Some(f) = &t.finalizer {
                    self.block(f);
                }
            }
            Stmt::Switch(sw) => {
                self.expr(&sw.discriminant);
                self.push_scope(ScopeKind::Switch, key(node::SWITCH, &**sw));
                for c in &sw.cases {
                    self.lexical_decls(&c.body);
                }
                // The cases share one block: `case 1: var f; default: let f;` collides.
                self.vars_against_lexical(sw.cases.iter().flat_map(|c| &c.body));
                for c in &sw.cases {
                    if let Some(t) = &c.test {
                        self.expr(t);
                    }
                    for s in &c.body {
                        self.stmt(s);
                    }
                }
                self.pop_scope();
            }
            Stmt::Labeled(l) => self.sub_stmt(&l.body),
        }
    }

    /// A statement in a position where a lexical declaration is not allowed; function declarations
    /// there are treated as if wrapped in a block.
    fn sub_stmt(&mut self, s: &Stmt) {
        self.stmt(s);
    }

    fn mark_exported(&mut self, name: &str) {
        // The module scope is scope 0.
        if let Some(i) = self.tree.scopes[0].lookup(name) {
            self.tree.scopes[0].bindings[i].captured = true;
            self.tree.funcs[0].has_env = true;
        }
    }

    fn for_head(&mut self, h: &ForHead) {
        match h {
            ForHead::Var { kind, target, .. } => {
                if *kind != VarKind::Var {
                    let k = if *kind == VarKind::Let {
                        BindKind::Let
                    } else {
                        BindKind::Const
                    };
                    let mut names = Vec::new();
                    pattern_names(target, &mut names);
                    for n in names {
                        self.declare(n, k, 0);
                    }
                }
                self.pattern(target);
            }
            ForHead::Target(p) => self.assign_pattern(p),
        }
    }

    fn var_decl(&mut self, v: &VarDecl) {
        if v.declare {
            return;
        }
        for d in &v.decls {
            if let Some(init) = &d.init {
                self.expr(init);
            }
            self.pattern(&d.target);
        }
    }

    /// A binding pattern: visits default values and computed keys, and references the bound names
    /// (as initialising writes).
    fn pattern(&mut self, p: &Pattern) {
        match p {
            Pattern::Ident(id) => self.reference(&id.name, u32::MAX, true),
            Pattern::Object(o) => {
                for prop in &o.props {
                    if let PropKey::Computed(e, _) = &prop.key {
                        self.expr(e);
                    }
                    self.pattern(&prop.value);
                }
                if let Some(r) = &o.rest {
                    self.pattern(r);
                }
            }
            Pattern::Array(a) => {
                for e in a.elements.iter().flatten() {
                    self.pattern(e);
                }
                if let Some(r) = &a.rest {
                    self.pattern(r);
                }
            }
            Pattern::Default(inner, def, _) => {
                self.expr(def);
                self.pattern(inner);
            }
            Pattern::Expr(e) => self.expr(e),
            Pattern::Invalid(_) => {}
        }
    }

    fn assign_pattern(&mut self, p: &Pattern) {
        match p {
            Pattern::Ident(id) => self.reference(&id.name, id.span.start, true),
            Pattern::Object(o) => {
                for prop in &o.props {
                    if let PropKey::Computed(e, _) = &prop.key {
                        self.expr(e);
                    }
                    self.assign_pattern(&prop.value);
                }
                if let Some(r) = &o.rest {
                    self.assign_pattern(r);
                }
            }
            Pattern::Array(a) => {
                for e in a.elements.iter().flatten() {
                    self.assign_pattern(e);
                }
                if let Some(r) = &a.rest {
                    self.assign_pattern(r);
                }
            }
            Pattern::Default(inner, def, _) => {
                self.expr(def);
                self.assign_pattern(inner);
            }
            Pattern::Expr(e) => self.expr(e),
            Pattern::Invalid(_) => {}
        }
    }

    fn params(&mut self, params: &[Param]) {
        for p in params.iter().filter(|p| !is_this_param(p)) {
            let mut names = Vec::new();
            pattern_names(&p.pattern, &mut names);
            for n in names {
                // Parameters are initialised in order: a default value that reads a later
                // parameter (or itself) reads it in its TDZ.
                self.declare(n, BindKind::Param, p.span.end);
            }
        }
        for p in params.iter().filter(|p| !is_this_param(p)) {
            if let Some(d) = &p.default {
                self.expr(d);
            }
            self.pattern(&p.pattern);
        }
    }

    /// A function (declaration, expression, method, accessor or constructor).
    pub fn function(&mut self, f: &Function, is_derived_ctor: bool) {
        let saved = (self.cur, self.cur_func);
        self.push_func(key(node::FUNCTION, f), false, is_derived_ctor);
        let scope = self.push_scope(ScopeKind::Function, key(node::FUNCTION, f));
        if is_derived_ctor {
            self.declare_hidden(scope, "%this");
            self.declare_hidden(scope, "%ctor");
        }
        self.params(&f.params);
        if let Some(body) = &f.body {
            self.function_body_decls(&body.body);
            for s in &body.body {
                self.stmt(s);
            }
        }
        self.cur = saved.0;
        self.cur_func = saved.1;
    }

    fn arrow(&mut self, a: &ArrowFunction) {
        let saved = (self.cur, self.cur_func);
        self.push_func(key(node::ARROW, a), true, false);
        self.push_scope(ScopeKind::Function, key(node::ARROW, a));
        self.params(&a.params);
        match &a.body {
            ArrowBody::Expr(e) => self.expr(e),
            ArrowBody::Block(b) => {
                self.function_body_decls(&b.body);
                for s in &b.body {
                    self.stmt(s);
                }
            }
        }
        self.cur = saved.0;
        self.cur_func = saved.1;
    }

    fn class(&mut self, c: &Class) {
        if let Some(sc) = &c.super_class {
            self.expr(sc);
        }
        let scope = self.push_scope(ScopeKind::Class, key(node::CLASS, c));
        if let Some(name) = &c.name {
            self.declare_in(scope, name, BindKind::Const, c.span.end);
        }
        // Private names and computed keys are bindings of the class scope.
        let mut seen_private = FxHashMap::default();
        for m in &c.members {
            let key_opt = match m {
                ClassMember::Method(m) => Some(&m.key),
                ClassMember::Property(p) => Some(&p.key),
                _ => None,
            };
            if let Some(PropKey::Private(id)) = key_opt {
                let name = format!("#{}", id.name);
                if seen_private.insert(name.clone(), ()).is_none() {
                    self.declare_hidden(scope, &name);
                }
            }
        }
        for (i, m) in c.members.iter().enumerate() {
            if let ClassMember::Property(p) = m {
                if let PropKey::Computed(..) = &p.key {
                    self.declare_hidden(scope, &format!("%key{i}"));
                }
            }
        }
        let derived = c.super_class.is_some();
        for m in &c.members {
            match m {
                ClassMember::Constructor(ctor) => {
                    if ctor.function.body.is_some() {
                        self.function(&ctor.function, derived);
                        // Parameter properties assign to `this`.
                    }
                }
                ClassMember::Method(m) => {
                    if let PropKey::Computed(e, _) = &m.key {
                        self.expr(e);
                    }
                    if m.function.body.is_some() {
                        self.function(&m.function, false);
                    }
                }
                ClassMember::Property(p) => {
                    if let PropKey::Computed(e, _) = &p.key {
                        self.expr(e);
                    }
                    if p.modifiers.declare {
                        continue;
                    }
                    // Each initializer runs inside the synthetic field-initializer method.
                    let saved = (self.cur, self.cur_func);
                    self.push_func(key(node::FIELD, &**p), false, false);
                    self.push_scope(ScopeKind::Function, key(node::FIELD, &**p));
                    if let Some(v) = &p.value {
                        self.expr(v);
                    }
                    self.cur = saved.0;
                    self.cur_func = saved.1;
                }
                ClassMember::StaticBlock(b) => {
                    let saved = (self.cur, self.cur_func);
                    self.push_func(key(node::BLOCK, b), false, false);
                    self.push_scope(ScopeKind::Function, key(node::FUNCTION, b));
                    self.function_body_decls(&b.body);
                    for s in &b.body {
                        self.stmt(s);
                    }
                    self.cur = saved.0;
                    self.cur_func = saved.1;
                }
                ClassMember::IndexSignature(_) | ClassMember::Empty(_) => {}
            }
        }
        // Methods and field initializers read the private names and computed keys.
        for b in &mut self.tree.scopes[scope].bindings {
            if b.name.starts_with('#') || b.name.starts_with("%key") {
                b.captured = true;
            }
        }
        let f = self.tree.scopes[scope].func;
        self.tree.funcs[f].has_env = true;
        self.pop_scope();
    }

    fn prop_key(&mut self, k: &PropKey) {
        if let PropKey::Computed(e, _) = k {
            self.expr(e);
        }
    }

    pub fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Ident(id) => self.reference(&id.name, id.span.start, false),
            Expr::This(span) => self.reference_this(span.start, false),
            Expr::Super(span) => self.reference_this(span.start, false),
            Expr::Null(_)
            | Expr::Bool(..)
            | Expr::Num(..)
            | Expr::BigInt(..)
            | Expr::Str(_)
            | Expr::Regex(_)
            | Expr::NewTarget(_)
            | Expr::ImportMeta(_)
            | Expr::Invalid(_) => {}
            Expr::Template(t) => {
                for x in &t.exprs {
                    self.expr(x);
                }
            }
            Expr::TaggedTemplate(t) => {
                self.expr(&t.tag);
                for x in &t.quasi.exprs {
                    self.expr(x);
                }
            }
            Expr::Array(a) => {
                for x in a.elements.iter().flatten() {
                    self.expr(x);
                }
            }
            Expr::Object(o) => {
                for p in &o.props {
                    match p {
                        ObjectProp::KeyValue(k, v, _) => {
                            self.prop_key(k);
                            self.expr(v);
                        }
                        ObjectProp::Shorthand(id) => self.reference(&id.name, id.span.start, false),
                        ObjectProp::Method(m) => {
                            self.prop_key(&m.key);
                            if m.function.body.is_some() {
                                self.function(&m.function, false);
                            }
                        }
                        ObjectProp::Spread(x, _) => self.expr(x),
                        ObjectProp::CoverInitializedName(id, x, _) => {
                            self.reference(&id.name, id.span.start, true);
                            self.expr(x);
                        }
                    }
                }
            }
            Expr::Function(f) => {
                // A named function expression binds its own name in an intermediate scope; we
                // put it in the function's own scope as a hidden-like binding.
                let saved = (self.cur, self.cur_func);
                self.push_func(key(node::FUNCTION, &**f), false, false);
                let scope = self.push_scope(ScopeKind::Function, key(node::FUNCTION, &**f));
                self.params(&f.params);
                if let Some(name) = &f.name {
                    if self.tree.scopes[scope].lookup(&name.name).is_none() {
                        self.declare_in(scope, name, BindKind::Hidden, 0);
                    }
                }
                if let Some(body) = &f.body {
                    self.function_body_decls(&body.body);
                    for s in &body.body {
                        self.stmt(s);
                    }
                }
                self.cur = saved.0;
                self.cur_func = saved.1;
            }
            Expr::Arrow(a) => self.arrow(a),
            Expr::Class(c) => self.class(c),
            Expr::Unary(u) => self.expr(&u.arg),
            Expr::Update(u) => self.assign_pattern_expr(&u.arg),
            Expr::Binary(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
            }
            Expr::Logical(l) => {
                self.expr(&l.left);
                self.expr(&l.right);
            }
            Expr::Assign(a) => {
                match a.op {
                    AssignOp::Assign => self.assign_pattern(&a.target),
                    _ => {
                        if let Pattern::Ident(id) = &a.target {
                            self.reference(&id.name, id.span.start, true);
                        } else {
                            self.assign_pattern(&a.target);
                        }
                    }
                }
                self.expr(&a.value);
            }
            Expr::Conditional(c) => {
                self.expr(&c.test);
                self.expr(&c.consequent);
                self.expr(&c.alternate);
            }
            Expr::Call(c) => {
                if let Expr::Super(span) = c.callee.unwrap_transparent() {
                    self.reference_this(span.start, true);
                } else {
                    self.expr(&c.callee);
                }
                for a in &c.args {
                    self.expr(a);
                }
            }
            Expr::New(n) => {
                self.expr(&n.callee);
                for a in &n.args {
                    self.expr(a);
                }
            }
            Expr::Member(m) => {
                self.expr(&m.object);
                match &m.prop {
                    MemberProp::Computed(x) => self.expr(x),
                    MemberProp::Private(id) => {
                        self.reference(&format!("#{}", id.name), id.span.start, false)
                    }
                    MemberProp::Ident(_) => {}
                }
            }
            Expr::OptionalChain(x, _)
            | Expr::Paren(x, _)
            | Expr::Spread(x, _)
            | Expr::Await(x, _)
            | Expr::ImportCall(x, _)
            | Expr::As(x, _, _)
            | Expr::AsConst(x, _)
            | Expr::Satisfies(x, _, _)
            | Expr::NonNull(x, _)
            | Expr::TypeArgs(x, _, _) => self.expr(x),
            Expr::Sequence(s) => {
                for x in &s.exprs {
                    self.expr(x);
                }
            }
            Expr::Yield(y) => {
                if let Some(a) = &y.arg {
                    self.expr(a);
                }
            }
        }
    }

    fn assign_pattern_expr(&mut self, e: &Expr) {
        match e.unwrap_transparent() {
            Expr::Ident(id) => self.reference(&id.name, id.span.start, true),
            other => self.expr(other),
        }
    }
}

/// The value bindings a declaration statement introduces (for `export <declaration>`).
pub fn declared_names(s: &Stmt) -> Vec<String> {
    match s {
        Stmt::Var(v) if !v.declare => {
            let mut out = Vec::new();
            for d in &v.decls {
                pattern_names(&d.target, &mut out);
            }
            out.into_iter().map(|i| i.name.clone()).collect()
        }
        Stmt::Function(f) if !f.declare && f.body.is_some() => {
            f.name.iter().map(|n| n.name.clone()).collect()
        }
        Stmt::Class(c) if !c.declare => c.name.iter().map(|n| n.name.clone()).collect(),
        Stmt::Enum(e) if !e.declare => vec![e.name.name.clone()],
        Stmt::Namespace(n) if !n.declare => match &n.name {
            NamespaceName::Path(p) => p.first().map(|i| i.name.clone()).into_iter().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// TypeScript's `this: T` pseudo-parameter, which only types `this` and is erased.
pub fn is_this_param(p: &Param) -> bool {
    matches!(&p.pattern, Pattern::Ident(id) if id.name == "this")
}

/// The full dotted path of a namespace declared inside the namespaces `stack` (innermost last).
pub fn namespace_path(stack: &[String], n: &NamespaceDecl) -> String {
    let own = match &n.name {
        NamespaceName::Path(p) => p
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        _ => String::new(),
    };
    match stack.last() {
        Some(parent) => format!("{parent}.{own}"),
        None => own,
    }
}

/// Collects, for every namespace path, the names its blocks export (TypeScript merges them).
pub fn collect_namespace_exports(
    body: &[Stmt],
    stack: &mut Vec<String>,
    out: &mut rustc_hash::FxHashMap<String, rustc_hash::FxHashSet<String>>,
) {
    for s in body {
        let n = match s {
            Stmt::Namespace(n) => n,
            Stmt::Export(e) => match &e.kind {
                ExportKind::Decl(Stmt::Namespace(n)) => n,
                _ => continue,
            },
            _ => continue,
        };
        if n.declare {
            continue;
        }
        let full = namespace_path(stack, n);
        let set = out.entry(full.clone()).or_default();
        for inner in &n.body {
            if let Stmt::Export(e) = inner {
                if let ExportKind::Decl(d) = &e.kind {
                    for name in declared_names(d) {
                        set.insert(name);
                    }
                }
            }
        }
        stack.push(full);
        collect_namespace_exports(&n.body, stack, out);
        stack.pop();
    }
}

#[cfg(test)]
mod redeclaration_tests {
    use skiff_diagnostics::{FileId, SourceFile};

    /// The codes of the diagnostics compiling `src` reports.
    fn codes(src: &str) -> Vec<&'static str> {
        let file = SourceFile::new(FileId(0), "t.ets", src);
        let parsed = skiff_parser::parse_module(src, file.id);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let result = crate::compile_module(&parsed.program, &file);
        result.diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn functions_repeat_only_at_the_top_of_a_function_body() {
        assert!(codes("function g() { function f() {} function f() {} }").is_empty());
        assert_eq!(codes("function f() {}\nfunction f() {}"), ["E3001"]);
        assert_eq!(codes("{ function f() {} function* f() {} }"), ["E3001"]);
        assert_eq!(
            codes("switch (0) { case 1: function f() {} default: async function f() {} }"),
            ["E3001"]
        );
    }

    #[test]
    fn a_var_collides_with_a_lexical_name_in_any_case_of_a_switch() {
        assert_eq!(
            codes("switch (0) { case 1: var f; default: let f; }"),
            ["E3001"]
        );
        assert_eq!(
            codes("switch (0) { case 1: let f; default: { var f; } }"),
            ["E3001"]
        );
        assert!(codes("switch (0) { case 1: var f; default: var f; }").is_empty());
    }
}
