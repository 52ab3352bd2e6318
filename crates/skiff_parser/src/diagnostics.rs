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

pub fn rest_with_default(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2039",
        "a rest element cannot have a default value",
        file,
        span,
    )
    .with_label("default given here")
    .with_help("remove the `= …` after the rest element")
}

pub fn ill_formed_export_name(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2040",
        "an import or export name must not contain a lone surrogate",
        file,
        span,
    )
    .with_label("lone surrogate in this name")
    .with_help("use a name that is well-formed Unicode text")
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

pub fn for_in_initializer(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2013",
        "for-in loop variable declaration may not have an initializer",
        file,
        span,
    )
    .with_label("initialized here")
    .with_help("assign the variable before the loop, or parenthesise `(a in b)` in a `for (;;)` initializer")
}

pub fn rest_trailing_comma(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2014",
        "a rest parameter may not have a trailing comma",
        file,
        span,
    )
    .with_label("rest parameter followed by `,`")
    .with_help("remove the comma after the rest parameter")
}

// ----- early errors (crate::early) -------------------------------------------------------------

pub fn reserved_word(file: FileId, span: Span, name: &str, escaped: bool) -> Diagnostic {
    let message = if escaped {
        format!("keyword `{name}` must not contain escaped characters")
    } else {
        format!("unexpected reserved word `{name}`")
    };
    Diagnostic::error("E2015", message, file, span)
        .with_label("reserved word used as a name")
        .with_help("every file is a strict-mode module, where this word cannot name a variable, parameter, function, class or label; choose another name")
}

pub fn eval_or_arguments(file: FileId, span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        "E2016",
        format!("unexpected `{name}` in strict mode"),
        file,
        span,
    )
    .with_label("cannot be declared or assigned")
    .with_help(format!(
        "strict-mode code cannot bind or assign `{name}`; choose another name"
    ))
}

pub fn use_strict_non_simple(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2017",
        "illegal 'use strict' directive in function with non-simple parameter list",
        file,
        span,
    )
    .with_label("directive")
    .with_help("remove the directive: every file is strict already")
}

pub fn declaration_in_statement_position(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E2018",
        format!("{what} cannot appear in a single-statement context"),
        file,
        span,
    )
    .with_label("declaration")
    .with_help("wrap it in a block: `{ … }`")
}

pub fn module_item_not_top_level(file: FileId, span: Span, keyword: &str) -> Diagnostic {
    Diagnostic::error(
        "E2019",
        format!("`{keyword}` declarations may only appear at the top level of a module"),
        file,
        span,
    )
    .with_label("not at the top level")
    .with_help(if keyword == "import" {
        "move the import to the top level, or use `import()` to load a module on demand"
    } else {
        "move the export to the top level of the file"
    })
}

pub fn arguments_in_field(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2020",
        "'arguments' is not allowed in class field initializer or static initialization block",
        file,
        span,
    )
    .with_label("`arguments`")
    .with_help("class fields and static blocks have no `arguments`; pass the values in explicitly")
}

pub fn duplicate_constructor(file: FileId, span: Span, previous: Span) -> Diagnostic {
    Diagnostic::error("E2021", "a class may only have one constructor", file, span)
        .with_label("second constructor")
        .with_secondary(previous, "first constructor")
        .with_help("merge the constructors; overload signatures without a body are allowed")
}

pub fn special_constructor(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E2022",
        format!("class constructor may not be {what}"),
        file,
        span,
    )
    .with_label("`constructor`")
    .with_help("rename the method, or make it a plain `constructor(…) { … }`")
}

pub fn static_prototype(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2023",
        "classes may not have a static property named 'prototype'",
        file,
        span,
    )
    .with_label("static `prototype`")
    .with_help("rename the member")
}

pub fn field_named(file: FileId, span: Span, name: &str) -> Diagnostic {
    let message = if name == "prototype" {
        "classes may not have a static field named 'prototype'"
    } else {
        "classes may not have a field named 'constructor'"
    };
    Diagnostic::error("E2023", message, file, span)
        .with_label(format!("field `{name}`"))
        .with_help("rename the field")
}

pub fn private_constructor(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E2024", "#constructor is a reserved word", file, span)
        .with_label("`#constructor`")
        .with_help("choose another private name")
}

