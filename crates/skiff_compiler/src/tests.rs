//! Unit tests on hand-built syntax trees (the parser-driven snapshot tests live in `tests/`).

use crate::compile_module;
use skiff_ast::*;
use skiff_bytecode::disassemble;
use skiff_diagnostics::{FileId, SourceFile};
use std::cell::Cell;

thread_local! {
    static POS: Cell<u32> = const { Cell::new(1) };
}

/// A fresh span; spans increase in construction order, which is source order for these builders.
fn sp() -> Span {
    POS.with(|p| {
        let v = p.get();
        p.set(v + 2);
        Span::new(v, v + 1)
    })
}

fn ident(n: &str) -> Ident {
    Ident {
        name: n.into(),
        span: sp(),
    }
}
fn id(n: &str) -> Expr {
    Expr::Ident(ident(n))
}
fn num(n: f64) -> Expr {
    Expr::Num(n, sp())
}
#[allow(dead_code)]
fn st(s: &str) -> Expr {
    Expr::Str(StrLit {
        value: s.into(),
        utf16: None,
        span: sp(),
    })
}
fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    Expr::Binary(Box::new(BinaryExpr {
        op,
        left: l,
        right: r,
        span: sp(),
    }))
}
fn member(o: Expr, p: &str) -> Expr {
    Expr::Member(Box::new(MemberExpr {
        object: o,
        prop: MemberProp::Ident(ident(p)),
        optional: false,
        span: sp(),
    }))
}
fn call(c: Expr, args: Vec<Expr>) -> Expr {
    Expr::Call(Box::new(CallExpr {
        callee: c,
        type_args: vec![],
        args,
        optional: false,
        span: sp(),
    }))
}
fn log(e: Expr) -> Stmt {
    es(call(member(id("console"), "log"), vec![e]))
}
fn es(e: Expr) -> Stmt {
    Stmt::Expr(Box::new(ExprStmt {
        expr: e,
        span: sp(),
    }))
}
fn decl(kind: VarKind, n: &str, init: Option<Expr>) -> Stmt {
    let target = Pattern::Ident(ident(n));
    Stmt::Var(Box::new(VarDecl {
        kind,
        decls: vec![VarDeclarator {
            target,
            ty: None,
            init,
            definite: false,
            span: sp(),
        }],
        declare: false,
        span: sp(),
    }))
}
fn assign(n: &str, v: Expr) -> Stmt {
    es(Expr::Assign(Box::new(AssignExpr {
        op: AssignOp::Assign,
        target: Pattern::Ident(ident(n)),
        value: v,
        span: sp(),
    })))
}
fn block(body: Vec<Stmt>) -> Block {
    Block { body, span: sp() }
}
fn param(n: &str) -> Param {
    Param {
        decorators: vec![],
        modifiers: Modifiers::default(),
        pattern: Pattern::Ident(ident(n)),
        ty: None,
        default: None,
        optional: false,
        rest: false,
        span: sp(),
    }
}
fn func(name: Option<&str>, params: Vec<Param>, body: Vec<Stmt>, gen: bool) -> Function {
    Function {
        decorators: vec![],
        name: name.map(ident),
        is_async: false,
        is_generator: gen,
        type_params: vec![],
        params,
        return_type: None,
        body: Some(block(body)),
        declare: false,
        span: sp(),
    }
}
fn ret(e: Option<Expr>) -> Stmt {
    Stmt::Return(Box::new(ReturnStmt { arg: e, span: sp() }))
}
fn arrow(body: Expr) -> Expr {
    Expr::Arrow(Box::new(ArrowFunction {
        is_async: false,
        type_params: vec![],
        params: vec![],
        return_type: None,
        body: ArrowBody::Expr(Box::new(body)),
        span: sp(),
    }))
}

fn compile(body: Vec<Stmt>) -> (Option<String>, Vec<String>) {
    let file = SourceFile::new(FileId(0), "t.ets", " ".repeat(4096));
    let p = Program { body, span: sp() };
    let r = compile_module(&p, &file);
    let codes = r
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    (r.module.map(|m| disassemble(&m)), codes)
}

