//! Expressions.

use crate::compiler::{BindMode, Compiler, FnSpec, Place, Resolved};
use crate::diagnostics as diag;
use crate::scope::BindKind;
use skiff_ast::*;
use skiff_bytecode::{Constant, ErrorKind, FunctionFlags, Instr, JsStr, Jump, Reg, ShortJump};
use std::sync::Arc;

pub(crate) fn jsstr(s: &StrLit) -> JsStr {
    match &s.utf16 {
        Some(u) => JsStr::Utf16(Arc::from(&u[..])),
        None => JsStr::Utf8(Arc::from(s.value.as_str())),
    }
}

/// The text of a callee for `… is not a function` messages.
pub(crate) fn callee_text(e: &Expr) -> Option<String> {
    match e.unwrap_transparent() {
        Expr::Ident(i) => Some(i.name.clone()),
        Expr::This(_) => Some("this".into()),
        Expr::Super(_) => Some("super".into()),
        Expr::Member(m) => {
            let obj = callee_text(&m.object)?;
            match &m.prop {
                MemberProp::Ident(i) => Some(format!("{obj}.{}", i.name)),
                MemberProp::Private(i) => Some(format!("{obj}.#{}", i.name)),
                MemberProp::Computed(_) => Some(format!("{obj}[...]")),
            }
        }
        Expr::Call(c) => Some(format!("{}(...)", callee_text(&c.callee)?)),
        _ => None,
    }
}

/// The property key of a static `PropKey`, as a string.
pub(crate) fn static_key(k: &PropKey) -> Option<String> {
    match k {
        PropKey::Ident(i) => Some(i.name.clone()),
        PropKey::Str(s) if s.utf16.is_none() => Some(s.value.clone()),
        PropKey::Num(n, _) => Some(number_to_key(*n)),
        PropKey::BigInt(d, _) => Some(d.clone()),
        _ => None,
    }
}

/// ES Number::toString for the common cases used as property keys.
pub(crate) fn number_to_key(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
        if n == 0.0 {
            "0".into()
        } else {
            format!("{n:.0}")
        }
    } else if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        format!("{n}")
    }
}

impl<'a> Compiler<'a> {
    /// True when compiling `e` into a register writes that register only with its last instruction
    /// (so the register may be a binding that `e` itself reads).
    pub(crate) fn writes_dst_last(&self, e: &Expr) -> bool {
        match e.unwrap_transparent() {
            Expr::Num(..) | Expr::Str(_) | Expr::Bool(..) | Expr::Null(_) | Expr::BigInt(..) => {
                true
            }
            Expr::Ident(_) | Expr::This(_) | Expr::Binary(_) | Expr::Member(_) | Expr::New(_) => {
                true
            }
            Expr::Unary(_)
            | Expr::Function(_)
            | Expr::Arrow(_)
            | Expr::Template(_)
            | Expr::Array(_) => true,
            Expr::Call(c) => !matches!(c.callee.unwrap_transparent(), Expr::Super(_)),
            _ => false,
        }
    }

    /// Whether evaluating `e` may assign to a register binding of the current function. Only
    /// assignments, updates, `super()` (which binds `this`) and class bodies written in the
    /// expression itself can: closures never see registers.
    pub(crate) fn may_assign(e: &Expr) -> bool {
        let m = Self::may_assign;
        let key = |k: &PropKey| matches!(k, PropKey::Computed(x, _) if m(x));
        match e {
            Expr::Assign(_) | Expr::Update(_) | Expr::Class(_) => true,
            Expr::Function(_) | Expr::Arrow(_) => false,
            Expr::Ident(_)
            | Expr::This(_)
            | Expr::Super(_)
            | Expr::Null(_)
            | Expr::Bool(..)
            | Expr::Num(..)
            | Expr::BigInt(..)
            | Expr::Str(_)
            | Expr::Regex(_)
            | Expr::NewTarget(_)
            | Expr::ImportMeta(_)
            | Expr::Invalid(_) => false,
            Expr::Template(t) => t.exprs.iter().any(m),
            Expr::TaggedTemplate(t) => m(&t.tag) || t.quasi.exprs.iter().any(m),
            Expr::Array(a) => a.elements.iter().flatten().any(m),
            Expr::Object(o) => o.props.iter().any(|p| match p {
                ObjectProp::KeyValue(k, v, _) => key(k) || m(v),
                ObjectProp::Shorthand(_) => false,
                ObjectProp::Method(meth) => key(&meth.key),
                ObjectProp::Spread(x, _) => m(x),
                ObjectProp::CoverInitializedName(..) => true,
            }),
            Expr::Unary(u) => m(&u.arg),
            Expr::Binary(b) => m(&b.left) || m(&b.right),
            Expr::Logical(l) => m(&l.left) || m(&l.right),
            Expr::Conditional(c) => m(&c.test) || m(&c.consequent) || m(&c.alternate),
            Expr::Call(c) => {
                matches!(c.callee.unwrap_transparent(), Expr::Super(_))
                    || m(&c.callee)
                    || c.args.iter().any(m)
            }
            Expr::New(n) => m(&n.callee) || n.args.iter().any(m),
            Expr::Member(mem) => {
                m(&mem.object) || matches!(&mem.prop, MemberProp::Computed(x) if m(x))
            }
            Expr::Sequence(s) => s.exprs.iter().any(m),
            Expr::OptionalChain(x, _)
            | Expr::Paren(x, _)
            | Expr::Spread(x, _)
            | Expr::Await(x, _)
            | Expr::ImportCall(x, _)
            | Expr::As(x, _, _)
            | Expr::AsConst(x, _)
            | Expr::Satisfies(x, _, _)
            | Expr::NonNull(x, _)
            | Expr::TypeArgs(x, _, _) => m(x),
            Expr::Yield(y) => y.arg.as_ref().is_some_and(m),
        }
    }

    /// Evaluates `e` and returns a register holding it: the binding's own register for a local
    /// that needs no check, else a new temporary. Only use when nothing evaluated afterwards can
    /// assign to that local before the register is read.
    pub(crate) fn expr_reg(&mut self, e: &Expr) -> Reg {
        if let Expr::This(_) = e.unwrap_transparent() {
            if !self.tree_this_is_binding() {
                if let Some(r) = self.f().b.this_reg() {
                    return r;
                }
            }
        }
        if let Expr::Num(n, _) = e.unwrap_transparent() {
            if let Some(r) = self.f().b.const_reg(*n) {
                return r;
            }
        }
        if let Expr::Ident(id) = e.unwrap_transparent() {
            if let Some(r) = self.resolve(&id.name, id.span.start) {
                if let (Place::Reg(reg), false) = (r.place, r.needs_tdz) {
                    return reg;
                }
            }
        }
        self.expr_fresh(e)
    }

    /// Evaluates the operands of a binary operation.
    fn operands(&mut self, left: &Expr, right: &Expr) -> (Reg, Reg) {
        let a = if !Self::may_assign(right) {
            self.expr_reg(left)
        } else {
            self.expr_fresh(left)
        };
        let b = self.expr_reg(right);
        (a, b)
    }

    pub(crate) fn expr_discard(&mut self, e: &Expr) {
        let m = self.mark();
        match e.unwrap_transparent() {
            Expr::Update(u) => self.update(u, None),
            Expr::Assign(a) => self.assign(a, None),
            Expr::Sequence(s) => {
                for x in &s.exprs {
                    self.expr_discard(x);
                }
            }
            Expr::Call(c) if !matches!(c.callee.unwrap_transparent(), Expr::Super(_)) => {
                // The call window starts at the next free register, so naming it as the
                // destination avoids a move of the unused result.
                let r = Reg(self.mark().min(u32::from(u16::MAX)) as u16);
                self.call(c, r);
            }
            other => {
                let r = self.alloc();
                self.expr(other, r);
            }
        }
        self.release(m);
    }

    /// Evaluates `e` into `dst`, naming anonymous functions and classes `name`.
    pub(crate) fn expr_named(&mut self, e: &Expr, dst: Reg, name: &str) {
        match e.unwrap_transparent() {
            Expr::Function(f) if f.name.is_none() => self.function_expr(f, dst, name),
            Expr::Arrow(a) => {
                let func = self.compile_arrow(a, name);
                self.emit(Instr::Closure { dst, func });
            }
            Expr::Class(c) if c.name.is_none() => self.class(c, dst, name),
            _ => self.expr(e, dst),
        }
    }

    fn function_expr(&mut self, f: &Function, dst: Reg, name: &str) {
        let name = f
            .name
            .as_ref()
            .map(|n| n.name.clone())
            .unwrap_or_else(|| name.to_string());
        let spec = FnSpec {
            name,
            flags: 0,
            hoisted: false,
            start: f.span.start,
            span: (f.span.start, f.span.end),
            is_class_ctor: false,
            derived: false,
            has_home: false,
            class: None,
        };
        let func = self.compile_function(f, spec);
        self.emit(Instr::Closure { dst, func });
    }

