//! `ArkTSUtils.SendableLruCache<K, V>`: a Sendable object of a native class.
//!
//! The instance lives in the shared heap, so it can be passed to TaskPool tasks and Workers by
//! reference like any Sendable object. Its layout is one process-wide `SendableClass`
//! (`SendableLruCache`), whose fields follow the ArkTS implementation (`utils_js.ts`): `cache`
//! (a `collections.Map` holding the entries, least recently used first), `maxSize`, the
//! counters and the public `length`. Every VM registers the class's local constructor and
//! prototype at start-up ([`install`], through `sendable::class::define_native_class`), so an
//! instance received from another thread finds its methods. Like ArkTS, the cache has no
//! internal lock: guard it with an `AsyncLock` when threads share it.
//!
//! The algorithm and messages follow the ArkTS implementation, including its counting quirks:
//! a `get` miss whose `createDefault` returns a value puts it twice (two `put`s counted) and
//! calls `afterRemoval(false, key, value, value)`. `put` returns the value stored. Unlike the
//! implementation (which passes iterators), `updateCapacity` and `clear` call `afterRemoval`
//! once per removed entry with that entry's key and value.

use super::{stash, stashed};
use crate::atom::PropKey;
use crate::builtins::arg;
use crate::string::JsStr;
use crate::value::Value;
use crate::vm::Vm;
use crate::JsResult;
use skiff_shared::{
    FieldDesc, FieldType, SendableClass, SendableMap, SharedError, SharedRef, SharedWord,
};
use std::sync::{Arc, OnceLock};

const CACHE: u32 = 0;
const MAX_SIZE: u32 = 1;
const PUT: u32 = 2;
const CREATE: u32 = 3;
const EVICT: u32 = 4;
const HIT: u32 = 5;
const MISS: u32 = 6;
const LENGTH: u32 = 7;

const MAX_CAPACITY: f64 = 2147483647.0;

/// The process-wide layout.
fn class() -> &'static Arc<SendableClass> {
    static C: OnceLock<Arc<SendableClass>> = OnceLock::new();
    C.get_or_init(|| {
        let f = |name: &str, ty: FieldType| FieldDesc {
            atom: crate::atom::Atom::intern(&JsStr::from_str(name)).0,
            name: name.into(),
            ty,
        };
        let n = FieldType::NUMBER;
        let fields = vec![
            f("cache", FieldType::SENDABLE),
            f("maxSize", n),
            f("putCount", n),
            f("createCount", n),
            f("evictionCount", n),
            f("hitCount", n),
            f("missCount", n),
            f("length", n),
        ];
        match SendableClass::new("SendableLruCache", None, fields) {
            Ok(c) => c,
            // Eight fields never exceed the layout limits.
            Err(_) => unreachable!("SendableLruCache layout"),
        }
    })
}

fn param(vm: &mut Vm, msg: String) -> Value {
    vm.business_error(401, &format!("Parameter error. {msg}"))
}

fn display(vm: &mut Vm, v: Value) -> String {
    vm.to_rust_string(v).unwrap_or_default()
}

/// The receiver's slot and its map, or 10200011.
fn this_cache(vm: &mut Vm, this: Value, name: &str) -> JsResult<(u32, Arc<SendableMap>)> {
    let found = this.as_shared().and_then(|slot| {
        let m = vm.mutator();
        let o = m.object(SharedRef(slot))?;
        let is_lru = {
            let mut c = Some(o.class());
            let mut ok = false;
            while let Some(k) = c {
                if k.id() == class().id() {
                    ok = true;
                    break;
                }
                c = k.superclass();
            }
            ok
        };
        if !is_lru {
            return None;
        }
        let map = o.get(CACHE).as_ref()?;
        m.map(map).cloned().map(|mp| (slot, mp))
    });
    match found {
        Some(f) => Ok(f),
        None => Err(vm.business_error(10200011, &format!("The {name} method cannot be bound."))),
    }
}

fn num(vm: &mut Vm, slot: u32, field: u32) -> f64 {
    vm.mutator()
        .object(SharedRef(slot))
        .and_then(|o| o.get(field).as_number())
        .unwrap_or(0.0)
}

fn set_num(vm: &mut Vm, slot: u32, field: u32, n: f64) {
    let m: &skiff_shared::Mutator = vm.mutator();
    if let Some(o) = m.object(SharedRef(slot)) {
        let _ = o.set(m, field, SharedWord::number(n));
    }
}

fn bump(vm: &mut Vm, slot: u32, field: u32) {
    let n = num(vm, slot, field);
    set_num(vm, slot, field, n + 1.0);
}

fn check<T>(vm: &mut Vm, r: Result<T, SharedError>) -> JsResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => vm.throw_shared(e),
    }
}

