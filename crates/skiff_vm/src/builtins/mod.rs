//! The standard library. Each submodule installs one family of builtins on the realm.

pub mod arkts_utils;
pub mod array;
pub mod atomics;
pub mod bigint;
pub mod collections;
pub mod console;
pub mod date;
pub mod error;
pub mod function;
pub mod generator;
pub mod global;
pub mod iterator;
pub mod json;
pub mod math;
pub mod number;
pub mod object;
pub mod promise;
pub mod regexp;
pub mod sendable_collections;
pub mod string;
pub mod symbol;
pub mod typed;

use crate::atom::PropKey;
use crate::object::{NativeFunction, ObjectKind};
use crate::shape::ATTR_HIDDEN;
use crate::value::{ObjRef, Value};
use crate::vm::Vm;

/// Installs every builtin into `vm`'s realm and global object.
pub fn install(vm: &mut Vm) {
    // Function.prototype is itself callable (it returns undefined).
    let fp = vm.realm.function_proto;
    vm.heap.obj_mut(fp).kind = ObjectKind::Native(Box::new(NativeFunction {
        f: |_, _, _| Ok(Value::UNDEFINED),
        data: Vec::new(),
    }));
    object::install(vm);
    function::install(vm);
    error::install(vm);
    global::install(vm);
    symbol::install(vm);
    iterator::install(vm);
    generator::install(vm);
    array::install(vm);
    string::install(vm);
    number::install(vm);
    math::install(vm);
    json::install(vm);
    collections::install(vm);
    promise::install(vm);
    regexp::install(vm);
    date::install(vm);
    typed::install(vm);
    atomics::install(vm);
    bigint::install(vm);
    console::install(vm);
    crate::sendable::install(vm);
    arkts_utils::install(vm);
    sendable_collections::install(vm);
}

/// The `i`th argument or undefined.
#[inline]
pub fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).copied().unwrap_or(Value::UNDEFINED)
}

/// Defines a global binding (non-enumerable, like the builtins of a real global object).
pub fn set_global(vm: &mut Vm, name: &str, v: Value) {
    let g = vm.realm.global;
    vm.heap
        .obj_mut(g)
        .put_raw(PropKey::from_str(name), v, ATTR_HIDDEN);
}

/// For natives that loop for long: stops at `worker.terminate()` (and `--timeout`), an
/// interrupt, or the heap limit (`--max-heap`: the loop may be what grows, collecting values in
/// a Rust vector). Unlike the interpreter's safepoint it never collects garbage, since the
/// caller may hold values in Rust variables.
pub fn check_interrupt(vm: &mut Vm) -> crate::JsResult<()> {
    use crate::vm::attention;
    let a = vm.poll_attention();
    if a & attention::TERMINATE != 0 {
        vm.terminating = true;
        return Err(crate::vm::TERMINATION);
    }
    if a & attention::INTERRUPT != 0 {
        vm.attention
            .fetch_and(!attention::INTERRUPT, std::sync::atomic::Ordering::Relaxed);
        return Err(vm.make_error(vm.realm.error_proto, "Interrupted"));
    }
    if a & attention::OUT_OF_MEMORY != 0 {
        vm.attention.fetch_and(
            !attention::OUT_OF_MEMORY,
            std::sync::atomic::Ordering::Relaxed,
        );
        return Err(vm.range_error("Out of memory: the heap limit was exceeded"));
    }
    Ok(())
}

/// [`check_interrupt`] on every 65 536th step of a native loop: cheap enough for loops over
/// the elements of a typed array or an iterator.
#[inline]
pub fn tick(vm: &mut Vm, step: usize) -> crate::JsResult<()> {
    if step & 0xFFFF == 0 {
        check_interrupt(vm)
    } else {
        Ok(())
    }
}

/// SpeciesConstructor(o, default): `o.constructor[Symbol.species]`, or `default` when either
/// is undefined (or the species is null).
pub fn species_constructor(vm: &mut Vm, o: Value, default: Value) -> crate::JsResult<Value> {
    let c = vm.get(o, PropKey::Str(crate::atom::names::get().constructor))?;
    if c.is_undefined() {
        return Ok(default);
    }
    if !c.is_object() {
        return Err(vm.type_error("The .constructor property is not an object"));
    }
    let s = vm.get(c, PropKey::Sym(crate::vm::wk::SPECIES))?;
    if s.is_nullish() {
        return Ok(default);
    }
    if !vm.is_constructor(s) {
        return Err(vm.type_error("object.constructor[Symbol.species] is not a constructor"));
    }
    Ok(s)
}

/// A `get [Symbol.species]() { return this; }` accessor for built-in constructors.
pub fn species_getter(_vm: &mut Vm, this: Value, _args: &[Value]) -> crate::JsResult<Value> {
    Ok(this)
}

/// Data slot `i` of the native function currently executing.
pub fn callee_data(vm: &Vm, i: usize) -> Value {
    match vm.heap.try_obj(vm.native_callee).map(|o| &o.kind) {
        Some(ObjectKind::Native(n)) => n.data.get(i).copied().unwrap_or(Value::UNDEFINED),
        _ => Value::UNDEFINED,
    }
}

/// A callable argument or a TypeError naming it.
pub fn require_callable(vm: &mut Vm, v: Value) -> crate::JsResult<Value> {
    if vm.is_callable(v) {
        Ok(v)
    } else {
        Err(vm.not_a_function(v))
    }
}

pub fn obj_value(o: ObjRef) -> Value {
    Value::object(o)
}
