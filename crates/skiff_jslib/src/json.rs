//! JSON (ES §25.5): string quoting for `JSON.stringify` and a parser for `JSON.parse`.
//!
//! The parser turns UTF-16 source text into a small owned tree ([`JsonValue`]); the VM builds heap
//! objects from it and applies the reviver. It never recurses: nesting is tracked on an explicit
//! stack, and dropping a deep tree is iterative too, so `[[[[…]]]]` of any depth is safe.
//! Error messages are V8's (node v20) texts, positions counted in UTF-16 code units.

use crate::number::to_js_string;

/// A parsed JSON value. Strings are UTF-16 because JSON text may spell lone surrogates
/// (`"\ud800"`), which a Rust `String` cannot hold.
///
/// Objects keep their members in source order, duplicates included; creating the properties one
/// after another with CreateDataProperty gives the JS result (the last value wins, at the position
/// of the first occurrence).
///
/// `JsonValue` implements `Drop` to free deep trees without recursion, so its fields cannot be
/// moved out by a `match` on a value; use `std::mem::take` on the field instead (the default value
/// is `Null`).
#[derive(Debug, PartialEq, Default)]
pub enum JsonValue {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(Vec<u16>),
    Array(Vec<JsonValue>),
    Object(Vec<(Vec<u16>, JsonValue)>),
}

impl Drop for JsonValue {
    fn drop(&mut self) {
        // Move the children of containers onto a heap stack, so each value dropped by the compiler
        // is a leaf or an emptied container and the recursion depth stays at one.
        let mut stack: Vec<JsonValue> = Vec::new();
        match self {
            JsonValue::Array(items) if !items.is_empty() => stack.append(items),
            JsonValue::Object(members) if !members.is_empty() => {
                stack.extend(members.drain(..).map(|(_, v)| v));
            }
            _ => return,
        }
        while let Some(mut value) = stack.pop() {
            match &mut value {
                JsonValue::Array(items) => stack.append(items),
                JsonValue::Object(members) => stack.extend(members.drain(..).map(|(_, v)| v)),
                _ => {}
            }
        }
    }
}

/// A `JSON.parse` SyntaxError: the message text as V8 words it, and the offending position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    message: Vec<u16>,
    /// UTF-16 index of the offending code unit (the source length at the end of input).
    pub position: usize,
}

impl JsonError {
    /// The message as UTF-16; it may quote the source, lone surrogates included.
    pub fn message_utf16(&self) -> &[u16] {
        &self.message
    }

