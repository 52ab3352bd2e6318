//! The VM instance: heap, realm, symbols, and the core object operations that may call back
//! into JavaScript (getters, setters, `toString`, ...).

use crate::atom::{names, Atom, PropKey};
use crate::event_loop::EventLoop;
use crate::heap::{Cell, Heap};
use crate::host::{Host, StdHost};
use crate::object::{
    BoundFunction, Closure, NativeFn, NativeFunction, Object, ObjectKind, RawProp,
};
use crate::realm::Realm;
use crate::shape::{
    Shape, ATTR_ACCESSOR, ATTR_CONFIGURABLE, ATTR_DEFAULT, ATTR_ENUMERABLE, ATTR_HIDDEN,
    ATTR_WRITABLE,
};
use crate::string::JsStr;
use crate::value::{Kind, ObjRef, StrRef, SymbolId, Value};
use crate::JsResult;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Attention bits polled by the interpreter at calls and backward jumps.
pub mod attention {
    pub const GC: u32 = 1;
    pub const TERMINATE: u32 = 2;
    pub const INTERRUPT: u32 = 4;
    /// The embedder's heap limit was exceeded: throw a `RangeError` at the next safepoint.
    pub const OUT_OF_MEMORY: u32 = 8;
    /// The shared heap asked for a collection (set by the mutator's hook from any thread):
    /// publish this instance's shared roots and take part at the next safepoint.
    pub const SHARED_GC: u32 = 16;
}

pub struct SymbolData {
    pub description: Option<JsStr>,
    pub registered: bool,
    /// A class private name (`#x`): never listed among an object's keys.
    pub private: bool,
}

/// Well-known symbol ids (fixed in every VM).
pub mod wk {
    use crate::value::SymbolId;
    pub const ITERATOR: SymbolId = SymbolId(0);
    pub const ASYNC_ITERATOR: SymbolId = SymbolId(1);
    pub const HAS_INSTANCE: SymbolId = SymbolId(2);
    pub const TO_PRIMITIVE: SymbolId = SymbolId(3);
    pub const TO_STRING_TAG: SymbolId = SymbolId(4);
    pub const SPECIES: SymbolId = SymbolId(5);
    pub const IS_CONCAT_SPREADABLE: SymbolId = SymbolId(6);
    pub const UNSCOPABLES: SymbolId = SymbolId(7);
    pub const MATCH: SymbolId = SymbolId(8);
    pub const MATCH_ALL: SymbolId = SymbolId(9);
    pub const REPLACE: SymbolId = SymbolId(10);
    pub const SEARCH: SymbolId = SymbolId(11);
    pub const SPLIT: SymbolId = SymbolId(12);
    pub const NAMES: [&str; 13] = [
        "iterator",
        "asyncIterator",
        "hasInstance",
        "toPrimitive",
        "toStringTag",
        "species",
        "isConcatSpreadable",
        "unscopables",
        "match",
        "matchAll",
        "replace",
        "search",
        "split",
    ];
}

/// A property descriptor as used by `defineProperty`.
#[derive(Copy, Clone, Default, Debug)]
pub struct PropDesc {
    pub value: Option<Value>,
    pub get: Option<Value>,
    pub set: Option<Value>,
    pub writable: Option<bool>,
    pub enumerable: Option<bool>,
    pub configurable: Option<bool>,
}

impl PropDesc {
    pub fn data(value: Value, attrs: u8) -> PropDesc {
        PropDesc {
            value: Some(value),
            writable: Some(attrs & ATTR_WRITABLE != 0),
            enumerable: Some(attrs & ATTR_ENUMERABLE != 0),
            configurable: Some(attrs & ATTR_CONFIGURABLE != 0),
            ..Default::default()
        }
    }

    pub fn is_accessor(&self) -> bool {
        self.get.is_some() || self.set.is_some()
    }
}

/// Limits that keep the Rust stack and the frame stack bounded.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Maximum number of script frames on the VM frame stack.
    pub max_frames: usize,
    /// Maximum nesting of native → interpreter re-entries.
    pub max_native_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frames: 20_000,
            max_native_depth: 400,
        }
    }
}

pub struct Vm {
    pub heap: Heap,
    pub realm: Realm,
    pub symbols: Vec<SymbolData>,
    pub symbol_registry: rustc_hash::FxHashMap<JsStr, SymbolId>,
    pub host: Box<dyn Host>,
    pub attention: Arc<AtomicU32>,
    pub limits: Limits,
    /// Values natives keep alive while re-entering JS.
    pub handles: Vec<Value>,
    /// The native function currently executing (for access to its `data`).
    pub native_callee: Value,
    /// `new.target` of the native currently executing (undefined for plain calls).
    pub new_target: Value,
    pub native_depth: usize,
    pub interp: crate::interp::Interp,
    pub modules: crate::module::Modules,
    pub event_loop: EventLoop,
    /// Set when a termination is unwinding; catch handlers do not see it.
    pub terminating: bool,
    /// The shared-heap mutator and the local Sendable class tables (`crate::sendable`).
    pub sendable: crate::sendable::SendableState,
    pub(crate) console_group: usize,
    pub(crate) console_counts: rustc_hash::FxHashMap<String, u64>,
    pub(crate) console_timers: rustc_hash::FxHashMap<String, std::time::Instant>,
    pub(crate) empty_string: Value,
    pub(crate) char_strings: Vec<Value>,
    /// Recently converted integers and their strings (`${i}` in a loop), indexed by the low
    /// bits of the integer; empty until first used, emptied by every collection (the cached
    /// strings are not roots).
    number_strings: Vec<(f64, Value)>,
    /// Preallocated results of `typeof`, in the order of `TYPEOF_NAMES`.
    typeof_strings: Vec<Value>,
    /// The VM is tied to its thread: local values must not cross threads.
    _not_send: PhantomData<*const ()>,
}

const TYPEOF_NAMES: [&str; 8] = [
    "undefined",
    "object",
    "boolean",
    "number",
    "string",
    "symbol",
    "bigint",
    "function",
];

/// The uncatchable marker value thrown while terminating.
pub const TERMINATION: Value = Value::HOLE;

impl Vm {
    pub fn new() -> Vm {
        Self::with_host(Box::new(StdHost))
    }

