//! Interpreter tests over hand-assembled bytecode (independent of the front end).

use crate::host::CaptureHost;
use crate::value::Value;
use crate::vm::Vm;
use skiff_bytecode::{
    Const, Constant, Func, FunctionFlags, FunctionProto, Handler, Ic, IcSite, Instr, Module, Reg,
};
use std::sync::Arc;

fn func(
    name: &str,
    flags: u32,
    params: u16,
    regs: u16,
    code: Vec<Instr>,
    constants: Vec<Constant>,
    ics: Vec<u16>,
) -> FunctionProto {
    FunctionProto {
        name: Arc::from(name),
        flags: FunctionFlags(flags | FunctionFlags::STRICT),
        param_count: params,
        length: params,
        register_count: regs,
        code: code.into(),
        constants: constants.into(),
        ic_sites: ics.into_iter().map(|c| IcSite { name: Const(c) }).collect(),
        handlers: Box::new([]),
        lines: Box::new([]),
        callee_names: Box::new([]),
        span: (0, 0),
    }
}

fn module(functions: Vec<FunctionProto>) -> Arc<Module> {
    Arc::new(Module {
        file: Arc::from("test.ets"),
        source: Arc::from(""),
        functions,
        env_slots: vec![],
        requests: vec![],
        imports: vec![],
        exports: vec![],
        sendable_classes: vec![],
        shared: false,
    })
}

fn s(text: &str) -> Constant {
    Constant::String(text.into())
}

fn run(m: Arc<Module>) -> (String, String, Result<(), Value>, Vm) {
    let host = CaptureHost::default();
    let mut vm = Vm::with_host(Box::new(host.clone()));
    let r = vm.run_compiled(m).map_err(|e| match e {
        crate::module::RunError::Uncaught(v) => v,
        crate::module::RunError::Load(m) => panic!("load error {m}"),
    });
    let out = host.out.borrow().clone();
    let err = host.err.borrow().clone();
    (out, err, r, vm)
}

/// `console.log(r[src])` using registers base..base+2.
fn log(src: u16, base: u16, ic_console: u16, ic_log: u16) -> Vec<Instr> {
    vec![
        Instr::LoadGlobal {
            dst: Reg(base + 1),
            ic: Ic(ic_console),
        },
        Instr::Mov {
            dst: Reg(base + 2),
            src: Reg(src),
        },
        Instr::CallMethod {
            base: Reg(base),
            argc: 1,
            ic: Ic(ic_log),
        },
    ]
}

#[test]
fn recursive_fib() {
    let fib = func(
        "fib",
        0,
        1,
        9,
        vec![
            Instr::LoadInt {
                dst: Reg(1),
                value: 2,
            },
            Instr::Lt {
                dst: Reg(2),
                a: Reg(0),
                b: Reg(1),
            },
            Instr::JumpIfFalse {
                cond: Reg(2),
                offset: skiff_bytecode::Jump(2),
            },
            Instr::Return { src: Reg(0) },
            Instr::LoadCallee { dst: Reg(3) },
            Instr::LoadUndefined { dst: Reg(4) },
            Instr::AddImm {
                dst: Reg(5),
                src: Reg(0),
                imm: -1,
            },
            Instr::Call {
                dst: Reg(6),
                base: Reg(3),
                argc: 1,
            },
            Instr::LoadCallee { dst: Reg(3) },
            Instr::LoadUndefined { dst: Reg(4) },
            Instr::AddImm {
                dst: Reg(5),
                src: Reg(0),
                imm: -2,
            },
            Instr::Call {
                dst: Reg(7),
                base: Reg(3),
                argc: 1,
            },
            Instr::Add {
                dst: Reg(8),
                a: Reg(6),
                b: Reg(7),
            },
            Instr::Return { src: Reg(8) },
        ],
        vec![],
        vec![],
    );
    let mut code = vec![
        Instr::Closure {
            dst: Reg(0),
            func: Func(1),
        },
        Instr::LoadUndefined { dst: Reg(1) },
        Instr::LoadInt {
            dst: Reg(2),
            value: 20,
        },
        Instr::Call {
            dst: Reg(3),
            base: Reg(0),
            argc: 1,
        },
    ];
    code.extend(log(3, 4, 0, 1));
    code.push(Instr::ReturnUndefined);
    let main = func(
        "",
        FunctionFlags::MODULE_BODY,
        0,
        8,
        code,
        vec![s("console"), s("log")],
        vec![0, 1],
    );
    let (out, _, r, _) = run(module(vec![main, fib]));
    assert!(r.is_ok());
    assert_eq!(out, "6765\n");
}

