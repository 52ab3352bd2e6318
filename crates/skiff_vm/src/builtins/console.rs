//! `console` and `print`.

use super::{arg, set_global};
use crate::atom::PropKey;
use crate::inspect::format_args;
use crate::value::Value;
use crate::vm::Vm;
use crate::JsResult;

fn indent(vm: &Vm, s: String) -> String {
    let n = vm.console_group;
    if n == 0 {
        return s;
    }
    let pad = "  ".repeat(n);
    s.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn out(vm: &mut Vm, args: &[Value]) {
    let s = format_args(vm, args);
    let s = indent(vm, s);
    vm.host.write_stdout(&format!("{s}\n"));
}

fn err(vm: &mut Vm, args: &[Value]) {
    let s = format_args(vm, args);
    let s = indent(vm, s);
    vm.host.write_stderr(&format!("{s}\n"));
}

fn log(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    out(vm, args);
    Ok(Value::UNDEFINED)
}

fn error(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    err(vm, args);
    Ok(Value::UNDEFINED)
}

fn trace(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let s = format_args(vm, args);
    let mut text = format!("Trace: {s}");
    for f in crate::interp::capture_stack(vm) {
        text.push_str("\n    at ");
        text.push_str(&f);
    }
    let text = indent(vm, text);
    vm.host.write_stderr(&format!("{text}\n"));
    Ok(Value::UNDEFINED)
}

fn assert(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.to_boolean(arg(args, 0)) {
        return Ok(Value::UNDEFINED);
    }
    let rest = if args.len() > 1 { &args[1..] } else { &[][..] };
    let s = format_args(vm, rest);
    let text = if s.is_empty() {
        "Assertion failed".to_string()
    } else {
        format!("Assertion failed: {s}")
    };
    let text = indent(vm, text);
    vm.host.write_stderr(&format!("{text}\n"));
    Ok(Value::UNDEFINED)
}

fn label_of(vm: &mut Vm, args: &[Value]) -> JsResult<String> {
    let a = arg(args, 0);
    if a.is_undefined() {
        Ok("default".into())
    } else {
        vm.to_rust_string(a)
    }
}

fn count(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let l = label_of(vm, args)?;
    let c = vm.console_counts.entry(l.clone()).or_insert(0);
    *c += 1;
    let n = *c;
    let text = indent(vm, format!("{l}: {n}"));
    vm.host.write_stdout(&format!("{text}\n"));
    Ok(Value::UNDEFINED)
}

fn count_reset(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let l = label_of(vm, args)?;
    vm.console_counts.insert(l, 0);
    Ok(Value::UNDEFINED)
}

fn time(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let l = label_of(vm, args)?;
    vm.console_timers.insert(l, std::time::Instant::now());
    Ok(Value::UNDEFINED)
}

fn time_end(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let l = label_of(vm, args)?;
    if let Some(t) = vm.console_timers.remove(&l) {
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let text = indent(vm, format!("{l}: {ms:.3}ms"));
        vm.host.write_stdout(&format!("{text}\n"));
    }
    Ok(Value::UNDEFINED)
}

fn time_log(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let l = label_of(vm, args)?;
    if let Some(t) = vm.console_timers.get(&l) {
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let text = indent(vm, format!("{l}: {ms:.3}ms"));
        vm.host.write_stdout(&format!("{text}\n"));
    }
    Ok(Value::UNDEFINED)
}

fn group(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if !args.is_empty() {
        out(vm, args);
    }
    vm.console_group += 1;
    Ok(Value::UNDEFINED)
}

fn group_end(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    vm.console_group = vm.console_group.saturating_sub(1);
    Ok(Value::UNDEFINED)
}

fn print(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    out(vm, args);
    Ok(Value::UNDEFINED)
}

pub fn install(vm: &mut Vm) {
    let c = vm.new_object();
    for (n, f) in [
        ("log", log as crate::object::NativeFn),
        ("info", log),
        ("debug", log),
        ("warn", error),
        ("error", error),
        ("trace", trace),
        ("assert", assert),
        ("count", count),
        ("countReset", count_reset),
        ("time", time),
        ("timeEnd", time_end),
        ("timeLog", time_log),
        ("group", group),
        ("groupEnd", group_end),
        ("dir", log),
        ("table", log),
    ] {
        let fun = vm.new_native(n, 0, f);
        vm.heap.obj_mut(c).put_raw(
            PropKey::from_str(n),
            Value::object(fun),
            crate::shape::ATTR_DEFAULT,
        );
    }
    set_global(vm, "console", Value::object(c));
    let p = vm.new_native("print", 0, print);
    set_global(vm, "print", Value::object(p));
}
