//! `ArkTSUtils.ASON`: JSON for Sendable data (arkts-runtime-facts.md §13).
//!
//! * `parse(text, reviver?, options?)`: the text is validated by the same parser as
//!   `JSON.parse` (so syntax errors are the same `SyntaxError`s), then parsed again into a tree
//!   that keeps number literals as text (for `bigIntMode`) and converted into the shared heap:
//!   objects become Sendable objects of a layout made from their keys (integer-like keys first
//!   in ascending order, then first-occurrence order; a duplicate key takes the last value),
//!   or `collections.Map`s with `parseReturnType: MAP`; arrays become `collections.Array`s.
//!   Layouts are cached process-wide by key list, with untyped (generic) fields. A reviver
//!   other than undefined is a TypeError.
//! * `stringify(value)`: like `JSON.stringify` without replacer or indentation, plus: Sendable
//!   instances give their fields, `Map` / `collections.Map` give objects with stringified keys
//!   (entries whose value is undefined are dropped), `Set` / `collections.Set` give arrays,
//!   `collections.Array` gives an array, BigInts print their digits.

use crate::atom::{Atom, PropKey};
use crate::builtins::arg;
use crate::object::ObjectKind;
use crate::sendable::SharedKind;
use crate::shape::ATTR_ENUMERABLE;
use crate::string::JsStr;
use crate::value::{Kind, ObjRef, Value};
use crate::vm::Vm;
use crate::JsResult;
use num_bigint::BigInt;
use skiff_shared::{FieldDesc, FieldType, SendableClass, SharedRef, SharedStr, SharedWord};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Nesting deeper than this is rejected (the conversion recurses).
const MAX_DEPTH: usize = 2000;

enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(Vec<u16>),
    Arr(Vec<J>),
    Obj(Vec<(Vec<u16>, J)>),
}

/// A parser for text already validated by `skiff_jslib::json::parse`.
struct P<'a> {
    s: &'a [u16],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], 0x20 | 0x09 | 0x0a | 0x0d) {
            self.i += 1;
        }
    }

    fn peek(&self) -> u16 {
        self.s.get(self.i).copied().unwrap_or(0)
    }

    fn value(&mut self, depth: usize) -> Option<J> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        let c = self.peek();
        match c {
            0x7b => {
                self.i += 1;
                let mut members: Vec<(Vec<u16>, J)> = Vec::new();
                self.ws();
                if self.peek() == 0x7d {
                    self.i += 1;
                    return Some(J::Obj(members));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    self.i += 1; // ':'
                    let v = self.value(depth + 1)?;
                    members.push((k, v));
                    self.ws();
                    let c = self.peek();
                    self.i += 1;
                    if c != 0x2c {
                        break;
                    }
                }
                Some(J::Obj(members))
            }
            0x5b => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == 0x5d {
                    self.i += 1;
                    return Some(J::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    let c = self.peek();
                    self.i += 1;
                    if c != 0x2c {
                        break;
                    }
                }
                Some(J::Arr(items))
            }
            0x22 => self.string().map(J::Str),
            0x74 => {
                self.i += 4;
                Some(J::Bool(true))
            }
            0x66 => {
                self.i += 5;
                Some(J::Bool(false))
            }
            0x6e => {
                self.i += 4;
                Some(J::Null)
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        0x30..=0x39 | 0x2b | 0x2d | 0x2e | 0x45 | 0x65
                    )
                {
                    self.i += 1;
                }
                Some(J::Num(String::from_utf16_lossy(&self.s[start..self.i])))
            }
        }
    }

    fn hex(&mut self) -> u16 {
        let mut v = 0u16;
        for _ in 0..4 {
            let d = char::from_u32(u32::from(self.peek()))
                .and_then(|c| c.to_digit(16))
                .unwrap_or(0);
            v = v * 16 + d as u16;
            self.i += 1;
        }
        v
    }

    fn string(&mut self) -> Option<Vec<u16>> {
        self.i += 1; // '"'
        let mut out = Vec::new();
        while self.i < self.s.len() {
            let c = self.s[self.i];
            self.i += 1;
            match c {
                0x22 => return Some(out),
                0x5c => {
                    let e = self.peek();
                    self.i += 1;
                    out.push(match e {
                        0x62 => 0x08,
                        0x66 => 0x0c,
                        0x6e => 0x0a,
                        0x72 => 0x0d,
                        0x74 => 0x09,
                        0x75 => self.hex(),
                        other => other,
                    });
                }
                _ => out.push(c),
            }
        }
        None
    }
}