    pub fn with_host(host: Box<dyn Host>) -> Vm {
        let mut heap = Heap::new();
        let root_shape = Shape::root();
        let realm = Realm::bootstrap(&mut heap, root_shape);
        let mut vm = Vm {
            heap,
            realm,
            symbols: Vec::new(),
            symbol_registry: Default::default(),
            host,
            attention: Arc::new(AtomicU32::new(0)),
            limits: Limits::default(),
            handles: Vec::new(),
            native_callee: Value::UNDEFINED,
            new_target: Value::UNDEFINED,
            native_depth: 0,
            interp: crate::interp::Interp::default(),
            modules: Default::default(),
            event_loop: EventLoop::new(),
            terminating: false,
            sendable: Default::default(),
            console_group: 0,
            console_counts: Default::default(),
            console_timers: Default::default(),
            empty_string: Value::UNDEFINED,
            char_strings: Vec::new(),
            number_strings: Vec::new(),
            typeof_strings: Vec::new(),
            _not_send: PhantomData,
        };
        for name in wk::NAMES {
            vm.symbols.push(SymbolData {
                description: Some(JsStr::from_str(&format!("Symbol.{name}"))),
                registered: false,
                private: false,
            });
        }
        let e = vm.heap.alloc_string(JsStr::empty());
        vm.empty_string = Value::string(e);
        for c in 0..128u8 {
            let s = vm
                .heap
                .alloc_string(JsStr::from_str(&(c as char).to_string()));
            vm.char_strings.push(Value::string(s));
        }
        for n in TYPEOF_NAMES {
            let s = vm.heap.alloc_string(JsStr::from_str(n));
            vm.typeof_strings.push(Value::string(s));
        }
        crate::builtins::install(&mut vm);
        // Register with the shared heap now, on the VM's own thread and before any runtime
        // lock is taken (registration waits for a running collection), so that shared values
        // arriving by message can be inspected through `&Vm`.
        vm.mutator();
        vm
    }

    /// `typeof v` as a (shared) string value.
    pub fn typeof_string(&self, v: Value) -> Value {
        let t = self.type_of(v);
        let i = TYPEOF_NAMES.iter().position(|n| *n == t).unwrap_or(0);
        self.typeof_strings[i]
    }

    pub fn set_host(&mut self, host: Box<dyn Host>) {
        self.host = host;
    }

    // ----- allocation helpers -------------------------------------------------------------

    pub fn new_string(&mut self, s: JsStr) -> Value {
        if s.is_empty() {
            return self.empty_string;
        }
        if let Some(a) = s.as_ascii() {
            if a.len() == 1 {
                return self.char_strings[a.as_bytes()[0] as usize];
            }
        }
        Value::string(self.heap.alloc_string(s))
    }

    /// ToString of an integral number, through a small cache: converting the same integers
    /// again and again (template literals and concatenation in loops) allocates once.
    pub(crate) fn integer_string(&mut self, n: f64) -> Value {
        const CACHE_SIZE: usize = 256;
        let slot = (n as i64 as usize) % CACHE_SIZE;
        if let Some(&(k, v)) = self.number_strings.get(slot) {
            // `k == n` is false for the NaN that marks an empty slot (and true for 0 and -0,
            // which are both "0").
            if k == n {
                return v;
            }
        }
        let v = self.new_string(crate::conv::number_to_string(n));
        if self.number_strings.is_empty() {
            self.number_strings = vec![(f64::NAN, Value::UNDEFINED); CACHE_SIZE];
        }
        self.number_strings[slot] = (n, v);
        v
    }

    pub fn str_val(&mut self, s: &str) -> Value {
        self.new_string(JsStr::from_str(s))
    }

    pub fn new_object_with_proto(&mut self, proto: Option<ObjRef>, kind: ObjectKind) -> ObjRef {
        let shape = match kind {
            ObjectKind::Array => self.realm.array_root_shape.clone(),
            ObjectKind::String(_) => self.realm.string_root_shape.clone(),
            _ => self.realm.root_shape.clone(),
        };
        self.heap.alloc_object(Object::new(shape, proto, kind))
    }

    pub fn new_object(&mut self) -> ObjRef {
        let p = self.realm.object_proto;
        self.new_object_with_proto(Some(p), ObjectKind::Ordinary)
    }

    pub fn new_array(&mut self, elements: Vec<Value>) -> ObjRef {
        let p = self.realm.array_proto;
        let r = self.new_object_with_proto(Some(p), ObjectKind::Array);
        self.heap.debt += elements.len() / 16;
        self.heap.obj_mut(r).elements = elements;
        r
    }

    pub fn new_array_value(&mut self, elements: Vec<Value>) -> Value {
        Value::object(self.new_array(elements))
    }

    pub fn new_symbol(&mut self, description: Option<JsStr>) -> SymbolId {
        self.symbols.push(SymbolData {
            description,
            registered: false,
            private: false,
        });
        SymbolId((self.symbols.len() - 1) as u32)
    }

    /// Creates a native function object.
    pub fn new_native(&mut self, name: &str, length: u32, f: NativeFn) -> ObjRef {
        self.new_native_with_data(name, length, f, Vec::new())
    }

    pub fn new_native_with_data(
        &mut self,
        name: &str,
        length: u32,
        f: NativeFn,
        data: Vec<Value>,
    ) -> ObjRef {
        let p = self.realm.function_proto;
        let r = self.new_object_with_proto(
            Some(p),
            ObjectKind::Native(Box::new(NativeFunction { f, data })),
        );
        let o = self.heap.obj_mut(r);
        o.put_raw(
            PropKey::Str(names::get().length),
            Value::number(length as f64),
            ATTR_CONFIGURABLE,
        );
        let n = self.str_val(name);
        self.heap
            .obj_mut(r)
            .put_raw(PropKey::Str(names::get().name), n, ATTR_CONFIGURABLE);
        r
    }

    pub fn new_closure(&mut self, c: Closure, proto: ObjRef) -> ObjRef {
        self.new_object_with_proto(Some(proto), ObjectKind::Closure(c))
    }

