//! The contextual layer: turns the first pass's tokens into the tokens the LR grammar reads.
//!
//! An LR(1) grammar cannot see what TypeScript's hand-written parsers decide by looking far ahead
//! or back. This layer decides it once, with the whole token vector at hand:
//!
//! - automatic semicolon insertion (`AutoSemi`), including the restricted productions;
//! - whether `(` opens arrow-function parameters (`ArrowParen`): scan to the matching `)` and
//!   look for `=>`, or for `: Type =>`;
//! - whether `<` opens type arguments (`TypeArgsLt`, `ArrowLt`) or is a comparison, by a
//!   speculative scan to the matching `>`; closers become `TypeArgsGt` and `>>` is split;
//! - whether `{` opens an object literal (`LBraceObj`) or a block, class body or type literal;
//! - whether `function`/`class` start an expression (`FunctionExpr`, `ClassExpr`);
//! - which contextual words (`async`, `get`, `type`, `as`, `of`, …) act as keywords;
//! - the `in` of `for (x in o)` (`ForIn`) and the end of the type after `as` (`TypeEnd`);
//! - ArkUI `struct` components, which are reported once and skipped;
//! - a nesting limit, so that nothing downstream recurses deeply.
//!
//! To decide these, the layer keeps a stack of open brackets with what opened them and a little
//! state per bracket (pending ternaries, whether a `let` is being declared, …).

use crate::diagnostics as d;
use crate::scan::{scan, RawToken, MAX_DIAGNOSTICS};
use crate::token::Tok;
use rustc_hash::{FxHashMap, FxHashSet};
use skiff_diagnostics::{Diagnostic, FileId, Span};

/// The most brackets that may be open at once.
pub const MAX_BRACKET_DEPTH: usize = 1000;
/// The most operators and nested statement heads one file may chain without brackets, summed
/// over the open brackets; a rough bound on the depth of the syntax tree built from them.
pub const MAX_CHAIN: u32 = 2000;
/// How far a speculative scan for type arguments may look (brackets inside count as one token).
/// Small enough that a hostile run of `a < b < c < …` stays linear in practice.
const MAX_SPECULATION: usize = 512;

/// A token with its byte range, as the parser consumes it.
pub type Spanned = (usize, Tok, usize);

/// The output of the lexer.
pub struct Lexed {
    pub tokens: Vec<Spanned>,
    pub diagnostics: Vec<Diagnostic>,
    /// The input ended early: inside a string, template, comment, or with brackets still open.
    pub incomplete: bool,
    /// The input could not be processed at all (too deeply nested); `tokens` is empty.
    pub fatal: bool,
    /// The end of the input.
    pub eof: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Top,
    Block,
    Object,
    TypeBody,
    Class,
    Enum,
    ParenExpr,
    ParenParams,
    ParenControl,
    ParenFor,
    Bracket,
    TypeArgs,
    Subst,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Header {
    Class,
    Interface,
    Enum,
    Namespace,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ColonRole {
    Annotation,
    Ternary,
    Label,
    Other,
}

#[derive(Clone, Debug)]
struct Level {
    kind: Kind,
    ternary: u32,
    var_decl: bool,
    header: Option<Header>,
    in_init: bool,
    type_alias: bool,
    for_semis: u32,
    chain: u32,
    nest: u32,
    reset_pending: bool,
    /// `{` of an import or export specifier list.
    specifiers: bool,
    /// Inside an `import` declaration (until its semicolon).
    import_stmt: bool,
    /// `do` statements at this level still waiting for their `while`.
    pending_do: u32,
    /// `<` of type parameters opened by `ArrowLt`.
    arrow: bool,
    /// A block that is the body of a function or class expression (or an arrow function).
    expr_body: bool,
    /// Parameters of a function expression.
    fn_expr: bool,
    /// The pending class header belongs to a class expression.
    header_expr: bool,
}

impl Level {
    fn new(kind: Kind) -> Self {
        Level {
            kind,
            ternary: 0,
            var_decl: false,
            header: None,
            in_init: false,
            type_alias: false,
            for_semis: 0,
            chain: 0,
            nest: 0,
            reset_pending: false,
            specifiers: false,
            import_stmt: false,
            pending_do: 0,
            arrow: false,
            expr_body: false,
            fn_expr: false,
            header_expr: false,
        }
    }

    fn asi(&self) -> bool {
        matches!(
            self.kind,
            Kind::Top | Kind::Block | Kind::TypeBody | Kind::Class
        )
    }
}

/// Lexes a whole file: the first pass, then the contextual layer.
pub fn tokenize(src: &str, file: FileId) -> Lexed {
    let scanned = scan(src, file);
    let mut diagnostics = scanned.diagnostics;
    let mut raw = scanned.tokens;
    let eof = scanned.eof as usize;
    let (matching, opener, depth_error) = match_brackets(&raw);
    if let Some(at) = depth_error {
        let t = &raw[at];
        diagnostics.push(d::nesting_too_deep(
            file,
            Span::new(t.start, t.end),
            MAX_BRACKET_DEPTH,
        ));
        return Lexed {
            tokens: Vec::new(),
            diagnostics,
            incomplete: false,
            fatal: true,
            eof,
        };
    }
    let mut layer = Layer {
        raw: &raw,
        matching: &matching,
        opener: &opener,
        do_while_parens: FxHashSet::default(),
        file,
        out: Vec::with_capacity(raw.len() + raw.len() / 8),
        out_raw: Vec::with_capacity(raw.len() + raw.len() / 8),
        diags: Vec::new(),
        stack: vec![Level::new(Kind::Top)],
        type_until: 0,
        type_end_at: FxHashSet::default(),
        closers: FxHashMap::default(),
        last_colon: ColonRole::Other,
        last_closed_params: false,
        last_closed_arrow_lt: false,
        last_closed_expr: false,
        last_closed_fn_expr: false,
        last_in_type: false,
        postfix_bang: false,
        postfix_update: false,
        suppress_asi_after: None,
        chain_total: 0,
        fatal: false,
    };
    layer.run();
    let unclosed = layer.stack.len() > 1;
    let fatal = layer.fatal;
    let Layer {
        out,
        out_raw,
        diags,
        ..
    } = layer;
    diagnostics.extend(diags);
    let mut tokens = if fatal { Vec::new() } else { out };
    // The layer emitted placeholders for tokens that carry text; move the text over now that
    // no lookahead needs it, instead of copying every identifier and string.
    for (t, &from) in tokens.iter_mut().zip(&out_raw) {
        if from != usize::MAX && has_payload(&t.1) {
            if let Some(r) = raw.get_mut(from) {
                if std::mem::discriminant(&r.tok) == std::mem::discriminant(&t.1) {
                    t.1 = std::mem::replace(&mut r.tok, Tok::Semi);
                }
            }
        }
    }
    diagnostics.truncate(MAX_DIAGNOSTICS + 1);
    Lexed {
        tokens,
        diagnostics,
        incomplete: scanned.incomplete || unclosed,
        fatal,
        eof,
    }
}

/// Pairs up brackets (and template substitutions). Returns, for each opener, the index of its
/// closer (`usize::MAX` when unclosed), and the index of a token at which the nesting limit was
/// exceeded, if it was.
fn match_brackets(raw: &[RawToken]) -> (Vec<usize>, Vec<usize>, Option<usize>) {
    let mut matching = vec![usize::MAX; raw.len()];
    let mut opener = vec![usize::MAX; raw.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        match t.tok {
            Tok::LParen | Tok::LBracket | Tok::LBrace | Tok::TemplateHead(_) => {
                stack.push(i);
                if stack.len() > MAX_BRACKET_DEPTH {
                    return (matching, opener, Some(i));
                }
            }
            Tok::TemplateMiddle(_) => {
                if let Some(&top) = stack.last() {
                    if matches!(raw[top].tok, Tok::TemplateHead(_) | Tok::TemplateMiddle(_)) {
                        stack.pop();
                        matching[top] = i;
                        opener[i] = top;
                    }
                }
                stack.push(i);
            }
            Tok::RParen | Tok::RBracket | Tok::RBrace | Tok::TemplateTail(_) => {
                // Pop to the nearest opener of the same kind, so that one stray bracket does not
                // unbalance the rest of the file.
                let want = |o: &Tok| match t.tok {
                    Tok::RParen => matches!(o, Tok::LParen),
                    Tok::RBracket => matches!(o, Tok::LBracket),
                    Tok::RBrace => matches!(o, Tok::LBrace),
                    _ => matches!(o, Tok::TemplateHead(_) | Tok::TemplateMiddle(_)),
                };
                if let Some(pos) = stack.iter().rposition(|&o| want(&raw[o].tok)) {
                    // Only accept if nothing but brackets of other kinds lie between; otherwise
                    // this closer is stray.
                    if stack.len() - pos <= 2 {
                        let o = stack[pos];
                        stack.truncate(pos);
                        matching[o] = i;
                        opener[i] = o;
                    }
                }
            }
            _ => {}
        }
    }
    (matching, opener, None)
}

/// Tokens that carry text (the layer emits them as placeholders first).
fn has_payload(t: &Tok) -> bool {
    matches!(
        t,
        Tok::Ident(_)
            | Tok::PrivateName(_)
            | Tok::BigInt(_)
            | Tok::Str(_)
            | Tok::NoSubstTemplate(_)
            | Tok::TemplateHead(_)
            | Tok::TemplateMiddle(_)
            | Tok::TemplateTail(_)
            | Tok::Regex(_)
    )
}

/// A cheap stand-in for a token with text, of the same kind.
fn placeholder(t: &Tok) -> Tok {
    match t {
        Tok::Ident(_) => Tok::Ident(String::new()),
        Tok::PrivateName(_) => Tok::PrivateName(String::new()),
        Tok::BigInt(_) => Tok::BigInt(String::new()),
        Tok::Str(_) => Tok::Str(Box::default()),
        Tok::NoSubstTemplate(_) => Tok::NoSubstTemplate(Box::default()),
        Tok::TemplateHead(_) => Tok::TemplateHead(Box::default()),
        Tok::TemplateMiddle(_) => Tok::TemplateMiddle(Box::default()),
        Tok::TemplateTail(_) => Tok::TemplateTail(Box::default()),
        Tok::Regex(_) => Tok::Regex(Box::default()),
        other => other.clone(),
    }
}

/// Tokens that may be the first of a new statement and cannot continue the previous line.
fn starts_statement(t: &Tok) -> bool {
    match t {
        Tok::Ident(_)
        | Tok::PrivateName(_)
        | Tok::Num(_)
        | Tok::BigInt(_)
        | Tok::Str(_)
        | Tok::Bang
        | Tok::Tilde
        | Tok::PlusPlus
        | Tok::MinusMinus
        | Tok::At => true,
        Tok::In
        | Tok::Instanceof
        | Tok::As
        | Tok::Satisfies
        | Tok::Of
        | Tok::Extends
        | Tok::Implements
        | Tok::Is
        | Tok::From
        | Tok::ForIn => false,
        other => other.is_keyword(),
    }
}

fn name_like(t: &Tok) -> bool {
    t.is_ident_like()
        || matches!(
            t,
            Tok::Str(_) | Tok::Num(_) | Tok::BigInt(_) | Tok::LBracket | Tok::PrivateName(_)
        )
}

fn ident_is(t: &Tok, s: &str) -> bool {
    matches!(t, Tok::Ident(n) if n == s)
}

struct Layer<'a> {
    raw: &'a [RawToken],
    matching: &'a [usize],
    /// For each closer, the index of its opener (`usize::MAX` when unmatched).
    opener: &'a [usize],
    /// Raw indices of the `(` after the `while` of a do-while loop.
    do_while_parens: FxHashSet<usize>,
    file: FileId,
    out: Vec<Spanned>,
    /// For each output token, the raw token it came from (`usize::MAX` for synthesised ones).
    out_raw: Vec<usize>,
    diags: Vec<Diagnostic>,
    stack: Vec<Level>,
    /// Raw tokens before this index belong to a type (annotation, alias, `as` target).
    type_until: usize,
    /// Raw indices before which a `TypeEnd` goes.
    type_end_at: FxHashSet<usize>,
    /// Raw `>`-like tokens that close type-argument lists: bit k set when character k does.
    closers: FxHashMap<usize, u8>,
    last_colon: ColonRole,
    last_closed_params: bool,
    last_closed_arrow_lt: bool,
    /// The last `}` closed an object literal or the body of a function/class expression.
    last_closed_expr: bool,
    last_closed_fn_expr: bool,
    last_in_type: bool,
    postfix_bang: bool,
    /// The last `++`/`--` was postfix (it ends an operand).
    postfix_update: bool,
    /// The raw index of the last token of a decorator, after which no semicolon is inserted.
    suppress_asi_after: Option<usize>,
    chain_total: u32,
    fatal: bool,
}

impl<'a> Layer<'a> {
    fn tok(&self, i: usize) -> Option<&'a Tok> {
        self.raw.get(i).map(|t| &t.tok)
    }