/// Process-wide layouts of parsed objects, by key list.
fn layouts() -> &'static Mutex<HashMap<Vec<String>, Arc<SendableClass>>> {
    static L: OnceLock<Mutex<HashMap<Vec<String>, Arc<SendableClass>>>> = OnceLock::new();
    L.get_or_init(Default::default)
}

fn layout(keys: &[String]) -> Result<Arc<SendableClass>, skiff_shared::SharedError> {
    let mut g = layouts().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = g.get(keys) {
        return Ok(c.clone());
    }
    let fields = keys
        .iter()
        .map(|k| FieldDesc {
            atom: Atom::intern(&JsStr::from_str(k)).0,
            name: k.as_str().into(),
            ty: FieldType::GENERIC,
        })
        .collect();
    let c = SendableClass::new("", None, fields)?;
    g.insert(keys.to_vec(), c.clone());
    Ok(c)
}

fn shared_str(units: &[u16]) -> SharedStr {
    if units.iter().all(|&u| u < 0x80) {
        let s: String = units.iter().map(|&u| u as u8 as char).collect();
        SharedStr::Ascii(s.into())
    } else {
        SharedStr::Wide(units.into())
    }
}

struct Opts {
    bigint_mode: u32,
    map: bool,
}

fn number_word(vm: &mut Vm, text: &str, o: &Opts) -> JsResult<SharedWord> {
    let n = crate::conv::string_to_number(&JsStr::from_str(text));
    let integer = !text.contains(['.', 'e', 'E']);
    let big = match o.bigint_mode {
        1 => integer && n.abs() > 9007199254740991.0,
        2 => integer,
        _ => false,
    };
    if big {
        if let Ok(b) = text.parse::<BigInt>() {
            let r = vm.mutator().alloc_bigint(b);
            return check(vm, r);
        }
    }
    Ok(SharedWord::from_bits(Value::number(n).bits()).unwrap_or(SharedWord::UNDEFINED))
}

fn check<T>(vm: &mut Vm, r: Result<T, skiff_shared::SharedError>) -> JsResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => vm.throw_shared(e),
    }
}

/// Integer-like keys first (ascending), then the others in first-occurrence order; a duplicate
/// keeps its first position and takes the last value.
fn order_members(members: Vec<(Vec<u16>, J)>) -> Vec<(String, J)> {
    let mut out: Vec<(String, J)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (k, v) in members {
        let k = String::from_utf16_lossy(&k);
        match index.get(&k) {
            Some(&i) => out[i].1 = v,
            None => {
                index.insert(k.clone(), out.len());
                out.push((k, v));
            }
        }
    }
    let (mut ints, rest): (Vec<_>, Vec<_>) = out
        .into_iter()
        .partition(|(k, _)| JsStr::from_str(k).as_array_index().is_some());
    ints.sort_by_key(|(k, _)| JsStr::from_str(k).as_array_index().unwrap_or(0));
    ints.extend(rest);
    ints
}