#[test]
fn deep_recursion_is_a_catchable_range_error() {
    // f(n) { return f(n + 1) }
    let f = func(
        "f",
        0,
        1,
        5,
        vec![
            Instr::LoadCallee { dst: Reg(1) },
            Instr::LoadUndefined { dst: Reg(2) },
            Instr::AddImm {
                dst: Reg(3),
                src: Reg(0),
                imm: 1,
            },
            Instr::Call {
                dst: Reg(4),
                base: Reg(1),
                argc: 1,
            },
            Instr::Return { src: Reg(4) },
        ],
        vec![],
        vec![],
    );
    let mut code = vec![
        Instr::Closure {
            dst: Reg(0),
            func: Func(1),
        },
        Instr::LoadUndefined { dst: Reg(1) },
        Instr::LoadInt {
            dst: Reg(2),
            value: 0,
        },
        Instr::Call {
            dst: Reg(3),
            base: Reg(0),
            argc: 1,
        },
        Instr::ReturnUndefined,
        // handler (pc 5): r4 = exception
        Instr::GetNamed {
            dst: Reg(5),
            obj: Reg(4),
            ic: Ic(2),
        },
    ];
    code.extend(log(5, 6, 0, 1));
    code.push(Instr::ReturnUndefined);
    let mut main = func(
        "",
        FunctionFlags::MODULE_BODY,
        0,
        10,
        code,
        vec![s("console"), s("log"), s("message")],
        vec![0, 1, 2],
    );
    main.handlers = vec![Handler {
        start: 3,
        end: 4,
        target: 5,
        reg: 4,
    }]
    .into();
    let (out, _, r, vm) = run(module(vec![main, f]));
    assert!(r.is_ok());
    assert_eq!(out, "Maximum call stack size exceeded\n");
    assert!(vm.interp.frames.is_empty());
}

#[test]
fn allocation_loop_runs_in_bounded_memory() {
    let code = vec![
        Instr::LoadInt {
            dst: Reg(0),
            value: 0,
        },
        Instr::LoadInt {
            dst: Reg(1),
            value: 1_000_000,
        },
        Instr::NewObject { dst: Reg(2) },
        Instr::NewArray {
            dst: Reg(3),
            capacity: 4,
        },
        Instr::AddImm {
            dst: Reg(0),
            src: Reg(0),
            imm: 1,
        },
        Instr::JumpIfLt {
            a: Reg(0),
            b: Reg(1),
            offset: skiff_bytecode::ShortJump(-3),
        },
        Instr::ReturnUndefined,
    ];
    let main = func("", FunctionFlags::MODULE_BODY, 0, 4, code, vec![], vec![]);
    let (_, _, r, vm) = run(module(vec![main]));
    assert!(r.is_ok());
    assert!(vm.heap.collections > 0);
    assert!(
        vm.heap.cells.len() < 1_000_000,
        "heap grew to {}",
        vm.heap.cells.len()
    );
}

#[test]
fn uncaught_error_is_returned_as_data() {
    let code = vec![Instr::ThrowError {
        kind: skiff_bytecode::ErrorKind::TypeError,
        msg: Const(0),
    }];
    let main = func(
        "",
        FunctionFlags::MODULE_BODY,
        0,
        1,
        code,
        vec![s("boom")],
        vec![],
    );
    let (_, _, r, vm) = run(module(vec![main]));
    let e = r.expect_err("must throw");
    let text = vm.format_uncaught(e);
    assert!(text.starts_with("Uncaught TypeError: boom"), "{text}");
}