    fn same_line(&self, i: usize) -> bool {
        self.raw.get(i).is_some_and(|t| !t.nl_before)
    }

    fn prev(&self) -> Option<&Tok> {
        self.out.last().map(|t| &t.1)
    }

    fn prev2(&self) -> Option<&Tok> {
        let n = self.out.len();
        if n >= 2 {
            Some(&self.out[n - 2].1)
        } else {
            None
        }
    }

    fn level(&mut self) -> &mut Level {
        // The bottom `Top` level is never popped.
        let n = self.stack.len();
        &mut self.stack[n - 1]
    }

    fn top(&self) -> &Level {
        &self.stack[self.stack.len() - 1]
    }

    fn in_type(&self, i: usize) -> bool {
        i < self.type_until || matches!(self.top().kind, Kind::TypeArgs | Kind::TypeBody)
    }

    fn emit(&mut self, tok: Tok, start: u32, end: u32, raw: usize) {
        self.out.push((start as usize, tok, end as usize));
        self.out_raw.push(raw);
    }

    fn push_level(&mut self, level: Level) {
        self.stack.push(level);
    }

    fn pop_level(&mut self) {
        if self.stack.len() > 1 {
            if let Some(l) = self.stack.pop() {
                self.chain_total = self.chain_total.saturating_sub(l.chain + l.nest);
            }
        }
    }

    fn bump_chain(&mut self, i: usize) {
        self.level().chain += 1;
        self.chain_total += 1;
        self.check_chain(i);
    }

    fn bump_nest(&mut self, i: usize) {
        self.level().nest += 1;
        self.chain_total += 1;
        self.check_chain(i);
    }

    fn check_chain(&mut self, i: usize) {
        if self.chain_total > MAX_CHAIN && !self.fatal {
            self.fatal = true;
            let t = &self.raw[i];
            self.diags.push(d::nesting_too_deep(
                self.file,
                Span::new(t.start, t.end),
                MAX_CHAIN as usize,
            ));
        }
    }

    fn reset_chain(&mut self) {
        let l = self.level();
        let c = l.chain;
        l.chain = 0;
        l.ternary = 0;
        self.chain_total = self.chain_total.saturating_sub(c);
    }

    fn run(&mut self) {
        let mut i = 0;
        while i < self.raw.len() {
            if self.fatal {
                return;
            }
            i = self.step(i);
        }
        if self.type_end_at.contains(&self.raw.len()) {
            let e = self.out.last().map(|t| t.2 as u32).unwrap_or(0);
            self.emit(Tok::TypeEnd, e, e, usize::MAX);
        }
        // End of input: a final statement needs its semicolon.
        let top_asi = self.top().asi();
        if top_asi
            && !matches!(
                self.prev(),
                None | Some(Tok::Semi | Tok::AutoSemi | Tok::LBrace)
            )
        {
            let end = self.out.last().map(|t| t.2 as u32).unwrap_or(0);
            self.emit(Tok::AutoSemi, end, end, usize::MAX);
        }
    }

