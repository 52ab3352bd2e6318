//! Semantic checks that run on the AST before code generation: the ArkTS `@Concurrent` and
//! Sendable rules (`E4xxx` diagnostics, see `diagnostics.rs`). They need the AST with its type
//! annotations and decorators and produce no code; `compile_module` runs them first, so a file
//! that breaks a rule is reported by both `skiff check` and `skiff run` and never executes.
//!
//! What is checked:
//! - `@Concurrent` only on (async) function declarations, not on generators, classes, methods,
//!   properties, parameters or type aliases (E4001); inside a concurrent function, a value
//!   reference to a binding of the same file that is declared outside the function — a top-level
//!   function, class, variable, enum or namespace, or a local of an enclosing function — is an
//!   error (E4002). Allowed: parameters and locals (including those of nested functions),
//!   imports, globals the file does not declare (`console`, `Math`, …), `const enum`s, ambient
//!   (`declare`) declarations, and the function's own name (recursion).
//! - `@Sendable` only on classes, function declarations and function-type aliases (E4003,
//!   E4004); the inheritance rules (E4005); field types (E4006, E4015), explicit field types
//!   (E4007), no `!` (E4008), initialized fields (E4009), no computed (E4010) or `#private`
//!   (E4011) names, no other decorators (E4012), no object/array literal initializers for
//!   Sendable-typed values (E4013), no captured file-level bindings except top-level Sendable
//!   classes/functions, exports and imports (E4014), no arrow/function expressions for `@Sendable`
//!   function types (E4016). `'use sendable'` as the first statement of a constructor makes the
//!   class Sendable, like `@Sendable`.
//! - `'use shared'` modules (see [`is_shared_module`]): no side-effect imports (E4017), no
//!   `export * from` (E4018), no exports that are plainly not Sendable (E4019).
//!
//! Everything here is deliberately conservative: when a name or a type cannot be resolved
//! (imported, generic, behind an alias with parameters, declared in a nested scope), the check
//! allows it. A false positive rejects a program that the ArkTS toolchain accepts, which is worse
//! than a missed error. Type positions are never walked, so type annotations, `typeof` types,
//! interfaces and type aliases never count as references.

use crate::diagnostics as diag;
use rustc_hash::{FxHashMap, FxHashSet};
use skiff_ast::*;
use skiff_diagnostics::{Diagnostic, FileId};

/// Runs every check over `program`, appending diagnostics (in source order).
pub fn check_program(program: &Program, file: FileId, diagnostics: &mut Vec<Diagnostic>) {
    let mut c = Checker::new(file);
    c.program(program);
    let mut found = c.diags;
    check_shared_module(program, file, &mut found);
    found.sort_by_key(|d| (d.span.start, d.span.end, d.code));
    diagnostics.extend(found);
}

// ---------------------------------------------------------------------------------------------
// Bindings and scopes
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Import,
    NamespaceImport,
    /// Interfaces, type aliases, `import type`, namespaces that only hold types.
    TypeOnly,
    /// `declare …`: provided by the environment.
    Ambient,
    Var,
    Function,
    Class,
    Enum,
    ConstEnum,
    Namespace,
    Param,
}

impl Kind {
    fn is_value(self) -> bool {
        !matches!(self, Kind::TypeOnly)
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Function => "a function",
            Kind::Class => "a class",
            Kind::Enum | Kind::ConstEnum => "an enum",
            Kind::Namespace => "a namespace",
            Kind::Param => "a parameter",
            _ => "a variable",
        }
    }
}

#[derive(Clone, Debug)]
struct Binding {
    kind: Kind,
    /// The declaring identifier.
    span: Span,
    exported: bool,
    /// A Sendable class or a `@Sendable` function.
    sendable: bool,
}

#[derive(Default)]
struct Scope {
    names: FxHashMap<String, Binding>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BoundaryKind {
    Concurrent,
    SendableClass,
    SendableFunction,
}

/// A construct whose body may not use bindings declared outside it: scopes `depth..` are inside.
struct Boundary<'a> {
    kind: BoundaryKind,
    depth: usize,
    /// The function's own name, which it may use (recursion).
    own: Option<&'a str>,
}

/// What a top-level name means in type position.
#[derive(Clone, Copy)]
enum TypeDecl<'a> {
    Class {
        sendable: bool,
    },
    Interface {
        sendable: bool,
    },
    Alias {
        decl: &'a TypeAliasDecl,
        sendable: bool,
    },
    Enum {
        is_const: bool,
    },
    /// Imports, namespaces, ambient declarations: not resolvable here.
    Opaque,
}

/// Why a type is not Sendable.
struct Problem {
    span: Span,
    why: String,
    help: Option<String>,
    /// Found in a type argument of a generic Sendable type.
    generic: bool,
}

struct Checker<'a> {
    file: FileId,
    diags: Vec<Diagnostic>,
    scopes: Vec<Scope>,
    boundaries: Vec<Boundary<'a>>,
    types: FxHashMap<&'a str, TypeDecl<'a>>,
    /// One set per constructor being walked: the fields it assigns through `this.x = …`.
    ctor_assigns: Vec<FxHashSet<String>>,
    /// One map per class being walked: its typed fields, for `this.x = <literal>` checks.
    class_fields: Vec<FxHashMap<&'a str, &'a Type>>,
}

fn has_decorator(decorators: &[Decorator], name: &str) -> bool {
    decorators.iter().any(|d| d.name() == Some(name))
}

/// A class is Sendable with `@Sendable` or with `'use sendable'` as the first statement of its
/// constructor.
fn is_sendable_class(c: &Class) -> bool {
    if has_decorator(&c.decorators, "Sendable") {
        return true;
    }
    c.members.iter().any(|m| match m {
        ClassMember::Constructor(ctor) => ctor
            .function
            .body
            .as_ref()
            .and_then(|b| b.body.first())
            .is_some_and(|s| match s {
                Stmt::Expr(e) => matches!(&e.expr, Expr::Str(s) if s.value == "use sendable"),
                _ => false,
            }),
        _ => false,
    })
}

fn pattern_names<'a>(p: &'a Pattern, out: &mut Vec<&'a Ident>) {
    match p {
        Pattern::Ident(id) => out.push(id),
        Pattern::Object(o) => {
            for prop in &o.props {
                pattern_names(&prop.value, out);
            }
            if let Some(rest) = &o.rest {
                pattern_names(rest, out);
            }
        }
        Pattern::Array(a) => {
            for el in a.elements.iter().flatten() {
                pattern_names(el, out);
            }
            if let Some(rest) = &a.rest {
                pattern_names(rest, out);
            }
        }
        Pattern::Default(p, _, _) => pattern_names(p, out),
        Pattern::Expr(_) | Pattern::Invalid(_) => {}
    }
}

/// A namespace whose body declares only types has no run-time value.
fn namespace_is_type_only(n: &NamespaceDecl) -> bool {
    n.body.iter().all(|s| match s {
        Stmt::Interface(_) | Stmt::TypeAlias(_) | Stmt::Empty(_) => true,
        Stmt::Export(e) => matches!(
            &e.kind,
            ExportKind::Decl(Stmt::Interface(_)) | ExportKind::Decl(Stmt::TypeAlias(_))
        ),
        Stmt::Namespace(inner) => namespace_is_type_only(inner),
        _ => false,
    })
}

fn keyword_name(k: KeywordType) -> &'static str {
    match k {
        KeywordType::Any => "any",
        KeywordType::Unknown => "unknown",
        KeywordType::Number => "number",
        KeywordType::String => "string",
        KeywordType::Boolean => "boolean",
        KeywordType::BigInt => "bigint",
        KeywordType::Symbol => "symbol",
        KeywordType::Object => "object",
        KeywordType::Void => "void",
        KeywordType::Undefined => "undefined",
        KeywordType::Null => "null",
        KeywordType::Never => "never",
        KeywordType::UniqueSymbol => "unique symbol",
    }
}

/// Source-like text for simple types (used in suggestions); `None` when it would be guesswork.
fn type_text(t: &Type) -> Option<String> {
    match t {
        Type::Keyword(k, _) => Some(keyword_name(*k).to_string()),
        Type::Ref(r) => {
            let mut s = r.dotted();
            if !r.args.is_empty() {
                let args: Option<Vec<String>> = r.args.iter().map(type_text).collect();
                s = format!("{s}<{}>", args?.join(", "));
            }
            Some(s)
        }
        Type::Array(inner, _) => Some(format!("collections.Array<{}>", type_text(inner)?)),
        Type::Paren(inner, _) => type_text(inner),
        Type::Union(ts, _) => {
            let parts: Option<Vec<String>> = ts.iter().map(type_text).collect();
            Some(parts?.join(" | "))
        }
        _ => None,
    }
}