fn word(vm: &mut Vm, v: Value) -> JsResult<SharedWord> {
    vm.to_shared_word_or(v, SharedError::only_sendable())
}

fn sync_length(vm: &mut Vm, slot: u32, map: &SendableMap) -> JsResult<()> {
    let n = map.size();
    let n = check(vm, n)?;
    set_num(vm, slot, LENGTH, n as f64);
    Ok(())
}

/// Validates a capacity (`capacity <= 0 || capacity % 1 !== 0 || capacity > 2147483647`).
fn capacity(vm: &mut Vm, v: Value) -> JsResult<f64> {
    let n = vm.to_number(v)?;
    if n > 0.0 && n % 1.0 == 0.0 && n <= MAX_CAPACITY {
        Ok(n)
    } else {
        let s = display(vm, v);
        Err(param(vm, format!("The type of {s} must be small integer")))
    }
}

fn ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return vm.throw_type("Class constructor SendableLruCache cannot be invoked without 'new'");
    }
    let mut max = 64.0;
    let c = arg(args, 0);
    if !c.is_nullish() {
        max = capacity(vm, c)?;
    }
    let nt = vm.new_target;
    let cls = vm
        .sendable
        .classes
        .of_ctor(nt)
        .cloned()
        .unwrap_or_else(|| class().clone());
    let map = vm.mutator().alloc_map();
    let map = check(vm, map)?;
    let r = vm.mutator().alloc_object(&cls);
    let r = check(vm, r)?;
    let m: &skiff_shared::Mutator = vm.mutator();
    if let Some(o) = m.object(r) {
        let _ = o.set(m, CACHE, SharedWord::from_ref(map));
        for f in [PUT, CREATE, EVICT, HIT, MISS, LENGTH] {
            let _ = o.set(m, f, SharedWord::number(0.0));
        }
        let _ = o.set(m, MAX_SIZE, SharedWord::number(max));
    }
    Ok(vm.shared_value(r))
}

