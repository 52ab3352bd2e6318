//! Helpers called by the grammar's actions: they build AST nodes, reinterpret expressions as
//! patterns, and record diagnostics for things the grammar accepts but the language forbids.

use crate::diagnostics as d;
use lalrpop_util::{ErrorRecovery, ParseError};
use skiff_ast::*;
use skiff_diagnostics::{Diagnostic, FileId};
use skiff_lexer::{Tok, TplPart};

/// The grammar's error type for fallible actions. It has no values: every action succeeds and
/// records problems as diagnostics instead.
#[derive(Clone, Debug, PartialEq)]
pub enum Never {}

/// State threaded through the parser's actions.
pub struct State {
    pub file: FileId,
    pub diagnostics: Vec<Diagnostic>,
    /// Where the previous recovered error started, to drop the follow-up errors that the same
    /// mistake causes.
    pub last_error_at: Option<usize>,
    /// Spans of `{ a = 1 }` shorthand initialisers not (yet) reinterpreted as patterns; any left
    /// at the end are errors.
    pub cover_inits: Vec<Span>,
    /// Spans of spread elements followed by a trailing comma (`[...a,]`, `{...a,}`): fine in a
    /// literal, an error once the literal is reinterpreted as a destructuring pattern.
    pub spread_before_comma: Vec<Span>,
    /// Syntax errors recovered from so far, shared with the token stream, which ends the input
    /// once there are too many (see `MAX_RECOVERED_ERRORS` in lib.rs).
    pub recovered: std::rc::Rc<std::cell::Cell<usize>>,
}

pub fn sp(l: usize, r: usize) -> Span {
    Span::from(l..r.max(l))
}

impl State {
    pub fn new(file: FileId) -> Self {
        State {
            file,
            diagnostics: Vec::new(),
            last_error_at: None,
            cover_inits: Vec::new(),
            spread_before_comma: Vec::new(),
            recovered: Default::default(),
        }
    }

    pub fn object_literal(&mut self, props: Vec<ObjectProp>, span: Span) -> Expr {
        for p in &props {
            if let ObjectProp::CoverInitializedName(_, _, s) = p {
                self.cover_inits.push(*s);
            }
        }
        Expr::Object(Box::new(ObjectLit { props, span }))
    }

    /// Reports the shorthand initialisers that never became part of a destructuring pattern.
    pub fn finish(&mut self) {
        for s in std::mem::take(&mut self.cover_inits) {
            self.diagnostics
                .push(d::stray_cover_initializer(self.file, s));
        }
    }

    /// The first of two names in a type parameter is a variance modifier; only `out` is one.
    pub fn variance_out(&mut self, id: Ident) {
        if id.name != "out" {
            self.error(d::unexpected_token(
                self.file,
                id.span,
                &format!("identifier `{}`", id.name),
                "`out`, `extends`, `=`, `,` or `>`",
            ));
        }
    }

    /// A parameter list; a rest parameter comes last, with no comma after it. Parameters arrive
    /// boxed from the parser's symbol stack, where boxing keeps entries small.
    #[allow(clippy::vec_box)]
    pub fn params(&mut self, mut v: Vec<Box<Param>>, last: Option<Box<Param>>) -> Vec<Param> {
        let before_last = v.len().saturating_sub(usize::from(last.is_none()));
        for p in v[..before_last].iter().filter(|p| p.rest) {
            self.error(d::rest_param_not_last(self.file, p.span));
        }
        match last {
            Some(p) => v.push(p),
            None => {
                if let Some(p) = v.last().filter(|p| p.rest) {
                    self.error(d::rest_trailing_comma(self.file, p.span));
                }
            }
        }
        v.into_iter().map(|p| *p).collect()
    }

    pub fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Records a syntax error the parser recovered from.
    pub fn recover(&mut self, e: ErrorRecovery<usize, Tok, Never>) {
        self.parse_error(e.error);
    }

