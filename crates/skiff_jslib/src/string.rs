//! String helpers on UTF-16 code units (ES §22.1.3).
//!
//! JS strings are sequences of UTF-16 code units that may contain lone surrogates, so every
//! function here takes `&[u16]` and keeps lone surrogates intact unless the spec says otherwise.

use std::cmp::Ordering;

use unicode_normalization::UnicodeNormalization;

/// Whether `c` is in the spec's WhiteSpace production (ES §12.2): TAB, VT, FF, ZWNBSP, and every
/// code point of general category Zs.
pub fn is_whitespace(c: u32) -> bool {
    matches!(
        c,
        0x09 | 0x0B | 0x0C | 0x20 | 0xA0 | 0xFEFF | 0x1680 | 0x2000
            ..=0x200A | 0x202F | 0x205F | 0x3000
    )
}

/// Whether `c` is in the spec's LineTerminator production (ES §12.3): LF, CR, LS, PS.
pub fn is_line_terminator(c: u32) -> bool {
    matches!(c, 0x0A | 0x0D | 0x2028 | 0x2029)
}

/// Whether `c` is stripped by `String.prototype.trim` and skipped by `StringToNumber`: the union of
/// WhiteSpace and LineTerminator. No member is a surrogate, so testing code units is exact.
pub fn is_trim_char(c: u32) -> bool {
    is_whitespace(c) || is_line_terminator(c)
}

/// Which ends `TrimString` strips (ES §22.1.3.32.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimWhere {
    Start,
    End,
    Both,
}

/// TrimString(string, where): returns the sub-slice without leading and/or trailing white space
/// and line terminators.
pub fn trim(s: &[u16], where_: TrimWhere) -> &[u16] {
    let mut start = 0;
    let mut end = s.len();
    if matches!(where_, TrimWhere::Start | TrimWhere::Both) {
        while start < end && is_trim_char(u32::from(s[start])) {
            start += 1;
        }
    }
    if matches!(where_, TrimWhere::End | TrimWhere::Both) {
        while end > start && is_trim_char(u32::from(s[end - 1])) {
            end -= 1;
        }
    }
    &s[start..end]
}

/// The same as [`trim`] on a Rust string, for callers that hold well-formed text.
pub fn trim_str(s: &str, where_: TrimWhere) -> &str {
    match where_ {
        TrimWhere::Start => s.trim_start_matches(|c: char| is_trim_char(u32::from(c))),
        TrimWhere::End => s.trim_end_matches(|c: char| is_trim_char(u32::from(c))),
        TrimWhere::Both => s.trim_matches(|c: char| is_trim_char(u32::from(c))),
    }
}

/// One step of CodePointAt (ES §11.1.4): the code point starting at `index` and the number of code
/// units it occupies. A lone surrogate is returned as itself with length 1. Returns `None` when
/// `index` is out of range.
pub fn code_point_at(s: &[u16], index: usize) -> Option<(u32, usize)> {
    let first = *s.get(index)?;
    if (0xD800..=0xDBFF).contains(&first) {
        if let Some(&second) = s.get(index + 1) {
            if (0xDC00..=0xDFFF).contains(&second) {
                let cp =
                    0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
                return Some((cp, 2));
            }
        }
    }
    Some((u32::from(first), 1))
}

/// Iterator over the code points of a UTF-16 string, as `String.prototype[Symbol.iterator]` sees
/// them: surrogate pairs are combined, lone surrogates come out as themselves.
#[derive(Debug, Clone)]
pub struct CodePoints<'a> {
    s: &'a [u16],
    pos: usize,
}

impl Iterator for CodePoints<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let (cp, len) = code_point_at(self.s, self.pos)?;
        self.pos += len;
        Some(cp)
    }
}

/// Iterates the code points of `s` (see [`CodePoints`]).
pub fn code_points(s: &[u16]) -> CodePoints<'_> {
    CodePoints { s, pos: 0 }
}

/// Appends code point `cp` to `out` as UTF-16 (one unit, or a surrogate pair above U+FFFF).
pub fn push_code_point(out: &mut Vec<u16>, cp: u32) {
    if cp >= 0x10000 {
        let v = cp - 0x10000;
        // Both halves are below 0x10000 by construction, so the casts cannot truncate.
        out.push(0xD800 + ((v >> 10) & 0x3FF) as u16);
        out.push(0xDC00 + (v & 0x3FF) as u16);
    } else {
        out.push((cp & 0xFFFF) as u16);
    }
}

/// `String.prototype.isWellFormed`: true when `s` has no lone surrogate.
pub fn is_well_formed(s: &[u16]) -> bool {
    code_points(s).all(|cp| !(0xD800..=0xDFFF).contains(&cp))
}

