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