fn ok(body: Vec<Stmt>) -> String {
    let (m, d) = compile(body);
    assert!(d.is_empty(), "{d:?}");
    m.unwrap_or_default()
}

#[test]
fn straight_line_code() {
    let text = ok(vec![
        decl(VarKind::Let, "x", Some(num(1.0))),
        log(bin(BinaryOp::Add, id("x"), num(2.0))),
    ]);
    assert!(text.contains("LoadInt r0, #1"), "{text}");
    assert!(text.contains("AddImm"), "{text}");
    assert!(text.contains("CallMethod"), "{text}");
    assert!(text.contains("LoadGlobal"), "{text}");
}

#[test]
fn closures_capture_through_environments() {
    let f = func(
        Some("f"),
        vec![],
        vec![
            decl(VarKind::Let, "a", Some(num(1.0))),
            ret(Some(arrow(id("a")))),
        ],
        false,
    );
    let text = ok(vec![Stmt::Function(Box::new(f))]);
    assert!(text.contains("PushEnv 1"), "{text}");
    assert!(text.contains("StoreEnv"), "{text}");
    assert!(text.contains("LoadEnv r0, 0, 0"), "{text}");
}

#[test]
fn const_assignment_is_an_error() {
    let (m, d) = compile(vec![
        decl(VarKind::Const, "x", Some(num(1.0))),
        assign("x", num(2.0)),
    ]);
    assert!(m.is_none());
    assert!(d.iter().any(|d| d.starts_with("E3002")), "{d:?}");
}

#[test]
fn errors_do_not_stop_compilation() {
    let (m, d) = compile(vec![
        Stmt::Break(JumpStmt {
            label: None,
            span: sp(),
        }),
        decl(VarKind::Let, "y", None),
        decl(VarKind::Let, "y", None),
        Stmt::Continue(JumpStmt {
            label: Some(ident("nope")),
            span: sp(),
        }),
    ]);
    assert!(m.is_none());
    let codes: Vec<&str> = d.iter().map(|s| &s[..5]).collect();
    assert!(codes.contains(&"E3004"), "{d:?}");
    assert!(codes.contains(&"E3001"), "{d:?}");
    assert!(codes.contains(&"E3006"), "{d:?}");
}

#[test]
fn tdz_checks_only_where_needed() {
    // `f` is hoisted and reads `x`, so the read is checked; the top-level read after the
    // declaration is not.
    let f = func(Some("f"), vec![], vec![ret(Some(id("x")))], false);
    let text = ok(vec![
        Stmt::Function(Box::new(f)),
        decl(VarKind::Let, "x", Some(num(1.0))),
        log(id("x")),
    ]);
    assert_eq!(text.matches("CheckTdz").count(), 1, "{text}");
}

#[test]
fn try_finally_routes_returns() {
    let body = vec![Stmt::Try(Box::new(TryStmt {
        block: block(vec![ret(Some(num(1.0)))]),
        handler: None,
        finalizer: Some(block(vec![log(num(2.0))])),
        span: sp(),
    }))];
    let f = func(Some("f"), vec![], body, false);
    let text = ok(vec![Stmt::Function(Box::new(f))]);
    println!("{text}");
    assert!(text.contains("handler ["), "{text}");
    assert!(text.contains("Throw"), "{text}");
    assert!(text.contains("Return r"), "{text}");
}

#[test]
fn generators_yield() {
    let y = Expr::Yield(Box::new(YieldExpr {
        arg: Some(num(1.0)),
        delegate: false,
        span: sp(),
    }));
    let f = func(Some("g"), vec![param("a")], vec![es(y)], true);
    let text = ok(vec![Stmt::Function(Box::new(f))]);
    assert!(text.contains("InitialYield"), "{text}");
    assert!(text.contains("Yield r"), "{text}");
}

#[test]
fn for_of_closes_iterators_on_break() {
    let body = Stmt::Block(block(vec![Stmt::Break(JumpStmt {
        label: None,
        span: sp(),
    })]));
    let s = Stmt::ForOf(Box::new(ForOfStmt {
        is_await: false,
        left: ForHead::Var {
            kind: VarKind::Const,
            target: Pattern::Ident(ident("v")),
            span: sp(),
        },
        right: id("xs"),
        body,
        span: sp(),
    }));
    let text = ok(vec![s]);
    println!("{text}");
    assert!(text.contains("GetIterator"), "{text}");
    assert!(text.contains("\"return\""), "{text}");
    assert!(text.contains("ThrowIfNotObject"), "{text}");
}