    /// Processes raw token `i`; returns the index of the next one to process.
    fn step(&mut self, i: usize) -> usize {
        let t = &self.raw[i];
        let (start, end) = (t.start, t.end);

        if self.type_end_at.contains(&i) {
            let e = self.out.last().map(|t| t.2 as u32).unwrap_or(start);
            self.emit(Tok::TypeEnd, e, e, usize::MAX);
        }

        // ArkUI struct components: report once and skip them whole.
        if let Some(skip_to) = self.arkui_struct(i) {
            return skip_to;
        }

        // 1. Contextual keywords.
        let mut tok = match &t.tok {
            Tok::Ident(name) => self.contextual(i, name),
            other => placeholder(other),
        };

        // 2. Automatic semicolon insertion.
        if self.wants_semicolon(i, &tok) {
            let e = self.out.last().map(|t| t.2 as u32).unwrap_or(start);
            self.emit(Tok::AutoSemi, e, e, usize::MAX);
            self.after_semicolon();
        }

        // Statement-nesting bookkeeping: an `else` continues the statement that a `;` or `}`
        // seemed to end.
        if self.top().reset_pending {
            self.level().reset_pending = false;
            if tok != Tok::Else {
                let n = self.top().nest;
                self.level().nest = 0;
                self.chain_total = self.chain_total.saturating_sub(n);
            }
        }

        let in_type = self.in_type(i);

        // 3. Tokens whose form depends on what precedes them.
        match tok {
            // A keyword after `.` is a property name (`o.class`, `o.let`): it opens nothing.
            _ if tok.is_keyword() && matches!(self.prev(), Some(Tok::Dot | Tok::QuestionDot)) => {}
            Tok::Function | Tok::Class => {
                let decl = self.is_decl_position();
                if !decl {
                    tok = if tok == Tok::Function {
                        Tok::FunctionExpr
                    } else {
                        Tok::ClassExpr
                    };
                }
                if matches!(tok, Tok::Class | Tok::ClassExpr) {
                    self.level().header = Some(Header::Class);
                    self.level().header_expr = tok == Tok::ClassExpr;
                }
            }
            Tok::Enum => self.level().header = Some(Header::Enum),
            Tok::Import if self.is_decl_position() => self.level().import_stmt = true,
            Tok::Interface => self.level().header = Some(Header::Interface),
            Tok::Namespace | Tok::Module | Tok::Global => {
                self.level().header = Some(Header::Namespace)
            }
            Tok::Let | Tok::Const | Tok::Var
                if !(tok == Tok::Const && matches!(self.tok(i + 1), Some(Tok::Enum)))
                    && self.prev() != Some(&Tok::As) =>
            {
                self.level().var_decl = true;
            }
            Tok::Type => {
                if matches!(self.tok(i + 1), Some(Tok::Ident(_))) {
                    self.level().type_alias = !self.top().specifiers
                        && !matches!(self.prev(), Some(Tok::Import | Tok::Export));
                }
            }
            Tok::In => {
                let l = self.top();
                if l.kind == Kind::ParenFor && l.for_semis == 0 {
                    tok = Tok::ForIn;
                }
            }
            Tok::While
                if self.top().pending_do > 0
                    && matches!(self.prev(), Some(Tok::RBrace | Tok::Semi | Tok::AutoSemi)) =>
            {
                // The `while` that ends a `do` statement; its `)` is followed by a semicolon
                // even on the same line.
                self.level().pending_do -= 1;
                self.do_while_parens.insert(i + 1);
            }
            Tok::Do => {
                self.level().pending_do += 1;
                self.bump_nest(i);
            }
            Tok::If | Tok::For | Tok::While | Tok::With | Tok::Else => self.bump_nest(i),
            _ => {}
        }

        match tok {
            Tok::LParen => {
                // Call signatures in type bodies use the arrow-parameter token too, so that the
                // grammar can tell them from a parenthesised expression after a block's `{`.
                let call_sig = self.top().kind == Kind::TypeBody
                    && (matches!(
                        self.prev(),
                        Some(Tok::LBrace | Tok::Semi | Tok::Comma | Tok::AutoSemi)
                    ) || (self.prev() == Some(&Tok::TypeArgsGt) && self.last_closed_arrow_lt));
                let arrow = call_sig || self.is_arrow_paren(i);
                let kind = if arrow {
                    Kind::ParenParams
                } else {
                    self.paren_kind(in_type)
                };
                if arrow {
                    tok = Tok::ArrowParen;
                }
                let fn_expr = kind == Kind::ParenParams
                    && (self.prev() == Some(&Tok::FunctionExpr)
                        || (matches!(self.prev(), Some(Tok::Ident(_) | Tok::Star))
                            && self.prev2() == Some(&Tok::FunctionExpr))
                        || self.top().kind == Kind::Object);
                self.emit(tok, start, end, i);
                let mut l = Level::new(kind);
                l.fn_expr = fn_expr;
                self.push_level(l);
                return i + 1;
            }
            Tok::LBracket => {
                self.emit(tok, start, end, i);
                self.push_level(Level::new(Kind::Bracket));
                return i + 1;
            }
            Tok::LBrace => {
                let header_expr = self.top().header.is_some() && self.top().header_expr;
                let kind = self.brace_kind(i, in_type);
                let expr_body = kind == Kind::Block
                    && (self.prev() == Some(&Tok::Arrow) || (self.last_closed_fn_expr && !in_type))
                    || (kind == Kind::Class && header_expr);
                let specifiers = kind == Kind::Object
                    && (matches!(self.prev(), Some(Tok::Import | Tok::Export))
                        || (matches!(self.prev(), Some(Tok::Type))
                            && matches!(self.prev2(), Some(Tok::Import | Tok::Export)))
                        || (self.prev() == Some(&Tok::Comma) && self.top().import_stmt));
                self.level().header = None;
                if kind == Kind::Object {
                    tok = Tok::LBraceObj;
                }
                self.emit(tok, start, end, i);
                let mut l = Level::new(kind);
                l.specifiers = specifiers;
                l.expr_body = expr_body;
                self.push_level(l);
                return i + 1;
            }
            Tok::TemplateHead(_) => {
                self.emit(tok, start, end, i);
                self.push_level(Level::new(Kind::Subst));
                return i + 1;
            }
            Tok::TemplateMiddle(_) => {
                self.close_to(Kind::Subst);
                self.emit(tok, start, end, i);
                self.push_level(Level::new(Kind::Subst));
                return i + 1;
            }
            Tok::TemplateTail(_) => {
                self.close_to(Kind::Subst);
                self.emit(tok, start, end, i);
                self.last_closed_params = false;
                return i + 1;
            }
            Tok::RParen | Tok::RBracket | Tok::RBrace => {
                let matched = self.is_matched_closer(i);
                if tok == Tok::RBrace && matched {
                    // ASI before `}` in statement-like bodies.
                    if self.top().asi()
                        && !matches!(
                            self.prev(),
                            Some(Tok::Semi | Tok::AutoSemi | Tok::LBrace | Tok::Comma)
                        )
                    {
                        let e = self.out.last().map(|t| t.2 as u32).unwrap_or(start);
                        self.emit(Tok::AutoSemi, e, e, usize::MAX);
                    }
                }
                let mut closed_params = false;
                let mut closed_expr = false;
                let mut closed_fn_expr = false;
                if matched {
                    let want: &[Kind] = match tok {
                        Tok::RParen => &[
                            Kind::ParenExpr,
                            Kind::ParenParams,
                            Kind::ParenControl,
                            Kind::ParenFor,
                        ],
                        Tok::RBracket => &[Kind::Bracket],
                        _ => &[
                            Kind::Block,
                            Kind::Object,
                            Kind::TypeBody,
                            Kind::Class,
                            Kind::Enum,
                        ],
                    };
                    if let Some(pos) = self.stack.iter().rposition(|l| want.contains(&l.kind)) {
                        if pos > 0 {
                            let l = &self.stack[pos];
                            closed_params = l.kind == Kind::ParenParams;
                            closed_fn_expr = l.fn_expr;
                            closed_expr = l.kind == Kind::Object || l.expr_body;
                            while self.stack.len() > pos {
                                self.pop_level();
                            }
                        }
                    }
                }
                self.emit(tok.clone(), start, end, i);
                self.last_closed_params = closed_params;
                if tok == Tok::RParen {
                    self.last_closed_fn_expr = closed_fn_expr;
                }
                if tok == Tok::RBrace {
                    self.last_closed_expr = closed_expr;
                    self.level().reset_pending = true;
                }
                return i + 1;
            }
            Tok::Lt => {
                if let Some(new_tok) = self.angle(i, in_type) {
                    let mut l = Level::new(Kind::TypeArgs);
                    l.arrow = new_tok == Tok::ArrowLt;
                    self.emit(new_tok, start, end, i);
                    self.push_level(l);
                } else {
                    self.emit(Tok::Lt, start, end, i);
                    self.bump_chain(i);
                }
                return i + 1;
            }
            Tok::Gt | Tok::Shr | Tok::UShr => {
                if let Some(&mask) = self.closers.get(&i) {
                    let n = end - start;
                    for k in 0..n {
                        if mask & (1 << k) != 0 {
                            self.emit(Tok::TypeArgsGt, start + k, start + k + 1, i);
                            if self.top().kind == Kind::TypeArgs {
                                self.last_closed_arrow_lt = self.top().arrow;
                                self.pop_level();
                            }
                        } else {
                            // The rest of the token is an ordinary `>`, `>>`.
                            let rest = match n - k {
                                1 => Tok::Gt,
                                2 => Tok::Shr,
                                _ => Tok::UShr,
                            };
                            self.emit(rest, start + k, end, i);
                            break;
                        }
                    }
                    self.last_in_type = true;
                    return i + 1;
                }
                self.bump_chain(i);
            }
            Tok::Colon => {
                let role = self.colon_role(in_type);
                self.last_colon = role;
                if role == ColonRole::Annotation {
                    self.start_type(i + 1, false);
                }
            }
            Tok::Question => {
                let next = self.tok(i + 1);
                let optional = in_type
                    || matches!(
                        next,
                        Some(
                            Tok::Colon
                                | Tok::RParen
                                | Tok::Comma
                                | Tok::Eq
                                | Tok::Semi
                                | Tok::RBrace
                        )
                    )
                    || (matches!(next, Some(Tok::LParen | Tok::Lt))
                        && matches!(self.top().kind, Kind::Class | Kind::TypeBody | Kind::Object)
                        && !self.top().in_init);
                if !optional {
                    self.level().ternary += 1;
                    self.bump_chain(i);
                } else if in_type
                    && self.top().kind == Kind::Bracket
                    && matches!(next, Some(Tok::Comma | Tok::RBracket))
                {
                    // `[Foo<T>?]`: an optional tuple element, whatever type precedes the `?`.
                    tok = Tok::TupleOpt;
                }
            }
            Tok::Extends
                if in_type
                    && matches!(
                        self.out
                            .iter()
                            .rev()
                            .take(2)
                            .map(|t| &t.1)
                            .collect::<Vec<_>>()[..],
                        [Tok::Ident(_), Tok::Infer]
                    ) =>
            {
                // `infer U extends C`: a constraint on the inferred type, not a nested
                // conditional type.
                tok = Tok::InferExtends;
            }
            Tok::Semi => {
                self.emit(tok, start, end, i);
                self.after_semicolon();
                if self.top().kind == Kind::ParenFor {
                    self.level().for_semis += 1;
                }
                return i + 1;
            }
            Tok::Comma => {
                self.reset_chain();
            }
            Tok::Eq => {
                let alias = self.top().type_alias;
                if alias && !in_type {
                    self.level().type_alias = false;
                    self.emit(tok, start, end, i);
                    self.start_type(i + 1, false);
                    return i + 1;
                }
                if self.top().kind == Kind::Class {
                    self.level().in_init = true;
                }
                self.bump_chain(i);
            }
            Tok::As | Tok::Satisfies => {
                self.bump_chain(i);
                if !in_type
                    && !self.top().specifiers
                    && !matches!(self.tok(i + 1), Some(Tok::Const))
                    && self.prev() != Some(&Tok::Star)
                {
                    self.emit(tok, start, end, i);
                    self.start_type(i + 1, true);
                    return i + 1;
                }
            }
            Tok::Bang => {
                let postfix = self.prev().is_some_and(Tok::ends_operand) && !self.raw[i].nl_before;
                self.emit(tok, start, end, i);
                self.postfix_bang = postfix;
                self.bump_chain(i);
                self.last_in_type = false;
                return i + 1;
            }
            Tok::PlusPlus | Tok::MinusMinus => {
                self.postfix_update =
                    self.prev().is_some_and(Tok::ends_operand) && !self.raw[i].nl_before;
                self.bump_chain(i);
            }
            Tok::At => {
                // A decorator: no semicolon may be inserted after it.
                self.suppress_asi_after = Some(self.decorator_end(i));
            }
            Tok::Dot
            | Tok::QuestionDot
            | Tok::Arrow
            | Tok::Ellipsis
            | Tok::Plus
            | Tok::Minus
            | Tok::Star
            | Tok::Slash
            | Tok::Percent
            | Tok::StarStar
            | Tok::Shl
            | Tok::Amp
            | Tok::Pipe
            | Tok::Caret
            | Tok::Tilde
            | Tok::AmpAmp
            | Tok::PipePipe
            | Tok::QuestionQuestion
            | Tok::EqEq
            | Tok::NotEq
            | Tok::EqEqEq
            | Tok::NotEqEq
            | Tok::LtEq
            | Tok::GtEq
            | Tok::PlusEq
            | Tok::MinusEq
            | Tok::StarEq
            | Tok::SlashEq
            | Tok::PercentEq
            | Tok::StarStarEq
            | Tok::ShlEq
            | Tok::ShrEq
            | Tok::UShrEq
            | Tok::AmpEq
            | Tok::PipeEq
            | Tok::CaretEq
            | Tok::AmpAmpEq
            | Tok::PipePipeEq
            | Tok::QuestionQuestionEq
            | Tok::Typeof
            | Tok::Void
            | Tok::Delete
            | Tok::Await
            | Tok::New
            | Tok::Yield
            | Tok::Instanceof
            | Tok::In
            | Tok::Keyof => {
                self.bump_chain(i);
            }
            _ => {}
        }
        self.emit(tok, start, end, i);
        self.last_in_type = in_type;
        i + 1
    }