    pub(crate) fn load_this(&mut self, dst: Reg, span: Span) {
        if self.tree_this_is_binding() {
            if let Some(r) = self.resolve("%this", span.start) {
                let mut r = r;
                r.needs_tdz = false;
                self.load_resolved(&r, "%this", dst);
                self.emit(Instr::CheckThis { src: dst });
                return;
            }
        }
        self.emit(Instr::LoadThis { dst });
    }

    /// True when `this` resolves to a derived constructor's binding.
    fn tree_this_is_binding(&self) -> bool {
        for f in self.fns.iter().rev() {
            if f.is_arrow {
                continue;
            }
            return f.is_derived_ctor;
        }
        false
    }

    pub(crate) fn load_number(&mut self, n: f64, dst: Reg) {
        if n.fract() == 0.0
            && n >= f64::from(i32::MIN)
            && n <= f64::from(i32::MAX)
            && !(n == 0.0 && n.is_sign_negative())
        {
            self.f().b.load_int(dst, n as i32);
        } else {
            let idx = self.f().b.num_const(n);
            self.emit(Instr::LoadConst { dst, idx });
        }
    }

    pub(crate) fn load_str(&mut self, s: &str, dst: Reg) {
        let idx = self.str_const(s);
        self.emit(Instr::LoadConst { dst, idx });
    }

    /// Loads an identifier's value.
    pub(crate) fn load_ident(&mut self, id: &Ident, dst: Reg) {
        if id.name == "undefined" && self.resolve("undefined", id.span.start).is_none() {
            self.emit(Instr::LoadUndefined { dst });
            return;
        }
        if let Some((ns, hidden)) = self.ns_member(&id.name) {
            self.load_resolved(&ns, &hidden, dst);
            let ic = self.f().b.ic(&id.name);
            self.emit(Instr::GetNamed { dst, obj: dst, ic });
            return;
        }
        match self.resolve(&id.name, id.span.start) {
            Some(r) => self.load_resolved(&r, &id.name, dst),
            None => {
                self.pos(id.span);
                let ic = self.f().b.ic(&id.name);
                self.emit(Instr::LoadGlobal { dst, ic });
            }
        }
    }

    pub(crate) fn store_ident(&mut self, id: &Ident, src: Reg, mode: BindMode) {
        if let Some((ns, hidden)) = self.ns_member(&id.name) {
            let m = self.mark();
            let obj = self.alloc();
            self.load_resolved(&ns, &hidden, obj);
            let ic = self.f().b.ic(&id.name);
            self.emit(Instr::SetNamed {
                obj,
                value: src,
                ic,
            });
            self.release(m);
            return;
        }
        match self.resolve(&id.name, id.span.start) {
            Some(r) => self.store_resolved(&r, &id.name, src, mode == BindMode::Declare, id.span),
            None => {
                self.pos(id.span);
                let ic = self.f().b.ic(&id.name);
                self.emit(Instr::StoreGlobal { src, ic });
            }
        }
    }

    pub(crate) fn expr(&mut self, e: &Expr, dst: Reg) {
        match e {
            Expr::Ident(id) => self.load_ident(id, dst),
            Expr::This(span) => self.load_this(dst, *span),
            Expr::Super(span) => {
                let d = diag::bad_super(self.fid, *span, false);
                self.error(d);
            }
            Expr::Null(_) => {
                self.emit(Instr::LoadNull { dst });
            }
            Expr::Bool(b, _) => {
                self.emit(if *b {
                    Instr::LoadTrue { dst }
                } else {
                    Instr::LoadFalse { dst }
                });
            }
            Expr::Num(n, _) => self.load_number(*n, dst),
            Expr::BigInt(d, _) => {
                let idx = self
                    .f()
                    .b
                    .other_const(Constant::BigInt(Arc::from(d.as_str())));
                self.emit(Instr::LoadConst { dst, idx });
            }
            Expr::Str(s) => {
                let idx = self.f().b.jsstr_const(jsstr(s));
                self.emit(Instr::LoadConst { dst, idx });
            }
            Expr::Template(t) => self.template(t, dst),
            Expr::TaggedTemplate(t) => self.tagged_template(t, dst),
            Expr::Regex(r) => {
                let idx = self.f().b.other_const(Constant::Regex {
                    pattern: JsStr::Utf8(Arc::from(r.pattern.as_str())),
                    flags: Arc::from(r.flags.as_str()),
                });
                self.emit(Instr::NewRegExp { dst, idx });
            }
            Expr::Array(a) => self.array_lit(a, dst),
            Expr::Object(o) => self.object_lit(o, dst),
            Expr::Function(f) => self.function_expr(f, dst, ""),
            Expr::Arrow(a) => {
                let func = self.compile_arrow(a, "");
                self.emit(Instr::Closure { dst, func });
            }
            Expr::Class(c) => {
                let name = c.name.as_ref().map(|n| n.name.clone()).unwrap_or_default();
                self.class(c, dst, &name);
            }
            Expr::Unary(u) => self.unary(u, dst),
            Expr::Update(u) => self.update(u, Some(dst)),
            Expr::Binary(b) => self.binary(b, dst),
            Expr::Logical(l) => self.logical(l, dst),
            Expr::Assign(a) => self.assign(a, Some(dst)),
            Expr::Conditional(c) => {
                let m = self.mark();
                let to_else = self.branch_over(&c.test, c.consequent.span());
                self.release(m);
                self.expr(&c.consequent, dst);
                let to_end = self.jump();
                self.f().b.patch_all_here(to_else);
                self.expr(&c.alternate, dst);
                self.patch_here(to_end);
            }
            Expr::Call(c) => self.call(c, dst),
            Expr::New(n) => self.new_expr(n, dst),
            Expr::Member(m) => self.member(m, dst),
            Expr::OptionalChain(inner, _) => {
                self.f().opt_chain.push(Vec::new());
                self.expr(inner, dst);
                let nullish = self.f().opt_chain.pop().unwrap_or_default();
                if !nullish.is_empty() {
                    let to_end = self.jump();
                    self.f().b.patch_all_here(nullish);
                    self.emit(Instr::LoadUndefined { dst });
                    self.patch_here(to_end);
                }
            }
            Expr::Sequence(s) => {
                let n = s.exprs.len();
                for (i, x) in s.exprs.iter().enumerate() {
                    if i + 1 == n {
                        self.expr(x, dst);
                    } else {
                        self.expr_discard(x);
                    }
                }
            }
            Expr::Paren(x, _)
            | Expr::As(x, _, _)
            | Expr::AsConst(x, _)
            | Expr::Satisfies(x, _, _)
            | Expr::NonNull(x, _)
            | Expr::TypeArgs(x, _, _) => self.expr(x, dst),
            Expr::Spread(_, span) => {
                self.unsupported(*span, "spread in this position");
            }
            Expr::Yield(y) => self.yield_expr(y, dst),
            Expr::Await(x, span) => {
                self.check_await(*span);
                self.expr(x, dst);
                self.pos(*span);
                self.emit(Instr::Await { dst, src: dst });
            }
            Expr::NewTarget(span) => {
                if self.fns.iter().all(|f| f.is_module || f.is_arrow) {
                    let d = diag::new_target_outside(self.fid, *span);
                    self.error(d);
                }
                self.emit(Instr::LoadNewTarget { dst });
            }
            Expr::ImportMeta(_) => {
                self.emit(Instr::ImportMeta { dst });
            }
            Expr::ImportCall(x, span) => {
                let m = self.mark();
                let s = self.alloc();
                self.expr(x, s);
                self.pos(*span);
                self.emit(Instr::DynamicImport { dst, specifier: s });
                self.release(m);
            }
            Expr::Invalid(_) => {
                self.emit(Instr::LoadUndefined { dst });
            }
        }
    }

    pub(crate) fn check_await(&mut self, span: Span) {
        let f = self.f();
        if f.is_async {
            return;
        }
        if f.is_module {
            f.flags.set(FunctionFlags::ASYNC);
            f.is_async = true;
            return;
        }
        let d = diag::await_outside_async(self.fid, span);
        self.error(d);
    }

    fn template(&mut self, t: &Template, dst: Reg) {
        // The parts in order: the non-empty texts between substitutions, and the substitutions.
        enum Part<'e> {
            Text(JsStr),
            Sub(&'e Expr),
        }
        let mut parts = Vec::new();
        for (i, q) in t.quasis.iter().enumerate() {
            let text = q
                .cooked
                .as_ref()
                .map(jsstr)
                .unwrap_or_else(|| JsStr::Utf8(Arc::from("")));
            if !matches!(&text, JsStr::Utf8(s) if s.is_empty()) {
                parts.push(Part::Text(text));
            }
            if let Some(x) = t.exprs.get(i) {
                parts.push(Part::Sub(x));
            }
        }
        // One part: it is the result. More: each goes to its own register (substitutions
        // converted with ToString as they are evaluated, in order) and `ConcatStrings` joins
        // them; a long template is joined in chunks, the first register of the block keeping
        // what the chunks so far joined to.
        const CHUNK: usize = 32;
        let m = self.mark();
        if parts.is_empty() {
            let idx = self.f().b.jsstr_const(JsStr::Utf8(Arc::from("")));
            self.emit(Instr::LoadConst { dst, idx });
        }
        let block = if parts.len() == 1 {
            dst
        } else {
            self.alloc_n(parts.len().min(CHUNK) as u32)
        };
        let mut filled = 0u16;
        let total = parts.len();
        for part in parts {
            if usize::from(filled) == CHUNK {
                self.emit(Instr::ConcatStrings {
                    dst: block,
                    base: block,
                    count: filled,
                });
                filled = 1;
            }
            let r = block.offset(filled);
            match part {
                Part::Text(text) => {
                    let idx = self.f().b.jsstr_const(text);
                    self.emit(Instr::LoadConst { dst: r, idx });
                }
                Part::Sub(x) => {
                    self.expr(x, r);
                    self.emit(Instr::ToString { dst: r, src: r });
                }
            }
            filled += 1;
        }
        if total > 1 {
            self.pos(t.span);
            self.emit(Instr::ConcatStrings {
                dst,
                base: block,
                count: filled,
            });
        }
        self.release(m);
    }