#[test]
fn classes_with_fields_and_super() {
    let field = ClassMember::Property(Box::new(ClassProperty {
        decorators: vec![],
        modifiers: Modifiers::default(),
        key: PropKey::Ident(ident("n")),
        optional: false,
        definite: false,
        ty: None,
        value: Some(num(1.0)),
        span: sp(),
    }));
    let base = Class {
        decorators: vec![],
        name: Some(ident("A")),
        type_params: vec![],
        super_class: None,
        super_type_args: vec![],
        implements: vec![],
        members: vec![field],
        is_abstract: false,
        declare: false,
        span: sp(),
    };
    let super_call = es(call(Expr::Super(sp()), vec![]));
    let ctor = ClassMember::Constructor(Box::new(Constructor {
        modifiers: Modifiers::default(),
        function: func(None, vec![], vec![super_call, log(Expr::This(sp()))], false),
        span: sp(),
    }));
    let derived = Class {
        decorators: vec![],
        name: Some(ident("B")),
        type_params: vec![],
        super_class: Some(id("A")),
        super_type_args: vec![],
        implements: vec![],
        members: vec![ctor],
        is_abstract: false,
        declare: false,
        span: sp(),
    };
    let text = ok(vec![
        Stmt::Class(Box::new(base)),
        Stmt::Class(Box::new(derived)),
    ]);
    println!("{text}");
    assert!(text.contains("CreateClass"), "{text}");
    assert!(text.contains("SetClassFieldInit"), "{text}");
    assert!(text.contains("SuperCall"), "{text}");
    assert!(text.contains("CheckThisUninit"), "{text}");
    assert!(text.contains("ReturnDerived"), "{text}");
    assert!(text.contains("CheckThis r"), "{text}");
}

#[test]
fn invalid_nodes_do_not_panic() {
    let (_, _) = compile(vec![
        Stmt::Invalid(sp()),
        es(Expr::Invalid(sp())),
        es(Expr::Super(sp())),
        es(Expr::Yield(Box::new(YieldExpr {
            arg: None,
            delegate: true,
            span: sp(),
        }))),
        ret(None),
    ]);
}

#[test]
fn repl_lines_define_globals_and_return_the_last_value() {
    let file = SourceFile::new(FileId(0), "<repl>", " ".repeat(4096));
    let p = Program {
        body: vec![
            decl(VarKind::Let, "x", Some(num(1.0))),
            es(bin(BinaryOp::Add, id("x"), num(2.0))),
        ],
        span: sp(),
    };
    let r = crate::compile_repl_line(&p, &file);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let text = disassemble(&r.module.expect("module"));
    assert!(text.contains("DefineNamed"), "{text}");
    assert!(text.contains("\"globalThis\""), "{text}");
    assert!(text.contains("Return r"), "{text}");
}

