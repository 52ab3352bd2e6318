//! Every diagnostic the parser can report. Codes `E2xxx` are stable.

use crate::build::Never;
use lalrpop_util::ParseError;
use skiff_diagnostics::{Diagnostic, FileId, Span};
use skiff_lexer::Tok;

/// How users write a terminal of the grammar, for "expected one of …".
fn terminal_text(name: &str) -> Option<String> {
    let text = match name {
        "IDENT" => "an identifier".to_string(),
        "PRIVATE" => "a private name".to_string(),
        "NUM" => "a number".to_string(),
        "BIGINT" => "a BigInt".to_string(),
        "STR" => "a string".to_string(),
        "TPL_NOSUB" | "TPL_HEAD" => "a template literal".to_string(),
        "TPL_MID" | "TPL_TAIL" => "`}`".to_string(),
        "REGEX" => "a regular expression".to_string(),
        "LBRACE_OBJ" => "`{`".to_string(),
        "ARROW_PAREN" => "`(`".to_string(),
        "AUTO_SEMI" => "`;`".to_string(),
        "TYPE_ARGS_LT" | "ARROW_LT" => "`<`".to_string(),
        "TYPE_ARGS_GT" => "`>`".to_string(),
        "FOR_IN" => "`in`".to_string(),
        "FUNCTION_EXPR" => "`function`".to_string(),
        "CLASS_EXPR" => "`class`".to_string(),
        "TYPE_END" => return None,
        quoted => format!("`{}`", quoted.trim_matches('"')),
    };
    Some(text)
}

/// Terminals that can start an expression; several of them together read better as "an
/// expression".
const EXPRESSION_STARTS: &[&str] = &[
    "IDENT",
    "NUM",
    "BIGINT",
    "STR",
    "TPL_NOSUB",
    "TPL_HEAD",
    "REGEX",
    "LBRACE_OBJ",
    "ARROW_PAREN",
    "ARROW_LT",
    "TYPE_ARGS_LT",
    "FUNCTION_EXPR",
    "CLASS_EXPR",
    "\"this\"",
    "\"null\"",
    "\"true\"",
    "\"false\"",
    "\"new\"",
    "\"typeof\"",
    "\"void\"",
    "\"delete\"",
    "\"await\"",
    "\"yield\"",
    "\"super\"",
    "\"import\"",
    "\"(\"",
    "\"[\"",
    "\"!\"",
    "\"~\"",
    "\"+\"",
    "\"-\"",
    "\"++\"",
    "\"--\"",
    "\"async\"",
];

/// Terminals that can start a statement but not an expression.
const STATEMENT_STARTS: &[&str] = &[
    "\"let\"",
    "\"const\"",
    "\"var\"",
    "\"if\"",
    "\"for\"",
    "\"while\"",
    "\"do\"",
    "\"return\"",
    "\"break\"",
    "\"continue\"",
    "\"throw\"",
    "\"try\"",
    "\"switch\"",
    "\"function\"",
    "\"class\"",
    "\"debugger\"",
    "\"export\"",
    "\"@\"",
    "\"{\"",
    "\";\"",
    "\"type\"",
    "\"interface\"",
    "\"enum\"",
    "\"namespace\"",
    "\"module\"",
    "\"declare\"",
    "\"abstract\"",
    "\"with\"",
    "AUTO_SEMI",
];

/// Terminals that can start a type.
const TYPE_STARTS: &[&str] = &[
    "IDENT",
    "NUM",
    "BIGINT",
    "STR",
    "TPL_NOSUB",
    "TPL_HEAD",
    "ARROW_PAREN",
    "ARROW_LT",
    "\"this\"",
    "\"null\"",
    "\"true\"",
    "\"false\"",
    "\"new\"",
    "\"typeof\"",
    "\"void\"",
    "\"keyof\"",
    "\"readonly\"",
    "\"unique\"",
    "\"infer\"",
    "\"import\"",
    "\"(\"",
    "\"[\"",
    "\"{\"",
    "\"-\"",
    "\"|\"",
    "\"&\"",
    "\"abstract\"",
    "\"asserts\"",
];

