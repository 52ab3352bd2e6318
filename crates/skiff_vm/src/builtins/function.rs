//! `Function.prototype`: call, apply, bind, toString.

use super::{arg, set_global};
use crate::atom::{names, PropKey};
use crate::object::ObjectKind;
use crate::shape::ATTR_CONFIGURABLE;
use crate::value::Value;
use crate::vm::Vm;
use crate::JsResult;

fn function_ctor(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    Err(vm.type_error("Code generation from strings is not supported"))
}

fn fn_call(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if !vm.is_callable(this) {
        return Err(vm.type_error("Function.prototype.call called on non-function"));
    }
    let rest = if args.is_empty() { &[][..] } else { &args[1..] };
    vm.call(this, arg(args, 0), rest)
}

/// CreateListFromArrayLike.
pub fn list_from_array_like(vm: &mut Vm, v: Value) -> JsResult<Vec<Value>> {
    if v.is_nullish() {
        return Ok(Vec::new());
    }
    if !v.is_object() {
        return Err(vm.type_error("CreateListFromArrayLike called on non-object"));
    }
    if let Some(o) = vm.heap.try_obj(v) {
        if o.is_array() && !o.shape.has_index_keys {
            return Ok(o
                .elements
                .iter()
                .map(|e| if e.is_hole() { Value::UNDEFINED } else { *e })
                .collect());
        }
    }
    let len = vm.length_of(v)?;
    if len > 10_000_000.0 {
        return Err(vm.range_error("Maximum call stack size exceeded"));
    }
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len as u32 {
        out.push(vm.get(v, PropKey::Index(i))?);
    }
    Ok(out)
}

fn fn_apply(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if !vm.is_callable(this) {
        return Err(vm.type_error("Function.prototype.apply was called on a non-function"));
    }
    let list = list_from_array_like(vm, arg(args, 1))?;
    vm.call(this, arg(args, 0), &list)
}

fn fn_bind(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if !vm.is_callable(this) {
        return Err(vm.type_error("Bind must be called on a function"));
    }
    let bargs: Vec<Value> = args.iter().skip(1).copied().collect();
    let nb = bargs.len() as f64;
    let b = vm.bind(this, arg(args, 0), bargs);
    vm.root(Value::object(b));
    let len = vm.get(this, PropKey::Str(names::get().length))?;
    let l = match len.as_number() {
        Some(n) if n.is_finite() => (n.trunc() - nb).max(0.0),
        Some(n) if n == f64::INFINITY => n,
        _ => 0.0,
    };
    let name = vm.get(this, PropKey::Str(names::get().name))?;
    let name = if name.is_string() {
        vm.js_str(name).to_rust_string()
    } else {
        String::new()
    };
    let nv = vm.str_val(&format!("bound {name}"));
    let obj = vm.heap.obj_mut(b);
    obj.put_raw(
        PropKey::Str(names::get().length),
        Value::number(l),
        ATTR_CONFIGURABLE,
    );
    obj.put_raw(PropKey::Str(names::get().name), nv, ATTR_CONFIGURABLE);
    Ok(Value::object(b))
}

fn fn_to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let Some(o) = vm.heap.try_obj(this) else {
        return Err(vm.type_error("Function.prototype.toString requires that 'this' be a Function"));
    };
    let is_class = matches!(&o.kind, ObjectKind::Closure(c) if c.has(skiff_bytecode::FunctionFlags::CLASS_CONSTRUCTOR));
    if !o.is_callable() {
        return Err(vm.type_error("Function.prototype.toString requires that 'this' be a Function"));
    }
    // Script functions return their source text (ES2019 Function.prototype.toString).
    if let ObjectKind::Closure(c) = &o.kind {
        let (module, func) = (c.module, c.func);
        let text = vm.modules.code(module).and_then(|code| {
            let (start, end) = code.module.functions.get(func as usize)?.span;
            code.module
                .source
                .get(start as usize..end as usize)
                .map(str::to_string)
        });
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            return Ok(vm.str_val(&text));
        }
    }
    let native = matches!(o.kind, ObjectKind::Native(_) | ObjectKind::Bound(_));
    let name = o
        .get_own(PropKey::Str(names::get().name))
        .and_then(|p| p.value.as_string())
        .map(|s| vm.heap.str(s).to_rust_string())
        .unwrap_or_default();
    let bound = matches!(o.kind, ObjectKind::Bound(_));
    let s = if is_class {
        format!("class {name} {{ }}")
    } else if bound {
        // As V8: a bound function has no source text and its name is not repeated.
        "function () { [native code] }".to_string()
    } else if native {
        format!("function {name}() {{ [native code] }}")
    } else {
        format!("function {name}() {{ [code] }}")
    };
    Ok(vm.str_val(&s))
}

fn fn_has_instance(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(vm.ordinary_has_instance(this, arg(args, 0))?))
}

pub fn install(vm: &mut Vm) {
    let fp = vm.realm.function_proto;
    let ctor = vm.new_constructor("Function", 1, function_ctor, Some(fp));
    vm.realm.function_ctor = ctor;
    vm.define_method(fp, "call", 1, fn_call);
    vm.define_method(fp, "apply", 2, fn_apply);
    vm.define_method(fp, "bind", 1, fn_bind);
    vm.define_method(fp, "toString", 0, fn_to_string);
    let h = vm.new_native("[Symbol.hasInstance]", 1, fn_has_instance);
    vm.heap.obj_mut(fp).put_raw(
        PropKey::Sym(crate::vm::wk::HAS_INSTANCE),
        Value::object(h),
        0,
    );
    let e = vm.str_val("");
    vm.heap
        .obj_mut(fp)
        .put_raw(PropKey::Str(names::get().name), e, ATTR_CONFIGURABLE);
    vm.heap.obj_mut(fp).put_raw(
        PropKey::Str(names::get().length),
        Value::number(0.0),
        ATTR_CONFIGURABLE,
    );
    set_global(vm, "Function", Value::object(ctor));
}
