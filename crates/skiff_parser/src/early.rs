//! ECMAScript's early errors that need a look at the whole syntax tree rather than one grammar
//! action: reserved words used as names, `eval` and `arguments` as bindings or assignment targets,
//! declarations where only a statement may stand, `import`/`export` below the top level, class
//! element rules, `"use strict"` with non-simple parameters, and invalid regular expressions.
//!
//! Every file is a strict-mode module, so the strict-mode rules always apply. The checks that need
//! scopes (redeclarations, labels, `break`/`continue`, `super`, `new.target`) live in the
//! compiler's scope analysis, which has the scopes.

use crate::diagnostics as d;
use rustc_hash::FxHashMap;
use skiff_ast::*;
use skiff_diagnostics::{Diagnostic, FileId, Span};

/// Runs every check over the statements of one parsed module and appends what it finds to `out`.
pub fn check(body: &[Stmt], source: &str, file: FileId, out: &mut Vec<Diagnostic>) {
    let mut early = Early {
        src: source,
        file,
        out,
        field_init: false,
        ambient: false,
        in_params: false,
        static_block: false,
    };
    early.stmts(body, true);
}

/// Words that cannot name a binding, a label or a variable reference in strict-mode code.
fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "await"
            | "break"
            | "case"
            | "catch"
            | "class"
            | "const"
            | "continue"
            | "debugger"
            | "default"
            | "delete"
            | "do"
            | "else"
            | "enum"
            | "export"
            | "extends"
            | "false"
            | "finally"
            | "for"
            | "function"
            | "if"
            | "implements"
            | "import"
            | "in"
            | "instanceof"
            | "interface"
            | "let"
            | "new"
            | "null"
            | "package"
            | "private"
            | "protected"
            | "public"
            | "return"
            | "static"
            | "super"
            | "switch"
            | "this"
            | "throw"
            | "true"
            | "try"
            | "typeof"
            | "var"
            | "void"
            | "while"
            | "with"
            | "yield"
    )
}

fn is_eval_or_arguments(name: &str) -> bool {
    name == "eval" || name == "arguments"
}

/// The name a non-computed property key spells, for the class element rules.
fn key_name(key: &PropKey) -> Option<&str> {
    match key {
        PropKey::Ident(i) => Some(&i.name),
        PropKey::Str(s) => Some(&s.value),
        _ => None,
    }
}

/// What a private name declares, for the duplicate rule: only a getter and a setter of the same
/// placement may share a name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PrivateKind {
    Field,
    Method,
    Getter,
    Setter,
}

struct Early<'a> {
    src: &'a str,
    file: FileId,
    out: &'a mut Vec<Diagnostic>,
    /// Inside a class field initializer or static block (up to the nearest non-arrow function),
    /// where `arguments` is an error.
    field_init: bool,
    /// Inside `declare namespace`/`declare module`, where `const x: T;` needs no initializer.
    ambient: bool,
    /// Inside the parameters of a function (up to a nested non-arrow function), where `yield`
    /// and `await` expressions are errors.
    in_params: bool,
    /// Directly inside a class static block (up to the nearest function, arrows included),
    /// where `return` is an error.
    static_block: bool,
}

