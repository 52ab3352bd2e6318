//! Number conversions and formatting (ES §7.1, §21.1.3, §19.2.4–5).
//!
//! Formatting functions take the already converted `f64` arguments (the VM performs `ToNumber`
//! and friends, which may call user code) and apply the remaining, pure steps of the spec.

use crate::string::{is_trim_char, trim_str, TrimWhere};

/// The RangeErrors that Number.prototype methods throw. [`NumberRangeError::message`] gives V8's
/// message text for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberRangeError {
    /// `toString(radix)` with a radix outside 2..=36.
    Radix,
    /// `toFixed(digits)` with digits outside 0..=100.
    FixedDigits,
    /// `toExponential(digits)` with digits outside 0..=100.
    ExponentialDigits,
    /// `toPrecision(precision)` with precision outside 1..=100.
    PrecisionDigits,
}

impl NumberRangeError {
    /// V8's message for this RangeError.
    pub fn message(&self) -> &'static str {
        match self {
            NumberRangeError::Radix => "toString() radix argument must be between 2 and 36",
            NumberRangeError::FixedDigits => "toFixed() digits argument must be between 0 and 100",
            NumberRangeError::ExponentialDigits => {
                "toExponential() argument must be between 0 and 100"
            }
            NumberRangeError::PrecisionDigits => "toPrecision() argument must be between 1 and 100",
        }
    }
}

impl std::fmt::Display for NumberRangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for NumberRangeError {}

// ---------------------------------------------------------------------------------------------
// Integer conversions (ES §7.1.5 – §7.1.11)
// ---------------------------------------------------------------------------------------------

/// ToIntegerOrInfinity applied to a number: NaN and ±0 give 0, infinities stay, everything else
/// is truncated towards zero. The result never is -0.
pub fn to_integer_or_infinity(x: f64) -> f64 {
    if x.is_nan() || x == 0.0 {
        return 0.0;
    }
    // Adding 0.0 turns a -0 produced by truncating e.g. -0.5 into +0.
    x.trunc() + 0.0
}

/// The shared step of ToInt32/ToUint32/...: truncate and reduce modulo 2^bits.
fn modulo_pow2(x: f64, modulus: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    // rem_euclid on f64 is exact for these magnitudes, so no precision is lost.
    x.trunc().rem_euclid(modulus)
}

/// ToInt32 (ES §7.1.6).
pub fn to_int32(x: f64) -> i32 {
    modulo_pow2(x, 4_294_967_296.0) as u32 as i32
}

/// ToUint32 (ES §7.1.7).
pub fn to_uint32(x: f64) -> u32 {
    modulo_pow2(x, 4_294_967_296.0) as u32
}

/// ToInt16 (ES §7.1.8).
pub fn to_int16(x: f64) -> i16 {
    modulo_pow2(x, 65_536.0) as u16 as i16
}

/// ToUint16 (ES §7.1.9).
pub fn to_uint16(x: f64) -> u16 {
    modulo_pow2(x, 65_536.0) as u16
}

/// ToInt8 (ES §7.1.10).
pub fn to_int8(x: f64) -> i8 {
    modulo_pow2(x, 256.0) as u8 as i8
}

/// ToUint8 (ES §7.1.11).
pub fn to_uint8(x: f64) -> u8 {
    modulo_pow2(x, 256.0) as u8
}

/// ToUint8Clamp (ES §7.1.12): clamps to 0..=255 and rounds half to even.
pub fn to_uint8_clamp(x: f64) -> u8 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    if x >= 255.0 {
        return 255;
    }
    let f = x.floor();
    if f + 0.5 < x {
        return (f + 1.0) as u8;
    }
    if x < f + 0.5 {
        return f as u8;
    }
    if (f as u8) % 2 == 1 {
        f as u8 + 1
    } else {
        f as u8
    }
}

/// ToLength (ES §7.1.20) applied to a number: clamps to 0..=2^53-1.
pub fn to_length(x: f64) -> f64 {
    let len = to_integer_or_infinity(x);
    if len <= 0.0 {
        0.0
    } else {
        len.min(9_007_199_254_740_991.0)
    }
}

/// Whether `x` is an array index: an integral number in 0..=2^32-2 (ES §6.1.7). -0 counts as 0.
pub fn is_array_index(x: f64) -> bool {
    (0.0..=4_294_967_294.0).contains(&x) && x.trunc() == x
}