/// `String.prototype.toWellFormed`: every lone surrogate replaced by U+FFFD.
pub fn to_well_formed(s: &[u16]) -> Vec<u16> {
    let mut out = Vec::with_capacity(s.len());
    for cp in code_points(s) {
        if (0xD800..=0xDFFF).contains(&cp) {
            out.push(0xFFFD);
        } else {
            push_code_point(&mut out, cp);
        }
    }
    out
}

/// StringIndexOf(string, searchValue, fromIndex) (ES §6.1.4.1): the first index ≥ `from` where
/// `search` occurs, or `None`. An empty search is found at `from` when `from` ≤ the length.
/// `String.prototype.indexOf` clamps its position to the length before calling this.
pub fn index_of(s: &[u16], search: &[u16], from: usize) -> Option<usize> {
    if search.is_empty() {
        return (from <= s.len()).then_some(from);
    }
    if from >= s.len() || search.len() > s.len() - from {
        return None;
    }
    s[from..]
        .windows(search.len())
        .position(|w| w == search)
        .map(|i| i + from)
}

/// The search of `String.prototype.lastIndexOf`: the last index ≤ `from` where `search` occurs
/// (`from` beyond the end means the end).
pub fn last_index_of(s: &[u16], search: &[u16], from: usize) -> Option<usize> {
    if search.len() > s.len() {
        return None;
    }
    let last_start = from.min(s.len() - search.len());
    (0..=last_start)
        .rev()
        .find(|&i| &s[i..i + search.len()] == search)
}

/// A piece of a UTF-16 string: either a run of well-formed text or one lone surrogate.
enum Piece {
    Text(String),
    Lone(u16),
}

/// Splits `s` into well-formed runs and lone surrogates, so Rust's `str` algorithms can work on
/// the runs while lone surrogates pass through unchanged, as the spec requires.
fn pieces(s: &[u16]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut run = String::new();
    for cp in code_points(s) {
        match char::from_u32(cp) {
            Some(c) => run.push(c),
            None => {
                if !run.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut run)));
                }
                out.push(Piece::Lone((cp & 0xFFFF) as u16));
            }
        }
    }
    if !run.is_empty() {
        out.push(Piece::Text(run));
    }
    out
}

fn map_pieces(s: &[u16], f: impl Fn(&str) -> String) -> Vec<u16> {
    let mut out = Vec::with_capacity(s.len());
    for piece in pieces(s) {
        match piece {
            Piece::Text(t) => out.extend(f(&t).encode_utf16()),
            Piece::Lone(u) => out.push(u),
        }
    }
    out
}

/// `String.prototype.toUpperCase`: full Unicode default case conversion (SpecialCasing included,
/// so "ß" becomes "SS"); lone surrogates are kept.
pub fn to_upper_case(s: &[u16]) -> Vec<u16> {
    map_pieces(s, str::to_uppercase)
}

/// `String.prototype.toLowerCase`: full Unicode default case conversion, including the final
/// sigma rule ("ΑΣ" becomes "ας"); lone surrogates are kept.
pub fn to_lower_case(s: &[u16]) -> Vec<u16> {
    map_pieces(s, str::to_lowercase)
}

/// A normalization form accepted by `String.prototype.normalize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormalizationForm {
    Nfc,
    Nfd,
    Nfkc,
    Nfkd,
}

/// The RangeError `normalize` throws for an unknown form; [`NormalizeError::message`] is V8's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizeError;

impl NormalizeError {
    pub fn message(&self) -> &'static str {
        "The normalization form should be one of NFC, NFD, NFKC, NFKD."
    }
}

impl std::fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for NormalizeError {}

impl NormalizationForm {
    /// Parses the `form` argument; `None` (undefined) means "NFC" as in step 3 of the spec.
    pub fn parse(form: Option<&[u16]>) -> Result<NormalizationForm, NormalizeError> {
        let Some(form) = form else {
            return Ok(NormalizationForm::Nfc);
        };
        match String::from_utf16_lossy(form).as_str() {
            "NFC" => Ok(NormalizationForm::Nfc),
            "NFD" => Ok(NormalizationForm::Nfd),
            "NFKC" => Ok(NormalizationForm::Nfkc),
            "NFKD" => Ok(NormalizationForm::Nfkd),
            _ => Err(NormalizeError),
        }
    }
}

