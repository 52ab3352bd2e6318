//! The first pass: logos recognises punctuators, ASCII identifiers, whitespace and the starts of
//! literals and comments; hand-written scanners finish the tokens that need context or
//! careful validation (strings, templates, regular expressions, numbers, Unicode identifiers and
//! comments). The result is a flat vector of tokens, each flagged with whether a line break
//! precedes it; the contextual layer (`layer.rs`) works on that vector.

use crate::diagnostics as d;
use crate::token::{StrVal, Tok, TplPart};
use logos::Logos;
use skiff_diagnostics::{Diagnostic, FileId, Span};

/// The most diagnostics one file may produce before the lexer gives up.
pub const MAX_DIAGNOSTICS: usize = 100;

#[derive(Logos, Debug, Clone, Copy, PartialEq)]
#[logos(skip r"[ \t\x0B\x0C\u{A0}\u{FEFF}]+")]
enum Raw {
    #[regex(r"\n|\r\n|\r|\u{2028}|\u{2029}")]
    Newline,
    #[token("//")]
    LineComment,
    #[token("/*")]
    BlockComment,
    #[regex(r"[A-Za-z_$][A-Za-z0-9_$]*")]
    Ident,
    #[token("\\")]
    Backslash,
    #[token("#")]
    Hash,
    #[regex(r"[0-9]")]
    Digit,
    #[regex(r"\.[0-9]")]
    DotDigit,
    #[token("\"")]
    #[token("'")]
    Quote,
    #[token("`")]
    Backtick,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(".")]
    Dot,
    #[token("...")]
    Ellipsis,
    #[token(";")]
    Semi,
    #[token(",")]
    Comma,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("<=")]
    LtEq,
    #[token(">=")]
    GtEq,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("===")]
    EqEqEq,
    #[token("!==")]
    NotEqEq,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("**")]
    StarStar,
    #[token("++")]
    PlusPlus,
    #[token("--")]
    MinusMinus,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token(">>>")]
    UShr,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("!")]
    Bang,
    #[token("~")]
    Tilde,
    #[token("&&")]
    AmpAmp,
    #[token("||")]
    PipePipe,
    #[token("??")]
    QuestionQuestion,
    #[token("?")]
    Question,
    #[token(":")]
    Colon,
    #[token("=")]
    Eq,
    #[token("+=")]
    PlusEq,
    #[token("-=")]
    MinusEq,
    #[token("*=")]
    StarEq,
    #[token("/=")]
    SlashEq,
    #[token("%=")]
    PercentEq,
    #[token("**=")]
    StarStarEq,
    #[token("<<=")]
    ShlEq,
    #[token(">>=")]
    ShrEq,
    #[token(">>>=")]
    UShrEq,
    #[token("&=")]
    AmpEq,
    #[token("|=")]
    PipeEq,
    #[token("^=")]
    CaretEq,
    #[token("&&=")]
    AmpAmpEq,
    #[token("||=")]
    PipePipeEq,
    #[token("??=")]
    QuestionQuestionEq,
    #[token("=>")]
    Arrow,
    #[token("@")]
    At,
}

/// A token of the first pass.
#[derive(Clone, Debug, PartialEq)]
pub struct RawToken {
    pub tok: Tok,
    pub start: u32,
    pub end: u32,
    /// A line terminator (possibly inside a comment) precedes this token.
    pub nl_before: bool,
}

pub struct Scanned {
    pub tokens: Vec<RawToken>,
    pub diagnostics: Vec<Diagnostic>,
    /// The input ended inside a string, template, comment or regular expression.
    pub incomplete: bool,
    /// The position of the end of the input.
    pub eof: u32,
}

