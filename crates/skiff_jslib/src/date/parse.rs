//! `Date.parse` (ES §21.4.3.2).
//!
//! The spec requires the Date Time String Format (§21.4.1.32) and the strings that `toString` and
//! `toUTCString` produce, and leaves everything else implementation-defined. Users expect what
//! node accepts, so this is a port of V8's `DateParser`: an ES5 ISO parser, falling back to V8's
//! legacy tokenizer-based parser for the remaining input ("Mar 5, 2024 10:00 PM", "3/5/2024",
//! "Tue, 05 Mar 2024 10:00:00 GMT", ...).

use super::{make_date, make_day, make_time, time_clip, utc, Zone, MAX_TIME, MS_PER_DAY};
use crate::string::is_trim_char;

/// V8's "no value" marker.
const NONE: i32 = i32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeywordType {
    MonthName,
    AmPm,
    TimeZoneName,
    TimeSeparator,
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// A run of digits: its value (first nine significant digits) and its length in code units.
    Number {
        value: i32,
        length: usize,
    },
    Symbol(u16),
    WhiteSpace,
    Keyword {
        kind: KeywordType,
        value: i32,
        length: usize,
    },
    Unknown,
    EndOfInput,
    Invalid,
}

impl Token {
    fn is_number(&self) -> bool {
        matches!(self, Token::Number { .. })
    }

    fn is_fixed_length_number(&self, n: usize) -> bool {
        matches!(self, Token::Number { length, .. } if *length == n)
    }

    fn number(&self) -> i32 {
        match self {
            Token::Number { value, .. } => *value,
            _ => 0,
        }
    }

    fn is_symbol(&self, c: u8) -> bool {
        *self == Token::Symbol(u16::from(c))
    }

    fn ascii_sign(&self) -> Option<i32> {
        match self {
            Token::Symbol(0x2B) => Some(1),
            Token::Symbol(0x2D) => Some(-1),
            _ => None,
        }
    }

    fn is_keyword_type(&self, kind: KeywordType) -> bool {
        matches!(self, Token::Keyword { kind: k, .. } if *k == kind)
    }

    fn is_keyword_z(&self) -> bool {
        matches!(
            self,
            Token::Keyword {
                kind: KeywordType::TimeZoneName,
                value: 0,
                length: 1
            }
        )
    }
}

/// Keywords by their first three (lower-cased) letters; only month names may be longer.
const KEYWORDS: &[(&[u8; 3], KeywordType, i32)] = &[
    (b"jan", KeywordType::MonthName, 1),
    (b"feb", KeywordType::MonthName, 2),
    (b"mar", KeywordType::MonthName, 3),
    (b"apr", KeywordType::MonthName, 4),
    (b"may", KeywordType::MonthName, 5),
    (b"jun", KeywordType::MonthName, 6),
    (b"jul", KeywordType::MonthName, 7),
    (b"aug", KeywordType::MonthName, 8),
    (b"sep", KeywordType::MonthName, 9),
    (b"oct", KeywordType::MonthName, 10),
    (b"nov", KeywordType::MonthName, 11),
    (b"dec", KeywordType::MonthName, 12),
    (b"am\0", KeywordType::AmPm, 0),
    (b"pm\0", KeywordType::AmPm, 12),
    (b"ut\0", KeywordType::TimeZoneName, 0),
    (b"utc", KeywordType::TimeZoneName, 0),
    (b"z\0\0", KeywordType::TimeZoneName, 0),
    (b"gmt", KeywordType::TimeZoneName, 0),
    (b"cdt", KeywordType::TimeZoneName, -5),
    (b"cst", KeywordType::TimeZoneName, -6),
    (b"edt", KeywordType::TimeZoneName, -4),
    (b"est", KeywordType::TimeZoneName, -5),
    (b"mdt", KeywordType::TimeZoneName, -6),
    (b"mst", KeywordType::TimeZoneName, -7),
    (b"pdt", KeywordType::TimeZoneName, -7),
    (b"pst", KeywordType::TimeZoneName, -8),
    (b"t\0\0", KeywordType::TimeSeparator, 0),
];

fn lookup_keyword(prefix: [u32; 3], length: usize) -> (KeywordType, i32) {
    for (word, kind, value) in KEYWORDS {
        let same = word.iter().zip(prefix).all(|(&w, p)| u32::from(w) == p);
        if same && (length <= 3 || *kind == KeywordType::MonthName) {
            return (*kind, *value);
        }
    }
    (KeywordType::Invalid, 0)
}