pub fn duplicate_private(file: FileId, id: &skiff_ast::Ident, previous: Span) -> Diagnostic {
    Diagnostic::error(
        "E2025",
        format!("identifier '#{}' has already been declared", id.name),
        file,
        id.span,
    )
    .with_label("declared again")
    .with_secondary(previous, "first declared here")
    .with_help("a private name is declared once, except for one getter and one setter")
}

pub fn accessor_params(file: FileId, span: Span, getter: bool) -> Diagnostic {
    let (message, help) = if getter {
        (
            "getter must not have any formal parameters",
            "remove the parameters",
        )
    } else {
        (
            "setter must have exactly one formal parameter",
            "declare one parameter, not a rest parameter",
        )
    };
    Diagnostic::error("E2026", message, file, span)
        .with_label("accessor")
        .with_help(help)
}

pub fn duplicate_proto(file: FileId, span: Span, previous: Span) -> Diagnostic {
    Diagnostic::error(
        "E2027",
        "duplicate __proto__ fields are not allowed in object literals",
        file,
        span,
    )
    .with_label("second `__proto__`")
    .with_secondary(previous, "first `__proto__`")
    .with_help("set the prototype once")
}

pub fn invalid_regex(file: FileId, span: Span, message: &str) -> Diagnostic {
    Diagnostic::error("E2028", message.to_string(), file, span)
        .with_label("invalid regular expression")
        .with_help("check the pattern's escapes, groups and quantifiers, and the flags")
}

pub fn missing_initializer(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E2029",
        format!("missing initializer in {what}"),
        file,
        span,
    )
    .with_label("no `= …`")
    .with_help("give it a value, or use `let` for a variable assigned later")
}

pub fn escaped_keyword(file: FileId, span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        "E2030",
        format!("keyword `{name}` must not contain escaped characters"),
        file,
        span,
    )
    .with_label("escaped")
    .with_help(format!("write `{name}` without escapes"))
}

pub fn mixed_nullish(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2031",
        "`??` cannot be mixed with `&&` or `||` without parentheses",
        file,
        span,
    )
    .with_label("mixed operators")
    .with_help("parenthesise one side: `(a ?? b) || c` or `a ?? (b || c)`")
}

pub fn operator_in_params(file: FileId, span: Span, keyword: &str) -> Diagnostic {
    Diagnostic::error(
        "E2032",
        format!("`{keyword}` expressions are not allowed in formal parameters"),
        file,
        span,
    )
    .with_label(format!("`{keyword}` in a parameter"))
    .with_help("compute the value in the function body instead")
}

pub fn redeclared(file: FileId, id: &skiff_ast::Ident, previous: Span) -> Diagnostic {
    Diagnostic::error(
        "E2033",
        format!("identifier '{}' has already been declared", id.name),
        file,
        id.span,
    )
    .with_label("declared again")
    .with_secondary(previous, "first declared here")
    .with_help("rename one of the two")
}

pub fn rest_param_not_last(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2034",
        "a rest parameter must be the last parameter",
        file,
        span,
    )
    .with_label("not last")
    .with_help("move `...rest` to the end of the parameter list")
}

pub fn too_many_syntax_errors(file: FileId, span: Span, limit: usize) -> Diagnostic {
    Diagnostic::error(
        "E2035",
        format!("too many syntax errors ({limit}); the rest of the file was not read"),
        file,
        span,
    )
    .with_label("parsing stopped here")
    .with_help("fix the first errors and check again")
}

/// E2036: `return` directly inside a class static block (only functions can return).
pub fn return_in_static_block(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2036",
        "Illegal return statement: a class static block cannot return",
        file,
        span,
    )
    .with_label("return in a static block")
    .with_help("remove the return, or move the code into a function")
}

/// E2037: a second `default:` clause in one `switch`.
pub fn duplicate_default(file: FileId, span: Span, first: Span) -> Diagnostic {
    Diagnostic::error(
        "E2037",
        "More than one default clause in switch statement",
        file,
        span,
    )
    .with_label("second default clause")
    .with_secondary(first, "first default clause")
    .with_help("merge the two default clauses")
}

/// E2038: `for (async of …)`, which reads like the start of an async arrow function.
pub fn for_of_async(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E2038",
        "The left-hand side of a for-of loop may not be 'async'.",
        file,
        span,
    )
    .with_label("`async` here")
    .with_help("rename the variable, or declare it: `for (const async of …)`")
}