fn to_word(vm: &mut Vm, j: J, o: &Opts) -> JsResult<SharedWord> {
    match j {
        J::Null => Ok(SharedWord::NULL),
        J::Bool(b) => Ok(if b {
            SharedWord::TRUE
        } else {
            SharedWord::FALSE
        }),
        J::Num(t) => number_word(vm, &t, o),
        J::Str(s) => {
            let r = vm.mutator().alloc_str(shared_str(&s));
            check(vm, r)
        }
        J::Arr(items) => {
            let mut words = Vec::with_capacity(items.len());
            for it in items {
                words.push(to_word(vm, it, o)?);
            }
            let r = vm.mutator().alloc_array(words);
            let r = check(vm, r)?;
            Ok(SharedWord::from_ref(r))
        }
        J::Obj(members) => {
            let members = order_members(members);
            if o.map {
                let r = vm.mutator().alloc_map();
                let r = check(vm, r)?;
                let map = vm.mutator().map(r).cloned();
                for (k, v) in members {
                    let units: Vec<u16> = k.encode_utf16().collect();
                    let kw = vm.mutator().alloc_str(shared_str(&units));
                    let kw = check(vm, kw)?;
                    let vw = to_word(vm, v, o)?;
                    if let Some(m) = &map {
                        let res = m.set(vm.mutator(), kw, vw);
                        check(vm, res)?;
                    }
                }
                return Ok(SharedWord::from_ref(r));
            }
            let keys: Vec<String> = members.iter().map(|(k, _)| k.clone()).collect();
            let class = layout(&keys);
            let class = check(vm, class)?;
            let mut words = Vec::with_capacity(members.len());
            for (_, v) in members {
                words.push(to_word(vm, v, o)?);
            }
            let r = vm.mutator().alloc_object(&class);
            let r = check(vm, r)?;
            let m: &skiff_shared::Mutator = vm.mutator();
            if let Some(obj) = m.object(r) {
                for (slot, w) in words.into_iter().enumerate() {
                    // Generic fields accept every word: this cannot fail.
                    let _ = obj.set(m, slot as u32, w);
                }
            }
            Ok(SharedWord::from_ref(r))
        }
    }
}

/// `ASON.parse(text, reviver?, options?)`.
fn parse(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if !arg(args, 1).is_undefined() {
        return vm.throw_type("reviver only supports undefined for SENDABLE_JSON");
    }
    let text = vm.to_js_string(arg(args, 0))?;
    let units = text.units();
    if let Err(e) = skiff_jslib::json::parse(&units) {
        return Err(vm.syntax_error(e.message()));
    }
    let mut opts = Opts {
        bigint_mode: 0,
        map: false,
    };
    let options = arg(args, 2);
    if options.is_object() {
        let b = vm.get_str(options, "bigIntMode")?;
        if !b.is_nullish() {
            opts.bigint_mode = vm.to_uint32(b)?;
        }
        let p = vm.get_str(options, "parseReturnType")?;
        if !p.is_nullish() {
            opts.map = vm.to_uint32(p)? == 1;
        }
    }
    let tree = P { s: &units, i: 0 }.value(0);
    let Some(tree) = tree else {
        return vm.throw_range("Maximum call stack size exceeded");
    };
    let w = to_word(vm, tree, &opts)?;
    Ok(vm.from_shared_word(w))
}

// ----- stringify ------------------------------------------------------------------------------

struct Ser {
    out: Vec<u16>,
    /// Objects being serialised (local objects by ref, shared ones by slot), for cycles.
    stack: Vec<Value>,
}

fn push(out: &mut Vec<u16>, s: &str) {
    out.extend(s.encode_utf16());
}

fn invalid(vm: &mut Vm) -> Value {
    vm.business_error(401, "Parameter error. Invalid ArkTS value.")
}

/// Appends `v`; false if it is not serialisable (undefined, functions, symbols).
fn ser(vm: &mut Vm, s: &mut Ser, v: Value) -> JsResult<bool> {
    match v.kind() {
        Kind::Undefined | Kind::Symbol | Kind::Hole => return Ok(false),
        Kind::Null => push(&mut s.out, "null"),
        Kind::Bool => push(&mut s.out, if v == Value::TRUE { "true" } else { "false" }),
        Kind::Number => push(&mut s.out, &skiff_jslib::json::number_to_json(v.num())),
        Kind::String => {
            let u = vm.js_str(v).units();
            skiff_jslib::json::quote_json_string_into(&u, &mut s.out);
        }
        Kind::BigInt => {
            let b = vm.bigint_of(v);
            push(&mut s.out, &b.to_string());
        }
        Kind::Shared | Kind::Object => {
            if vm.is_callable(v) {
                return Ok(false);
            }
            if s.stack.contains(&v) {
                return Err(vm.type_error("Converting circular structure to JSON"));
            }
            if s.stack.len() > MAX_DEPTH {
                return vm.throw_range("Maximum call stack size exceeded");
            }
            s.stack.push(v);
            vm.root(v);
            let r = if v.as_shared().is_some() {
                ser_shared(vm, s, v)
            } else {
                ser_local(vm, s, v)
            };
            s.stack.pop();
            r?;
        }
    }
    Ok(true)
}