/// V8's DateStringTokenizer with one token of lookahead.
struct Tokenizer<'a> {
    s: &'a [u16],
    pos: usize,
    next: Token,
}

impl<'a> Tokenizer<'a> {
    fn new(s: &'a [u16]) -> Self {
        let mut t = Tokenizer {
            s,
            pos: 0,
            next: Token::EndOfInput,
        };
        t.next = t.scan();
        t
    }

    fn ch(&self) -> u16 {
        self.s.get(self.pos).copied().unwrap_or(0)
    }

    fn scan(&mut self) -> Token {
        let start = self.pos;
        if self.pos >= self.s.len() {
            return Token::EndOfInput;
        }
        let c = self.ch();
        if (0x30..=0x39).contains(&c) {
            // ReadUnsignedNumeral: skip leading zeros, keep nine significant digits.
            while self.ch() == 0x30 {
                self.pos += 1;
            }
            let mut value: i32 = 0;
            let mut digits = 0;
            while (0x30..=0x39).contains(&self.ch()) {
                if digits < 9 {
                    value = value * 10 + i32::from(self.ch() - 0x30);
                }
                digits += 1;
                self.pos += 1;
            }
            return Token::Number {
                value,
                length: self.pos - start,
            };
        }
        if matches!(c, 0x3A | 0x2D | 0x2B | 0x2E | 0x29) {
            self.pos += 1;
            return Token::Symbol(c);
        }
        let is_space = |c: u16| is_trim_char(u32::from(c));
        if c >= 0x41 && !is_space(c) {
            // ReadWord: letters (and anything above 'A'), remembering the first three lower-cased.
            let mut prefix = [0u32; 3];
            let mut length = 0;
            while self.pos < self.s.len() && self.ch() >= 0x41 && !is_space(self.ch()) {
                let ch = self.ch();
                if length < 3 {
                    prefix[length] = u32::from(if (0x41..=0x5A).contains(&ch) {
                        ch + 0x20
                    } else {
                        ch
                    });
                }
                length += 1;
                self.pos += 1;
            }
            let (kind, value) = lookup_keyword(prefix, length);
            return Token::Keyword {
                kind,
                value,
                length,
            };
        }
        if is_space(c) {
            self.pos += 1;
            return Token::WhiteSpace;
        }
        if c == 0x28 {
            // SkipParentheses: a balanced (possibly nested) comment.
            let mut balance = 0;
            loop {
                match self.ch() {
                    0x29 => balance -= 1,
                    0x28 => balance += 1,
                    _ => {}
                }
                self.pos += 1;
                if balance <= 0 || self.pos >= self.s.len() {
                    break;
                }
            }
            return Token::Unknown;
        }
        self.pos += 1;
        Token::Unknown
    }

    fn next(&mut self) -> Token {
        let t = self.next;
        self.next = self.scan();
        t
    }

    fn peek(&self) -> Token {
        self.next
    }

    fn skip_symbol(&mut self, c: u8) -> bool {
        if self.next.is_symbol(c) {
            self.next();
            true
        } else {
            false
        }
    }
}

fn between(x: i32, lo: i32, hi: i32) -> bool {
    (lo..=hi).contains(&x)
}

fn is_month(x: i32) -> bool {
    between(x, 1, 12)
}

fn is_day(x: i32) -> bool {
    between(x, 1, 31)
}

fn is_hour(x: i32) -> bool {
    between(x, 0, 23)
}

fn is_minute(x: i32) -> bool {
    between(x, 0, 59)
}

#[derive(Default)]
struct DayComposer {
    comp: [i32; 3],
    index: usize,
    named_month: Option<i32>,
    is_iso_date: bool,
}

impl DayComposer {
    fn is_empty(&self) -> bool {
        self.index == 0
    }

    fn add(&mut self, n: i32) -> bool {
        if self.index == 3 {
            return false;
        }
        self.comp[self.index] = n;
        self.index += 1;
        true
    }

    /// (year, month 0..=11, day).
    fn write(&mut self) -> Option<(i32, i32, i32)> {
        if self.index < 1 {
            return None;
        }
        // Day and month default to 1.
        while self.index < 3 {
            self.comp[self.index] = 1;
            self.index += 1;
        }
        let (mut year, month, day);
        match self.named_month {
            None => {
                if self.is_iso_date || !is_day(self.comp[0]) {
                    (year, month, day) = (self.comp[0], self.comp[1], self.comp[2]);
                } else {
                    (month, day, year) = (self.comp[0], self.comp[1], self.comp[2]);
                }
            }
            Some(named) => {
                month = named;
                if !is_day(self.comp[0]) {
                    (year, day) = (self.comp[0], self.comp[1]);
                } else {
                    (day, year) = (self.comp[0], self.comp[1]);
                }
            }
        }
        if !self.is_iso_date {
            if between(year, 0, 49) {
                year += 2000;
            } else if between(year, 50, 99) {
                year += 1900;
            }
        }
        if !is_month(month) || !is_day(day) {
            return None;
        }
        Some((year, month - 1, day))
    }
}