impl Early<'_> {
    fn text(&self, span: Span) -> &str {
        self.src
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    fn error(&mut self, diag: Diagnostic) {
        self.out.push(diag);
    }

    // ----- names -------------------------------------------------------------------------------

    /// A name in a role where a reserved word cannot stand (the lexer only hands the grammar a
    /// reserved word as a name when it was spelled with escapes or is reserved in strict mode
    /// only).
    fn name(&mut self, id: &Ident) {
        if is_reserved(&id.name) {
            let escaped = self.text(id.span).contains('\\');
            self.error(d::reserved_word(self.file, id.span, &id.name, escaped));
        }
    }

    fn reference(&mut self, id: &Ident) {
        self.name(id);
        if self.field_init && id.name == "arguments" {
            self.error(d::arguments_in_field(self.file, id.span));
        }
    }

    fn binding_name(&mut self, id: &Ident) {
        self.name(id);
        if is_eval_or_arguments(&id.name) {
            self.error(d::eval_or_arguments(self.file, id.span, &id.name));
        }
    }

    // ----- statements --------------------------------------------------------------------------

    fn stmts(&mut self, list: &[Stmt], module_level: bool) {
        for s in list {
            self.stmt(s, module_level);
        }
    }

    /// A statement in a position that takes a single statement (the body of `if`, a loop or a
    /// label), where declarations are not allowed.
    fn sub_stmt(&mut self, s: &Stmt) {
        let what = match s {
            Stmt::Var(v) if v.kind != VarKind::Var => Some("a lexical declaration"),
            Stmt::Function(_) => Some("a function declaration"),
            Stmt::Class(_) => Some("a class declaration"),
            _ => None,
        };
        if let Some(what) = what {
            let span = s.span();
            self.error(d::declaration_in_statement_position(self.file, span, what));
        }
        self.stmt(s, false);
    }

    fn stmt(&mut self, s: &Stmt, module_level: bool) {
        match s {
            Stmt::Var(v) => self.var_decl(v),
            Stmt::Function(f) => self.function(f, true),
            Stmt::Class(c) => self.class(c),
            Stmt::Interface(_) | Stmt::TypeAlias(_) => {}
            Stmt::Enum(e) => {
                for m in &e.members {
                    if let Some(init) = &m.init {
                        self.expr(init);
                    }
                }
            }
            Stmt::Namespace(n) => {
                let ambient = self.ambient;
                self.ambient |= n.declare;
                // A namespace body is a module-like scope: exports are allowed there.
                self.stmts(&n.body, true);
                self.ambient = ambient;
            }
            Stmt::Import(i) => {
                if !module_level {
                    self.error(d::module_item_not_top_level(self.file, i.span, "import"));
                }
                for spec in &i.specifiers {
                    match spec {
                        ImportSpecifier::Default(id) | ImportSpecifier::Namespace(id) => {
                            self.binding_name(id)
                        }
                        ImportSpecifier::Named { local, .. } => self.binding_name(local),
                    }
                }
            }
            Stmt::Export(e) => {
                if !module_level {
                    self.error(d::module_item_not_top_level(self.file, e.span, "export"));
                }
                match &e.kind {
                    ExportKind::Decl(inner) => self.stmt(inner, module_level),
                    ExportKind::DefaultExpr(x) => self.expr(x),
                    ExportKind::DefaultFunction(f) => self.function(f, true),
                    ExportKind::DefaultClass(c) => self.class(c),
                    ExportKind::Named { .. } | ExportKind::All { .. } => {}
                }
            }
            Stmt::Expr(e) => self.expr(&e.expr),
            Stmt::Block(b) => self.stmts(&b.body, false),
            Stmt::Empty(_) | Stmt::Debugger(_) | Stmt::Invalid(_) => {}
            Stmt::If(i) => {
                self.expr(&i.test);
                self.sub_stmt(&i.consequent);
                if let Some(a) = &i.alternate {
                    self.sub_stmt(a);
                }
            }
            Stmt::For(f) => {
                if let Some(ForInit::Var(v)) = &f.init {
                    if v.kind != VarKind::Var {
                        let mut names = Vec::new();
                        for decl in &v.decls {
                            pattern_names(&decl.target, &mut names);
                        }
                        self.head_against_vars(&names, &f.body);
                    }
                }
                match &f.init {
                    Some(ForInit::Var(v)) => self.var_decl(v),
                    Some(ForInit::Expr(e)) => self.expr(e),
                    None => {}
                }
                if let Some(t) = &f.test {
                    self.expr(t);
                }
                if let Some(u) = &f.update {
                    self.expr(u);
                }
                self.sub_stmt(&f.body);
            }
            Stmt::ForIn(f) => {
                self.lexical_head(&f.left, &f.body);
                self.for_head(&f.left);
                self.expr(&f.right);
                self.sub_stmt(&f.body);
            }
            Stmt::ForOf(f) => {
                // `for (async of x)` (unescaped, not `for await`) is a syntax error.
                if let ForHead::Target(Pattern::Ident(id)) = &f.left {
                    if !f.is_await && id.name == "async" && self.text(id.span) == "async" {
                        self.error(d::for_of_async(self.file, id.span));
                    }
                }
                self.lexical_head(&f.left, &f.body);
                self.for_head(&f.left);
                self.expr(&f.right);
                self.sub_stmt(&f.body);
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
                if self.static_block {
                    self.error(d::return_in_static_block(self.file, r.span));
                }
                if let Some(a) = &r.arg {
                    self.expr(a);
                }
            }
            Stmt::Break(j) | Stmt::Continue(j) => {
                if let Some(l) = &j.label {
                    self.name(l);
                }
            }
            Stmt::Throw(t) => self.expr(&t.arg),
            Stmt::Try(t) => {
                self.stmts(&t.block.body, false);
                if let Some(h) = &t.handler {
                    if let Some(p) = &h.param {
                        self.binding(p);
                        self.catch_param_against_body(p, &h.body);
                    }
                    self.stmts(&h.body.body, false);
                }
                if let Some(f) = &t.finalizer {
                    self.stmts(&f.body, false);
                }
            }
            Stmt::Switch(s) => {
                self.expr(&s.discriminant);
                let mut defaults = s.cases.iter().filter(|c| c.test.is_none());
                if let (Some(first), Some(second)) = (defaults.next(), defaults.next()) {
                    // Point at the `default` keywords, not at the whole clauses.
                    let keyword = |c: &SwitchCase| Span::new(c.span.start, c.span.start + 7);
                    self.error(d::duplicate_default(
                        self.file,
                        keyword(second),
                        keyword(first),
                    ));
                }
                for c in &s.cases {
                    if let Some(t) = &c.test {
                        self.expr(t);
                    }
                    self.stmts(&c.body, false);
                }
            }
            Stmt::Labeled(l) => {
                self.name(&l.label);
                self.sub_stmt(&l.body);
            }
        }
    }

    fn var_decl(&mut self, v: &VarDecl) {
        let ambient = v.declare || self.ambient;
        for decl in &v.decls {
            self.binding(&decl.target);
            match &decl.init {
                Some(init) => self.expr(init),
                None if ambient => {}
                None if v.kind == VarKind::Const => self.error(d::missing_initializer(
                    self.file,
                    decl.span,
                    "const declaration",
                )),
                None if !matches!(decl.target, Pattern::Ident(_)) => self.error(
                    d::missing_initializer(self.file, decl.span, "destructuring declaration"),
                ),
                None => {}
            }
        }
    }

    /// `for (let x of xs) { var x; }`: a `var` in the body cannot redeclare a name the head
    /// declares with `let` or `const`.
    fn lexical_head(&mut self, head: &ForHead, body: &Stmt) {
        if let ForHead::Var { kind, target, .. } = head {
            if *kind != VarKind::Var {
                let mut names = Vec::new();
                pattern_names(target, &mut names);
                self.head_against_vars(&names, body);
            }
        }
    }

    fn head_against_vars(&mut self, names: &[&Ident], body: &Stmt) {
        let mut vars = Vec::new();
        var_names(body, &mut vars);
        for v in vars {
            if let Some(first) = names.iter().find(|n| n.name == v.name) {
                self.error(d::redeclared(self.file, v, first.span));
            }
        }
    }

    /// `catch (e) { let e; }`: the catch block's lexical declarations cannot redeclare the
    /// parameter.
    fn catch_param_against_body(&mut self, param: &Pattern, body: &Block) {
        let mut names = Vec::new();
        pattern_names(param, &mut names);
        for s in &body.body {
            let mut declared = Vec::new();
            match s {
                Stmt::Var(v) if v.kind != VarKind::Var => {
                    for decl in &v.decls {
                        pattern_names(&decl.target, &mut declared);
                    }
                }
                Stmt::Function(f) => declared.extend(&f.name),
                Stmt::Class(c) => declared.extend(&c.name),
                _ => {}
            }
            for id in declared {
                if let Some(first) = names.iter().find(|n| n.name == id.name) {
                    self.error(d::redeclared(self.file, id, first.span));
                }
            }
        }
    }

    fn for_head(&mut self, head: &ForHead) {
        match head {
            ForHead::Var { target, .. } => self.binding(target),
            ForHead::Target(p) => self.target(p),
        }
    }

    // ----- patterns ----------------------------------------------------------------------------

    /// A binding pattern: declarations, parameters, `catch`.
    fn binding(&mut self, p: &Pattern) {
        match p {
            Pattern::Ident(id) => self.binding_name(id),
            Pattern::Object(o) => {
                for prop in &o.props {
                    if let PropKey::Computed(e, _) = &prop.key {
                        self.expr(e);
                    }
                    self.binding(&prop.value);
                }
                if let Some(r) = &o.rest {
                    self.binding(r);
                }
            }
            Pattern::Array(a) => {
                for el in a.elements.iter().flatten() {
                    self.binding(el);
                }
                if let Some(r) = &a.rest {
                    self.binding(r);
                }
            }
            Pattern::Default(inner, e, _) => {
                self.binding(inner);
                self.expr(e);
            }
            Pattern::Expr(e) => self.expr(e),
            Pattern::Invalid(_) => {}
        }
    }

    /// An assignment target: the left of `=`, `for (x of …)`, the operand of `++`.
    fn target(&mut self, p: &Pattern) {
        match p {
            Pattern::Ident(id) => {
                self.reference(id);
                if is_eval_or_arguments(&id.name) {
                    self.error(d::eval_or_arguments(self.file, id.span, &id.name));
                }
            }
            Pattern::Object(o) => {
                for prop in &o.props {
                    if let PropKey::Computed(e, _) = &prop.key {
                        self.expr(e);
                    }
                    self.target(&prop.value);
                }
                if let Some(r) = &o.rest {
                    self.target(r);
                }
            }
            Pattern::Array(a) => {
                for el in a.elements.iter().flatten() {
                    self.target(el);
                }
                if let Some(r) = &a.rest {
                    self.target(r);
                }
            }
            Pattern::Default(inner, e, _) => {
                self.target(inner);
                self.expr(e);
            }
            Pattern::Expr(e) => self.target_expr(e),
            Pattern::Invalid(_) => {}
        }
    }

    /// An expression used as an assignment target: `(eval) = 1` is as wrong as `eval = 1`.
    fn target_expr(&mut self, e: &Expr) {
        if let Expr::Ident(id) = e.unwrap_transparent() {
            if is_eval_or_arguments(&id.name) {
                self.error(d::eval_or_arguments(self.file, id.span, &id.name));
            }
        }
        self.expr(e);
    }

    // ----- functions and classes ---------------------------------------------------------------

    fn params(&mut self, params: &[Param]) {
        let in_params = std::mem::replace(&mut self.in_params, true);
        for p in params {
            if self.is_this_param(p) {
                continue;
            }
            self.binding(&p.pattern);
            if let Some(d) = &p.default {
                self.expr(d);
            }
        }
        self.in_params = in_params;
    }

    /// TypeScript's `this: T` pseudo-parameter, which declares no binding.
    fn is_this_param(&self, p: &Param) -> bool {
        matches!(&p.pattern, Pattern::Ident(id) if id.name == "this" && self.text(id.span) == "this")
    }

    fn simple_params(&self, params: &[Param]) -> bool {
        params
            .iter()
            .all(|p| !p.rest && p.default.is_none() && matches!(p.pattern, Pattern::Ident(_)))
    }

    /// Reports `"use strict"` in the directive prologue of a body whose parameters are not
    /// simple.
    fn use_strict(&mut self, params: &[Param], body: &Block) {
        if self.simple_params(params) {
            return;
        }
        for s in &body.body {
            let Stmt::Expr(e) = s else { break };
            let Expr::Str(lit) = &e.expr else { break };
            let raw = self.text(lit.span);
            if raw == "'use strict'" || raw == "\"use strict\"" {
                self.error(d::use_strict_non_simple(self.file, lit.span));
            }
        }
    }

    fn function(&mut self, f: &Function, bind_name: bool) {
        if bind_name {
            if let Some(name) = &f.name {
                self.binding_name(name);
            }
        }
        let field_init = std::mem::replace(&mut self.field_init, false);
        let static_block = std::mem::replace(&mut self.static_block, false);
        // A nested function's parameters and body are its own: `yield` in a generator's body
        // inside another function's default value is fine.
        let in_params = std::mem::replace(&mut self.in_params, false);
        self.params(&f.params);
        self.in_params = false;
        if let Some(body) = &f.body {
            self.use_strict(&f.params, body);
            self.stmts(&body.body, false);
        }
        self.field_init = field_init;
        self.in_params = in_params;
        self.static_block = static_block;
    }

    fn arrow(&mut self, a: &ArrowFunction) {
        self.params(&a.params);
        // An arrow's body is not part of any enclosing parameter list.
        let in_params = std::mem::replace(&mut self.in_params, false);
        let static_block = std::mem::replace(&mut self.static_block, false);
        match &a.body {
            ArrowBody::Expr(e) => self.expr(e),
            ArrowBody::Block(b) => {
                self.use_strict(&a.params, b);
                self.stmts(&b.body, false);
            }
        }
        self.in_params = in_params;
        self.static_block = static_block;
    }

    /// Getters take no parameter and setters exactly one, not a rest parameter.
    fn accessor_params(&mut self, kind: MethodKind, f: &Function, span: Span) {
        let params: Vec<&Param> = f.params.iter().filter(|p| !self.is_this_param(p)).collect();
        match kind {
            MethodKind::Getter if !params.is_empty() => {
                self.error(d::accessor_params(self.file, span, true))
            }
            MethodKind::Setter if params.len() != 1 || params[0].rest => {
                self.error(d::accessor_params(self.file, span, false))
            }
            _ => {}
        }
    }

    fn key(&mut self, key: &PropKey) {
        if let PropKey::Computed(e, _) = key {
            self.expr(e);
        }
    }

    fn method(&mut self, m: &Method) {
        self.key(&m.key);
        if m.function.body.is_some() {
            self.accessor_params(m.kind, &m.function, m.span);
        }
        self.function(&m.function, false);
    }

    fn class(&mut self, c: &Class) {
        if let Some(name) = &c.name {
            self.binding_name(name);
        }
        if let Some(s) = &c.super_class {
            self.expr(s);
        }
        let mut constructor: Option<Span> = None;
        let mut privates: FxHashMap<&str, (PrivateKind, bool, Span)> = FxHashMap::default();
        for member in &c.members {
            match member {
                ClassMember::Constructor(ctor) => {
                    let f = &ctor.function;
                    if f.body.is_some() {
                        if let Some(previous) = constructor {
                            self.error(d::duplicate_constructor(self.file, ctor.span, previous));
                        }
                        constructor = Some(ctor.span);
                    }
                    if f.is_async || f.is_generator {
                        let what = if f.is_async {
                            "an async method"
                        } else {
                            "a generator"
                        };
                        self.error(d::special_constructor(self.file, ctor.span, what));
                    }
                    self.function(f, false);
                }
                ClassMember::Method(m) => {
                    let name = key_name(&m.key);
                    if !m.modifiers.is_static && name == Some("constructor") {
                        let what = match m.kind {
                            MethodKind::Getter => "a getter",
                            MethodKind::Setter => "a setter",
                            MethodKind::Method => "a special method",
                        };
                        self.error(d::special_constructor(self.file, m.key.span(), what));
                    }
                    if m.modifiers.is_static && name == Some("prototype") {
                        self.error(d::static_prototype(self.file, m.key.span()));
                    }
                    if let PropKey::Private(id) = &m.key {
                        if m.function.body.is_some() {
                            let kind = match m.kind {
                                MethodKind::Method => PrivateKind::Method,
                                MethodKind::Getter => PrivateKind::Getter,
                                MethodKind::Setter => PrivateKind::Setter,
                            };
                            self.private(&mut privates, id, kind, m.modifiers.is_static);
                        }
                    }
                    self.method(m);
                }
                ClassMember::Property(p) => {
                    match key_name(&p.key) {
                        Some("constructor") => {
                            self.error(d::field_named(self.file, p.key.span(), "constructor"))
                        }
                        Some("prototype") if p.modifiers.is_static => {
                            self.error(d::field_named(self.file, p.key.span(), "prototype"))
                        }
                        _ => {}
                    }
                    if let PropKey::Private(id) = &p.key {
                        self.private(&mut privates, id, PrivateKind::Field, p.modifiers.is_static);
                    }
                    self.key(&p.key);
                    if let Some(v) = &p.value {
                        let field_init = std::mem::replace(&mut self.field_init, true);
                        self.expr(v);
                        self.field_init = field_init;
                    }
                }
                ClassMember::StaticBlock(b) => {
                    let field_init = std::mem::replace(&mut self.field_init, true);
                    let static_block = std::mem::replace(&mut self.static_block, true);
                    self.stmts(&b.body, false);
                    self.field_init = field_init;
                    self.static_block = static_block;
                }
                ClassMember::IndexSignature(_) | ClassMember::Empty(_) => {}
            }
        }
    }

    /// Records a private name; reports `#constructor` and names declared twice.
    fn private<'n>(
        &mut self,
        seen: &mut FxHashMap<&'n str, (PrivateKind, bool, Span)>,
        id: &'n Ident,
        kind: PrivateKind,
        is_static: bool,
    ) {
        if id.name == "constructor" {
            self.error(d::private_constructor(self.file, id.span));
            return;
        }
        match seen.get(id.name.as_str()) {
            None => {
                seen.insert(&id.name, (kind, is_static, id.span));
            }
            Some(&(prev, prev_static, prev_span)) => {
                let pair = matches!(
                    (prev, kind),
                    (PrivateKind::Getter, PrivateKind::Setter)
                        | (PrivateKind::Setter, PrivateKind::Getter)
                ) && prev_static == is_static;
                if pair {
                    // A getter and a setter make one accessor; a third declaration is an error.
                    seen.insert(&id.name, (PrivateKind::Field, is_static, prev_span));
                } else {
                    self.error(d::duplicate_private(self.file, id, prev_span));
                }
            }
        }
    }

    // ----- expressions -------------------------------------------------------------------------

    fn exprs(&mut self, list: &[Expr]) {
        for e in list {
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Ident(id) => self.reference(id),
            Expr::This(_)
            | Expr::Super(_)
            | Expr::Null(_)
            | Expr::Bool(..)
            | Expr::Num(..)
            | Expr::BigInt(..)
            | Expr::Str(_)
            | Expr::NewTarget(_)
            | Expr::ImportMeta(_)
            | Expr::Invalid(_) => {}
            Expr::Template(t) => self.exprs(&t.exprs),
            Expr::TaggedTemplate(t) => {
                self.expr(&t.tag);
                self.exprs(&t.quasi.exprs);
            }
            Expr::Regex(r) => {
                if let Err(err) = skiff_jslib::regexp::compile_str(&r.pattern, &r.flags) {
                    self.error(d::invalid_regex(self.file, r.span, &err.message()));
                }
            }
            Expr::Array(a) => {
                for el in a.elements.iter().flatten() {
                    self.expr(el);
                }
            }
            Expr::Object(o) => self.object(o),
            Expr::Function(f) => self.function(f, true),
            Expr::Arrow(a) => self.arrow(a),
            Expr::Class(c) => self.class(c),
            Expr::Unary(u) => self.expr(&u.arg),
            Expr::Update(u) => self.target_expr(&u.arg),
            Expr::Binary(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
            }
            Expr::Logical(l) => {
                let mixed = |side: &Expr| match side {
                    Expr::Logical(inner) => {
                        (inner.op == LogicalOp::Nullish) != (l.op == LogicalOp::Nullish)
                    }
                    _ => false,
                };
                if mixed(&l.left) || mixed(&l.right) {
                    self.error(d::mixed_nullish(self.file, l.span));
                }
                self.expr(&l.left);
                self.expr(&l.right);
            }
            Expr::Assign(a) => {
                self.target(&a.target);
                self.expr(&a.value);
            }
            Expr::Conditional(c) => {
                self.expr(&c.test);
                self.expr(&c.consequent);
                self.expr(&c.alternate);
            }
            Expr::Call(c) => {
                self.expr(&c.callee);
                self.exprs(&c.args);
            }
            Expr::New(n) => {
                self.expr(&n.callee);
                self.exprs(&n.args);
            }
            Expr::Member(m) => {
                self.expr(&m.object);
                if let MemberProp::Computed(p) = &m.prop {
                    self.expr(p);
                }
            }
            Expr::Sequence(s) => self.exprs(&s.exprs),
            Expr::Yield(y) => {
                if self.in_params {
                    self.error(d::operator_in_params(self.file, y.span, "yield"));
                }
                if let Some(a) = &y.arg {
                    self.expr(a);
                }
            }
            Expr::Await(inner, span) => {
                if self.in_params {
                    self.error(d::operator_in_params(self.file, *span, "await"));
                }
                self.expr(inner);
            }
            Expr::OptionalChain(inner, _)
            | Expr::Paren(inner, _)
            | Expr::Spread(inner, _)
            | Expr::ImportCall(inner, _)
            | Expr::As(inner, _, _)
            | Expr::AsConst(inner, _)
            | Expr::Satisfies(inner, _, _)
            | Expr::NonNull(inner, _)
            | Expr::TypeArgs(inner, _, _) => self.expr(inner),
        }
    }

    fn object(&mut self, o: &ObjectLit) {
        let mut proto: Option<Span> = None;
        for prop in &o.props {
            match prop {
                ObjectProp::KeyValue(key, value, _) => {
                    // `__proto__: v` sets the prototype; twice is an error. Shorthand and computed
                    // keys define ordinary properties.
                    if key_name(key) == Some("__proto__") {
                        if let Some(previous) = proto {
                            self.error(d::duplicate_proto(self.file, key.span(), previous));
                        }
                        proto = Some(key.span());
                    }
                    self.key(key);
                    self.expr(value);
                }
                ObjectProp::Shorthand(id) => self.reference(id),
                ObjectProp::Method(m) => self.method(m),
                ObjectProp::Spread(e, _) => self.expr(e),
                ObjectProp::CoverInitializedName(id, e, _) => {
                    self.reference(id);
                    self.expr(e);
                }
            }
        }
    }
}

