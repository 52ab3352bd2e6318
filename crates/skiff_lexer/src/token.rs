//! The tokens the parser sees: the output of the contextual layer.
//!
//! Most tokens are what the source spells. A few are synthesised by the contextual layer because an
//! LR(1) grammar cannot tell them apart without unbounded lookahead; their doc comments say which.

use std::fmt;

/// A cooked string value: the text, plus the exact UTF-16 code units when the literal spells lone
/// surrogates (which a Rust `String` cannot hold).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct StrVal {
    pub value: String,
    pub utf16: Option<Box<[u16]>>,
}

/// One piece of a template literal: the text between two substitutions.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TplPart {
    /// `None` when the text contains an invalid escape (allowed only in tagged templates).
    pub cooked: Option<StrVal>,
    pub raw: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    // ----- tokens with a payload -----
    /// An identifier, or a contextual keyword the layer decided is used as a name.
    Ident(String),
    /// `#name` (the payload is the name without `#`).
    PrivateName(String),
    Num(f64),
    /// The decimal digits of a BigInt literal.
    BigInt(String),
    // The payloads below are boxed: they are rare and large, and every token in a file's token
    // vector is as big as the largest variant (72 bytes unboxed, 32 boxed).
    Str(Box<StrVal>),
    /// `` `text` ``
    NoSubstTemplate(Box<TplPart>),
    /// `` `text${ ``
    TemplateHead(Box<TplPart>),
    /// `}text${`
    TemplateMiddle(Box<TplPart>),
    /// `` }text` ``
    TemplateTail(Box<TplPart>),
    /// `/pattern/flags`: the pattern, then the flags.
    Regex(Box<(String, String)>),

    // ----- reserved words -----
    Await,
    Break,
    Case,
    Catch,
    Class,
    Const,
    Continue,
    Debugger,
    Default,
    Delete,
    Do,
    Else,
    Enum,
    Export,
    Extends,
    False,
    Finally,
    For,
    Function,
    If,
    Implements,
    Import,
    In,
    Instanceof,
    Let,
    New,
    Null,
    Return,
    Super,
    Switch,
    This,
    Throw,
    True,
    Try,
    Typeof,
    Var,
    Void,
    While,
    With,
    Yield,

    // ----- contextual keywords (emitted only where the layer decided they act as keywords) -----
    Abstract,
    Accessor,
    As,
    Asserts,
    Async,
    Declare,
    From,
    Get,
    Global,
    Infer,
    Interface,
    Is,
    Keyof,
    Lazy,
    Module,
    Namespace,
    Of,
    Override,
    Private,
    Protected,
    Public,
    Readonly,
    Satisfies,
    Set,
    Static,
    Type,
    Unique,

    // ----- punctuators -----
    /// `{` opening a block, a class body, a type literal, an enum or namespace body.
    LBrace,
    /// Synthesised: `{` opening an object literal or an object pattern.
    LBraceObj,
    RBrace,
    LParen,
    /// Synthesised: `(` opening the parameter list of an arrow function or a function type.
    ArrowParen,
    RParen,
    LBracket,
    RBracket,
    Dot,
    Ellipsis,
    Semi,
    /// Synthesised: a semicolon inserted by automatic semicolon insertion.
    AutoSemi,
    Comma,
    Lt,
    /// Synthesised: `<` opening a list of type arguments or type parameters.
    TypeArgsLt,
    /// Synthesised: `<` opening the type parameters of a generic arrow function or function type.
    ArrowLt,
    Gt,
    /// Synthesised: `>` closing a list opened by `TypeArgsLt` or `ArrowLt` (`>>` is split).
    TypeArgsGt,
    LtEq,
    GtEq,
    EqEq,
    NotEq,
    EqEqEq,
    NotEqEq,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    StarStar,
    PlusPlus,
    MinusMinus,
    Shl,
    Shr,
    UShr,
    Amp,
    Pipe,
    Caret,
    Bang,
    Tilde,
    AmpAmp,
    PipePipe,
    QuestionQuestion,
    Question,
    QuestionDot,
    Colon,
    Eq,
    PlusEq,
    MinusEq,
    StarEq,
    SlashEq,
    PercentEq,
    StarStarEq,
    ShlEq,
    ShrEq,
    UShrEq,
    AmpEq,
    PipeEq,
    CaretEq,
    AmpAmpEq,
    PipePipeEq,
    QuestionQuestionEq,
    Arrow,
    At,

    // ----- other synthesised tokens -----
    /// Synthesised: the `in` of `for (x in o)`, so that the grammar needs no `[~In]` variants.
    ForIn,
    /// Synthesised: `function` where an expression is expected (a function expression).
    FunctionExpr,
    /// Synthesised: `class` where an expression is expected (a class expression).
    ClassExpr,
    /// Synthesised, zero-width: the end of the type after `as` or `satisfies`.
    TypeEnd,
    /// Synthesised: the `?` of an optional tuple element `[T?]`, so that any type may precede it.
    TupleOpt,
    /// Synthesised: the `extends` of `infer U extends C`, a constraint rather than a conditional.
    InferExtends,
}

