//! ECMAScript algorithms that need no JS heap.
//!
//! Every function here is a plain Rust function over Rust values (`f64`, `&str`, UTF-16 slices), so
//! the VM can call it from its builtins and the algorithms can be tested without an interpreter.
//! Each module follows the ECMAScript 2023 text; where the spec leaves a choice to the
//! implementation (error messages, date string formats, locale behaviour) we follow what V8
//! (node v20) does, because users compare our output with node's.
//!
//! Errors are returned as values (`Err`), never thrown or panicked; the VM maps each error type to
//! the matching JS error constructor (`RangeError`, `SyntaxError`, `URIError`).

#![forbid(unsafe_code)]

pub mod date;
pub mod json;
pub mod number;
pub mod regexp;
pub mod string;
pub mod uri;

#[cfg(test)]
mod robustness;