    /// Defines a builtin method (non-enumerable) on `target`.
    pub fn define_method(
        &mut self,
        target: ObjRef,
        name: &str,
        length: u32,
        f: NativeFn,
    ) -> ObjRef {
        let fun = self.new_native(name, length, f);
        self.heap
            .obj_mut(target)
            .put_raw(PropKey::from_str(name), Value::object(fun), ATTR_HIDDEN);
        fun
    }

    pub fn define_method_sym(
        &mut self,
        target: ObjRef,
        sym: SymbolId,
        name: &str,
        length: u32,
        f: NativeFn,
    ) -> ObjRef {
        let fun = self.new_native(name, length, f);
        self.heap
            .obj_mut(target)
            .put_raw(PropKey::Sym(sym), Value::object(fun), ATTR_HIDDEN);
        fun
    }

    pub fn define_getter(&mut self, target: ObjRef, key: PropKey, name: &str, f: NativeFn) {
        let fun = self.new_native(&format!("get {name}"), 0, f);
        let acc = self
            .heap
            .alloc_accessor(Value::object(fun), Value::UNDEFINED);
        self.heap
            .obj_mut(target)
            .put_raw(key, acc, ATTR_CONFIGURABLE | ATTR_ACCESSOR);
    }

    pub fn define_value(&mut self, target: ObjRef, name: &str, v: Value, attrs: u8) {
        self.heap
            .obj_mut(target)
            .put_raw(PropKey::from_str(name), v, attrs);
    }

    /// Creates a function object that can be used with `new`.
    pub fn new_constructor(
        &mut self,
        name: &str,
        length: u32,
        f: NativeFn,
        prototype: Option<ObjRef>,
    ) -> ObjRef {
        let c = self.new_native(name, length, f);
        self.heap.obj_mut(c).constructible = true;
        if let Some(p) = prototype {
            self.heap
                .obj_mut(c)
                .put_raw(PropKey::Str(names::get().prototype), Value::object(p), 0);
            self.heap.obj_mut(p).put_raw(
                PropKey::Str(names::get().constructor),
                Value::object(c),
                ATTR_HIDDEN,
            );
        }
        c
    }

    /// Keeps `v` alive until the current native returns.
    pub fn root(&mut self, v: Value) -> Value {
        self.handles.push(v);
        v
    }

    // ----- errors -------------------------------------------------------------------------

    pub fn make_error(&mut self, proto: ObjRef, msg: &str) -> Value {
        let m = self.str_val(msg);
        crate::builtins::error::create_error(self, proto, m)
    }

    pub fn type_error(&mut self, msg: impl AsRef<str>) -> Value {
        let p = self.realm.type_error_proto;
        self.make_error(p, msg.as_ref())
    }

    pub fn range_error(&mut self, msg: impl AsRef<str>) -> Value {
        let p = self.realm.range_error_proto;
        self.make_error(p, msg.as_ref())
    }

    pub fn reference_error(&mut self, msg: impl AsRef<str>) -> Value {
        let p = self.realm.reference_error_proto;
        self.make_error(p, msg.as_ref())
    }

    pub fn syntax_error(&mut self, msg: impl AsRef<str>) -> Value {
        let p = self.realm.syntax_error_proto;
        self.make_error(p, msg.as_ref())
    }

    pub fn uri_error(&mut self, msg: impl AsRef<str>) -> Value {
        let p = self.realm.uri_error_proto;
        self.make_error(p, msg.as_ref())
    }

    pub fn throw_type<T>(&mut self, msg: impl AsRef<str>) -> JsResult<T> {
        Err(self.type_error(msg))
    }

    pub fn throw_range<T>(&mut self, msg: impl AsRef<str>) -> JsResult<T> {
        Err(self.range_error(msg))
    }

    // ----- type tests ---------------------------------------------------------------------

    pub fn is_callable(&self, v: Value) -> bool {
        self.heap.try_obj(v).is_some_and(|o| o.is_callable())
    }

    pub fn is_constructor(&self, v: Value) -> bool {
        self.heap.try_obj(v).is_some_and(|o| match &o.kind {
            ObjectKind::Bound(b) => self.is_constructor(b.target),
            _ => o.constructible,
        })
    }

    pub fn is_array(&self, v: Value) -> bool {
        self.heap.try_obj(v).is_some_and(|o| o.is_array())
    }