impl Tok {
    /// Whether this token can end an operand (an identifier, a literal, a closing bracket, the
    /// end of type arguments): what follows it is an operator, not the start of an expression.
    pub fn ends_operand(&self) -> bool {
        matches!(
            self,
            Tok::Ident(_)
                | Tok::PrivateName(_)
                | Tok::Num(_)
                | Tok::BigInt(_)
                | Tok::Str(_)
                | Tok::NoSubstTemplate(_)
                | Tok::TemplateTail(_)
                | Tok::Regex(..)
                | Tok::This
                | Tok::Super
                | Tok::Null
                | Tok::True
                | Tok::False
                | Tok::RParen
                | Tok::RBracket
                | Tok::RBrace
                | Tok::TypeArgsGt
                | Tok::TypeEnd
        )
    }

    /// The keyword token for a reserved word, if `s` is one.
    pub fn reserved(s: &str) -> Option<Tok> {
        Some(match s {
            "await" => Tok::Await,
            "break" => Tok::Break,
            "case" => Tok::Case,
            "catch" => Tok::Catch,
            "class" => Tok::Class,
            "const" => Tok::Const,
            "continue" => Tok::Continue,
            "debugger" => Tok::Debugger,
            "default" => Tok::Default,
            "delete" => Tok::Delete,
            "do" => Tok::Do,
            "else" => Tok::Else,
            "enum" => Tok::Enum,
            "export" => Tok::Export,
            "extends" => Tok::Extends,
            "false" => Tok::False,
            "finally" => Tok::Finally,
            "for" => Tok::For,
            "function" => Tok::Function,
            "if" => Tok::If,
            "implements" => Tok::Implements,
            "import" => Tok::Import,
            "in" => Tok::In,
            "instanceof" => Tok::Instanceof,
            "let" => Tok::Let,
            "new" => Tok::New,
            "null" => Tok::Null,
            "return" => Tok::Return,
            "super" => Tok::Super,
            "switch" => Tok::Switch,
            "this" => Tok::This,
            "throw" => Tok::Throw,
            "true" => Tok::True,
            "try" => Tok::Try,
            "typeof" => Tok::Typeof,
            "var" => Tok::Var,
            "void" => Tok::Void,
            "while" => Tok::While,
            "with" => Tok::With,
            "yield" => Tok::Yield,
            _ => return None,
        })
    }

    /// The keyword token for a contextual keyword, if `s` is one.
    pub fn contextual(s: &str) -> Option<Tok> {
        Some(match s {
            "abstract" => Tok::Abstract,
            "accessor" => Tok::Accessor,
            "as" => Tok::As,
            "asserts" => Tok::Asserts,
            "async" => Tok::Async,
            "declare" => Tok::Declare,
            "from" => Tok::From,
            "get" => Tok::Get,
            "global" => Tok::Global,
            "infer" => Tok::Infer,
            "interface" => Tok::Interface,
            "is" => Tok::Is,
            "keyof" => Tok::Keyof,
            "lazy" => Tok::Lazy,
            "module" => Tok::Module,
            "namespace" => Tok::Namespace,
            "of" => Tok::Of,
            "override" => Tok::Override,
            "private" => Tok::Private,
            "protected" => Tok::Protected,
            "public" => Tok::Public,
            "readonly" => Tok::Readonly,
            "satisfies" => Tok::Satisfies,
            "set" => Tok::Set,
            "static" => Tok::Static,
            "type" => Tok::Type,
            "unique" => Tok::Unique,
            _ => return None,
        })
    }

    /// True for reserved and contextual keywords (which may all be used as property names).
    pub fn is_keyword(&self) -> bool {
        self.keyword_text().is_some()
    }

