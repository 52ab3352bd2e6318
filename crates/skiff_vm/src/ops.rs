//! Operators: equality, arithmetic (numbers and BigInt), relational comparison, `instanceof`,
//! `in`. The interpreter calls the fast number paths inline and falls back to these.

use crate::atom::{names, PropKey};
use crate::object::{MapKey, ObjectKind};
use crate::value::{Kind, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

pub fn same_value(vm: &Vm, a: Value, b: Value) -> bool {
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        if x.is_nan() && y.is_nan() {
            return true;
        }
        return x.to_bits() == y.to_bits();
    }
    strict_equals(vm, a, b)
}

pub fn same_value_zero(vm: &Vm, a: Value, b: Value) -> bool {
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        return x == y || (x.is_nan() && y.is_nan());
    }
    strict_equals(vm, a, b)
}

pub fn strict_equals(vm: &Vm, a: Value, b: Value) -> bool {
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        return x == y;
    }
    if a == b {
        return true;
    }
    if let (Some(x), Some(y)) = (a.as_string(), b.as_string()) {
        // Compared in place: no clone of either string.
        return vm.heap.str(x) == vm.heap.str(y);
    }
    match (a.kind(), b.kind()) {
        (Kind::BigInt, Kind::BigInt) => {
            vm.heap.bigint(a.as_bigint().unwrap_or(0)) == vm.heap.bigint(b.as_bigint().unwrap_or(0))
        }
        _ => false,
    }
}

/// The Map/Set key for a value (SameValueZero).
pub fn map_key(vm: &Vm, v: Value) -> MapKey {
    match v.kind() {
        Kind::String => MapKey::Str(vm.js_str(v)),
        Kind::BigInt => MapKey::Big(vm.to_display_string(v)),
        Kind::Number => {
            let n = v.num();
            if n == 0.0 {
                MapKey::Bits(Value::number(0.0).bits())
            } else {
                MapKey::Bits(Value::number(n).bits())
            }
        }
        _ => MapKey::Bits(v.bits()),
    }
}

/// Results at least this long are built as ropes.
const ROPE_MIN: usize = 64;

/// The longest string skiff builds, in UTF-16 code units (V8's limit on 64-bit hosts is close):
/// a longer result is `RangeError: Invalid string length`, not an allocation that fails.
pub const MAX_STRING_LEN: usize = 1 << 29;

impl Vm {
    /// Concatenates two string values; long results become ropes (linear repeated appends).
    /// A result past [`MAX_STRING_LEN`] is a RangeError: `s += s` in a loop would otherwise
    /// overflow the rope's length and panic when it is flattened.
    pub fn concat_strings(
        &mut self,
        a: Value,
        x: crate::value::StrRef,
        b: Value,
        y: crate::value::StrRef,
    ) -> JsResult<Value> {
        let (lx, ly) = (self.heap.str_len(x), self.heap.str_len(y));
        if lx == 0 {
            return Ok(b);
        }
        if ly == 0 {
            return Ok(a);
        }
        if lx + ly > MAX_STRING_LEN {
            return Err(self.range_error("Invalid string length"));
        }
        if lx + ly >= ROPE_MIN {
            return Ok(Value::string(self.heap.alloc_rope(a, b, lx + ly)));
        }
        let s = self.heap.str(x).concat(self.heap.str(y));
        Ok(self.new_string(s))
    }

    pub fn bigint_of(&self, v: Value) -> BigInt {
        v.as_bigint()
            .map(|b| self.heap.bigint(b).clone())
            .unwrap_or_default()
    }

    pub fn new_bigint(&mut self, b: BigInt) -> Value {
        self.heap.alloc_bigint(b)
    }

