//! Hostile inputs: none may panic, hang or overflow the stack; the worst case is a diagnostic.
//! These are generated here rather than committed as huge files.

use skiff_diagnostics::FileId;
use skiff_parser::{is_incomplete, parse_module};

fn parse(s: &str) -> usize {
    parse_module(s, FileId(0)).diagnostics.len()
}

#[test]
fn deeply_nested_brackets_give_one_diagnostic() {
    for open in ["(", "[", "{", "x = [", "f("] {
        let s = open.repeat(100_000);
        let r = parse_module(&s, FileId(0));
        assert_eq!(r.diagnostics.len(), 1, "{open}: {:?}", r.diagnostics);
        assert_eq!(r.diagnostics[0].code, "E1011");
    }
    let mut s = "(".repeat(100_000);
    s.push_str(&")".repeat(100_000));
    assert_eq!(parse(&s), 1);
}

#[test]
fn long_operator_chains_are_bounded() {
    let s = format!("x = {}1;", "1 + ".repeat(200_000));
    assert!(parse(&s) >= 1);
    let s = format!("x = {}1;", "-".repeat(200_000));
    assert!(parse(&s) >= 1);
    let s = format!("x = a{};", ".b".repeat(200_000));
    assert!(parse(&s) >= 1);
    let s = "if (a) ".repeat(100_000) + "x;";
    assert!(parse(&s) >= 1);
    // A moderate chain is fine.
    let s = format!("x = {}1;", "1 + ".repeat(500));
    assert_eq!(parse(&s), 0);
}

#[test]
fn long_line_and_big_flat_inputs() {
    let s = format!("let s = \"{}\";", "a".repeat(50 * 1024 * 1024));
    assert_eq!(parse(&s), 0);
    let s = format!("let a = [{}];", "1, ".repeat(200_000));
    assert_eq!(parse(&s), 0);
}

#[test]
fn garbage_and_truncation_do_not_panic() {
    let samples = [
        "\u{0}\u{1}\u{2}\u{7f}",
        "let x = `abc${",
        "/* never closed",
        "'unterminated",
        "class { @",
        "function (",
        "x = /[/",
        "\\u{110000}",
        "0x",
        "1e",
        "#",
        "@",
        "a ? b",
        "}}}}",
        ")))",
        "import",
        "export default",
        "<<<<>>>>",
        "for (;;",
        "`${`${`${",
    ];
    for s in samples {
        let _ = parse_module(s, FileId(0));
        let _ = is_incomplete(s);
    }
    // Every prefix of a real program.
    let program = include_str!("../../../tests/parse/valid/seed_worker_host.ets");
    for (i, _) in program.char_indices() {
        let _ = parse_module(&program[..i], FileId(0));
    }
    // Pseudo-random characters (a fixed linear congruential sequence).
    let mut x: u32 = 12345;
    let mut s = String::new();
    for _ in 0..200_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let b = (x >> 16) as u8;
        s.push(if b < 0x80 {
            b as char
        } else {
            char::from_u32(0x400 + b as u32).unwrap_or('?')
        });
    }
    assert!(parse(&s) >= 1);
}

#[test]
fn pathological_lookahead_stays_linear() {
    // Each of these once made the contextual layer rescan far ahead from every token.
    let s = format!("x = a{};", " < b".repeat(100_000));
    let _ = parse(&s);
    let s = format!("{}class A {{}}", "@a ".repeat(100_000));
    let _ = parse(&s);
    let s = format!("x = a{};", ", {}".repeat(100_000));
    let _ = parse(&s);
    let s = format!("f = ({}) => 1;", "(a): b".repeat(1_000));
    let _ = parse(&s);
}

#[test]
fn incomplete_input_is_detected() {
    for s in [
        "{",
        "function f() {",
        "let x =",
        "x +",
        "`abc${",
        "'abc",
        "/* c",
        "f(1,",
        "if (x)",
        "class A",
    ] {
        assert!(is_incomplete(s), "{s:?} should be incomplete");
    }
    for s in ["let x = 1", "f()", "}", "let = 5;", "class A {}"] {
        assert!(!is_incomplete(s), "{s:?} should be complete");
    }
}

/// Error recovery stops reading after 1000 syntax errors: a huge garbage input costs as much as
/// its first thousand errors, not minutes and gigabytes.
#[test]
fn a_flood_of_syntax_errors_stops_the_parse() {
    let s = "let = ; ".repeat(200_000);
    let r = parse_module(&s, FileId(0));
    let last = r.diagnostics.last().expect("diagnostics");
    assert_eq!(
        last.code,
        "E2035",
        "{:?}",
        &r.diagnostics[r.diagnostics.len() - 3..]
    );
    assert!(r.diagnostics.len() <= 1002, "{}", r.diagnostics.len());
    assert!(!is_incomplete(&s));
    // Below the limit every error is reported.
    let s = "let = ; ".repeat(10);
    let r = parse_module(&s, FileId(0));
    assert!(r.diagnostics.iter().all(|d| d.code != "E2035"));
    assert!(r.diagnostics.len() >= 10);
}