    fn template_object(&mut self, t: &Template) -> skiff_bytecode::Const {
        let raw: Vec<JsStr> = t
            .quasis
            .iter()
            .map(|q| JsStr::Utf8(Arc::from(q.raw.as_str())))
            .collect();
        let cooked: Vec<Option<JsStr>> = t
            .quasis
            .iter()
            .map(|q| q.cooked.as_ref().map(jsstr))
            .collect();
        self.f().b.other_const(Constant::Template {
            raw: raw.into(),
            cooked: cooked.into(),
        })
    }

    fn tagged_template(&mut self, t: &TaggedTemplate, dst: Reg) {
        let m = self.mark();
        let argc = t.quasi.exprs.len() + 1;
        let Some((base, _)) = self.callee_and_this(&t.tag, argc) else {
            self.release(m);
            return;
        };
        let idx = self.template_object(&t.quasi);
        self.emit(Instr::GetTemplateObject {
            dst: base.offset(2),
            idx,
        });
        for (i, x) in t.quasi.exprs.iter().enumerate() {
            self.expr(x, base.offset(3).offset(i as u16));
        }
        self.pos(t.span);
        let pc = self.emit(Instr::Call {
            dst: base,
            base,
            argc: argc as u16,
        });
        self.record_callee(pc, &t.tag);
        self.f().b.mov(dst, base);
        self.release(m);
    }

    pub(crate) fn record_callee(&mut self, pc: usize, callee: &Expr) {
        if let Some(text) = callee_text(callee) {
            let c = self.str_const(&text);
            self.f().b.callee_names.push((pc as u32, c));
        }
    }

    fn array_lit(&mut self, a: &ArrayLit, dst: Reg) {
        let simple = a
            .elements
            .iter()
            .all(|e| matches!(e, Some(x) if !matches!(x, Expr::Spread(..))));
        let m = self.mark();
        if simple && a.elements.len() <= 64 {
            let n = a.elements.len() as u16;
            let base = self.alloc_n(u32::from(n));
            for (i, x) in a.elements.iter().enumerate() {
                if let Some(x) = x {
                    self.expr(x, base.offset(i as u16));
                }
            }
            self.emit(Instr::NewArrayFrom {
                dst,
                base,
                count: n,
            });
        } else {
            let arr = self.alloc();
            self.emit(Instr::NewArray {
                dst: arr,
                capacity: a.elements.len().min(usize::from(u16::MAX)) as u16,
            });
            let v = self.alloc();
            for x in &a.elements {
                match x {
                    None => {
                        self.emit(Instr::ArrayPushHole { arr });
                    }
                    Some(Expr::Spread(inner, span)) => {
                        self.expr(inner, v);
                        self.pos(*span);
                        let pc = self.emit(Instr::ArraySpread { arr, src: v });
                        self.record_callee(pc, inner);
                    }
                    Some(x) => {
                        self.expr(x, v);
                        self.emit(Instr::ArrayPush { arr, value: v });
                    }
                }
            }
            self.f().b.mov(dst, arr);
        }
        self.release(m);
    }

    /// Loads a property key into a register (computed keys unconverted).
    pub(crate) fn prop_key(&mut self, k: &PropKey, dst: Reg) {
        match k {
            PropKey::Ident(i) => self.load_str(&i.name, dst),
            PropKey::Str(s) => {
                let idx = self.f().b.jsstr_const(jsstr(s));
                self.emit(Instr::LoadConst { dst, idx });
            }
            PropKey::Num(n, _) => self.load_str(&number_to_key(*n), dst),
            PropKey::BigInt(d, _) => self.load_str(d, dst),
            PropKey::Computed(e, _) => {
                self.expr(e, dst);
                self.emit(Instr::ToPropertyKey { dst, src: dst });
            }
            PropKey::Private(i) => {
                let d = diag::unsupported(self.fid, i.span, "private names in object literals");
                self.error(d);
            }
        }
    }

    fn object_lit(&mut self, o: &ObjectLit, dst: Reg) {
        let m = self.mark();
        let obj = self.alloc();
        self.emit(Instr::NewObject { dst: obj });
        let v = self.alloc();
        let k = self.alloc();
        for p in &o.props {
            match p {
                ObjectProp::KeyValue(key, value, _) => match static_key(key) {
                    Some(name) if !matches!(key, PropKey::Num(..)) => {
                        if name == "__proto__" && !matches!(key, PropKey::Computed(..)) {
                            self.expr(value, v);
                            self.emit(Instr::SetProtoLit { obj, value: v });
                            continue;
                        }
                        self.expr_named(value, v, &name);
                        let ic = self.f().b.ic(&name);
                        self.emit(Instr::DefineNamed { obj, value: v, ic });
                    }
                    _ => {
                        self.prop_key(key, k);
                        let anonymous_fn = matches!(
                            value.unwrap_transparent(),
                            Expr::Arrow(_) | Expr::Function(_) | Expr::Class(_)
                        ) && !matches!(value.unwrap_transparent(), Expr::Function(f) if f.name.is_some())
                            && !matches!(value.unwrap_transparent(), Expr::Class(c) if c.name.is_some());
                        let name = static_key(key).unwrap_or_default();
                        self.expr_named(value, v, &name);
                        if anonymous_fn && matches!(key, PropKey::Computed(..)) {
                            self.emit(Instr::SetFunctionName { func: v, key: k });
                        }
                        self.emit(Instr::DefineIndexed {
                            obj,
                            key: k,
                            value: v,
                        });
                    }
                },
                ObjectProp::Shorthand(id) => {
                    self.load_ident(id, v);
                    let ic = self.f().b.ic(&id.name);
                    self.emit(Instr::DefineNamed { obj, value: v, ic });
                }
                ObjectProp::Method(method) => {
                    let name = static_key(&method.key).unwrap_or_default();
                    let mut flags = FunctionFlags::METHOD;
                    match method.kind {
                        MethodKind::Getter => flags |= FunctionFlags::GETTER,
                        MethodKind::Setter => flags |= FunctionFlags::SETTER,
                        MethodKind::Method => {}
                    }
                    let fname = match method.kind {
                        MethodKind::Getter => format!("get {name}"),
                        MethodKind::Setter => format!("set {name}"),
                        MethodKind::Method => name.clone(),
                    };
                    let spec = FnSpec {
                        name: fname,
                        flags,
                        hoisted: false,
                        start: method.span.start,
                        span: (method.span.start, method.span.end),
                        is_class_ctor: false,
                        derived: false,
                        has_home: true,
                        class: None,
                    };
                    self.prop_key(&method.key, k);
                    let func = self.compile_function(&method.function, spec);
                    self.emit(Instr::Closure { dst: v, func });
                    match method.kind {
                        MethodKind::Method => {
                            self.emit(Instr::SetHomeObject { func: v, home: obj });
                            if matches!(method.key, PropKey::Computed(..)) {
                                self.emit(Instr::SetFunctionName { func: v, key: k });
                            }
                            self.emit(Instr::DefineIndexed {
                                obj,
                                key: k,
                                value: v,
                            });
                        }
                        MethodKind::Getter => {
                            self.emit(Instr::DefineLitGetter {
                                obj,
                                key: k,
                                func: v,
                            });
                        }
                        MethodKind::Setter => {
                            self.emit(Instr::DefineLitSetter {
                                obj,
                                key: k,
                                func: v,
                            });
                        }
                    }
                }
                ObjectProp::Spread(x, _) => {
                    self.expr(x, v);
                    self.emit(Instr::CopyDataProperties { dst: obj, src: v });
                }
                ObjectProp::CoverInitializedName(_, _, span) => {
                    let d = diag::invalid_assign_target(self.fid, *span);
                    self.error(d);
                }
            }
        }
        self.f().b.mov(dst, obj);
        self.release(m);
    }