    pub fn parse_error(&mut self, e: ParseError<usize, Tok, Never>) {
        let at = match &e {
            ParseError::InvalidToken { location }
            | ParseError::UnrecognizedEof { location, .. } => *location,
            ParseError::UnrecognizedToken { token, .. } | ParseError::ExtraToken { token } => {
                token.0
            }
            ParseError::User { error } => match *error {},
        };
        if self.last_error_at == Some(at) {
            return;
        }
        self.last_error_at = Some(at);
        let diag = d::from_parse_error(self.file, e);
        self.diagnostics.push(diag);
        self.recovered.set(self.recovered.get() + 1);
    }

    pub fn assign(&mut self, target: Expr, op: AssignOp, value: Expr, span: Span) -> Expr {
        let target = match op {
            AssignOp::Assign => self.pattern_from(target),
            _ => self.simple_target(target),
        };
        Expr::Assign(Box::new(AssignExpr {
            op,
            target,
            value,
            span,
        }))
    }

    pub fn update(&mut self, op: UpdateOp, prefix: bool, arg: Expr, span: Span) -> Expr {
        if !is_simple_target(&arg) {
            self.error(d::invalid_target(
                self.file,
                arg.span(),
                "an increment or decrement",
            ));
        }
        Expr::Update(Box::new(UpdateExpr {
            op,
            prefix,
            arg,
            span,
        }))
    }

    /// A target for compound assignment: an identifier or a member expression.
    fn simple_target(&mut self, e: Expr) -> Pattern {
        match e {
            Expr::Ident(id) => Pattern::Ident(id),
            e if is_simple_target(&e) => Pattern::Expr(Box::new(e)),
            e => {
                self.error(d::invalid_target(self.file, e.span(), "an assignment"));
                Pattern::Invalid(e.span())
            }
        }
    }

    /// A string used as an import or export name must be well-formed Unicode (no lone
    /// surrogates): module names are matched as text between files.
    pub fn export_name_string(&mut self, s: StrLit) -> ModuleExportName {
        if s.utf16.is_some() {
            self.error(d::ill_formed_export_name(self.file, s.span));
        }
        ModuleExportName::Str(s)
    }

    /// A rest element must be the last element of its pattern, with no comma after it.
    fn check_rest_position(&mut self, rest: Span, last: bool) {
        let comma = self.spread_before_comma.iter().rposition(|c| *c == rest);
        if let Some(k) = comma {
            self.spread_before_comma.swap_remove(k);
        }
        if !last || comma.is_some() {
            self.error(d::rest_not_last(self.file, rest));
        }
    }

    /// The target of a rest element: it takes no default (`[...x = 1] = y`), and in an object
    /// pattern it is a plain target, not a nested pattern (`({...{a}} = y)`).
    fn rest_target(&mut self, e: Expr, rest: Span, nested_pattern_allowed: bool) -> Pattern {
        match e.unwrap_transparent() {
            Expr::Assign(_) => {
                self.error(d::rest_with_default(self.file, rest));
                Pattern::Invalid(rest)
            }
            Expr::Array(_) | Expr::Object(_) if !nested_pattern_allowed => {
                self.error(d::invalid_target(
                    self.file,
                    e.span(),
                    "an object rest element",
                ));
                Pattern::Invalid(rest)
            }
            _ => self.pattern_from(e),
        }
    }

