//! The rustyline helper: tab completion (globals, keywords, properties after `.`, REPL
//! commands) and syntax highlighting from the lexer's tokens.

use super::session::Session;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use skiff_lexer::Tok;
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

/// Keywords offered by completion (reserved words plus the TypeScript ones people type).
pub const KEYWORDS: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "from",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "of",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "yield",
];

/// The REPL commands (completed when a line starts with `.`).
pub const COMMANDS: &[&str] = &[".break", ".clear", ".editor", ".exit", ".help", ".load"];

pub struct ReplHelper {
    pub session: Rc<RefCell<Session>>,
    /// Highlight input (only on a terminal without `NO_COLOR`).
    pub color: bool,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Completes the word before `pos` in `line`; returns where the replacement starts and the
/// candidates, sorted.
pub fn complete(session: &Session, line: &str, pos: usize) -> (usize, Vec<String>) {
    let before = &line[..pos];
    if before.starts_with('.') && !before.contains(char::is_whitespace) {
        let list = COMMANDS
            .iter()
            .filter(|c| c.starts_with(before))
            .map(|c| c.to_string())
            .collect();
        return (0, list);
    }
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(is_ident_char(c) || c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[start..];
    let vm = session.vm();
    let (from, prefix, mut names) = match word.rfind('.') {
        Some(dot) => {
            let path: Vec<&str> = word[..dot].split('.').collect();
            let valid = path.iter().all(|p| {
                p.chars().next().is_some_and(|c| !c.is_ascii_digit())
                    && p.chars().all(is_ident_char)
            });
            let names = if valid {
                skiff_vm::repl_support::lookup_path(vm, &path)
                    .map(|v| skiff_vm::repl_support::property_names(vm, v))
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            (start + dot + 1, &word[dot + 1..], names)
        }
        None => {
            let mut names = skiff_vm::repl_support::global_names(vm);
            names.extend(KEYWORDS.iter().map(|k| k.to_string()));
            (start, word, names)
        }
    };
    names.retain(|n| n.starts_with(prefix) && n.chars().all(is_ident_char));
    names.sort();
    names.dedup();
    (from, names)
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let Ok(session) = self.session.try_borrow() else {
            return Ok((pos, Vec::new()));
        };
        let (from, names) = complete(&session, line, pos);
        let pairs = names
            .into_iter()
            .map(|n| Pair {
                display: n.clone(),
                replacement: n,
            })
            .collect();
        Ok((from, pairs))
    }
}

const RESET: &str = "\x1b[0m";

fn token_color(t: &Tok) -> Option<&'static str> {
    match t {
        Tok::Num(_) | Tok::BigInt(_) | Tok::True | Tok::False => Some("\x1b[33m"),
        Tok::Str(_)
        | Tok::NoSubstTemplate(_)
        | Tok::TemplateHead(_)
        | Tok::TemplateMiddle(_)
        | Tok::TemplateTail(_) => Some("\x1b[32m"),
        Tok::Regex(_) => Some("\x1b[31m"),
        Tok::Null => Some("\x1b[1m"),
        t if t.is_keyword() => Some("\x1b[35m"),
        _ => None,
    }
}

/// Colours `line` with ANSI escapes: keywords magenta, strings and templates green, numbers and
/// booleans yellow, regular expressions red, comments grey.
pub fn highlight(line: &str) -> String {
    let lexed = skiff_lexer::tokenize(line, skiff_diagnostics::FileId(0));
    let mut out = String::with_capacity(line.len() * 2);
    let mut at = 0;
    let gap = |out: &mut String, text: &str| {
        // Between tokens there is only whitespace and comments; a comment starts at a `/`.
        match text.find('/') {
            Some(i) => {
                out.push_str(&text[..i]);
                out.push_str("\x1b[90m");
                out.push_str(&text[i..]);
                out.push_str(RESET);
            }
            None => out.push_str(text),
        }
    };
    for (start, tok, end) in &lexed.tokens {
        let (start, end) = (*start, (*end).min(line.len()));
        if start < at || start > end || !line.is_char_boundary(start) || !line.is_char_boundary(end)
        {
            continue;
        }
        gap(&mut out, &line[at..start]);
        match token_color(tok) {
            Some(c) => {
                out.push_str(c);
                out.push_str(&line[start..end]);
                out.push_str(RESET);
            }
            None => out.push_str(&line[start..end]),
        }
        at = end;
    }
    if at <= line.len() {
        gap(&mut out, &line[at..]);
    }
    out
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color || line.starts_with('.') {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight(line))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

/// Multi-line input is gathered by the REPL loop itself (so continuation lines get the `... `
/// prompt, which rustyline's validator cannot show); every line is accepted as typed.
impl Validator for ReplHelper {}

impl Helper for ReplHelper {}