/// The `collections.Array<T>` suggestion for an array type with element type `elem`.
fn array_help(elem: &Type) -> String {
    match type_text(elem) {
        Some(t) => {
            format!("use `collections.Array<{t}>` (import {{ collections }} from '@kit.ArkTS')")
        }
        None => "use `collections.Array<T>` (import { collections } from '@kit.ArkTS')".to_string(),
    }
}

/// Built-in (global) types that are never Sendable, with advice.
fn builtin_non_sendable(name: &str, args: &[Type]) -> Option<String> {
    let help = match name {
        "Array" | "ReadonlyArray" => match args.first() {
            Some(elem) => array_help(elem),
            None => array_help(&Type::Invalid(Span::DUMMY)),
        },
        "Map" | "ReadonlyMap" | "WeakMap" => {
            let args: Option<Vec<String>> = args.iter().map(type_text).collect();
            match args {
                Some(a) if a.len() == 2 => format!("use `collections.Map<{}>`", a.join(", ")),
                _ => "use `collections.Map<K, V>`".to_string(),
            }
        }
        "Set" | "ReadonlySet" | "WeakSet" => match args.first().and_then(type_text) {
            Some(t) => format!("use `collections.Set<{t}>`"),
            None => "use `collections.Set<T>`".to_string(),
        },
        "ArrayBuffer" => "use `collections.ArrayBuffer`".to_string(),
        "Int8Array" | "Uint8Array" | "Uint8ClampedArray" | "Int16Array" | "Uint16Array"
        | "Int32Array" | "Uint32Array" | "Float32Array" | "Float64Array" | "BigInt64Array"
        | "BigUint64Array" => format!("use `collections.{name}`"),
        "Object" | "Function" | "Date" | "RegExp" | "Promise" | "Error" | "Symbol" | "Number"
        | "String" | "Boolean" | "BigInt" | "Record" | "Partial" | "Required" | "Readonly"
        | "Pick" | "Omit" | "WeakRef" | "DataView" | "SharedArrayBuffer" | "Iterator"
        | "Generator" | "IterableIterator" => {
            "use a Sendable class, an interface extending `lang.ISendable`, or an \
             `@arkts.collections` type"
                .to_string()
        }
        _ => return None,
    };
    Some(help)
}