fn after_removal(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<()> {
    let base = vm.handles.len();
    vm.handles.extend_from_slice(args);
    // Callers remove several entries at once and keep the rest in Rust while this runs.
    let r =
        vm.with_shared_words_held(|vm| vm.invoke(this, PropKey::from_str("afterRemoval"), args));
    vm.handles.truncate(base);
    r.map(|_| ())
}

/// The least recently used entry.
fn first(vm: &mut Vm, map: &SendableMap) -> Option<(Value, Value)> {
    let (_, k, v) = map.entry_at(skiff_shared::Cursor::START)?;
    let k = vm.from_shared_word(k);
    vm.root(k);
    let v = vm.from_shared_word(v);
    vm.root(v);
    Some((k, v))
}

fn lookup(vm: &mut Vm, map: &SendableMap, k: SharedWord) -> JsResult<Option<SharedWord>> {
    let has = map.has(vm.mutator(), k);
    if !check(vm, has)? {
        return Ok(None);
    }
    let v = map.get(vm.mutator(), k);
    check(vm, v).map(Some)
}

/// Moves `k` to the most recently used end.
fn touch(vm: &mut Vm, map: &SendableMap, k: SharedWord, v: SharedWord) -> JsResult<()> {
    let d = map.delete(vm.mutator(), k);
    check(vm, d)?;
    let s = map.set(vm.mutator(), k, v);
    check(vm, s)?;
    Ok(())
}

fn require_key(vm: &mut Vm, key: Value, null_ok: bool) -> JsResult<()> {
    if key.is_undefined() || (!null_ok && key.is_null()) {
        let s = display(vm, key);
        return Err(param(vm, format!("The type of {s} must be Object")));
    }
    Ok(())
}

fn put_impl(vm: &mut Vm, this: Value, key: Value, value: Value) -> JsResult<Value> {
    let (slot, map) = this_cache(vm, this, "put")?;
    require_key(vm, key, true)?;
    require_key(vm, value, true)?;
    if key.is_null() || value.is_null() {
        return Err(param(
            vm,
            "The type of key and value must be Object".to_string(),
        ));
    }
    let kw = word(vm, key)?;
    let vw = word(vm, value)?;
    bump(vm, slot, PUT);
    if let Some(former) = lookup(vm, &map, kw)? {
        let former = vm.from_shared_word(former);
        vm.root(former);
        let d = map.delete(vm.mutator(), kw);
        check(vm, d)?;
        after_removal(vm, this, &[Value::FALSE, key, former, value])?;
    } else {
        let size = map.size();
        let size = check(vm, size)? as f64;
        if size >= num(vm, slot, MAX_SIZE) {
            if let Some((k, v)) = first(vm, &map) {
                after_removal(vm, this, &[Value::TRUE, k, v, Value::NULL])?;
                let kw2 = word(vm, k)?;
                let d = map.delete(vm.mutator(), kw2);
                check(vm, d)?;
                bump(vm, slot, EVICT);
            }
        }
    }
    let s = map.set(vm.mutator(), kw, vw);
    check(vm, s)?;
    sync_length(vm, slot, &map)?;
    Ok(value)
}

fn put(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    put_impl(vm, this, arg(args, 0), arg(args, 1))
}

fn get(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (slot, map) = this_cache(vm, this, "get")?;
    let key = arg(args, 0);
    require_key(vm, key, false)?;
    if let Ok(kw) = vm.to_shared_word(key) {
        if let Some(v) = lookup(vm, &map, kw)? {
            bump(vm, slot, HIT);
            touch(vm, &map, kw, v)?;
            return Ok(vm.from_shared_word(v));
        }
    }
    bump(vm, slot, MISS);
    let created = vm.invoke(this, PropKey::from_str("createDefault"), &[key])?;
    if created.is_undefined() {
        return Ok(Value::UNDEFINED);
    }
    vm.root(created);
    let value = put_impl(vm, this, key, created)?;
    vm.root(value);
    bump(vm, slot, CREATE);
    if !value.is_undefined() {
        put_impl(vm, this, key, value)?;
        after_removal(vm, this, &[Value::FALSE, key, created, value])?;
        return Ok(value);
    }
    Ok(created)
}

fn remove(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (slot, map) = this_cache(vm, this, "remove")?;
    let key = arg(args, 0);
    require_key(vm, key, false)?;
    let Ok(kw) = vm.to_shared_word(key) else {
        return Ok(Value::UNDEFINED);
    };
    let Some(former) = lookup(vm, &map, kw)? else {
        sync_length(vm, slot, &map)?;
        return Ok(Value::UNDEFINED);
    };
    let former = vm.from_shared_word(former);
    vm.root(former);
    let d = map.delete(vm.mutator(), kw);
    check(vm, d)?;
    if !former.is_null() {
        after_removal(vm, this, &[Value::FALSE, key, former, Value::NULL])?;
    }
    sync_length(vm, slot, &map)?;
    Ok(former)
}

fn contains(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (slot, map) = this_cache(vm, this, "contains")?;
    let key = arg(args, 0);
    require_key(vm, key, true)?;
    if let Ok(kw) = vm.to_shared_word(key) {
        if let Some(v) = lookup(vm, &map, kw)? {
            bump(vm, slot, HIT);
            touch(vm, &map, kw, v)?;
            sync_length(vm, slot, &map)?;
            return Ok(Value::TRUE);
        }
    }
    bump(vm, slot, MISS);
    Ok(Value::FALSE)
}

fn update_capacity(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (slot, map) = this_cache(vm, this, "updateCapacity")?;
    let c = arg(args, 0);
    if !c.is_number() {
        let s = display(vm, c);
        return Err(param(vm, format!("The type of {s} must be number")));
    }
    let n = capacity(vm, c)?;
    loop {
        let size = map.size();
        if check(vm, size)? as f64 <= n {
            break;
        }
        let Some((k, v)) = first(vm, &map) else {
            break;
        };
        let kw = word(vm, k)?;
        let d = map.delete(vm.mutator(), kw);
        check(vm, d)?;
        bump(vm, slot, EVICT);
        after_removal(vm, this, &[Value::TRUE, k, v, Value::NULL])?;
    }
    sync_length(vm, slot, &map)?;
    set_num(vm, slot, MAX_SIZE, n);
    Ok(Value::UNDEFINED)
}

fn clear(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let (slot, map) = this_cache(vm, this, "clear")?;
    let entries = map.entries();
    let entries = check(vm, entries)?;
    let c = map.clear();
    check(vm, c)?;
    sync_length(vm, slot, &map)?;
    let base = vm.handles.len();
    for (k, v) in entries {
        let k = vm.from_shared_word(k);
        vm.root(k);
        let v = vm.from_shared_word(v);
        vm.root(v);
        after_removal(vm, this, &[Value::FALSE, k, v, Value::NULL])?;
    }
    vm.handles.truncate(base);
    Ok(Value::UNDEFINED)
}

fn counter(vm: &mut Vm, this: Value, name: &str, field: u32) -> JsResult<Value> {
    let (slot, _) = this_cache(vm, this, name)?;
    Ok(Value::number(num(vm, slot, field)))
}

fn get_create_count(vm: &mut Vm, this: Value, _a: &[Value]) -> JsResult<Value> {
    counter(vm, this, "getCreateCount", CREATE)
}
fn get_miss_count(vm: &mut Vm, this: Value, _a: &[Value]) -> JsResult<Value> {
    counter(vm, this, "getMissCount", MISS)
}
fn get_remove_count(vm: &mut Vm, this: Value, _a: &[Value]) -> JsResult<Value> {
    counter(vm, this, "getRemoveCount", EVICT)
}
fn get_match_count(vm: &mut Vm, this: Value, _a: &[Value]) -> JsResult<Value> {
    counter(vm, this, "getMatchCount", HIT)
}
fn get_put_count(vm: &mut Vm, this: Value, _a: &[Value]) -> JsResult<Value> {
    counter(vm, this, "getPutCount", PUT)
}
fn get_capacity(vm: &mut Vm, this: Value, _a: &[Value]) -> JsResult<Value> {
    counter(vm, this, "getCapacity", MAX_SIZE)
}

fn is_empty(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let (_, map) = this_cache(vm, this, "isEmpty")?;
    let n = map.size();
    Ok(Value::bool(check(vm, n)? == 0))
}

fn to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let (slot, _) = this_cache(vm, this, "toString")?;
    let hits = num(vm, slot, HIT);
    let misses = num(vm, slot, MISS);
    let peek = hits + misses;
    let rate = if peek != 0.0 {
        100.0 * hits / peek
    } else {
        0.0
    };
    let f = |n: f64| crate::conv::number_to_string(n).to_rust_string();
    let s = format!(
        "SendableLruCache[ maxSize = {}, hits = {}, misses = {}, hitRate = {}% ]",
        f(num(vm, slot, MAX_SIZE)),
        f(hits),
        f(misses),
        f(rate)
    );
    Ok(vm.str_val(&s))
}