/// Whether the property key `s` is an array index, i.e. the canonical decimal form of an integer in
/// 0..=2^32-2 ("0", "17" but not "017", "-1", "1.0" or "4294967295"). Returns the index.
pub fn array_index(s: &str) -> Option<u32> {
    let bytes = s.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 || (bytes.len() > 1 && bytes[0] == b'0') {
        return None;
    }
    let mut value: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
    }
    if value <= 4_294_967_294 {
        u32::try_from(value).ok()
    } else {
        None
    }
}

/// CanonicalNumericIndexString (ES §7.1.21): `Some(n)` when `s` is "-0" or the ToString of the
/// number it denotes, `None` (undefined) otherwise. Typed arrays use it to tell integer-indexed
/// keys from ordinary ones.
pub fn canonical_numeric_index_string(s: &str) -> Option<f64> {
    if s == "-0" {
        return Some(-0.0);
    }
    let n = string_to_number(s);
    if to_js_string(n) == s {
        Some(n)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Number::toString (ES §6.1.6.1.20)
// ---------------------------------------------------------------------------------------------

/// Number::toString(x) with radix 10: the shortest digits that round-trip, laid out with the JS
/// rules (`1e21` → "1e+21", `1e-7` → "1e-7", -0 → "0", NaN → "NaN", ±Infinity).
pub fn to_js_string(x: f64) -> String {
    let mut buffer = ryu_js::Buffer::new();
    buffer.format(x).to_owned()
}

const RADIX_DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// The binary exponent of `x` as V8's `Double::Exponent` defines it: the power of two of the
/// lowest mantissa bit. It is positive exactly when `x >= 2^53`.
fn double_exponent(x: f64) -> i32 {
    let biased = ((x.to_bits() >> 52) & 0x7FF) as i32;
    if biased == 0 {
        -1074
    } else {
        biased - 1075
    }
}

/// `Number.prototype.toString(radix)`: checks the radix and formats (see [`to_string_radix`]).
pub fn to_string_with_radix(x: f64, radix: f64) -> Result<String, NumberRangeError> {
    let radix = to_integer_or_infinity(radix);
    if !(2.0..=36.0).contains(&radix) {
        return Err(NumberRangeError::Radix);
    }
    Ok(to_string_radix(x, radix as u32))
}

/// Number::toString(x, radix) for radix 2..=36, printing the same digits as V8.
///
/// The spec leaves non-decimal radices implementation-approximated; this is V8's
/// `DoubleToRadixCString`: fraction digits are produced until they are below the precision of
/// the input (half the distance to the next double), with round-half-even on the last digit, and
/// integer digits beyond 2^53 are filled with zeros. A radix outside 2..=36 is treated as 10.
pub fn to_string_radix(x: f64, radix: u32) -> String {
    if radix == 10 || !(2..=36).contains(&radix) || !x.is_finite() {
        return to_js_string(x);
    }
    let radix_f = f64::from(radix);
    let negative = x < 0.0;
    let value = x.abs();

    let mut integer = value.floor();
    let mut fraction = value - integer;
    // Only produce fraction digits down to the precision of the input.
    let next = f64::from_bits(value.to_bits() + 1);
    let mut delta = (0.5 * (next - value)).max(f64::from_bits(1));

    let mut fraction_digits: Vec<u8> = Vec::new();
    if fraction >= delta {
        loop {
            // Shift up by one digit.
            fraction *= radix_f;
            delta *= radix_f;
            let digit = fraction as u32;
            fraction_digits.push(RADIX_DIGITS[digit as usize]);
            fraction -= f64::from(digit);
            // Round to even.
            if (fraction > 0.5 || (fraction == 0.5 && (digit & 1) == 1)) && fraction + delta > 1.0 {
                // Propagate the carry through the digits written so far.
                loop {
                    match fraction_digits.pop() {
                        None => {
                            integer += 1.0;
                            break;
                        }
                        Some(c) => {
                            let d = digit_value(c);
                            if d + 1 < radix {
                                fraction_digits.push(RADIX_DIGITS[(d + 1) as usize]);
                                break;
                            }
                        }
                    }
                }
                break;
            }
            if fraction < delta {
                break;
            }
        }
    }

    // Integer digits; digits below the precision of the input are zeros.
    let mut integer_digits: Vec<u8> = Vec::new();
    while double_exponent(integer / radix_f) > 0 {
        integer /= radix_f;
        integer_digits.push(b'0');
    }
    loop {
        let remainder = integer % radix_f;
        integer_digits.push(RADIX_DIGITS[remainder as usize]);
        integer = (integer - remainder) / radix_f;
        if integer <= 0.0 {
            break;
        }
    }

    let mut out = String::with_capacity(integer_digits.len() + fraction_digits.len() + 2);
    if negative {
        out.push('-');
    }
    out.extend(integer_digits.iter().rev().map(|&b| char::from(b)));
    if !fraction_digits.is_empty() {
        out.push('.');
        out.extend(fraction_digits.iter().map(|&b| char::from(b)));
    }
    out
}

fn digit_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'a'..=b'z' => u32::from(c - b'a') + 10,
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 99,
    }
}