    fn unary(&mut self, u: &UnaryExpr, dst: Reg) {
        match u.op {
            UnaryOp::Typeof => {
                if let Expr::Ident(id) = u.arg.unwrap_transparent() {
                    if self.resolve(&id.name, id.span.start).is_none() && id.name != "undefined" {
                        let ic = self.f().b.ic(&id.name);
                        self.emit(Instr::LoadGlobalOrUndefined { dst, ic });
                        self.emit(Instr::Typeof { dst, src: dst });
                        return;
                    }
                }
                let m = self.mark();
                let r = self.expr_reg(&u.arg);
                self.emit(Instr::Typeof { dst, src: r });
                self.release(m);
            }
            UnaryOp::Delete => self.delete(&u.arg, dst, u.span),
            UnaryOp::Void => {
                self.expr_discard(&u.arg);
                self.emit(Instr::LoadUndefined { dst });
            }
            UnaryOp::Minus => {
                if let Expr::Num(n, _) = u.arg.unwrap_transparent() {
                    self.load_number(-n, dst);
                    return;
                }
                if let Expr::BigInt(d, _) = u.arg.unwrap_transparent() {
                    let idx = self
                        .f()
                        .b
                        .other_const(Constant::BigInt(Arc::from(format!("-{d}").as_str())));
                    self.emit(Instr::LoadConst { dst, idx });
                    return;
                }
                let m = self.mark();
                let r = self.expr_reg(&u.arg);
                self.emit(Instr::Neg { dst, src: r });
                self.release(m);
            }
            UnaryOp::Plus | UnaryOp::Not | UnaryOp::BitNot => {
                let m = self.mark();
                let r = self.expr_reg(&u.arg);
                self.pos(u.span);
                self.emit(match u.op {
                    UnaryOp::Plus => Instr::ToNumber { dst, src: r },
                    UnaryOp::Not => Instr::Not { dst, src: r },
                    _ => Instr::BitNot { dst, src: r },
                });
                self.release(m);
            }
        }
    }

    fn delete(&mut self, arg: &Expr, dst: Reg, span: Span) {
        match arg.unwrap_transparent() {
            Expr::Ident(_) => {
                let d = diag::delete_identifier(self.fid, span);
                self.error(d);
            }
            Expr::Member(m) => {
                let mk = self.mark();
                let obj = self.alloc();
                self.expr(&m.object, obj);
                if m.optional {
                    self.opt_jump(obj);
                }
                let key = self.alloc();
                match &m.prop {
                    MemberProp::Ident(i) => self.load_str(&i.name, key),
                    MemberProp::Computed(x) => self.expr(x, key),
                    MemberProp::Private(i) => {
                        let d = diag::unsupported(self.fid, i.span, "delete of a private member");
                        self.error(d);
                    }
                }
                self.pos(span);
                self.emit(Instr::Delete { dst, obj, key });
                self.release(mk);
            }
            Expr::OptionalChain(inner, _) => {
                self.f().opt_chain.push(Vec::new());
                self.delete(inner, dst, span);
                let nullish = self.f().opt_chain.pop().unwrap_or_default();
                if !nullish.is_empty() {
                    let to_end = self.jump();
                    self.f().b.patch_all_here(nullish);
                    self.emit(Instr::LoadTrue { dst });
                    self.patch_here(to_end);
                }
            }
            other => {
                self.expr_discard(other);
                self.emit(Instr::LoadTrue { dst });
            }
        }
    }

    fn binary_instr(op: BinaryOp, dst: Reg, a: Reg, b: Reg) -> Instr {
        match op {
            BinaryOp::Add => Instr::Add { dst, a, b },
            BinaryOp::Sub => Instr::Sub { dst, a, b },
            BinaryOp::Mul => Instr::Mul { dst, a, b },
            BinaryOp::Div => Instr::Div { dst, a, b },
            BinaryOp::Rem => Instr::Rem { dst, a, b },
            BinaryOp::Exp => Instr::Exp { dst, a, b },
            BinaryOp::Shl => Instr::Shl { dst, a, b },
            BinaryOp::Shr => Instr::Shr { dst, a, b },
            BinaryOp::UShr => Instr::UShr { dst, a, b },
            BinaryOp::BitAnd => Instr::BitAnd { dst, a, b },
            BinaryOp::BitOr => Instr::BitOr { dst, a, b },
            BinaryOp::BitXor => Instr::BitXor { dst, a, b },
            BinaryOp::Eq => Instr::Eq { dst, a, b },
            BinaryOp::NotEq => Instr::NotEq { dst, a, b },
            BinaryOp::StrictEq => Instr::StrictEq { dst, a, b },
            BinaryOp::StrictNotEq => Instr::StrictNotEq { dst, a, b },
            BinaryOp::Lt => Instr::Lt { dst, a, b },
            BinaryOp::LtEq => Instr::LtEq { dst, a, b },
            BinaryOp::Gt => Instr::Gt { dst, a, b },
            BinaryOp::GtEq => Instr::GtEq { dst, a, b },
            BinaryOp::In => Instr::In {
                dst,
                key: a,
                obj: b,
            },
            BinaryOp::InstanceOf => Instr::InstanceOf { dst, a, b },
        }
    }

    fn binary(&mut self, b: &BinaryExpr, dst: Reg) {
        // `#x in o`: the parser gives the private name as an identifier spelled with its `#`.
        if let (BinaryOp::In, Expr::Ident(id)) = (b.op, b.left.unwrap_transparent()) {
            if let Some(bare) = id.name.strip_prefix('#') {
                let m = self.mark();
                let key = self.alloc();
                let name = Ident {
                    name: bare.to_string(),
                    span: id.span,
                };
                self.private_name(&name, key);
                let obj = self.expr_reg(&b.right);
                self.pos(b.span);
                self.emit(Instr::HasPrivate { dst, obj, key });
                self.release(m);
                return;
            }
        }
        if matches!(b.op, BinaryOp::Add | BinaryOp::Sub) {
            if let Expr::Num(n, _) = b.right.unwrap_transparent() {
                if n.fract() == 0.0
                    && *n >= f64::from(i16::MIN)
                    && *n <= f64::from(i16::MAX)
                    && !(*n == 0.0 && n.is_sign_negative())
                {
                    let m = self.mark();
                    let a = self.expr_reg(&b.left);
                    let imm = *n as i16;
                    self.pos(b.span);
                    self.emit(if b.op == BinaryOp::Add {
                        Instr::AddImm { dst, src: a, imm }
                    } else {
                        Instr::SubImm { dst, src: a, imm }
                    });
                    self.release(m);
                    return;
                }
            }
        }
        let m = self.mark();
        let (x, y) = self.operands(&b.left, &b.right);
        self.pos(b.span);
        self.emit(Self::binary_instr(b.op, dst, x, y));
        self.release(m);
    }

    fn logical(&mut self, l: &LogicalExpr, dst: Reg) {
        // Evaluate the left side into a temporary when `dst` may be read by the right side.
        let m = self.mark();
        // `dst` is never a binding the right side reads (see `writes_dst_last`), so it can hold
        // the left value.
        let t = dst;
        self.expr(&l.left, t);
        let skip = match l.op {
            LogicalOp::And => self.emit(Instr::JumpIfFalse {
                cond: t,
                offset: Jump(0),
            }),
            LogicalOp::Or => self.emit(Instr::JumpIfTrue {
                cond: t,
                offset: Jump(0),
            }),
            LogicalOp::Nullish => self.emit(Instr::JumpIfNotNullish {
                src: t,
                offset: Jump(0),
            }),
        };
        self.expr(&l.right, t);
        self.patch_here(skip);
        self.f().b.mov(dst, t);
        self.release(m);
    }

    /// Like `branch(e, false)` for a condition whose false-jumps skip the code compiled from
    /// `skipped` (plus a jump): when that source is short, its code surely fits the 16-bit offsets of
    /// the fused compare-and-branch forms (no construct compiles to anywhere near 32 instructions
    /// per source byte), so the negated forms (`JumpIfNotLt` …) are used.
    pub(crate) fn branch_over(&mut self, e: &Expr, skipped: skiff_diagnostics::Span) -> Vec<usize> {
        const MAX_SKIPPED_SOURCE: u32 = 1024;
        let short = skipped.end.saturating_sub(skipped.start) <= MAX_SKIPPED_SOURCE;
        self.branch_fused(e, false, None, short)
    }

    /// Compiles a condition as jumps: returns the jumps taken when ToBoolean(e) == `want`. With a
    /// known (backward) target the fused compare-and-branch forms are used.
    pub(crate) fn branch_to(&mut self, e: &Expr, want: bool, target: Option<usize>) -> Vec<usize> {
        self.branch_fused(e, want, target, false)
    }