/// `keys()` (0), `values()` (1) or `[key, value]` pairs (2), least recently used first.
fn listing(vm: &mut Vm, this: Value, name: &str, what: u8) -> JsResult<Value> {
    let (_, map) = this_cache(vm, this, name)?;
    let entries = map.entries();
    let entries = check(vm, entries)?;
    let base = vm.handles.len();
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let item = match what {
            0 => vm.from_shared_word(k),
            1 => vm.from_shared_word(v),
            _ => {
                let k = vm.from_shared_word(k);
                vm.root(k);
                let v = vm.from_shared_word(v);
                vm.root(v);
                vm.new_array_value(vec![k, v])
            }
        };
        vm.root(item);
        out.push(item);
    }
    let a = vm.new_array_value(out);
    vm.handles.truncate(base);
    Ok(a)
}

fn keys(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    listing(vm, this, "keys", 0)
}

fn values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    listing(vm, this, "values", 1)
}

fn entries(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let a = listing(vm, this, "entries", 2)?;
    vm.root(a);
    vm.invoke(a, PropKey::from_str("values"), &[])
}

fn create_default(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let key = arg(args, 0);
    require_key(vm, key, true)?;
    Ok(Value::UNDEFINED)
}

fn after_removal_default(_vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::UNDEFINED)
}

/// Registers the class on a fresh VM: a local constructor and prototype.
pub fn install(vm: &mut Vm) {
    let proto = vm.new_object();
    let f = vm.new_constructor("SendableLruCache", 1, ctor, Some(proto));
    let methods: [(&str, u32, crate::object::NativeFn); 19] = [
        ("put", 2, put),
        ("get", 1, get),
        ("remove", 1, remove),
        ("contains", 1, contains),
        ("updateCapacity", 1, update_capacity),
        ("clear", 0, clear),
        ("getCreateCount", 0, get_create_count),
        ("getMissCount", 0, get_miss_count),
        ("getRemoveCount", 0, get_remove_count),
        ("getMatchCount", 0, get_match_count),
        ("getPutCount", 0, get_put_count),
        ("getCapacity", 0, get_capacity),
        ("isEmpty", 0, is_empty),
        ("toString", 0, to_string),
        ("keys", 0, keys),
        ("values", 0, values),
        ("entries", 0, entries),
        ("createDefault", 1, create_default),
        ("afterRemoval", 4, after_removal_default),
    ];
    for (name, len, m) in methods {
        vm.define_method(proto, name, len, m);
    }
    vm.define_method_sym(
        proto,
        crate::vm::wk::ITERATOR,
        "[Symbol.iterator]",
        0,
        entries,
    );
    stash(vm, "SendableLruCache", Value::object(f));
    crate::sendable::class::define_native_class(vm, class().clone(), f, proto);
}

/// The `SendableLruCache` constructor of this VM.
pub fn constructor(vm: &mut Vm) -> Value {
    let f = stashed(vm, "SendableLruCache");
    if f.is_object() {
        return f;
    }
    install(vm);
    stashed(vm, "SendableLruCache")
}