struct TimeComposer {
    comp: [i32; 4],
    index: usize,
    hour_offset: i32,
}

impl TimeComposer {
    fn is_empty(&self) -> bool {
        self.index == 0
    }

    fn is_expecting(&self, n: i32) -> bool {
        (self.index == 1 && is_minute(n))
            || (self.index == 2 && is_minute(n))
            || (self.index == 3 && between(n, 0, 999))
    }

    fn add(&mut self, n: i32) -> bool {
        if self.index < 4 {
            self.comp[self.index] = n;
            self.index += 1;
            true
        } else {
            false
        }
    }

    fn add_final(&mut self, n: i32) -> bool {
        if !self.add(n) {
            return false;
        }
        while self.index < 4 {
            self.comp[self.index] = 0;
            self.index += 1;
        }
        true
    }

    /// (hour, minute, second, millisecond).
    fn write(&mut self) -> Option<[i32; 4]> {
        while self.index < 4 {
            self.comp[self.index] = 0;
            self.index += 1;
        }
        let [mut hour, minute, second, ms] = self.comp;
        if self.hour_offset != NONE {
            if !between(hour, 0, 12) {
                return None;
            }
            hour %= 12;
            hour += self.hour_offset;
        }
        let ok = is_hour(hour) && is_minute(minute) && is_minute(second) && between(ms, 0, 999);
        // A 24th hour is allowed if minutes, seconds and milliseconds are 0.
        if !ok && (hour != 24 || minute != 0 || second != 0 || ms != 0) {
            return None;
        }
        Some([hour, minute, second, ms])
    }
}

struct TimeZoneComposer {
    sign: i32,
    hour: i32,
    minute: i32,
}

impl TimeZoneComposer {
    fn set(&mut self, offset_hours: i32) {
        self.sign = if offset_hours < 0 { -1 } else { 1 };
        self.hour = offset_hours * self.sign;
        self.minute = 0;
    }

    fn set_sign(&mut self, sign: i32) {
        self.sign = if sign < 0 { -1 } else { 1 };
    }

    fn is_expecting(&self, n: i32) -> bool {
        self.hour != NONE && self.minute == NONE && is_minute(n)
    }

    fn is_utc(&self) -> bool {
        self.hour == 0 && self.minute == 0
    }

    fn is_empty(&self) -> bool {
        self.hour == NONE
    }

    /// The UTC offset in seconds, or `None` for local time.
    fn write(&mut self) -> Option<Option<i64>> {
        if self.sign == NONE {
            return Some(None);
        }
        let hour = if self.hour == NONE {
            0
        } else {
            i64::from(self.hour)
        };
        let minute = if self.minute == NONE {
            0
        } else {
            i64::from(self.minute)
        };
        let total = hour * 3600 + minute * 60;
        if total > i64::from(i32::MAX >> 1) {
            return None;
        }
        Some(Some(if self.sign < 0 { -total } else { total }))
    }
}

/// ReadMilliseconds: the first three significant digits of a fraction, from its value and length.
fn read_milliseconds(token: Token) -> i32 {
    let Token::Number { value, length } = token else {
        return 0;
    };
    match length {
        1 => value * 100,
        2 => value * 10,
        3 => value,
        _ => {
            let mut length = length.min(9);
            let mut factor = 1;
            while length > 3 {
                factor *= 10;
                length -= 1;
            }
            value / factor
        }
    }
}