    /// The spelling of a keyword token.
    pub fn keyword_text(&self) -> Option<&'static str> {
        Some(match self {
            Tok::Await => "await",
            Tok::Break => "break",
            Tok::Case => "case",
            Tok::Catch => "catch",
            Tok::Class | Tok::ClassExpr => "class",
            Tok::Const => "const",
            Tok::Continue => "continue",
            Tok::Debugger => "debugger",
            Tok::Default => "default",
            Tok::Delete => "delete",
            Tok::Do => "do",
            Tok::Else => "else",
            Tok::Enum => "enum",
            Tok::Export => "export",
            Tok::Extends | Tok::InferExtends => "extends",
            Tok::False => "false",
            Tok::Finally => "finally",
            Tok::For => "for",
            Tok::Function | Tok::FunctionExpr => "function",
            Tok::If => "if",
            Tok::Implements => "implements",
            Tok::Import => "import",
            Tok::In | Tok::ForIn => "in",
            Tok::Instanceof => "instanceof",
            Tok::Let => "let",
            Tok::New => "new",
            Tok::Null => "null",
            Tok::Return => "return",
            Tok::Super => "super",
            Tok::Switch => "switch",
            Tok::This => "this",
            Tok::Throw => "throw",
            Tok::True => "true",
            Tok::Try => "try",
            Tok::Typeof => "typeof",
            Tok::Var => "var",
            Tok::Void => "void",
            Tok::While => "while",
            Tok::With => "with",
            Tok::Yield => "yield",
            Tok::Abstract => "abstract",
            Tok::Accessor => "accessor",
            Tok::As => "as",
            Tok::Asserts => "asserts",
            Tok::Async => "async",
            Tok::Declare => "declare",
            Tok::From => "from",
            Tok::Get => "get",
            Tok::Global => "global",
            Tok::Infer => "infer",
            Tok::Interface => "interface",
            Tok::Is => "is",
            Tok::Keyof => "keyof",
            Tok::Lazy => "lazy",
            Tok::Module => "module",
            Tok::Namespace => "namespace",
            Tok::Of => "of",
            Tok::Override => "override",
            Tok::Private => "private",
            Tok::Protected => "protected",
            Tok::Public => "public",
            Tok::Readonly => "readonly",
            Tok::Satisfies => "satisfies",
            Tok::Set => "set",
            Tok::Static => "static",
            Tok::Type => "type",
            Tok::Unique => "unique",
            _ => return None,
        })
    }

    /// The spelling of a punctuator token.
    pub fn punct_text(&self) -> Option<&'static str> {
        Some(match self {
            Tok::LBrace | Tok::LBraceObj => "{",
            Tok::RBrace => "}",
            Tok::LParen | Tok::ArrowParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Dot => ".",
            Tok::Ellipsis => "...",
            Tok::Semi | Tok::AutoSemi => ";",
            Tok::Comma => ",",
            Tok::Lt | Tok::TypeArgsLt | Tok::ArrowLt => "<",
            Tok::Gt | Tok::TypeArgsGt => ">",
            Tok::LtEq => "<=",
            Tok::GtEq => ">=",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::EqEqEq => "===",
            Tok::NotEqEq => "!==",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::StarStar => "**",
            Tok::PlusPlus => "++",
            Tok::MinusMinus => "--",
            Tok::Shl => "<<",
            Tok::Shr => ">>",
            Tok::UShr => ">>>",
            Tok::Amp => "&",
            Tok::Pipe => "|",
            Tok::Caret => "^",
            Tok::Bang => "!",
            Tok::Tilde => "~",
            Tok::AmpAmp => "&&",
            Tok::PipePipe => "||",
            Tok::QuestionQuestion => "??",
            Tok::Question | Tok::TupleOpt => "?",
            Tok::QuestionDot => "?.",
            Tok::Colon => ":",
            Tok::Eq => "=",
            Tok::PlusEq => "+=",
            Tok::MinusEq => "-=",
            Tok::StarEq => "*=",
            Tok::SlashEq => "/=",
            Tok::PercentEq => "%=",
            Tok::StarStarEq => "**=",
            Tok::ShlEq => "<<=",
            Tok::ShrEq => ">>=",
            Tok::UShrEq => ">>>=",
            Tok::AmpEq => "&=",
            Tok::PipeEq => "|=",
            Tok::CaretEq => "^=",
            Tok::AmpAmpEq => "&&=",
            Tok::PipePipeEq => "||=",
            Tok::QuestionQuestionEq => "??=",
            Tok::Arrow => "=>",
            Tok::At => "@",
            _ => return None,
        })
    }

    /// True for identifiers and every keyword: the tokens that may name a property.
    pub fn is_ident_like(&self) -> bool {
        matches!(self, Tok::Ident(_)) || self.is_keyword()
    }
}

impl fmt::Display for Tok {
    /// How users write the token, for "found …" in diagnostics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(k) = self.keyword_text() {
            return write!(f, "`{k}`");
        }
        if let Some(p) = self.punct_text() {
            return write!(f, "`{p}`");
        }
        match self {
            Tok::Ident(s) => write!(f, "identifier `{s}`"),
            Tok::PrivateName(s) => write!(f, "private name `#{s}`"),
            Tok::Num(_) => f.write_str("number"),
            Tok::BigInt(_) => f.write_str("BigInt literal"),
            Tok::Str(_) => f.write_str("string"),
            Tok::NoSubstTemplate(_) | Tok::TemplateHead(_) => f.write_str("template literal"),
            Tok::TemplateMiddle(_) | Tok::TemplateTail(_) => f.write_str("template continuation"),
            Tok::Regex(..) => f.write_str("regular expression"),
            Tok::TypeEnd => f.write_str("end of type"),
            _ => write!(f, "{self:?}"),
        }
    }
}
