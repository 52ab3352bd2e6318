//! The parser: LALRPOP tables generated from `grammar/skiff.lalrpop` over the tokens of
//! `skiff_lexer`. Only this crate knows about LALRPOP.
//!
//! `parse_module` never panics and never stops at the first error: syntax errors are recovered
//! from at statement level (LALRPOP's `!` symbol) and all of them are returned as diagnostics.

mod build;
pub mod diagnostics;
mod early;

lalrpop_util::lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        unused_parens,
        unused_imports,
        dead_code
    )]
    grammar,
    "/skiff.rs"
);

use build::{Never, State};
use skiff_ast::Program;
use skiff_diagnostics::{Diagnostic, FileId, Span};
use skiff_lexer::Tok;

/// The result of parsing one file: the tree (possibly with `Invalid` nodes) and every diagnostic.
#[derive(Debug)]
pub struct ParseResult {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
}

struct Outcome {
    result: ParseResult,
    /// The parser ran out of input (as opposed to meeting a wrong token).
    ended_early: bool,
}

/// Syntax errors after which the parser stops reading (the rest of the input is not checked).
const MAX_RECOVERED_ERRORS: usize = 1000;

fn parse(source: &str, file: FileId) -> Outcome {
    let lexed = skiff_lexer::tokenize(source, file);
    let span = Span::from(0..source.len());
    let mut diagnostics = lexed.diagnostics;
    if lexed.fatal {
        return Outcome {
            result: ParseResult {
                program: Program {
                    body: Vec::new(),
                    span,
                },
                diagnostics,
            },
            ended_early: false,
        };
    }
    // The contextual layer puts a semicolon at the end of the input; an error there means the
    // input ended before the statement did.
    let final_semi = match lexed.tokens.last() {
        Some((l, Tok::AutoSemi, _)) => Some(*l),
        _ => None,
    };
    let mut st = State::new(file);
    // Error recovery costs tens of microseconds per bad token and keeps every diagnostic, so a
    // huge garbage input would take minutes and gigabytes: after enough errors the input ends.
    let recovered = st.recovered.clone();
    let mut stopped_at = None;
    let tokens = lexed
        .tokens
        .into_iter()
        .take_while(|(l, _, _)| {
            let more = recovered.get() < MAX_RECOVERED_ERRORS;
            if !more && stopped_at.is_none() {
                stopped_at = Some(*l);
            }
            more
        })
        .map(Ok::<_, Never>);
    let body = match grammar::ProgramParser::new().parse(&mut st, tokens) {
        Ok(body) => body,
        Err(e) => {
            st.parse_error(e);
            Vec::new()
        }
    };
    st.finish();
    if let Some(at) = stopped_at {
        // The truncated input's own end-of-input error is not news.
        st.diagnostics
            .retain(|d| d.code != "E2002" || (d.span.start as usize) < at);
        st.diagnostics.push(diagnostics::too_many_syntax_errors(
            file,
            Span::from(at..at),
            MAX_RECOVERED_ERRORS,
        ));
    }
    let ended_early = stopped_at.is_none()
        && st.diagnostics.iter().any(|d| {
            d.code == "E2002"
                || (d.code == "E2001"
                    && final_semi == Some(d.span.start as usize)
                    && d.span.is_empty())
        });
    diagnostics.extend(st.diagnostics);
    early::check(&body, source, file, &mut diagnostics);
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Outcome {
        result: ParseResult {
            program: Program { body, span },
            diagnostics,
        },
        ended_early,
    }
}

/// Parses one file as a strict-mode ES module with TypeScript syntax.
pub fn parse_module(source: &str, file: FileId) -> ParseResult {
    parse(source, file).result
}

/// True when the input ended early: an open bracket, an unfinished expression or statement, or
/// an unterminated template, string or comment. The REPL asks for another line then.
pub fn is_incomplete(source: &str) -> bool {
    let lexed = skiff_lexer::tokenize(source, FileId(0));
    if lexed.fatal {
        return false;
    }
    if lexed.incomplete {
        return true;
    }
    parse(source, FileId(0)).ended_early
}