// ---------------------------------------------------------------------------------------------
// Exact decimal expansion, for toFixed / toExponential / toPrecision
// ---------------------------------------------------------------------------------------------

/// A little-endian arbitrary-precision unsigned integer, just big enough for the exact decimal
/// expansion of a double (at most about 1100 decimal digits).
struct BigUint(Vec<u32>);

impl BigUint {
    fn from_u64(v: u64) -> BigUint {
        BigUint(vec![(v & 0xFFFF_FFFF) as u32, (v >> 32) as u32])
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry: u64 = 0;
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = (v & 0xFFFF_FFFF) as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn shl(&mut self, bits: u32) {
        let words = (bits / 32) as usize;
        let bits = bits % 32;
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let v = (*limb << bits) | carry;
                carry = *limb >> (32 - bits);
                *limb = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        let mut shifted = vec![0u32; words];
        shifted.append(&mut self.0);
        self.0 = shifted;
    }

    fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    /// Divides in place by `d` and returns the remainder.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rem: u64 = 0;
        for limb in self.0.iter_mut().rev() {
            let v = (rem << 32) | u64::from(*limb);
            *limb = (v / u64::from(d)) as u32;
            rem = v % u64::from(d);
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        rem as u32
    }

    fn into_decimal(mut self) -> Vec<u8> {
        let mut chunks = Vec::new();
        while !self.is_zero() {
            chunks.push(self.div_small(1_000_000_000));
        }
        let mut out = Vec::new();
        for (i, chunk) in chunks.iter().rev().enumerate() {
            let s = if i == 0 {
                chunk.to_string()
            } else {
                format!("{chunk:09}")
            };
            out.extend_from_slice(s.as_bytes());
        }
        if out.is_empty() {
            out.push(b'0');
        }
        out
    }
}

/// The exact decimal value of a positive finite double: `(digits, point)` with the value equal to
/// `0.d1d2d3... × 10^point`. Digits have no leading or trailing zeros.
fn exact_decimal(x: f64) -> (Vec<u8>, i32) {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7FF) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, exp) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    let mut n = BigUint::from_u64(mantissa);
    // value = mantissa × 2^exp. For negative exp, m × 2^-k = m × 5^k / 10^k.
    let mut decimal_shift = 0i32;
    if exp >= 0 {
        n.shl(exp as u32);
    } else {
        for _ in 0..(-exp) {
            n.mul_small(5);
        }
        decimal_shift = -exp;
    }
    let mut digits = n.into_decimal();
    let point = digits.len() as i32 - decimal_shift;
    // Strip leading zeros (the value is positive, so at least one non-zero digit remains).
    let leading = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..leading);
    let point = point - leading as i32;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, point)
}

/// Rounds the decimal `0.digits × 10^point` to `keep` leading digits, half away from zero (the
/// spec's "if there are two such n, pick the larger n" on a positive value). Returns exactly `keep`
/// digits (padded with zeros) and the new point, which grows by one when the rounding carries out.
fn round_digits(digits: &[u8], point: i32, keep: usize) -> (Vec<u8>, i32) {
    let mut out: Vec<u8> = digits.iter().take(keep).copied().collect();
    out.resize(keep, b'0');
    let round_up = digits.get(keep).is_some_and(|&d| d >= b'5');
    if !round_up {
        return (out, point);
    }
    for d in out.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return (out, point);
        }
    }
    // Every digit was 9 (or none was kept): the result is 1000…, one digit longer in value. With
    // `keep` = 0 the single "1" is kept, which is what toFixed needs for 0.5.toFixed(0).
    out.insert(0, b'1');
    out.truncate(keep.max(1));
    (out, point + 1)
}