/// ParseES5DateTime: the ISO format. Returns the first token it did not handle (EndOfInput when
/// the whole string was ISO, Invalid when the string is malformed beyond rescue).
fn parse_es5(
    scanner: &mut Tokenizer<'_>,
    day: &mut DayComposer,
    time: &mut TimeComposer,
    tz: &mut TimeZoneComposer,
) -> Token {
    // Mandatory date: [('-'|'+')yy]yyyy['-'MM['-'DD]].
    if let Some(sign) = scanner.peek().ascii_sign() {
        let sign_token = scanner.next();
        if !scanner.peek().is_fixed_length_number(6) {
            return sign_token;
        }
        let year = scanner.next().number();
        if sign < 0 && year == 0 {
            return sign_token;
        }
        day.add(sign * year);
    } else if scanner.peek().is_fixed_length_number(4) {
        day.add(scanner.next().number());
    } else {
        return scanner.next();
    }
    if scanner.skip_symbol(b'-') {
        if !scanner.peek().is_fixed_length_number(2) || !is_month(scanner.peek().number()) {
            return scanner.next();
        }
        day.add(scanner.next().number());
        if scanner.skip_symbol(b'-') {
            if !scanner.peek().is_fixed_length_number(2) || !is_day(scanner.peek().number()) {
                return scanner.next();
            }
            day.add(scanner.next().number());
        }
    }
    // Optional time: 'T'HH':'mm[':'ss['.'sss]][Z|(+|-)hh:mm].
    if !scanner.peek().is_keyword_type(KeywordType::TimeSeparator) {
        if scanner.peek() != Token::EndOfInput {
            return scanner.next();
        }
    } else {
        scanner.next();
        if !scanner.peek().is_fixed_length_number(2) || !between(scanner.peek().number(), 0, 24) {
            return Token::Invalid;
        }
        // Allow 24:00[:00[.000]], but no other time starting with 24.
        let hour_is_24 = scanner.peek().number() == 24;
        time.add(scanner.next().number());
        if !scanner.skip_symbol(b':') {
            return Token::Invalid;
        }
        if !scanner.peek().is_fixed_length_number(2)
            || !is_minute(scanner.peek().number())
            || (hour_is_24 && scanner.peek().number() > 0)
        {
            return Token::Invalid;
        }
        time.add(scanner.next().number());
        if scanner.skip_symbol(b':') {
            if !scanner.peek().is_fixed_length_number(2)
                || !is_minute(scanner.peek().number())
                || (hour_is_24 && scanner.peek().number() > 0)
            {
                return Token::Invalid;
            }
            time.add(scanner.next().number());
            if scanner.skip_symbol(b'.') {
                if !scanner.peek().is_number() || (hour_is_24 && scanner.peek().number() > 0) {
                    return Token::Invalid;
                }
                // More or fewer than the mandated three digits are allowed.
                time.add(read_milliseconds(scanner.next()));
            }
        }
        if scanner.peek().is_keyword_z() {
            scanner.next();
            tz.set(0);
        } else if let Some(sign) = scanner.peek().ascii_sign() {
            scanner.next();
            tz.set_sign(sign);
            if scanner.peek().is_fixed_length_number(4) {
                // The hhmm extension.
                let hourmin = scanner.next().number();
                let (hour, min) = (hourmin / 100, hourmin % 100);
                if !is_hour(hour) || !is_minute(min) {
                    return Token::Invalid;
                }
                tz.hour = hour;
                tz.minute = min;
            } else {
                if !scanner.peek().is_fixed_length_number(2) || !is_hour(scanner.peek().number()) {
                    return Token::Invalid;
                }
                tz.hour = scanner.next().number();
                if !scanner.skip_symbol(b':') {
                    return Token::Invalid;
                }
                if !scanner.peek().is_fixed_length_number(2) || !is_minute(scanner.peek().number())
                {
                    return Token::Invalid;
                }
                tz.minute = scanner.next().number();
            }
        }
        if scanner.peek() != Token::EndOfInput {
            return Token::Invalid;
        }
    }
    // Date-only forms are UTC, date-time forms without an offset are local time.
    if tz.is_empty() && time.is_empty() {
        tz.set(0);
    }
    day.is_iso_date = true;
    Token::EndOfInput
}

/// The date fields V8's parser produces: (year, month, day), (h, m, s, ms) and an optional UTC
/// offset in seconds.
type Parsed = ((i32, i32, i32), [i32; 4], Option<i64>);