#[test]
fn inspect_formats_like_node() {
    let mut vm = Vm::new();
    let s = vm.str_val("x");
    let o = vm.new_object();
    vm.create_data_property(o, crate::atom::PropKey::from_str("a"), Value::number(1.0))
        .unwrap();
    vm.create_data_property(o, crate::atom::PropKey::from_str("b"), s)
        .unwrap();
    assert_eq!(
        crate::inspect::inspect(&vm, Value::object(o)),
        "{ a: 1, b: 'x' }"
    );
    let a = vm.new_array_value(vec![
        Value::number(1.0),
        Value::number(2.0),
        Value::number(3.0),
    ]);
    assert_eq!(crate::inspect::inspect(&vm, a), "[ 1, 2, 3 ]");
    let big: Vec<Value> = (0..26).map(|i| Value::number(i as f64 * 3.0)).collect();
    let a = vm.new_array_value(big);
    assert_eq!(
        crate::inspect::inspect(&vm, a),
        "[\n   0,  3,  6,  9, 12, 15, 18, 21,\n  24, 27, 30, 33, 36, 39, 42, 45,\n  48, 51, 54, 57, 60, 63, 66, 69,\n  72, 75\n]"
    );
    vm.create_data_property(o, crate::atom::PropKey::from_str("self"), Value::object(o))
        .unwrap();
    assert_eq!(
        crate::inspect::inspect(&vm, Value::object(o)),
        "<ref *1> { a: 1, b: 'x', self: [Circular *1] }"
    );
}

/// With `colors`, values are styled as node's REPL styles them, and line breaking ignores the
/// escapes (the grouped array lays out exactly as without colours).
#[test]
fn inspect_colours_like_node() {
    let mut vm = Vm::new();
    let colors = crate::inspect::Options {
        depth: 2,
        colors: true,
    };
    let s = vm.str_val("x");
    let o = vm.new_object();
    for (k, v) in [
        ("a", Value::number(1.0)),
        ("b", s),
        ("c", Value::NULL),
        ("d", Value::UNDEFINED),
    ] {
        vm.create_data_property(o, crate::atom::PropKey::from_str(k), v)
            .unwrap();
    }
    vm.create_data_property(o, crate::atom::PropKey::from_str("self"), Value::object(o))
        .unwrap();
    assert_eq!(
        crate::inspect::inspect_with(&vm, Value::object(o), &colors),
        // node 20's `util.inspect(o, { colors: true })`, which counts the escapes of the
        // `<ref *1>` base when it decides to break the line.
        "\x1b[36m<ref *1>\x1b[39m {\n  a: \x1b[33m1\x1b[39m,\n  b: \x1b[32m'x'\x1b[39m,\n  \
         c: \x1b[1mnull\x1b[22m,\n  d: \x1b[90mundefined\x1b[39m,\n  \
         self: \x1b[36m[Circular *1]\x1b[39m\n}"
    );
    let big: Vec<Value> = (0..26).map(|i| Value::number(i as f64 * 3.0)).collect();
    let a = vm.new_array_value(big);
    let plain = crate::inspect::inspect(&vm, a);
    let coloured = crate::inspect::inspect_with(&vm, a, &colors);
    assert_ne!(plain, coloured);
    assert_eq!(
        coloured.replace("\x1b[33m", "").replace("\x1b[39m", ""),
        plain
    );
}

#[test]
fn json_round_trip() {
    let mut vm = Vm::new();
    let text = vm.str_val(r#"{"a":[1,2,{"b":null}],"c":"d"}"#);
    let parsed = skiff_jslib::json::parse(&vm.js_str(text).units()).unwrap();
    let v = crate::builtins::json::to_value(&mut vm, parsed);
    let out = crate::builtins::json::stringify(&mut vm, v, Value::UNDEFINED, Value::number(2.0))
        .unwrap()
        .unwrap();
    assert_eq!(
        out.to_string(),
        "{\n  \"a\": [\n    1,\n    2,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": \"d\"\n}"
    );
}

#[test]
fn remote_tasks_run_on_the_loop() {
    let host = CaptureHost::default();
    let mut vm = Vm::with_host(Box::new(host.clone()));
    let sender = vm.event_loop.sender();
    vm.event_loop.keep_alive += 1;
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        sender.post(Box::new(|vm: &mut Vm| {
            vm.event_loop.keep_alive -= 1;
            let s = vm.str_val("from another thread");
            let console = vm.get_str(Value::object(vm.realm.global), "console")?;
            vm.invoke(console, crate::atom::PropKey::from_str("log"), &[s])?;
            Ok(())
        }));
    });
    vm.run_event_loop().expect("no uncaught error");
    t.join().expect("thread");
    assert_eq!(host.out.borrow().as_str(), "from another thread\n");
}