    /// `a == b`.
    pub fn loose_equals(&mut self, a: Value, b: Value) -> JsResult<bool> {
        let (ka, kb) = (a.kind(), b.kind());
        if ka == kb || (a.is_nullish() && b.is_nullish()) {
            return Ok(if a.is_nullish() && b.is_nullish() {
                true
            } else {
                strict_equals(self, a, b)
            });
        }
        if a.is_nullish() || b.is_nullish() {
            return Ok(false);
        }
        match (ka, kb) {
            (Kind::Number, Kind::String) => {
                let n = self.to_number(b)?;
                Ok(a.num() == n)
            }
            (Kind::String, Kind::Number) => {
                let n = self.to_number(a)?;
                Ok(n == b.num())
            }
            (Kind::BigInt, Kind::String) | (Kind::String, Kind::BigInt) => {
                let (bi, s) = if ka == Kind::BigInt { (a, b) } else { (b, a) };
                let text = self.js_str(s).to_rust_string();
                match text.trim().parse::<BigInt>() {
                    Ok(x) => Ok(x == self.bigint_of(bi)),
                    Err(_) => Ok(false),
                }
            }
            (Kind::Bool, _) => {
                let n = Value::number(if a == Value::TRUE { 1.0 } else { 0.0 });
                self.loose_equals(n, b)
            }
            (_, Kind::Bool) => {
                let n = Value::number(if b == Value::TRUE { 1.0 } else { 0.0 });
                self.loose_equals(a, n)
            }
            (Kind::Object, Kind::Number | Kind::String | Kind::BigInt | Kind::Symbol) => {
                let p = self.to_primitive(a, "default")?;
                self.loose_equals(p, b)
            }
            (Kind::Number | Kind::String | Kind::BigInt | Kind::Symbol, Kind::Object) => {
                let p = self.to_primitive(b, "default")?;
                self.loose_equals(a, p)
            }
            (Kind::BigInt, Kind::Number) | (Kind::Number, Kind::BigInt) => {
                let (bi, n) = if ka == Kind::BigInt {
                    (a, b.num())
                } else {
                    (b, a.num())
                };
                if !n.is_finite() || n.fract() != 0.0 {
                    return Ok(false);
                }
                Ok(self.bigint_of(bi).to_f64() == Some(n))
            }
            _ => Ok(false),
        }
    }