    /// Reinterprets an expression (the left side of `=`, or of `for … of`) as a pattern.
    pub fn pattern_from(&mut self, e: Expr) -> Pattern {
        match e {
            Expr::Ident(id) => Pattern::Ident(id),
            Expr::Member(_) => Pattern::Expr(Box::new(e)),
            Expr::Paren(inner, span) => match *inner {
                Expr::Ident(id) => Pattern::Ident(id),
                inner if is_simple_target(&inner) => Pattern::Expr(Box::new(inner)),
                _ => {
                    self.error(d::invalid_target(self.file, span, "an assignment"));
                    Pattern::Invalid(span)
                }
            },
            Expr::NonNull(..) | Expr::As(..) | Expr::Satisfies(..) if is_simple_target(&e) => {
                match e.unwrap_transparent().clone() {
                    Expr::Ident(id) => Pattern::Ident(id),
                    _ => Pattern::Expr(Box::new(e)),
                }
            }
            Expr::Assign(a) => {
                let AssignExpr {
                    op,
                    target,
                    value,
                    span,
                } = *a;
                if op != AssignOp::Assign {
                    self.error(d::invalid_target(
                        self.file,
                        span,
                        "a destructuring default",
                    ));
                    return Pattern::Invalid(span);
                }
                Pattern::Default(Box::new(target), Box::new(value), span)
            }
            Expr::Array(a) => {
                let ArrayLit { elements, span } = *a;
                let mut out = Vec::new();
                let mut rest = None;
                let n = elements.len();
                for (i, el) in elements.into_iter().enumerate() {
                    match el {
                        None => out.push(None),
                        Some(Expr::Spread(inner, s)) => {
                            self.check_rest_position(s, i + 1 == n);
                            rest = Some(Box::new(self.rest_target(*inner, s, true)));
                        }
                        Some(e) => out.push(Some(self.pattern_from(e))),
                    }
                }
                Pattern::Array(Box::new(ArrayPattern {
                    elements: out,
                    rest,
                    span,
                }))
            }
            Expr::Object(o) => {
                let ObjectLit { props, span } = *o;
                let mut out = Vec::new();
                let mut rest = None;
                let n = props.len();
                for (i, p) in props.into_iter().enumerate() {
                    match p {
                        ObjectProp::KeyValue(key, value, s) => {
                            let value = self.pattern_from(value);
                            out.push(ObjectPatternProp {
                                key,
                                value,
                                shorthand: false,
                                span: s,
                            });
                        }
                        ObjectProp::Shorthand(id) => out.push(ObjectPatternProp {
                            key: PropKey::Ident(id.clone()),
                            span: id.span,
                            value: Pattern::Ident(id),
                            shorthand: true,
                        }),
                        ObjectProp::CoverInitializedName(id, init, s) => {
                            if let Some(k) = self.cover_inits.iter().rposition(|c| *c == s) {
                                self.cover_inits.swap_remove(k);
                            }
                            out.push(ObjectPatternProp {
                                key: PropKey::Ident(id.clone()),
                                value: Pattern::Default(
                                    Box::new(Pattern::Ident(id)),
                                    Box::new(init),
                                    s,
                                ),
                                shorthand: true,
                                span: s,
                            })
                        }
                        ObjectProp::Spread(e, s) => {
                            self.check_rest_position(s, i + 1 == n);
                            rest = Some(Box::new(self.rest_target(e, s, false)));
                        }
                        ObjectProp::Method(m) => {
                            self.error(d::invalid_target(
                                self.file,
                                m.span,
                                "a destructuring pattern",
                            ));
                        }
                    }
                }
                Pattern::Object(Box::new(ObjectPattern {
                    props: out,
                    rest,
                    span,
                }))
            }
            e => {
                let span = e.span();
                self.error(d::invalid_target(self.file, span, "an assignment"));
                Pattern::Invalid(span)
            }
        }
    }

    pub fn with_stmt(&mut self, _object: Expr, _body: Stmt, span: Span) -> Stmt {
        self.error(d::with_statement(self.file, span));
        Stmt::Invalid(span)
    }

    /// `new.target` or `import.meta`; `name_span` is where the name after the dot is spelled.
    pub fn meta_property(&mut self, base: &str, name: String, name_span: Span, span: Span) -> Expr {
        if name_span.len() as usize != name.len() {
            self.error(d::escaped_keyword(self.file, name_span, &name));
            return Expr::Invalid(span);
        }
        match (base, name.as_str()) {
            ("new", "target") => Expr::NewTarget(span),
            ("import", "meta") => Expr::ImportMeta(span),
            _ => {
                self.error(d::bad_meta_property(self.file, span, base));
                Expr::Invalid(span)
            }
        }
    }

    pub fn untagged_template(&mut self, t: Template) -> Expr {
        for q in &t.quasis {
            if q.cooked.is_none() {
                self.error(d::template_escape(self.file, q.span));
            }
        }
        Expr::Template(Box::new(t))
    }

    pub fn named_function(&mut self, f: Box<Function>) -> Stmt {
        if f.name.is_none() {
            self.error(d::missing_name(self.file, f.span, "function"));
        }
        Stmt::Function(f)
    }