fn ser_array(vm: &mut Vm, s: &mut Ser, items: &[Value]) -> JsResult<()> {
    s.out.push(u16::from(b'['));
    for (i, &it) in items.iter().enumerate() {
        if i > 0 {
            s.out.push(u16::from(b','));
        }
        if !ser(vm, s, it)? {
            push(&mut s.out, "null");
        }
    }
    s.out.push(u16::from(b']'));
    Ok(())
}

fn ser_entries(vm: &mut Vm, s: &mut Ser, entries: &[(Value, Value)]) -> JsResult<()> {
    s.out.push(u16::from(b'{'));
    let mut first = true;
    for &(k, v) in entries {
        let mark = s.out.len();
        if !first {
            s.out.push(u16::from(b','));
        }
        let ks = vm.to_js_string(k)?.units();
        skiff_jslib::json::quote_json_string_into(&ks, &mut s.out);
        s.out.push(u16::from(b':'));
        if ser(vm, s, v)? {
            first = false;
        } else {
            s.out.truncate(mark);
        }
    }
    s.out.push(u16::from(b'}'));
    Ok(())
}

fn root_all(vm: &mut Vm, vals: &[Value]) {
    vm.handles.extend_from_slice(vals);
}

fn ser_shared(vm: &mut Vm, s: &mut Ser, v: Value) -> JsResult<()> {
    let slot = v.as_shared().unwrap_or(0);
    let r = SharedRef(slot);
    let base = vm.handles.len();
    let res = match vm.shared_kind(v) {
        Some(SharedKind::Array) => {
            let words = match vm.mutator().array(r).cloned().map(|a| a.read_scope()) {
                Some(Ok(scope)) => scope.elements(),
                Some(Err(e)) => return vm.throw_shared(e),
                None => Vec::new(),
            };
            let items: Vec<Value> = words.into_iter().map(|w| vm.from_shared_word(w)).collect();
            root_all(vm, &items);
            ser_array(vm, s, &items)
        }
        Some(SharedKind::Set) => {
            let words = vm.mutator().set(r).cloned().map(|m| m.values());
            let words = match words {
                Some(Ok(w)) => w,
                Some(Err(e)) => return vm.throw_shared(e),
                None => Vec::new(),
            };
            let items: Vec<Value> = words.into_iter().map(|w| vm.from_shared_word(w)).collect();
            root_all(vm, &items);
            ser_array(vm, s, &items)
        }
        Some(SharedKind::Map) => {
            let es = vm.mutator().map(r).cloned().map(|m| m.entries());
            let es = match es {
                Some(Ok(w)) => w,
                Some(Err(e)) => return vm.throw_shared(e),
                None => Vec::new(),
            };
            let pairs: Vec<(Value, Value)> = es
                .into_iter()
                .map(|(k, w)| {
                    let k = vm.from_shared_word(k);
                    vm.root(k);
                    let w = vm.from_shared_word(w);
                    vm.root(w);
                    (k, w)
                })
                .collect();
            ser_entries(vm, s, &pairs)
        }
        Some(SharedKind::Object) => {
            let keys = crate::sendable::props::own_keys(vm, slot);
            let mut pairs = Vec::with_capacity(keys.len());
            for k in keys {
                let val = vm.get(v, k)?;
                vm.root(val);
                let kv = vm.key_to_value(k);
                vm.root(kv);
                pairs.push((kv, val));
            }
            ser_entries(vm, s, &pairs)
        }
        Some(SharedKind::TypedArray) | Some(SharedKind::BitVector) => {
            let keys = crate::sendable::props::own_keys(vm, slot);
            let mut items = Vec::with_capacity(keys.len());
            for k in keys {
                let val = vm.get(v, k)?;
                vm.root(val);
                items.push(val);
            }
            ser_array(vm, s, &items)
        }
        _ => {
            push(&mut s.out, "{}");
            Ok(())
        }
    };
    vm.handles.truncate(base);
    res
}

