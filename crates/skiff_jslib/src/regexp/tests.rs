//! Expected values from node v20, hard-coded.

use super::*;

type Case = (
    &'static str,
    &'static str,
    Vec<u16>,
    usize,
    Option<(Caps, Named)>,
);

fn u(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

#[test]
fn flags_are_validated() {
    let f = RegExpFlags::parse(&u("ygmsdi")).unwrap_or_default();
    assert!(f.sticky && f.global && f.multiline && f.dot_all && f.has_indices && f.ignore_case);
    assert!(!f.unicode && !f.unicode_sets);
    assert_eq!(f.to_flags_string(), "dgimsy");
    assert_eq!(
        RegExpFlags::parse(&u("uv")).err().map(|e| e.message()),
        Some("Invalid regular expression flags".to_owned())
    );
    for bad in ["gg", "x", "G", "ii", "uv", "g "] {
        let err = compile_str("a", bad).err();
        assert_eq!(
            err.as_ref().map(RegExpError::message),
            Some("Invalid regular expression flags".to_owned()),
            "{bad:?}"
        );
        assert_eq!(
            err.map(|e| e.constructor_message()),
            Some(format!(
                "Invalid flags supplied to RegExp constructor '{bad}'"
            ))
        );
    }
    assert_eq!(
        RegExpFlags::parse(&[]).map(|f| f.to_flags_string()),
        Ok(String::new())
    );
}

#[test]
fn pattern_errors_use_v8_wording() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "(",
            "",
            "Invalid regular expression: /(/: Unterminated group",
        ),
        (
            "(",
            "u",
            "Invalid regular expression: /(/u: Unterminated group",
        ),
        (")", "", "Invalid regular expression: /)/: Unmatched ')'"),
        (
            "[",
            "",
            "Invalid regular expression: /[/: Unterminated character class",
        ),
        (
            "a**",
            "",
            "Invalid regular expression: /a**/: Nothing to repeat",
        ),
        (
            "*",
            "",
            "Invalid regular expression: /*/: Nothing to repeat",
        ),
        (
            "\\",
            "",
            "Invalid regular expression: /\\/: \\ at end of pattern",
        ),
        (
            "(?<a>x)(?<a>y)",
            "",
            "Invalid regular expression: /(?<a>x)(?<a>y)/: Duplicate capture group name",
        ),
        (
            "\\k<b>(?<a>x)",
            "",
            "Invalid regular expression: /\\k<b>(?<a>x)/: Invalid named capture referenced",
        ),
        (
            "[b-a]",
            "",
            "Invalid regular expression: /[b-a]/: Range out of order in character class",
        ),
        (
            "\\u{110000}",
            "u",
            "Invalid regular expression: /\\u{110000}/u: Invalid Unicode escape",
        ),
        (
            "(?<1a>x)",
            "",
            "Invalid regular expression: /(?<1a>x)/: Invalid capture group name",
        ),
        (
            "\\p{Foo}",
            "u",
            "Invalid regular expression: /\\p{Foo}/u: Invalid property name",
        ),
        (
            "x{1}{2}",
            "",
            "Invalid regular expression: /x{1}{2}/: Nothing to repeat",
        ),
        (
            "(?=a)*",
            "u",
            "Invalid regular expression: /(?=a)*/u: Invalid quantifier",
        ),
        (
            "[a-\\d]",
            "u",
            "Invalid regular expression: /[a-\\d]/u: Invalid character class",
        ),
        (
            "\\2(a)",
            "u",
            "Invalid regular expression: /\\2(a)/u: Invalid escape",
        ),
    ];
    for (pattern, flags, expected) in cases {
        let got = compile_str(pattern, flags).err().map(|e| e.message());
        assert_eq!(got.as_deref(), Some(*expected), "/{pattern}/{flags}");
    }
    assert!(compile_str("\\1(a)", "").is_ok());
    assert!(compile_str("[)]\\(", "").is_ok());
}

type Caps = Vec<Option<Range<usize>>>;
type Named = Vec<(String, Option<Range<usize>>)>;