    pub fn named_class(&mut self, c: Box<Class>) -> Stmt {
        if c.name.is_none() {
            self.error(d::missing_name(self.file, c.span, "class"));
        }
        Stmt::Class(c)
    }

    /// Attaches decorators to the declaration that follows them.
    pub fn decorate(&mut self, decorators: Vec<Decorator>, stmt: Stmt, span: Span) -> Stmt {
        if decorators.is_empty() {
            return stmt;
        }
        let _ = span;
        match stmt {
            Stmt::Function(mut f) => {
                f.decorators.splice(0..0, decorators);
                Stmt::Function(f)
            }
            Stmt::Class(mut c) => {
                c.decorators.splice(0..0, decorators);
                Stmt::Class(c)
            }
            Stmt::TypeAlias(mut t) => {
                t.decorators.splice(0..0, decorators);
                Stmt::TypeAlias(t)
            }
            Stmt::Export(mut e) => {
                let kind = std::mem::replace(
                    &mut e.kind,
                    ExportKind::All {
                        alias: None,
                        source: StrLit {
                            value: String::new(),
                            utf16: None,
                            span: Span::DUMMY,
                        },
                    },
                );
                e.kind = match kind {
                    ExportKind::Decl(s) => ExportKind::Decl(self.decorate(decorators, s, span)),
                    ExportKind::DefaultClass(c) => {
                        ExportKind::DefaultClass(Box::new(with_class_decorators(*c, decorators)))
                    }
                    ExportKind::DefaultFunction(mut f) => {
                        f.decorators.splice(0..0, decorators);
                        ExportKind::DefaultFunction(f)
                    }
                    other => {
                        self.error(d::misplaced_decorator(self.file, decorators[0].span));
                        other
                    }
                };
                Stmt::Export(e)
            }
            other => {
                self.error(d::misplaced_decorator(self.file, decorators[0].span));
                other
            }
        }
    }

    pub fn object_binding(&mut self, items: Vec<BindingItem>, span: Span) -> Pattern {
        let mut props = Vec::new();
        let mut rest = None;
        let n = items.len();
        for (i, item) in items.into_iter().enumerate() {
            match item {
                BindingItem::Prop(p) => props.push(p),
                BindingItem::Rest(p, s) => {
                    self.check_rest_position(s, i + 1 == n);
                    rest = Some(Box::new(p));
                }
                BindingItem::Elem(p) => props.push(ObjectPatternProp {
                    key: PropKey::Computed(Box::new(Expr::Invalid(p.span())), p.span()),
                    span: p.span(),
                    value: p,
                    shorthand: false,
                }),
            }
        }
        Pattern::Object(Box::new(ObjectPattern { props, rest, span }))
    }
}

fn is_simple_target(e: &Expr) -> bool {
    match e {
        Expr::Ident(_) | Expr::Member(_) => true,
        Expr::Paren(inner, _)
        | Expr::NonNull(inner, _)
        | Expr::As(inner, _, _)
        | Expr::Satisfies(inner, _, _) => is_simple_target(inner),
        _ => false,
    }
}

/// A binary or logical operator.
#[derive(Clone, Copy)]
pub enum Bin {
    B(BinaryOp),
    L(LogicalOp),
}

pub fn binop(op: Bin, left: Expr, right: Expr, span: Span) -> Expr {
    match op {
        Bin::B(op) => Expr::Binary(Box::new(BinaryExpr {
            op,
            left,
            right,
            span,
        })),
        Bin::L(op) => Expr::Logical(Box::new(LogicalExpr {
            op,
            left,
            right,
            span,
        })),
    }
}

/// The signature part of a function: type parameters, parameters, return type.
pub struct FnSig {
    pub type_params: Vec<TypeParam>,
    pub params: Vec<Param>,
    pub return_type: Option<Type>,
}

// Signatures arrive boxed from the parser's symbol stack, where boxing keeps entries small.
#[allow(clippy::boxed_local)]
pub fn function(
    decorators: Vec<Decorator>,
    name: Option<Ident>,
    is_async: bool,
    is_generator: bool,
    sig: Box<FnSig>,
    body: Option<Block>,
    span: Span,
) -> Function {
    let sig = *sig;
    Function {
        decorators,
        name,
        is_async,
        is_generator,
        type_params: sig.type_params,
        params: sig.params,
        return_type: sig.return_type,
        body,
        declare: false,
        span,
    }
}