/// The shortest round-trip decimal digits of a positive finite double and its decimal exponent
/// `e`, with the value equal to `d1.d2d3... × 10^e`, read off the ryu-js output.
fn shortest_digits(x: f64) -> (Vec<u8>, i32) {
    let s = to_js_string(x);
    let (mantissa, exp) = match s.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (s.as_str(), 0),
    };
    let int_len = mantissa.find('.').unwrap_or(mantissa.len()) as i32;
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let leading = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..leading);
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    (digits, int_len - leading as i32 - 1 + exp)
}

fn digits_str(d: &[u8]) -> String {
    d.iter().map(|&b| char::from(b)).collect()
}

/// `Number.prototype.toFixed(fractionDigits)` (ES §21.1.3.3) from step 2 on; `fraction_digits` is
/// the argument after ToNumber (undefined gives NaN, which means 0).
pub fn to_fixed(x: f64, fraction_digits: f64) -> Result<String, NumberRangeError> {
    // 2. Let f be ? ToIntegerOrInfinity(fractionDigits).
    let f = to_integer_or_infinity(fraction_digits);
    // 4. If f is not finite, throw a RangeError. 5. If f < 0 or f > 100, throw a RangeError.
    if !(0.0..=100.0).contains(&f) {
        return Err(NumberRangeError::FixedDigits);
    }
    let f = f as usize;
    // 6. If x is not finite, return Number::toString(x).
    if !x.is_finite() {
        return Ok(to_js_string(x));
    }
    // 8-9. Let s be "-" and set x to -x when x < 0 (so -0 prints without a sign).
    let (sign, x) = if x < 0.0 { ("-", -x) } else { ("", x) };
    // 10. If x ≥ 10^21, let m be ! ToString(𝔽(x)).
    if x >= 1e21 {
        return Ok(format!("{sign}{}", to_js_string(x)));
    }
    // 11.a. Let n be an integer for which n / 10^f - x is as close to zero as possible.
    let m = if x == 0.0 {
        "0".to_owned()
    } else {
        let (digits, point) = exact_decimal(x);
        let int_digits = point + f as i32;
        if int_digits < 0 {
            "0".to_owned()
        } else {
            let (mut rounded, new_point) = round_digits(&digits, point, int_digits as usize);
            if new_point != point && int_digits > 0 {
                // The rounding carried out (e.g. 9.99 → 10.0): n has one more digit.
                rounded.push(b'0');
            }
            let s = digits_str(&rounded);
            let s = s.trim_start_matches('0');
            if s.is_empty() {
                "0".to_owned()
            } else {
                s.to_owned()
            }
        }
    };
    if f == 0 {
        return Ok(format!("{sign}{m}"));
    }
    // 11.d. Pad with zeros so there is at least one integer digit, then insert the point.
    let m = if m.len() <= f {
        format!("{}{m}", "0".repeat(f + 1 - m.len()))
    } else {
        m
    };
    let (a, b) = m.split_at(m.len() - f);
    Ok(format!("{sign}{a}.{b}"))
}

/// `Number.prototype.toExponential(fractionDigits)` (ES §21.1.3.2) from step 2 on;
/// `fraction_digits` is `None` for undefined, else the argument after ToNumber.
pub fn to_exponential(x: f64, fraction_digits: Option<f64>) -> Result<String, NumberRangeError> {
    // 2. Let f be ? ToIntegerOrInfinity(fractionDigits).
    let f = fraction_digits.map(to_integer_or_infinity);
    // 4. If x is not finite, return Number::toString(x).
    if !x.is_finite() {
        return Ok(to_js_string(x));
    }
    // 5. If f < 0 or f > 100, throw a RangeError.
    if let Some(f) = f {
        if !(0.0..=100.0).contains(&f) {
            return Err(NumberRangeError::ExponentialDigits);
        }
    }
    let f = f.map(|f| f as usize);
    let (sign, x) = if x < 0.0 { ("-", -x) } else { ("", x) };
    let (m, e) = if x == 0.0 {
        // 9. If x = 0, let m be f + 1 zeros and e be 0.
        (vec![b'0'; f.unwrap_or(0) + 1], 0)
    } else {
        match f {
            // 10.a. f given: n has f + 1 digits, the larger one on a tie.
            Some(f) => {
                let (digits, point) = exact_decimal(x);
                let (rounded, point) = round_digits(&digits, point, f + 1);
                (rounded, point - 1)
            }
            // 10.b. f undefined: as few digits as possible that still identify x.
            None => shortest_digits(x),
        }
    };
    let mut out = String::from(sign);
    out.push(char::from(m[0]));
    if m.len() > 1 {
        out.push('.');
        out.push_str(&digits_str(&m[1..]));
    }
    out.push('e');
    out.push(if e >= 0 { '+' } else { '-' });
    out.push_str(&e.unsigned_abs().to_string());
    Ok(out)
}