/// The names a binding pattern declares.
fn pattern_names<'a>(p: &'a Pattern, out: &mut Vec<&'a Ident>) {
    match p {
        Pattern::Ident(id) => out.push(id),
        Pattern::Object(o) => {
            for prop in &o.props {
                pattern_names(&prop.value, out);
            }
            if let Some(r) = &o.rest {
                pattern_names(r, out);
            }
        }
        Pattern::Array(a) => {
            for el in a.elements.iter().flatten() {
                pattern_names(el, out);
            }
            if let Some(r) = &a.rest {
                pattern_names(r, out);
            }
        }
        Pattern::Default(inner, _, _) => pattern_names(inner, out),
        Pattern::Expr(_) | Pattern::Invalid(_) => {}
    }
}

/// The names `var` declares in a statement, outside nested functions (VarDeclaredNames).
fn var_names<'a>(s: &'a Stmt, out: &mut Vec<&'a Ident>) {
    let var_decl = |v: &'a VarDecl, out: &mut Vec<&'a Ident>| {
        if v.kind == VarKind::Var {
            for decl in &v.decls {
                pattern_names(&decl.target, out);
            }
        }
    };
    match s {
        Stmt::Var(v) => var_decl(v, out),
        Stmt::Block(b) => b.body.iter().for_each(|s| var_names(s, out)),
        Stmt::If(i) => {
            var_names(&i.consequent, out);
            if let Some(a) = &i.alternate {
                var_names(a, out);
            }
        }
        Stmt::For(f) => {
            if let Some(ForInit::Var(v)) = &f.init {
                var_decl(v, out);
            }
            var_names(&f.body, out);
        }
        Stmt::ForIn(f) => for_head_vars(&f.left, &f.body, out),
        Stmt::ForOf(f) => for_head_vars(&f.left, &f.body, out),
        Stmt::While(w) => var_names(&w.body, out),
        Stmt::DoWhile(w) => var_names(&w.body, out),
        Stmt::Try(t) => {
            t.block.body.iter().for_each(|s| var_names(s, out));
            if let Some(h) = &t.handler {
                h.body.body.iter().for_each(|s| var_names(s, out));
            }
            if let Some(f) = &t.finalizer {
                f.body.iter().for_each(|s| var_names(s, out));
            }
        }
        Stmt::Switch(sw) => sw
            .cases
            .iter()
            .flat_map(|c| &c.body)
            .for_each(|s| var_names(s, out)),
        Stmt::Labeled(l) => var_names(&l.body, out),
        _ => {}
    }
}

fn for_head_vars<'a>(head: &'a ForHead, body: &'a Stmt, out: &mut Vec<&'a Ident>) {
    if let ForHead::Var {
        kind: VarKind::Var,
        target,
        ..
    } = head
    {
        pattern_names(target, out);
    }
    var_names(body, out);
}