fn ser_local(vm: &mut Vm, s: &mut Ser, v: Value) -> JsResult<()> {
    let o = v.as_object().unwrap_or(ObjRef(0));
    let base = vm.handles.len();
    enum Shape {
        Map(Vec<(Value, Value)>),
        Set(Vec<Value>),
        Other,
    }
    let shape = match &vm.heap.obj(o).kind {
        ObjectKind::Map(m) => Shape::Map(m.entries.iter().flatten().copied().collect()),
        ObjectKind::Set(m) => Shape::Set(m.entries.iter().flatten().map(|(k, _)| *k).collect()),
        _ => Shape::Other,
    };
    let res = match shape {
        Shape::Map(pairs) => {
            for (k, val) in &pairs {
                vm.handles.push(*k);
                vm.handles.push(*val);
            }
            ser_entries(vm, s, &pairs)
        }
        Shape::Set(items) => {
            root_all(vm, &items);
            ser_array(vm, s, &items)
        }
        Shape::Other => {
            // toJSON, as JSON.stringify does.
            let to_json = vm.get_str(v, "toJSON")?;
            if vm.is_callable(to_json) {
                let k = vm.str_val("");
                // The objects being written are held in Rust while `toJSON` runs.
                let r = vm.with_shared_words_held(|vm| vm.call(to_json, v, &[k]))?;
                vm.root(r);
                if r != v {
                    s.stack.pop();
                    let ok = ser(vm, s, r)?;
                    s.stack.push(v);
                    if !ok {
                        push(&mut s.out, "null");
                    }
                    vm.handles.truncate(base);
                    return Ok(());
                }
            }
            if let Some(p) = unbox(vm, v)? {
                vm.root(p);
                s.stack.pop();
                ser(vm, s, p)?;
                s.stack.push(v);
                vm.handles.truncate(base);
                return Ok(());
            }
            if vm.is_array(v) {
                let len = vm.length_of(v)? as u32;
                let mut items = Vec::with_capacity(len as usize);
                for i in 0..len {
                    let it = vm.get(v, PropKey::Index(i))?;
                    vm.root(it);
                    items.push(it);
                }
                ser_array(vm, s, &items)
            } else {
                let keys = vm.own_enumerable_string_keys(o);
                let mut pairs = Vec::with_capacity(keys.len());
                for k in keys {
                    let val = vm.get(v, k)?;
                    vm.root(val);
                    let kv = vm.key_to_value(k);
                    vm.root(kv);
                    pairs.push((kv, val));
                }
                ser_entries(vm, s, &pairs)
            }
        }
    };
    vm.handles.truncate(base);
    res
}

/// The primitive inside a Number / String / Boolean / BigInt wrapper.
fn unbox(vm: &mut Vm, v: Value) -> JsResult<Option<Value>> {
    let kind = vm.heap.try_obj(v).map(|o| match &o.kind {
        ObjectKind::Number(_) => 1,
        ObjectKind::String(_) => 2,
        ObjectKind::Boolean(b) => 3 + u8::from(*b),
        _ => 0,
    });
    Ok(match kind {
        Some(1) => Some(Value::number(vm.to_number(v)?)),
        Some(2) => Some(vm.to_string_value(v)?),
        Some(3) => Some(Value::FALSE),
        Some(4) => Some(Value::TRUE),
        _ => None,
    })
}

/// `ASON.stringify(value)`.
fn stringify(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let v = arg(args, 0);
    let mut s = Ser {
        out: Vec::new(),
        stack: Vec::new(),
    };
    if !ser(vm, &mut s, v)? {
        if v.is_undefined() {
            return Ok(Value::UNDEFINED);
        }
        return Err(invalid(vm));
    }
    Ok(vm.new_string(JsStr::from_units_vec(s.out)))
}

/// The `ASON` namespace object.
pub fn namespace(vm: &mut Vm) -> ObjRef {
    let ns = vm.new_object();
    vm.define_method(ns, "parse", 3, parse);
    vm.define_method(ns, "stringify", 1, stringify);
    for (name, list) in [
        (
            "BigIntMode",
            &[
                ("DEFAULT", 0.0),
                ("PARSE_AS_BIGINT", 1.0),
                ("ALWAYS_PARSE_AS_BIGINT", 2.0),
            ][..],
        ),
        ("ParseReturnType", &[("OBJECT", 0.0), ("MAP", 1.0)][..]),
    ] {
        let e = vm.new_object();
        for &(k, n) in list {
            vm.heap
                .obj_mut(e)
                .put_raw(PropKey::from_str(k), Value::number(n), ATTR_ENUMERABLE);
        }
        vm.heap
            .obj_mut(ns)
            .put_raw(PropKey::from_str(name), Value::object(e), ATTR_ENUMERABLE);
    }
    ns
}