    /// `typeof v`.
    pub fn type_of(&self, v: Value) -> &'static str {
        match v.kind() {
            Kind::Undefined | Kind::Hole => "undefined",
            Kind::Null => "object",
            Kind::Bool => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Symbol => "symbol",
            Kind::BigInt => "bigint",
            Kind::Object => {
                if self.is_callable(v) {
                    "function"
                } else {
                    "object"
                }
            }
            Kind::Shared => "object",
        }
    }

    pub fn js_str(&self, v: Value) -> JsStr {
        match v.as_string() {
            Some(s) => self.heap.str(s).clone(),
            None => JsStr::empty(),
        }
    }

    pub fn str_ref(&self, s: StrRef) -> &JsStr {
        self.heap.str(s)
    }

    // ----- property access ----------------------------------------------------------------

    /// The prototype used for property lookup on a primitive.
    pub fn proto_for_primitive(&self, v: Value) -> Option<ObjRef> {
        Some(match v.kind() {
            Kind::Number => self.realm.number_proto,
            Kind::String => self.realm.string_proto,
            Kind::Bool => self.realm.boolean_proto,
            Kind::Symbol => self.realm.symbol_proto,
            Kind::BigInt => self.realm.bigint_proto,
            _ => return None,
        })
    }

    /// For a typed array `o` and a numeric key — an integer index, or a canonical numeric
    /// string such as `"-0"`, `"1.5"` or `"-1"` — `Some(Some(i))` when the key names element
    /// `i` and `Some(None)` when it names no element (such keys never reach the prototype).
    /// `None` for other objects and keys.
    pub fn typed_array_element(&self, o: ObjRef, key: PropKey) -> Option<Option<usize>> {
        let ObjectKind::TypedArray { length, .. } = self.heap.obj(o).kind else {
            return None;
        };
        match key {
            PropKey::Index(i) => Some(((i as usize) < length).then_some(i as usize)),
            PropKey::Str(a) => crate::conv::is_canonical_numeric_string(&a.name()).then_some(None),
            PropKey::Sym(_) => None,
        }
    }

    /// Own property including virtual ones (array length, string indices, typed array
    /// elements). Returns the stored form.
    pub fn get_own_property(&self, o: ObjRef, key: PropKey) -> Option<RawProp> {
        let obj = self.heap.obj(o);
        match &obj.kind {
            ObjectKind::Array if key == PropKey::Str(names::get().length) => {
                let w = if obj.elem_mode == crate::object::ElemMode::Frozen || obj.length_readonly {
                    0
                } else {
                    ATTR_WRITABLE
                };
                return Some(RawProp {
                    value: Value::number(obj.array_len() as f64),
                    attrs: w | self.array_length_attrs(o),
                });
            }
            ObjectKind::String(s) => {
                let s = self.js_str(*s);
                if key == PropKey::Str(names::get().length) {
                    return Some(RawProp {
                        value: Value::number(s.len() as f64),
                        attrs: 0,
                    });
                }
                if let PropKey::Index(i) = key {
                    if (i as usize) < s.len() {
                        return None.or(Some(RawProp {
                            value: Value::UNDEFINED,
                            attrs: ATTR_ENUMERABLE | 0x80,
                        }));
                    }
                }
            }
            ObjectKind::Error(_) if key == PropKey::Str(names::get().stack) => {
                if let Some(p) = obj.get_own(key) {
                    return Some(p);
                }
                // The stack string is formatted lazily on first read.
                return Some(RawProp {
                    value: Value::UNDEFINED,
                    attrs: ATTR_WRITABLE | ATTR_CONFIGURABLE | 0x80,
                });
            }
            ObjectKind::TypedArray { .. } => match self.typed_array_element(o, key) {
                Some(Some(_)) => {
                    return Some(RawProp {
                        value: Value::UNDEFINED,
                        attrs: ATTR_WRITABLE | ATTR_ENUMERABLE | ATTR_CONFIGURABLE | 0x80,
                    });
                }
                Some(None) => return None,
                None => {}
            },
            _ => {}
        }
        obj.get_own(key)
    }

    fn array_length_attrs(&self, _o: ObjRef) -> u8 {
        0
    }

    /// Resolves the value of a (possibly virtual) raw property; `0x80` marks virtual
    /// element properties whose value must be computed.
    fn raw_value(
        &mut self,
        o: ObjRef,
        key: PropKey,
        p: RawProp,
        receiver: Value,
    ) -> JsResult<Value> {
        if p.attrs & 0x80 != 0 {
            return self.virtual_get(o, key);
        }
        if p.attrs & ATTR_ACCESSOR != 0 {
            let (g, _) = self.heap.accessor(p.value);
            if g.is_undefined() {
                return Ok(Value::UNDEFINED);
            }
            return self.call(g, receiver, &[]);
        }
        Ok(p.value)
    }

    fn virtual_get(&mut self, o: ObjRef, key: PropKey) -> JsResult<Value> {
        if let ObjectKind::Error(_) = &self.heap.obj(o).kind {
            if key == PropKey::Str(names::get().stack) {
                let text = crate::builtins::error::stack_text(self, o);
                let v = self.str_val(&text);
                self.heap.obj_mut(o).put_raw(key, v, ATTR_HIDDEN);
                return Ok(v);
            }
        }
        let PropKey::Index(i) = key else {
            return Ok(Value::UNDEFINED);
        };
        match &self.heap.obj(o).kind {
            ObjectKind::String(s) => {
                let s = self.js_str(*s);
                let u = s.at(i as usize);
                Ok(self.new_string(JsStr::from_units(&[u])))
            }
            ObjectKind::TypedArray { .. } => {
                Ok(crate::builtins::typed::get_index(self, o, i as usize))
            }
            _ => Ok(Value::UNDEFINED),
        }
    }

    /// `[[Get]]` on any value (primitives use their prototype).
    pub fn get(&mut self, target: Value, key: PropKey) -> JsResult<Value> {
        if let Some(slot) = target.as_shared() {
            return crate::sendable::props::get(self, slot, key, target);
        }
        match target.as_object() {
            Some(o) => self.get_from(o, key, target),
            None => {
                if let Some(s) = target.as_string() {
                    if key == PropKey::Str(names::get().length) {
                        return Ok(Value::number(self.heap.str_len(s) as f64));
                    }
                    if let PropKey::Index(i) = key {
                        let st = self.heap.str(s);
                        if let Some(u) = st.get(i as usize) {
                            return Ok(self.new_string(JsStr::from_units(&[u])));
                        }
                    }
                }
                match self.proto_for_primitive(target) {
                    Some(p) => self.get_from(p, key, target),
                    None => {
                        let k = self.key_display(key);
                        let what = if target.is_null() {
                            "null"
                        } else {
                            "undefined"
                        };
                        Err(self.type_error(format!(
                            "Cannot read properties of {what} (reading '{k}')"
                        )))
                    }
                }
            }
        }
    }

    pub fn get_str(&mut self, target: Value, name: &str) -> JsResult<Value> {
        self.get(target, PropKey::from_str(name))
    }

    pub fn get_atom(&mut self, target: Value, a: Atom) -> JsResult<Value> {
        self.get(target, PropKey::Str(a))
    }

    /// `[[Get]]` walking the prototype chain from `o` with the given receiver.
    pub fn get_from(&mut self, mut o: ObjRef, key: PropKey, receiver: Value) -> JsResult<Value> {
        loop {
            if let Some(p) = self.get_own_property(o, key) {
                if p.attrs & (ATTR_ACCESSOR | 0x80) == 0 {
                    return Ok(p.value);
                }
                return self.raw_value(o, key, p, receiver);
            }
            // A numeric key of a typed array never reaches its prototype.
            if self.typed_array_element(o, key).is_some() {
                return Ok(Value::UNDEFINED);
            }
            match self.heap.obj(o).proto {
                Some(p) => o = p,
                None => return Ok(Value::UNDEFINED),
            }
        }
    }

    /// Finds a property along the chain, returning the holder and raw property.
    pub fn find_property(&self, mut o: ObjRef, key: PropKey) -> Option<(ObjRef, RawProp)> {
        loop {
            if let Some(p) = self.get_own_property(o, key) {
                return Some((o, p));
            }
            if self.typed_array_element(o, key).is_some() {
                return None;
            }
            o = self.heap.obj(o).proto?;
        }
    }

    pub fn has_property(&self, o: ObjRef, key: PropKey) -> bool {
        self.find_property(o, key).is_some()
    }

    /// `[[Set]]` in strict mode: failures throw a TypeError.
    pub fn set(&mut self, target: Value, key: PropKey, value: Value) -> JsResult<()> {
        if let Some(slot) = target.as_shared() {
            return crate::sendable::props::set(self, slot, key, value, target);
        }
        let Some(o) = target.as_object() else {
            if target.is_nullish() {
                let k = self.key_display(key);
                let what = if target.is_null() {
                    "null"
                } else {
                    "undefined"
                };
                return Err(
                    self.type_error(format!("Cannot set properties of {what} (setting '{k}')"))
                );
            }
            // Setting on a primitive: only setters on the prototype chain can run.
            if let Some(p) = self.proto_for_primitive(target) {
                if let Some((_, prop)) = self.find_property(p, key) {
                    if prop.attrs & ATTR_ACCESSOR != 0 {
                        let (_, s) = self.heap.accessor(prop.value);
                        if !s.is_undefined() {
                            self.call(s, target, &[value])?;
                            return Ok(());
                        }
                    }
                }
            }
            let k = self.key_display(key);
            return Err(self.type_error(format!(
                "Cannot create property '{k}' on {} '{}'",
                self.type_of(target),
                self.to_display_string(target)
            )));
        };
        // Fast path: own writable data property on an ordinary object.
        {
            let obj = self.heap.obj_mut(o);
            if let PropKey::Index(i) = key {
                if let ObjectKind::Array | ObjectKind::Ordinary | ObjectKind::Arguments = obj.kind {
                    if obj.elem_mode == crate::object::ElemMode::Normal {
                        let i = i as usize;
                        if i < obj.elements.len() && !obj.elements[i].is_hole() {
                            obj.elements[i] = value;
                            return Ok(());
                        }
                    }
                }
            } else if let Some(idx) = obj.shape.lookup(key) {
                if obj.shape.attrs[idx] & (ATTR_WRITABLE | ATTR_ACCESSOR) == ATTR_WRITABLE {
                    obj.slots[idx] = value;
                    return Ok(());
                }
            }
        }
        self.set_slow(o, key, value, target)
    }

    fn set_slow(&mut self, o: ObjRef, key: PropKey, value: Value, receiver: Value) -> JsResult<()> {
        if let Some(element) = self.typed_array_element(o, key) {
            if receiver == Value::object(o) {
                // TypedArraySetElement: the value is converted even when no element is there.
                return match element {
                    Some(i) => crate::builtins::typed::set_index(self, o, i, value),
                    None => crate::builtins::typed::convert_element(self, o, value),
                };
            }
            if element.is_none() {
                return Ok(());
            }
        }
        if self.heap.obj(o).is_array() && key == PropKey::Str(names::get().length) {
            return crate::builtins::array::set_length(self, o, value);
        }
        match self.find_property(o, key) {
            Some((holder, p)) => {
                if p.attrs & ATTR_ACCESSOR != 0 {
                    let (_, s) = self.heap.accessor(p.value);
                    if s.is_undefined() {
                        let k = self.key_display(key);
                        return Err(self.type_error(format!(
                            "Cannot set property {k} of {} which has only a getter",
                            self.object_brief(receiver)
                        )));
                    }
                    self.call(s, receiver, &[value])?;
                    return Ok(());
                }
                if p.attrs & ATTR_WRITABLE == 0 {
                    if self.sendable.classes.is_sealed_class_object(holder) {
                        return self.throw_shared(skiff_shared::SharedError::ReadOnlyProperty);
                    }
                    let k = self.key_display(key);
                    return Err(self.type_error(format!(
                        "Cannot assign to read only property '{k}' of object '{}'",
                        self.object_brief(receiver)
                    )));
                }
                if holder == o && p.attrs & 0x80 == 0 {
                    self.heap.obj_mut(o).set_existing(key, value);
                    return Ok(());
                }
                if holder == o && key == PropKey::Str(names::get().stack) {
                    // An error's lazily formatted `stack` stays non-enumerable when assigned
                    // (found by the structured-clone fuzz target).
                    self.heap.obj_mut(o).put_raw(key, value, p.attrs & !0x80);
                    return Ok(());
                }
                self.add_property(o, key, value)
            }
            None => self.add_property(o, key, value),
        }
    }

    fn add_property(&mut self, o: ObjRef, key: PropKey, value: Value) -> JsResult<()> {
        let obj = self.heap.obj_mut(o);
        if let (PropKey::Index(i), true) = (key, obj.is_array() && obj.length_readonly) {
            if i as usize >= obj.array_len() {
                return Err(self.type_error(
                    "Cannot assign to read only property 'length' of object '[object Array]'",
                ));
            }
        }
        if !obj.extensible {
            if self.sendable.classes.is_sealed_class_object(o) {
                let name = match key {
                    PropKey::Sym(_) => None,
                    k => Some(self.key_display(k)),
                };
                return self.throw_shared(skiff_shared::SharedError::CannotAddProperty(name));
            }
            let k = self.key_display(key);
            return Err(
                self.type_error(format!("Cannot add property {k}, object is not extensible"))
            );
        }
        obj.put_raw(key, value, ATTR_DEFAULT);
        Ok(())
    }

    /// Creates or overwrites an own data property with default attributes (CreateDataProperty).
    pub fn create_data_property(&mut self, o: ObjRef, key: PropKey, value: Value) -> JsResult<()> {
        self.define_own_property(o, key, PropDesc::data(value, ATTR_DEFAULT))?;
        Ok(())
    }

    /// `[[DefineOwnProperty]]` with full validation; returns false when it is not allowed.
    pub fn define_own_property(&mut self, o: ObjRef, key: PropKey, d: PropDesc) -> JsResult<bool> {
        if self.heap.obj(o).is_array() && key == PropKey::Str(names::get().length) {
            if let Some(v) = d.value {
                crate::builtins::array::set_length(self, o, v)?;
            }
            if d.writable == Some(false) {
                self.heap.obj_mut(o).length_readonly = true;
            }
            return Ok(true);
        }
        if let Some(element) = self.typed_array_element(o, key) {
            let Some(i) = element else {
                return Ok(false);
            };
            if d.is_accessor()
                || d.configurable == Some(false)
                || d.enumerable == Some(false)
                || d.writable == Some(false)
            {
                return Ok(false);
            }
            if let Some(v) = d.value {
                crate::builtins::typed::set_index(self, o, i, v)?;
            }
            return Ok(true);
        }
        let current = self.get_own_property(o, key);
        match current {
            None => {
                if !self.heap.obj(o).extensible {
                    return Ok(false);
                }
                let mut attrs = 0;
                if d.enumerable == Some(true) {
                    attrs |= ATTR_ENUMERABLE;
                }
                if d.configurable == Some(true) {
                    attrs |= ATTR_CONFIGURABLE;
                }
                if d.is_accessor() {
                    let acc = self.heap.alloc_accessor(
                        d.get.unwrap_or(Value::UNDEFINED),
                        d.set.unwrap_or(Value::UNDEFINED),
                    );
                    self.heap
                        .obj_mut(o)
                        .put_raw(key, acc, attrs | ATTR_ACCESSOR);
                } else {
                    if d.writable == Some(true) {
                        attrs |= ATTR_WRITABLE;
                    }
                    let v = d.value.unwrap_or(Value::UNDEFINED);
                    self.heap.obj_mut(o).put_raw(key, v, attrs);
                }
                Ok(true)
            }
            Some(cur) => {
                if cur.attrs & 0x80 != 0 {
                    // Virtual string indices are read-only.
                    return Ok(d.value.is_none() && !d.is_accessor());
                }
                let cur_acc = cur.attrs & ATTR_ACCESSOR != 0;
                if cur.attrs & ATTR_CONFIGURABLE == 0 {
                    if d.configurable == Some(true) {
                        return Ok(false);
                    }
                    if let Some(e) = d.enumerable {
                        if e != (cur.attrs & ATTR_ENUMERABLE != 0) {
                            return Ok(false);
                        }
                    }
                    if d.is_accessor() != cur_acc
                        && (d.is_accessor() || d.value.is_some() || d.writable.is_some())
                    {
                        return Ok(false);
                    }
                    if cur_acc {
                        let (g, s) = self.heap.accessor(cur.value);
                        if d.get.is_some_and(|x| x != g) || d.set.is_some_and(|x| x != s) {
                            return Ok(false);
                        }
                    } else if cur.attrs & ATTR_WRITABLE == 0 {
                        if d.writable == Some(true) {
                            return Ok(false);
                        }
                        if let Some(v) = d.value {
                            if !self.same_value(v, cur.value) {
                                return Ok(false);
                            }
                        }
                    }
                }
                let mut attrs = cur.attrs & (ATTR_ENUMERABLE | ATTR_CONFIGURABLE);
                if let Some(e) = d.enumerable {
                    attrs = (attrs & !ATTR_ENUMERABLE) | if e { ATTR_ENUMERABLE } else { 0 };
                }
                if let Some(c) = d.configurable {
                    attrs = (attrs & !ATTR_CONFIGURABLE) | if c { ATTR_CONFIGURABLE } else { 0 };
                }
                if d.is_accessor() {
                    let (mut g, mut s) = if cur_acc {
                        self.heap.accessor(cur.value)
                    } else {
                        (Value::UNDEFINED, Value::UNDEFINED)
                    };
                    if let Some(x) = d.get {
                        g = x;
                    }
                    if let Some(x) = d.set {
                        s = x;
                    }
                    let acc = self.heap.alloc_accessor(g, s);
                    self.heap
                        .obj_mut(o)
                        .put_raw(key, acc, attrs | ATTR_ACCESSOR);
                } else if cur_acc && d.value.is_none() && d.writable.is_none() {
                    self.heap
                        .obj_mut(o)
                        .put_raw(key, cur.value, attrs | ATTR_ACCESSOR);
                } else {
                    let w = match d.writable {
                        Some(w) => w,
                        None => !cur_acc && cur.attrs & ATTR_WRITABLE != 0,
                    };
                    if w {
                        attrs |= ATTR_WRITABLE;
                    }
                    let v = d
                        .value
                        .unwrap_or(if cur_acc { Value::UNDEFINED } else { cur.value });
                    let obj = self.heap.obj_mut(o);
                    // Elements of sealed/frozen objects cannot change attributes in dense storage;
                    // put_raw moves them into the shape when needed.
                    obj.put_raw(key, v, attrs);
                }
                Ok(true)
            }
        }
    }

    /// `[[Delete]]`; returns false for non-configurable properties.
    pub fn delete_property(&mut self, o: ObjRef, key: PropKey) -> bool {
        // Typed array elements cannot be deleted; other numeric keys name nothing.
        if let Some(element) = self.typed_array_element(o, key) {
            return element.is_none();
        }
        match self.get_own_property(o, key) {
            None => true,
            Some(p) => {
                if p.attrs & ATTR_CONFIGURABLE == 0 {
                    return false;
                }
                if self.heap.obj(o).is_array() {
                    if let PropKey::Index(i) = key {
                        let obj = self.heap.obj_mut(o);
                        if (i as usize) < obj.elements.len() {
                            obj.elements[i as usize] = Value::HOLE;
                        }
                        obj.remove(key);
                        return true;
                    }
                }
                self.heap.obj_mut(o).remove(key);
                true
            }
        }
    }

    /// Own property keys (including virtual ones) in ES order; private names are excluded.
    pub fn own_keys(&self, o: ObjRef) -> Vec<PropKey> {
        let mut keys = self.own_keys_inner(o);
        if self
            .heap
            .obj(o)
            .shape
            .keys
            .iter()
            .any(|k| matches!(k, PropKey::Sym(_)))
        {
            keys.retain(|k| match k {
                PropKey::Sym(s) => !self.symbols.get(s.0 as usize).is_some_and(|d| d.private),
                _ => true,
            });
        }
        keys
    }

    fn own_keys_inner(&self, o: ObjRef) -> Vec<PropKey> {
        let obj = self.heap.obj(o);
        match &obj.kind {
            ObjectKind::Array => {
                let mut keys = obj.own_keys();
                let n = keys
                    .iter()
                    .position(|k| !matches!(k, PropKey::Index(_)))
                    .unwrap_or(keys.len());
                keys.insert(n, PropKey::Str(names::get().length));
                keys
            }
            ObjectKind::String(s) => {
                let len = self.js_str(*s).len() as u32;
                let mut keys: Vec<PropKey> = (0..len).map(PropKey::Index).collect();
                let rest = obj.own_keys();
                keys.extend(rest.iter().filter(|k| matches!(k, PropKey::Index(_))));
                keys.push(PropKey::Str(names::get().length));
                keys.extend(rest.iter().filter(|k| !matches!(k, PropKey::Index(_))));
                keys
            }
            ObjectKind::TypedArray { length, .. } => {
                let mut keys: Vec<PropKey> = (0..*length as u32).map(PropKey::Index).collect();
                keys.extend(obj.own_keys());
                keys
            }
            _ => obj.own_keys(),
        }
    }

    /// Own enumerable string keys (for `Object.keys`, spread, for-in).
    pub fn own_enumerable_string_keys(&self, o: ObjRef) -> Vec<PropKey> {
        self.own_keys(o)
            .into_iter()
            .filter(|k| {
                !k.is_symbol()
                    && self
                        .get_own_property(o, *k)
                        .is_some_and(|p| p.attrs & ATTR_ENUMERABLE != 0)
            })
            .collect()
    }

    /// Returns the descriptor of an own property as a `PropDesc` (computing virtual values).
    pub fn get_own_descriptor(&mut self, o: ObjRef, key: PropKey) -> JsResult<Option<PropDesc>> {
        let Some(p) = self.get_own_property(o, key) else {
            return Ok(None);
        };
        if p.attrs & ATTR_ACCESSOR != 0 {
            let (g, s) = self.heap.accessor(p.value);
            return Ok(Some(PropDesc {
                get: Some(g),
                set: Some(s),
                enumerable: Some(p.attrs & ATTR_ENUMERABLE != 0),
                configurable: Some(p.attrs & ATTR_CONFIGURABLE != 0),
                ..Default::default()
            }));
        }
        let v = if p.attrs & 0x80 != 0 {
            self.virtual_get(o, key)?
        } else {
            p.value
        };
        Ok(Some(PropDesc::data(v, p.attrs)))
    }

    pub fn key_display(&self, key: PropKey) -> String {
        match key {
            PropKey::Index(i) => i.to_string(),
            PropKey::Str(a) => a.name().to_rust_string(),
            PropKey::Sym(s) => format!(
                "Symbol({})",
                self.symbols
                    .get(s.0 as usize)
                    .and_then(|d| d.description.clone())
                    .map(|d| d.to_rust_string())
                    .unwrap_or_default()
            ),
        }
    }

    /// Value to show in error messages such as "#<Object>" / "[object Array]".
    pub fn object_brief(&self, v: Value) -> String {
        match self.heap.try_obj(v) {
            Some(o) if o.is_array() => "[object Array]".into(),
            Some(_) => format!("#<{}>", self.class_name(v)),
            None => self.to_display_string(v),
        }
    }

    /// The constructor name of an object, used by inspect and messages.
    pub fn class_name(&self, v: Value) -> String {
        let Some(o) = v.as_object() else {
            return String::new();
        };
        let mut cur = self.heap.obj(o).proto;
        while let Some(p) = cur {
            if let Some(c) = self
                .heap
                .obj(p)
                .get_own(PropKey::Str(names::get().constructor))
            {
                if c.attrs & ATTR_ACCESSOR == 0 {
                    if let Some(n) = self
                        .heap
                        .try_obj(c.value)
                        .and_then(|f| f.get_own(PropKey::Str(names::get().name)))
                    {
                        if let Some(s) = n.value.as_string() {
                            return self.heap.str(s).to_rust_string();
                        }
                    }
                }
            }
            cur = self.heap.obj(p).proto;
        }
        "Object".into()
    }

    /// A best-effort string for messages; never calls into JS.
    pub fn to_display_string(&self, v: Value) -> String {
        match v.kind() {
            Kind::String => self.js_str(v).to_rust_string(),
            Kind::Number => crate::conv::number_to_string(v.num()).to_rust_string(),
            Kind::Undefined | Kind::Hole => "undefined".into(),
            Kind::Null => "null".into(),
            Kind::Bool => (v == Value::TRUE).to_string(),
            Kind::Symbol => {
                let s = v.as_symbol().map(|s| self.key_display(PropKey::Sym(s)));
                s.unwrap_or_default()
            }
            Kind::BigInt => v
                .as_bigint()
                .map(|b| self.heap.bigint(b).to_string())
                .unwrap_or_default(),
            Kind::Object => {
                if self.is_callable(v) {
                    "function".into()
                } else if self.is_array(v) {
                    "[object Array]".into()
                } else {
                    "[object Object]".into()
                }
            }
            Kind::Shared => "[object Object]".into(),
        }
    }

    // ----- calls --------------------------------------------------------------------------

    /// Calls any callable value.
    pub fn call(&mut self, f: Value, this: Value, args: &[Value]) -> JsResult<Value> {
        let Some(fo) = f.as_object() else {
            return Err(self.not_a_function(f));
        };
        let kind_tag = match &self.heap.obj(fo).kind {
            ObjectKind::Closure(_) => 0,
            ObjectKind::Native(n) => {
                let nf = n.f;
                return self.call_native(nf, f, this, args, Value::UNDEFINED);
            }
            ObjectKind::Bound(_) => 2,
            _ => 3,
        };
        match kind_tag {
            0 => crate::interp::call_closure(self, f, this, args, Value::UNDEFINED),
            2 => {
                let (target, bthis, mut bargs) = match &self.heap.obj(fo).kind {
                    ObjectKind::Bound(b) => (b.target, b.this, b.args.clone()),
                    _ => unreachable_bound(),
                };
                bargs.extend_from_slice(args);
                self.call(target, bthis, &bargs)
            }
            _ => Err(self.not_a_function(f)),
        }
    }

    pub fn not_a_function(&mut self, f: Value) -> Value {
        let s = if f.is_object() {
            self.object_brief(f)
        } else if f.is_string() {
            format!("\"{}\"", self.to_display_string(f))
        } else {
            self.to_display_string(f)
        };
        self.type_error(format!("{s} is not a function"))
    }

    pub(crate) fn call_native(
        &mut self,
        nf: NativeFn,
        callee: Value,
        this: Value,
        args: &[Value],
        new_target: Value,
    ) -> JsResult<Value> {
        if self.native_depth >= self.limits.max_native_depth {
            return Err(self.range_error("Maximum call stack size exceeded"));
        }
        let saved_callee = std::mem::replace(&mut self.native_callee, callee);
        let saved_nt = std::mem::replace(&mut self.new_target, new_target);
        let hmark = self.handles.len();
        self.handles.push(callee);
        self.handles.push(this);
        self.handles.extend_from_slice(args);
        self.native_depth += 1;
        let r = nf(self, this, args);
        self.native_depth -= 1;
        self.handles.truncate(hmark);
        self.native_callee = saved_callee;
        self.new_target = saved_nt;
        r
    }

    /// `new f(...args)` with an explicit `new.target`.
    pub fn construct(&mut self, f: Value, args: &[Value], new_target: Value) -> JsResult<Value> {
        if !self.is_constructor(f) {
            let s = self.object_brief(f);
            let s = if f.is_object() {
                self.heap
                    .try_obj(f)
                    .and_then(|o| o.get_own(PropKey::Str(names::get().name)))
                    .and_then(|p| p.value.as_string())
                    .map(|s| self.heap.str(s).to_rust_string())
                    .filter(|s| !s.is_empty())
                    .unwrap_or(s)
            } else {
                self.to_display_string(f)
            };
            return Err(self.type_error(format!("{s} is not a constructor")));
        }
        let fo = f.as_object().unwrap_or(ObjRef(0));
        match &self.heap.obj(fo).kind {
            ObjectKind::Closure(_) => {
                crate::interp::call_closure(self, f, Value::UNDEFINED, args, new_target)
            }
            ObjectKind::Native(n) => {
                let nf = n.f;
                self.call_native(nf, f, Value::UNDEFINED, args, new_target)
            }
            ObjectKind::Bound(b) => {
                let target = b.target;
                let mut a = b.args.clone();
                a.extend_from_slice(args);
                let nt = if new_target == f { target } else { new_target };
                self.construct(target, &a, nt)
            }
            _ => Err(self.type_error("not a constructor")),
        }
    }

    /// GetPrototypeFromConstructor: `new_target.prototype` if it is an object, else `default`.
    pub fn proto_from_ctor(&mut self, new_target: Value, default: ObjRef) -> JsResult<ObjRef> {
        if new_target.is_object() {
            let p = self.get(new_target, PropKey::Str(names::get().prototype))?;
            if let Some(p) = p.as_object() {
                return Ok(p);
            }
        }
        Ok(default)
    }

    pub fn bind(&mut self, target: Value, this: Value, args: Vec<Value>) -> ObjRef {
        let proto = self
            .heap
            .try_obj(target)
            .and_then(|o| o.proto)
            .unwrap_or(self.realm.function_proto);
        self.new_object_with_proto(
            Some(proto),
            ObjectKind::Bound(Box::new(BoundFunction { target, this, args })),
        )
    }

    /// Calls a method by name.
    pub fn invoke(&mut self, target: Value, key: PropKey, args: &[Value]) -> JsResult<Value> {
        let f = self.get(target, key)?;
        if !self.is_callable(f) {
            let k = self.key_display(key);
            let t = self.to_display_string(target);
            return Err(self.type_error(format!("{t}.{k} is not a function")));
        }
        self.call(f, target, args)
    }

    // ----- misc ---------------------------------------------------------------------------

    pub fn same_value(&self, a: Value, b: Value) -> bool {
        crate::ops::same_value(self, a, b)
    }

    pub fn poll_attention(&self) -> u32 {
        self.attention.load(Ordering::Relaxed)
    }

    /// Collects garbage now, from all roots.
    pub fn collect_garbage(&mut self) {
        let mut roots: Vec<Value> = Vec::with_capacity(1024);
        self.realm.trace(&mut roots);
        roots.extend_from_slice(&self.handles);
        roots.push(self.native_callee);
        roots.push(self.new_target);
        roots.push(self.empty_string);
        roots.extend_from_slice(&self.char_strings);
        roots.extend_from_slice(&self.typeof_strings);
        self.interp.trace(&mut roots);
        self.modules.trace(&mut roots);
        self.event_loop.trace(&mut roots);
        self.sendable.trace(&mut roots);
        self.number_strings = Vec::new();
        let shared = self.heap.collect(&roots);
        self.publish_shared_roots(shared);
    }

    /// Collects garbage if enough allocation happened; called at safepoints.
    #[inline]
    pub fn maybe_gc(&mut self) {
        if self.heap.should_collect() {
            self.collect_garbage();
        }
    }

    /// Whether `v` is a heap cell of object kind (not an env or accessor cell).
    pub fn is_real_object(&self, v: Value) -> bool {
        matches!(
            v.as_object()
                .and_then(|o| self.heap.cells.get(o.0 as usize)),
            Some(Cell::Object(_))
        )
    }

    pub fn root_shape(&self) -> Rc<Shape> {
        self.realm.root_shape.clone()
    }
}

impl Default for Vm {
    fn default() -> Self {
        Self::new()
    }
}

#[cold]
fn unreachable_bound() -> (Value, Value, Vec<Value>) {
    (Value::UNDEFINED, Value::UNDEFINED, Vec::new())
}

impl Vm {
    /// The text the embedder prints for an uncaught exception: `Uncaught TypeError: msg` and
    /// the stack for errors, `Uncaught <inspected value>` otherwise.
    pub fn format_uncaught(&self, e: Value) -> String {
        if e == TERMINATION {
            return "Uncaught Error: terminated".into();
        }
        // Errors inspect as their stack, other thrown values the way node shows them.
        format!("Uncaught {}", crate::inspect::inspect(self, e))
    }
}