fn parse_fields(s: &[u16]) -> Option<Parsed> {
    let mut scanner = Tokenizer::new(s);
    let mut day = DayComposer::default();
    let mut time = TimeComposer {
        comp: [0; 4],
        index: 0,
        hour_offset: NONE,
    };
    let mut tz = TimeZoneComposer {
        sign: NONE,
        hour: NONE,
        minute: NONE,
    };
    let next_unhandled = parse_es5(&mut scanner, &mut day, &mut time, &mut tz);
    if next_unhandled == Token::Invalid {
        return None;
    }
    let mut has_read_number = !day.is_empty();
    // Anything left goes through the legacy parser.
    let mut token = next_unhandled;
    while token != Token::EndOfInput {
        match token {
            Token::Number { value: n, .. } => {
                has_read_number = true;
                if scanner.skip_symbol(b':') {
                    if scanner.skip_symbol(b':') {
                        // n + "::"
                        if !time.is_empty() {
                            return None;
                        }
                        time.add(n);
                        time.add(0);
                    } else {
                        // n + ":"
                        if !time.add(n) {
                            return None;
                        }
                        if scanner.peek().is_symbol(b'.') {
                            scanner.next();
                        }
                    }
                } else if scanner.skip_symbol(b'.') && time.is_expecting(n) {
                    time.add(n);
                    if !scanner.peek().is_number() {
                        return None;
                    }
                    let ms = read_milliseconds(scanner.next());
                    if ms < 0 {
                        return None;
                    }
                    time.add_final(ms);
                } else if tz.is_expecting(n) {
                    tz.minute = n;
                } else if time.is_expecting(n) {
                    time.add_final(n);
                    // Require end, white space, "Z", "+" or "-" right after the time.
                    let peek = scanner.peek();
                    if peek != Token::EndOfInput
                        && peek != Token::WhiteSpace
                        && !peek.is_keyword_z()
                        && peek.ascii_sign().is_none()
                    {
                        return None;
                    }
                } else {
                    if !day.add(n) {
                        return None;
                    }
                    scanner.skip_symbol(b'-');
                }
            }
            Token::Keyword { kind, value, .. } => {
                if kind == KeywordType::AmPm && !time.is_empty() {
                    time.hour_offset = value;
                } else if kind == KeywordType::MonthName {
                    day.named_month = Some(value);
                    scanner.skip_symbol(b'-');
                } else if kind == KeywordType::TimeZoneName && has_read_number {
                    tz.set(value);
                } else {
                    // Garbage words are illegal once a number has been read, and must be
                    // separated from the first number.
                    if has_read_number || scanner.peek().is_number() {
                        return None;
                    }
                }
            }
            Token::Symbol(_)
                if token.ascii_sign().is_some() && (tz.is_utc() || !time.is_empty()) =>
            {
                // A UTC offset, only after "UTC"/"GMT" or a time.
                tz.set_sign(token.ascii_sign().unwrap_or(1));
                let (mut n, mut length) = (0, 0);
                if let Token::Number { value, length: l } = scanner.peek() {
                    scanner.next();
                    n = value;
                    length = l;
                }
                has_read_number = true;
                if scanner.peek().is_symbol(b':') {
                    tz.hour = n;
                    tz.minute = NONE;
                } else if length == 1 || length == 2 {
                    // "GMT-8".
                    tz.hour = n;
                    tz.minute = 0;
                } else if length == 3 || length == 4 {
                    // "GMT-0800".
                    tz.hour = n / 100;
                    tz.minute = n % 100;
                } else {
                    return None;
                }
            }
            Token::Symbol(c) if (token.ascii_sign().is_some() || c == 0x29) && has_read_number => {
                // An extra sign or ")" after a number is illegal.
                return None;
            }
            _ => {}
        }
        token = scanner.next();
    }
    let date = day.write()?;
    let time = time.write()?;
    let offset = tz.write()?;
    Some((date, time, offset))
}

/// `Date.parse(string)`: the time value the string denotes, or NaN. Strings without a UTC offset
/// (other than date-only ISO forms) are local time in `zone`.
pub fn parse_utf16(s: &[u16], zone: &Zone) -> f64 {
    let Some(((year, month, day_of_month), [h, m, sec, ms], offset)) = parse_fields(s) else {
        return f64::NAN;
    };
    let day = make_day(f64::from(year), f64::from(month), f64::from(day_of_month));
    let time = make_time(f64::from(h), f64::from(m), f64::from(sec), f64::from(ms));
    let date = make_date(day, time);
    let date = match offset {
        None => {
            // Local time: V8 allows ten days of slack beyond the range before converting.
            if date.is_nan() || date.abs() > MAX_TIME + 10.0 * MS_PER_DAY {
                return f64::NAN;
            }
            utc(date, zone)
        }
        Some(seconds) => {
            let date = date - seconds as f64 * 1000.0;
            if date.is_nan() || date.abs() > MAX_TIME {
                return f64::NAN;
            }
            date
        }
    };
    time_clip(date)
}

/// [`parse_utf16`] on a Rust string.
pub fn parse(s: &str, zone: &Zone) -> f64 {
    let units: Vec<u16> = s.encode_utf16().collect();
    parse_utf16(&units, zone)
}