fn pos(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn span(a: usize, b: usize) -> Span {
    Span::new(pos(a), pos(b))
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// ECMAScript's IdentifierStart: `$`, `_`, and ID_Start (which includes Other_ID_Start, the
/// characters kept for backwards compatibility such as `℘`).
fn is_id_start(c: char) -> bool {
    c == '$'
        || c == '_'
        || unicode_ident::is_xid_start(c)
        || matches!(
            c,
            '\u{1885}' | '\u{1886}' | '\u{2118}' | '\u{212E}' | '\u{309B}' | '\u{309C}'
        )
}

/// ECMAScript's IdentifierPart: ID_Continue (with Other_ID_Continue), `$`, ZWNJ and ZWJ.
fn is_id_continue(c: char) -> bool {
    c == '$'
        || c == '\u{200C}'
        || c == '\u{200D}'
        || unicode_ident::is_xid_continue(c)
        || is_id_start(c)
        || matches!(
            c,
            '\u{00B7}' | '\u{0387}' | '\u{1369}'..='\u{1371}' | '\u{19DA}'
        )
}

struct Scanner<'s> {
    src: &'s str,
    file: FileId,
    tokens: Vec<RawToken>,
    diags: Vec<Diagnostic>,
    incomplete: bool,
    nl_before: bool,
    /// One entry per open `{` or template substitution `${`.
    braces: Vec<Brace>,
    /// One entry per open `(`: what it opens.
    parens: Vec<Paren>,
    /// The last token was a `)` closing a control head (a `/` after it starts a regex).
    after_control_head: bool,
    /// The last token was a `)` closing a function expression's parameters: the `{` after it
    /// opens a body that ends an operand (`function () {} / 2` divides).
    after_fn_expr_params: bool,
    /// The last token was a `}` closing a block or a declaration body, after which a statement
    /// starts (so a `/` starts a regex), rather than an object literal.
    after_block: bool,
    gave_up: bool,
}

impl<'s> Scanner<'s> {
    fn error(&mut self, diag: Diagnostic) {
        if self.diags.len() >= MAX_DIAGNOSTICS {
            if !self.gave_up {
                self.gave_up = true;
                let s = diag.span;
                self.diags.push(d::too_many_errors(self.file, s));
            }
            return;
        }
        self.diags.push(diag);
    }

    fn push(&mut self, tok: Tok, start: usize, end: usize) {
        self.tokens.push(RawToken {
            tok,
            start: pos(start),
            end: pos(end),
            nl_before: std::mem::take(&mut self.nl_before),
        });
    }

    /// Whether a `/` at this point starts a regular expression rather than a division.
    fn regex_allowed(&self) -> bool {
        if self.after_control_head && self.tokens.last().map(|t| &t.tok) == Some(&Tok::RParen) {
            return true;
        }
        if self.after_block && self.tokens.last().map(|t| &t.tok) == Some(&Tok::RBrace) {
            return true;
        }
        match self.tokens.last().map(|t| &t.tok) {
            None => true,
            Some(t) => !ends_operand(t),
        }
    }
}

/// What a `(` opened, as far as the first pass needs to know.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Paren {
    /// The head of `if`, `while`, `for` or `with`: a `/` after its `)` starts a regex.
    Control,
    /// The parameters of a function expression.
    FunctionExprParams,
    Other,
}

/// Is a `(` after `tokens` the parameter list of a function expression: `function`, an optional
/// `*` and name, after a token that expects an operand (see [`brace_kind`])?
fn function_expr_params(tokens: &[RawToken]) -> bool {
    let mut k = tokens.len();
    let at = |k: usize| k.checked_sub(1).map(|j| &tokens[j].tok);
    if matches!(at(k), Some(Tok::Ident(_))) {
        k -= 1;
    }
    if matches!(at(k), Some(Tok::Star)) {
        k -= 1;
    }
    if at(k) != Some(&Tok::Function) {
        return false;
    }
    k -= 1;
    if matches!(at(k), Some(Tok::Ident(s)) if s == "async") {
        k -= 1;
    }
    at(k).is_some() && brace_kind(at(k)) == Brace::Object
}

/// What a `{` opened, as far as the first pass needs to know.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Brace {
    /// A template substitution `${`.
    Subst,
    /// An object literal or pattern: a `/` after its `}` divides.
    Object,
    /// A block, a function body or a declaration body: a statement may follow its `}`.
    Block,
}

/// Classifies a `{` by the token before it, the way a reader would: after an operator, `(`,
/// `[`, `,`, `:` or a keyword that takes an operand it opens an object literal; anywhere else
/// (a statement boundary, `)` of a head or parameter list, `=>`, a declaration's name or type)
/// it opens a block or body. Only the choice between regex and division after the `}` hangs on
/// it; the contextual layer makes the real decision for the grammar.
fn brace_kind(prev: Option<&Tok>) -> Brace {
    let Some(prev) = prev else {
        return Brace::Block;
    };
    let object = matches!(
        prev,
        Tok::LParen
            | Tok::LBracket
            | Tok::Comma
            | Tok::Colon
            | Tok::Question
            | Tok::Ellipsis
            | Tok::Return
            | Tok::Throw
            | Tok::Typeof
            | Tok::Delete
            | Tok::New
            | Tok::In
            | Tok::Instanceof
            | Tok::Case
            | Tok::Yield
            | Tok::Await
            | Tok::TemplateHead(_)
            | Tok::TemplateMiddle(_)
            | Tok::Eq
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
            | Tok::Plus
            | Tok::Minus
            | Tok::Star
            | Tok::Slash
            | Tok::Percent
            | Tok::StarStar
            | Tok::Lt
            | Tok::LtEq
            | Tok::GtEq
            | Tok::EqEq
            | Tok::NotEq
            | Tok::EqEqEq
            | Tok::NotEqEq
            | Tok::Shl
            | Tok::Shr
            | Tok::UShr
            | Tok::Amp
            | Tok::Pipe
            | Tok::Caret
            | Tok::Bang
            | Tok::Tilde
            | Tok::AmpAmp
            | Tok::PipePipe
            | Tok::QuestionQuestion
    );
    if object {
        Brace::Object
    } else {
        Brace::Block
    }
}

/// Tokens after which a `/` is a division: those that end an operand, and postfix `++`/`--`.
fn ends_operand(t: &Tok) -> bool {
    t.ends_operand() || matches!(t, Tok::PlusPlus | Tok::MinusMinus)
}