// Signatures arrive boxed from the parser's symbol stack, where boxing keeps entries small.
#[allow(clippy::boxed_local)]
pub fn arrow(is_async: bool, sig: Box<FnSig>, body: ArrowBody, span: Span) -> Expr {
    let sig = *sig;
    Expr::Arrow(Box::new(ArrowFunction {
        is_async,
        type_params: sig.type_params,
        params: sig.params,
        return_type: sig.return_type,
        body,
        span,
    }))
}

pub fn simple_param(pattern: Pattern, span: Span) -> Param {
    Param {
        decorators: Vec::new(),
        modifiers: Modifiers::default(),
        pattern,
        ty: None,
        default: None,
        optional: false,
        rest: false,
        span,
    }
}

pub struct Heritage {
    pub extends: Option<Expr>,
    pub implements: Vec<Type>,
}

pub fn class(
    name: Option<Ident>,
    type_params: Vec<TypeParam>,
    h: Heritage,
    members: Vec<ClassMember>,
    is_abstract: bool,
    span: Span,
) -> Class {
    // `extends Base<T>` parses as an instantiation expression; split the type arguments off.
    let (super_class, super_type_args) = match h.extends {
        Some(Expr::TypeArgs(e, args, _)) => (Some(*e), args),
        other => (other, Vec::new()),
    };
    Class {
        decorators: Vec::new(),
        name,
        type_params,
        super_class,
        super_type_args,
        implements: h.implements,
        members,
        is_abstract,
        declare: false,
        span,
    }
}

pub fn with_class_decorators(mut c: Class, decorators: Vec<Decorator>) -> Class {
    c.decorators.splice(0..0, decorators);
    c
}

// Signatures arrive boxed from the parser's symbol stack, where boxing keeps entries small.
#[allow(clippy::boxed_local)]
pub fn method(
    kind: MethodKind,
    key: PropKey,
    is_async: bool,
    is_generator: bool,
    sig: Box<FnSig>,
    body: Block,
    span: Span,
) -> Method {
    Method {
        decorators: Vec::new(),
        modifiers: Modifiers::default(),
        kind,
        key,
        optional: false,
        function: function(
            Vec::new(),
            None,
            is_async,
            is_generator,
            sig,
            Some(body),
            span,
        ),
        span,
    }
}

#[allow(clippy::too_many_arguments)]
// Signatures arrive boxed from the parser's symbol stack, where boxing keeps entries small.
#[allow(clippy::boxed_local)]
pub fn class_method(
    decorators: Vec<Decorator>,
    modifiers: Modifiers,
    kind: MethodKind,
    key: PropKey,
    optional: bool,
    is_async: bool,
    is_generator: bool,
    sig: Box<FnSig>,
    body: Option<Block>,
    span: Span,
) -> ClassMember {
    let function = function(Vec::new(), None, is_async, is_generator, sig, body, span);
    let is_ctor = kind == MethodKind::Method
        && !modifiers.is_static
        && matches!(&key, PropKey::Ident(i) if i.name == "constructor")
        || matches!(&key, PropKey::Str(s) if s.value == "constructor" && kind == MethodKind::Method && !modifiers.is_static);
    if is_ctor {
        return ClassMember::Constructor(Box::new(Constructor {
            modifiers,
            function,
            span,
        }));
    }
    ClassMember::Method(Box::new(Method {
        decorators,
        modifiers,
        kind,
        key,
        optional,
        function,
        span,
    }))
}

