//! The abstract syntax tree.
//!
//! The tree keeps everything TypeScript/ArkTS code says, including type annotations (the compiler
//! erases them, except where the Sendable and Concurrent rules need them) and decorators. Every node
//! that a diagnostic may point at carries a [`Span`].
//!
//! Invariant: this crate knows nothing about how it is produced (no lexer, no LALRPOP types) and
//! nothing about how it is executed.

mod types;

pub use skiff_diagnostics::Span;
pub use types::*;

/// A whole source file: a strict-mode ES module.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal. `value` is the cooked text; when the literal spells lone UTF-16 surrogates
/// (`"\uD800"`), which Rust strings cannot hold, `value` has U+FFFD in their place and `utf16`
/// holds the exact code units.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub utf16: Option<Box<[u16]>>,
    pub span: Span,
}

/// `@name`, `@name(args)` or `@a.b(args)`: the expression after `@`.
#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    pub expr: Expr,
    pub span: Span,
}

impl Decorator {
    /// The decorator's simple name (`Sendable` for `@Sendable` and `@Sendable()`), if it has one.
    pub fn name(&self) -> Option<&str> {
        match &self.expr {
            Expr::Ident(id) => Some(&id.name),
            Expr::Call(call) => match &call.callee {
                Expr::Ident(id) => Some(&id.name),
                _ => None,
            },
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Var(Box<VarDecl>),
    Function(Box<Function>),
    Class(Box<Class>),
    Interface(Box<InterfaceDecl>),
    TypeAlias(Box<TypeAliasDecl>),
    Enum(Box<EnumDecl>),
    Namespace(Box<NamespaceDecl>),
    Import(Box<ImportDecl>),
    Export(Box<ExportDecl>),
    Expr(Box<ExprStmt>),
    Block(Block),
    Empty(Span),
    If(Box<IfStmt>),
    For(Box<ForStmt>),
    ForIn(Box<ForInStmt>),
    ForOf(Box<ForOfStmt>),
    While(Box<WhileStmt>),
    DoWhile(Box<DoWhileStmt>),
    Return(Box<ReturnStmt>),
    Break(JumpStmt),
    Continue(JumpStmt),
    Throw(Box<ThrowStmt>),
    Try(Box<TryStmt>),
    Switch(Box<SwitchStmt>),
    Labeled(Box<LabeledStmt>),
    Debugger(Span),
    /// A statement the parser could not make sense of; a diagnostic has been reported for it.
    Invalid(Span),
}

impl Stmt {
    pub fn span(&self) -> Span {
        match self {
            Stmt::Var(s) => s.span,
            Stmt::Function(s) => s.span,
            Stmt::Class(s) => s.span,
            Stmt::Interface(s) => s.span,
            Stmt::TypeAlias(s) => s.span,
            Stmt::Enum(s) => s.span,
            Stmt::Namespace(s) => s.span,
            Stmt::Import(s) => s.span,
            Stmt::Export(s) => s.span,
            Stmt::Expr(s) => s.span,
            Stmt::Block(s) => s.span,
            Stmt::If(s) => s.span,
            Stmt::For(s) => s.span,
            Stmt::ForIn(s) => s.span,
            Stmt::ForOf(s) => s.span,
            Stmt::While(s) => s.span,
            Stmt::DoWhile(s) => s.span,
            Stmt::Return(s) => s.span,
            Stmt::Break(s) | Stmt::Continue(s) => s.span,
            Stmt::Throw(s) => s.span,
            Stmt::Try(s) => s.span,
            Stmt::Switch(s) => s.span,
            Stmt::Labeled(s) => s.span,
            Stmt::Empty(span) | Stmt::Debugger(span) | Stmt::Invalid(span) => *span,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    Var,
    Let,
    Const,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    pub kind: VarKind,
    pub decls: Vec<VarDeclarator>,
    /// `declare let x: T;` — an ambient declaration with no run-time effect.
    pub declare: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VarDeclarator {
    pub target: Pattern,
    pub ty: Option<Type>,
    pub init: Option<Expr>,
    /// `let x!: number;`
    pub definite: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExprStmt {
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IfStmt {
    pub test: Expr,
    pub consequent: Stmt,
    pub alternate: Option<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ForInit {
    Var(VarDecl),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForStmt {
    pub init: Option<ForInit>,
    pub test: Option<Expr>,
    pub update: Option<Expr>,
    pub body: Stmt,
    pub span: Span,
}

/// The left side of `for (… in/of …)`: a declaration of one binding, or an assignment target.
#[derive(Clone, Debug, PartialEq)]
pub enum ForHead {
    Var {
        kind: VarKind,
        target: Pattern,
        span: Span,
    },
    Target(Pattern),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForInStmt {
    pub left: ForHead,
    pub right: Expr,
    pub body: Stmt,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForOfStmt {
    pub is_await: bool,
    pub left: ForHead,
    pub right: Expr,
    pub body: Stmt,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WhileStmt {
    pub test: Expr,
    pub body: Stmt,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DoWhileStmt {
    pub body: Stmt,
    pub test: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReturnStmt {
    pub arg: Option<Expr>,
    pub span: Span,
}

/// `break label;` or `continue label;`.
#[derive(Clone, Debug, PartialEq)]
pub struct JumpStmt {
    pub label: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThrowStmt {
    pub arg: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TryStmt {
    pub block: Block,
    pub handler: Option<CatchClause>,
    pub finalizer: Option<Block>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CatchClause {
    /// `None` for `catch { … }`.
    pub param: Option<Pattern>,
    pub ty: Option<Type>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SwitchStmt {
    pub discriminant: Expr,
    pub cases: Vec<SwitchCase>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SwitchCase {
    /// `None` for `default:`.
    pub test: Option<Expr>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LabeledStmt {
    pub label: Ident,
    pub body: Stmt,
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Functions and classes
// ---------------------------------------------------------------------------------------------

/// A function declaration, expression, method body, accessor or constructor.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub decorators: Vec<Decorator>,
    pub name: Option<Ident>,
    pub is_async: bool,
    pub is_generator: bool,
    pub type_params: Vec<TypeParam>,
    pub params: Vec<Param>,
    pub return_type: Option<Type>,
    /// `None` for an overload signature, an abstract method or a `declare` function.
    pub body: Option<Block>,
    /// `declare function f(): void;`
    pub declare: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub decorators: Vec<Decorator>,
    /// TypeScript parameter properties: `constructor(private readonly x: number)`.
    pub modifiers: Modifiers,
    pub pattern: Pattern,
    pub ty: Option<Type>,
    pub default: Option<Expr>,
    /// `x?: T`
    pub optional: bool,
    /// `...rest`
    pub rest: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ArrowFunction {
    pub is_async: bool,
    pub type_params: Vec<TypeParam>,
    pub params: Vec<Param>,
    pub return_type: Option<Type>,
    pub body: ArrowBody,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArrowBody {
    Expr(Box<Expr>),
    Block(Block),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accessibility {
    Public,
    Private,
    Protected,
}

/// Member and parameter-property modifiers. All are erased at run time except `static`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modifiers {
    pub accessibility: Option<Accessibility>,
    pub is_static: bool,
    pub readonly: bool,
    pub is_abstract: bool,
    pub is_override: bool,
    pub declare: bool,
    /// The `accessor` keyword of auto-accessors.
    pub accessor: bool,
}

impl Modifiers {
    /// True when a constructor parameter with these modifiers declares a field.
    pub fn is_parameter_property(&self) -> bool {
        self.accessibility.is_some() || self.readonly || self.is_override
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    pub decorators: Vec<Decorator>,
    pub name: Option<Ident>,
    pub type_params: Vec<TypeParam>,
    pub super_class: Option<Expr>,
    pub super_type_args: Vec<Type>,
    pub implements: Vec<Type>,
    pub members: Vec<ClassMember>,
    pub is_abstract: bool,
    pub declare: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ClassMember {
    Constructor(Box<Constructor>),
    Method(Box<Method>),
    Property(Box<ClassProperty>),
    StaticBlock(Block),
    /// `[key: string]: T;` — types only.
    IndexSignature(Box<IndexSignature>),
    /// A stray `;` in a class body.
    Empty(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Constructor {
    pub modifiers: Modifiers,
    pub function: Function,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    Method,
    Getter,
    Setter,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Method {
    pub decorators: Vec<Decorator>,
    pub modifiers: Modifiers,
    pub kind: MethodKind,
    pub key: PropKey,
    /// `m?(): void` in a class.
    pub optional: bool,
    pub function: Function,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClassProperty {
    pub decorators: Vec<Decorator>,
    pub modifiers: Modifiers,
    pub key: PropKey,
    pub optional: bool,
    /// `x!: T`
    pub definite: bool,
    pub ty: Option<Type>,
    pub value: Option<Expr>,
    pub span: Span,
}

/// A property name in a class or an object literal.
#[derive(Clone, Debug, PartialEq)]
pub enum PropKey {
    Ident(Ident),
    Str(StrLit),
    Num(f64, Span),
    BigInt(String, Span),
    Computed(Box<Expr>, Span),
    /// `#name` (the name without `#`).
    Private(Ident),
}

impl PropKey {
    pub fn span(&self) -> Span {
        match self {
            PropKey::Ident(i) | PropKey::Private(i) => i.span,
            PropKey::Str(s) => s.span,
            PropKey::Num(_, span) | PropKey::BigInt(_, span) | PropKey::Computed(_, span) => *span,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Declarations that only exist in TypeScript
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub struct InterfaceDecl {
    pub name: Ident,
    pub type_params: Vec<TypeParam>,
    pub extends: Vec<Type>,
    pub body: Vec<TypeMember>,
    pub declare: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeAliasDecl {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub type_params: Vec<TypeParam>,
    pub ty: Type,
    pub declare: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub members: Vec<EnumMember>,
    pub is_const: bool,
    pub declare: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumMember {
    /// An identifier or a string literal name.
    pub name: PropKey,
    pub init: Option<Expr>,
    pub span: Span,
}

/// `namespace A.B { … }`, `module M { … }`, `declare module 'x' { … }`, `declare global { … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct NamespaceDecl {
    pub name: NamespaceName,
    pub body: Vec<Stmt>,
    pub declare: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NamespaceName {
    /// `A.B.C`
    Path(Vec<Ident>),
    /// `declare module 'name'`
    Str(StrLit),
    /// `declare global`
    Global(Span),
}

// ---------------------------------------------------------------------------------------------
// Modules
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub struct ImportDecl {
    pub specifiers: Vec<ImportSpecifier>,
    pub source: StrLit,
    /// `import type { T } from 'x'` — erased entirely.
    pub type_only: bool,
    /// ArkTS `import lazy { x } from 'y'`.
    pub lazy: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ImportSpecifier {
    /// `import x from 'm'`
    Default(Ident),
    /// `import * as ns from 'm'`
    Namespace(Ident),
    /// `import { a as b, type T } from 'm'`
    Named {
        imported: ModuleExportName,
        local: Ident,
        type_only: bool,
        span: Span,
    },
}

/// A name in an import or export list: an identifier or, since ES2022, a string.
#[derive(Clone, Debug, PartialEq)]
pub enum ModuleExportName {
    Ident(Ident),
    Str(StrLit),
}

impl ModuleExportName {
    pub fn name(&self) -> &str {
        match self {
            ModuleExportName::Ident(i) => &i.name,
            ModuleExportName::Str(s) => &s.value,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            ModuleExportName::Ident(i) => i.span,
            ModuleExportName::Str(s) => s.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExportDecl {
    pub kind: ExportKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExportKind {
    /// `export function f() {}`, `export class C {}`, `export const x = 1`, `export enum E {}`,
    /// `export interface I {}`, `export type T = …`, `export namespace N {}`.
    Decl(Stmt),
    /// `export default <expression>;`
    DefaultExpr(Expr),
    /// `export default function …` / `export default class …` (the name may be absent).
    DefaultFunction(Box<Function>),
    DefaultClass(Box<Class>),
    /// `export { a, b as c }` or `export { a } from 'm'`.
    Named {
        specifiers: Vec<ExportSpecifier>,
        source: Option<StrLit>,
        type_only: bool,
    },
    /// `export * from 'm'` or `export * as ns from 'm'`.
    All {
        alias: Option<ModuleExportName>,
        source: StrLit,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExportSpecifier {
    pub local: ModuleExportName,
    pub exported: Option<ModuleExportName>,
    pub type_only: bool,
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Ident(Ident),
    This(Span),
    Super(Span),
    Null(Span),
    Bool(bool, Span),
    Num(f64, Span),
    /// The decimal digits of a BigInt literal (hex/octal/binary already converted), without `n`.
    BigInt(String, Span),
    Str(StrLit),
    Template(Box<Template>),
    TaggedTemplate(Box<TaggedTemplate>),
    Regex(Box<RegexLit>),
    Array(Box<ArrayLit>),
    Object(Box<ObjectLit>),
    Function(Box<Function>),
    Arrow(Box<ArrowFunction>),
    Class(Box<Class>),
    Unary(Box<UnaryExpr>),
    Update(Box<UpdateExpr>),
    Binary(Box<BinaryExpr>),
    Logical(Box<LogicalExpr>),
    Assign(Box<AssignExpr>),
    Conditional(Box<ConditionalExpr>),
    Call(Box<CallExpr>),
    New(Box<NewExpr>),
    Member(Box<MemberExpr>),
    /// The outermost node of an optional chain `a?.b.c`: a `?.` inside it short-circuits to
    /// `undefined` for the whole chain, not just for its own link.
    OptionalChain(Box<Expr>, Span),
    Sequence(Box<SequenceExpr>),
    Paren(Box<Expr>, Span),
    Spread(Box<Expr>, Span),
    Yield(Box<YieldExpr>),
    Await(Box<Expr>, Span),
    /// `new.target`
    NewTarget(Span),
    /// `import.meta`
    ImportMeta(Span),
    /// `import(specifier)`
    ImportCall(Box<Expr>, Span),
    /// `e as T` and `<T>e`
    As(Box<Expr>, Box<Type>, Span),
    /// `e as const`
    AsConst(Box<Expr>, Span),
    /// `e satisfies T`
    Satisfies(Box<Expr>, Box<Type>, Span),
    /// `e!`
    NonNull(Box<Expr>, Span),
    /// `f<T>` without a call (instantiation expression).
    TypeArgs(Box<Expr>, Vec<Type>, Span),
    /// An expression the parser could not make sense of; a diagnostic has been reported for it.
    Invalid(Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Ident(i) => i.span,
            Expr::Str(s) => s.span,
            Expr::This(s)
            | Expr::Super(s)
            | Expr::Null(s)
            | Expr::Bool(_, s)
            | Expr::Num(_, s)
            | Expr::BigInt(_, s)
            | Expr::OptionalChain(_, s)
            | Expr::Paren(_, s)
            | Expr::Spread(_, s)
            | Expr::Await(_, s)
            | Expr::NewTarget(s)
            | Expr::ImportMeta(s)
            | Expr::ImportCall(_, s)
            | Expr::As(_, _, s)
            | Expr::AsConst(_, s)
            | Expr::Satisfies(_, _, s)
            | Expr::NonNull(_, s)
            | Expr::TypeArgs(_, _, s)
            | Expr::Invalid(s) => *s,
            Expr::Template(e) => e.span,
            Expr::TaggedTemplate(e) => e.span,
            Expr::Regex(e) => e.span,
            Expr::Array(e) => e.span,
            Expr::Object(e) => e.span,
            Expr::Function(e) => e.span,
            Expr::Arrow(e) => e.span,
            Expr::Class(e) => e.span,
            Expr::Unary(e) => e.span,
            Expr::Update(e) => e.span,
            Expr::Binary(e) => e.span,
            Expr::Logical(e) => e.span,
            Expr::Assign(e) => e.span,
            Expr::Conditional(e) => e.span,
            Expr::Call(e) => e.span,
            Expr::New(e) => e.span,
            Expr::Member(e) => e.span,
            Expr::Sequence(e) => e.span,
            Expr::Yield(e) => e.span,
        }
    }

    /// Looks through parentheses and the type-only wrappers `as`, `satisfies` and `!`, which do
    /// not change the value of an expression.
    pub fn unwrap_transparent(&self) -> &Expr {
        let mut e = self;
        loop {
            match e {
                Expr::Paren(inner, _)
                | Expr::As(inner, _, _)
                | Expr::AsConst(inner, _)
                | Expr::Satisfies(inner, _, _)
                | Expr::NonNull(inner, _)
                | Expr::TypeArgs(inner, _, _) => e = inner,
                _ => return e,
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    /// Always one more quasi than expressions.
    pub quasis: Vec<TemplateElement>,
    pub exprs: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TemplateElement {
    /// `None` when the text has an invalid escape (allowed only in tagged templates).
    pub cooked: Option<StrLit>,
    pub raw: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TaggedTemplate {
    pub tag: Expr,
    pub type_args: Vec<Type>,
    pub quasi: Template,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RegexLit {
    pub pattern: String,
    pub flags: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ArrayLit {
    /// `None` is a hole: `[1, , 3]`. Spread elements are `Expr::Spread`.
    pub elements: Vec<Option<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjectLit {
    pub props: Vec<ObjectProp>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ObjectProp {
    /// `key: value`
    KeyValue(PropKey, Expr, Span),
    /// `x`
    Shorthand(Ident),
    /// `m() {}`, `get x() {}`, `set x(v) {}`, `async *m() {}`
    Method(Box<Method>),
    /// `...expr`
    Spread(Expr, Span),
    /// `x = 1` — only valid when the literal is reinterpreted as a destructuring pattern.
    CoverInitializedName(Ident, Expr, Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Minus,
    Plus,
    Not,
    BitNot,
    Typeof,
    Void,
    Delete,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UnaryExpr {
    pub op: UnaryOp,
    pub arg: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateOp {
    Increment,
    Decrement,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UpdateExpr {
    pub op: UpdateOp,
    pub prefix: bool,
    pub arg: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Exp,
    Shl,
    Shr,
    UShr,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    NotEq,
    StrictEq,
    StrictNotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    /// `k in o`. For the private brand check `#x in o`, the left operand is an `Expr::Ident`
    /// whose name is the private name with its `#` (`"#x"`), which no ordinary identifier can be.
    In,
    InstanceOf,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BinaryExpr {
    pub op: BinaryOp,
    pub left: Expr,
    pub right: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicalOp {
    And,
    Or,
    Nullish,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LogicalExpr {
    pub op: LogicalOp,
    pub left: Expr,
    pub right: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    /// `=`
    Assign,
    /// `+=`, `-=`, … : the binary operator applied before storing.
    Compound(BinaryOp),
    /// `&&=`, `||=`, `??=`
    Logical(LogicalOp),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AssignExpr {
    pub op: AssignOp,
    /// For compound and logical assignment the target is always `Pattern::Ident` or `Pattern::Expr`.
    pub target: Pattern,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConditionalExpr {
    pub test: Expr,
    pub consequent: Expr,
    pub alternate: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CallExpr {
    pub callee: Expr,
    pub type_args: Vec<Type>,
    /// Spread arguments are `Expr::Spread`.
    pub args: Vec<Expr>,
    /// `f?.()`
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewExpr {
    pub callee: Expr,
    pub type_args: Vec<Type>,
    /// `new C` without parentheses has no arguments.
    pub args: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MemberProp {
    /// `a.b`
    Ident(Ident),
    /// `a.#b` (the name without `#`)
    Private(Ident),
    /// `a[b]`
    Computed(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MemberExpr {
    pub object: Expr,
    pub prop: MemberProp,
    /// `a?.b`
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SequenceExpr {
    pub exprs: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct YieldExpr {
    pub arg: Option<Expr>,
    /// `yield*`
    pub delegate: bool,
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Patterns (binding and assignment targets)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    Ident(Ident),
    Object(Box<ObjectPattern>),
    Array(Box<ArrayPattern>),
    /// `target = default` inside a destructuring pattern.
    Default(Box<Pattern>, Box<Expr>, Span),
    /// A member expression as an assignment target: `a.b = 1`, `[a.b] = xs`.
    Expr(Box<Expr>),
    /// A target the parser rejected; a diagnostic has been reported for it.
    Invalid(Span),
}

impl Pattern {
    pub fn span(&self) -> Span {
        match self {
            Pattern::Ident(i) => i.span,
            Pattern::Object(p) => p.span,
            Pattern::Array(p) => p.span,
            Pattern::Default(_, _, s) | Pattern::Invalid(s) => *s,
            Pattern::Expr(e) => e.span(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjectPattern {
    pub props: Vec<ObjectPatternProp>,
    /// `...rest`
    pub rest: Option<Box<Pattern>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjectPatternProp {
    pub key: PropKey,
    /// For `{ x }` and `{ x = 1 }` this is `Pattern::Ident(x)` (wrapped in `Default`).
    pub value: Pattern,
    pub shorthand: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ArrayPattern {
    /// `None` is an elision: `[, b] = xs`.
    pub elements: Vec<Option<Pattern>>,
    pub rest: Option<Box<Pattern>>,
    pub span: Span,
}