    /// `branch_to`; `short` says forward jumps (no target) fit 16 bits and may be fused.
    fn branch_fused(
        &mut self,
        e: &Expr,
        want: bool,
        target: Option<usize>,
        short: bool,
    ) -> Vec<usize> {
        match e.unwrap_transparent() {
            Expr::Unary(u) if u.op == UnaryOp::Not => {
                return self.branch_fused(&u.arg, !want, target, short)
            }
            Expr::Logical(l) if l.op != LogicalOp::Nullish => {
                let is_and = l.op == LogicalOp::And;
                if is_and != want {
                    // a && b jumping on false / a || b jumping on true: either side triggers.
                    let mut j = self.branch_fused(&l.left, want, target, short);
                    j.extend(self.branch_fused(&l.right, want, target, short));
                    return j;
                }
                // a && b jumping on true: skip when a is false.
                let skip = self.branch_to(&l.left, !want, None);
                let j = self.branch_fused(&l.right, want, target, short);
                self.f().b.patch_all_here(skip);
                return j;
            }
            Expr::Bool(b, _) => {
                if *b == want {
                    return vec![self.jump()];
                }
                return Vec::new();
            }
            Expr::Binary(b)
                if (want && target.is_some()) || (!want && target.is_none() && short) =>
            {
                let fused = matches!(
                    b.op,
                    BinaryOp::Lt
                        | BinaryOp::LtEq
                        | BinaryOp::Gt
                        | BinaryOp::GtEq
                        | BinaryOp::StrictEq
                        | BinaryOp::StrictNotEq
                );
                if fused {
                    let m = self.mark();
                    let (x, y) = self.operands(&b.left, &b.right);
                    let at = self.pc();
                    // A forward jump is patched later.
                    let off = target.map_or(0, |t| t as i64 - at as i64);
                    if let Ok(off) = i16::try_from(off) {
                        let offset = ShortJump(off);
                        self.pos(b.span);
                        let (a, b2) = (x, y);
                        let j = self.emit(match (b.op, want) {
                            (BinaryOp::Lt, true) => Instr::JumpIfLt { a, b: b2, offset },
                            (BinaryOp::LtEq, true) => Instr::JumpIfLtEq { a, b: b2, offset },
                            (BinaryOp::Gt, true) => Instr::JumpIfGt { a, b: b2, offset },
                            (BinaryOp::GtEq, true) => Instr::JumpIfGtEq { a, b: b2, offset },
                            (BinaryOp::Lt, false) => Instr::JumpIfNotLt { a, b: b2, offset },
                            (BinaryOp::LtEq, false) => Instr::JumpIfNotLtEq { a, b: b2, offset },
                            (BinaryOp::Gt, false) => Instr::JumpIfNotGt { a, b: b2, offset },
                            (BinaryOp::GtEq, false) => Instr::JumpIfNotGtEq { a, b: b2, offset },
                            (BinaryOp::StrictEq, true) | (BinaryOp::StrictNotEq, false) => {
                                Instr::JumpIfStrictEq { a, b: b2, offset }
                            }
                            _ => Instr::JumpIfStrictNotEq { a, b: b2, offset },
                        });
                        self.release(m);
                        return vec![j];
                    }
                    let c = self.alloc();
                    self.emit(Self::binary_instr(b.op, c, x, y));
                    let j = self.emit(Instr::JumpIfTrue {
                        cond: c,
                        offset: Jump(0),
                    });
                    self.release(m);
                    return vec![j];
                }
            }
            _ => {}
        }
        let m = self.mark();
        let r = self.expr_reg(e);
        let j = if want {
            self.emit(Instr::JumpIfTrue {
                cond: r,
                offset: Jump(0),
            })
        } else {
            self.emit(Instr::JumpIfFalse {
                cond: r,
                offset: Jump(0),
            })
        };
        self.release(m);
        vec![j]
    }

    /// Inside an optional chain: jumps to the chain's nullish exit when `r` is nullish.
    pub(crate) fn opt_jump(&mut self, r: Reg) {
        let j = self.emit(Instr::JumpIfNullish {
            src: r,
            offset: Jump(0),
        });
        match self.f().opt_chain.last_mut() {
            Some(list) => list.push(j),
            None => {
                // An optional link outside a recorded chain (the parser always wraps chains in
                // `OptionalChain`): no short-circuit target, so the jump just falls through.
                self.patch_here(j);
            }
        }
    }

    pub(crate) fn member(&mut self, m: &MemberExpr, dst: Reg) {
        if let Expr::Super(span) = m.object.unwrap_transparent() {
            self.super_get(m, dst, *span);
            return;
        }
        // Const enum members are inlined.
        if let (Expr::Ident(obj), MemberProp::Ident(p)) = (m.object.unwrap_transparent(), &m.prop) {
            if let Some(v) = self.const_enum_value(obj, &p.name) {
                match v {
                    crate::compiler::EnumValue::Num(n) => self.load_number(n, dst),
                    crate::compiler::EnumValue::Str(s) => self.load_str(&s, dst),
                }
                return;
            }
        }
        let mk = self.mark();
        let obj = self.expr_reg(&m.object);
        if m.optional {
            self.opt_jump(obj);
        }
        self.pos(m.span);
        match &m.prop {
            MemberProp::Ident(i) => {
                let ic = self.f().b.ic(&i.name);
                self.emit(Instr::GetNamed { dst, obj, ic });
            }
            MemberProp::Computed(x) => {
                let key = self.expr_reg(x);
                self.pos(m.span);
                self.emit(Instr::GetIndexed { dst, obj, key });
            }
            MemberProp::Private(i) => {
                let key = self.alloc();
                self.private_name(i, key);
                self.emit(Instr::GetPrivate { dst, obj, key });
            }
        }
        self.release(mk);
    }

    pub(crate) fn private_name(&mut self, i: &Ident, dst: Reg) {
        let name = format!("#{}", i.name);
        match self.resolve(&name, u32::MAX) {
            Some(r) => self.load_resolved(&r, &name, dst),
            None => {
                let d = diag::undeclared_private(self.fid, &i.name, i.span);
                self.error(d);
            }
        }
    }

    fn super_get(&mut self, m: &MemberExpr, dst: Reg, span: Span) {
        if !self
            .fns
            .iter()
            .rev()
            .find(|f| !f.is_arrow)
            .map(|f| f.has_home)
            .unwrap_or(false)
        {
            let d = diag::bad_super(self.fid, span, false);
            self.error(d);
            return;
        }
        let mk = self.mark();
        let this = self.alloc();
        self.load_this(this, span);
        let key = self.alloc();
        self.super_key(&m.prop, key);
        self.emit(Instr::SuperGet { dst, this, key });
        self.release(mk);
    }

    pub(crate) fn super_key(&mut self, p: &MemberProp, key: Reg) {
        match p {
            MemberProp::Ident(i) => self.load_str(&i.name, key),
            MemberProp::Computed(x) => {
                self.expr(x, key);
                self.emit(Instr::ToPropertyKey { dst: key, src: key });
            }
            MemberProp::Private(i) => {
                let d = diag::unsupported(self.fid, i.span, "super with a private name");
                self.error(d);
            }
        }
    }

    fn const_enum_value(&self, obj: &Ident, member: &str) -> Option<crate::compiler::EnumValue> {
        let r: Resolved = self.resolve(&obj.name, u32::MAX)?;
        if r.kind != BindKind::EnumOrNamespace {
            return None;
        }
        self.const_enums
            .get(&(r.scope, r.index))?
            .get(member)
            .cloned()
    }

    /// Evaluates a callee into `base` and its `this` into `base+1`, with room for `argc`
    /// arguments after them. Returns the window's base.
    fn callee_and_this(&mut self, callee: &Expr, argc: usize) -> Option<(Reg, bool)> {
        self.callee_and_this_at(callee, argc, None, false)
    }

    /// Allocates a call window of `2 + argc` registers; when `dst` is the most recently
    /// allocated register the window starts at it, so the result needs no move.
    fn call_window(&mut self, argc: usize, dst: Option<Reg>) -> Reg {
        let n = argc.min(60000) as u32;
        let fresh = self.f().fresh.take();
        match dst {
            // Only a fresh temporary: a binding's register may still be read by the arguments.
            Some(d) if fresh == Some(d) && u32::from(d.0) + 1 == self.mark() => {
                self.alloc_n(1 + n);
                d
            }
            _ => self.alloc_n(2 + n),
        }
    }

    /// Evaluates `e` into a new temporary (which a call may use as the base of its window).
    pub(crate) fn expr_fresh(&mut self, e: &Expr) -> Reg {
        let r = self.alloc();
        self.f().fresh = Some(r);
        self.expr(e, r);
        self.f().fresh = None;
        r
    }