    /// `a + b`.
    pub fn add(&mut self, a: Value, b: Value) -> JsResult<Value> {
        if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
            return Ok(Value::number(x + y));
        }
        if let (Some(x), Some(y)) = (a.as_string(), b.as_string()) {
            return self.concat_strings(a, x, b, y);
        }
        let pa = self.to_primitive(a, "default")?;
        let pb = self.to_primitive(b, "default")?;
        if pa.is_string() || pb.is_string() {
            let sa = self.to_string_value(pa)?;
            let sb = self.to_string_value(pb)?;
            if let (Some(x), Some(y)) = (sa.as_string(), sb.as_string()) {
                return self.concat_strings(sa, x, sb, y);
            }
        }
        self.arith(ArithOp::Add, pa, pb)
    }

    /// Numeric binary operators other than `+` string concatenation.
    pub fn arith(&mut self, op: ArithOp, a: Value, b: Value) -> JsResult<Value> {
        if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
            return Ok(Value::number(num_op(op, x, y)));
        }
        let na = self.to_numeric(a)?;
        let nb = self.to_numeric(b)?;
        match (na.as_bigint().is_some(), nb.as_bigint().is_some()) {
            (false, false) => Ok(Value::number(num_op(op, na.num(), nb.num()))),
            (true, true) => {
                let x = self.bigint_of(na);
                let y = self.bigint_of(nb);
                let r = self.bigint_op(op, x, y)?;
                Ok(self.new_bigint(r))
            }
            _ => {
                Err(self.type_error("Cannot mix BigInt and other types, use explicit conversions"))
            }
        }
    }

    fn bigint_op(&mut self, op: ArithOp, x: BigInt, y: BigInt) -> JsResult<BigInt> {
        Ok(match op {
            ArithOp::Add => x + y,
            ArithOp::Sub => x - y,
            ArithOp::Mul => x * y,
            ArithOp::Div => {
                if y.is_zero() {
                    return Err(self.range_error("Division by zero"));
                }
                x / y
            }
            ArithOp::Mod => {
                if y.is_zero() {
                    return Err(self.range_error("Division by zero"));
                }
                x % y
            }
            ArithOp::Pow => {
                if y.is_negative() {
                    return Err(self.range_error("Exponent must be non-negative"));
                }
                match y.to_u32() {
                    Some(e) if e <= 1_000_000 => num_traits::pow::Pow::pow(x, e),
                    _ => return Err(self.range_error("Maximum BigInt size exceeded")),
                }
            }
            ArithOp::BitAnd => x & y,
            ArithOp::BitOr => x | y,
            ArithOp::BitXor => x ^ y,
            ArithOp::Shl | ArithOp::Shr => {
                let n = y.to_i64().unwrap_or(i64::MAX);
                let n = if op == ArithOp::Shr { -n } else { n };
                if n >= 0 {
                    if n > 1 << 24 {
                        return Err(self.range_error("Maximum BigInt size exceeded"));
                    }
                    x << (n as usize)
                } else {
                    let s = (-n).min(1 << 30) as usize;
                    // Arithmetic shift right rounds toward negative infinity.
                    if x.is_negative() {
                        -((-x - 1u8) >> s) - 1u8
                    } else {
                        x >> s
                    }
                }
            }
            ArithOp::UShr => {
                return Err(self.type_error("BigInts have no unsigned right shift, use >> instead"))
            }
        })
    }

    /// Unary minus.
    pub fn negate(&mut self, v: Value) -> JsResult<Value> {
        if let Some(n) = v.as_number() {
            return Ok(Value::number(-n));
        }
        let n = self.to_numeric(v)?;
        if n.as_bigint().is_some() {
            let b = -self.bigint_of(n);
            return Ok(self.new_bigint(b));
        }
        Ok(Value::number(-n.num()))
    }

    pub fn bit_not(&mut self, v: Value) -> JsResult<Value> {
        let n = self.to_numeric(v)?;
        if n.as_bigint().is_some() {
            let b = -self.bigint_of(n) - 1u8;
            return Ok(self.new_bigint(b));
        }
        Ok(Value::number(!crate::conv::to_int32(n.num()) as f64))
    }

    /// `++`/`--` on a numeric value.
    pub fn increment(&mut self, v: Value, delta: f64) -> JsResult<Value> {
        if let Some(n) = v.as_number() {
            return Ok(Value::number(n + delta));
        }
        let n = self.to_numeric(v)?;
        if n.as_bigint().is_some() {
            let b = self.bigint_of(n) + BigInt::from(delta as i64);
            return Ok(self.new_bigint(b));
        }
        Ok(Value::number(n.num() + delta))
    }

    /// Abstract relational comparison: returns None for undefined (NaN involved).
    pub fn less_than(&mut self, a: Value, b: Value, left_first: bool) -> JsResult<Option<bool>> {
        if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
            return Ok(if x.is_nan() || y.is_nan() {
                None
            } else {
                Some(x < y)
            });
        }
        let (pa, pb) = if left_first {
            let pa = self.to_primitive(a, "number")?;
            let pb = self.to_primitive(b, "number")?;
            (pa, pb)
        } else {
            let pb = self.to_primitive(b, "number")?;
            let pa = self.to_primitive(a, "number")?;
            (pa, pb)
        };
        if let (Some(ra), Some(rb)) = (pa.as_string(), pb.as_string()) {
            // Compared in place: no clone of either string.
            let (sa, sb) = (self.heap.str(ra), self.heap.str(rb));
            return Ok(Some(sa.cmp_units(sb) == std::cmp::Ordering::Less));
        }
        let ab = pa.as_bigint().is_some();
        let bb = pb.as_bigint().is_some();
        if ab || bb {
            let to_big = |vm: &mut Vm, v: Value| -> JsResult<Option<f64>> {
                if v.as_bigint().is_some() {
                    return Ok(vm.bigint_of(v).to_f64());
                }
                if v.is_string() {
                    let t = vm.js_str(v).to_rust_string();
                    return Ok(t.trim().parse::<BigInt>().ok().and_then(|b| b.to_f64()));
                }
                Ok(Some(vm.to_number(v)?))
            };
            if ab && bb {
                return Ok(Some(self.bigint_of(pa) < self.bigint_of(pb)));
            }
            let x = to_big(self, pa)?;
            let y = to_big(self, pb)?;
            return Ok(match (x, y) {
                (Some(x), Some(y)) if !x.is_nan() && !y.is_nan() => Some(x < y),
                _ => None,
            });
        }
        let x = self.to_number(pa)?;
        let y = self.to_number(pb)?;
        Ok(if x.is_nan() || y.is_nan() {
            None
        } else {
            Some(x < y)
        })
    }

    /// `a < b`, `a > b`, `a <= b`, `a >= b`.
    pub fn compare(&mut self, op: CmpOp, a: Value, b: Value) -> JsResult<bool> {
        Ok(match op {
            CmpOp::Lt => self.less_than(a, b, true)? == Some(true),
            CmpOp::Gt => self.less_than(b, a, false)? == Some(true),
            CmpOp::Le => self.less_than(b, a, false)? == Some(false),
            CmpOp::Ge => self.less_than(a, b, true)? == Some(false),
        })
    }

    /// `v instanceof target`.
    pub fn instance_of(&mut self, v: Value, target: Value) -> JsResult<bool> {
        if !target.is_object() {
            return Err(self.type_error("Right-hand side of 'instanceof' is not an object"));
        }
        let h = self.get(target, PropKey::Sym(wk::HAS_INSTANCE))?;
        if !h.is_nullish() {
            let r = self.call(h, target, &[v])?;
            return Ok(self.to_boolean(r));
        }
        if !self.is_callable(target) {
            return Err(self.type_error("Right-hand side of 'instanceof' is not callable"));
        }
        self.ordinary_has_instance(target, v)
    }

    pub fn ordinary_has_instance(&mut self, c: Value, v: Value) -> JsResult<bool> {
        if !self.is_callable(c) {
            return Ok(false);
        }
        if let Some(ObjectKind::Bound(b)) = self.heap.try_obj(c).map(|o| &o.kind) {
            let t = b.target;
            return self.instance_of(v, t);
        }
        let start = match (v.as_object(), v.as_shared()) {
            (Some(o), _) => self.heap.obj(o).proto,
            (None, Some(slot)) => Some(crate::sendable::props::proto_of(self, slot)),
            _ => return Ok(false),
        };
        let proto = self.get(c, PropKey::Str(names::get().prototype))?;
        let Some(proto) = proto.as_object() else {
            return Err(self.type_error("Function has non-object prototype in instanceof check"));
        };
        let mut cur = start;
        while let Some(p) = cur {
            if p == proto {
                return Ok(true);
            }
            cur = self.heap.obj(p).proto;
        }
        Ok(false)
    }

    /// `key in obj`.
    pub fn has_in(&mut self, key: Value, obj: Value) -> JsResult<bool> {
        if let Some(slot) = obj.as_shared() {
            let k = self.to_property_key(key)?;
            return Ok(crate::sendable::props::has(self, slot, k));
        }
        let Some(o) = obj.as_object() else {
            let k = self.to_display_string(key);
            let t = self.to_display_string(obj);
            return Err(self.type_error(format!(
                "Cannot use 'in' operator to search for '{k}' in {t}"
            )));
        };
        let k = self.to_property_key(key)?;
        Ok(self.has_property(o, k))
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    UShr,
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum CmpOp {
    Lt,
    Gt,
    Le,
    Ge,
}

/// JS `**` on numbers (differs from `powf` for NaN/±1 cases).
pub fn js_pow(x: f64, y: f64) -> f64 {
    if y.is_nan() {
        return f64::NAN;
    }
    if y == 0.0 {
        return 1.0;
    }
    if (x == 1.0 || x == -1.0) && y.is_infinite() {
        return f64::NAN;
    }
    x.powf(y)
}

#[inline]
pub fn num_op(op: ArithOp, x: f64, y: f64) -> f64 {
    use crate::conv::{to_int32, to_uint32};
    match op {
        ArithOp::Add => x + y,
        ArithOp::Sub => x - y,
        ArithOp::Mul => x * y,
        ArithOp::Div => x / y,
        ArithOp::Mod => {
            // Integers (exactly representable, so below 2 ** 53) need no libm `fmod`. The result
            // takes the dividend's sign, and negating a zero result gives the -0 that a
            // negative (or negative zero) dividend calls for.
            const EXACT: f64 = 9007199254740992.0;
            let (ax, ay) = (x.abs(), y.abs());
            if ax <= EXACT && (1.0..=EXACT).contains(&ay) {
                let (a, b) = (ax as u64, ay as u64);
                if a as f64 == ax && b as f64 == ay {
                    let r = (a % b) as f64;
                    return if x.is_sign_negative() { -r } else { r };
                }
            }
            if y.is_infinite() && x.is_finite() {
                x
            } else {
                x % y
            }
        }
        ArithOp::Pow => js_pow(x, y),
        ArithOp::BitAnd => (to_int32(x) & to_int32(y)) as f64,
        ArithOp::BitOr => (to_int32(x) | to_int32(y)) as f64,
        ArithOp::BitXor => (to_int32(x) ^ to_int32(y)) as f64,
        ArithOp::Shl => to_int32(x).wrapping_shl(to_uint32(y) & 31) as f64,
        ArithOp::Shr => (to_int32(x) >> (to_uint32(y) & 31)) as f64,
        ArithOp::UShr => (to_uint32(x) >> (to_uint32(y) & 31)) as f64,
    }
}
