//! Type conversions (ECMAScript §7.1): ToPrimitive, ToNumber, ToString, ToPropertyKey, ...

use crate::atom::{names, PropKey};
use crate::object::ObjectKind;
use crate::string::JsStr;
use crate::value::{Kind, ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;

/// Number → string with JS semantics (shortest round trip).
pub fn number_to_string(n: f64) -> JsStr {
    if n == 0.0 {
        return JsStr::from_str("0");
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        // Integers are formatted in place: one allocation, for the string itself.
        let mut buf = [0u8; 17];
        let mut i = buf.len();
        let mut m = (n as i64).unsigned_abs();
        while m > 0 {
            i -= 1;
            buf[i] = b'0' + (m % 10) as u8;
            m /= 10;
        }
        if n < 0.0 {
            i -= 1;
            buf[i] = b'-';
        }
        return JsStr::from_ascii_bytes(&buf[i..]);
    }
    let mut b = ryu_js::Buffer::new();
    JsStr::from_str(b.format(n))
}

/// Number → string in a radix 2..=36.
pub fn number_to_radix_string(n: f64, radix: u32) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if radix == 10 {
        return number_to_string(n).to_rust_string();
    }
    let neg = n < 0.0;
    let mut x = n.abs();
    let mut int = x.trunc();
    x -= int;
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = Vec::new();
    if int == 0.0 {
        s.push(b'0');
    }
    while int >= 1.0 {
        let d = (int % radix as f64) as usize;
        s.push(digits[d]);
        int = ((int - d as f64) / radix as f64).trunc();
    }
    s.reverse();
    if x > 0.0 {
        s.push(b'.');
        // Emit digits until the fraction is exhausted or precision runs out (52 bits).
        let mut count = 0;
        let max = (52.0 / (radix as f64).log2()).ceil() as usize + 1;
        while x > 0.0 && count < max {
            x *= radix as f64;
            let d = x.trunc() as usize;
            s.push(digits[d.min(35)]);
            x -= d as f64;
            count += 1;
        }
        while s.last() == Some(&b'0') {
            s.pop();
        }
    }
    let mut out = String::from_utf8(s).unwrap_or_default();
    if neg {
        out.insert(0, '-');
    }
    out
}

/// StringToNumber (§7.1.4.1.1).
/// CanonicalNumericIndexString(s) is not undefined: `s` is `"-0"` or the way JS prints some
/// number (`"1.5"`, `"-1"`, `"NaN"`, `"Infinity"`, `"1e+21"`).
pub fn is_canonical_numeric_string(s: &JsStr) -> bool {
    // Every such string starts with a digit, '-', 'I' or 'N': skip the parse for names.
    if s.is_empty() {
        return false;
    }
    let c = s.at(0);
    if !(c == u16::from(b'-')
        || c == u16::from(b'I')
        || c == u16::from(b'N')
        || (u16::from(b'0')..=u16::from(b'9')).contains(&c))
    {
        return false;
    }
    if *s == JsStr::from_str("-0") {
        return true;
    }
    number_to_string(string_to_number(s)) == *s
}