    /// Evaluates a callee into the base of a call window and its `this` into the next register;
    /// the flag says whether `this` comes from a member expression. With `plain_call`, a callee
    /// that is not a member expression leaves the `this` register unwritten (for `CallPlain`).
    fn callee_and_this_at(
        &mut self,
        callee: &Expr,
        argc: usize,
        dst: Option<Reg>,
        plain_call: bool,
    ) -> Option<(Reg, bool)> {
        let base = self.call_window(argc, dst);
        let this = base.offset(1);
        match callee.unwrap_transparent() {
            Expr::Member(m) if !matches!(m.object.unwrap_transparent(), Expr::Super(_)) => {
                self.expr(&m.object, this);
                if m.optional {
                    self.opt_jump(this);
                }
                self.pos(m.span);
                match &m.prop {
                    MemberProp::Ident(i) => {
                        let ic = self.f().b.ic(&i.name);
                        self.emit(Instr::GetNamed {
                            dst: base,
                            obj: this,
                            ic,
                        });
                    }
                    MemberProp::Computed(x) => {
                        let mk = self.mark();
                        let key = self.expr_reg(x);
                        self.emit(Instr::GetIndexed {
                            dst: base,
                            obj: this,
                            key,
                        });
                        self.release(mk);
                    }
                    MemberProp::Private(i) => {
                        let mk = self.mark();
                        let key = self.alloc();
                        self.private_name(i, key);
                        self.emit(Instr::GetPrivate {
                            dst: base,
                            obj: this,
                            key,
                        });
                        self.release(mk);
                    }
                }
                Some((base, true))
            }
            Expr::Member(m) => {
                // super.m(...): this is the current this.
                let span = m.span;
                self.load_this(this, span);
                let mk = self.mark();
                let key = self.alloc();
                self.super_key(&m.prop, key);
                self.emit(Instr::SuperGet {
                    dst: base,
                    this,
                    key,
                });
                self.release(mk);
                Some((base, true))
            }
            Expr::OptionalChain(inner, _)
                if matches!(inner.unwrap_transparent(), Expr::Member(_)) =>
            {
                // `(a?.b)()` calls with `this = a`, like `(a.b)()`.
                self.f().opt_chain.push(Vec::new());
                let r = self.callee_and_this(inner, 0);
                let nullish = self.f().opt_chain.pop().unwrap_or_default();
                if let Some((inner_base, _)) = r {
                    self.f().b.mov(base, inner_base);
                    self.f().b.mov(this, inner_base.offset(1));
                }
                if !nullish.is_empty() {
                    let to_end = self.jump();
                    self.f().b.patch_all_here(nullish);
                    self.emit(Instr::LoadUndefined { dst: base });
                    self.emit(Instr::LoadUndefined { dst: this });
                    self.patch_here(to_end);
                }
                Some((base, true))
            }
            _ => {
                self.expr(callee, base);
                if !plain_call {
                    self.emit(Instr::LoadUndefined { dst: this });
                }
                Some((base, false))
            }
        }
    }

    fn has_spread(args: &[Expr]) -> bool {
        args.iter().any(|a| matches!(a, Expr::Spread(..)))
    }

    /// Builds an Array of the arguments (for spread calls) in `dst`.
    fn args_array(&mut self, args: &[Expr], dst: Reg) {
        self.emit(Instr::NewArray {
            dst,
            capacity: args.len().min(usize::from(u16::MAX)) as u16,
        });
        let m = self.mark();
        let v = self.alloc();
        for a in args {
            match a {
                Expr::Spread(inner, span) => {
                    self.expr(inner, v);
                    self.pos(*span);
                    let pc = self.emit(Instr::ArraySpread { arr: dst, src: v });
                    self.record_callee(pc, inner);
                }
                x => {
                    self.expr(x, v);
                    self.emit(Instr::ArrayPush { arr: dst, value: v });
                }
            }
        }
        self.release(m);
    }

    fn call(&mut self, c: &CallExpr, dst: Reg) {
        let callee = c.callee.unwrap_transparent();
        if let Expr::Super(span) = callee {
            self.super_call(c, dst, *span);
            return;
        }
        let m = self.mark();
        let spread = Self::has_spread(&c.args);
        // Method call fast path: obj.name(args) → CallMethod.
        if let Expr::Member(mem) = callee {
            if let (MemberProp::Ident(name), false, false, false) = (
                &mem.prop,
                mem.optional,
                c.optional,
                spread || matches!(mem.object.unwrap_transparent(), Expr::Super(_)),
            ) {
                if self
                    .const_enum_value_expr(&mem.object, &name.name)
                    .is_none()
                {
                    let argc = c.args.len();
                    let base = self.call_window(argc, Some(dst));
                    self.expr(&mem.object, base.offset(1));
                    for (i, a) in c.args.iter().enumerate() {
                        self.expr(a, base.offset(2).offset(i as u16));
                    }
                    self.pos(c.span);
                    let ic = self.f().b.ic(&name.name);
                    let pc = self.emit(Instr::CallMethod {
                        base,
                        argc: argc.min(usize::from(u16::MAX)) as u16,
                        ic,
                    });
                    self.record_callee(pc, callee);
                    self.f().b.mov(dst, base);
                    self.release(m);
                    return;
                }
            }
        }
        let argc = if spread { 1 } else { c.args.len() };
        let Some((base, member)) = self.callee_and_this_at(&c.callee, argc, Some(dst), !spread)
        else {
            self.release(m);
            return;
        };
        if c.optional {
            self.opt_jump(base);
        }
        let pc = if spread {
            self.args_array(&c.args, base.offset(2));
            self.pos(c.span);
            self.emit(Instr::CallArray { dst: base, base })
        } else {
            for (i, a) in c.args.iter().enumerate() {
                self.expr(a, base.offset(2).offset(i as u16));
            }
            self.pos(c.span);
            let argc = argc.min(usize::from(u16::MAX)) as u16;
            self.emit(if member {
                Instr::Call {
                    dst: base,
                    base,
                    argc,
                }
            } else {
                Instr::CallPlain {
                    dst: base,
                    base,
                    argc,
                }
            })
        };
        self.record_callee(pc, callee);
        self.f().b.mov(dst, base);
        self.release(m);
    }

    fn const_enum_value_expr(
        &self,
        obj: &Expr,
        member: &str,
    ) -> Option<crate::compiler::EnumValue> {
        match obj.unwrap_transparent() {
            Expr::Ident(i) => self.const_enum_value(i, member),
            _ => None,
        }
    }

    fn new_expr(&mut self, n: &NewExpr, dst: Reg) {
        let m = self.mark();
        if Self::has_spread(&n.args) {
            let base = self.alloc_n(2);
            self.expr(&n.callee, base);
            self.args_array(&n.args, base.offset(1));
            self.pos(n.span);
            let pc = self.emit(Instr::NewArrayArgs { dst, base });
            self.record_callee(pc, &n.callee);
        } else {
            let argc = n.args.len();
            let base = self.alloc_n(1 + argc as u32);
            self.expr(&n.callee, base);
            for (i, a) in n.args.iter().enumerate() {
                self.expr(a, base.offset(1).offset(i as u16));
            }
            self.pos(n.span);
            let pc = self.emit(Instr::New {
                dst,
                base,
                argc: argc.min(usize::from(u16::MAX)) as u16,
            });
            self.record_callee(pc, &n.callee);
        }
        self.release(m);
    }

    fn super_call(&mut self, c: &CallExpr, dst: Reg, span: Span) {
        let in_derived = self
            .fns
            .iter()
            .rev()
            .find(|f| !f.is_arrow)
            .map(|f| f.is_derived_ctor)
            .unwrap_or(false);
        if !in_derived {
            let d = diag::bad_super(self.fid, span, true);
            self.error(d);
            return;
        }
        let m = self.mark();
        let direct = self.fr().is_derived_ctor;
        let load_ctor = |this: &mut Self, r: Reg| {
            if direct {
                this.emit(Instr::LoadCallee { dst: r });
            } else if let Some(res) = this.resolve("%ctor", u32::MAX) {
                this.load_resolved(&res, "%ctor", r);
            }
        };
        let result = self.alloc();
        if Self::has_spread(&c.args) {
            let base = self.alloc_n(2);
            load_ctor(self, base);
            self.args_array(&c.args, base.offset(1));
            self.pos(span);
            self.emit(Instr::SuperCallArray { dst: result, base });
        } else {
            let argc = c.args.len();
            let base = self.alloc_n(1 + argc as u32);
            load_ctor(self, base);
            for (i, a) in c.args.iter().enumerate() {
                self.expr(a, base.offset(1).offset(i as u16));
            }
            self.pos(span);
            self.emit(Instr::SuperCall {
                dst: result,
                base,
                argc: argc.min(usize::from(u16::MAX)) as u16,
            });
        }
        // Bind `this` (once), then run the field initializers and parameter properties.
        let cur = self.alloc();
        self.load_this_binding_raw(cur);
        self.emit(Instr::CheckThisUninit { src: cur });
        if let Some(r) = self.resolve("%this", u32::MAX) {
            self.store_resolved(&r, "%this", result, true, span);
        }
        // TypeScript assigns parameter properties before the field initialisers run.
        if direct {
            self.emit_param_props();
        }
        // Arrows cannot tell whether the class has fields; the constructor itself can.
        if !direct || self.fr().init_fields {
            let ctor = self.alloc();
            load_ctor(self, ctor);
            self.emit(Instr::InitFields { ctor, this: result });
        }
        self.f().b.mov(dst, result);
        self.release(m);
    }