pub fn declare(stmt: Stmt, span: Span) -> Stmt {
    match stmt {
        Stmt::Var(mut v) => {
            v.declare = true;
            v.span = span;
            Stmt::Var(v)
        }
        Stmt::Function(mut f) => {
            f.declare = true;
            f.span = span;
            Stmt::Function(f)
        }
        Stmt::Class(mut c) => {
            c.declare = true;
            c.span = span;
            Stmt::Class(c)
        }
        Stmt::Interface(mut i) => {
            i.declare = true;
            i.span = span;
            Stmt::Interface(i)
        }
        Stmt::TypeAlias(mut t) => {
            t.declare = true;
            t.span = span;
            Stmt::TypeAlias(t)
        }
        Stmt::Enum(mut e) => {
            e.declare = true;
            e.span = span;
            Stmt::Enum(e)
        }
        Stmt::Namespace(mut n) => {
            n.declare = true;
            n.span = span;
            Stmt::Namespace(n)
        }
        other => other,
    }
}

pub fn import_spec(
    imported: ModuleExportName,
    alias: Option<Ident>,
    type_only: bool,
    span: Span,
    st: &mut State,
) -> ImportSpecifier {
    let local = match (alias, &imported) {
        (Some(a), _) => a,
        (None, ModuleExportName::Ident(i)) => i.clone(),
        (None, ModuleExportName::Str(s)) => {
            st.error(d::string_import_needs_alias(st.file, s.span));
            Ident {
                name: s.value.clone(),
                span: s.span,
            }
        }
    };
    ImportSpecifier::Named {
        imported,
        local,
        type_only,
        span,
    }
}

pub fn export(kind: ExportKind, span: Span) -> Stmt {
    Stmt::Export(Box::new(ExportDecl { kind, span }))
}

pub fn export_decl(stmt: Stmt, span: Span) -> Stmt {
    export(ExportKind::Decl(stmt), span)
}

/// An item of a binding pattern before the pattern is assembled.
pub enum BindingItem {
    Prop(ObjectPatternProp),
    Elem(Pattern),
    Rest(Pattern, Span),
}

pub fn shorthand_binding(id: Ident, init: Option<Expr>, span: Span) -> ObjectPatternProp {
    let value = match init {
        Some(e) => Pattern::Default(Box::new(Pattern::Ident(id.clone())), Box::new(e), span),
        None => Pattern::Ident(id.clone()),
    };
    ObjectPatternProp {
        key: PropKey::Ident(id),
        value,
        shorthand: true,
        span,
    }
}

pub fn array_binding(
    items: Vec<Option<Pattern>>,
    last: Option<BindingItem>,
    span: Span,
) -> Pattern {
    let mut elements = items;
    let mut rest = None;
    match last {
        Some(BindingItem::Elem(p)) => elements.push(Some(p)),
        Some(BindingItem::Rest(p, _)) => rest = Some(Box::new(p)),
        Some(BindingItem::Prop(_)) | None => {}
    }
    Pattern::Array(Box::new(ArrayPattern {
        elements,
        rest,
        span,
    }))
}

/// One link of a member/call chain.
pub enum Link {
    Prop(MemberProp, bool),
    NonNull,
    TypeArgs(Vec<Type>),
    Call(Vec<Type>, Vec<Expr>),
}

pub fn member(object: Expr, prop: MemberProp, optional: bool, span: Span) -> Expr {
    Expr::Member(Box::new(MemberExpr {
        object,
        prop,
        optional,
        span,
    }))
}

pub fn link(object: Expr, l: Link, span: Span) -> Expr {
    match l {
        Link::Prop(prop, optional) => member(object, prop, optional, span),
        Link::NonNull => Expr::NonNull(Box::new(object), span),
        Link::TypeArgs(args) => Expr::TypeArgs(Box::new(object), args, span),
        Link::Call(type_args, args) => call_with(object, type_args, args, false, span),
    }
}

pub fn opt_link(object: Expr, l: Link, span: Span) -> Expr {
    match l {
        Link::Prop(prop, _) => member(object, prop, true, span),
        Link::Call(type_args, args) => call_with(object, type_args, args, true, span),
        other => link(object, other, span),
    }
}

pub fn call(callee: Expr, args: Vec<Expr>, optional: bool, span: Span) -> Expr {
    call_with(callee, Vec::new(), args, optional, span)
}

fn call_with(
    callee: Expr,
    type_args: Vec<Type>,
    args: Vec<Expr>,
    optional: bool,
    span: Span,
) -> Expr {
    // `f<T>(x)`: the type arguments parsed as an instantiation expression belong to the call.
    let (callee, type_args) = match callee {
        Expr::TypeArgs(inner, targs, _) if type_args.is_empty() => (*inner, targs),
        other => (other, type_args),
    };
    Expr::Call(Box::new(CallExpr {
        callee,
        type_args,
        args,
        optional,
        span,
    }))
}

