//! Regular expressions (ES §22.2): a thin layer over the `regress` engine.
//!
//! This module validates flags, compiles patterns, runs one match attempt from a UTF-16 index
//! (the heart of RegExpBuiltinExec; the VM owns `lastIndex` and builds the result array), and
//! implements GetSubstitution for `String.prototype.replace` templates.

use std::ops::Range;

/// The flags of a regular expression, one field per flag letter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegExpFlags {
    /// `d`: the result has an `indices` array.
    pub has_indices: bool,
    /// `g`
    pub global: bool,
    /// `i`
    pub ignore_case: bool,
    /// `m`
    pub multiline: bool,
    /// `s`
    pub dot_all: bool,
    /// `u`
    pub unicode: bool,
    /// `v`
    pub unicode_sets: bool,
    /// `y`: a match must start exactly at the start index.
    pub sticky: bool,
}

impl RegExpFlags {
    /// Parses a flags string; a repeated or unknown letter, or `u` together with `v`, is an error.
    pub fn parse(flags: &[u16]) -> Result<RegExpFlags, RegExpError> {
        let mut f = RegExpFlags::default();
        let invalid = || RegExpError::InvalidFlags {
            flags: String::from_utf16_lossy(flags),
        };
        for &c in flags {
            let slot = match u8::try_from(c).map(char::from) {
                Ok('d') => &mut f.has_indices,
                Ok('g') => &mut f.global,
                Ok('i') => &mut f.ignore_case,
                Ok('m') => &mut f.multiline,
                Ok('s') => &mut f.dot_all,
                Ok('u') => &mut f.unicode,
                Ok('v') => &mut f.unicode_sets,
                Ok('y') => &mut f.sticky,
                _ => return Err(invalid()),
            };
            if *slot {
                return Err(invalid());
            }
            *slot = true;
        }
        if f.unicode && f.unicode_sets {
            return Err(invalid());
        }
        Ok(f)
    }

    /// The flags in the canonical order of the `flags` getter ("dgimsuvy").
    pub fn to_flags_string(&self) -> String {
        let mut s = String::new();
        for (on, c) in [
            (self.has_indices, 'd'),
            (self.global, 'g'),
            (self.ignore_case, 'i'),
            (self.multiline, 'm'),
            (self.dot_all, 's'),
            (self.unicode, 'u'),
            (self.unicode_sets, 'v'),
            (self.sticky, 'y'),
        ] {
            if on {
                s.push(c);
            }
        }
        s
    }

    /// Whether matching works on code points rather than code units (`u` or `v`).
    pub fn full_unicode(&self) -> bool {
        self.unicode || self.unicode_sets
    }
}

/// A SyntaxError from compiling a regular expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegExpError {
    /// A flag is repeated or unknown.
    InvalidFlags { flags: String },
    /// The pattern does not parse; `reason` is the engine's explanation.
    InvalidPattern {
        pattern: String,
        flags: String,
        reason: String,
    },
}

impl RegExpError {
    /// The message V8 gives for a regular expression literal, e.g.
    /// "Invalid regular expression: /(/: Unterminated group" or "Invalid regular expression flags".
    pub fn message(&self) -> String {
        match self {
            RegExpError::InvalidFlags { .. } => "Invalid regular expression flags".to_owned(),
            RegExpError::InvalidPattern {
                pattern,
                flags,
                reason,
            } => {
                format!("Invalid regular expression: /{pattern}/{flags}: {reason}")
            }
        }
    }

    /// The message V8 gives when the `RegExp` constructor gets bad flags:
    /// "Invalid flags supplied to RegExp constructor 'gg'". Pattern errors read as [`Self::message`].
    pub fn constructor_message(&self) -> String {
        match self {
            RegExpError::InvalidFlags { flags } => {
                format!("Invalid flags supplied to RegExp constructor '{flags}'")
            }
            RegExpError::InvalidPattern { .. } => self.message(),
        }
    }
}

impl std::fmt::Display for RegExpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for RegExpError {}

/// A compiled regular expression. It is immutable and `Send + Sync`, so a VM may cache it per
/// (pattern, flags) and share it.
#[derive(Debug, Clone)]
pub struct CompiledRegExp {
    regex: regress::Regex,
    /// For sticky expressions, `(?:pattern)|()`: its extra last group matches only when the
    /// pattern does not match at the start index, so a failed sticky attempt costs one try
    /// instead of a search through the rest of the subject.
    sticky: Option<regress::Regex>,
    flags: RegExpFlags,
    has_named_groups: bool,
    may_backtrack_heavily: bool,
}