#[test]
fn destructuring_spread_and_switch_compile() {
    let obj_pat = Pattern::Object(Box::new(ObjectPattern {
        props: vec![ObjectPatternProp {
            key: PropKey::Ident(ident("a")),
            value: Pattern::Default(
                Box::new(Pattern::Ident(ident("a"))),
                Box::new(num(1.0)),
                sp(),
            ),
            shorthand: true,
            span: sp(),
        }],
        rest: Some(Box::new(Pattern::Ident(ident("rest")))),
        span: sp(),
    }));
    let arr_pat = Pattern::Array(Box::new(ArrayPattern {
        elements: vec![Some(Pattern::Ident(ident("p"))), None],
        rest: Some(Box::new(Pattern::Ident(ident("q")))),
        span: sp(),
    }));
    let d1 = Stmt::Var(Box::new(VarDecl {
        kind: VarKind::Const,
        decls: vec![
            VarDeclarator {
                target: obj_pat,
                ty: None,
                init: Some(id("o")),
                definite: false,
                span: sp(),
            },
            VarDeclarator {
                target: arr_pat,
                ty: None,
                init: Some(id("xs")),
                definite: false,
                span: sp(),
            },
        ],
        declare: false,
        span: sp(),
    }));
    let spread_call = log(Expr::Spread(Box::new(id("q")), sp()));
    let sw = Stmt::Switch(Box::new(SwitchStmt {
        discriminant: id("a"),
        cases: vec![
            SwitchCase {
                test: Some(num(1.0)),
                body: vec![
                    decl(VarKind::Let, "z", Some(num(2.0))),
                    Stmt::Break(JumpStmt {
                        label: None,
                        span: sp(),
                    }),
                ],
                span: sp(),
            },
            SwitchCase {
                test: None,
                body: vec![log(id("z"))],
                span: sp(),
            },
        ],
        span: sp(),
    }));
    let text = ok(vec![d1, spread_call, sw]);
    assert!(text.contains("CopyRestProperties"), "{text}");
    assert!(text.contains("CallArray"), "{text}");
    assert!(text.contains("ArraySpread"), "{text}");
    // `z` is read in a later case, which can be reached without running its declaration.
    assert!(text.contains("CheckTdz"), "{text}");
}

/// The ArkTS `@Concurrent` and Sendable rules (`check.rs`), on parsed source.
mod arkts_checks {
    use crate::compile_module;
    use skiff_diagnostics::{FileId, SourceFile};

    /// Parses and compiles `src`; returns `CODE line:col` for every diagnostic.
    fn diags(src: &str) -> Vec<String> {
        let parsed = skiff_parser::parse_module(src, FileId(0));
        assert!(
            parsed.diagnostics.is_empty(),
            "parse errors: {:?}",
            parsed.diagnostics
        );
        let file = SourceFile::new(FileId(0), "t.ets", src);
        let r = compile_module(&parsed.program, &file);
        r.diagnostics
            .iter()
            .map(|d| {
                let lc = file.line_col(d.span.start);
                format!("{} {}:{}", d.code, lc.line, lc.col)
            })
            .collect()
    }

    fn clean(src: &str) {
        let d = diags(src);
        assert!(d.is_empty(), "unexpected diagnostics: {d:?}");
    }

    #[test]
    fn documentation_programs_check_cleanly() {
        // Sendable classes, functions and function types (arkts-sendable.md).
        clean(
            r#"
import { lang, collections, ArkTSUtils, taskpool } from '@kit.ArkTS';

@Sendable
type SendableFuncType = () => void;

@Sendable
class TopLevelSendableClass {
  num: number = 1;
  PrintNum() {
    console.info("Top level sendable class");
  }
}

@Sendable
function TopLevelSendableFunction() {
  console.info("Top level sendable function");
}

@Sendable
function SendableTestFunction() {
  const topClass = new TopLevelSendableClass();
  topClass.PrintNum();
  TopLevelSendableFunction();
}

@Sendable
class SendableTestClass {
  constructor(func: SendableFuncType) {
    this.callback = func;
  }
  callback: SendableFuncType;
  CallSendableFunc() {
    SendableTestFunction();
  }
}

let sendableClass = new SendableTestClass(SendableTestFunction);
sendableClass.callback();
sendableClass.CallSendableFunc();

interface ISendableShape extends lang.ISendable {
  width: number;
}

@Sendable
class SendableData<T> implements ISendableShape {
  width: number = 0;
  data: T;
  list: collections.Array<number> = new collections.Array<number>(1, 2, 3);
  map: collections.Map<string, collections.Array<string>> = new collections.Map();
  set: collections.Set<number> | undefined = undefined;
  cache: ArkTSUtils.SendableLruCache<number, number> = new ArkTSUtils.SendableLruCache();
  lock_: ArkTSUtils.locks.AsyncLock = new ArkTSUtils.locks.AsyncLock();
  private count_: number = 0;
  constructor(data: T) {
    this.data = data;
  }
  public async getCount(): Promise<number> {
    return this.lock_.lockAsync(() => {
      return this.count_;
    });
  }
  static create(): SendableData<number> {
    return new SendableData<number>(1);
  }
}

class ViaDirective {
  desc: string = 'sendable';
  constructor() {
    'use sendable';
  }
}

let arr: collections.Array<number> = new collections.Array<number>(1, 2);
"#,
        );
        // TaskPool (taskpool-introduction.md, js-apis-taskpool.md).
        clean(
            r#"
import { taskpool } from '@kit.ArkTS';
import { BusinessError } from '@kit.BasicServicesKit';
import { testAdd, MyTestA, MyTestB } from './Test';

@Concurrent
function printArgs(args: number): number {
  let t: number = Date.now();
  while (Date.now() - t < 1000) {
    continue;
  }
  console.info("printArgs: " + args);
  return args;
}

@Concurrent
function inspectStatus(arg: number): number {
  if (taskpool.Task.isCanceled()) {
    console.info("task has been canceled before 2s sleep.");
    return arg + 2;
  }
  taskpool.Task.sendData(arg);
  return arg + 1;
}

@Concurrent
async function testPromise5(): Promise<string> {
  return await new Promise((resolve) => {
    setTimeout(() => {
      resolve("Promise setTimeout after resolve");
    }, 1000);
  });
}

@Concurrent
function TestFunc() {
  console.info("res1 is: " + testAdd(1));
  let tmpStr = new MyTestA("TEST A");
  console.info("res2 is: " + tmpStr.name);
  console.info("res3 is: " + MyTestB.nameStr);
}

async function concurrentFunc(): Promise<void> {
  let task: taskpool.Task = new taskpool.Task(printArgs, 100);
  try {
    console.info("taskpool res is: " + await taskpool.execute(task));
  } catch (e) {
    console.error(`taskpool execute error is: ${(e as BusinessError).message}`);
  }
}
concurrentFunc();
"#,
        );
    }