/// `Number.prototype.toPrecision(precision)` (ES §21.1.3.5) from step 2 on; `precision` is `None`
/// for undefined, else the argument after ToNumber.
pub fn to_precision(x: f64, precision: Option<f64>) -> Result<String, NumberRangeError> {
    // 2. If precision is undefined, return ! ToString(x).
    let Some(precision) = precision else {
        return Ok(to_js_string(x));
    };
    // 3. Let p be ? ToIntegerOrInfinity(precision).
    let p = to_integer_or_infinity(precision);
    // 4. If x is not finite, return Number::toString(x).
    if !x.is_finite() {
        return Ok(to_js_string(x));
    }
    // 5. If p < 1 or p > 100, throw a RangeError.
    if !(1.0..=100.0).contains(&p) {
        return Err(NumberRangeError::PrecisionDigits);
    }
    let p = p as usize;
    let (sign, x) = if x < 0.0 { ("-", -x) } else { ("", x) };
    let (m, e) = if x == 0.0 {
        (vec![b'0'; p], 0)
    } else {
        let (digits, point) = exact_decimal(x);
        let (rounded, point) = round_digits(&digits, point, p);
        (rounded, point - 1)
    };
    let m = digits_str(&m);
    // 10.c. Exponential notation when e < -6 or e ≥ p.
    if e < -6 || e >= p as i32 {
        let mut out = String::from(sign);
        out.push_str(&m[..1]);
        if p != 1 {
            out.push('.');
            out.push_str(&m[1..]);
        }
        out.push('e');
        out.push(if e >= 0 { '+' } else { '-' });
        out.push_str(&e.unsigned_abs().to_string());
        return Ok(out);
    }
    // 11. If e = p - 1, return s + m.
    if e == p as i32 - 1 {
        return Ok(format!("{sign}{m}"));
    }
    // 12. If e ≥ 0, insert the point after e + 1 digits; else prefix "0." and -(e+1) zeros.
    if e >= 0 {
        let (a, b) = m.split_at(e as usize + 1);
        Ok(format!("{sign}{a}.{b}"))
    } else {
        Ok(format!("{sign}0.{}{m}", "0".repeat((-(e + 1)) as usize)))
    }
}

/// `Number.prototype.toLocaleString()` as node prints it for en-US with default options: at
/// most three fraction digits, rounded half away from zero on the shortest round-trip digits (as
/// ICU does), "," between groups of three, "∞" for infinities, and the sign kept on values that
/// round to zero ("-0"). Locales and options are ignored.
pub fn to_locale_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x.is_infinite() {
        return format!("{sign}∞");
    }
    let x = x.abs();
    let (int_part, frac_part) = if x == 0.0 {
        ("0".to_owned(), String::new())
    } else {
        // Digits d1.d2d3... × 10^e, i.e. 0.d1d2... × 10^(e+1).
        let (digits, e) = shortest_digits(x);
        let point = e + 1;
        // The number of digits of round(x × 10^3).
        let keep = point + 3;
        let rounded = if keep < 0 {
            Vec::new()
        } else {
            let (mut r, new_point) = round_digits(&digits, point, keep as usize);
            if new_point != point && keep > 0 {
                // The rounding carried out, so the kept digits gained one place.
                r.push(b'0');
            }
            r
        };
        // `rounded` is x × 10^3 as an integer digit string; split off the three fraction digits.
        let all = digits_str(&rounded);
        let padded = format!("{:0>4}", all.trim_start_matches('0'));
        let (i, f) = padded.split_at(padded.len() - 3);
        (
            i.trim_start_matches('0').to_owned(),
            f.trim_end_matches('0').to_owned(),
        )
    };
    let int_part = if int_part.is_empty() {
        "0".to_owned()
    } else {
        int_part
    };
    let mut grouped = String::with_capacity(int_part.len() * 4 / 3 + 1);
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac_part.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac_part}")
    }
}

