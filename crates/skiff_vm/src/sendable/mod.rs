//! The Sendable bridge: the one audited place where the VM meets the process-wide shared heap
//! (`skiff_shared`). See `docs/shared-heap.md`, "Wiring into the VM".
//!
//! * **Words.** A [`Value`] with tag `0xFFFE` is a shared reference; its bits are those of a
//!   [`SharedWord`]. [`Vm::to_shared_word`] converts a local value for a store into the shared
//!   heap (numbers, booleans, null, undefined and shared references by bits; local strings and
//!   BigInts allocate shared cells; local objects and symbols are [`ToWordError::NotSendable`]).
//!   [`Vm::from_shared_word`] converts back: shared string and BigInt cells become *local*
//!   strings and BigInts (an `Arc` clone / a copy), so a `Value::shared` never names a string
//!   or BigInt cell; every other cell stays a shared reference.
//! * **Mutator.** Each VM owns one [`Mutator`] of [`SharedHeap::global`], registered when the
//!   VM is created (on its thread) and reached with [`Vm::mutator`]. Do not register another
//!   one for a VM.
//! * **Property dispatch.** [`Vm::get`], [`Vm::set`], `in`, `delete`, own keys and element
//!   access on a shared value go through [`props`]: Sendable class instances use their fields
//!   and their class's local prototype; every other cell kind (collections, locks, …) delegates
//!   to the per-VM prototype `vm.realm.sendable_protos[kind.index()]`, with array / typed array /
//!   bit vector index reads and writes going straight to the `skiff_shared` element APIs.
//! * **Classes.** [`class`] holds the process-wide registry of `SendableClass`es (keyed by
//!   module id + constructor function index) and each VM's local class objects.
//! * **Errors.** [`Vm::shared_error`] turns a [`SharedError`] into the JS error the runtime
//!   throws (TypeError / RangeError / SyntaxError, or a `BusinessError` with its `code`).
//!
//! * **Collection.** [`gc`] keeps this VM's shared roots published and answers the shared
//!   heap's collection requests at safepoints; blocking waits go through [`Vm::parked`].

pub mod bindings;
pub mod class;
pub mod function;
pub mod gc;
pub mod props;
pub mod shared_module;

pub use skiff_shared::{Pins, SharedRef};

use crate::atom::PropKey;
use crate::shape::ATTR_HIDDEN;
use crate::string::JsStr;
use crate::value::{Kind, ObjRef, Value};
use crate::vm::Vm;
use crate::JsResult;
use skiff_shared::{Cell, HeapView, JsErrorType, Mutator, SharedError, SharedStr, SharedWord};

/// The kind of a shared cell. [`SharedKind::index`] indexes `Realm::sendable_protos`, the
/// per-VM prototype objects that give each kind its methods.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum SharedKind {
    /// A `@Sendable` class instance (its prototype is its class's local prototype; the entry in
    /// `sendable_protos` is the fallback for classes this VM cannot materialize).
    Object,
    /// Never seen by scripts: string cells are converted to local strings on load.
    Str,
    /// Never seen by scripts: BigInt cells are converted to local BigInts on load.
    BigInt,
    Array,
    Map,
    Set,
    ArrayBuffer,
    TypedArray,
    BitVector,
    AsyncLock,
    ConditionVariable,
    Function,
    Env,
}

impl SharedKind {
    /// Number of kinds (the length of `Realm::sendable_protos`).
    pub const COUNT: usize = 13;

    /// Every kind, in `index` order.
    pub const ALL: [SharedKind; SharedKind::COUNT] = [
        SharedKind::Object,
        SharedKind::Str,
        SharedKind::BigInt,
        SharedKind::Array,
        SharedKind::Map,
        SharedKind::Set,
        SharedKind::ArrayBuffer,
        SharedKind::TypedArray,
        SharedKind::BitVector,
        SharedKind::AsyncLock,
        SharedKind::ConditionVariable,
        SharedKind::Function,
        SharedKind::Env,
    ];

