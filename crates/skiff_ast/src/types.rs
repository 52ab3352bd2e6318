//! Type annotations. The compiler erases them, except where the Sendable and Concurrent rules
//! look at them (field types of `@Sendable` classes, for instance), so they are kept in full.

use crate::{Decorator, Ident, Param, PropKey, Span, StrLit};

#[derive(Clone, Debug, PartialEq)]
pub struct TypeParam {
    pub name: Ident,
    pub constraint: Option<Type>,
    pub default: Option<Type>,
    /// `in`, `out` and `const` modifiers on type parameters.
    pub is_in: bool,
    pub is_out: bool,
    pub is_const: bool,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeywordType {
    Any,
    Unknown,
    Number,
    String,
    Boolean,
    BigInt,
    Symbol,
    Object,
    Void,
    Undefined,
    Null,
    Never,
    /// `unique symbol`
    UniqueSymbol,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Keyword(KeywordType, Span),
    /// `Foo`, `collections.Array<number>`, `ArkTSUtils.locks.AsyncLock`.
    Ref(Box<TypeRef>),
    Union(Vec<Type>, Span),
    Intersection(Vec<Type>, Span),
    /// `T[]`
    Array(Box<Type>, Span),
    /// `readonly T[]` and other `readonly` type operators.
    Readonly(Box<Type>, Span),
    Tuple(Vec<TupleElement>, Span),
    Function(Box<FunctionType>),
    Object(Vec<TypeMember>, Span),
    Literal(LiteralType, Span),
    /// `typeof a.b`
    Typeof(Vec<Ident>, Span),
    /// `keyof T`
    Keyof(Box<Type>, Span),
    /// `T[K]`
    IndexedAccess(Box<Type>, Box<Type>, Span),
    /// `C extends E ? T : F`
    Conditional(Box<ConditionalType>),
    /// `{ readonly [K in T as N]?: V }`
    Mapped(Box<MappedType>),
    /// `infer U`, or `infer U extends C` with a constraint.
    Infer(Ident, Option<Box<Type>>, Span),
    /// `` `prefix${T}` ``
    TemplateLiteral(Vec<String>, Vec<Type>, Span),
    /// `x is T` and `asserts x is T` in return position.
    Predicate(Box<TypePredicate>),
    /// `this`
    This(Span),
    Paren(Box<Type>, Span),
    /// `import('m').T`
    Import(StrLit, Vec<Ident>, Vec<Type>, Span),
    /// A type the parser could not make sense of; a diagnostic has been reported for it.
    Invalid(Span),
}

impl Type {
    pub fn span(&self) -> Span {
        match self {
            Type::Keyword(_, s)
            | Type::Union(_, s)
            | Type::Intersection(_, s)
            | Type::Array(_, s)
            | Type::Readonly(_, s)
            | Type::Tuple(_, s)
            | Type::Object(_, s)
            | Type::Literal(_, s)
            | Type::Typeof(_, s)
            | Type::Keyof(_, s)
            | Type::IndexedAccess(_, _, s)
            | Type::Infer(_, _, s)
            | Type::TemplateLiteral(_, _, s)
            | Type::This(s)
            | Type::Paren(_, s)
            | Type::Import(_, _, _, s)
            | Type::Invalid(s) => *s,
            Type::Ref(r) => r.span,
            Type::Function(f) => f.span,
            Type::Conditional(c) => c.span,
            Type::Mapped(m) => m.span,
            Type::Predicate(p) => p.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeRef {
    /// The qualified name, outermost first: `collections`, `Array`.
    pub name: Vec<Ident>,
    pub args: Vec<Type>,
    pub span: Span,
}

impl TypeRef {
    /// The dotted name: `collections.Array`.
    pub fn dotted(&self) -> String {
        let parts: Vec<&str> = self.name.iter().map(|i| i.name.as_str()).collect();
        parts.join(".")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TupleElement {
    pub label: Option<Ident>,
    pub ty: Type,
    pub optional: bool,
    pub rest: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FunctionType {
    pub type_params: Vec<TypeParam>,
    pub params: Vec<Param>,
    pub return_type: Type,
    /// `new (…) => T`
    pub is_constructor: bool,
    pub is_abstract: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LiteralType {
    Str(StrLit),
    Num(f64),
    BigInt(String),
    Bool(bool),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConditionalType {
    pub check: Type,
    pub extends: Type,
    pub true_type: Type,
    pub false_type: Type,
    pub span: Span,
}

/// `+`/`-` modifiers on `readonly` and `?` in mapped types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MappedModifier {
    Add,
    Remove,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MappedType {
    pub readonly: Option<MappedModifier>,
    pub param: Ident,
    pub constraint: Type,
    pub name_type: Option<Type>,
    pub optional: Option<MappedModifier>,
    pub ty: Option<Type>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypePredicate {
    pub asserts: bool,
    /// The parameter name, or `this`.
    pub param: Ident,
    pub ty: Option<Type>,
    pub span: Span,
}

/// A member of an interface body or an object type literal.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeMember {
    Property {
        key: PropKey,
        optional: bool,
        readonly: bool,
        ty: Option<Type>,
        span: Span,
    },
    Method {
        key: PropKey,
        optional: bool,
        type_params: Vec<TypeParam>,
        params: Vec<Param>,
        return_type: Option<Type>,
        span: Span,
    },
    /// `(x: T): R`
    Call {
        type_params: Vec<TypeParam>,
        params: Vec<Param>,
        return_type: Option<Type>,
        span: Span,
    },
    /// `new (x: T): R`
    Construct {
        type_params: Vec<TypeParam>,
        params: Vec<Param>,
        return_type: Option<Type>,
        span: Span,
    },
    Index(Box<IndexSignature>),
    /// `get x(): T` / `set x(v: T)` in an interface.
    Accessor {
        key: PropKey,
        is_setter: bool,
        params: Vec<Param>,
        return_type: Option<Type>,
        span: Span,
    },
}

/// `[key: string]: T`
#[derive(Clone, Debug, PartialEq)]
pub struct IndexSignature {
    pub decorators: Vec<Decorator>,
    pub readonly: bool,
    pub is_static: bool,
    pub param: Ident,
    pub key_type: Type,
    pub ty: Type,
    pub span: Span,
}