    fn after_semicolon(&mut self) {
        let l = self.level();
        l.import_stmt = false;
        l.var_decl = false;
        l.in_init = false;
        l.type_alias = false;
        l.reset_pending = true;
        self.reset_chain();
    }

    fn is_matched_closer(&self, i: usize) -> bool {
        // A closer is matched when some opener points at it. Openers precede closers, and the
        // bracket stack tells us which opener is innermost, so checking the stack is enough.
        let want = match self.raw[i].tok {
            Tok::RParen => [
                Kind::ParenExpr,
                Kind::ParenParams,
                Kind::ParenControl,
                Kind::ParenFor,
            ]
            .as_slice(),
            Tok::RBracket => [Kind::Bracket].as_slice(),
            _ => [
                Kind::Block,
                Kind::Object,
                Kind::TypeBody,
                Kind::Class,
                Kind::Enum,
            ]
            .as_slice(),
        };
        self.stack.iter().skip(1).any(|l| want.contains(&l.kind))
    }

    fn close_to(&mut self, kind: Kind) {
        if let Some(pos) = self.stack.iter().rposition(|l| l.kind == kind) {
            if pos > 0 {
                while self.stack.len() > pos {
                    self.pop_level();
                }
            }
        }
    }

    /// Whether an automatic semicolon goes before raw token `i` (already converted to `tok`).
    fn wants_semicolon(&self, i: usize, tok: &Tok) -> bool {
        let t = &self.raw[i];
        // `do … while (c)` ends with a semicolon even when the next statement is on the same line.
        if self.prev() == Some(&Tok::RParen)
            && !matches!(tok, Tok::Semi)
            && self.closed_do_while_head()
        {
            return true;
        }
        if !t.nl_before || !self.top().asi() {
            return false;
        }
        let Some(prev) = self.prev() else {
            return false;
        };
        if self.suppress_asi_after.is_some()
            && self.out_raw.last().copied() == self.suppress_asi_after
        {
            return false;
        }
        if matches!(tok, Tok::Semi | Tok::RBrace) {
            return false;
        }
        // A `{` on a new line after a complete expression starts a block statement, unless it
        // opens the body of a declaration (a pending header, or right after a return type) or
        // of a control statement (after its `)`).
        if *tok == Tok::LBrace {
            let in_type = self.in_type(i);
            return prev.ends_operand()
                && !matches!(prev, Tok::RParen | Tok::TypeEnd)
                && self.top().header.is_none()
                && i != self.type_until
                && !in_type
                && matches!(self.top().kind, Kind::Top | Kind::Block);
        }
        // Restricted productions: no line break after these keywords.
        if matches!(
            prev,
            Tok::Return | Tok::Break | Tok::Continue | Tok::Throw | Tok::Yield
        ) {
            return true;
        }
        let prev_ends = prev.ends_operand()
            || (matches!(prev, Tok::PlusPlus | Tok::MinusMinus) && self.postfix_update)
            || *prev == Tok::Debugger
            || (*prev == Tok::Bang && self.postfix_bang)
            || (*prev == Tok::Const && self.prev2() == Some(&Tok::As))
            || (self.last_in_type && (prev.is_keyword() || *prev == Tok::RBrace));
        if !prev_ends {
            return false;
        }
        // A `)` that closes the head of `if`, `for`, `while` is followed by the body.
        if *prev == Tok::RParen && self.closed_control_head() {
            return false;
        }
        // `else`, `catch`, `finally` and the `while` of `do … while` continue the statement that
        // a block ended.
        if matches!(tok, Tok::Else | Tok::Catch | Tok::Finally | Tok::While)
            && *prev == Tok::RBrace
            && !self.last_closed_expr
        {
            return false;
        }
        // In interfaces and type literals, a line may start a call signature `(…)`, an index
        // signature `[…]` or generic call signature `<T>(…)`.
        if self.top().kind == Kind::TypeBody && matches!(tok, Tok::LParen | Tok::LBracket | Tok::Lt)
        {
            return true;
        }
        // After a type annotation, `[` on a new line starts a new statement (as in TypeScript).
        if tok == &Tok::LBracket && self.last_in_type && i >= self.type_until {
            return true;
        }
        starts_statement(tok)
    }

