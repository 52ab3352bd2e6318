//! Lexer + parser (+ compiler when the parse is clean) on arbitrary bytes, as `skiff check` reads
//! a file: invalid UTF-8 is rejected before the lexer, so it is replaced here.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    skiff_fuzz::check(&text);
});