#[test]
fn exec_at_matches_node() {
    let cases: Vec<Case> = vec![
        (
            "a(b)?(c)",
            "dg",
            u("xxacac"),
            0,
            Some((vec![Some(2..4), None, Some(3..4)], vec![])),
        ),
        (
            "a(b)?(c)",
            "dg",
            u("xxacac"),
            3,
            Some((vec![Some(4..6), None, Some(5..6)], vec![])),
        ),
        ("a", "dy", u("xa"), 0, None),
        ("a", "dy", u("xa"), 1, Some((vec![Some(1..2)], vec![]))),
        (
            "(?<year>\\d{4})-(?<mon>\\d\\d)|(?<x>z)",
            "d",
            u("on 2024-03!"),
            0,
            Some((
                vec![Some(3..10), Some(3..7), Some(8..10), None],
                vec![
                    ("year".to_owned(), Some(3..7)),
                    ("mon".to_owned(), Some(8..10)),
                    ("x".to_owned(), None),
                ],
            )),
        ),
        (".", "dg", u("😀"), 0, Some((vec![Some(0..1)], vec![]))),
        (".", "dgu", u("😀"), 0, Some((vec![Some(0..2)], vec![]))),
        (
            "\\u{1F600}",
            "du",
            u("a😀"),
            0,
            Some((vec![Some(1..3)], vec![])),
        ),
        ("ß", "di", u("SS ß"), 0, Some((vec![Some(3..4)], vec![]))),
        ("^b", "dm", u("a\nb"), 0, Some((vec![Some(2..3)], vec![]))),
        ("a.b", "ds", u("a\nb"), 0, Some((vec![Some(0..3)], vec![]))),
        ("", "dg", u("abc"), 3, Some((vec![Some(3..3)], vec![]))),
        ("x", "dg", u("abc"), 4, None),
        (
            "[\\p{L}]+",
            "dv",
            u("12äb3"),
            0,
            Some((vec![Some(2..4)], vec![])),
        ),
        (
            "\\bfoo",
            "d",
            u("afoo foo"),
            0,
            Some((vec![Some(5..8)], vec![])),
        ),
        // In unicode mode a start inside a surrogate pair steps back to the pair, as in V8.
        (".", "gu", u("😀x"), 1, Some((vec![Some(0..2)], vec![]))),
        ("x", "yu", u("😀x"), 1, None),
        ("\\udc00", "u", u("a😀"), 0, None),
        // A lone surrogate in the subject matches itself.
        (
            "\\ud800",
            "",
            vec![0x61, 0xD800],
            0,
            Some((vec![Some(1..2)], vec![])),
        ),
    ];
    for (pattern, flags, subject, index, expected) in cases {
        let re = compile_str(pattern, flags);
        assert!(re.is_ok(), "/{pattern}/{flags}");
        let Ok(re) = re else { continue };
        let got = re.exec_at(&subject, index);
        let expected = expected.map(|(captures, named_groups)| RegExpMatch {
            captures,
            named_groups,
        });
        assert_eq!(got, expected, "/{pattern}/{flags} at {index}");
    }
    assert_eq!(
        compile_str("a", "").map(|r| r.exec_at(&u("a"), 99)).ok(),
        Some(None)
    );
}

#[test]
fn named_group_detection() {
    let cases = [
        ("(?<a>x)", true),
        ("(?<=a)x", false),
        ("(?<!a)x", false),
        ("\\(?<a>", false),
        ("[(?<a>]", false),
        ("(?:x)", false),
    ];
    for (pattern, expected) in cases {
        assert_eq!(
            compile_str(pattern, "").map(|r| r.has_named_groups()),
            Ok(expected),
            "{pattern}"
        );
    }
}

fn substitute(
    matched: &str,
    string: &str,
    position: usize,
    captures: &[Option<&str>],
    named: Option<&[(&str, &str)]>,
    template: &str,
) -> String {
    let captures: Vec<Option<Vec<u16>>> = captures.iter().map(|c| c.map(u)).collect();
    let mut lookup = |name: &[u16]| -> Result<Vec<u16>, ()> {
        let name = String::from_utf16_lossy(name);
        Ok(named
            .and_then(|n| n.iter().find(|(k, _)| *k == name))
            .map(|(_, v)| u(v))
            .unwrap_or_default())
    };
    let named_capture: Option<NamedCaptureLookup<'_, ()>> = if named.is_some() {
        Some(&mut lookup)
    } else {
        None
    };
    let out = get_substitution(
        &u(matched),
        &u(string),
        position,
        &captures,
        named_capture,
        &u(template),
    );
    String::from_utf16_lossy(&out.unwrap_or_default())
}

#[test]
fn get_substitution_matches_node() {
    // "abcabc".replace(/b/, "[$&|$`|$'|$$|$0|$1|$]") === "a[b|a|cabc|$|$0|$1|$]cabc"
    assert_eq!(
        substitute("b", "abcabc", 1, &[], None, "[$&|$`|$'|$$|$0|$1|$]"),
        "[b|a|cabc|$|$0|$1|$]"
    );
    // "abc".replace(/(a)(b)(c)/, "$3$2$1$10$11$01$00$4$99") === "cbaa0a1a$00$4$99"
    assert_eq!(
        substitute(
            "abc",
            "abc",
            0,
            &[Some("a"), Some("b"), Some("c")],
            None,
            "$3$2$1$10$11$01$00$4$99"
        ),
        "cbaa0a1a$00$4$99"
    );
    // Eleven groups, the 4th to 11th undefined: "[$10|$11|$12|$01|$4]" gives "[||a2|a|]".
    let mut eleven = vec![Some("a"), Some("b"), Some("c")];
    eleven.extend([None; 8]);
    assert_eq!(
        substitute("abc", "abc", 0, &eleven, None, "[$10|$11|$12|$01|$4]"),
        "[||a2|a|]"
    );
    // "abc".replace(/(?<x>b)/, "[$<x>|$<y>|$<x|$<]") === "a[b||$<x|$<]c"
    assert_eq!(
        substitute(
            "b",
            "abc",
            1,
            &[Some("b")],
            Some(&[("x", "b")]),
            "[$<x>|$<y>|$<x|$<]"
        ),
        "[b||$<x|$<]"
    );
    // Without named groups "$<x>" stays literal.
    assert_eq!(
        substitute("b", "abc", 1, &[Some("b")], None, "[$<x>]"),
        "[$<x>]"
    );
    assert_eq!(substitute("b", "abc", 1, &[], None, "$"), "$");
    assert_eq!(substitute("b", "abc", 1, &[], None, "$x$"), "$x$");
    assert_eq!(substitute("", "abc", 3, &[], None, "[$'|$`]"), "[|abc]");
    // Errors from the named-group lookup propagate.
    let mut failing = |_: &[u16]| -> Result<Vec<u16>, &'static str> { Err("boom") };
    let r = get_substitution(&u("b"), &u("abc"), 1, &[], Some(&mut failing), &u("$<x>"));
    assert_eq!(r, Err("boom"));
}