    /// Whether the `)` just emitted closed the head of a control statement.
    fn closed_control_head(&self) -> bool {
        let Some(&close_raw) = self.out_raw.last() else {
            return false;
        };
        let Some(&open) = self.opener.get(close_raw) else {
            return false;
        };
        if open == usize::MAX || open == 0 || self.do_while_parens.contains(&open) {
            return false;
        }
        matches!(
            self.raw[open - 1].tok,
            Tok::If | Tok::While | Tok::For | Tok::With | Tok::Await
        )
    }

    /// Whether the `)` just emitted closed the condition of a `do … while`.
    fn closed_do_while_head(&self) -> bool {
        let Some(&close_raw) = self.out_raw.last() else {
            return false;
        };
        match self.opener.get(close_raw) {
            Some(&open) if open != usize::MAX => self.do_while_parens.contains(&open),
            _ => false,
        }
    }

    fn is_decl_position(&self) -> bool {
        let mut n = self.out.len();
        // Look through `async` (and `abstract` for classes).
        while n > 0 && matches!(self.out[n - 1].1, Tok::Async | Tok::Abstract | Tok::Declare) {
            n -= 1;
        }
        if n == 0 {
            return true;
        }
        match &self.out[n - 1].1 {
            Tok::Semi
            | Tok::AutoSemi
            | Tok::LBrace
            | Tok::RBrace
            | Tok::RParen
            | Tok::Else
            | Tok::Do
            | Tok::Export
            | Tok::Default
            | Tok::Ident(_)
            | Tok::RBracket
            | Tok::TypeArgsGt
            | Tok::TypeEnd => true,
            Tok::Colon => self.last_colon == ColonRole::Label,
            _ => false,
        }
    }

    /// Converts an identifier to a contextual keyword where it acts as one.
    fn contextual(&self, i: usize, name: &str) -> Tok {
        // The name itself is moved into the token after the layer has run.
        let ident = || Tok::Ident(String::new());
        let Some(kw) = Tok::contextual(name) else {
            return ident();
        };
        // A name spelled with escapes (`\u0061sync`) is never a keyword.
        let raw = &self.raw[i];
        if (raw.end - raw.start) as usize != name.len() {
            return ident();
        }
        if matches!(self.prev(), Some(Tok::Dot | Tok::QuestionDot)) {
            return ident();
        }
        let next = self.tok(i + 1);
        let next_same = self.same_line(i + 1);
        let nk = next.cloned().unwrap_or(Tok::Semi);
        let kind = self.top().kind;
        let member_level = matches!(kind, Kind::Class | Kind::Object | Kind::TypeBody);
        let yes = match kw {
            Tok::Async => {
                next_same
                    && (matches!(nk, Tok::Function)
                        || (nk == Tok::LParen && self.is_arrow_paren(i + 1))
                        || (matches!(nk, Tok::Ident(_))
                            && matches!(self.tok(i + 2), Some(Tok::Arrow)))
                        || (nk == Tok::Lt && self.generic_arrow_at(i + 1))
                        || (member_level
                            && (name_like(&nk) || nk == Tok::Star)
                            && self.member_follows(i + 1)))
            }
            Tok::Get | Tok::Set => {
                (member_level || self.in_type(i)) && name_like(&nk) && self.member_follows(i + 1)
            }
            Tok::Static => {
                kind == Kind::Class
                    && (name_like(&nk) || matches!(nk, Tok::LBrace | Tok::Star | Tok::At))
            }
            Tok::Readonly if self.in_type(i) => {
                next_same && (name_like(&nk) || matches!(nk, Tok::LParen | Tok::LBrace))
            }
            Tok::Public
            | Tok::Private
            | Tok::Protected
            | Tok::Readonly
            | Tok::Override
            | Tok::Accessor => {
                next_same
                    && (name_like(&nk) || matches!(nk, Tok::LBrace | Tok::Ellipsis))
                    && !(kw == Tok::Readonly
                        && nk == Tok::LBracket
                        && !self.in_type(i)
                        && kind != Kind::Class
                        && kind != Kind::TypeBody)
            }
            Tok::Abstract => next_same && (name_like(&nk) || nk == Tok::New),
            Tok::Declare => {
                next_same
                    && (nk.is_ident_like() || matches!(nk, Tok::Str(_)))
                    && !matches!(self.tok(i + 2), Some(Tok::Eq | Tok::Colon | Tok::LParen))
                    || (member_level && next_same && name_like(&nk))
            }
            Tok::Type => {
                next_same
                    && ((matches!(nk, Tok::Ident(_))
                        && (matches!(self.tok(i + 2), Some(Tok::Eq | Tok::Lt))
                            || matches!(
                                self.prev(),
                                Some(Tok::Import | Tok::Export | Tok::LBraceObj | Tok::Comma)
                            )))
                        || (matches!(nk, Tok::LBrace | Tok::Star)
                            && matches!(self.prev(), Some(Tok::Import | Tok::Export))))
            }
            Tok::Interface => next_same && matches!(nk, Tok::Ident(_)),
            Tok::Namespace => next_same && matches!(nk, Tok::Ident(_)) && self.is_decl_position(),
            Tok::Module => {
                next_same && matches!(nk, Tok::Ident(_) | Tok::Str(_)) && self.is_decl_position()
            }
            Tok::Global => {
                self.prev() == Some(&Tok::Declare)
                    || (nk == Tok::LBrace && self.is_decl_position() && kind == Kind::Block)
            }
            Tok::Of => {
                kind == Kind::ParenFor
                    && self.top().for_semis == 0
                    && matches!(
                        self.prev(),
                        Some(Tok::Ident(_) | Tok::RBracket | Tok::RBrace)
                    )
                    && self.out.len() >= 2
            }
            Tok::From => matches!(nk, Tok::Str(_)),
            Tok::As if self.top().specifiers => {
                self.prev()
                    .is_some_and(|p| p.is_ident_like() || matches!(p, Tok::Str(_)))
                    && (next.is_some_and(Tok::is_ident_like) || matches!(nk, Tok::Str(_)))
            }
            Tok::As => {
                !self.raw[i].nl_before
                    && self
                        .prev()
                        .is_some_and(|p| p.ends_operand() || *p == Tok::Star || (*p == Tok::Const))
                    && !matches!(
                        nk,
                        Tok::Comma | Tok::RBrace | Tok::RParen | Tok::Semi | Tok::Eq | Tok::Colon
                    )
            }
            Tok::Satisfies => !self.raw[i].nl_before && self.prev().is_some_and(Tok::ends_operand),
            Tok::Is => {
                next_same
                    && self.in_type(i)
                    && matches!(self.prev(), Some(Tok::Ident(_) | Tok::This))
                    && matches!(self.prev2(), Some(Tok::Colon | Tok::Asserts))
            }
            Tok::Asserts => {
                next_same
                    && self.prev() == Some(&Tok::Colon)
                    && matches!(nk, Tok::Ident(_) | Tok::This)
                    && self.in_type(i)
            }
            Tok::Keyof | Tok::Infer => {
                next_same
                    && self.in_type(i)
                    && (name_like(&nk) || matches!(nk, Tok::LParen | Tok::LBrace | Tok::Typeof))
            }
            Tok::Unique => next_same && self.in_type(i) && ident_is(&nk, "symbol"),
            Tok::Lazy => {
                self.prev() == Some(&Tok::Import)
                    && (nk == Tok::LBrace
                        || (matches!(nk, Tok::Ident(ref s) if s != "from")
                            || (ident_is(&nk, "from")
                                && !matches!(self.tok(i + 2), Some(Tok::Str(_))))))
            }
            _ => false,
        };
        if yes {
            kw
        } else {
            ident()
        }
    }

