//! JSON tests; expected messages come from node v20 and are hard-coded.

use super::*;

fn u(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

#[test]
fn syntax_errors_match_node() {
    let cases: &[(&str, &str)] = &[
        // The whole source is quoted up to 20 code units, a context window from 21 on.
        (
            "xxxxxxxxxxxxxxxxxxx}",
            "Unexpected token 'x', \"xxxxxxxxxxxxxxxxxxx}\" is not valid JSON",
        ),
        (
            "xxxxxxxxxxxxxxxxxxxx}",
            "Unexpected token 'x', \"xxxxxxxxxx\"... is not valid JSON",
        ),
        (
            "}xxxxxxxxxxxxxxxxxxxx",
            "Unexpected token '}', \"}xxxxxxxxx\"... is not valid JSON",
        ),
        // Escapes of characters above U+00FF are unexpected tokens, below are bad escapes.
        ("\"\\é\"", "Bad escaped character in JSON at position 2"),
        (
            "\"\\\u{100}\"",
            "Unexpected token '\u{100}', \"\"\\\u{100}\"\" is not valid JSON",
        ),
        (
            "{\"a\":1,}",
            "Expected double-quoted property name in JSON at position 7",
        ),
        (
            "{\"a\":}",
            "Unexpected token '}', \"{\"a\":}\" is not valid JSON",
        ),
        ("", "Unexpected end of JSON input"),
        ("[1,", "Unexpected end of JSON input"),
        ("tru", "Unexpected end of JSON input"),
        ("\"abc", "Unterminated string in JSON at position 4"),
        (
            "[1 2]",
            "Expected ',' or ']' after array element in JSON at position 3",
        ),
        ("01", "Unexpected number in JSON at position 1"),
        ("\"\\x\"", "Bad escaped character in JSON at position 2"),
        (
            "{\"a\" 1}",
            "Expected ':' after property name in JSON at position 5",
        ),
        ("1.", "Unterminated fractional number in JSON at position 2"),
        ("-", "No number after minus sign in JSON at position 1"),
        (
            "\"a\u{1}\"",
            "Bad control character in string literal in JSON at position 2",
        ),
        (
            "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,x]",
            "Unexpected token 'x', ...\"1,1,1,1,1,x]\" is not valid JSON",
        ),
        (
            "{a:1}",
            "Expected property name or '}' in JSON at position 1",
        ),
        (
            "[1]x",
            "Unexpected non-whitespace character after JSON at position 3",
        ),
        (" ", "Unexpected end of JSON input"),
        (
            "{\"a\":1,",
            "Expected double-quoted property name in JSON at position 7",
        ),
        ("{", "Expected property name or '}' in JSON at position 1"),
        ("[", "Unexpected end of JSON input"),
        ("\"\\u12x\"", "Bad Unicode escape in JSON at position 5"),
        ("\"\\u12\"", "Bad Unicode escape in JSON at position 5"),
        (
            "1e",
            "Exponent part is missing a number in JSON at position 2",
        ),
        (
            "1e+",
            "Exponent part is missing a number in JSON at position 3",
        ),
        ("-x", "No number after minus sign in JSON at position 1"),
        ("trux", "Unexpected token 'x', \"trux\" is not valid JSON"),
        ("tr1", "Unexpected number in JSON at position 2"),
        ("nul", "Unexpected end of JSON input"),
        ("NaN", "\"NaN\" is not valid JSON"),
        ("undefined", "\"undefined\" is not valid JSON"),
        ("Infinity", "\"Infinity\" is not valid JSON"),
        ("[object Object]", "\"[object Object]\" is not valid JSON"),
        (
            "{\"a\":1 \"b\"}",
            "Expected ',' or '}' after property value in JSON at position 7",
        ),
        (
            "{\"a\":1 x}",
            "Expected ',' or '}' after property value in JSON at position 7",
        ),
        (
            "[1 x]",
            "Expected ',' or ']' after array element in JSON at position 3",
        ),
        (
            "{\"a\":1,x}",
            "Expected double-quoted property name in JSON at position 7",
        ),
        (
            "{1:1}",
            "Expected property name or '}' in JSON at position 1",
        ),
        ("\"\\", "Unexpected end of JSON input"),
        ("\"\\u", "Bad Unicode escape in JSON at position 3"),
        (
            "1.x",
            "Unterminated fractional number in JSON at position 2",
        ),
        ("[-]", "No number after minus sign in JSON at position 2"),
        (
            "\"abc\u{a}\"",
            "Bad control character in string literal in JSON at position 4",
        ),
        ("{\"a\":1,\"b\"", "Unexpected end of JSON input"),
        ("[1,]", "Unexpected token ']', \"[1,]\" is not valid JSON"),
        ("  }", "Unexpected token '}', \"  }\" is not valid JSON"),
        (
            "12345678901234567890}",
            "Unexpected non-whitespace character after JSON at position 20",
        ),
        (
            "1234567890123456789012345x",
            "Unexpected non-whitespace character after JSON at position 25",
        ),
        ("é", "Unexpected token 'é', \"é\" is not valid JSON"),
        (
            "\"�\"x",
            "Unexpected non-whitespace character after JSON at position 3",
        ),
        (
            "{\"a\"",
            "Expected ':' after property name in JSON at position 4",
        ),
        (
            "{\"a\" ",
            "Expected ':' after property name in JSON at position 5",
        ),
        (
            "{\"a\":1",
            "Expected ',' or '}' after property value in JSON at position 6",
        ),
        (
            "{\"a\":1 ",
            "Expected ',' or '}' after property value in JSON at position 7",
        ),
        (
            "[1",
            "Expected ',' or ']' after array element in JSON at position 2",
        ),
        (
            "[1 ",
            "Expected ',' or ']' after array element in JSON at position 3",
        ),
        ("{\"a\":", "Unexpected end of JSON input"),
        ("{ ", "Expected property name or '}' in JSON at position 2"),
        (
            "{\"a\":1, ",
            "Expected double-quoted property name in JSON at position 8",
        ),
        ("\"\\u1", "Bad Unicode escape in JSON at position 4"),
        ("\"\\ud800\\u\"", "Bad Unicode escape in JSON at position 9"),
        (
            "[1,2,3,4,5,6,7,8,9,10,11}",
            "Expected ',' or ']' after array element in JSON at position 24",
        ),
        (
            "[1,2,3,4,5,6,7,8,9,10,11,12,13,14}]",
            "Expected ',' or ']' after array element in JSON at position 33",
        ),
        ("- 1", "No number after minus sign in JSON at position 1"),
        (
            "1.e5",
            "Unterminated fractional number in JSON at position 2",
        ),
        (".5", "Unexpected token '.', \".5\" is not valid JSON"),
        ("+1", "Unexpected token '+', \"+1\" is not valid JSON"),
        (
            "1e5.5",
            "Unexpected non-whitespace character after JSON at position 3",
        ),
        (
            "[1.5e+]",
            "Exponent part is missing a number in JSON at position 6",
        ),
        (
            "\"\u{9}\"",
            "Bad control character in string literal in JSON at position 1",
        ),
        (
            "{\"a\":1,\"b\" 1}",
            "Unexpected number in JSON at position 11",
        ),
        (
            "{\"a\":1,\"b\"}",
            "Unexpected token '}', \"{\"a\":1,\"b\"}\" is not valid JSON",
        ),
        (
            "{\"a\":1,\"b\" x}",
            "Unexpected token 'x', \"{\"a\":1,\"b\" x}\" is not valid JSON",
        ),
        (
            "{\"a\":1,\"b\" \"c\"}",
            "Unexpected string in JSON at position 11",
        ),
        (
            "{\"a\" \"c\"}",
            "Expected ':' after property name in JSON at position 5",
        ),
        (
            "1 2",
            "Unexpected non-whitespace character after JSON at position 2",
        ),
        (
            "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18}]",
            "Expected ',' or ']' after array element in JSON at position 45",
        ),
        (
            "{\"x\":{\"y\" 1}}",
            "Expected ':' after property name in JSON at position 10",
        ),
        (
            "[nulx]",
            "Unexpected token 'x', \"[nulx]\" is not valid JSON",
        ),
        ("\"😀", "Unterminated string in JSON at position 3"),
        ("x😀", "Unexpected token 'x', \"x😀\" is not valid JSON"),
        (
            "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,😀]",
            "Unexpected token '�', ...\",16,17,18,😀]\" is not valid JSON",
        ),
        (
            "truex",
            "Unexpected non-whitespace character after JSON at position 4",
        ),
        (
            "{\"\":1,}",
            "Expected double-quoted property name in JSON at position 6",
        ),
    ];
    for (input, expected) in cases {
        match parse_str(input) {
            Ok(v) => panic!("{input:?} parsed as {v:?}"),
            Err(e) => assert_eq!(e.message(), *expected, "{input:?}"),
        }
    }
}

#[test]
fn parses_values() {
    use JsonValue::*;
    assert_eq!(parse_str(" null "), Ok(Null));
    assert_eq!(parse_str("true"), Ok(Bool(true)));
    assert_eq!(parse_str("false"), Ok(Bool(false)));
    assert!(matches!(parse_str("-0"), Ok(Number(x)) if x == 0.0 && x.is_sign_negative()));
    assert_eq!(parse_str("1.5e3"), Ok(Number(1500.0)));
    assert_eq!(parse_str("1E-2"), Ok(Number(0.01)));
    assert_eq!(parse_str("1e400"), Ok(Number(f64::INFINITY)));
    assert_eq!(
        parse_str(r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#),
        Ok(String(u("a\"\\/\u{8}\u{c}\n\r\té😀")))
    );
    // A lone surrogate escape survives as a code unit.
    assert_eq!(parse_str(r#""\ud800""#), Ok(String(vec![0xD800])));
    assert_eq!(parse(&[0x22, 0xDC00, 0x22]), Ok(String(vec![0xDC00])));
    assert_eq!(parse_str("[]"), Ok(Array(vec![])));
    assert_eq!(parse_str("{}"), Ok(Object(vec![])));
    assert_eq!(
        parse_str(" [ 1 , [ ] , { } ] "),
        Ok(Array(vec![Number(1.0), Array(vec![]), Object(vec![])]))
    );
    assert_eq!(
        parse_str(r#"{"b":1,"a":[true,null],"b":{"":"x"}}"#),
        Ok(Object(vec![
            (u("b"), Number(1.0)),
            (u("a"), Array(vec![Bool(true), Null])),
            (u("b"), Object(vec![(u(""), String(u("x")))])),
        ]))
    );
    assert_eq!(
        parse_str(r#"{"":1,"":2}"#),
        Ok(Object(vec![(u(""), Number(1.0)), (u(""), Number(2.0))]))
    );
    assert_eq!(parse_str("\t\r\n 7 \n"), Ok(Number(7.0)));
}

#[test]
fn deep_nesting_neither_overflows_nor_fails() {
    let depth = 100_000;
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let mut v = parse_str(&text).unwrap_or_default();
    let mut seen = 0;
    while let JsonValue::Array(items) = &mut v {
        seen += 1;
        match items.pop() {
            Some(inner) => v = inner,
            None => break,
        }
    }
    assert_eq!(seen, depth);
    let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    let parsed = parse_str(&objects);
    assert!(parsed.is_ok());
    // Dropping the 100,000-deep trees must not recurse.
    drop(parsed);
    drop(parse_str(&text));
    let unterminated = "[".repeat(depth);
    assert_eq!(
        parse_str(&unterminated).map_err(|e| e.message()),
        Err("Unexpected end of JSON input".to_owned())
    );
}

#[test]
fn quotes_strings_like_node() {
    // JSON.stringify results from node v20.
    let cases: &[(Vec<u16>, &str)] = &[
        (u("abc"), r#""abc""#),
        (u("a\"b\\c/"), r#""a\"b\\c/""#),
        (
            u("\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f}"),
            "\"\\b\\f\\n\\r\\t\\u0000\\u001f\u{7f}\"",
        ),
        (u("é😀\u{2028}"), "\"é😀\u{2028}\""),
        (vec![0xD800], r#""\ud800""#),
        (vec![0xDC00, 0xD83D, 0xDE00, 0xDBFF], r#""\udc00😀\udbff""#),
        (vec![0xDEAD, 0x61], r#""\udeada""#),
    ];
    for (input, expected) in cases {
        assert_eq!(quote_json_string(input), u(expected), "{input:?}");
    }
    assert_eq!(number_to_json(1e21), "1e+21");
    assert_eq!(number_to_json(-0.0), "0");
    assert_eq!(number_to_json(f64::NAN), "null");
    assert_eq!(number_to_json(f64::NEG_INFINITY), "null");
}