pub fn new_expr(callee: Expr, args: Vec<Expr>, span: Span) -> Expr {
    let (callee, type_args) = match callee {
        Expr::TypeArgs(inner, targs, _) => (*inner, targs),
        other => (other, Vec::new()),
    };
    Expr::New(Box::new(NewExpr {
        callee,
        type_args,
        args,
        span,
    }))
}

pub fn tagged(tag: Expr, quasi: Template, span: Span) -> Expr {
    let (tag, type_args) = match tag {
        Expr::TypeArgs(inner, targs, _) => (*inner, targs),
        other => (other, Vec::new()),
    };
    Expr::TaggedTemplate(Box::new(TaggedTemplate {
        tag,
        type_args,
        quasi,
        span,
    }))
}

pub fn template(parts: Vec<(TplPart, Span)>, exprs: Vec<Expr>, span: Span) -> Template {
    let quasis = parts
        .into_iter()
        .map(|(p, s)| {
            // The element's span covers its text only, without the delimiters.
            let inner = text_span(s, &p.raw);
            TemplateElement {
                cooked: p.cooked.map(|c| StrLit {
                    value: c.value,
                    utf16: c.utf16,
                    span: inner,
                }),
                raw: p.raw,
                span: inner,
            }
        })
        .collect();
    Template {
        quasis,
        exprs,
        span,
    }
}

fn text_span(s: Span, raw: &str) -> Span {
    let start = s.start.saturating_add(1).min(s.end);
    let end = start.saturating_add(raw.len() as u32).min(s.end);
    Span::new(start, end.max(start))
}

pub fn template_type(parts: Vec<TplPart>, types: Vec<Type>, span: Span) -> Type {
    let strs = parts
        .into_iter()
        .map(|p| p.cooked.map(|c| c.value).unwrap_or(p.raw))
        .collect();
    Type::TemplateLiteral(strs, types, span)
}

/// A type reference; single-word references to the primitive types become keyword types.
pub fn type_ref(r: TypeRef) -> Type {
    if r.args.is_empty() && r.name.len() == 1 {
        let k = match r.name[0].name.as_str() {
            "any" => Some(KeywordType::Any),
            "unknown" => Some(KeywordType::Unknown),
            "number" => Some(KeywordType::Number),
            "string" => Some(KeywordType::String),
            "boolean" => Some(KeywordType::Boolean),
            "bigint" => Some(KeywordType::BigInt),
            "symbol" => Some(KeywordType::Symbol),
            "object" => Some(KeywordType::Object),
            "undefined" => Some(KeywordType::Undefined),
            "never" => Some(KeywordType::Never),
            _ => None,
        };
        if let Some(k) = k {
            return Type::Keyword(k, r.span);
        }
    }
    Type::Ref(Box::new(r))
}

pub fn union(a: Type, b: Type, span: Span) -> Type {
    match a {
        Type::Union(mut v, _) => {
            v.push(b);
            Type::Union(v, span)
        }
        a => Type::Union(vec![a, b], span),
    }
}

pub fn intersection(a: Type, b: Type, span: Span) -> Type {
    match a {
        Type::Intersection(mut v, _) => {
            v.push(b);
            Type::Intersection(v, span)
        }
        a => Type::Intersection(vec![a, b], span),
    }
}

// Signatures arrive boxed from the parser's symbol stack, where boxing keeps entries small.
#[allow(clippy::boxed_local)]
pub fn function_type(
    sig: Box<FnSig>,
    return_type: Type,
    is_constructor: bool,
    is_abstract: bool,
    span: Span,
) -> Type {
    Type::Function(Box::new(FunctionType {
        type_params: sig.type_params,
        params: sig.params,
        return_type,
        is_constructor,
        is_abstract,
        span,
    }))
}

/// A modifier keyword's effect on the modifiers of a member or parameter.
pub type ModFn = fn(&mut Modifiers);