    #[test]
    fn concurrent_rules() {
        let src = r#"import { imported } from './m';
function add(a: number): number { return a + 1; }
class C {}
const LIMIT = 1;
const enum Fast { A }
interface I { x: number }
@Concurrent
function f(p: I, c: C): number {
  let local = p.x + Fast.A;
  const inner = (): number => local + imported;
  return add(local) + LIMIT + inner() + f(p, c) + Math.abs(1);
}
@Concurrent
function* g() {}
"#;
        assert_eq!(diags(src), ["E4002 11:10", "E4002 11:23", "E4001 13:1"]);
    }

    #[test]
    fn concurrent_nested_and_shadowed() {
        // A local that shadows a top-level name is a local; an enclosing function's local is not.
        let src = r#"let x = 1;
function outer(y: number): void {
  @Concurrent
  function inner(): number {
    let x = 2;
    var z = 3;
    {
      let w = x + z;
    }
    return x + y;
  }
}
"#;
        assert_eq!(diags(src), ["E4002 10:16"]);
    }

    #[test]
    fn sendable_rules() {
        let src = r#"class Plain {}
@Sendable
class A extends Plain {
  a: number[] = [];
  b = 1;
  c!: number;
  d: number;
  ['e']: number = 1;
  #f: number = 1;
  g: collections.Array<number> = [];
  h: collections.Array<Plain> = new collections.Array<Plain>();
  m(): Plain { return new Plain(); }
}
class B extends A {}
@Sendable
type T = number;
"#;
        assert_eq!(
            diags(src),
            [
                "E4005 3:17",
                "E4006 4:6",
                "E4007 5:3",
                "E4008 6:3",
                "E4009 7:3",
                "E4010 8:3",
                "E4011 9:3",
                "E4013 10:34",
                "E4015 11:24",
                "E4015 11:55",
                "E4014 12:27",
                "E4005 14:17",
                "E4004 16:10",
            ]
        );
    }

    #[test]
    fn unknown_types_and_names_are_allowed() {
        // Imported types, type parameters, aliases with parameters, namespaces and globals
        // cannot be judged here: no diagnostics.
        clean(
            r#"import { Remote, RemoteBase } from './remote';
import * as ns from './ns';
type Box<T> = T;
namespace Space { export type Id = number; }
declare const ambient: number;
@Sendable
class S<T> extends RemoteBase {
  r: Remote | undefined = undefined;
  t: T;
  b: Box<number> = 1;
  id: Space.Id = 1;
  q: ns.Thing | null = null;
  constructor(t: T) {
    super();
    this.t = t;
  }
  use(): number {
    return ambient + ns.value + globalThis.Number(1);
  }
}
"#,
        );
    }