pub fn string_to_number(s: &JsStr) -> f64 {
    let text = s.to_rust_string();
    let t = text.trim_matches(|c: char| {
        c.is_whitespace() || c == '\u{FEFF}' || c == '\u{2028}' || c == '\u{2029}'
    });
    if t.is_empty() {
        return 0.0;
    }
    let (radix, digits) = if let Some(r) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (2, r)
    } else {
        (10, "")
    };
    if radix != 10 {
        if digits.is_empty() {
            return f64::NAN;
        }
        let mut v = 0f64;
        for c in digits.chars() {
            match c.to_digit(radix) {
                Some(d) => v = v * radix as f64 + d as f64,
                None => return f64::NAN,
            }
        }
        return v;
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    // Rust's parser accepts "inf", "nan", "1e", etc. differently; validate the JS grammar first.
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let start_digits = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut nd = i - start_digits;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        nd += i - f;
    }
    if nd == 0 {
        return f64::NAN;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return f64::NAN;
        }
    }
    if i != b.len() {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

pub fn to_int32(n: f64) -> i32 {
    if n.is_finite() && n.abs() < 2147483648.0 {
        return n as i32;
    }
    if !n.is_finite() {
        return 0;
    }
    let m = n.trunc().rem_euclid(4294967296.0);
    m as u32 as i32
}

pub fn to_uint32(n: f64) -> u32 {
    to_int32(n) as u32
}

/// ToIntegerOrInfinity on a number.
pub fn to_integer(n: f64) -> f64 {
    if n.is_nan() {
        0.0
    } else {
        n.trunc() + 0.0
    }
}

/// Resolves a relative index argument (as used by slice, at, ...) against `len`.
pub fn relative_index(rel: f64, len: f64) -> f64 {
    if rel < 0.0 {
        (len + rel).max(0.0)
    } else {
        rel.min(len)
    }
}

impl Vm {
    #[inline]
    pub fn to_boolean(&self, v: Value) -> bool {
        if v == Value::TRUE {
            return true;
        }
        if v == Value::FALSE {
            return false;
        }
        match v.kind() {
            Kind::Bool => v == Value::TRUE,
            Kind::Number => {
                let n = v.num();
                !(n == 0.0 || n.is_nan())
            }
            Kind::String => !self.js_str(v).is_empty(),
            Kind::Undefined | Kind::Null | Kind::Hole => false,
            Kind::BigInt => v
                .as_bigint()
                .is_some_and(|b| *self.heap.bigint(b) != num_bigint::BigInt::from(0)),
            _ => true,
        }
    }

    /// ToPrimitive with a hint ("default", "number", "string").
    pub fn to_primitive(&mut self, v: Value, hint: &str) -> JsResult<Value> {
        let o = match (v.as_object(), v.as_shared()) {
            (Some(o), _) => o,
            (None, Some(slot)) => crate::sendable::props::proto_of(self, slot),
            _ => return Ok(v),
        };
        let exotic = self.get(v, PropKey::Sym(wk::TO_PRIMITIVE))?;
        if !exotic.is_nullish() {
            let h = self.str_val(hint);
            let r = self.call(exotic, v, &[h])?;
            if r.is_object() {
                return Err(self.type_error("Cannot convert object to primitive value"));
            }
            return Ok(r);
        }
        let order = if hint == "string" {
            [names::get().to_string, names::get().value_of]
        } else {
            [names::get().value_of, names::get().to_string]
        };
        for name in order {
            let f = self.get_from(o, PropKey::Str(name), v)?;
            if self.is_callable(f) {
                let r = self.call(f, v, &[])?;
                if !r.is_object() {
                    return Ok(r);
                }
            }
        }
        Err(self.type_error("Cannot convert object to primitive value"))
    }

    pub fn to_number(&mut self, v: Value) -> JsResult<f64> {
        if let Some(n) = v.as_number() {
            return Ok(n);
        }
        match v.kind() {
            Kind::Undefined | Kind::Hole => Ok(f64::NAN),
            Kind::Null => Ok(0.0),
            Kind::Bool => Ok(if v == Value::TRUE { 1.0 } else { 0.0 }),
            Kind::String => Ok(string_to_number(&self.js_str(v))),
            Kind::Symbol => Err(self.type_error("Cannot convert a Symbol value to a number")),
            Kind::BigInt => Err(self.type_error("Cannot convert a BigInt value to a number")),
            _ => {
                let p = self.to_primitive(v, "number")?;
                self.to_number(p)
            }
        }
    }

    /// ToNumeric: returns either a number value or a BigInt value.
    pub fn to_numeric(&mut self, v: Value) -> JsResult<Value> {
        if v.is_number() || v.as_bigint().is_some() {
            return Ok(v);
        }
        let p = self.to_primitive(v, "number")?;
        if p.as_bigint().is_some() {
            return Ok(p);
        }
        Ok(Value::number(self.to_number(p)?))
    }

    pub fn to_int32(&mut self, v: Value) -> JsResult<i32> {
        Ok(to_int32(self.to_number(v)?))
    }

    pub fn to_uint32(&mut self, v: Value) -> JsResult<u32> {
        Ok(to_uint32(self.to_number(v)?))
    }

    pub fn to_integer(&mut self, v: Value) -> JsResult<f64> {
        Ok(to_integer(self.to_number(v)?))
    }

    /// ToLength.
    pub fn to_length(&mut self, v: Value) -> JsResult<f64> {
        let n = self.to_integer(v)?;
        Ok(n.clamp(0.0, 9007199254740991.0))
    }

    /// ToString, returning the JS string contents.
    pub fn to_js_string(&mut self, v: Value) -> JsResult<JsStr> {
        match v.kind() {
            Kind::String => Ok(self.js_str(v)),
            Kind::Number => Ok(number_to_string(v.num())),
            Kind::Undefined | Kind::Hole => Ok(JsStr::from_str("undefined")),
            Kind::Null => Ok(JsStr::from_str("null")),
            Kind::Bool => Ok(JsStr::from_str(if v == Value::TRUE {
                "true"
            } else {
                "false"
            })),
            Kind::Symbol => Err(self.type_error("Cannot convert a Symbol value to a string")),
            Kind::BigInt => Ok(JsStr::from_str(&self.to_display_string(v))),
            _ => {
                let p = self.to_primitive(v, "string")?;
                self.to_js_string(p)
            }
        }
    }

    /// ToString, returning a string value.
    pub fn to_string_value(&mut self, v: Value) -> JsResult<Value> {
        if v.is_string() {
            return Ok(v);
        }
        if let Some(n) = v.as_number() {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                return Ok(self.integer_string(n));
            }
        }
        let s = self.to_js_string(v)?;
        Ok(self.new_string(s))
    }

    pub fn to_rust_string(&mut self, v: Value) -> JsResult<String> {
        Ok(self.to_js_string(v)?.to_rust_string())
    }

    /// ToPropertyKey.
    pub fn to_property_key(&mut self, v: Value) -> JsResult<PropKey> {
        if let Some(n) = v.as_number() {
            if (0.0..4294967295.0).contains(&n) && n.fract() == 0.0 {
                return Ok(PropKey::Index(n as u32));
            }
        }
        if let Some(s) = v.as_symbol() {
            return Ok(PropKey::Sym(s));
        }
        if let Some(s) = v.as_string() {
            return Ok(PropKey::from_js_str(self.heap.str(s)));
        }
        let p = self.to_primitive(v, "string")?;
        if let Some(s) = p.as_symbol() {
            return Ok(PropKey::Sym(s));
        }
        let s = self.to_js_string(p)?;
        Ok(PropKey::from_js_str(&s))
    }

    /// The value form of a property key (for callbacks such as `Object.keys`).
    pub fn key_to_value(&mut self, k: PropKey) -> Value {
        match k {
            PropKey::Sym(s) => Value::symbol(s),
            PropKey::Index(i) => {
                if i < 10 {
                    self.char_strings[(b'0' + i as u8) as usize]
                } else {
                    self.str_val(&i.to_string())
                }
            }
            PropKey::Str(a) => {
                let s = a.name();
                self.new_string(s)
            }
        }
    }

    /// ToObject.
    pub fn to_object(&mut self, v: Value) -> JsResult<ObjRef> {
        if let Some(o) = v.as_object() {
            return Ok(o);
        }
        let (proto, kind) = match v.kind() {
            Kind::Bool => (
                self.realm.boolean_proto,
                ObjectKind::Boolean(v == Value::TRUE),
            ),
            Kind::Number => (self.realm.number_proto, ObjectKind::Number(v.num())),
            Kind::String => (self.realm.string_proto, ObjectKind::String(v)),
            Kind::Symbol => (
                self.realm.symbol_proto,
                ObjectKind::Symbol(v.as_symbol().unwrap_or(wk::ITERATOR)),
            ),
            Kind::BigInt => (self.realm.bigint_proto, ObjectKind::BigInt(v)),
            _ => {
                return Err(self.type_error("Cannot convert undefined or null to object"));
            }
        };
        Ok(self.new_object_with_proto(Some(proto), kind))
    }

    /// LengthOfArrayLike.
    pub fn length_of(&mut self, o: Value) -> JsResult<f64> {
        if let Some(obj) = self.heap.try_obj(o) {
            if obj.is_array() {
                return Ok(obj.array_len() as f64);
            }
            // %TypedArray%.prototype methods use the internal length; Array methods applied
            // to a typed array read `length`, which is the same unless a script defined its own.
            if let crate::object::ObjectKind::TypedArray { length, .. } = obj.kind {
                if crate::builtins::typed::in_typed_array_method()
                    || obj.get_own(PropKey::Str(names::get().length)).is_none()
                {
                    return Ok(length as f64);
                }
            }
        }
        let l = self.get(o, PropKey::Str(names::get().length))?;
        self.to_length(l)
    }

    pub fn arg(args: &[Value], i: usize) -> Value {
        args.get(i).copied().unwrap_or(Value::UNDEFINED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_js() {
        assert_eq!(number_to_string(1.0).to_string(), "1");
        assert_eq!(number_to_string(-0.0).to_string(), "0");
        assert_eq!(
            number_to_string(0.1 + 0.2).to_string(),
            "0.30000000000000004"
        );
        assert_eq!(number_to_string(1e21).to_string(), "1e+21");
        assert_eq!(
            number_to_string(123456789012345680000.0).to_string(),
            "123456789012345680000"
        );
        assert_eq!(number_to_string(f64::NAN).to_string(), "NaN");
        assert_eq!(number_to_string(-f64::INFINITY).to_string(), "-Infinity");
        assert_eq!(number_to_string(1e-7).to_string(), "1e-7");
        assert_eq!(number_to_radix_string(255.0, 16), "ff");
        assert_eq!(number_to_radix_string(0.5, 2), "0.1");
        assert_eq!(number_to_radix_string(-10.0, 2), "-1010");
    }

    #[test]
    fn strings_parse_like_js() {
        let p = |s: &str| string_to_number(&JsStr::from_str(s));
        assert_eq!(p("  12  "), 12.0);
        assert_eq!(p(""), 0.0);
        assert_eq!(p("0x1F"), 31.0);
        assert!(p("1e").is_nan());
        assert!(p("inf").is_nan());
        assert_eq!(p("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(p(".5"), 0.5);
        assert!(p("abc").is_nan());
        assert_eq!(to_int32(4294967297.0), 1);
        assert_eq!(to_int32(-1.5), -1);
    }
}