// ---------------------------------------------------------------------------------------------
// String to number (ES §7.1.4.1.1 StringToNumber, §19.2.4 parseFloat, §19.2.5 parseInt)
// ---------------------------------------------------------------------------------------------

/// Length of the longest prefix of `s` that is a StrUnsignedDecimalLiteral without "Infinity":
/// digits, an optional fraction and an optional exponent, with at least one digit in the
/// mantissa. Returns 0 when there is none.
fn decimal_literal_len(s: &[u8]) -> usize {
    let mut i = 0;
    let int_start = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let mut mantissa_digits = i - int_start;
    if i < s.len() && s[i] == b'.' {
        let frac_start = i + 1;
        let mut j = frac_start;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        mantissa_digits += j - frac_start;
        if mantissa_digits > 0 {
            i = j;
        }
    }
    if mantissa_digits == 0 {
        return 0;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    i
}

/// Converts a validated decimal literal (digits, '.', exponent) to the nearest double.
fn parse_decimal(s: &str) -> f64 {
    // Rust's parser is correctly rounded and accepts exactly this syntax (plus forms the callers
    // have already excluded), so an error cannot happen here; NaN is a safe fallback anyway.
    s.parse::<f64>().unwrap_or(f64::NAN)
}

/// StringToNumber (ES §7.1.4.1.1): the number a string denotes, or NaN.
///
/// Leading and trailing WhiteSpace and LineTerminators are ignored; the empty string is 0;
/// "Infinity" may be signed; "0x", "0o" and "0b" prefixes are accepted without a sign; numeric
/// separators are not allowed.
pub fn string_to_number(s: &str) -> f64 {
    let t = trim_str(s, TrimWhere::Both);
    if t.is_empty() {
        return 0.0;
    }
    let b = t.as_bytes();
    if b.len() > 2 && b[0] == b'0' {
        let radix = match b[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            let digits = &b[2..];
            if digits.iter().all(|&c| digit_value(c) < radix) {
                return digits_to_number(digits, radix);
            }
            return f64::NAN;
        }
    }
    let (negative, rest) = match b[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let magnitude = if rest == "Infinity" {
        f64::INFINITY
    } else if decimal_literal_len(rest.as_bytes()) == rest.len() {
        parse_decimal(rest)
    } else {
        return f64::NAN;
    };
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// [`string_to_number`] on UTF-16. A lone surrogate can never be part of a numeric literal, so
/// converting lossily first gives the same result.
pub fn string_to_number_utf16(s: &[u16]) -> f64 {
    string_to_number(&String::from_utf16_lossy(s))
}

/// The value of a non-empty run of digits valid in `radix`.
///
/// Radix 10 goes through the correctly rounded decimal parser and power-of-two radices are
/// rounded exactly (round half to even on the bits), as V8 does. Other radices accumulate in
/// double arithmetic with V8's exact steps, which the spec allows ("implementation-approximated").
fn digits_to_number(digits: &[u8], radix: u32) -> f64 {
    if radix == 10 {
        return parse_decimal(std::str::from_utf8(digits).unwrap_or("NaN"));
    }
    if radix.is_power_of_two() {
        return power_of_two_digits_to_number(digits, radix.trailing_zeros());
    }
    // V8's generic case: accumulate chunks whose multiplier stays within 32 bits, then fold each
    // chunk into the double. Taking the same rounding steps makes large values agree with node.
    const MAX_MULTIPLIER: u32 = u32::MAX / 36;
    let mut value = 0.0f64;
    let mut i = 0;
    while i < digits.len() {
        let (mut part, mut multiplier) = (0u32, 1u32);
        while i < digits.len() {
            let m = multiplier * radix;
            if m > MAX_MULTIPLIER {
                break;
            }
            part = part * radix + digit_value(digits[i]);
            multiplier = m;
            i += 1;
        }
        value = value * f64::from(multiplier) + f64::from(part);
    }
    value
}

/// Exactly rounds a run of digits in radix 2^bits_per_digit to the nearest double.
fn power_of_two_digits_to_number(digits: &[u8], bits_per_digit: u32) -> f64 {
    // Skip leading zero digits so the first digit carries the most significant bit.
    let start = digits.iter().take_while(|&&c| c == b'0').count();
    let digits = &digits[start..];
    if digits.is_empty() {
        return 0.0;
    }
    // Collect the first 54 significant bits (53 + one rounding bit) and a sticky bit for the rest.
    let mut mantissa: u64 = 0;
    let mut bits_taken: u32 = 0;
    let mut total_bits: u64 = 0;
    let mut sticky = false;
    for (i, &c) in digits.iter().enumerate() {
        let d = u64::from(digit_value(c));
        let width = if i == 0 {
            64 - d.leading_zeros()
        } else {
            bits_per_digit
        };
        for bit in (0..width).rev() {
            let b = (d >> bit) & 1;
            if bits_taken < 54 {
                mantissa = (mantissa << 1) | b;
                bits_taken += 1;
            } else if b == 1 {
                sticky = true;
            }
            total_bits += 1;
        }
    }
    if total_bits > 1100 {
        return f64::INFINITY;
    }
    // `mantissa` holds `bits_taken` bits; the number is mantissa × 2^(total_bits - bits_taken).
    let mut exponent = (total_bits - u64::from(bits_taken)) as i32;
    if bits_taken == 54 {
        let round_bit = mantissa & 1;
        mantissa >>= 1;
        exponent += 1;
        if round_bit == 1 && (sticky || mantissa & 1 == 1) {
            mantissa += 1;
        }
    }
    // mantissa < 2^54 and the scaling by a power of two is exact (or overflows to Infinity).
    (mantissa as f64) * 2f64.powi(exponent)
}

/// `parseFloat(string)` (ES §19.2.4) on the string after ToString.
pub fn parse_float(s: &str) -> f64 {
    // 2. Let trimmedString be ! TrimString(inputString, start).
    let t = trim_str(s, TrimWhere::Start);
    let (negative, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    // 4. The longest prefix that satisfies StrDecimalLiteral.
    let magnitude = if rest.starts_with("Infinity") {
        f64::INFINITY
    } else {
        let len = decimal_literal_len(rest.as_bytes());
        if len == 0 {
            return f64::NAN;
        }
        parse_decimal(&rest[..len])
    };
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// [`parse_float`] on UTF-16.
pub fn parse_float_utf16(s: &[u16]) -> f64 {
    parse_float(&String::from_utf16_lossy(s))
}

/// `parseInt(string, radix)` (ES §19.2.5) on the string after ToString and `radix` after ToInt32.
pub fn parse_int(s: &str, radix: i32) -> f64 {
    // 2. Let S be ! TrimString(inputString, start).
    let t = trim_str(s, TrimWhere::Start);
    // 3-6. Sign.
    let (negative, mut rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    // 7-10. Radix and prefix.
    let mut strip_prefix = true;
    let mut r = radix;
    if r != 0 {
        if !(2..=36).contains(&r) {
            return f64::NAN;
        }
        if r != 16 {
            strip_prefix = false;
        }
    } else {
        r = 10;
    }
    if strip_prefix && (rest.starts_with("0x") || rest.starts_with("0X")) {
        rest = &rest[2..];
        r = 16;
    }
    // 11-12. The longest prefix of radix-R digits.
    let r = r as u32;
    let end = rest
        .bytes()
        .position(|c| digit_value(c) >= r)
        .unwrap_or(rest.len());
    if end == 0 {
        return f64::NAN;
    }
    let magnitude = digits_to_number(&rest.as_bytes()[..end], r);
    // 15-16. -0 for a negative zero, as the spec's "if sign = -1 and mathInt = 0".
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// [`parse_int`] on UTF-16.
pub fn parse_int_utf16(s: &[u16], radix: i32) -> f64 {
    parse_int(&String::from_utf16_lossy(s), radix)
}

/// Whether `c` is skipped by StringToNumber's leading/trailing whitespace rule (re-exported for
/// callers that scan UTF-16 themselves).
pub fn is_str_whitespace(c: u16) -> bool {
    is_trim_char(u32::from(c))
}

#[cfg(test)]
mod tests;