    /// The message as a Rust string (lone surrogates become U+FFFD).
    pub fn message(&self) -> String {
        String::from_utf16_lossy(&self.message)
    }
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for JsonError {}

/// QuoteJSONString (ES §25.5.2.3): wraps `s` in double quotes and escapes it. Control characters
/// and lone surrogates are written as `\uXXXX` with lower-case hex digits.
pub fn quote_json_string(s: &[u16]) -> Vec<u16> {
    let mut out = Vec::with_capacity(s.len() + 2);
    quote_json_string_into(s, &mut out);
    out
}

/// [`quote_json_string`] appending to an existing buffer, for `JSON.stringify`'s output.
pub fn quote_json_string_into(s: &[u16], out: &mut Vec<u16>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(u16::from(b'"'));
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let escape = match c {
            0x08 => Some(b'b'),
            0x09 => Some(b't'),
            0x0A => Some(b'n'),
            0x0C => Some(b'f'),
            0x0D => Some(b'r'),
            0x22 => Some(b'"'),
            0x5C => Some(b'\\'),
            _ => None,
        };
        if let Some(e) = escape {
            out.push(u16::from(b'\\'));
            out.push(u16::from(e));
            i += 1;
            continue;
        }
        let is_high = (0xD800..=0xDBFF).contains(&c);
        let is_low = (0xDC00..=0xDFFF).contains(&c);
        if is_high && s.get(i + 1).is_some_and(|n| (0xDC00..=0xDFFF).contains(n)) {
            // A well-formed pair is copied as is.
            out.push(c);
            out.push(s[i + 1]);
            i += 2;
            continue;
        }
        if c < 0x20 || is_high || is_low {
            // UnicodeEscape(C).
            out.extend([u16::from(b'\\'), u16::from(b'u')]);
            for shift in [12, 8, 4, 0] {
                out.push(u16::from(HEX[usize::from((c >> shift) & 0xF)]));
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out.push(u16::from(b'"'));
}

/// SerializeJSONProperty's number case: finite numbers as ToString, everything else "null".
pub fn number_to_json(x: f64) -> String {
    if x.is_finite() {
        to_js_string(x)
    } else {
        "null".to_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// The specific V8 messages, each followed by " at position N".
#[derive(Clone, Copy)]
enum Expected {
    PropNameOrRBrace,
    DoubleQuotedPropertyName,
    ColonAfterPropertyName,
    CommaOrRBrack,
    CommaOrRBrace,
    UnterminatedString,
    BadControlCharacter,
    BadUnicodeEscape,
    BadEscapedCharacter,
    NoNumberAfterMinusSign,
    ExponentPartMissingNumber,
    UnterminatedFractionalNumber,
    NonWhitespaceAfterJson,
}

impl Expected {
    fn text(self) -> &'static str {
        match self {
            Expected::PropNameOrRBrace => "Expected property name or '}' in JSON",
            Expected::DoubleQuotedPropertyName => "Expected double-quoted property name in JSON",
            Expected::ColonAfterPropertyName => "Expected ':' after property name in JSON",
            Expected::CommaOrRBrack => "Expected ',' or ']' after array element in JSON",
            Expected::CommaOrRBrace => "Expected ',' or '}' after property value in JSON",
            Expected::UnterminatedString => "Unterminated string in JSON",
            Expected::BadControlCharacter => "Bad control character in string literal in JSON",
            Expected::BadUnicodeEscape => "Bad Unicode escape in JSON",
            Expected::BadEscapedCharacter => "Bad escaped character in JSON",
            Expected::NoNumberAfterMinusSign => "No number after minus sign in JSON",
            Expected::ExponentPartMissingNumber => "Exponent part is missing a number in JSON",
            Expected::UnterminatedFractionalNumber => "Unterminated fractional number in JSON",
            Expected::NonWhitespaceAfterJson => "Unexpected non-whitespace character after JSON",
        }
    }
}

/// An open container on the parser's explicit stack.
enum Frame {
    Array(Vec<JsonValue>),
    /// The members so far and the key whose value is being parsed.
    Object(Vec<(Vec<u16>, JsonValue)>, Vec<u16>),
}

struct Parser<'a> {
    src: &'a [u16],
    pos: usize,
}

fn u(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// V8's context window around an unexpected token: 10 code units either side.
const MAX_CONTEXT: usize = 10;

impl Parser<'_> {
    fn peek(&self) -> Option<u16> {
        self.src.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(c) = self.peek() {
            if matches!(c, 0x20 | 0x09 | 0x0A | 0x0D) {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn error(&self, expected: Expected, position: usize) -> JsonError {
        JsonError {
            message: u(&format!("{} at position {position}", expected.text())),
            position,
        }
    }

    /// V8's ReportUnexpectedToken without a specific message: the wording depends on the class of
    /// the code unit at `position`.
    fn unexpected_at(&self, position: usize) -> JsonError {
        let Some(&c) = self.src.get(position) else {
            return JsonError {
                message: u("Unexpected end of JSON input"),
                position,
            };
        };
        if c == u16::from(b'"') {
            return JsonError {
                message: u(&format!("Unexpected string in JSON at position {position}")),
                position,
            };
        }
        if c == u16::from(b'-') || (0x30..=0x39).contains(&c) {
            return JsonError {
                message: u(&format!("Unexpected number in JSON at position {position}")),
                position,
            };
        }
        let src = self.src;
        let mut message = Vec::new();
        if ["[object Object]", "undefined", "Infinity", "NaN"]
            .iter()
            .any(|s| u(s) == src)
        {
            message.push(u16::from(b'"'));
            message.extend_from_slice(src);
            message.extend(u("\" is not valid JSON"));
            return JsonError { message, position };
        }
        message.extend(u("Unexpected token '"));
        message.push(c);
        message.extend(u("', "));
        let len = src.len();
        if len < 2 * MAX_CONTEXT + 1 {
            message.push(u16::from(b'"'));
            message.extend_from_slice(src);
            message.push(u16::from(b'"'));
        } else if position < MAX_CONTEXT {
            message.push(u16::from(b'"'));
            message.extend_from_slice(&src[..position + MAX_CONTEXT]);
            message.extend(u("\"..."));
        } else if position < len - MAX_CONTEXT {
            message.extend(u("...\""));
            message.extend_from_slice(&src[position - MAX_CONTEXT..position + MAX_CONTEXT]);
            message.extend(u("\"..."));
        } else {
            message.extend(u("...\""));
            message.extend_from_slice(&src[position - MAX_CONTEXT..]);
            message.push(u16::from(b'"'));
        }
        message.extend(u(" is not valid JSON"));
        JsonError { message, position }
    }

    /// Checks the rest of a `true`/`false`/`null` literal whose first letter is at `self.pos`.
    fn scan_literal(&mut self, word: &str) -> Result<(), JsonError> {
        for (i, expected) in word.bytes().enumerate().skip(1) {
            let at = self.pos + i;
            match self.src.get(at) {
                Some(&c) if c == u16::from(expected) => {}
                _ => return Err(self.unexpected_at(at)),
            }
        }
        self.pos += word.len();
        Ok(())
    }

    /// Parses a number starting at `self.pos` (a '-' or a digit).
    fn parse_number(&mut self) -> Result<f64, JsonError> {
        let start = self.pos;
        let digit_at = |p: usize| self.src.get(p).is_some_and(|c| (0x30..=0x39).contains(c));
        let mut p = start;
        if self.src.get(p) == Some(&u16::from(b'-')) {
            p += 1;
            if !digit_at(p) {
                return Err(self.error(Expected::NoNumberAfterMinusSign, p));
            }
        }
        if self.src.get(p) == Some(&u16::from(b'0')) {
            p += 1;
            // A leading zero may not be followed by more digits.
            if digit_at(p) {
                return Err(self.unexpected_at(p));
            }
        } else {
            while digit_at(p) {
                p += 1;
            }
        }
        if self.src.get(p) == Some(&u16::from(b'.')) {
            p += 1;
            if !digit_at(p) {
                return Err(self.error(Expected::UnterminatedFractionalNumber, p));
            }
            while digit_at(p) {
                p += 1;
            }
        }
        if matches!(self.src.get(p), Some(&c) if c == u16::from(b'e') || c == u16::from(b'E')) {
            p += 1;
            if matches!(self.src.get(p), Some(&c) if c == u16::from(b'+') || c == u16::from(b'-')) {
                p += 1;
            }
            if !digit_at(p) {
                return Err(self.error(Expected::ExponentPartMissingNumber, p));
            }
            while digit_at(p) {
                p += 1;
            }
        }
        self.pos = p;
        // Every unit in start..p is ASCII, so the narrowing is exact.
        let text: String = self.src[start..p]
            .iter()
            .map(|&c| char::from(c as u8))
            .collect();
        Ok(text.parse::<f64>().unwrap_or(f64::NAN))
    }

    /// Parses a string whose opening quote is at `self.pos`.
    fn parse_string(&mut self) -> Result<Vec<u16>, JsonError> {
        let mut out = Vec::new();
        let mut p = self.pos + 1;
        loop {
            let Some(&c) = self.src.get(p) else {
                return Err(self.error(Expected::UnterminatedString, p));
            };
            match c {
                0x22 => {
                    self.pos = p + 1;
                    return Ok(out);
                }
                0x5C => {
                    p += 1;
                    let Some(&e) = self.src.get(p) else {
                        return Err(self.unexpected_at(p));
                    };
                    let unit = match e {
                        0x22 => 0x22,
                        0x5C => 0x5C,
                        0x2F => 0x2F,
                        0x62 => 0x08,
                        0x66 => 0x0C,
                        0x6E => 0x0A,
                        0x72 => 0x0D,
                        0x74 => 0x09,
                        0x75 => {
                            let mut v: u16 = 0;
                            for i in 1..=4 {
                                let digit = self
                                    .src
                                    .get(p + i)
                                    .and_then(|&h| char::from_u32(u32::from(h))?.to_digit(16));
                                match digit {
                                    Some(d) => v = v << 4 | d as u16,
                                    None => {
                                        return Err(self.error(Expected::BadUnicodeEscape, p + i))
                                    }
                                }
                            }
                            p += 4;
                            v
                        }
                        // V8 classifies escapes through a one-byte table, so a character above
                        // U+00FF after a backslash is reported as an unexpected token.
                        _ if e > 0xFF => return Err(self.unexpected_at(p)),
                        _ => return Err(self.error(Expected::BadEscapedCharacter, p)),
                    };
                    out.push(unit);
                    p += 1;
                }
                _ if c < 0x20 => return Err(self.error(Expected::BadControlCharacter, p)),
                _ => {
                    out.push(c);
                    p += 1;
                }
            }
        }
    }

    /// Parses the value at the current position (after white space). Containers are not parsed
    /// here: an opening bracket is returned as a new frame for the caller's stack.
    fn parse_value(&mut self) -> Result<Result<JsonValue, Frame>, JsonError> {
        self.skip_whitespace();
        let Some(c) = self.peek() else {
            return Err(self.unexpected_at(self.pos));
        };
        let value = match c {
            0x22 => JsonValue::String(self.parse_string()?),
            0x2D | 0x30..=0x39 => JsonValue::Number(self.parse_number()?),
            0x5B => {
                self.pos += 1;
                return Ok(Err(Frame::Array(Vec::new())));
            }
            0x7B => {
                self.pos += 1;
                return Ok(Err(Frame::Object(Vec::new(), Vec::new())));
            }
            0x74 => {
                self.scan_literal("true")?;
                JsonValue::Bool(true)
            }
            0x66 => {
                self.scan_literal("false")?;
                JsonValue::Bool(false)
            }
            0x6E => {
                self.scan_literal("null")?;
                JsonValue::Null
            }
            _ => return Err(self.unexpected_at(self.pos)),
        };
        Ok(Ok(value))
    }

    /// After '{' or ',' in an object: expects a property name and its colon. `first` selects V8's
    /// wording, which differs between the first and later members.
    fn parse_property_key(&mut self, first: bool) -> Result<Vec<u16>, JsonError> {
        self.skip_whitespace();
        if self.peek() != Some(u16::from(b'"')) {
            let expected = if first {
                Expected::PropNameOrRBrace
            } else {
                Expected::DoubleQuotedPropertyName
            };
            return Err(self.error(expected, self.pos));
        }
        let key = self.parse_string()?;
        self.skip_whitespace();
        if self.peek() != Some(u16::from(b':')) {
            return Err(if first {
                self.error(Expected::ColonAfterPropertyName, self.pos)
            } else {
                self.unexpected_at(self.pos)
            });
        }
        self.pos += 1;
        Ok(key)
    }

    fn parse(&mut self) -> Result<JsonValue, JsonError> {
        let mut stack: Vec<Frame> = Vec::new();
        // `next` is a value that is complete and must be stored into the innermost frame.
        let mut next = match self.parse_value()? {
            Ok(v) => Some(v),
            Err(frame) => {
                stack.push(frame);
                None
            }
        };
        // Either store the completed value, or start the contents of the newly opened frame.
        while let Some(top) = stack.last_mut() {
            match (top, next.take()) {
                // A frame is visited without a value only right after it was opened.
                (Frame::Array(_), None) => {
                    // "]" closes an empty array, else parse the first element.
                    self.skip_whitespace();
                    if self.peek() == Some(u16::from(b']')) {
                        self.pos += 1;
                        next = Some(JsonValue::Array(Vec::new()));
                        stack.pop();
                        continue;
                    }
                }
                (Frame::Object(_, key), None) => {
                    self.skip_whitespace();
                    if self.peek() == Some(u16::from(b'}')) {
                        self.pos += 1;
                        next = Some(JsonValue::Object(Vec::new()));
                        stack.pop();
                        continue;
                    }
                    *key = self.parse_property_key(true)?;
                }
                (Frame::Array(items), Some(value)) => {
                    items.push(value);
                    self.skip_whitespace();
                    match self.peek() {
                        Some(0x2C) => self.pos += 1,
                        Some(0x5D) => {
                            self.pos += 1;
                            let items = std::mem::take(items);
                            stack.pop();
                            next = Some(JsonValue::Array(items));
                            continue;
                        }
                        _ => return Err(self.error(Expected::CommaOrRBrack, self.pos)),
                    }
                }
                (Frame::Object(members, key), Some(value)) => {
                    members.push((std::mem::take(key), value));
                    self.skip_whitespace();
                    match self.peek() {
                        Some(0x2C) => {
                            self.pos += 1;
                            *key = self.parse_property_key(false)?;
                        }
                        Some(0x7D) => {
                            self.pos += 1;
                            let members = std::mem::take(members);
                            stack.pop();
                            next = Some(JsonValue::Object(members));
                            continue;
                        }
                        _ => return Err(self.error(Expected::CommaOrRBrace, self.pos)),
                    }
                }
            }
            // Parse the next element or member value.
            match self.parse_value()? {
                Ok(v) => next = Some(v),
                Err(frame) => stack.push(frame),
            }
        }
        self.skip_whitespace();
        if self.pos < self.src.len() {
            return Err(self.error(Expected::NonWhitespaceAfterJson, self.pos));
        }
        Ok(next.unwrap_or_default())
    }
}

/// Parses JSON text (the `text` argument of `JSON.parse` after ToString).
pub fn parse(text: &[u16]) -> Result<JsonValue, JsonError> {
    Parser { src: text, pos: 0 }.parse()
}

/// [`parse`] on a Rust string.
pub fn parse_str(text: &str) -> Result<JsonValue, JsonError> {
    parse(&u(text))
}

#[cfg(test)]
mod tests;
