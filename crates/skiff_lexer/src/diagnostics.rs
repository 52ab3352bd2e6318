//! Every diagnostic the lexer and its contextual layer can report. Codes `E1xxx` are stable.

use skiff_diagnostics::{Diagnostic, FileId, Span};

pub fn unexpected_char(file: FileId, span: Span, ch: char) -> Diagnostic {
    Diagnostic::error("E1001", format!("unexpected character {ch:?}"), file, span)
        .with_label("not valid here")
        .with_help("remove the character, or put it inside a string or a comment")
}

pub fn unterminated_string(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E1002", "unterminated string literal", file, span)
        .with_label("this string is never closed")
        .with_help(
            "close the string with the same quote it starts with, before the end of the line",
        )
}

pub fn unterminated_template(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E1003", "unterminated template literal", file, span)
        .with_label("this template is never closed")
        .with_help("close the template with a backtick (`)")
}

pub fn unterminated_comment(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E1004", "unterminated block comment", file, span)
        .with_label("this comment is never closed")
        .with_help("close the comment with `*/`")
}

pub fn unterminated_regex(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E1005",
        "unterminated regular expression literal",
        file,
        span,
    )
    .with_label("this regular expression is never closed")
    .with_help("close the pattern with `/`, or escape a `/` inside it as `\\/`")
}

pub fn invalid_escape(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E1006", format!("invalid escape sequence: {what}"), file, span)
        .with_label("invalid escape")
        .with_help("use `\\xHH`, `\\uHHHH` or `\\u{H…}` with hexadecimal digits, or write `\\\\` for a backslash")
}

pub fn invalid_number(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E1007",
        format!("invalid numeric literal: {what}"),
        file,
        span,
    )
    .with_label("invalid number")
    .with_help("write digits of the literal's base, optionally separated by single `_`")
}

pub fn legacy_octal(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E1008",
        "legacy octal literals are not allowed in strict mode",
        file,
        span,
    )
    .with_label("leading zero")
    .with_help("write `0o17` for an octal number, or drop the leading zero")
}

pub fn legacy_octal_escape(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E1009",
        "octal escape sequences are not allowed in strict mode",
        file,
        span,
    )
    .with_label("octal escape")
    .with_help("write `\\x` or `\\u` escapes instead, for example `\\x00`")
}

pub fn invalid_ident_escape(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E1010",
        "invalid escape sequence in an identifier",
        file,
        span,
    )
    .with_label("not a valid identifier character")
    .with_help("only `\\uHHHH` and `\\u{H…}` escapes of identifier characters may appear in names")
}

pub fn nesting_too_deep(file: FileId, span: Span, limit: usize) -> Diagnostic {
    Diagnostic::error(
        "E1011",
        format!("this code is nested too deeply (the limit is {limit} levels)"),
        file,
        span,
    )
    .with_label("too deep")
    .with_help("split the expression or the nested blocks into smaller functions or variables")
}

pub fn too_many_errors(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E1012",
        "too many errors in this file; giving up",
        file,
        span,
    )
    .with_help("fix the errors above first; is this file really source code?")
}

pub fn unmatched_closer(file: FileId, span: Span, ch: &str) -> Diagnostic {
    Diagnostic::error("E1013", format!("unmatched closing `{ch}`"), file, span)
        .with_label("nothing to close here")
        .with_help("remove it, or add the opening bracket it was meant to close")
}

pub fn arkui_struct(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E1014",
        "ArkUI struct components are not supported by skiff",
        file,
        span,
    )
    .with_label("this UI component is skipped")
    .with_help(
        "move the logic out of the `struct` into plain functions or classes; skiff runs no UI",
    )
}

pub fn arrow_on_new_line(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E1015", "no line break is allowed before `=>`", file, span)
        .with_label("`=>` on a new line")
        .with_help("move `=>` to the end of the line with the parameters")
}