    /// The index into `Realm::sendable_protos`.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind of a cell.
    pub fn of(cell: &Cell) -> SharedKind {
        match cell {
            Cell::Object(_) => SharedKind::Object,
            Cell::Str(_) => SharedKind::Str,
            Cell::BigInt(_) => SharedKind::BigInt,
            Cell::Array(_) => SharedKind::Array,
            Cell::Map(_) => SharedKind::Map,
            Cell::Set(_) => SharedKind::Set,
            Cell::ArrayBuffer(_) => SharedKind::ArrayBuffer,
            Cell::TypedArray(_) => SharedKind::TypedArray,
            Cell::BitVector(_) => SharedKind::BitVector,
            Cell::AsyncLock(_) => SharedKind::AsyncLock,
            Cell::ConditionVariable(_) => SharedKind::ConditionVariable,
            Cell::Function(_) => SharedKind::Function,
            Cell::Env(_) => SharedKind::Env,
        }
    }
}

/// Why a value could not become a [`SharedWord`].
#[derive(Debug)]
pub enum ToWordError {
    /// A local object or a symbol: the caller picks the message (a field store reports
    /// `SharedError::MismatchedType`, collections their 401 "Only accept sendable value").
    NotSendable,
    /// The shared heap refused the allocation.
    Heap(SharedError),
}

/// Per-VM Sendable state: the mutator and the local class tables.
#[derive(Default)]
pub struct SendableState {
    mutator: Option<Mutator>,
    /// Local class objects of this VM, by `SendableClass::id()`, plus the reverse map from a
    /// local constructor to its class. See [`class`].
    pub classes: class::LocalClasses,
    /// Canonical ids of the modules whose classes are being materialized (recursion guard).
    pub(crate) materializing: Vec<String>,
    /// The published root set may name references this VM no longer holds (a collection
    /// ran while only the log could be added); the next event-loop turn republishes it.
    pub(crate) roots_stale: bool,
    /// How many natives on the Rust stack hold shared words that no local root shows
    /// ([`Vm::with_shared_words_held`]).
    pub(crate) words_held: u32,
    /// This VM's closures of Sendable function cells, by slot ([`function`]).
    pub(crate) functions: rustc_hash::FxHashMap<u32, Value>,
    /// Exported bindings this VM publishes for threads that materialize its modules
    /// ([`bindings`]).
    pub(crate) bindings: bindings::Published,
}

impl SendableState {
    /// The mutator if this VM has registered one (for code that only has `&Vm`, such as
    /// `inspect`; `console.log` registers it before formatting shared values).
    pub fn mutator_ref(&self) -> Option<&Mutator> {
        self.mutator.as_ref()
    }

    /// Local values this state keeps alive (for the local GC).
    pub fn trace(&self, out: &mut Vec<Value>) {
        self.classes.trace(out);
        out.extend(self.functions.values());
        self.bindings.trace(out);
    }
}

impl Vm {
    /// A shallow copy of a Sendable value, for `postMessage` and TaskPool clone lists, which
    /// copy Sendables where `postMessageWithSharedSendable` and task arguments share them: a
    /// `@Sendable` class instance becomes a new instance of the same class whose fields hold the
    /// same values, a container a new container of the same kind with the same elements (a
    /// typed array gets a copy of its buffer). A Sendable inside is still shared. None for
    /// values that are only ever shared: locks, condition variables, functions, and instances
    /// carrying a native part (collection subclasses, `SendableLruCache`).
    pub fn copy_sendable(&mut self, v: Value) -> Option<Value> {
        let r = SharedRef(v.as_shared()?);
        let copy = copy_cell(self.mutator(), r).ok()??;
        Some(Value::shared(copy.0))
    }

    /// This VM's mutator of the process-wide shared heap (registered when the VM is created;
    /// re-registered if it was ever taken away). It derefs to
    /// [`HeapView`] for cell access (`vm.mutator().object(r)`, `.array(r)`, …). Builtins that
    /// call back into scripts clone the collection's `Arc` first and drop the borrow.
    pub fn mutator(&mut self) -> &mut Mutator {
        let attention = &self.attention;
        self.sendable
            .mutator
            .get_or_insert_with(|| gc::register(attention))
    }

    /// The shared heap as seen by this VM.
    pub fn shared_view(&mut self) -> &HeapView {
        self.mutator()
    }