    #[test]
    fn fields_assigned_in_the_constructor_or_admitting_undefined_are_initialized() {
        clean(
            r#"type Maybe = number | undefined;
@Sendable
class S {
  a: number;
  b: string | undefined;
  c?: number;
  d: Maybe;
  static e: number;
  f: number;
  constructor(public g: number, f: number) {
    if (f > 0) {
      this.a = 1;
    } else {
      this.a = 2;
    }
    [this.f] = [f];
  }
}
"#,
        );
    }

    #[test]
    fn common_patterns_check_cleanly() {
        // A shared module with a SendableLruCache behind a lock (sendablelrucache-recent-list.md).
        clean(
            r#"import { ArkTSUtils } from '@kit.ArkTS';
'use shared'
@Sendable
class SendableClass {
  private lock_: ArkTSUtils.locks.AsyncLock = new ArkTSUtils.locks.AsyncLock();
  private books_: ArkTSUtils.SendableLruCache<string, string> =
    new ArkTSUtils.SendableLruCache<string, string>(4);
  constructor() {
    this.books_.put('fourth', 'Book4');
  }
  public async put(key: string, value: string) {
    await this.lock_.lockAsync(() => {
      this.books_.put(key, value);
    });
  }
  public async get(key: string): Promise<string | undefined> {
    return this.lock_.lockAsync(() => {
      return this.books_.get(key);
    });
  }
}
export let lruCache = new SendableClass();
"#,
        );
        // Self references, generic bases, optional fields, statics, locals of every kind.
        clean(
            r#"import { collections } from '@kit.ArkTS';
import Default from './default';
@Sendable
class Node<T> {
  value: T;
  next: Node<T> | null = null;
  static count: number = 0;
  history?: collections.Array<collections.Array<string>>;
  constructor(value: T) {
    this.value = value;
    Node.count++;
  }
  static of(v: number): Node<number> {
    const helper = (x: number): number => x + 1;
    class Local {}
    return new Node<number>(helper(v));
  }
}
@Sendable
class Derived extends Node<number> {
  extra: number = 1;
}
class Plain {
  items: collections.Array<number> = new collections.Array<number>();
  raw: number[] = [];
}
@Concurrent
function work(input: collections.Array<number>): number {
  let total = 0;
  outer: for (var i = 0; i < input.length; i++) {
    switch (input[i]) {
      case 0: {
        const z = 1;
        total += z;
        break;
      }
      default:
        continue outer;
    }
  }
  try {
    total += Default();
  } catch (e) {
    console.error(`${e}`);
  }
  return total + (globalThis === undefined ? 0 : 1) + arguments.length;
}
let nums: number[] = [1, 2];
"#,
        );
    }

    #[test]
    fn repl_lines_see_earlier_lines_as_globals() {
        let src = "@Concurrent\nfunction f(): number { return earlier + 1; }\n";
        let parsed = skiff_parser::parse_module(src, FileId(0));
        let file = SourceFile::new(FileId(0), "repl", src);
        let r = crate::compile_repl_line(&parsed.program, &file);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }

    #[test]
    fn arkts_utils_option_types_take_object_literals() {
        // ASON options and abort signals are plain interfaces: literals are fine for them,
        // while the shared classes of ArkTSUtils still may not be written as literals.
        clean(
            "import { ArkTSUtils } from '@kit.ArkTS';\n\
             let options: ArkTSUtils.ASON.ParseOptions = { bigIntMode: 1, parseReturnType: 0 };\n\
             let signal: ArkTSUtils.locks.AbortSignal<string> = { aborted: false, reason: 'x' };\n",
        );
        let d = diags(
            "import { ArkTSUtils } from '@kit.ArkTS';\n\
             let lock: ArkTSUtils.locks.AsyncLock = {};\n",
        );
        assert_eq!(d, vec!["E4013 2:40".to_string()]);
    }
}