/// Runs the first pass over a whole file.
pub fn scan(src: &str, file: FileId) -> Scanned {
    let mut sc = Scanner {
        src,
        file,
        // Real code has a token every few bytes; reserving up front avoids repeatedly copying a
        // large vector as it grows. Capped so that a huge literal does not reserve much.
        tokens: Vec::with_capacity((src.len() / 5).min(1 << 20)),
        diags: Vec::new(),
        incomplete: false,
        nl_before: false,
        braces: Vec::new(),
        parens: Vec::new(),
        after_control_head: false,
        after_fn_expr_params: false,
        after_block: false,
        gave_up: false,
    };
    let mut lex = Raw::lexer(src);
    // A `#!` line at the very start is a comment (hashbang).
    if src.starts_with("#!") {
        let end = src.find(['\n', '\r']).unwrap_or(src.len());
        lex.bump(end);
    }
    while let Some(res) = lex.next() {
        if sc.gave_up {
            break;
        }
        let sp = lex.span();
        let (start, end) = (sp.start, sp.end);
        let raw = match res {
            Ok(r) => r,
            Err(()) => {
                // Non-ASCII characters: whitespace, identifiers, or garbage.
                let c = src[start..].chars().next().unwrap_or('\u{FFFD}');
                let clen = c.len_utf8();
                // Logos reports an error span of at least one byte; resynchronise on the
                // character boundary.
                let already = end - start;
                if clen > already {
                    lex.bump(clen - already);
                }
                if is_line_terminator(c) {
                    sc.nl_before = true;
                } else if c.is_whitespace() {
                } else if is_id_start(c) {
                    let stop = scan_ident(&mut sc, &mut lex, start, start);
                    let _ = stop;
                } else {
                    // Collapse a run of invalid characters into one diagnostic.
                    let mut stop = start + clen;
                    for (i, ch) in src[stop..].char_indices() {
                        if ch.is_ascii_graphic() || ch.is_whitespace() || is_id_start(ch) {
                            stop += i;
                            break;
                        }
                        if i + ch.len_utf8() == src.len() - stop {
                            stop = src.len();
                        }
                    }
                    let stop = stop.max(start + clen);
                    if stop > start + clen {
                        lex.bump(stop - (start + clen));
                    }
                    sc.error(d::unexpected_char(file, span(start, stop), c));
                }
                continue;
            }
        };
        let tok = match raw {
            Raw::Newline => {
                sc.nl_before = true;
                continue;
            }
            Raw::LineComment => {
                let rest = &src[end..];
                let n = rest
                    .find(['\n', '\r', '\u{2028}', '\u{2029}'])
                    .unwrap_or(rest.len());
                lex.bump(n);
                continue;
            }
            Raw::BlockComment => {
                let rest = &src[end..];
                match rest.find("*/") {
                    Some(n) => {
                        if rest[..n].contains(is_line_terminator) {
                            sc.nl_before = true;
                        }
                        lex.bump(n + 2);
                    }
                    None => {
                        lex.bump(rest.len());
                        sc.incomplete = true;
                        sc.error(d::unterminated_comment(file, span(start, start + 2)));
                    }
                }
                continue;
            }
            Raw::Ident => {
                // Identifiers that continue with an escape or a non-ASCII character are
                // finished by hand.
                match src[end..].chars().next() {
                    Some(c) if c == '\\' || (!c.is_ascii() && is_id_continue(c)) => {
                        scan_ident(&mut sc, &mut lex, start, end);
                        continue;
                    }
                    _ => {}
                }
                let text = &src[start..end];
                Tok::reserved(text).unwrap_or_else(|| Tok::Ident(text.to_string()))
            }
            Raw::Backslash => {
                scan_ident(&mut sc, &mut lex, start, start);
                continue;
            }
            Raw::Hash => {
                let rest = &src[end..];
                match rest.chars().next() {
                    Some(c) if is_id_start(c) || c == '\\' => {
                        let (name, len) = ident_chars(&mut sc, end, true);
                        lex.bump(len);
                        sc.push(Tok::PrivateName(name), start, end + len);
                    }
                    _ => sc.error(d::unexpected_char(file, span(start, end), '#')),
                }
                continue;
            }
            Raw::Digit | Raw::DotDigit => {
                let len = scan_number(&mut sc, start);
                lex.bump(len - (end - start));
                continue;
            }
            Raw::Quote => {
                let len = scan_string(&mut sc, start);
                lex.bump(len - 1);
                continue;
            }
            Raw::Backtick => {
                let len = scan_template(&mut sc, start, true);
                lex.bump(len - 1);
                continue;
            }
            Raw::LBrace => {
                let last = sc.tokens.last().map(|t| &t.tok);
                let kind = if last == Some(&Tok::RParen) && sc.after_fn_expr_params {
                    Brace::Object
                } else {
                    brace_kind(last)
                };
                sc.braces.push(kind);
                Tok::LBrace
            }
            Raw::RBrace => {
                let kind = sc.braces.pop();
                if kind == Some(Brace::Subst) {
                    let len = scan_template(&mut sc, start, false);
                    lex.bump(len - 1);
                    continue;
                }
                sc.after_block = kind == Some(Brace::Block);
                Tok::RBrace
            }
            Raw::LParen => {
                let kind = if matches!(
                    sc.tokens.last().map(|t| &t.tok),
                    Some(Tok::If | Tok::While | Tok::For | Tok::With)
                ) {
                    Paren::Control
                } else if function_expr_params(&sc.tokens) {
                    Paren::FunctionExprParams
                } else {
                    Paren::Other
                };
                sc.parens.push(kind);
                Tok::LParen
            }
            Raw::RParen => {
                let kind = sc.parens.pop();
                sc.after_control_head = kind == Some(Paren::Control);
                sc.after_fn_expr_params = kind == Some(Paren::FunctionExprParams);
                Tok::RParen
            }
            Raw::LBracket => Tok::LBracket,
            Raw::RBracket => Tok::RBracket,
            Raw::Dot => Tok::Dot,
            Raw::Ellipsis => Tok::Ellipsis,
            Raw::Semi => Tok::Semi,
            Raw::Comma => Tok::Comma,
            Raw::Lt => Tok::Lt,
            Raw::Gt => Tok::Gt,
            Raw::LtEq => Tok::LtEq,
            Raw::GtEq => Tok::GtEq,
            Raw::EqEq => Tok::EqEq,
            Raw::NotEq => Tok::NotEq,
            Raw::EqEqEq => Tok::EqEqEq,
            Raw::NotEqEq => Tok::NotEqEq,
            Raw::Plus => Tok::Plus,
            Raw::Minus => Tok::Minus,
            Raw::Star => Tok::Star,
            Raw::Slash | Raw::SlashEq if sc.regex_allowed() => {
                let len = scan_regex(&mut sc, start);
                lex.bump(len - (end - start));
                continue;
            }
            Raw::Slash => Tok::Slash,
            Raw::SlashEq => Tok::SlashEq,
            Raw::Percent => Tok::Percent,
            Raw::StarStar => Tok::StarStar,
            Raw::PlusPlus => Tok::PlusPlus,
            Raw::MinusMinus => Tok::MinusMinus,
            Raw::Shl => Tok::Shl,
            Raw::Shr => Tok::Shr,
            Raw::UShr => Tok::UShr,
            Raw::Amp => Tok::Amp,
            Raw::Pipe => Tok::Pipe,
            Raw::Caret => Tok::Caret,
            Raw::Bang => Tok::Bang,
            Raw::Tilde => Tok::Tilde,
            Raw::AmpAmp => Tok::AmpAmp,
            Raw::PipePipe => Tok::PipePipe,
            Raw::QuestionQuestion => Tok::QuestionQuestion,
            Raw::Question => {
                // `?.` is optional chaining unless a digit follows (`a?.5:b` is a conditional).
                let b = src.as_bytes();
                if b.get(end) == Some(&b'.') && !b.get(end + 1).is_some_and(u8::is_ascii_digit) {
                    lex.bump(1);
                    sc.push(Tok::QuestionDot, start, end + 1);
                    continue;
                }
                Tok::Question
            }
            Raw::Colon => Tok::Colon,
            Raw::Eq => Tok::Eq,
            Raw::PlusEq => Tok::PlusEq,
            Raw::MinusEq => Tok::MinusEq,
            Raw::StarEq => Tok::StarEq,
            Raw::PercentEq => Tok::PercentEq,
            Raw::StarStarEq => Tok::StarStarEq,
            Raw::ShlEq => Tok::ShlEq,
            Raw::ShrEq => Tok::ShrEq,
            Raw::UShrEq => Tok::UShrEq,
            Raw::AmpEq => Tok::AmpEq,
            Raw::PipeEq => Tok::PipeEq,
            Raw::CaretEq => Tok::CaretEq,
            Raw::AmpAmpEq => Tok::AmpAmpEq,
            Raw::PipePipeEq => Tok::PipePipeEq,
            Raw::QuestionQuestionEq => Tok::QuestionQuestionEq,
            Raw::Arrow => {
                // ArrowParameters [no LineTerminator here] `=>`.
                if sc.nl_before {
                    sc.error(d::arrow_on_new_line(file, span(start, end)));
                }
                Tok::Arrow
            }
            Raw::At => Tok::At,
        };
        sc.push(tok, start, end);
    }
    Scanned {
        tokens: sc.tokens,
        diagnostics: sc.diags,
        incomplete: sc.incomplete,
        eof: pos(src.len()),
    }
}