/// `String.prototype.normalize` with an already parsed form. Lone surrogates are kept in place and
/// split the string into independently normalized runs, as V8 does.
pub fn normalize(s: &[u16], form: NormalizationForm) -> Vec<u16> {
    map_pieces(s, |t| match form {
        NormalizationForm::Nfc => t.nfc().collect(),
        NormalizationForm::Nfd => t.nfd().collect(),
        NormalizationForm::Nfkc => t.nfkc().collect(),
        NormalizationForm::Nfkd => t.nfkd().collect(),
    })
}

/// `String.prototype.localeCompare` without ICU.
///
/// This is a small, deterministic stand-in for the ICU root collation V8 uses. It compares in
/// three levels, the way a collation does, so the common cases agree with node:
/// 1. the base letters: each string is NFKD-decomposed, combining marks dropped and letters
///    lower-cased, and the results are compared with white space first, then punctuation and
///    symbols (in ICU's order), digits and letters ("a" < "B", "resume" < "résumé" < "rose");
/// 2. the accents, on a tie ("resume" < "résumé");
/// 3. the case, lower case first ("a" < "A"), and finally the code points of the decomposed
///    strings, so only canonically equivalent strings compare equal ("é" = "e\u{301}"), as the
///    spec requires.
///
/// Control and format characters are ignored, as in ICU ("a" = "a\0").
///
/// Letters ICU treats specially are mapped by small tables (ß as "ss", ø as o with a secondary
/// mark, ı after i, accents in ICU's secondary order). It knows nothing of language tailorings
/// (e.g. Swedish "ä" after "z"), contractions, or orders of other scripts beyond code points.
/// Returns -1, 0 or 1.
pub fn locale_compare(a: &[u16], b: &[u16]) -> i32 {
    let ord = collation_key(a, Level::Base)
        .cmp(&collation_key(b, Level::Base))
        .then_with(|| collation_key(a, Level::Accent).cmp(&collation_key(b, Level::Accent)))
        .then_with(|| collation_key(a, Level::Case).cmp(&collation_key(b, Level::Case)))
        .then_with(|| collation_key(a, Level::Identical).cmp(&collation_key(b, Level::Identical)));
    match ord {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Base,
    Accent,
    Case,
    Identical,
}

fn is_combining_mark(c: char) -> bool {
    matches!(u32::from(c), 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Letters that ICU's root collation places right after a base letter (ı after i, ł after l,
/// ...), as (base, position after it).
fn letter_after(lower: char) -> Option<(char, u32)> {
    Some(match lower {
        'ı' => ('i', 1),
        'ŧ' => ('t', 1),
        'ŋ' => ('n', 1),
        'ĸ' => ('q', 1),
        'þ' => ('z', 1),
        _ => return None,
    })
}

/// The secondary order of common accents in ICU's root collation (acute before grave before
/// breve ...); other marks follow by code point.
fn accent_rank(mark: char) -> u32 {
    const ORDER: [u32; 12] = [
        0x301, 0x300, 0x306, 0x302, 0x30C, 0x30A, 0x308, 0x30B, 0x303, 0x307, 0x335, 0x336,
    ];
    let cp = u32::from(mark);
    ORDER
        .iter()
        .position(|&m| m == cp)
        .map_or(100 + cp, |i| i as u32 + 1)
}

/// The primary order of common punctuation and symbols in the ICU root collation (what node's
/// `localeCompare` uses), read off node's sort of these characters.
const PUNCTUATION_ORDER: &str = "_-\u{2013}\u{2014},;:!\u{a1}?\u{bf}.\u{2026}'\u{2018}\u{2019}\"\u{201c}\u{201d}\u{ab}\u{bb}()[]{}\u{a7}@*/\\&#%`^\u{b0}\u{a9}+\u{f7}\u{d7}<=>|~$\u{a3}\u{a5}\u{20ac}";

/// Format characters (general category Cf) that collation ignores: soft hyphen, zero-width and
/// bidi controls, the BOM.
fn is_format_char(c: char) -> bool {
    matches!(u32::from(c), 0xAD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF)
}

/// The sort key of one collation level: a vector of (class, value) pairs compared
/// lexicographically.
fn collation_key(s: &[u16], level: Level) -> Vec<(u8, u32)> {
    let text = String::from_utf16_lossy(s);
    // The identical level tells apart only what is not canonically equivalent; the others
    // compare compatibility forms ("ﬁ" as "fi", "²" as "2") with ICU's common expansions.
    let chars: Vec<char> = if level == Level::Identical {
        text.nfd().collect()
    } else {
        text.nfkd()
            .flat_map(|c| {
                let expansion: &[char] = match c {
                    'ß' => &['s', 's'],
                    'ẞ' => &['S', 'S'],
                    'æ' => &['a', 'e'],
                    'Æ' => &['A', 'E'],
                    'œ' => &['o', 'e'],
                    'Œ' => &['O', 'E'],
                    // ICU sorts these as the base letter with a secondary difference; a stroke
                    // overlay stands for it.
                    'ø' => &['o', '\u{338}'],
                    'Ø' => &['O', '\u{338}'],
                    'ł' => &['l', '\u{335}'],
                    'Ł' => &['L', '\u{335}'],
                    'đ' => &['d', '\u{335}'],
                    'Đ' => &['D', '\u{335}'],
                    'ð' => &['d', '\u{336}'],
                    'Ð' => &['D', '\u{336}'],
                    'ħ' => &['h', '\u{335}'],
                    'Ħ' => &['H', '\u{335}'],
                    _ => &[],
                };
                if expansion.is_empty() {
                    vec![c]
                } else {
                    expansion.to_vec()
                }
            })
            .collect()
    };
    let mut key = Vec::with_capacity(chars.len());
    for c in chars {
        if c.is_control() || is_format_char(c) {
            continue;
        }
        match level {
            Level::Base => {
                if is_combining_mark(c) {
                    continue;
                }
                let lower = c.to_lowercase().next().unwrap_or(c);
                let entry = if c.is_whitespace() {
                    (0, 0)
                } else if c.is_alphabetic() {
                    // Letters with their own primary weight sort right after their base letter.
                    let (base, tweak) = letter_after(lower).unwrap_or((lower, 0));
                    (3, u32::from(base) * 4 + tweak)
                } else if c.is_numeric() {
                    (2, u32::from(lower))
                } else {
                    // Punctuation and symbols in ICU's root order where we know it, the rest after.
                    let rank = PUNCTUATION_ORDER.chars().position(|p| p == c);
                    (1, rank.map_or(1000 + u32::from(c), |r| r as u32))
                };
                key.push(entry);
            }
            Level::Accent => {
                // A mark sorts after its absence, so plain letters get 0 and marks their rank.
                key.push((
                    0,
                    if is_combining_mark(c) {
                        accent_rank(c)
                    } else {
                        0
                    },
                ));
            }
            Level::Case => {
                if is_combining_mark(c) {
                    continue;
                }
                key.push((0, u32::from(c.is_uppercase())));
            }
            Level::Identical => key.push((0, u32::from(c))),
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn trims_whitespace_and_line_terminators() {
        let cases: &[(&str, TrimWhere, &str)] = &[
            (" \t\n a b \u{3000}\u{FEFF}", TrimWhere::Both, "a b"),
            ("\u{A0}\u{2028}x\u{2029}", TrimWhere::Start, "x\u{2029}"),
            (
                "\u{A0}\u{2028}x\u{2029}\u{205F}",
                TrimWhere::End,
                "\u{A0}\u{2028}x",
            ),
            // U+180E MONGOLIAN VOWEL SEPARATOR is no longer white space (Unicode 6.3).
            ("\u{180E}x", TrimWhere::Both, "\u{180E}x"),
            // U+200B ZERO WIDTH SPACE is not in Zs.
            ("\u{200B}x", TrimWhere::Both, "\u{200B}x"),
            ("   ", TrimWhere::Both, ""),
        ];
        for (input, where_, expected) in cases {
            assert_eq!(
                trim(&u(input), *where_),
                u(expected).as_slice(),
                "{input:?}"
            );
            assert_eq!(trim_str(input, *where_), *expected, "{input:?}");
        }
    }

    #[test]
    fn case_conversion_matches_node() {
        let upper: &[(&str, &str)] = &[
            ("straße", "STRASSE"),
            ("ǆ", "Ǆ"),
            ("ŉ", "ʼN"),
            ("ﬃ", "FFI"),
            ("abc😀", "ABC😀"),
            ("ι\u{0345}", "Ι\u{0399}"),
        ];
        for (input, expected) in upper {
            assert_eq!(to_upper_case(&u(input)), u(expected), "{input:?}");
        }
        let lower: &[(&str, &str)] = &[
            ("ΑΣ", "ας"),
            ("ΑΣ Β", "ας β"),
            ("Σ", "σ"),
            ("İ", "i\u{307}"),
            ("ABC", "abc"),
        ];
        for (input, expected) in lower {
            assert_eq!(to_lower_case(&u(input)), u(expected), "{input:?}");
        }
        // Lone surrogates pass through.
        assert_eq!(
            to_upper_case(&[0x61, 0xD800, 0x62]),
            vec![0x41, 0xD800, 0x42]
        );
    }

    #[test]
    fn normalizes() {
        let cases: &[(&str, NormalizationForm, &str)] = &[
            ("e\u{301}", NormalizationForm::Nfc, "é"),
            ("é", NormalizationForm::Nfd, "e\u{301}"),
            ("ﬁ", NormalizationForm::Nfkc, "fi"),
            ("ﬁ", NormalizationForm::Nfc, "ﬁ"),
            ("Å", NormalizationForm::Nfkd, "A\u{30A}"),
        ];
        for (input, form, expected) in cases {
            assert_eq!(normalize(&u(input), *form), u(expected), "{input:?}");
        }
        assert_eq!(NormalizationForm::parse(None), Ok(NormalizationForm::Nfc));
        assert_eq!(
            NormalizationForm::parse(Some(&u("NFKD"))),
            Ok(NormalizationForm::Nfkd)
        );
        assert_eq!(
            NormalizationForm::parse(Some(&u("nfc"))).map_err(|e| e.message()),
            Err("The normalization form should be one of NFC, NFD, NFKC, NFKD.")
        );
        assert_eq!(
            normalize(&[0xDC00, 0x65, 0x301], NormalizationForm::Nfc),
            vec![0xDC00, 0xE9]
        );
    }

    #[test]
    fn index_of_and_last_index_of_match_node() {
        let s = u("abcabc");
        // "abcabc".indexOf(x, from) and lastIndexOf(x, from) in node.
        assert_eq!(index_of(&s, &u("bc"), 0), Some(1));
        assert_eq!(index_of(&s, &u("bc"), 2), Some(4));
        assert_eq!(index_of(&s, &u("bc"), 5), None);
        assert_eq!(index_of(&s, &u(""), 6), Some(6));
        // The spec operation itself does not clamp (indexOf does, giving 6 in node).
        assert_eq!(index_of(&s, &u(""), 7), None);
        assert_eq!(index_of(&s, &u("abcabcd"), 0), None);
        assert_eq!(last_index_of(&s, &u("bc"), 6), Some(4));
        assert_eq!(last_index_of(&s, &u("bc"), 3), Some(1));
        assert_eq!(last_index_of(&s, &u("bc"), 0), None);
        assert_eq!(last_index_of(&s, &u(""), 99), Some(6));
        assert_eq!(last_index_of(&s, &u("a"), 0), Some(0));
        assert_eq!(last_index_of(&u(""), &u("a"), 0), None);
    }

    #[test]
    fn code_points_and_well_formedness() {
        let s = [0x61, 0xD83D, 0xDE00, 0xD800, 0x62, 0xDC00];
        assert_eq!(
            code_points(&s).collect::<Vec<_>>(),
            vec![0x61, 0x1F600, 0xD800, 0x62, 0xDC00]
        );
        assert_eq!(code_point_at(&s, 1), Some((0x1F600, 2)));
        assert_eq!(code_point_at(&s, 2), Some((0xDE00, 1)));
        assert_eq!(code_point_at(&s, 6), None);
        assert!(!is_well_formed(&s));
        assert!(is_well_formed(&u("a😀b")));
        assert_eq!(
            to_well_formed(&s),
            vec![0x61, 0xD83D, 0xDE00, 0xFFFD, 0x62, 0xFFFD]
        );
        let mut out = Vec::new();
        push_code_point(&mut out, 0x1F600);
        assert_eq!(out, vec![0xD83D, 0xDE00]);
    }

    #[test]
    fn locale_compare_agrees_with_node_on_common_cases() {
        // Expected values from node v20 (ICU root collation).
        let cases: &[(&str, &str, i32)] = &[
            ("a", "b", -1),
            ("a", "B", -1),
            ("B", "a", 1),
            ("a", "A", -1),
            ("A", "a", 1),
            ("a", "a", 0),
            ("résumé", "resume", 1),
            ("résumé", "rose", -1),
            ("10", "9", -1),
            ("9", "a", -1),
            ("-", "a", -1),
            ("", "a", -1),
            ("ab", "a", 1),
            ("Zebra", "apple", 1),
            ("\u{e9}", "e\u{301}", 0),
            ("a", "a\0", 0),
            ("Å", "A\u{30a}", 0),
            ("ab", "a-b", 1),
            ("a b", "ab", -1),
            ("co-op", "coop", -1),
            ("ıa", "ib", 1),
            ("øa", "ob", -1),
            ("ła", "lb", -1),
            ("è", "é", 1),
            ("å", "ä", -1),
            ("þ", "z", 1),
            ("ﬁ", "fi", 1),
            ("straße", "strasse", 1),
        ];
        for (a, b, expected) in cases {
            assert_eq!(locale_compare(&u(a), &u(b)), *expected, "{a:?} vs {b:?}");
        }
    }
}