    /// The cell kind of a shared value, or `None` for local values and free slots.
    pub fn shared_kind(&mut self, v: Value) -> Option<SharedKind> {
        let slot = v.as_shared()?;
        self.mutator().get(SharedRef(slot)).map(SharedKind::of)
    }

    /// True for values that may be stored into the shared heap as they are or by conversion
    /// (`isSendable`): primitives other than symbols, and shared references.
    pub fn is_sendable_value(&self, v: Value) -> bool {
        !matches!(v.kind(), Kind::Object | Kind::Symbol)
    }

    /// Converts a local value for a store into the shared heap.
    ///
    /// Numbers, booleans, null, undefined and shared references keep their bits; a local
    /// string or BigInt enters the shared heap as a new cell (the string's `Arc` is shared, not
    /// copied). The hole becomes undefined. Local objects and symbols are not Sendable.
    pub fn to_shared_word(&mut self, v: Value) -> Result<SharedWord, ToWordError> {
        match v.kind() {
            Kind::Number | Kind::Undefined | Kind::Null | Kind::Bool | Kind::Shared => {
                SharedWord::from_bits(v.bits()).map_err(|_| ToWordError::NotSendable)
            }
            Kind::Hole => Ok(SharedWord::UNDEFINED),
            Kind::String => {
                let s = match self.js_str(v) {
                    JsStr::Ascii(a) => SharedStr::Ascii(a),
                    JsStr::Wide(w) => SharedStr::Wide(w),
                };
                self.mutator().alloc_str(s).map_err(ToWordError::Heap)
            }
            Kind::BigInt => {
                let b = self.bigint_of(v);
                self.mutator().alloc_bigint(b).map_err(ToWordError::Heap)
            }
            Kind::Object => match self.sendable_function_word(v) {
                Some(r) => r.map_err(ToWordError::Heap),
                None => Err(ToWordError::NotSendable),
            },
            Kind::Symbol => Err(ToWordError::NotSendable),
        }
    }

    /// Like [`Vm::to_shared_word`], with errors thrown: `not_sendable` for local objects and
    /// symbols, the heap's own error otherwise.
    pub fn to_shared_word_or(
        &mut self,
        v: Value,
        not_sendable: SharedError,
    ) -> JsResult<SharedWord> {
        match self.to_shared_word(v) {
            Ok(w) => Ok(w),
            Err(ToWordError::NotSendable) => Err(self.shared_error(not_sendable)),
            Err(ToWordError::Heap(e)) => Err(self.shared_error(e)),
        }
    }

    /// Converts a word loaded from the shared heap into a value of this VM: string and BigInt
    /// cells become local strings and BigInts, everything else keeps its bits.
    pub fn from_shared_word(&mut self, w: SharedWord) -> Value {
        let Some(r) = w.as_ref() else {
            return Value::from_shared_bits(w);
        };
        let m = self.mutator();
        let local = match m.get(r) {
            Some(Cell::Str(s)) => Some(Ok(match s {
                SharedStr::Ascii(a) => JsStr::Ascii(a.clone()),
                SharedStr::Wide(u) => JsStr::Wide(u.clone()),
            })),
            Some(Cell::BigInt(b)) => Some(Err(b.clone())),
            Some(Cell::Function(f)) => {
                let site = (f.module_id, f.function_index);
                return self.load_sendable_function(r, site);
            }
            _ => None,
        };
        match local {
            Some(Ok(s)) => self.new_string(s),
            Some(Err(b)) => self.new_bigint(b),
            None => self.shared_value(r),
        }
    }

    /// The JS error for a shared-heap error: a TypeError / RangeError / SyntaxError with the
    /// runtime's exact text, or a `BusinessError` (an `Error` with own `code` and `name`).
    pub fn shared_error(&mut self, e: SharedError) -> Value {
        let msg = e.message();
        match e.error_type() {
            JsErrorType::TypeError => self.type_error(&msg),
            JsErrorType::RangeError => self.range_error(&msg),
            JsErrorType::SyntaxError => self.syntax_error(&msg),
            _ => self.business_error(e.code().unwrap_or(0), &msg),
        }
    }