impl<'a> Checker<'a> {
    fn new(file: FileId) -> Self {
        Checker {
            file,
            diags: Vec::new(),
            scopes: Vec::new(),
            boundaries: Vec::new(),
            types: FxHashMap::default(),
            ctor_assigns: Vec::new(),
            class_fields: Vec::new(),
        }
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    // -----------------------------------------------------------------------------------------
    // Declarations
    // -----------------------------------------------------------------------------------------

    fn declare(&mut self, id: &Ident, kind: Kind, exported: bool, sendable: bool) {
        let Some(scope) = self.scopes.last_mut() else {
            return;
        };
        match scope.names.get_mut(&id.name) {
            Some(existing) => {
                // Declaration merging: a value beats a type; flags accumulate.
                if !existing.kind.is_value() && kind.is_value()
                    || existing.kind == Kind::Ambient && kind != Kind::Ambient && kind.is_value()
                {
                    existing.kind = kind;
                    existing.span = id.span;
                }
                existing.exported |= exported;
                existing.sendable |= sendable;
            }
            None => {
                scope.names.insert(
                    id.name.clone(),
                    Binding {
                        kind,
                        span: id.span,
                        exported,
                        sendable,
                    },
                );
            }
        }
    }

    /// Declares the names a statement list introduces at its own level (lexical declarations,
    /// functions, classes, enums, namespaces, imports, and `var`s written directly in it).
    fn declare_level(&mut self, stmts: &'a [Stmt]) {
        for s in stmts {
            self.declare_stmt(s, false);
        }
        // `export { a, b as c }` marks local bindings as exported.
        for s in stmts {
            if let Stmt::Export(e) = s {
                if let ExportKind::Named {
                    specifiers,
                    source: None,
                    ..
                } = &e.kind
                {
                    for spec in specifiers {
                        if let Some(b) = self
                            .scopes
                            .last_mut()
                            .and_then(|sc| sc.names.get_mut(spec.local.name()))
                        {
                            b.exported = true;
                        }
                    }
                }
            }
        }
    }

    fn declare_stmt(&mut self, s: &'a Stmt, exported: bool) {
        match s {
            Stmt::Var(v) => {
                let kind = if v.declare { Kind::Ambient } else { Kind::Var };
                let mut names = Vec::new();
                for d in &v.decls {
                    pattern_names(&d.target, &mut names);
                }
                for id in names {
                    self.declare(id, kind, exported, false);
                }
            }
            Stmt::Function(f) => {
                if let Some(name) = &f.name {
                    let kind = if f.declare {
                        Kind::Ambient
                    } else {
                        Kind::Function
                    };
                    let sendable = has_decorator(&f.decorators, "Sendable");
                    self.declare(name, kind, exported, sendable);
                }
            }
            Stmt::Class(c) => {
                if let Some(name) = &c.name {
                    let kind = if c.declare {
                        Kind::Ambient
                    } else {
                        Kind::Class
                    };
                    self.declare(name, kind, exported, is_sendable_class(c));
                }
            }
            Stmt::Interface(i) => self.declare(&i.name, Kind::TypeOnly, exported, false),
            Stmt::TypeAlias(t) => self.declare(&t.name, Kind::TypeOnly, exported, false),
            Stmt::Enum(e) => {
                let kind = if e.declare {
                    Kind::Ambient
                } else if e.is_const {
                    Kind::ConstEnum
                } else {
                    Kind::Enum
                };
                self.declare(&e.name, kind, exported, false);
            }
            Stmt::Namespace(n) => {
                if let NamespaceName::Path(path) = &n.name {
                    if let Some(first) = path.first() {
                        let kind = if n.declare {
                            Kind::Ambient
                        } else if namespace_is_type_only(n) {
                            Kind::TypeOnly
                        } else {
                            Kind::Namespace
                        };
                        self.declare(first, kind, exported, false);
                    }
                }
            }
            Stmt::Import(i) => {
                for spec in &i.specifiers {
                    match spec {
                        ImportSpecifier::Default(id) => {
                            let kind = if i.type_only {
                                Kind::TypeOnly
                            } else {
                                Kind::Import
                            };
                            self.declare(id, kind, false, false);
                        }
                        ImportSpecifier::Namespace(id) => {
                            let kind = if i.type_only {
                                Kind::TypeOnly
                            } else {
                                Kind::NamespaceImport
                            };
                            self.declare(id, kind, false, false);
                        }
                        ImportSpecifier::Named {
                            local, type_only, ..
                        } => {
                            let kind = if i.type_only || *type_only {
                                Kind::TypeOnly
                            } else {
                                Kind::Import
                            };
                            self.declare(local, kind, false, false);
                        }
                    }
                }
            }
            Stmt::Export(e) => match &e.kind {
                ExportKind::Decl(inner) => self.declare_stmt(inner, true),
                ExportKind::DefaultFunction(f) => {
                    if let Some(name) = &f.name {
                        let sendable = has_decorator(&f.decorators, "Sendable");
                        self.declare(name, Kind::Function, true, sendable);
                    }
                }
                ExportKind::DefaultClass(c) => {
                    if let Some(name) = &c.name {
                        self.declare(name, Kind::Class, true, is_sendable_class(c));
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// Declares the `var`s of a function body (or module) nested in blocks, loops, `try` and
    /// `switch`, which belong to the enclosing function.
    fn hoist_vars(&mut self, stmts: &'a [Stmt]) {
        for s in stmts {
            self.hoist_stmt(s);
        }
    }

    fn hoist_stmt(&mut self, s: &'a Stmt) {
        match s {
            Stmt::Var(v) if v.kind == VarKind::Var => self.declare_stmt(s, false),
            Stmt::Export(e) => {
                if let ExportKind::Decl(inner @ Stmt::Var(_)) = &e.kind {
                    self.declare_stmt(inner, true);
                }
            }
            Stmt::Block(b) => self.hoist_vars(&b.body),
            Stmt::If(i) => {
                self.hoist_stmt(&i.consequent);
                if let Some(alt) = &i.alternate {
                    self.hoist_stmt(alt);
                }
            }
            Stmt::For(f) => {
                if let Some(ForInit::Var(v)) = &f.init {
                    if v.kind == VarKind::Var {
                        let mut names = Vec::new();
                        for d in &v.decls {
                            pattern_names(&d.target, &mut names);
                        }
                        for id in names {
                            self.declare(id, Kind::Var, false, false);
                        }
                    }
                }
                self.hoist_stmt(&f.body);
            }
            Stmt::ForIn(f) => {
                self.hoist_head(&f.left);
                self.hoist_stmt(&f.body);
            }
            Stmt::ForOf(f) => {
                self.hoist_head(&f.left);
                self.hoist_stmt(&f.body);
            }
            Stmt::While(w) => self.hoist_stmt(&w.body),
            Stmt::DoWhile(w) => self.hoist_stmt(&w.body),
            Stmt::Try(t) => {
                self.hoist_vars(&t.block.body);
                if let Some(h) = &t.handler {
                    self.hoist_vars(&h.body.body);
                }
                if let Some(f) = &t.finalizer {
                    self.hoist_vars(&f.body);
                }
            }
            Stmt::Switch(sw) => {
                for case in &sw.cases {
                    self.hoist_vars(&case.body);
                }
            }
            Stmt::Labeled(l) => self.hoist_stmt(&l.body),
            _ => {}
        }
    }

    fn hoist_head(&mut self, head: &'a ForHead) {
        if let ForHead::Var {
            kind: VarKind::Var,
            target,
            ..
        } = head
        {
            let mut names = Vec::new();
            pattern_names(target, &mut names);
            for id in names {
                self.declare(id, Kind::Var, false, false);
            }
        }
    }

    /// Pushes a scope for a function-like body: its `var`s and its own-level declarations.
    fn enter_body(&mut self, stmts: &'a [Stmt]) {
        self.hoist_vars(stmts);
        self.declare_level(stmts);
    }

    // -----------------------------------------------------------------------------------------
    // The top-level type table
    // -----------------------------------------------------------------------------------------

    fn collect_types(&mut self, program: &'a Program) {
        let mut interfaces: Vec<&'a InterfaceDecl> = Vec::new();
        for s in &program.body {
            let s = match s {
                Stmt::Export(e) => match &e.kind {
                    ExportKind::Decl(inner) => inner,
                    ExportKind::DefaultClass(c) => {
                        if let Some(name) = &c.name {
                            self.add_type(
                                &name.name,
                                TypeDecl::Class {
                                    sendable: is_sendable_class(c),
                                },
                            );
                        }
                        continue;
                    }
                    _ => continue,
                },
                other => other,
            };
            match s {
                Stmt::Class(c) => {
                    if let Some(name) = &c.name {
                        let decl = if c.declare {
                            TypeDecl::Opaque
                        } else {
                            TypeDecl::Class {
                                sendable: is_sendable_class(c),
                            }
                        };
                        self.add_type(&name.name, decl);
                    }
                }
                Stmt::Interface(i) => {
                    interfaces.push(i);
                    self.add_type(&i.name.name, TypeDecl::Interface { sendable: false });
                }
                Stmt::TypeAlias(t) => {
                    let sendable = has_decorator(&t.decorators, "Sendable");
                    self.add_type(&t.name.name, TypeDecl::Alias { decl: t, sendable });
                }
                Stmt::Enum(e) => {
                    let decl = if e.declare {
                        TypeDecl::Opaque
                    } else {
                        TypeDecl::Enum {
                            is_const: e.is_const,
                        }
                    };
                    self.add_type(&e.name.name, decl);
                }
                Stmt::Namespace(n) => {
                    if let NamespaceName::Path(path) = &n.name {
                        if let Some(first) = path.first() {
                            self.add_type(&first.name, TypeDecl::Opaque);
                        }
                    }
                }
                Stmt::Import(i) => {
                    for spec in &i.specifiers {
                        let local = match spec {
                            ImportSpecifier::Default(id) | ImportSpecifier::Namespace(id) => id,
                            ImportSpecifier::Named { local, .. } => local,
                        };
                        self.add_type(&local.name, TypeDecl::Opaque);
                    }
                }
                _ => {}
            }
        }
        // Sendable interfaces: those extending `ISendable` or another Sendable interface.
        loop {
            let mut changed = false;
            for i in &interfaces {
                if matches!(
                    self.types.get(i.name.name.as_str()),
                    Some(TypeDecl::Interface { sendable: true })
                ) {
                    continue;
                }
                if i.extends.iter().any(|t| self.is_sendable_interface_ref(t)) {
                    self.types
                        .insert(&i.name.name, TypeDecl::Interface { sendable: true });
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn add_type(&mut self, name: &'a str, decl: TypeDecl<'a>) {
        // The first declaration wins, except that a class beats an interface of the same name.
        match self.types.get(name) {
            None => {
                self.types.insert(name, decl);
            }
            Some(TypeDecl::Interface { .. }) if matches!(decl, TypeDecl::Class { .. }) => {
                self.types.insert(name, decl);
            }
            _ => {}
        }
    }

    /// `lang.ISendable`, `ISendable`, or a Sendable interface of this file.
    fn is_sendable_interface_ref(&self, t: &Type) -> bool {
        let Type::Ref(r) = t else {
            return false;
        };
        if r.name.last().is_some_and(|n| n.name == "ISendable") {
            return true;
        }
        r.name.len() == 1
            && matches!(
                self.types.get(r.name[0].name.as_str()),
                Some(TypeDecl::Interface { sendable: true })
            )
    }

    /// A Sendable class or interface of this file (the targets of the inheritance rules).
    fn is_sendable_type_ref(&self, t: &Type) -> bool {
        if self.is_sendable_interface_ref(t) {
            return true;
        }
        match t {
            Type::Ref(r) if r.name.len() == 1 => matches!(
                self.types.get(r.name[0].name.as_str()),
                Some(TypeDecl::Class { sendable: true })
            ),
            _ => false,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Sendable types
    // -----------------------------------------------------------------------------------------

    /// Why `t` is not a Sendable type, or `None` when it is (or cannot be told).
    fn type_problem(&self, t: &Type, tparams: &[&str], depth: u32) -> Option<Problem> {
        let bad = |span: Span, why: String, help: Option<String>| {
            Some(Problem {
                span,
                why,
                help,
                generic: false,
            })
        };
        match t {
            Type::Keyword(k, span) => match k {
                KeywordType::Number
                | KeywordType::String
                | KeywordType::Boolean
                | KeywordType::BigInt
                | KeywordType::Null
                | KeywordType::Undefined => None,
                other => bad(
                    *span,
                    format!(
                        "is `{}`, which is not a Sendable type",
                        keyword_name(*other)
                    ),
                    None,
                ),
            },
            Type::Literal(..) | Type::TemplateLiteral(..) | Type::This(_) => None,
            Type::Paren(inner, _) => self.type_problem(inner, tparams, depth),
            Type::Union(members, _) => members
                .iter()
                .find_map(|m| self.type_problem(m, tparams, depth)),
            Type::Array(elem, span) => bad(
                *span,
                "is an array type, which is not Sendable".to_string(),
                Some(array_help(elem)),
            ),
            Type::Readonly(inner, span) => match &**inner {
                Type::Array(elem, _) => bad(
                    *span,
                    "is an array type, which is not Sendable".to_string(),
                    Some(array_help(elem)),
                ),
                _ => None,
            },
            Type::Tuple(_, span) => bad(
                *span,
                "is a tuple type, which is not Sendable".to_string(),
                Some("use `collections.Array<T>`".to_string()),
            ),
            Type::Function(f) => bad(
                f.span,
                "is a function type, which is not Sendable".to_string(),
                Some(
                    "declare the function type with `@Sendable type F = (…) => …` and use `F`"
                        .to_string(),
                ),
            ),
            Type::Object(_, span) => bad(
                *span,
                "is an object literal type, which is not Sendable".to_string(),
                Some(
                    "declare a Sendable class, or an interface that extends `lang.ISendable`"
                        .to_string(),
                ),
            ),
            Type::Ref(r) => self.ref_problem(r, tparams, depth),
            _ => None,
        }
    }

    fn ref_problem(&self, r: &TypeRef, tparams: &[&str], depth: u32) -> Option<Problem> {
        let bad = |why: String, help: Option<String>| {
            Some(Problem {
                span: r.span,
                why,
                help,
                generic: false,
            })
        };
        let root = r.name.first()?.name.as_str();
        if r.name.len() != 1 {
            // `collections.Array<T>`, `ArkTSUtils.SendableLruCache<K, V>`: Sendable containers
            // whose type arguments must be Sendable. Anything else qualified is unknown here.
            if root == "collections" || root == "ArkTSUtils" {
                return self.args_problem(&r.args, tparams, depth);
            }
            return None;
        }
        let name = root;
        if tparams.contains(&name) {
            return None;
        }
        match self.types.get(name) {
            Some(TypeDecl::Class { sendable: true }) => self.args_problem(&r.args, tparams, depth),
            Some(TypeDecl::Class { sendable: false }) => bad(
                format!("is the class `{name}`, which is not Sendable"),
                Some(format!("mark `{name}` with @Sendable")),
            ),
            Some(TypeDecl::Interface { sendable: true }) => None,
            Some(TypeDecl::Interface { sendable: false }) => bad(
                format!("is the interface `{name}`, which is not Sendable"),
                Some(format!("make `{name}` extend `lang.ISendable`")),
            ),
            Some(TypeDecl::Alias { sendable: true, .. }) => None,
            Some(TypeDecl::Alias {
                decl,
                sendable: false,
            }) => {
                if depth >= 16 {
                    return None;
                }
                let mut inner_params: Vec<&str> = tparams.to_vec();
                inner_params.extend(decl.type_params.iter().map(|p| p.name.name.as_str()));
                let inner = self.type_problem(&decl.ty, &inner_params, depth + 1)?;
                Some(Problem {
                    span: r.span,
                    // Through chains of aliases, name the outermost alias and the final reason.
                    why: format!("is `{name}` ({})", innermost_reason(&inner.why)),
                    help: inner.help,
                    generic: false,
                })
            }
            Some(TypeDecl::Enum { is_const: true }) => None,
            Some(TypeDecl::Enum { is_const: false }) => bad(
                format!("is the enum `{name}`; only const enums are Sendable"),
                Some(format!("declare it as `const enum {name}`")),
            ),
            Some(TypeDecl::Opaque) => None,
            None => builtin_non_sendable(name, &r.args).and_then(|help| {
                bad(
                    format!("is the built-in type `{name}`, which is not Sendable"),
                    Some(help),
                )
            }),
        }
    }

    fn args_problem(&self, args: &[Type], tparams: &[&str], depth: u32) -> Option<Problem> {
        args.iter().find_map(|a| {
            self.type_problem(a, tparams, depth + 1).map(|mut p| {
                p.generic = true;
                p
            })
        })
    }

    fn report_type_problem(&mut self, p: Problem, field: &str) {
        let d = if p.generic {
            diag::sendable_generic_arg(self.file, p.span, &p.why, p.help)
        } else {
            diag::sendable_prop_type(self.file, p.span, field, &p.why, p.help)
        };
        self.error(d);
    }

    /// A type whose values are Sendable objects: initializing it from a literal is an error.
    fn is_sendable_object_type(&self, t: &Type, depth: u32) -> bool {
        match t {
            Type::Paren(inner, _) => self.is_sendable_object_type(inner, depth),
            Type::Union(ms, _) => ms.iter().any(|m| self.is_sendable_object_type(m, depth)),
            Type::Ref(r) => {
                let Some(first) = r.name.first() else {
                    return false;
                };
                let root = first.name.as_str();
                if r.name.len() > 1 {
                    // Of ArkTSUtils only the shared classes are Sendable; its option and signal
                    // types (`ASON.ParseOptions`, `locks.AbortSignal`, ...) take plain literals.
                    let last = r.name.last().map(|n| n.name.as_str());
                    return root == "collections"
                        || (root == "ArkTSUtils"
                            && matches!(
                                last,
                                Some("AsyncLock" | "ConditionVariable" | "SendableLruCache")
                            ))
                        || last == Some("ISendable");
                }
                match self.types.get(root) {
                    Some(TypeDecl::Class { sendable }) => *sendable,
                    Some(TypeDecl::Interface { sendable }) => *sendable,
                    Some(TypeDecl::Alias {
                        decl,
                        sendable: false,
                    }) if depth < 16 => self.is_sendable_object_type(&decl.ty, depth + 1),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// A `@Sendable` function type alias of this file (or a union containing one).
    fn is_sendable_function_type(&self, t: &Type) -> bool {
        match t {
            Type::Paren(inner, _) => self.is_sendable_function_type(inner),
            Type::Union(ms, _) => ms.iter().any(|m| self.is_sendable_function_type(m)),
            Type::Ref(r) if r.name.len() == 1 => matches!(
                self.types.get(r.name[0].name.as_str()),
                Some(TypeDecl::Alias { sendable: true, .. })
            ),
            _ => false,
        }
    }

    /// E4013/E4016 for `x: T = <literal or function>` where `T` is a Sendable type. Returns true
    /// when it reported something.
    fn check_typed_init(&mut self, ty: &Type, init: &Expr) -> bool {
        match init.unwrap_transparent() {
            Expr::Array(a) if self.is_sendable_object_type(ty, 0) => {
                self.error(diag::sendable_literal_init(self.file, a.span, true));
                true
            }
            Expr::Object(o) if self.is_sendable_object_type(ty, 0) => {
                self.error(diag::sendable_literal_init(self.file, o.span, false));
                true
            }
            e @ (Expr::Arrow(_) | Expr::Function(_)) if self.is_sendable_function_type(ty) => {
                self.error(diag::sendable_function_assignment(self.file, e.span()));
                true
            }
            _ => false,
        }
    }

    // -----------------------------------------------------------------------------------------
    // References
    // -----------------------------------------------------------------------------------------

    fn resolve(&self, name: &str) -> Option<(usize, &Binding)> {
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, s)| s.names.get(name).map(|b| (i, b)))
    }

    /// A value reference to `id`: checks it against every construct it is inside of.
    fn reference(&mut self, id: &'a Ident) {
        if self.boundaries.is_empty() || id.name.starts_with('#') {
            return;
        }
        let Some((depth, b)) = self.resolve(&id.name) else {
            return; // a global the file does not declare
        };
        let b = b.clone();
        // Imports (namespace imports too: the linter flags those in Sendable classes, but they
        // work at run time), types, ambient declarations and const enums (inlined) are fine.
        if matches!(
            b.kind,
            Kind::Import | Kind::NamespaceImport | Kind::TypeOnly | Kind::Ambient | Kind::ConstEnum
        ) {
            return;
        }
        let mut report = None;
        for boundary in self.boundaries.iter().rev() {
            if depth >= boundary.depth || boundary.own == Some(id.name.as_str()) {
                continue;
            }
            let allowed = match boundary.kind {
                BoundaryKind::Concurrent => false,
                // Top-level Sendable classes and functions, and (since API 18) exported
                // bindings of the file.
                BoundaryKind::SendableClass | BoundaryKind::SendableFunction => {
                    depth == 0
                        && (b.exported
                            || b.sendable && matches!(b.kind, Kind::Class | Kind::Function))
                }
            };
            if !allowed {
                report = Some(boundary.kind);
                break;
            }
        }
        let d = match report {
            None => return,
            Some(BoundaryKind::Concurrent) => {
                diag::concurrent_capture(self.file, id, b.span, b.kind.describe(), depth == 0)
            }
            Some(BoundaryKind::SendableClass) => {
                diag::sendable_capture(self.file, id, b.span, b.kind.describe(), "class")
            }
            Some(BoundaryKind::SendableFunction) => {
                diag::sendable_capture(self.file, id, b.span, b.kind.describe(), "function")
            }
        };
        self.error(d);
    }

    // -----------------------------------------------------------------------------------------
    // The walk
    // -----------------------------------------------------------------------------------------

    fn program(&mut self, program: &'a Program) {
        self.collect_types(program);
        self.scopes.push(Scope::default());
        self.enter_body(&program.body);
        for s in &program.body {
            self.stmt(s);
        }
        self.scopes.pop();
    }

    fn block(&mut self, stmts: &'a [Stmt]) {
        self.scopes.push(Scope::default());
        self.declare_level(stmts);
        for s in stmts {
            self.stmt(s);
        }
        self.scopes.pop();
    }

    fn stmt(&mut self, s: &'a Stmt) {
        match s {
            Stmt::Var(v) => self.var_decl(v),
            Stmt::Function(f) => self.function_decl(f),
            Stmt::Class(c) => self.class(c),
            Stmt::Interface(i) => self.interface(i),
            Stmt::TypeAlias(t) => self.type_alias(t),
            Stmt::Enum(_) | Stmt::Import(_) => {}
            Stmt::Namespace(n) => {
                self.scopes.push(Scope::default());
                self.enter_body(&n.body);
                for s in &n.body {
                    self.stmt(s);
                }
                self.scopes.pop();
            }
            Stmt::Export(e) => match &e.kind {
                ExportKind::Decl(inner) => self.stmt(inner),
                ExportKind::DefaultExpr(x) => self.expr(x),
                ExportKind::DefaultFunction(f) => self.function_decl(f),
                ExportKind::DefaultClass(c) => self.class(c),
                ExportKind::Named { .. } | ExportKind::All { .. } => {}
            },
            Stmt::Expr(e) => self.expr(&e.expr),
            Stmt::Block(b) => self.block(&b.body),
            Stmt::If(i) => {
                self.expr(&i.test);
                self.sub_stmt(&i.consequent);
                if let Some(alt) = &i.alternate {
                    self.sub_stmt(alt);
                }
            }
            Stmt::For(f) => {
                self.scopes.push(Scope::default());
                match &f.init {
                    Some(ForInit::Var(v)) => {
                        if v.kind != VarKind::Var {
                            let mut names = Vec::new();
                            for d in &v.decls {
                                pattern_names(&d.target, &mut names);
                            }
                            for id in names {
                                self.declare(id, Kind::Var, false, false);
                            }
                        }
                        self.var_decl(v);
                    }
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
                self.scopes.pop();
            }
            Stmt::ForIn(f) => self.for_in_of(&f.left, &f.right, &f.body),
            Stmt::ForOf(f) => self.for_in_of(&f.left, &f.right, &f.body),
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
            Stmt::Throw(t) => self.expr(&t.arg),
            Stmt::Try(t) => {
                self.block(&t.block.body);
                if let Some(h) = &t.handler {
                    self.scopes.push(Scope::default());
                    if let Some(p) = &h.param {
                        let mut names = Vec::new();
                        pattern_names(p, &mut names);
                        for id in names {
                            self.declare(id, Kind::Var, false, false);
                        }
                        self.binding_pattern(p);
                    }
                    self.block(&h.body.body);
                    self.scopes.pop();
                }
                if let Some(f) = &t.finalizer {
                    self.block(&f.body);
                }
            }
            Stmt::Switch(sw) => {
                self.expr(&sw.discriminant);
                self.scopes.push(Scope::default());
                for case in &sw.cases {
                    self.declare_level(&case.body);
                }
                for case in &sw.cases {
                    if let Some(t) = &case.test {
                        self.expr(t);
                    }
                    for s in &case.body {
                        self.stmt(s);
                    }
                }
                self.scopes.pop();
            }
            Stmt::Labeled(l) => self.sub_stmt(&l.body),
            Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::Empty(_)
            | Stmt::Debugger(_)
            | Stmt::Invalid(_) => {}
        }
    }

    /// A statement in a position that is not a statement list (`if (x) let y = 1;` is not
    /// valid, but `if (x) function f() {}` and `label: class …` would still declare).
    fn sub_stmt(&mut self, s: &'a Stmt) {
        if matches!(s, Stmt::Block(_)) {
            self.stmt(s);
        } else {
            self.block(std::slice::from_ref(s));
        }
    }

    fn for_in_of(&mut self, left: &'a ForHead, right: &'a Expr, body: &'a Stmt) {
        self.scopes.push(Scope::default());
        match left {
            ForHead::Var { kind, target, .. } => {
                if *kind != VarKind::Var {
                    let mut names = Vec::new();
                    pattern_names(target, &mut names);
                    for id in names {
                        self.declare(id, Kind::Var, false, false);
                    }
                }
                self.binding_pattern(target);
            }
            ForHead::Target(p) => self.assign_target(p),
        }
        self.expr(right);
        self.sub_stmt(body);
        self.scopes.pop();
    }

    fn var_decl(&mut self, v: &'a VarDecl) {
        for d in &v.decls {
            self.binding_pattern(&d.target);
            if let Some(init) = &d.init {
                self.expr(init);
                if let Some(ty) = &d.ty {
                    self.check_typed_init(ty, init);
                }
            }
        }
    }

    /// The expressions inside a binding pattern (defaults and computed keys).
    fn binding_pattern(&mut self, p: &'a Pattern) {
        match p {
            Pattern::Ident(_) | Pattern::Invalid(_) => {}
            Pattern::Object(o) => {
                for prop in &o.props {
                    self.prop_key(&prop.key);
                    self.binding_pattern(&prop.value);
                }
                if let Some(rest) = &o.rest {
                    self.binding_pattern(rest);
                }
            }
            Pattern::Array(a) => {
                for el in a.elements.iter().flatten() {
                    self.binding_pattern(el);
                }
                if let Some(rest) = &a.rest {
                    self.binding_pattern(rest);
                }
            }
            Pattern::Default(p, e, _) => {
                self.binding_pattern(p);
                self.expr(e);
            }
            Pattern::Expr(e) => self.expr(e),
        }
    }

    /// An assignment target: identifiers in it are references.
    fn assign_target(&mut self, p: &'a Pattern) {
        match p {
            Pattern::Ident(id) => self.reference(id),
            Pattern::Invalid(_) => {}
            Pattern::Object(o) => {
                for prop in &o.props {
                    self.prop_key(&prop.key);
                    self.assign_target(&prop.value);
                }
                if let Some(rest) = &o.rest {
                    self.assign_target(rest);
                }
            }
            Pattern::Array(a) => {
                for el in a.elements.iter().flatten() {
                    self.assign_target(el);
                }
                if let Some(rest) = &a.rest {
                    self.assign_target(rest);
                }
            }
            Pattern::Default(p, e, _) => {
                self.assign_target(p);
                self.expr(e);
            }
            Pattern::Expr(e) => {
                self.record_this_assign(e);
                self.expr(e);
            }
        }
    }

    /// Inside a constructor, `this.x = …` assigns the field `x`.
    fn record_this_assign(&mut self, target: &Expr) {
        let Some(set) = self.ctor_assigns.last_mut() else {
            return;
        };
        if let Expr::Member(m) = target.unwrap_transparent() {
            if matches!(m.object.unwrap_transparent(), Expr::This(_)) {
                match &m.prop {
                    MemberProp::Ident(id) => {
                        set.insert(id.name.clone());
                    }
                    MemberProp::Computed(Expr::Str(s)) => {
                        set.insert(s.value.clone());
                    }
                    _ => {}
                }
            }
        }
    }

    /// `this.x = <literal or function>` inside a class whose field `x` has a Sendable type.
    fn check_field_assign(&mut self, target: &Pattern, value: &Expr) {
        let Pattern::Expr(target) = target else {
            return;
        };
        let Expr::Member(m) = target.unwrap_transparent() else {
            return;
        };
        if !matches!(m.object.unwrap_transparent(), Expr::This(_)) {
            return;
        }
        let MemberProp::Ident(id) = &m.prop else {
            return;
        };
        let Some(ty) = self
            .class_fields
            .last()
            .and_then(|f| f.get(id.name.as_str()).copied())
        else {
            return;
        };
        self.check_typed_init(ty, value);
    }

    fn prop_key(&mut self, k: &'a PropKey) {
        if let PropKey::Computed(e, _) = k {
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Ident(id) => self.reference(id),
            Expr::This(_)
            | Expr::Super(_)
            | Expr::Null(_)
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
                        ObjectProp::Shorthand(id) => self.reference(id),
                        ObjectProp::Method(m) => {
                            self.prop_key(&m.key);
                            self.function(&m.function, &[]);
                        }
                        ObjectProp::Spread(x, _) => self.expr(x),
                        ObjectProp::CoverInitializedName(id, x, _) => {
                            self.reference(id);
                            self.expr(x);
                        }
                    }
                }
            }
            Expr::Function(f) => self.function(f, &[]),
            Expr::Arrow(a) => self.arrow(a),
            Expr::Class(c) => self.class(c),
            Expr::Unary(u) => self.expr(&u.arg),
            Expr::Update(u) => self.expr(&u.arg),
            Expr::Binary(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
            }
            Expr::Logical(l) => {
                self.expr(&l.left);
                self.expr(&l.right);
            }
            Expr::Assign(a) => {
                self.assign_target(&a.target);
                self.expr(&a.value);
                if a.op == AssignOp::Assign {
                    self.check_field_assign(&a.target, &a.value);
                }
            }
            Expr::Conditional(c) => {
                self.expr(&c.test);
                self.expr(&c.consequent);
                self.expr(&c.alternate);
            }
            Expr::Call(c) => {
                self.expr(&c.callee);
                for a in &c.args {
                    self.expr(a);
                }
            }
            Expr::New(n) => {
                self.new_type_args(n);
                self.expr(&n.callee);
                for a in &n.args {
                    self.expr(a);
                }
            }
            Expr::Member(m) => {
                self.expr(&m.object);
                if let MemberProp::Computed(x) = &m.prop {
                    self.expr(x);
                }
            }
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
            Expr::As(x, ty, _) => {
                self.check_as_cast(x, ty);
                self.expr(x);
            }
            Expr::OptionalChain(x, _)
            | Expr::Paren(x, _)
            | Expr::Spread(x, _)
            | Expr::Await(x, _)
            | Expr::ImportCall(x, _)
            | Expr::AsConst(x, _)
            | Expr::Satisfies(x, _, _)
            | Expr::NonNull(x, _)
            | Expr::TypeArgs(x, _, _) => self.expr(x),
        }
    }

    /// E4020 for `x as T` with a Sendable `T` when `x` is certainly not Sendable. Without types
    /// only what the expression shows is known: literals, functions, and `new C()` of a class
    /// of this file that is not Sendable or of a built-in JS constructor. Casts from a variable
    /// (typed `Object` or anything else) are left alone.
    fn check_as_cast(&mut self, x: &'a Expr, ty: &Type) {
        if !self.is_sendable_object_type(ty, 0) && !self.is_sendable_function_type(ty) {
            return;
        }
        let what = match x.unwrap_transparent() {
            Expr::Object(_) => "an object literal".to_string(),
            Expr::Array(_) => "an array literal".to_string(),
            Expr::Arrow(_) | Expr::Function(_) => "a function expression".to_string(),
            Expr::New(n) => match n.callee.unwrap_transparent() {
                Expr::Ident(id) => match self.types.get(id.name.as_str()) {
                    Some(TypeDecl::Class { sendable: false }) => {
                        format!("a new `{}`", id.name)
                    }
                    None if LOCAL_CTORS.contains(&id.name.as_str())
                        && self.resolve(&id.name).is_none() =>
                    {
                        format!("a new `{}`", id.name)
                    }
                    _ => return,
                },
                _ => return,
            },
            _ => return,
        };
        self.error(diag::sendable_as_cast(self.file, x.span(), &what));
    }

    /// E4015 for `new collections.Array<number[]>()` and `new SendableClass<Plain>()`: the type
    /// arguments of a generic Sendable type must be Sendable.
    fn new_type_args(&mut self, n: &'a NewExpr) {
        if n.type_args.is_empty() {
            return;
        }
        let sendable_callee = match n.callee.unwrap_transparent() {
            Expr::Member(m) => {
                let mut root = &m.object;
                while let Expr::Member(inner) = root.unwrap_transparent() {
                    root = &inner.object;
                }
                matches!(root.unwrap_transparent(), Expr::Ident(id)
                    if (id.name == "collections" || id.name == "ArkTSUtils")
                        && self.resolve(&id.name).is_none_or(|(_, b)| b.kind == Kind::Import))
            }
            Expr::Ident(id) => matches!(
                self.resolve(&id.name),
                Some((_, b)) if b.kind == Kind::Class && b.sendable
            ),
            _ => false,
        };
        if sendable_callee {
            if let Some(p) = self.args_problem(&n.type_args, &[], 0) {
                self.report_type_problem(p, "");
            }
        }
    }

    /// A function with parameters and a body, inside the given boundaries.
    fn function(&mut self, f: &'a Function, boundaries: &[BoundaryKind]) {
        self.scopes.push(Scope::default());
        if let Some(name) = &f.name {
            // A named function expression sees its own name; for declarations the name lives
            // outside, and the boundary's `own` allows it.
            self.declare(name, Kind::Function, false, false);
        }
        let depth = self.scopes.len() - 1;
        let own = f.name.as_ref().map(|n| n.name.as_str());
        for &kind in boundaries {
            self.boundaries.push(Boundary { kind, depth, own });
        }
        self.params(&f.params);
        if let Some(body) = &f.body {
            self.enter_body(&body.body);
            for s in &body.body {
                self.stmt(s);
            }
        }
        for _ in boundaries {
            self.boundaries.pop();
        }
        self.scopes.pop();
    }

    fn params(&mut self, params: &'a [Param]) {
        let mut names = Vec::new();
        for p in params {
            pattern_names(&p.pattern, &mut names);
        }
        for id in names {
            self.declare(id, Kind::Param, false, false);
        }
        for p in params {
            self.binding_pattern(&p.pattern);
            if let Some(d) = &p.default {
                self.expr(d);
            }
        }
    }

    fn arrow(&mut self, a: &'a ArrowFunction) {
        self.scopes.push(Scope::default());
        self.params(&a.params);
        match &a.body {
            ArrowBody::Expr(e) => self.expr(e),
            ArrowBody::Block(b) => {
                self.enter_body(&b.body);
                for s in &b.body {
                    self.stmt(s);
                }
            }
        }
        self.scopes.pop();
    }

    // -----------------------------------------------------------------------------------------
    // Declarations with rules
    // -----------------------------------------------------------------------------------------

    /// A function declaration (or `export default function`).
    fn function_decl(&mut self, f: &'a Function) {
        let concurrent = has_decorator(&f.decorators, "Concurrent");
        let sendable = has_decorator(&f.decorators, "Sendable");
        let mut boundaries = Vec::new();
        if concurrent {
            if f.is_generator {
                for d in f
                    .decorators
                    .iter()
                    .filter(|d| d.name() == Some("Concurrent"))
                {
                    let what = if f.is_async {
                        "an async generator function"
                    } else {
                        "a generator function"
                    };
                    self.error(diag::concurrent_misplaced(self.file, d.span, what));
                }
            } else {
                boundaries.push(BoundaryKind::Concurrent);
            }
        }
        if sendable {
            for d in f.decorators.iter().filter(|d| d.name() != Some("Sendable")) {
                self.error(diag::sendable_other_decorator(
                    self.file, d.span, "function",
                ));
            }
            boundaries.push(BoundaryKind::SendableFunction);
        }
        if f.body.is_none() {
            return;
        }
        self.function(f, &boundaries);
    }

    fn type_alias(&mut self, t: &'a TypeAliasDecl) {
        for d in &t.decorators {
            if d.name() == Some("Concurrent") {
                self.error(diag::concurrent_misplaced(
                    self.file,
                    d.span,
                    "a type alias",
                ));
            }
        }
        if has_decorator(&t.decorators, "Sendable") {
            for d in t
                .decorators
                .iter()
                .filter(|d| d.name() != Some("Sendable") && d.name() != Some("Concurrent"))
            {
                self.error(diag::sendable_other_decorator(
                    self.file,
                    d.span,
                    "typeAlias",
                ));
            }
            let mut ty = &t.ty;
            while let Type::Paren(inner, _) = ty {
                ty = inner;
            }
            let is_fn = matches!(ty, Type::Function(f) if !f.is_constructor);
            if !is_fn {
                self.error(diag::sendable_alias_not_function(self.file, t.ty.span()));
            }
        }
    }

    fn interface(&mut self, i: &'a InterfaceDecl) {
        let sendable = i.extends.iter().any(|t| self.is_sendable_interface_ref(t));
        if !sendable {
            return;
        }
        let tparams: Vec<&str> = i.type_params.iter().map(|p| p.name.name.as_str()).collect();
        for m in &i.body {
            if let TypeMember::Property { key, ty, .. } = m {
                if let PropKey::Computed(_, span) = key {
                    self.error(diag::sendable_computed_name(self.file, *span));
                    continue;
                }
                if let Some(ty) = ty {
                    if let Some(p) = self.type_problem(ty, &tparams, 0) {
                        let name = key_name(key).unwrap_or_default();
                        self.report_type_problem(p, &name);
                    }
                }
            }
        }
    }

    /// Decorators on a class member (or one of its parameters).
    fn member_decorators(&mut self, decorators: &[Decorator], what: &str, sendable_class: bool) {
        for d in decorators {
            match d.name() {
                Some("Concurrent") => {
                    self.error(diag::concurrent_misplaced(self.file, d.span, what))
                }
                Some("Sendable") => self.error(diag::sendable_misplaced(self.file, d.span, what)),
                _ if sendable_class => {
                    self.error(diag::sendable_other_decorator(self.file, d.span, "class"))
                }
                _ => {}
            }
        }
    }

    fn class(&mut self, c: &'a Class) {
        let sendable = is_sendable_class(c);
        self.class_rules(c, sendable);
        if let Some(sup) = &c.super_class {
            self.expr(sup);
        }
        self.scopes.push(Scope::default());
        if let Some(name) = &c.name {
            self.declare(name, Kind::Class, false, sendable);
        }
        if sendable {
            let depth = self.scopes.len() - 1;
            self.boundaries.push(Boundary {
                kind: BoundaryKind::SendableClass,
                depth,
                own: None,
            });
        }
        let mut fields: FxHashMap<&'a str, &'a Type> = FxHashMap::default();
        for m in &c.members {
            if let ClassMember::Property(p) = m {
                if let (PropKey::Ident(id), Some(ty)) = (&p.key, &p.ty) {
                    fields.insert(&id.name, ty);
                }
            }
        }
        self.class_fields.push(fields);
        let mut assigned: FxHashSet<String> = FxHashSet::default();
        for m in &c.members {
            match m {
                ClassMember::Constructor(ctor) => {
                    self.ctor_assigns.push(FxHashSet::default());
                    self.function(&ctor.function, &[]);
                    if let Some(set) = self.ctor_assigns.pop() {
                        assigned.extend(set);
                    }
                }
                ClassMember::Method(m) => {
                    self.prop_key(&m.key);
                    self.function(&m.function, &[]);
                }
                ClassMember::Property(p) => {
                    self.prop_key(&p.key);
                    if let Some(v) = &p.value {
                        self.expr(v);
                    }
                }
                ClassMember::StaticBlock(b) => {
                    self.scopes.push(Scope::default());
                    self.enter_body(&b.body);
                    for s in &b.body {
                        self.stmt(s);
                    }
                    self.scopes.pop();
                }
                ClassMember::IndexSignature(_) | ClassMember::Empty(_) => {}
            }
        }
        self.class_fields.pop();
        if sendable {
            self.boundaries.pop();
        }
        self.scopes.pop();
        if sendable {
            self.field_initialization(c, &assigned);
        }
    }

    /// Decorators, inheritance and member rules of a class (everything but captures and field
    /// initialization).
    fn class_rules(&mut self, c: &'a Class, sendable: bool) {
        for d in &c.decorators {
            match d.name() {
                Some("Sendable") => {}
                Some("Concurrent") => {
                    self.error(diag::concurrent_misplaced(self.file, d.span, "a class"))
                }
                _ if sendable => {
                    self.error(diag::sendable_other_decorator(self.file, d.span, "class"))
                }
                _ => {}
            }
        }
        self.heritage(c, sendable);

        let tparams: Vec<&str> = c.type_params.iter().map(|p| p.name.name.as_str()).collect();
        if sendable {
            for p in &c.type_params {
                if let Some(def) = &p.default {
                    if let Some(mut prob) = self.type_problem(def, &[], 0) {
                        prob.generic = true;
                        self.report_type_problem(prob, "");
                    }
                }
            }
        }
        for m in &c.members {
            match m {
                ClassMember::Constructor(ctor) => {
                    for p in &ctor.function.params {
                        self.member_decorators(&p.decorators, "a parameter", sendable);
                        if sendable && p.modifiers.is_parameter_property() {
                            self.sendable_param_property(p, &tparams);
                        }
                    }
                }
                ClassMember::Method(m) => {
                    let what = match m.kind {
                        MethodKind::Method => "a method",
                        MethodKind::Getter | MethodKind::Setter => "an accessor",
                    };
                    self.member_decorators(&m.decorators, what, sendable);
                    for p in &m.function.params {
                        self.member_decorators(&p.decorators, "a parameter", sendable);
                    }
                    if sendable {
                        self.sendable_member_key(&m.key);
                    }
                }
                ClassMember::Property(p) => {
                    self.member_decorators(&p.decorators, "a property", sendable);
                    if sendable {
                        self.sendable_field(p, &tparams);
                    } else if let (Some(ty), Some(v)) = (&p.ty, &p.value) {
                        self.check_typed_init(ty, v);
                    }
                }
                ClassMember::IndexSignature(ix) => {
                    self.member_decorators(&ix.decorators, "an index signature", sendable);
                }
                ClassMember::StaticBlock(_) | ClassMember::Empty(_) => {}
            }
        }
    }

    /// The inheritance rules: Sendable classes extend only Sendable classes; other classes
    /// neither extend Sendable classes nor implement Sendable interfaces.
    fn heritage(&mut self, c: &'a Class, sendable: bool) {
        if let Some(sup) = &c.super_class {
            if let Expr::Ident(id) = sup.unwrap_transparent() {
                match self.resolve(&id.name).map(|(_, b)| b.clone()) {
                    Some(b) if b.kind == Kind::Class => {
                        if sendable && !b.sendable {
                            self.error(diag::sendable_inheritance(
                                self.file,
                                id.span,
                                &format!("`{}` is not a Sendable class", id.name),
                                "a Sendable class can only extend a Sendable class; mark the base class with @Sendable",
                            ));
                        } else if !sendable && b.sendable {
                            self.error(diag::sendable_inheritance(
                                self.file,
                                id.span,
                                &format!("`{}` is a Sendable class", id.name),
                                "a class that extends a Sendable class must be @Sendable too",
                            ));
                        }
                    }
                    Some(b)
                        if sendable
                            && matches!(b.kind, Kind::Var | Kind::Param | Kind::Function) =>
                    {
                        self.error(diag::sendable_inheritance(
                            self.file,
                            id.span,
                            &format!("`{}` is not a class", id.name),
                            "a Sendable class can only extend a Sendable class declared with `class`, not a variable",
                        ));
                    }
                    Some(_) => {}
                    None => {
                        if sendable {
                            self.error(diag::sendable_inheritance(
                                self.file,
                                id.span,
                                &format!("the built-in `{}` is not a Sendable class", id.name),
                                "a Sendable class can only extend a Sendable class",
                            ));
                        }
                    }
                }
            }
        }
        if !sendable {
            for t in &c.implements {
                if self.is_sendable_type_ref(t) {
                    let name = match t {
                        Type::Ref(r) => r.dotted(),
                        _ => String::new(),
                    };
                    self.error(diag::sendable_inheritance(
                        self.file,
                        t.span(),
                        &format!("`{name}` is a Sendable type"),
                        "a class that implements a Sendable interface must be @Sendable",
                    ));
                }
            }
        }
    }

    fn sendable_member_key(&mut self, key: &PropKey) -> bool {
        match key {
            PropKey::Computed(_, span) => {
                self.error(diag::sendable_computed_name(self.file, *span));
                false
            }
            PropKey::Private(id) => {
                // The identifier's span leaves out the `#`.
                let span = Span::new(id.span.start.saturating_sub(1), id.span.end);
                self.error(diag::sendable_private_name(self.file, span));
                false
            }
            _ => true,
        }
    }

    fn sendable_field(&mut self, p: &'a ClassProperty, tparams: &[&str]) {
        if !self.sendable_member_key(&p.key) {
            return;
        }
        let name = key_name(&p.key).unwrap_or_default();
        if p.definite {
            self.error(diag::sendable_definite_assignment(self.file, p.key.span()));
        }
        let Some(ty) = &p.ty else {
            self.error(diag::sendable_field_untyped(self.file, p.key.span(), &name));
            return;
        };
        if let Some(prob) = self.type_problem(ty, tparams, 0) {
            self.report_type_problem(prob, &name);
            return;
        }
        if let Some(v) = &p.value {
            if !self.check_typed_init(ty, v) {
                match v.unwrap_transparent() {
                    Expr::Array(a) => {
                        self.error(diag::sendable_literal_init(self.file, a.span, true))
                    }
                    Expr::Object(o) => {
                        self.error(diag::sendable_literal_init(self.file, o.span, false))
                    }
                    _ => {}
                }
            }
        }
    }

    fn sendable_param_property(&mut self, p: &'a Param, tparams: &[&str]) {
        let Pattern::Ident(id) = &p.pattern else {
            return;
        };
        match &p.ty {
            None => self.error(diag::sendable_field_untyped(self.file, id.span, &id.name)),
            Some(ty) => {
                if let Some(prob) = self.type_problem(ty, tparams, 0) {
                    self.report_type_problem(prob, &id.name);
                }
            }
        }
    }

    /// True when `undefined` may be a value of the type (`T | undefined`, `any`, `unknown`,
    /// `void`, or a type that cannot be resolved here), so that TypeScript would not require the
    /// field to be initialized.
    fn admits_undefined(&self, t: &Type, depth: u32) -> bool {
        match t {
            Type::Keyword(k, _) => matches!(
                k,
                KeywordType::Undefined
                    | KeywordType::Any
                    | KeywordType::Unknown
                    | KeywordType::Void
            ),
            Type::Paren(inner, _) => self.admits_undefined(inner, depth),
            Type::Union(ms, _) => ms.iter().any(|m| self.admits_undefined(m, depth)),
            Type::Ref(r) if r.name.len() == 1 => match self.types.get(r.name[0].name.as_str()) {
                Some(TypeDecl::Alias { decl, .. }) if depth < 16 => {
                    self.admits_undefined(&decl.ty, depth + 1)
                }
                Some(TypeDecl::Class { .. })
                | Some(TypeDecl::Interface { .. })
                | Some(TypeDecl::Enum { .. }) => false,
                // Type parameters, imports, globals: do not guess.
                _ => builtin_non_sendable(&r.name[0].name, &[]).is_none(),
            },
            Type::Ref(r) => r
                .name
                .first()
                .is_none_or(|root| root.name != "collections" && root.name != "ArkTSUtils"),
            Type::Literal(..) | Type::Array(..) | Type::Tuple(..) => false,
            Type::Function(_) | Type::Object(..) | Type::TemplateLiteral(..) => false,
            _ => true,
        }
    }

    /// E4009: instance fields of a Sendable class need an initializer or an assignment in the
    /// constructor (unless their type admits `undefined`).
    fn field_initialization(&mut self, c: &'a Class, assigned: &FxHashSet<String>) {
        for m in &c.members {
            let ClassMember::Property(p) = m else {
                continue;
            };
            if p.value.is_some()
                || p.definite
                || p.optional
                || p.modifiers.is_static
                || p.modifiers.declare
                || p.modifiers.is_abstract
                || p.ty.as_ref().is_none_or(|t| self.admits_undefined(t, 0))
            {
                continue;
            }
            let Some(name) = key_name(&p.key) else {
                continue;
            };
            if matches!(p.key, PropKey::Private(_) | PropKey::Computed(..)) {
                continue;
            }
            if !assigned.contains(&name) {
                self.error(diag::sendable_field_uninitialized(
                    self.file,
                    p.key.span(),
                    &name,
                ));
            }
        }
    }
}

/// "is `A` (an array type, …)" → "an array type, …"; "is an array type, …" → the same.
fn innermost_reason(why: &str) -> &str {
    if why.starts_with("is `") {
        if let Some(i) = why.find(" (") {
            return why[i + 2..].strip_suffix(')').unwrap_or(&why[i + 2..]);
        }
    }
    why.trim_start_matches("is ")
}

/// The name of a non-computed property key.
fn key_name(k: &PropKey) -> Option<String> {
    match k {
        PropKey::Ident(id) | PropKey::Private(id) => Some(id.name.clone()),
        PropKey::Str(s) => Some(s.value.clone()),
        PropKey::Num(n, _) => Some(format!("{n}")),
        PropKey::BigInt(b, _) => Some(b.clone()),
        PropKey::Computed(..) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Shared modules ('use shared')
// ---------------------------------------------------------------------------------------------

/// True if the module's directive prologue contains `'use shared'`. As in ArkTS, the directive
/// comes after the imports and before any other statement; the string-literal statements
/// before the first other statement (imports skipped) are the prologue.
pub(crate) fn is_shared_module(program: &Program) -> bool {
    for s in &program.body {
        match s {
            Stmt::Import(_) | Stmt::Empty(_) => {}
            Stmt::Expr(e) => match &e.expr {
                Expr::Str(lit) if lit.value == "use shared" => return true,
                Expr::Str(_) => {}
                _ => return false,
            },
            _ => return false,
        }
    }
    false
}

/// Why a top-level binding of a shared module is plainly not Sendable, if it is.
#[derive(Clone, Copy)]
enum NotShareable {
    Class,
    Function,
    Value(&'static str),
}

impl NotShareable {
    fn describe(self) -> &'static str {
        match self {
            NotShareable::Class => "a class without `@Sendable`",
            NotShareable::Function => "a function without `@Sendable`",
            NotShareable::Value(what) => what,
        }
    }
}

/// Builtin constructors whose instances are never Sendable.
const LOCAL_CTORS: &[&str] = &[
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "WeakRef",
    "Date",
    "RegExp",
    "Array",
    "Object",
    "Error",
    "Promise",
    "ArrayBuffer",
    "Int8Array",
    "Uint8Array",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "Float32Array",
    "Float64Array",
    "DataView",
];

/// The `'use shared'` rules (ArkTS linter: `arkts-no-side-effects-imports`,
/// `arkts-shared-module-no-wildcard-export`, `arkts-shared-module-exports`). Conservative: an
/// export is reported only when it is a non-Sendable class or function declared in this file, or
/// a value whose initializer is a literal or constructor call that can never be Sendable.
fn check_shared_module(program: &Program, file: FileId, out: &mut Vec<Diagnostic>) {
    if !is_shared_module(program) {
        return;
    }
    // Top-level declarations: name → verdict (None = fine or unknown).
    let mut top: FxHashMap<&str, Option<NotShareable>> = FxHashMap::default();
    fn declare<'a>(s: &'a Stmt, top: &mut FxHashMap<&'a str, Option<NotShareable>>) {
        match s {
            Stmt::Class(c) => {
                if let Some(n) = &c.name {
                    let v = (!c.declare && !is_sendable_class(c)).then_some(NotShareable::Class);
                    top.insert(&n.name, v);
                }
            }
            Stmt::Function(f) => {
                if let Some(n) = &f.name {
                    let v = (f.body.is_some() && !has_decorator(&f.decorators, "Sendable"))
                        .then_some(NotShareable::Function);
                    top.insert(&n.name, v);
                }
            }
            Stmt::Var(v) => {
                for d in &v.decls {
                    let mut names = Vec::new();
                    pattern_names(&d.target, &mut names);
                    for n in names {
                        top.insert(&n.name, None);
                    }
                }
            }
            Stmt::Enum(e) => {
                top.insert(&e.name.name, None);
            }
            Stmt::Import(i) => {
                for sp in &i.specifiers {
                    let (ImportSpecifier::Default(id)
                    | ImportSpecifier::Namespace(id)
                    | ImportSpecifier::Named { local: id, .. }) = sp;
                    top.insert(&id.name, None);
                }
            }
            _ => {}
        }
    }
    for s in &program.body {
        match s {
            Stmt::Export(e) => {
                if let ExportKind::Decl(d) = &e.kind {
                    declare(d, &mut top);
                }
            }
            s => declare(s, &mut top),
        }
    }
    // Variable initializers, once every top-level class is known.
    let mut var_verdicts: Vec<(&str, Option<NotShareable>)> = Vec::new();
    for s in &program.body {
        let v = match s {
            Stmt::Var(v) => v,
            Stmt::Export(e) => match &e.kind {
                ExportKind::Decl(Stmt::Var(v)) => v,
                _ => continue,
            },
            _ => continue,
        };
        for d in &v.decls {
            if let (Pattern::Ident(id), Some(init)) = (&d.target, &d.init) {
                var_verdicts.push((&id.name, value_verdict(init, &top)));
            }
        }
    }
    for (n, v) in var_verdicts {
        top.insert(n, v);
    }
    let mut bad: Vec<(Span, Option<NotShareable>)> = Vec::new();
    let mut report = |span: Span, v: Option<NotShareable>| bad.push((span, v));
    for s in &program.body {
        match s {
            Stmt::Import(i) if i.specifiers.is_empty() && !i.type_only => {
                out.push(diag::shared_side_effect_import(file, i.span));
            }
            Stmt::Export(e) => match &e.kind {
                ExportKind::All { alias: None, .. } => {
                    out.push(diag::shared_wildcard_export(file, e.span))
                }
                ExportKind::Decl(Stmt::Class(c)) => {
                    if let Some(n) = &c.name {
                        report(n.span, top.get(n.name.as_str()).copied().flatten());
                    }
                }
                ExportKind::Decl(Stmt::Function(f)) => {
                    if let Some(n) = &f.name {
                        report(n.span, top.get(n.name.as_str()).copied().flatten());
                    }
                }
                ExportKind::Decl(Stmt::Var(v)) => {
                    for d in &v.decls {
                        if let Pattern::Ident(id) = &d.target {
                            report(id.span, top.get(id.name.as_str()).copied().flatten());
                        }
                    }
                }
                ExportKind::DefaultClass(c) if !c.declare && !is_sendable_class(c) => {
                    report(
                        c.name.as_ref().map_or(e.span, |n| n.span),
                        Some(NotShareable::Class),
                    );
                }
                ExportKind::DefaultFunction(f)
                    if f.body.is_some() && !has_decorator(&f.decorators, "Sendable") =>
                {
                    report(
                        f.name.as_ref().map_or(e.span, |n| n.span),
                        Some(NotShareable::Function),
                    );
                }
                ExportKind::DefaultExpr(x) => report(x.span(), value_verdict(x, &top)),
                ExportKind::Named {
                    specifiers,
                    source: None,
                    type_only: false,
                } => {
                    for sp in specifiers {
                        if sp.type_only {
                            continue;
                        }
                        let n = sp.local.name();
                        report(sp.local.span(), top.get(n).copied().flatten());
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    for (span, v) in bad {
        if let Some(v) = v {
            out.push(diag::shared_export_not_sendable(file, span, v.describe()));
        }
    }
}

/// The verdict for a value expression exported from a shared module.
fn value_verdict(e: &Expr, top: &FxHashMap<&str, Option<NotShareable>>) -> Option<NotShareable> {
    match e {
        Expr::Paren(x, _) | Expr::NonNull(x, _) => value_verdict(x, top),
        Expr::Object(_) => Some(NotShareable::Value("an object literal")),
        Expr::Array(_) => Some(NotShareable::Value("an array literal")),
        Expr::Regex(_) => Some(NotShareable::Value("a regular expression")),
        Expr::Arrow(_) => Some(NotShareable::Value("an arrow function")),
        Expr::Function(f) if !has_decorator(&f.decorators, "Sendable") => {
            Some(NotShareable::Value("a function expression"))
        }
        Expr::Class(c) if !is_sendable_class(c) => Some(NotShareable::Value("a class expression")),
        Expr::Ident(id) => top.get(id.name.as_str()).copied().flatten(),
        Expr::New(n) => match &n.callee {
            Expr::Ident(id) => match top.get(id.name.as_str()) {
                Some(Some(NotShareable::Class)) => Some(NotShareable::Value(
                    "an instance of a class without `@Sendable`",
                )),
                Some(_) => None,
                None if LOCAL_CTORS.contains(&id.name.as_str()) => {
                    Some(NotShareable::Value("an instance of a builtin class"))
                }
                None => None,
            },
            _ => None,
        },
        _ => None,
    }
}