#[test]
fn escapes_source_like_v8() {
    // new RegExp(p).source in node v20.
    let cases: &[(&str, &str)] = &[
        ("/", "\\/"),
        ("a/b", "a\\/b"),
        ("\\/", "\\/"),
        ("[/]", "[/]"),
        ("", "(?:)"),
        ("\n", "\\n"),
        ("\r\u{2028}\u{2029}", "\\r\\u2028\\u2029"),
        ("\\\n", "\\n"),
        ("[\n]", "[\\n]"),
        ("a\\\\/b", "a\\\\\\/b"),
    ];
    for (pattern, expected) in cases {
        assert_eq!(
            String::from_utf16_lossy(&escape_source(&u(pattern))),
            *expected,
            "{pattern:?}"
        );
    }
}

#[test]
fn advances_string_indices() {
    let s = u("a😀");
    assert_eq!(advance_string_index(&s, 0, true), 1);
    assert_eq!(advance_string_index(&s, 1, true), 3);
    assert_eq!(advance_string_index(&s, 1, false), 2);
    assert_eq!(advance_string_index(&s, 2, true), 3);
    assert_eq!(advance_string_index(&s, 3, true), 4);
}

#[test]
fn compiled_regexps_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CompiledRegExp>();
    assert_send_sync::<RegExpMatch>();
}

#[test]
fn sticky_matches_only_at_the_index() {
    // (pattern, flags, subject, index, expected range), from node v20.
    type StickyCase = (
        &'static str,
        &'static str,
        &'static str,
        usize,
        Option<Range<usize>>,
    );
    let cases: &[StickyCase] = &[
        ("a|ab", "y", "xab", 1, Some(1..2)),
        ("b", "y", "abab", 0, None),
        ("b", "y", "abab", 1, Some(1..2)),
        ("(a)\\2", "y", "xa\u{2}", 1, Some(1..3)),
        ("(a)\\1", "y", "xaa", 1, Some(1..3)),
        ("", "y", "abc", 3, Some(3..3)),
        ("(?<n>b)|c", "yd", "abc", 1, Some(1..2)),
        ("x*", "y", "abc", 1, Some(1..1)),
    ];
    for (pattern, flags, subject, index, expected) in cases {
        let re = compile_str(pattern, flags);
        assert!(re.is_ok(), "/{pattern}/{flags}");
        let Ok(re) = re else { continue };
        let got = re.exec_at(&u(subject), *index);
        assert_eq!(
            got.as_ref().map(RegExpMatch::range),
            expected.clone(),
            "/{pattern}/{flags} at {index}"
        );
        if let Some(m) = got {
            let plain = compile_str(pattern, &flags.replace('y', ""))
                .ok()
                .and_then(|r| r.exec_at(&u(subject), *index));
            // The wrapped form reports the same groups as the plain expression.
            assert_eq!(
                m.captures.len(),
                plain.map_or(m.captures.len(), |p| p.captures.len()),
                "{pattern}"
            );
        }
    }
    let named = compile_str("(?<n>b)|c", "y")
        .ok()
        .and_then(|r| r.exec_at(&u("abc"), 1));
    assert_eq!(
        named.map(|m| m.named_groups),
        Some(vec![("n".to_owned(), Some(1..2))])
    );
}

#[test]
fn patterns_that_may_backtrack_exponentially_are_recognised() {
    for risky in [
        r"^(a+)+$",
        r"(a|aa)*b",
        r"((ab)*c)+",
        r"(x{2,})*y",
        r"(\d+,)*\d+",
        r"(a)\1",
        r"(?<q>a)\k<q>",
    ] {
        assert!(
            compile(&u(risky), &[]).unwrap().may_backtrack_heavily(),
            "{risky}"
        );
    }
    for plain in [
        r"abc",
        r"a+b*c?",
        r"(ab)+",
        r"(a+)b",
        r"[(a+)+]",
        r"\(a+\)+",
        r"(a|b)",
        r"^\d{4}-\d{2}$",
    ] {
        assert!(
            !compile(&u(plain), &[]).unwrap().may_backtrack_heavily(),
            "{plain}"
        );
    }
}