/// Finishes an identifier that started at `start` and whose first `done - start` bytes were
/// already recognised; handles `\u` escapes and Unicode characters.
fn scan_ident(
    sc: &mut Scanner<'_>,
    lex: &mut logos::Lexer<'_, Raw>,
    start: usize,
    done: usize,
) -> usize {
    let consumed = lex.span().end;
    let (tail, len) = ident_chars(sc, done, start == done);
    let mut name = sc.src[start..done].to_string();
    name.push_str(&tail);
    let end = done + len;
    if end > consumed {
        lex.bump(end - consumed);
    }
    let end = end.max(consumed);
    if name.is_empty() {
        sc.error(d::invalid_ident_escape(
            sc.file,
            span(start, end.max(start + 1)),
        ));
        return end;
    }
    // A reserved word spelled with escapes is still not a keyword; it stays an identifier.
    sc.push(Tok::Ident(name), start, end);
    end
}

/// Reads identifier characters (and `\u` escapes) from `from`; returns the cooked text and the
/// number of bytes read.
fn ident_chars(sc: &mut Scanner<'_>, from: usize, at_start: bool) -> (String, usize) {
    let src = sc.src;
    let mut out = String::new();
    let mut i = from;
    // The position of the identifier's first character, if `from` is it.
    let first = if at_start { from } else { usize::MAX };
    while i < src.len() {
        let c = match src[i..].chars().next() {
            Some(c) => c,
            None => break,
        };
        if c == '\\' {
            let esc_start = i;
            let bytes = src.as_bytes();
            if bytes.get(i + 1) != Some(&b'u') {
                sc.error(d::invalid_ident_escape(sc.file, span(i, i + 1)));
                i += 1;
                continue;
            }
            match read_unicode_escape(src, i + 2) {
                Some((cp, len)) => {
                    i += 2 + len;
                    match char::from_u32(cp) {
                        Some(ch)
                            if (esc_start == first && is_id_start(ch))
                                || (esc_start != first && is_id_continue(ch)) =>
                        {
                            out.push(ch)
                        }
                        _ => sc.error(d::invalid_ident_escape(sc.file, span(esc_start, i))),
                    }
                }
                None => {
                    sc.error(d::invalid_ident_escape(sc.file, span(esc_start, i + 2)));
                    i += 2;
                }
            }
            continue;
        }
        let ok = if i == first {
            is_id_start(c)
        } else {
            is_id_continue(c)
        };
        if !ok {
            break;
        }
        out.push(c);
        i += c.len_utf8();
    }
    (out, i - from)
}

