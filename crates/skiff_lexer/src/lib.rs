//! The lexer: a `logos` scanner plus a hand-written contextual layer.
//!
//! `tokenize` returns the tokens the parser reads, with byte spans, plus every lexical
//! diagnostic. The lexer knows nothing about LALRPOP; the parser crate adapts its output.

pub mod diagnostics;
mod layer;
mod scan;
pub mod token;

pub use layer::{tokenize, Lexed, Spanned, MAX_BRACKET_DEPTH, MAX_CHAIN};
pub use token::{StrVal, Tok, TplPart};