/// The result of one successful match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegExpMatch {
    /// Index 0 is the whole match, index n the n-th capture group; `None` for a group that did not
    /// participate. Ranges are UTF-16 code-unit indices into the subject.
    pub captures: Vec<Option<Range<usize>>>,
    /// The named groups in pattern order, with the range each captured (for the `groups` object).
    pub named_groups: Vec<(String, Option<Range<usize>>)>,
}

impl RegExpMatch {
    /// The range of the whole match.
    pub fn range(&self) -> Range<usize> {
        self.captures.first().cloned().flatten().unwrap_or(0..0)
    }
}

/// Maps `regress` error texts to the wording V8 uses for the same problem, where they differ.
fn v8_reason(reason: &str, pattern: &[u16]) -> String {
    if reason.starts_with("Backreference to invalid named capture group") {
        return "Invalid named capture referenced".to_owned();
    }
    let mapped = match reason {
        "Unbalanced parenthesis" if has_unmatched_close_paren(pattern) => "Unmatched ')'",
        "Unbalanced parenthesis" => "Unterminated group",
        "Unbalanced bracket" => "Unterminated character class",
        "Incomplete escape" => "\\ at end of pattern",
        "Invalid atom character" | "Invalid braced quantifier" => "Nothing to repeat",
        "Quantifier not allowed here" => "Invalid quantifier",
        "Invalid unicode escape" => "Invalid Unicode escape",
        "Invalid token at named capture group identifier" => "Invalid capture group name",
        "Range values reversed, start char code is greater than end char code." => {
            "Range out of order in character class"
        }
        "Invalid character range" => "Invalid character class",
        "Invalid character escape" => "Invalid escape",
        other => other,
    };
    mapped.to_owned()
}