    /// After a property name starting at `i`, is there a `(` or `<` (a method)?
    fn member_follows(&self, i: usize) -> bool {
        let after = match self.tok(i) {
            Some(Tok::LBracket) => self
                .matching
                .get(i)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1),
            Some(Tok::Star) => return true,
            Some(_) => i + 1,
            None => return false,
        };
        matches!(self.tok(after), Some(Tok::LParen | Tok::Lt | Tok::Question))
            || (matches!(self.tok(i), Some(t) if name_like(t))
                && matches!(
                    self.tok(after),
                    Some(Tok::Ident(_))
                        | Some(Tok::LBracket)
                        | Some(Tok::Star)
                        | Some(Tok::PrivateName(_))
                )
                && matches!(self.tok(i), Some(Tok::Ident(_))))
    }

    /// Is the `(` at `i` the parameter list of an arrow function (or a function type)?
    fn is_arrow_paren(&self, i: usize) -> bool {
        let Some(&close) = self.matching.get(i) else {
            return false;
        };
        if close == usize::MAX {
            return false;
        }
        match self.tok(close + 1) {
            Some(Tok::Arrow) => true,
            Some(Tok::Colon) => {
                let e = self.skip_type(close + 2);
                e > close + 2
                    && matches!(self.tok(e), Some(Tok::Arrow))
                    // In the consequent of `?`, `a ? (b) : c => d` is `a ? b : (c => d)`; the
                    // `:` belongs to the conditional unless another `:` follows the arrow
                    // function (`a ? (b): T => c : d`), which is how TypeScript decides.
                    && (self.top().ternary == 0 || self.ternary_colon_after(e + 1))
            }
            _ => false,
        }
    }

    /// Is there a `:` at the current bracket depth from `i` on, before the expression ends (a
    /// `,`, `;`, closing bracket or the end of the input), not taken by a nested `? :`?
    fn ternary_colon_after(&self, mut i: usize) -> bool {
        let mut nested = 0u32;
        while let Some(t) = self.tok(i) {
            match t {
                Tok::LParen | Tok::LBracket | Tok::LBrace | Tok::TemplateHead(_) => loop {
                    // A template's substitutions chain head → middle → … → tail.
                    match self.matching.get(i) {
                        Some(&m) if m != usize::MAX => i = m,
                        _ => return false,
                    }
                    if !matches!(self.tok(i), Some(Tok::TemplateMiddle(_))) {
                        break;
                    }
                },
                Tok::Question => nested += 1,
                Tok::Colon if nested == 0 => return true,
                Tok::Colon => nested -= 1,
                Tok::Comma
                | Tok::Semi
                | Tok::RParen
                | Tok::RBracket
                | Tok::RBrace
                | Tok::TemplateMiddle(_)
                | Tok::TemplateTail(_) => return false,
                _ => {}
            }
            i += 1;
        }
        false
    }

    /// Is there a generic arrow function `<T>(…) =>` at `i`?
    fn generic_arrow_at(&self, i: usize) -> bool {
        match self.skip_angle(i) {
            Some((after, _)) => {
                matches!(self.tok(after), Some(Tok::LParen)) && self.is_arrow_paren(after)
            }
            None => false,
        }
    }

    fn paren_kind(&self, in_type: bool) -> Kind {
        let prev = self.prev();
        match prev {
            Some(Tok::For) => return Kind::ParenFor,
            Some(Tok::Await) if self.prev2() == Some(&Tok::For) => return Kind::ParenFor,
            Some(Tok::If | Tok::While | Tok::With | Tok::Catch | Tok::Switch) => {
                return Kind::ParenControl
            }
            Some(Tok::Function | Tok::FunctionExpr) => return Kind::ParenParams,
            Some(Tok::Star) if matches!(self.prev2(), Some(Tok::Function | Tok::FunctionExpr)) => {
                return Kind::ParenParams
            }
            _ => {}
        }
        if in_type {
            return Kind::ParenParams;
        }
        if matches!(prev, Some(Tok::Ident(_)))
            && matches!(
                self.prev2(),
                Some(Tok::Function | Tok::FunctionExpr | Tok::Star)
            )
        {
            return Kind::ParenParams;
        }
        let l = self.top();
        let prop_prev = prev.is_some_and(|p| {
            name_like(p) || matches!(p, Tok::RBracket | Tok::TypeArgsGt | Tok::Question)
        });
        match l.kind {
            Kind::Class if !l.in_init && prop_prev => Kind::ParenParams,
            Kind::TypeBody => Kind::ParenParams,
            Kind::Object if prop_prev && self.object_method_start() => Kind::ParenParams,
            _ => Kind::ParenExpr,
        }
    }

    /// In an object literal, does the token before the property name just emitted start a member?
    fn object_method_start(&self) -> bool {
        let n = self.out.len();
        // Find the start of the key: for a computed key, step over the brackets.
        let mut k = n.saturating_sub(1);
        if matches!(self.out.get(k).map(|t| &t.1), Some(Tok::TypeArgsGt)) {
            // `m<T>(` — walk back to the `<`.
            while k > 0 && !matches!(self.out[k].1, Tok::TypeArgsLt) {
                k -= 1;
            }
            k = k.saturating_sub(1);
        }
        if matches!(self.out.get(k).map(|t| &t.1), Some(Tok::RBracket)) {
            let mut depth = 0i32;
            while k > 0 {
                match self.out[k].1 {
                    Tok::RBracket => depth += 1,
                    Tok::LBracket => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                k -= 1;
            }
        }
        if k == 0 {
            return false;
        }
        matches!(
            self.out[k - 1].1,
            Tok::LBraceObj | Tok::Comma | Tok::Get | Tok::Set | Tok::Async | Tok::Star
        )
    }

    fn brace_kind(&self, i: usize, in_type: bool) -> Kind {
        if let Some(h) = self.top().header {
            if !in_type || h == Header::Interface {
                return match h {
                    Header::Class => Kind::Class,
                    Header::Interface => Kind::TypeBody,
                    Header::Enum => Kind::Enum,
                    Header::Namespace => Kind::Block,
                };
            }
        }
        if in_type {
            return Kind::TypeBody;
        }
        if i == self.type_until && i > 0 {
            // Right after a return type: a function body.
            return Kind::Block;
        }
        match self.prev() {
            None => Kind::Block,
            Some(
                Tok::Arrow
                | Tok::Semi
                | Tok::AutoSemi
                | Tok::Else
                | Tok::Do
                | Tok::Try
                | Tok::Finally
                | Tok::Catch
                | Tok::RParen
                | Tok::RBrace
                | Tok::Static
                | Tok::TypeEnd,
            ) => Kind::Block,
            Some(Tok::LBrace) => Kind::Block,
            Some(Tok::Colon) => {
                if self.last_colon == ColonRole::Label {
                    Kind::Block
                } else {
                    Kind::Object
                }
            }
            Some(Tok::Ident(_) | Tok::TypeArgsGt | Tok::Str(_) | Tok::RBracket) => {
                if self.top().kind == Kind::Object
                    || matches!(self.top().kind, Kind::ParenExpr | Kind::Bracket)
                {
                    Kind::Object
                } else {
                    Kind::Block
                }
            }
            _ => Kind::Object,
        }
    }

    fn colon_role(&mut self, in_type: bool) -> ColonRole {
        if in_type {
            return ColonRole::Other;
        }
        let closed_params = self.last_closed_params && self.prev() == Some(&Tok::RParen);
        let l = self.level();
        if l.ternary > 0 {
            l.ternary -= 1;
            return ColonRole::Ternary;
        }
        if closed_params {
            return ColonRole::Annotation;
        }
        match l.kind {
            Kind::Object | Kind::ParenExpr | Kind::Enum | Kind::Subst => ColonRole::Other,
            Kind::ParenParams
            | Kind::ParenControl
            | Kind::Class
            | Kind::TypeBody
            | Kind::Bracket
            | Kind::TypeArgs => ColonRole::Annotation,
            Kind::ParenFor => {
                if l.var_decl {
                    ColonRole::Annotation
                } else {
                    ColonRole::Other
                }
            }
            Kind::Top | Kind::Block => {
                if l.var_decl {
                    ColonRole::Annotation
                } else {
                    ColonRole::Label
                }
            }
        }
    }

    /// Marks the type starting at raw index `from` as type context; with `delimit`, a `TypeEnd`
    /// follows it.
    fn start_type(&mut self, from: usize, delimit: bool) {
        let end = self.skip_type(from);
        if end > self.type_until {
            self.type_until = end;
        }
        if delimit {
            self.type_end_at.insert(end);
        }
    }

    /// Skips one type starting at raw index `i`; returns the index just after it.
    fn skip_type(&self, mut i: usize) -> usize {
        let mut cond = 0u32;
        let mut budget = MAX_SPECULATION * 4;
        'operand: loop {
            budget = match budget.checked_sub(1) {
                Some(b) => b,
                None => return i,
            };
            while matches!(self.tok(i), Some(Tok::Pipe | Tok::Amp)) {
                i += 1;
            }
            let Some(t) = self.tok(i) else { return i };
            match t {
                Tok::Ident(name) => {
                    let prefix = matches!(
                        name.as_str(),
                        "keyof" | "readonly" | "unique" | "infer" | "asserts" | "abstract"
                    ) && self.same_line(i + 1)
                        && self.tok(i + 1).is_some_and(|n| {
                            name_like(n)
                                || matches!(
                                    n,
                                    Tok::LParen
                                        | Tok::LBrace
                                        | Tok::Typeof
                                        | Tok::This
                                        | Tok::New
                                        | Tok::Void
                                        | Tok::Null
                                )
                        });
                    i += 1;
                    if prefix {
                        continue 'operand;
                    }
                }
                Tok::Typeof => {
                    i += 1;
                    if matches!(self.tok(i), Some(Tok::Import)) {
                        i += 1;
                        if matches!(self.tok(i), Some(Tok::LParen)) {
                            i = self.after_match(i);
                        }
                    } else if self.tok(i).is_some_and(Tok::is_ident_like) {
                        i += 1;
                    }
                }
                Tok::Import => {
                    i += 1;
                    if matches!(self.tok(i), Some(Tok::LParen)) {
                        i = self.after_match(i);
                    }
                }
                Tok::This
                | Tok::Void
                | Tok::Null
                | Tok::True
                | Tok::False
                | Tok::Num(_)
                | Tok::BigInt(_)
                | Tok::Str(_)
                | Tok::NoSubstTemplate(_) => i += 1,
                Tok::Minus => {
                    i += 1;
                    if matches!(self.tok(i), Some(Tok::Num(_) | Tok::BigInt(_))) {
                        i += 1;
                    }
                }
                Tok::TemplateHead(_) | Tok::LBracket | Tok::LBrace => i = self.after_match(i),
                Tok::LParen => {
                    i = self.after_match(i);
                    if matches!(self.tok(i), Some(Tok::Arrow)) {
                        i += 1;
                        continue 'operand;
                    }
                }
                Tok::Lt => match self.skip_angle(i) {
                    Some((after, _)) => {
                        i = after;
                        continue 'operand;
                    }
                    None => return i,
                },
                Tok::New => {
                    i += 1;
                    continue 'operand;
                }
                t if t.is_keyword() => i += 1,
                _ => return i,
            }
            // After an operand.
            loop {
                match self.tok(i) {
                    Some(Tok::Dot) if self.tok(i + 1).is_some_and(Tok::is_ident_like) => i += 2,
                    Some(Tok::Lt) if self.same_line(i) => match self.skip_angle(i) {
                        Some((after, _)) => i = after,
                        None => return i,
                    },
                    Some(Tok::LBracket) if self.same_line(i) => i = self.after_match(i),
                    Some(Tok::Pipe | Tok::Amp) => {
                        i += 1;
                        continue 'operand;
                    }
                    Some(Tok::Extends) => {
                        cond += 1;
                        i += 1;
                        continue 'operand;
                    }
                    Some(Tok::Question) if cond > 0 => {
                        i += 1;
                        continue 'operand;
                    }
                    Some(Tok::Colon) if cond > 0 => {
                        cond -= 1;
                        i += 1;
                        continue 'operand;
                    }
                    Some(Tok::Ident(s)) if s == "is" && self.same_line(i) => {
                        i += 1;
                        continue 'operand;
                    }
                    Some(Tok::Arrow) if false => {}
                    _ => return i,
                }
            }
        }
    }

    fn after_match(&self, i: usize) -> usize {
        match self.matching.get(i) {
            Some(&m) if m != usize::MAX => m + 1,
            _ => self.raw.len(),
        }
    }

    /// Scans a list in angle brackets starting at the `<` at `i`. On success returns the index
    /// after the closing token and the character of that token which closes the list.
    fn skip_angle(&self, i: usize) -> Option<(usize, u32)> {
        let mut depth: i32 = 0;
        let mut j = i;
        let limit = i + MAX_SPECULATION;
        while j < self.raw.len() && j < limit {
            let t = &self.raw[j].tok;
            match t {
                Tok::Lt => depth += 1,
                Tok::Gt | Tok::Shr | Tok::UShr => {
                    let n = match t {
                        Tok::Gt => 1,
                        Tok::Shr => 2,
                        _ => 3,
                    };
                    if depth <= n {
                        return Some((j + 1, (depth - 1).max(0) as u32));
                    }
                    depth -= n;
                }
                Tok::LParen | Tok::LBracket | Tok::LBrace | Tok::TemplateHead(_) => {
                    let m = *self.matching.get(j)?;
                    if m == usize::MAX {
                        return None;
                    }
                    j = m;
                }
                Tok::Ident(_)
                | Tok::Comma
                | Tok::Dot
                | Tok::Pipe
                | Tok::Amp
                | Tok::Arrow
                | Tok::Question
                | Tok::Colon
                | Tok::Eq
                | Tok::Ellipsis
                | Tok::Minus
                | Tok::Num(_)
                | Tok::BigInt(_)
                | Tok::Str(_)
                | Tok::NoSubstTemplate(_)
                | Tok::Typeof
                | Tok::Void
                | Tok::Null
                | Tok::This
                | Tok::New
                | Tok::Extends
                | Tok::True
                | Tok::False
                | Tok::In
                | Tok::Const
                | Tok::Import
                | Tok::Star => {}
                _ => return None,
            }
            j += 1;
        }
        None
    }

    /// Decides what a `<` at raw index `i` is. Returns `TypeArgsLt`/`ArrowLt` (and records the
    /// closer) or `None` for a comparison.
    fn angle(&mut self, i: usize, in_type: bool) -> Option<Tok> {
        let prev_ends = self.prev().is_some_and(Tok::ends_operand);
        // After `)`, `]` or `}`, a `<` is a comparison: `f(a) < b`.
        if !in_type && matches!(self.prev(), Some(Tok::RParen | Tok::RBracket | Tok::RBrace)) {
            return None;
        }
        let (after, which) = self.skip_angle(i)?;
        let result = if prev_ends
            && !matches!(self.prev(), Some(Tok::RParen | Tok::RBracket | Tok::RBrace))
        {
            if !in_type {
                // Expression context: `f<T>(x)`, `new Map<K, V>()`, `f<T>`, declarations.
                let next = self.tok(after);
                let ok = next.is_none()
                    || !self.same_line(after)
                    || matches!(
                        next,
                        Some(
                            Tok::LParen
                                | Tok::NoSubstTemplate(_)
                                | Tok::TemplateHead(_)
                                | Tok::RParen
                                | Tok::RBracket
                                | Tok::Comma
                                | Tok::Semi
                                | Tok::RBrace
                                | Tok::Dot
                                | Tok::QuestionDot
                                | Tok::Colon
                                | Tok::Eq
                                | Tok::EqEq
                                | Tok::EqEqEq
                                | Tok::NotEq
                                | Tok::NotEqEq
                                | Tok::AmpAmp
                                | Tok::PipePipe
                                | Tok::QuestionQuestion
                                | Tok::Question
                                | Tok::LBrace
                                | Tok::Pipe
                                | Tok::Amp
                                | Tok::LBracket
                                | Tok::Gt
                                | Tok::Extends
                                | Tok::Implements
                                | Tok::Arrow
                        )
                    )
                    || matches!(next, Some(Tok::Ident(s)) if s == "implements" || s == "as");
                if !ok {
                    return None;
                }
            }
            Tok::TypeArgsLt
        } else if matches!(self.tok(after), Some(Tok::LParen))
            && (self.is_arrow_paren(after)
                || (self.top().kind == Kind::TypeBody
                    && matches!(
                        self.prev(),
                        Some(Tok::LBrace | Tok::Semi | Tok::Comma | Tok::AutoSemi)
                    )))
        {
            Tok::ArrowLt
        } else if in_type {
            return None;
        } else {
            // `<T>expr`: an old-style type assertion.
            Tok::TypeArgsLt
        };
        let closer = after - 1;
        *self.closers.entry(closer).or_insert(0) |= 1 << which;
        Some(result)
    }

    /// The raw index of the last token of the decorator starting with `@` at `i`.
    fn decorator_end(&self, i: usize) -> usize {
        let mut j = i + 1;
        if !self.tok(j).is_some_and(Tok::is_ident_like) {
            return i;
        }
        while matches!(self.tok(j + 1), Some(Tok::Dot))
            && self.tok(j + 2).is_some_and(Tok::is_ident_like)
        {
            j += 2;
        }
        if matches!(self.tok(j + 1), Some(Tok::LParen)) && self.same_line(j + 1) {
            if let Some(&m) = self.matching.get(j + 1) {
                if m != usize::MAX {
                    j = m;
                }
            }
        }
        j
    }

    /// If an ArkUI `struct` component starts at raw index `i` (at its decorators or at `struct`),
    /// reports it and returns the index after its body.
    fn arkui_struct(&mut self, i: usize) -> Option<usize> {
        let t = &self.raw[i].tok;
        if !matches!(t, Tok::At | Tok::Export) && !ident_is(t, "struct") {
            return None;
        }
        if !self.is_decl_position() {
            return None;
        }
        let mut j = i;
        // Bounded, so that a long run of decorators is not rescanned from each of them.
        for _ in 0..16 {
            match self.tok(j) {
                Some(Tok::At) => {
                    let e = self.decorator_end(j);
                    if e == j {
                        return None;
                    }
                    j = e + 1;
                }
                Some(Tok::Export | Tok::Default) => j += 1,
                _ => break,
            }
        }
        if !ident_is(self.tok(j)?, "struct") || !matches!(self.tok(j + 1), Some(Tok::Ident(_))) {
            return None;
        }
        let mut k = j + 2;
        if matches!(self.tok(k), Some(Tok::Lt)) {
            k = self.skip_angle(k).map(|(a, _)| a)?;
        }
        while k < self.raw.len() && !matches!(self.tok(k), Some(Tok::LBrace)) {
            if matches!(self.tok(k), Some(Tok::Semi)) || k > j + 64 {
                return None;
            }
            k += 1;
        }
        let body = k;
        let close = *self.matching.get(body)?;
        let name = &self.raw[j + 1];
        let span = Span::new(self.raw[i].start, name.end);
        self.diags.push(d::arkui_struct(self.file, span));
        if close == usize::MAX {
            return Some(self.raw.len());
        }
        Some(close + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s, FileId(0))
            .tokens
            .into_iter()
            .map(|t| t.1)
            .collect()
    }

    fn has(s: &str, t: Tok) -> bool {
        toks(s).contains(&t)
    }

    #[test]
    fn asi_basic() {
        let t = toks("let a = 1\nlet b = 2");
        assert_eq!(t.iter().filter(|t| **t == Tok::AutoSemi).count(), 2);
        let t = toks("a\n(b)");
        assert!(!t.contains(&Tok::AutoSemi) || t.last() == Some(&Tok::AutoSemi));
        let t = toks("return\nx");
        assert_eq!(t[1], Tok::AutoSemi);
        let t = toks("if (a)\n  b()\nelse c()");
        assert_eq!(
            t.iter().filter(|t| **t == Tok::AutoSemi).count(),
            2,
            "{t:?}"
        );
    }

    #[test]
    fn arrows_and_generics() {
        assert!(has("(a: number, b) => a", Tok::ArrowParen));
        assert!(has("(a): number => a", Tok::ArrowParen));
        assert!(!has("(a) + b", Tok::ArrowParen));
        assert!(!has("x = a ? (b) : c => d", Tok::ArrowParen));
        assert!(has("x = a ? (b): T => c : d", Tok::ArrowParen));
        assert!(has("x = a ? (b): T => (p ? q : r) : d", Tok::ArrowParen));
        assert!(has("f<T>(x)", Tok::TypeArgsLt));
        assert!(!has("a < b && c > d", Tok::TypeArgsLt));
        let t = toks("let m: Map<string, Array<number>> = x");
        assert_eq!(
            t.iter().filter(|t| **t == Tok::TypeArgsGt).count(),
            2,
            "{t:?}"
        );
    }

    #[test]
    fn braces() {
        assert!(has("x = { a: 1 }", Tok::LBraceObj));
        assert!(!has("if (x) { a: 1 }", Tok::LBraceObj));
        // A keyword after `.` is a property name and opens no class body.
        assert!(has("x = o.class;\nconst { a } = o;", Tok::LBraceObj));
        assert!(has("function f() {}", Tok::Function));
        assert!(has("x = function () {}", Tok::FunctionExpr));
    }

    #[test]
    fn deep_nesting_is_fatal() {
        let s = "(".repeat(100_000);
        let l = tokenize(&s, FileId(0));
        assert!(l.fatal);
        assert_eq!(l.diagnostics.len(), 1);
    }
}