/// Reads the part of a `\u` escape after `\u`: `HHHH` or `{H…}`. Returns the code point and the
/// number of bytes read.
fn read_unicode_escape(src: &str, at: usize) -> Option<(u32, usize)> {
    let b = src.as_bytes();
    if b.get(at) == Some(&b'{') {
        let mut v: u32 = 0;
        let mut i = at + 1;
        let mut digits = 0;
        while let Some(&c) = b.get(i) {
            if c == b'}' {
                break;
            }
            let h = (c as char).to_digit(16)?;
            v = v.checked_mul(16)?.checked_add(h)?;
            if v > 0x10FFFF {
                return None;
            }
            digits += 1;
            i += 1;
        }
        if b.get(i) != Some(&b'}') || digits == 0 {
            return None;
        }
        Some((v, i + 1 - at))
    } else {
        let mut v = 0;
        for k in 0..4 {
            let h = (*b.get(at + k)? as char).to_digit(16)?;
            v = v * 16 + h;
        }
        Some((v, 4))
    }
}

/// What ends the literal being cooked.
#[derive(Clone, Copy, PartialEq)]
enum Quote {
    Single,
    Double,
    Template,
}

/// The result of cooking string or template text.
struct Cooked {
    units: Vec<u16>,
    /// The first invalid escape, if any (an error in strings, a `None` cooked value in templates).
    bad_escape: Option<(usize, usize, &'static str)>,
    /// Legacy octal escapes (errors in strict mode), as byte ranges.
    octal: Vec<(usize, usize)>,
    /// Where the literal's body ends (the position of the closing quote, or of `${`).
    end: usize,
    /// How it ended: `Some(true)` at `${`, `Some(false)` at the closing quote, `None` unterminated.
    subst: Option<bool>,
}

fn cook(src: &str, from: usize, quote: Quote) -> Cooked {
    let b = src.as_bytes();
    let mut units: Vec<u16> = Vec::new();
    let mut bad_escape = None;
    let mut octal = Vec::new();
    let mut i = from;
    let mut buf = [0u16; 2];
    let subst;
    loop {
        let Some(c) = src[i..].chars().next() else {
            subst = None;
            break;
        };
        match (c, quote) {
            ('"', Quote::Double) | ('\'', Quote::Single) | ('`', Quote::Template) => {
                subst = Some(false);
                break;
            }
            ('$', Quote::Template) if b.get(i + 1) == Some(&b'{') => {
                subst = Some(true);
                break;
            }
            ('\n' | '\r', Quote::Single | Quote::Double) => {
                subst = None;
                break;
            }
            ('\r', Quote::Template) => {
                // Template text normalises CRLF and CR to LF.
                units.push(10);
                i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                continue;
            }
            ('\\', _) => {
                let esc = i;
                let Some(e) = src[i + 1..].chars().next() else {
                    subst = None;
                    break;
                };
                i += 1 + e.len_utf8();
                match e {
                    'n' => units.push(10),
                    't' => units.push(9),
                    'r' => units.push(13),
                    'b' => units.push(8),
                    'f' => units.push(12),
                    'v' => units.push(11),
                    '0' if !b.get(i).is_some_and(u8::is_ascii_digit) => units.push(0),
                    '0'..='7' => {
                        if quote == Quote::Template {
                            bad_escape.get_or_insert((
                                esc,
                                i,
                                "octal escapes are not allowed in templates",
                            ));
                        } else {
                            // Read up to three octal digits, as legacy code would.
                            let mut v = e as u32 - '0' as u32;
                            let max_more = if e <= '3' { 2 } else { 1 };
                            for _ in 0..max_more {
                                match b.get(i) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            units.push(v as u16);
                            octal.push((esc, i));
                        }
                    }
                    '8' | '9' => {
                        bad_escape.get_or_insert((
                            esc,
                            i,
                            "`\\8` and `\\9` are not allowed in strict mode",
                        ));
                        units.push(e as u16);
                    }
                    'x' => {
                        let h = |k: usize| b.get(i + k).and_then(|&c| (c as char).to_digit(16));
                        match (h(0), h(1)) {
                            (Some(a), Some(c)) => {
                                units.push((a * 16 + c) as u16);
                                i += 2;
                            }
                            _ => {
                                bad_escape.get_or_insert((
                                    esc,
                                    i,
                                    "`\\x` needs two hexadecimal digits",
                                ));
                            }
                        }
                    }
                    'u' => match read_unicode_escape(src, i) {
                        Some((cp, len)) => {
                            i += len;
                            if cp > 0xFFFF {
                                if let Some(ch) = char::from_u32(cp) {
                                    units.extend_from_slice(ch.encode_utf16(&mut buf));
                                }
                            } else {
                                units.push(cp as u16);
                            }
                        }
                        None => {
                            bad_escape.get_or_insert((esc, i, "`\\u` needs four hexadecimal digits or `{…}` with a code point up to 10FFFF"));
                        }
                    },
                    '\r' => {
                        // A line continuation: `\` followed by CRLF or CR contributes nothing.
                        if b.get(i) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    '\n' | '\u{2028}' | '\u{2029}' => {}
                    other => units.extend_from_slice(other.encode_utf16(&mut buf)),
                }
            }
            _ => {
                units.extend_from_slice(c.encode_utf16(&mut buf));
                i += c.len_utf8();
            }
        }
    }
    Cooked {
        units,
        bad_escape,
        octal,
        end: i,
        subst,
    }
}

fn str_val(units: &[u16]) -> StrVal {
    match String::from_utf16(units) {
        Ok(value) => StrVal { value, utf16: None },
        Err(_) => StrVal {
            value: String::from_utf16_lossy(units),
            utf16: Some(units.to_vec().into_boxed_slice()),
        },
    }
}

/// Scans a string literal whose quote is at `start`; returns its length in bytes.
fn scan_string(sc: &mut Scanner<'_>, start: usize) -> usize {
    let src = sc.src;
    let quote = if src.as_bytes()[start] == b'"' {
        Quote::Double
    } else {
        Quote::Single
    };
    let body = start + 1;
    // Fast path: no escapes.
    let q = if quote == Quote::Double { '"' } else { '\'' };
    if let Some(n) = src[body..].find([q, '\\', '\n', '\r']) {
        if src.as_bytes()[body + n] == q as u8 {
            let value = src[body..body + n].to_string();
            sc.push(
                Tok::Str(Box::new(StrVal { value, utf16: None })),
                start,
                body + n + 1,
            );
            return n + 2;
        }
    }
    let c = cook(src, body, quote);
    if let Some((a, b, what)) = c.bad_escape {
        sc.error(d::invalid_escape(sc.file, span(a, b), what));
    }
    for (a, b) in c.octal {
        sc.error(d::legacy_octal_escape(sc.file, span(a, b)));
    }
    let end = match c.subst {
        Some(_) => c.end + 1,
        None => {
            if c.end >= src.len() {
                sc.incomplete = true;
            }
            sc.error(d::unterminated_string(sc.file, span(start, c.end)));
            c.end
        }
    };
    sc.push(Tok::Str(Box::new(str_val(&c.units))), start, end);
    end - start
}

/// Scans template text starting at `start` (a backtick when `head`, else the `}` closing a
/// substitution); returns its length in bytes.
fn scan_template(sc: &mut Scanner<'_>, start: usize, head: bool) -> usize {
    let src = sc.src;
    let body = start + 1;
    let c = cook(src, body, Quote::Template);
    let raw = src[body..c.end.min(src.len())]
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let cooked = if c.bad_escape.is_some() {
        None
    } else {
        Some(str_val(&c.units))
    };
    let part = Box::new(TplPart { cooked, raw });
    let (tok, end) = match c.subst {
        Some(true) => {
            sc.braces.push(Brace::Subst);
            (
                if head {
                    Tok::TemplateHead(part)
                } else {
                    Tok::TemplateMiddle(part)
                },
                c.end + 2,
            )
        }
        Some(false) => (
            if head {
                Tok::NoSubstTemplate(part)
            } else {
                Tok::TemplateTail(part)
            },
            c.end + 1,
        ),
        None => {
            sc.incomplete = true;
            sc.error(d::unterminated_template(sc.file, span(start, c.end)));
            (
                if head {
                    Tok::NoSubstTemplate(part)
                } else {
                    Tok::TemplateTail(part)
                },
                c.end,
            )
        }
    };
    // Remember bad escapes so that the parser can reject them outside tagged templates.
    sc.push(tok, start, end);
    end - start
}

/// Scans a regular expression literal whose `/` is at `start`; returns its length in bytes.
fn scan_regex(sc: &mut Scanner<'_>, start: usize) -> usize {
    let src = sc.src;
    let mut i = start + 1;
    let mut in_class = false;
    let mut closed = false;
    while let Some(c) = src[i..].chars().next() {
        if is_line_terminator(c) {
            break;
        }
        i += c.len_utf8();
        match c {
            '\\' => {
                if let Some(n) = src[i..].chars().next() {
                    if is_line_terminator(n) {
                        break;
                    }
                    i += n.len_utf8();
                }
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '/' if !in_class => {
                closed = true;
                break;
            }
            _ => {}
        }
    }
    if !closed {
        // A regular expression cannot continue on the next line, so more input would not help:
        // this is an error, not an incomplete input.
        sc.error(d::unterminated_regex(sc.file, span(start, i)));
        let pattern = src[start + 1..i].to_string();
        sc.push(Tok::Regex(Box::new((pattern, String::new()))), start, i);
        return i - start;
    }
    let pattern = src[start + 1..i - 1].to_string();
    let flags_start = i;
    while let Some(c) = src[i..].chars().next() {
        if !is_id_continue(c) {
            break;
        }
        i += c.len_utf8();
    }
    let flags = src[flags_start..i].to_string();
    sc.push(Tok::Regex(Box::new((pattern, flags))), start, i);
    i - start
}

/// Scans a numeric literal starting at `start`; returns its length in bytes.
fn scan_number(sc: &mut Scanner<'_>, start: usize) -> usize {
    let src = sc.src;
    let b = src.as_bytes();
    let mut i = start;
    let file = sc.file;
    let mut errors: Vec<Diagnostic> = Vec::new();
    let digits = |i: &mut usize, radix: u32, errors: &mut Vec<Diagnostic>| -> String {
        let begin = *i;
        let mut out = String::new();
        let mut last_sep = false;
        while let Some(&c) = b.get(*i) {
            if c == b'_' {
                if *i == begin || last_sep {
                    errors.push(d::invalid_number(
                        file,
                        span(*i, *i + 1),
                        "a `_` separator must sit between two digits",
                    ));
                }
                last_sep = true;
                *i += 1;
                continue;
            }
            if !(c as char).is_digit(radix) {
                // Decimal digits beyond the radix are an error, not the end of the literal.
                if c.is_ascii_digit() {
                    errors.push(d::invalid_number(
                        file,
                        span(*i, *i + 1),
                        "digit out of range for this base",
                    ));
                    *i += 1;
                    continue;
                }
                break;
            }
            last_sep = false;
            out.push(c as char);
            *i += 1;
        }
        if last_sep {
            errors.push(d::invalid_number(
                file,
                span(*i - 1, *i),
                "a `_` separator must sit between two digits",
            ));
        }
        out
    };
    let radix = if b[i] == b'0' {
        match b.get(i + 1) {
            Some(b'x' | b'X') => 16,
            Some(b'o' | b'O') => 8,
            Some(b'b' | b'B') => 2,
            _ => 10,
        }
    } else {
        10
    };
    let tok;
    if radix != 10 {
        i += 2;
        let ds = digits(&mut i, radix, &mut errors);
        if ds.is_empty() {
            errors.push(d::invalid_number(
                file,
                span(start, i),
                "missing digits after the base prefix",
            ));
        }
        if b.get(i) == Some(&b'n') {
            i += 1;
            tok = Tok::BigInt(radix_to_decimal(&ds, radix));
        } else {
            tok = Tok::Num(radix_to_f64(&ds, radix));
        }
    } else {
        let int = digits(&mut i, 10, &mut errors);
        let legacy = int.len() > 1 && int.starts_with('0') && b[start] != b'.';
        if legacy {
            // `017` (legacy octal) and `08` (decimal with a leading zero) are both forbidden in
            // strict mode. Keep going so that the value is still sensible.
            errors.push(d::legacy_octal(file, span(start, i)));
            let octal = int.bytes().all(|c| c < b'8');
            let v = if octal {
                radix_to_f64(&int, 8)
            } else {
                int.parse().unwrap_or(0.0)
            };
            tok = Tok::Num(v);
        } else {
            let mut text = int.clone();
            let mut is_int = true;
            if b.get(i) == Some(&b'.') {
                is_int = false;
                i += 1;
                text.push('.');
                if b.get(i) == Some(&b'_') {
                    errors.push(d::invalid_number(
                        file,
                        span(i, i + 1),
                        "a `_` separator must sit between two digits",
                    ));
                }
                text.push_str(&digits(&mut i, 10, &mut errors));
            }
            if matches!(b.get(i), Some(b'e' | b'E')) {
                let save = i;
                let mut j = i + 1;
                let mut exp = String::from("e");
                if let Some(&s @ (b'+' | b'-')) = b.get(j) {
                    exp.push(s as char);
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    i = j;
                    exp.push_str(&digits(&mut i, 10, &mut errors));
                    text.push_str(&exp);
                    is_int = false;
                } else {
                    errors.push(d::invalid_number(
                        file,
                        span(save, j),
                        "missing exponent digits",
                    ));
                    i = j;
                }
            }
            if is_int && b.get(i) == Some(&b'n') {
                i += 1;
                let trimmed = int.trim_start_matches('0');
                tok = Tok::BigInt(if trimmed.is_empty() {
                    "0".into()
                } else {
                    trimmed.into()
                });
            } else {
                if text.starts_with('.') {
                    text.insert(0, '0');
                }
                if text.ends_with('.') {
                    text.push('0');
                }
                tok = Tok::Num(text.parse().unwrap_or(f64::NAN));
            }
        }
    }
    // An identifier character or digit right after a number is an error (`3in`, `1_`).
    if let Some(c) = src[i..].chars().next() {
        if is_id_start(c) || c.is_ascii_digit() || c == '\\' {
            let mut j = i;
            while let Some(c) = src[j..].chars().next() {
                if !is_id_continue(c) {
                    break;
                }
                j += c.len_utf8();
            }
            let j = j.max(i + c.len_utf8());
            errors.push(d::invalid_number(
                file,
                span(i, j),
                "an identifier cannot start right after a number",
            ));
            i = j;
        }
    }
    for e in errors {
        sc.error(e);
    }
    sc.push(tok, start, i);
    i - start
}

fn radix_to_f64(ds: &str, radix: u32) -> f64 {
    if let Ok(v) = u128::from_str_radix(ds, radix) {
        return v as f64;
    }
    ds.chars().fold(0.0, |acc, c| {
        acc * radix as f64 + c.to_digit(radix).unwrap_or(0) as f64
    })
}

/// Converts digits in `radix` to decimal digits, for BigInt literals of any size.
fn radix_to_decimal(ds: &str, radix: u32) -> String {
    // Little-endian limbs in base 10^9.
    let mut limbs: Vec<u32> = vec![0];
    for c in ds.chars() {
        let mut carry = c.to_digit(radix).unwrap_or(0) as u64;
        for limb in limbs.iter_mut() {
            let v = *limb as u64 * radix as u64 + carry;
            *limb = (v % 1_000_000_000) as u32;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push((carry % 1_000_000_000) as u32);
            carry /= 1_000_000_000;
        }
    }
    let mut out = String::new();
    for (k, limb) in limbs.iter().rev().enumerate() {
        if k == 0 {
            out.push_str(&limb.to_string());
        } else {
            out.push_str(&format!("{limb:09}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        scan(s, FileId(0))
            .tokens
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("0x1F 0o17 0b101 1_000 .5 1e3 2.5e-1"),
            vec![
                Tok::Num(31.0),
                Tok::Num(15.0),
                Tok::Num(5.0),
                Tok::Num(1000.0),
                Tok::Num(0.5),
                Tok::Num(1000.0),
                Tok::Num(0.25)
            ]
        );
        assert_eq!(
            toks("0xFFFFFFFFFFFFFFFFFFFFn 10n"),
            vec![
                Tok::BigInt("1208925819614629174706175".into()),
                Tok::BigInt("10".into())
            ]
        );
        assert!(!scan("017", FileId(0)).diagnostics.is_empty());
        assert!(!scan("1__0", FileId(0)).diagnostics.is_empty());
    }

    #[test]
    fn strings_and_escapes() {
        let t = toks(
            r#"'a\x41\u0042\u{1F600}\
b' "\uD800""#,
        );
        match &t[0] {
            Tok::Str(s) => assert_eq!(s.value, "aAB\u{1F600}b"),
            other => panic!("{other:?}"),
        }
        match &t[1] {
            Tok::Str(s) => assert_eq!(s.utf16.as_deref(), Some(&[0xD800u16][..])),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn regex_vs_division() {
        assert!(matches!(toks("a / b")[1], Tok::Slash));
        assert!(matches!(toks("x = /a[/]b/g")[2], Tok::Regex(_)));
        // After a block a statement starts; after an object literal an operator follows.
        assert!(matches!(toks("if (a) {}\n/re/.test(x)")[6], Tok::Regex(_)));
        assert!(matches!(toks("function f() {}\n/re/g")[6], Tok::Regex(_)));
        assert!(matches!(toks("x = {} / 2")[4], Tok::Slash));
        assert!(matches!(toks("x = function () {} / 2")[7], Tok::Slash));
        assert!(matches!(
            toks("f(async function* g() {} / 2)")[10],
            Tok::Slash
        ));
        assert!(matches!(toks("`${a}/${b}`")[2], Tok::TemplateMiddle(_)));
    }

    #[test]
    fn templates_nest() {
        let t = toks("`a${ `b${c}` }d`");
        assert!(matches!(t[0], Tok::TemplateHead(_)));
        assert!(matches!(t[1], Tok::TemplateHead(_)));
        assert!(matches!(t[3], Tok::TemplateTail(_)));
        assert!(matches!(t[4], Tok::TemplateTail(_)));
    }

    #[test]
    fn optional_chaining_before_digit() {
        assert_eq!(toks("a?.5:b")[1], Tok::Question);
        assert_eq!(toks("a?.b")[1], Tok::QuestionDot);
    }
}