/// Whether some ")" outside escapes and classes closes no group.
fn has_unmatched_close_paren(pattern: &[u16]) -> bool {
    let mut depth = 0usize;
    let mut in_class = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            0x5C => i += 1,
            0x5B => in_class = true,
            0x5D => in_class = false,
            0x28 if !in_class => depth += 1,
            0x29 if !in_class => {
                if depth == 0 {
                    return true;
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// Whether matching the pattern may backtrack through exponentially many paths: a repeated
/// group that itself contains a repetition or an alternative (`(a+)+`, `(a|aa)*`), or a
/// backreference. A heuristic over the source (escapes and classes skipped); patterns it
/// misses are at worst polynomial.
fn may_backtrack_heavily(pattern: &[u16]) -> bool {
    const REPEATS: [u16; 3] = [0x2A, 0x2B, 0x7B]; // `*`, `+`, `{`
                                                  // Per open group: whether it contains a repetition or an alternative so far.
    let mut groups: Vec<bool> = Vec::new();
    let mut in_class = false;
    let mut i = 0;
    while i < pattern.len() {
        let c = pattern[i];
        if c == 0x5C {
            let next = pattern.get(i + 1).copied().unwrap_or(0);
            if !in_class && ((0x31..=0x39).contains(&next) || next == 0x6B) {
                return true; // `` … `\9`, `\k<name>`
            }
            i += 2;
            continue;
        }
        if in_class {
            in_class = c != 0x5D;
        } else {
            match c {
                0x5B => in_class = true,
                0x28 => groups.push(false),
                0x7C => {
                    if let Some(g) = groups.last_mut() {
                        *g = true;
                    }
                }
                0x29 => {
                    let inner = groups.pop().unwrap_or(false);
                    let repeated = pattern.get(i + 1).is_some_and(|n| REPEATS.contains(n));
                    if inner && repeated {
                        return true;
                    }
                    if let Some(g) = groups.last_mut() {
                        *g |= inner || repeated;
                    }
                }
                c if REPEATS.contains(&c) => {
                    if let Some(g) = groups.last_mut() {
                        *g = true;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    false
}

/// Whether the pattern source declares a named group `(?<name>`, skipping escapes and classes.
fn declares_named_group(pattern: &[u16]) -> bool {
    let mut i = 0;
    let mut in_class = false;
    while i < pattern.len() {
        match pattern[i] {
            0x5C => i += 1,
            0x5B => in_class = true,
            0x5D => in_class = false,
            0x28 if !in_class
                && pattern.get(i + 1) == Some(&0x3F)
                && pattern.get(i + 2) == Some(&0x3C)
                && !matches!(pattern.get(i + 3), Some(&0x3D) | Some(&0x21)) =>
            {
                return true;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// RegExpInitialize's parsing steps: validates `flags` and compiles `pattern` (both UTF-16, the
/// pattern without slashes). Lone surrogates in the pattern are passed on as code points.
pub fn compile(pattern: &[u16], flags: &[u16]) -> Result<CompiledRegExp, RegExpError> {
    let parsed = RegExpFlags::parse(flags)?;
    let rflags = regress::Flags {
        icase: parsed.ignore_case,
        multiline: parsed.multiline,
        dot_all: parsed.dot_all,
        unicode: parsed.unicode,
        unicode_sets: parsed.unicode_sets,
        no_opt: false,
    };
    let code_points = crate::string::code_points(pattern);
    let regex = regress::Regex::from_unicode(code_points, rflags).map_err(|e| {
        RegExpError::InvalidPattern {
            pattern: String::from_utf16_lossy(pattern),
            flags: String::from_utf16_lossy(flags),
            reason: v8_reason(&e.text, pattern),
        }
    })?;
    // Wrapping adds a capture group, which would turn an Annex B octal escape like \2 into a
    // backreference; such patterns keep the slower search instead.
    let has_numeric_escape = pattern
        .windows(2)
        .any(|w| w[0] == 0x5C && (0x31..=0x39).contains(&w[1]));
    let sticky = if parsed.sticky && !has_numeric_escape {
        let wrapped = "(?:"
            .chars()
            .map(u32::from)
            .chain(crate::string::code_points(pattern))
            .chain(")|()".chars().map(u32::from));
        regress::Regex::from_unicode(wrapped, rflags).ok()
    } else {
        None
    };
    Ok(CompiledRegExp {
        regex,
        sticky,
        flags: parsed,
        has_named_groups: declares_named_group(pattern),
        may_backtrack_heavily: may_backtrack_heavily(pattern),
    })
}

/// [`compile`] on Rust strings.
pub fn compile_str(pattern: &str, flags: &str) -> Result<CompiledRegExp, RegExpError> {
    let p: Vec<u16> = pattern.encode_utf16().collect();
    let f: Vec<u16> = flags.encode_utf16().collect();
    compile(&p, &f)
}

impl CompiledRegExp {
    /// The parsed flags.
    pub fn flags(&self) -> RegExpFlags {
        self.flags
    }

    /// Whether a match may take time exponential in the subject's length (see
    /// `may_backtrack_heavily`): the engine cannot be interrupted, so such matches on long
    /// subjects are worth running where the caller can stop waiting for them.
    pub fn may_backtrack_heavily(&self) -> bool {
        self.may_backtrack_heavily
    }

    /// Whether the pattern has named groups, i.e. whether match results get a `groups` object
    /// (and GetSubstitution gets namedCaptures) rather than undefined.
    pub fn has_named_groups(&self) -> bool {
        self.has_named_groups
    }

    /// The matcher of RegExpBuiltinExec: the first match starting at or after `index` (exactly at
    /// `index` for a sticky expression), or `None`. `index` is a UTF-16 index; past the end there
    /// is no match. Without `u`/`v` the subject is matched as code units, with them as code points.
    pub fn exec_at(&self, text: &[u16], index: usize) -> Option<RegExpMatch> {
        if index > text.len() {
            return None;
        }
        let mut index = index;
        if self.flags.full_unicode()
            && index > 0
            && text
                .get(index)
                .is_some_and(|c| (0xDC00..=0xDFFF).contains(c))
            && (0xD800..=0xDBFF).contains(&text[index - 1])
        {
            // A start inside a surrogate pair means the code point that contains it (V8 does
            // the same), since code-point matching cannot begin at a trailing surrogate.
            index -= 1;
        }
        let regex = self.sticky.as_ref().unwrap_or(&self.regex);
        let mut m = if self.flags.full_unicode() {
            regex.find_from_utf16(text, index).next()
        } else {
            regex.find_from_ucs2(text, index).next()
        }?;
        if self.sticky.is_some() {
            // The fallback alternative matched: the pattern itself does not match at `index`.
            if m.captures.pop().flatten().is_some() {
                return None;
            }
        }
        // The engine has no anchored mode, so without the wrapped form a sticky expression
        // searches onwards and a later start means failure.
        if self.flags.sticky && m.range.start != index {
            return None;
        }
        let mut captures = Vec::with_capacity(m.captures.len() + 1);
        captures.push(Some(m.range.clone()));
        captures.extend(m.captures.iter().cloned());
        let named_groups = m
            .named_groups()
            .map(|(name, range)| (name.to_owned(), range))
            .collect();
        Some(RegExpMatch {
            captures,
            named_groups,
        })
    }
}

/// EscapeRegExpPattern (ES §22.2.6.13.1), for `RegExp.prototype.source` and `toString`: the
/// pattern in a form that reads back as the same literal, as V8 writes it. "/" outside classes and
/// line terminators are escaped, and the empty pattern becomes "(?:)".
pub fn escape_source(pattern: &[u16]) -> Vec<u16> {
    if pattern.is_empty() {
        return "(?:)".encode_utf16().collect();
    }
    let mut out = Vec::with_capacity(pattern.len() + 2);
    let mut escaped = false;
    let mut in_class = false;
    for &c in pattern {
        let letter_form: Option<&str> = match c {
            0x0A => Some("n"),
            0x0D => Some("r"),
            0x2028 => Some("u2028"),
            0x2029 => Some("u2029"),
            _ => None,
        };
        if let Some(form) = letter_form {
            // After a backslash only the letter is needed; otherwise add the backslash too.
            if !escaped {
                out.push(0x5C);
            }
            out.extend(form.encode_utf16());
            escaped = false;
            continue;
        }
        if escaped {
            out.push(c);
            escaped = false;
            continue;
        }
        match c {
            0x5C => escaped = true,
            0x5B => in_class = true,
            0x5D => in_class = false,
            0x2F if !in_class => out.push(0x5C),
            _ => {}
        }
        out.push(c);
    }
    out
}

/// AdvanceStringIndex(S, index, unicode) (ES §22.2.7.3): the index after the code unit, or with
/// `unicode` after the code point, at `index`.
pub fn advance_string_index(s: &[u16], index: usize, unicode: bool) -> usize {
    if !unicode || index + 1 >= s.len() {
        return index + 1;
    }
    match crate::string::code_point_at(s, index) {
        Some((_, len)) => index + len,
        None => index + 1,
    }
}

/// The VM's access to namedCaptures for [`get_substitution`]: maps a group name to
/// `ToString(? Get(namedCaptures, name))`, or the empty string for undefined.
pub type NamedCaptureLookup<'a, E> = &'a mut dyn FnMut(&[u16]) -> Result<Vec<u16>, E>;

/// GetSubstitution (ES §22.1.3.19.1) for a template `replacement` applied to the match `matched`
/// found at `position` in `string`.
///
/// `captures[i]` is capture i+1 (`None` for undefined). `named_capture` is `None` when
/// namedCaptures is undefined; otherwise it is called with a group name and returns the
/// replacement text: the VM does `ToString(? Get(namedCaptures, groupName))`, or the empty string
/// for undefined, and may fail with its own error type `E`.
pub fn get_substitution<E>(
    matched: &[u16],
    string: &[u16],
    position: usize,
    captures: &[Option<Vec<u16>>],
    mut named_capture: Option<NamedCaptureLookup<'_, E>>,
    replacement: &[u16],
) -> Result<Vec<u16>, E> {
    const DOLLAR: u16 = 0x24;
    let is_digit = |c: Option<&u16>| c.is_some_and(|c| (0x30..=0x39).contains(c));
    let string_length = string.len();
    let position = position.min(string_length);
    let mut result = Vec::with_capacity(replacement.len());
    let mut i = 0;
    while i < replacement.len() {
        let rest = &replacement[i..];
        if rest[0] != DOLLAR || rest.len() == 1 {
            // b. The template remainder does not start with a "$" reference.
            result.push(rest[0]);
            i += 1;
            continue;
        }
        match rest[1] {
            // "$$" is a literal "$".
            0x24 => {
                result.push(DOLLAR);
                i += 2;
            }
            // "$&" is the matched substring.
            0x26 => {
                result.extend_from_slice(matched);
                i += 2;
            }
            // "$`" is the part of the string before the match.
            0x60 => {
                result.extend_from_slice(&string[..position]);
                i += 2;
            }
            // "$'" is the part after the match.
            0x27 => {
                let tail = (position + matched.len()).min(string_length);
                result.extend_from_slice(&string[tail..]);
                i += 2;
            }
            // "$" followed by one or two digits.
            0x30..=0x39 => {
                let mut digit_count = if is_digit(rest.get(2)) { 2 } else { 1 };
                let digit = |k: usize| usize::from(rest[k] - 0x30);
                let mut index = if digit_count == 2 {
                    digit(1) * 10 + digit(2)
                } else {
                    digit(1)
                };
                let capture_len = captures.len();
                // vi. A two-digit reference past the groups is a one-digit one plus a literal digit.
                if index > capture_len && digit_count == 2 {
                    digit_count = 1;
                    index = digit(1);
                }
                let ref_len = 1 + digit_count;
                if (1..=capture_len).contains(&index) {
                    if let Some(Some(capture)) = captures.get(index - 1) {
                        result.extend_from_slice(capture);
                    }
                } else {
                    result.extend_from_slice(&rest[..ref_len]);
                }
                i += ref_len;
            }
            // "$<name>" is a named group.
            0x3C => {
                let gt = rest.iter().position(|&c| c == 0x3E);
                match (gt, named_capture.as_mut()) {
                    (Some(gt), Some(lookup)) => {
                        let name = &rest[2..gt];
                        result.extend(lookup(name)?);
                        i += gt + 1;
                    }
                    _ => {
                        result.extend_from_slice(&rest[..2]);
                        i += 2;
                    }
                }
            }
            _ => {
                result.push(DOLLAR);
                i += 1;
            }
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests;