    fn update(&mut self, u: &UpdateExpr, dst: Option<Reg>) {
        let inc = u.op == UpdateOp::Increment;
        let op = |dst: Reg, src: Reg| {
            if inc {
                Instr::Inc { dst, src }
            } else {
                Instr::Dec { dst, src }
            }
        };
        let m = self.mark();
        match u.arg.unwrap_transparent() {
            Expr::Ident(id) => {
                let res = self.resolve(&id.name, id.span.start);
                if let Some(r) = &res {
                    if let (Place::Reg(reg), false, None) = (r.place, r.needs_tdz, dst) {
                        if r.kind != BindKind::Const && r.kind != BindKind::Import {
                            self.emit(op(reg, reg));
                            self.release(m);
                            return;
                        }
                    }
                }
                let old = self.alloc();
                self.load_ident(id, old);
                let new = self.alloc();
                if !u.prefix && dst.is_some() {
                    self.emit(Instr::ToNumeric { dst: old, src: old });
                }
                self.emit(op(new, old));
                self.wrapped_target = !matches!(u.arg, Expr::Ident(_));
                self.store_ident(id, new, BindMode::Assign);
                self.wrapped_target = false;
                if let Some(d) = dst {
                    self.f().b.mov(d, if u.prefix { new } else { old });
                }
            }
            Expr::Member(mem) => {
                let obj = self.member_object(mem, &[]);
                let key = self.alloc();
                let old = self.alloc();
                let new = self.alloc();
                self.pos(u.span);
                let get_set = self.member_key(mem, key);
                self.member_get(get_set, obj, key, old);
                if !u.prefix && dst.is_some() {
                    self.emit(Instr::ToNumeric { dst: old, src: old });
                }
                self.emit(op(new, old));
                self.member_set(get_set, obj, key, new);
                if let Some(d) = dst {
                    self.f().b.mov(d, if u.prefix { new } else { old });
                }
            }
            _ => {
                let d = diag::invalid_assign_target(self.fid, u.span);
                self.error(d);
            }
        }
        self.release(m);
    }

    /// Prepares a member target's key; returns how to access it.
    pub(crate) fn member_key(&mut self, mem: &MemberExpr, key: Reg) -> MemberAccess {
        if matches!(mem.object.unwrap_transparent(), Expr::Super(_)) {
            self.super_key(&mem.prop, key);
            return MemberAccess::Super;
        }
        match &mem.prop {
            MemberProp::Ident(i) => {
                let ic_get = self.f().b.ic(&i.name);
                let ic_set = self.f().b.ic(&i.name);
                MemberAccess::Named(ic_get, ic_set)
            }
            MemberProp::Computed(x) => {
                self.expr(x, key);
                self.emit(Instr::ToPropertyKey { dst: key, src: key });
                MemberAccess::Indexed
            }
            MemberProp::Private(i) => {
                self.private_name(i, key);
                MemberAccess::Private
            }
        }
    }

    pub(crate) fn member_get(&mut self, a: MemberAccess, obj: Reg, key: Reg, dst: Reg) {
        match a {
            MemberAccess::Named(ic, _) => self.emit(Instr::GetNamed { dst, obj, ic }),
            MemberAccess::Indexed => self.emit(Instr::GetIndexed { dst, obj, key }),
            MemberAccess::Private => self.emit(Instr::GetPrivate { dst, obj, key }),
            MemberAccess::Super => self.emit(Instr::SuperGet {
                dst,
                this: obj,
                key,
            }),
        };
    }

    pub(crate) fn member_set(&mut self, a: MemberAccess, obj: Reg, key: Reg, value: Reg) {
        match a {
            MemberAccess::Named(_, ic) => self.emit(Instr::SetNamed { obj, value, ic }),
            MemberAccess::Indexed => self.emit(Instr::SetIndexed { obj, key, value }),
            MemberAccess::Private => self.emit(Instr::SetPrivate { obj, key, value }),
            MemberAccess::Super => self.emit(Instr::SuperSet {
                this: obj,
                key,
                value,
            }),
        };
    }

    /// Evaluates the object of a member target (for `super.x` targets: `this`).
    /// Evaluates the object of a member target (for `super.x` targets: `this`). A local's own
    /// register is used unless the key or one of the `later` expressions may reassign it.
    pub(crate) fn member_object(&mut self, mem: &MemberExpr, later: &[&Expr]) -> Reg {
        if let Expr::Super(span) = mem.object.unwrap_transparent() {
            let obj = self.alloc();
            self.load_this(obj, *span);
            return obj;
        }
        let key_assigns = matches!(&mem.prop, MemberProp::Computed(x) if Self::may_assign(x));
        if key_assigns || later.iter().any(|e| Self::may_assign(e)) {
            self.expr_fresh(&mem.object)
        } else {
            self.expr_reg(&mem.object)
        }
    }

    fn assign(&mut self, a: &AssignExpr, dst: Option<Reg>) {
        let m = self.mark();
        match a.op {
            AssignOp::Assign => match &a.target {
                Pattern::Ident(id) => {
                    let res = self.resolve(&id.name, id.span.start);
                    let direct = match &res {
                        Some(r) => {
                            matches!(r.place, Place::Reg(_))
                                && !r.needs_tdz
                                && r.kind != BindKind::Const
                                && r.kind != BindKind::Import
                                && !(r.kind == BindKind::Class)
                                && self.writes_dst_last(&a.value)
                        }
                        None => false,
                    };
                    if let (
                        true,
                        Some(Resolved {
                            place: Place::Reg(reg),
                            ..
                        }),
                    ) = (direct, &res)
                    {
                        let reg = *reg;
                        self.expr_named(&a.value, reg, &id.name);
                        if let Some(d) = dst {
                            self.f().b.mov(d, reg);
                        }
                    } else {
                        let v = self.alloc();
                        self.expr_named(&a.value, v, &id.name);
                        self.store_ident(id, v, BindMode::Assign);
                        if let Some(d) = dst {
                            self.f().b.mov(d, v);
                        }
                    }
                }
                Pattern::Expr(target) => match target.unwrap_transparent() {
                    Expr::Member(mem) => {
                        let obj = self.member_object(mem, &[&a.value]);
                        let key = self.alloc();
                        let acc = self.member_key(mem, key);
                        let v = self.expr_reg(&a.value);
                        self.pos(a.span);
                        self.member_set(acc, obj, key, v);
                        if let Some(d) = dst {
                            self.f().b.mov(d, v);
                        }
                    }
                    Expr::Ident(id) => {
                        let v = self.alloc();
                        self.expr_named(&a.value, v, &id.name);
                        self.wrapped_target = true;
                        self.store_ident(id, v, BindMode::Assign);
                        self.wrapped_target = false;
                        if let Some(d) = dst {
                            self.f().b.mov(d, v);
                        }
                    }
                    _ => {
                        let d = diag::invalid_assign_target(self.fid, a.span);
                        self.error(d);
                    }
                },
                pat => {
                    let v = self.alloc();
                    self.expr(&a.value, v);
                    self.bind_pattern(pat, v, BindMode::Assign);
                    if let Some(d) = dst {
                        self.f().b.mov(d, v);
                    }
                }
            },
            AssignOp::Compound(op) => {
                let target = match &a.target {
                    Pattern::Expr(e) => e.unwrap_transparent(),
                    Pattern::Ident(_) => &Expr::Invalid(Span::DUMMY),
                    _ => &Expr::Invalid(Span::DUMMY),
                };
                if let Pattern::Ident(id) = &a.target {
                    self.compound_ident(id, op, &a.value, dst);
                } else if let Expr::Ident(id) = target {
                    self.wrapped_target = true;
                    self.compound_ident(id, op, &a.value, dst);
                    self.wrapped_target = false;
                } else if let Expr::Member(mem) = target {
                    let obj = self.member_object(mem, &[&a.value]);
                    let key = self.alloc();
                    let acc = self.member_key(mem, key);
                    let old = self.alloc();
                    self.pos(a.span);
                    self.member_get(acc, obj, key, old);
                    let v = self.alloc();
                    self.expr(&a.value, v);
                    self.pos(a.span);
                    self.emit(Self::binary_instr(op, v, old, v));
                    self.member_set(acc, obj, key, v);
                    if let Some(d) = dst {
                        self.f().b.mov(d, v);
                    }
                } else {
                    let d = diag::invalid_assign_target(self.fid, a.span);
                    self.error(d);
                }
            }
            AssignOp::Logical(op) => {
                let target = match &a.target {
                    Pattern::Expr(e) => Some(e.unwrap_transparent()),
                    _ => None,
                };
                let ident = match (&a.target, target) {
                    (Pattern::Ident(id), _) => Some(id),
                    (_, Some(Expr::Ident(id))) => Some(id),
                    _ => None,
                };
                let old = self.alloc();
                let skip;
                if let Some(id) = ident {
                    self.load_ident(id, old);
                    skip = self.logical_skip(op, old);
                    self.expr_named(&a.value, old, &id.name);
                    self.store_ident(id, old, BindMode::Assign);
                } else if let Some(Expr::Member(mem)) = target {
                    let obj = self.member_object(mem, &[&a.value]);
                    let key = self.alloc();
                    let acc = self.member_key(mem, key);
                    self.member_get(acc, obj, key, old);
                    skip = self.logical_skip(op, old);
                    self.expr(&a.value, old);
                    self.member_set(acc, obj, key, old);
                } else {
                    let d = diag::invalid_assign_target(self.fid, a.span);
                    self.error(d);
                    self.release(m);
                    return;
                }
                self.patch_here(skip);
                if let Some(d) = dst {
                    self.f().b.mov(d, old);
                }
            }
        }
        self.release(m);
    }