    /// Throws [`Vm::shared_error`].
    pub fn throw_shared<T>(&mut self, e: SharedError) -> JsResult<T> {
        Err(self.shared_error(e))
    }

    /// An ArkTS `BusinessError`: an `Error` with own data properties `code` and
    /// `name: "BusinessError"`, so it prints as `BusinessError: <message>`.
    pub fn business_error(&mut self, code: u32, msg: &str) -> Value {
        let p = self.realm.error_proto;
        let e = self.make_error(p, msg);
        self.root(e);
        let name = self.str_val("BusinessError");
        if let Some(o) = e.as_object() {
            let obj = self.heap.obj_mut(o);
            obj.put_raw(
                PropKey::from_str("code"),
                Value::number(code as f64),
                ATTR_HIDDEN | 2,
            );
            obj.put_raw(PropKey::from_str("name"), name, ATTR_HIDDEN | 2);
        }
        e
    }

    /// The per-VM prototype for shared cells of `kind` (`Realm::sendable_protos`).
    pub fn sendable_proto(&self, kind: SharedKind) -> ObjRef {
        self.realm.sendable_protos[kind.index()]
    }
}

/// The copy of one cell for [`Vm::copy_sendable`]; `Ok(None)` for cells that are not copied.
fn copy_cell(m: &mut Mutator, r: SharedRef) -> Result<Option<SharedRef>, SharedError> {
    let Some(cell) = m.get(r) else {
        return Ok(None);
    };
    // Each arm reads what it needs and lets go of the cell before allocating.
    let copy = match cell {
        Cell::Object(obj) => {
            if obj.native().is_some() {
                return Ok(None);
            }
            let class = obj.class().clone();
            let words: Vec<SharedWord> = (0..class.field_count() as u32)
                .map(|i| obj.get(i))
                .collect();
            let copy = m.alloc_object(&class)?;
            if let Some(obj) = m.object(copy) {
                for (i, w) in words.into_iter().enumerate() {
                    obj.set(m, i as u32, w)?;
                }
            }
            copy
        }
        Cell::Array(a) => {
            let items = a.snapshot()?;
            m.alloc_array(items)?
        }
        Cell::Map(map) => {
            let entries = map.entries()?;
            let copy = m.alloc_map()?;
            if let Some(new) = m.map(copy).cloned() {
                for (k, v) in entries {
                    new.set(m, k, v)?;
                }
            }
            copy
        }
        Cell::Set(set) => {
            let values = set.values()?;
            let copy = m.alloc_set()?;
            if let Some(new) = m.set(copy).cloned() {
                for v in values {
                    new.add(m, v)?;
                }
            }
            copy
        }
        Cell::ArrayBuffer(b) => {
            let bytes = b.to_vec()?;
            m.alloc_array_buffer(bytes)?
        }
        Cell::TypedArray(t) => {
            let (kind, offset, length) = (t.kind(), t.byte_offset(), t.length());
            let bytes = t.buffer().to_vec()?;
            let buffer = m.alloc_array_buffer(bytes)?;
            m.alloc_typed_array(kind, buffer, offset, length)?
        }
        Cell::BitVector(bits) => {
            let bits = bits.to_vec()?;
            m.alloc(Cell::BitVector(std::sync::Arc::new(
                skiff_shared::BitVector::from_bits(&bits),
            )))?
        }
        Cell::Str(_)
        | Cell::BigInt(_)
        | Cell::AsyncLock(_)
        | Cell::ConditionVariable(_)
        | Cell::Function(_)
        | Cell::Env(_) => return Ok(None),
    };
    Ok(Some(copy))
}