/// "`a`, `b` or `c`", summarising groups of alternatives ("an expression", "a type") and
/// limited to a readable number of items.
fn one_of(expected: &[String]) -> String {
    let has = |t: &str| expected.iter().any(|e| e == t);
    let mut items: Vec<String> = Vec::new();
    let mut skip: Vec<&str> = Vec::new();
    if has("\"let\"") && has("\"if\"") {
        items.push("a statement".into());
        skip.extend(STATEMENT_STARTS);
        skip.extend(EXPRESSION_STARTS);
    } else if has("\"keyof\"") {
        items.push("a type".into());
        skip.extend(TYPE_STARTS);
    } else if has("IDENT") && has("NUM") && has("\"this\"") {
        items.push("an expression".into());
        skip.extend(EXPRESSION_STARTS);
    }
    for e in expected {
        if skip.contains(&e.as_str()) {
            continue;
        }
        if let Some(t) = terminal_text(e) {
            if !items.contains(&t) {
                items.push(t);
            }
        }
    }
    const MAX: usize = 8;
    let more = items.len() > MAX;
    items.truncate(MAX);
    match items.len() {
        0 => "something else".to_string(),
        1 => items.remove(0),
        _ => {
            let last = items.pop().unwrap_or_default();
            let head = items.join(", ");
            if more {
                format!("{head}, {last} or another token")
            } else {
                format!("{head} or {last}")
            }
        }
    }
}

fn found_text(tok: &Tok, span: Span) -> String {
    match tok {
        Tok::AutoSemi if span.is_empty() => "end of statement".to_string(),
        Tok::TypeEnd => "end of type".to_string(),
        other => other.to_string(),
    }
}

pub fn from_parse_error(file: FileId, e: ParseError<usize, Tok, Never>) -> Diagnostic {
    match e {
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => {
            let span = Span::from(l..r.max(l));
            unexpected_token(file, span, &found_text(&tok, span), &one_of(&expected))
        }
        ParseError::UnrecognizedEof { location, expected } => {
            unexpected_eof(file, Span::from(location..location), &one_of(&expected))
        }
        ParseError::InvalidToken { location } => unexpected_token(
            file,
            Span::from(location..location + 1),
            "this token",
            "something else",
        ),
        ParseError::ExtraToken { token: (l, tok, r) } => {
            let span = Span::from(l..r.max(l));
            unexpected_token(file, span, &found_text(&tok, span), "the end of the file")
        }
        ParseError::User { error } => match error {},
    }
}

pub fn unexpected_token(file: FileId, span: Span, found: &str, expected: &str) -> Diagnostic {
    Diagnostic::error("E2001", format!("unexpected {found}"), file, span)
        .with_label(format!("expected {expected}"))
        .with_help("look for a missing or extra operator, comma, bracket or semicolon just before this point")
}

pub fn unexpected_eof(file: FileId, span: Span, expected: &str) -> Diagnostic {
    Diagnostic::error("E2002", "unexpected end of file", file, span)
        .with_label(format!("expected {expected}"))
        .with_help("the file ends in the middle of a statement; is something missing or unclosed?")
}

pub fn invalid_target(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E2004", format!("invalid target for {what}"), file, span)
        .with_label("cannot assign to this")
        .with_help("assign to a variable, a property (`a.b`, `a[i]`) or a destructuring pattern")
}

pub fn rest_not_last(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2005",
        "a rest element must be last in a destructuring pattern",
        file,
        span,
    )
    .with_label("not last")
    .with_help("move `...rest` to the end and drop any trailing comma")
}

pub fn with_statement(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2006",
        "`with` statements are not allowed in strict mode",
        file,
        span,
    )
    .with_label("`with` statement")
    .with_help("refer to the object's properties explicitly, or destructure them into variables")
}

pub fn bad_meta_property(file: FileId, span: Span, base: &str) -> Diagnostic {
    let expected = if base == "new" {
        "new.target"
    } else {
        "import.meta"
    };
    Diagnostic::error(
        "E2007",
        format!("unknown meta property; the only one after `{base}.` is `{expected}`"),
        file,
        span,
    )
    .with_label("unknown meta property")
    .with_help(format!("write `{expected}`"))
}

pub fn template_escape(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2008",
        "invalid escape sequence in a template literal",
        file,
        span,
    )
    .with_label("invalid escape")
    .with_help("invalid escapes are only allowed in tagged templates; write `\\\\` for a backslash")
}

pub fn missing_name(file: FileId, span: Span, what: &str) -> Diagnostic {
    let short = Span::new(
        span.start,
        span.start.saturating_add(what.len() as u32).min(span.end),
    );
    Diagnostic::error(
        "E2009",
        format!("a {what} declaration needs a name"),
        file,
        short,
    )
    .with_label("no name")
    .with_help(format!(
        "write a name after `{what}`, or use a {what} expression"
    ))
}

pub fn misplaced_decorator(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E2010", "decorators are not allowed here", file, span)
        .with_label("decorator")
        .with_help(
            "decorators may precede classes, class members, parameters, functions and type aliases",
        )
}

pub fn string_import_needs_alias(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2011",
        "an import named by a string needs a local name",
        file,
        span,
    )
    .with_label("no local name")
    .with_help("write `\"name\" as localName`")
}

pub fn stray_cover_initializer(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2012",
        "`name = value` is only allowed in a destructuring pattern",
        file,
        span,
    )
    .with_label("not in a pattern")
    .with_help("write `name: value` in an object literal")
}