    fn logical_skip(&mut self, op: LogicalOp, r: Reg) -> usize {
        match op {
            LogicalOp::And => self.emit(Instr::JumpIfFalse {
                cond: r,
                offset: Jump(0),
            }),
            LogicalOp::Or => self.emit(Instr::JumpIfTrue {
                cond: r,
                offset: Jump(0),
            }),
            LogicalOp::Nullish => self.emit(Instr::JumpIfNotNullish {
                src: r,
                offset: Jump(0),
            }),
        }
    }

    fn compound_ident(&mut self, id: &Ident, op: BinaryOp, value: &Expr, dst: Option<Reg>) {
        let res = self.resolve(&id.name, id.span.start);
        if let Some(r) = &res {
            // The value must not be able to assign to the binding (`y += (y = 10)`).
            if let (Place::Reg(reg), false, true) = (r.place, r.needs_tdz, !Self::may_assign(value))
            {
                if r.kind != BindKind::Const
                    && r.kind != BindKind::Import
                    && r.kind != BindKind::Class
                {
                    // x op= v with x in a register: compute straight into it.
                    if op == BinaryOp::Add {
                        if let Expr::Num(n, _) = value.unwrap_transparent() {
                            if n.fract() == 0.0
                                && *n >= f64::from(i16::MIN)
                                && *n <= f64::from(i16::MAX)
                                && !(*n == 0.0 && n.is_sign_negative())
                            {
                                self.emit(Instr::AddImm {
                                    dst: reg,
                                    src: reg,
                                    imm: *n as i16,
                                });
                                if let Some(d) = dst {
                                    self.f().b.mov(d, reg);
                                }
                                return;
                            }
                        }
                    }
                    let v = self.expr_reg(value);
                    self.emit(Self::binary_instr(op, reg, reg, v));
                    if let Some(d) = dst {
                        self.f().b.mov(d, reg);
                    }
                    return;
                }
            }
        }
        let old = self.alloc();
        self.load_ident(id, old);
        let v = self.alloc();
        self.expr(value, v);
        self.emit(Self::binary_instr(op, v, old, v));
        self.store_ident(id, v, BindMode::Assign);
        if let Some(d) = dst {
            self.f().b.mov(d, v);
        }
    }

    // --- generators ----------------------------------------------------------------------------

    fn yield_expr(&mut self, y: &YieldExpr, dst: Reg) {
        if !self.fr().is_generator {
            let d = diag::yield_outside_generator(self.fid, y.span);
            self.error(d);
            return;
        }
        if y.delegate {
            self.yield_star(y, dst);
            return;
        }
        let m = self.mark();
        let v = self.alloc();
        match &y.arg {
            Some(a) => self.expr(a, v),
            None => {
                self.emit(Instr::LoadUndefined { dst: v });
            }
        }
        if self.fr().is_async {
            self.emit(Instr::Await { dst: v, src: v });
        }
        let recv = self.alloc_n(2);
        self.pos(y.span);
        self.emit(Instr::Yield { dst: recv, src: v });
        let not_return = self.emit(Instr::JumpIfFalse {
            cond: recv.offset(1),
            offset: Jump(0),
        });
        if self.fr().is_async {
            self.emit(Instr::Await {
                dst: recv,
                src: recv,
            });
        }
        self.emit_return(recv);
        self.patch_here(not_return);
        self.f().b.mov(dst, recv);
        self.release(m);
    }

    fn yield_star(&mut self, y: &YieldExpr, dst: Reg) {
        let is_async = self.fr().is_async;
        let m = self.mark();
        let src = self.alloc();
        match &y.arg {
            Some(a) => self.expr(a, src),
            None => {
                self.emit(Instr::LoadUndefined { dst: src });
            }
        }
        let it = self.alloc_n(2);
        self.pos(y.span);
        if is_async {
            self.emit(Instr::GetAsyncIterator { dst: it, src });
        } else {
            self.emit(Instr::GetIterator { dst: it, src });
        }
        let recv = self.alloc_n(2);
        let mode = self.alloc();
        let res = self.alloc();
        let k = self.alloc();
        let c = self.alloc();
        let win = self.alloc_n(3);
        self.emit(Instr::LoadUndefined { dst: recv });
        self.f().b.load_int(mode, 0);
        let top = self.pc();
        // mode 0: next(received)
        self.f().b.load_int(k, 0);
        self.emit(Instr::StrictEq {
            dst: c,
            a: mode,
            b: k,
        });
        let not_next = self.emit(Instr::JumpIfFalse {
            cond: c,
            offset: Jump(0),
        });
        self.f().b.mov(win, it.offset(1));
        self.f().b.mov(win.offset(1), it);
        self.f().b.mov(win.offset(2), recv);
        self.emit(Instr::Call {
            dst: res,
            base: win,
            argc: 1,
        });
        let to_check = self.jump();
        self.patch_here(not_next);
        // mode 1: throw(received)
        self.f().b.load_int(k, 1);
        self.emit(Instr::StrictEq {
            dst: c,
            a: mode,
            b: k,
        });
        let not_throw = self.emit(Instr::JumpIfFalse {
            cond: c,
            offset: Jump(0),
        });
        let ic = self.f().b.ic("throw");
        self.emit(Instr::GetNamed {
            dst: win,
            obj: it,
            ic,
        });
        let has_throw = self.emit(Instr::JumpIfNotNullish {
            src: win,
            offset: Jump(0),
        });
        self.emit_iterator_close(it, is_async);
        self.throw_error(
            ErrorKind::TypeError,
            "The iterator does not provide a 'throw' method",
        );
        self.patch_here(has_throw);
        self.f().b.mov(win.offset(1), it);
        self.f().b.mov(win.offset(2), recv);
        self.emit(Instr::Call {
            dst: res,
            base: win,
            argc: 1,
        });
        let to_check2 = self.jump();
        self.patch_here(not_throw);
        // mode 2: return(received)
        let ic = self.f().b.ic("return");
        self.emit(Instr::GetNamed {
            dst: win,
            obj: it,
            ic,
        });
        let has_return = self.emit(Instr::JumpIfNotNullish {
            src: win,
            offset: Jump(0),
        });
        if is_async {
            self.emit(Instr::Await {
                dst: recv,
                src: recv,
            });
        }
        self.emit_return(recv);
        self.patch_here(has_return);
        self.f().b.mov(win.offset(1), it);
        self.f().b.mov(win.offset(2), recv);
        self.emit(Instr::Call {
            dst: res,
            base: win,
            argc: 1,
        });
        self.patch_here(to_check);
        self.patch_here(to_check2);
        if is_async {
            self.emit(Instr::Await { dst: res, src: res });
        }
        let msg = self.str_const("Iterator result %s is not an object");
        self.emit(Instr::ThrowIfNotObject { src: res, msg });
        let done = self.alloc();
        self.emit(Instr::IteratorResultDone {
            dst: done,
            result: res,
        });
        let not_done = self.emit(Instr::JumpIfFalse {
            cond: done,
            offset: Jump(0),
        });
        let value = self.alloc();
        self.emit(Instr::IteratorResultValue {
            dst: value,
            result: res,
        });
        self.f().b.load_int(k, 2);
        self.emit(Instr::StrictEq {
            dst: c,
            a: mode,
            b: k,
        });
        let not_ret = self.emit(Instr::JumpIfFalse {
            cond: c,
            offset: Jump(0),
        });
        self.emit_return(value);
        self.patch_here(not_ret);
        self.f().b.mov(dst, value);
        let to_end = self.jump();
        self.patch_here(not_done);
        let yield_pc = self.pc();
        if is_async {
            self.emit(Instr::IteratorResultValue {
                dst: value,
                result: res,
            });
            self.emit(Instr::Yield {
                dst: recv,
                src: value,
            });
        } else {
            self.emit(Instr::YieldRaw {
                dst: recv,
                src: res,
            });
        }
        let yield_end = self.pc();
        // Resumed: next → mode 0, return → mode 2.
        self.f().b.load_int(mode, 0);
        let back_next = self.emit(Instr::JumpIfFalse {
            cond: recv.offset(1),
            offset: Jump(0),
        });
        self.f().b.load_int(mode, 2);
        self.f().b.jump_back(top);
        self.f().b.patch_to(back_next, top);
        // Resumed with throw(e): the exception lands here.
        let handler = self.pc();
        self.f().b.handlers.push(skiff_bytecode::Handler {
            start: yield_pc as u32,
            end: yield_end as u32,
            target: handler as u32,
            reg: recv.0,
        });
        self.f().b.load_int(mode, 1);
        self.f().b.jump_back(top);
        self.patch_here(to_end);
        self.release(m);
    }
}

#[derive(Clone, Copy)]
pub(crate) enum MemberAccess {
    Named(skiff_bytecode::Ic, skiff_bytecode::Ic),
    Indexed,
    Private,
    Super,
}