/// Gives `realm.sendable_object_proto` (the root of every Sendable prototype chain) the
/// `Object.prototype` methods that work on shared receivers.
pub fn install(vm: &mut Vm) {
    let op = vm.realm.object_proto;
    let root = vm.realm.sendable_object_proto;
    for name in [
        "toString",
        "toLocaleString",
        "valueOf",
        "hasOwnProperty",
        "propertyIsEnumerable",
    ] {
        let key = PropKey::from_str(name);
        if let Some(p) = vm.heap.obj(op).get_own(key) {
            vm.heap.obj_mut(root).put_raw(key, p.value, ATTR_HIDDEN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skiff_shared::{Rejected, SharedRef};

    /// `Value` and `SharedWord` are bit-identical (docs/shared-heap.md §1).
    #[test]
    fn value_layout_matches_shared_words() {
        assert_eq!(Value::UNDEFINED.bits(), SharedWord::UNDEFINED.bits());
        assert_eq!(Value::NULL.bits(), SharedWord::NULL.bits());
        assert_eq!(Value::FALSE.bits(), SharedWord::bool(false).bits());
        assert_eq!(Value::TRUE.bits(), SharedWord::bool(true).bits());
        for n in [0.0, -0.0, 1.5, f64::INFINITY, f64::NAN, -1e300] {
            assert_eq!(Value::number(n).bits(), SharedWord::number(n).bits());
        }
        assert_eq!(
            Value::shared(77).bits(),
            SharedWord::from_ref(SharedRef(77)).bits()
        );
        assert_eq!(
            SharedWord::from_bits(Value::shared(77).bits()).ok(),
            Some(SharedWord::from_ref(SharedRef(77)))
        );
        // Local payloads are refused at the boundary.
        for v in [
            Value::object(crate::value::ObjRef(3)),
            Value::string(crate::value::StrRef(3)),
            Value::symbol(crate::value::SymbolId(3)),
            Value::bigint(3),
            Value::HOLE,
        ] {
            assert!(
                matches!(
                    SharedWord::from_bits(v.bits()),
                    Err(Rejected::LocalObject
                        | Rejected::LocalString
                        | Rejected::Symbol
                        | Rejected::LocalBigInt
                        | Rejected::Hole)
                ),
                "{v:?} must not enter the shared heap by bits"
            );
        }
    }

    #[test]
    fn conversions_round_trip() {
        let mut vm = Vm::new();
        let s = vm.str_val("héllo");
        let w = vm.to_shared_word(s).ok().unwrap_or_default();
        assert!(w.as_ref().is_some(), "a string becomes a shared cell");
        let back = vm.from_shared_word(w);
        assert!(back.is_string());
        assert_eq!(vm.js_str(back).to_rust_string(), "héllo");

        let b = vm.new_bigint(num_bigint::BigInt::from(-12345));
        let w = vm.to_shared_word(b).ok().unwrap_or_default();
        let back = vm.from_shared_word(w);
        assert_eq!(vm.bigint_of(back), num_bigint::BigInt::from(-12345));

        for v in [
            Value::number(2.5),
            Value::NULL,
            Value::UNDEFINED,
            Value::TRUE,
        ] {
            let w = vm.to_shared_word(v).ok().unwrap_or_default();
            assert_eq!(vm.from_shared_word(w), v);
        }
        let o = Value::object(vm.new_object());
        assert!(matches!(
            vm.to_shared_word(o),
            Err(ToWordError::NotSendable)
        ));
        let sym = Value::symbol(vm.new_symbol(None));
        assert!(matches!(
            vm.to_shared_word(sym),
            Err(ToWordError::NotSendable)
        ));
        // Shared collections keep their identity.
        let r = vm.mutator().alloc_array(Vec::new()).ok();
        let arr = Value::shared(r.map(|r| r.0).unwrap_or(0));
        let w = vm.to_shared_word(arr).ok().unwrap_or_default();
        assert_eq!(vm.from_shared_word(w), arr);
        assert_eq!(vm.shared_kind(arr), Some(SharedKind::Array));
    }

    #[test]
    fn errors_have_the_runtime_shape() {
        let mut vm = Vm::new();
        let e = vm.shared_error(SharedError::MismatchedType);
        let m = vm.get_str(e, "message").unwrap_or_default();
        assert_eq!(
            vm.js_str(m).to_rust_string(),
            "Cannot set sendable property with mismatched type"
        );
        let e = vm.shared_error(SharedError::ConcurrentModification);
        let code = vm.get_str(e, "code").unwrap_or_default();
        let name = vm.get_str(e, "name").unwrap_or_default();
        assert_eq!(code.as_number(), Some(10200201.0));
        assert_eq!(vm.js_str(name).to_rust_string(), "BusinessError");
    }
}
