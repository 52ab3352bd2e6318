//! Destructuring: binding patterns (declarations, parameters, catch) and assignment patterns.

use crate::compiler::{BindMode, Compiler};
use crate::diagnostics as diag;
use crate::expr::{static_key, MemberAccess};
use skiff_ast::*;
use skiff_bytecode::{ErrorKind, Instr, Jump, Reg};

impl<'a> Compiler<'a> {
    /// Binds `value` to `pat`.
    pub(crate) fn bind_pattern(&mut self, pat: &Pattern, value: Reg, mode: BindMode) {
        match pat {
            Pattern::Ident(id) => self.store_ident(id, value, mode),
            Pattern::Default(inner, def, _) => {
                let top = self.destructure_src.take();
                let m = self.mark();
                let v = self.alloc();
                self.f().b.mov(v, value);
                let skip = self.emit(Instr::JumpIfNotUndefined {
                    src: v,
                    offset: Jump(0),
                });
                let hint = match &**inner {
                    Pattern::Ident(id) => id.name.clone(),
                    _ => String::new(),
                };
                self.expr_named(def, v, &hint);
                self.patch_here(skip);
                self.destructure_src = top;
                self.bind_pattern(inner, v, mode);
                self.release(m);
            }
            Pattern::Object(o) => self.bind_object(o, value, mode),
            Pattern::Array(a) => self.bind_array(a, value, mode),
            Pattern::Expr(e) => match e.unwrap_transparent() {
                Expr::Member(mem) => {
                    let m = self.mark();
                    let obj = self.member_object(mem, &[]);
                    let key = self.alloc();
                    let acc = self.member_key(mem, key);
                    self.member_set(acc, obj, key, value);
                    self.release(m);
                }
                Expr::Ident(id) => self.store_ident(id, value, mode),
                other => {
                    let d = diag::invalid_assign_target(self.fid, other.span());
                    self.error(d);
                }
            },
            Pattern::Invalid(_) => {}
        }
    }

    fn bind_object(&mut self, o: &ObjectPattern, value: Reg, mode: BindMode) {
        let m = self.mark();
        self.pos(o.span);
        let top = self.destructure_src.take();
        let first = o.props.first().and_then(|p| match &p.key {
            PropKey::Computed(..) => None,
            k => static_key(k),
        });
        match (top, first) {
            // V8's messages: name the first property and the destructured expression.
            (Some(text), Some(first)) => {
                let ok = self.emit(Instr::JumpIfNotNullish {
                    src: value,
                    offset: Jump(0),
                });
                let undef = self.emit(Instr::JumpIfUndefined {
                    src: value,
                    offset: Jump(0),
                });
                let what = text.clone().unwrap_or_else(|| "null".into());
                self.throw_error(
                    ErrorKind::TypeError,
                    &format!("Cannot destructure property '{first}' of '{what}' as it is null."),
                );
                self.patch_here(undef);
                let what = text.unwrap_or_else(|| "undefined".into());
                self.throw_error(
                    ErrorKind::TypeError,
                    &format!(
                        "Cannot destructure property '{first}' of '{what}' as it is undefined."
                    ),
                );
                self.patch_here(ok);
            }
            // Nested patterns with properties fail on the property read, as in V8.
            (None, Some(_)) => {}
            _ => {
                self.emit(Instr::CheckObjectCoercible { src: value });
            }
        }
        let v = self.alloc();
        let excluded = if o.rest.is_some() {
            let arr = self.alloc();
            self.emit(Instr::NewArray {
                dst: arr,
                capacity: o.props.len().min(usize::from(u16::MAX)) as u16,
            });
            Some(arr)
        } else {
            None
        };
        for p in &o.props {
            match static_key(&p.key) {
                Some(name) if !matches!(p.key, PropKey::Computed(..)) => {
                    let ic = self.f().b.ic(&name);
                    self.emit(Instr::GetNamed {
                        dst: v,
                        obj: value,
                        ic,
                    });
                    if let Some(arr) = excluded {
                        let k = self.alloc();
                        self.load_str(&name, k);
                        self.emit(Instr::ArrayPush { arr, value: k });
                    }
                }
                _ => {
                    let k = self.alloc();
                    self.prop_key(&p.key, k);
                    self.emit(Instr::GetIndexed {
                        dst: v,
                        obj: value,
                        key: k,
                    });
                    if let Some(arr) = excluded {
                        self.emit(Instr::ArrayPush { arr, value: k });
                    }
                }
            }
            self.bind_pattern(&p.value, v, mode);
        }
        if let (Some(rest), Some(arr)) = (&o.rest, excluded) {
            self.emit(Instr::CopyRestProperties {
                dst: v,
                src: value,
                excluded: arr,
            });
            self.bind_pattern(rest, v, mode);
        }
        self.release(m);
    }

    /// Array destructuring (IteratorBindingInitialization and
    /// IteratorDestructuringAssignmentEvaluation). A throw while binding an element closes the
    /// iterator, unless the iterator itself threw (`done` is set around every step and value
    /// read for that).
    fn bind_array(&mut self, a: &ArrayPattern, value: Reg, mode: BindMode) {
        let m = self.mark();
        let it = self.alloc_n(2);
        self.pos(a.span);
        let text = self.destructure_src.take().flatten();
        let pc = self.emit(Instr::GetIterator {
            dst: it,
            src: value,
        });
        if let Some(text) = text {
            let c = self.str_const(&text);
            self.f().b.callee_names.push((pc as u32, c));
        }
        let done = self.alloc();
        self.emit(Instr::LoadFalse { dst: done });
        let res = self.alloc();
        let v = self.alloc();
        let env_save = self.alloc();
        self.emit(Instr::GetEnv { dst: env_save });
        let body_start = self.pc();
        for el in &a.elements {
            let em = self.mark();
            // A member target is evaluated before the iterator steps.
            let target = el.as_ref().and_then(|p| self.prepare_member_target(p));
            self.emit(Instr::LoadUndefined { dst: v });
            let skip = self.emit(Instr::JumpIfTrue {
                cond: done,
                offset: Jump(0),
            });
            self.emit_step_value(it, res, done, v);
            self.patch_here(skip);
            if let Some(p) = el {
                self.bind_element(p, v, mode, target);
            }
            self.release(em);
        }
        if let Some(rest) = &a.rest {
            let target = self.prepare_member_target(rest);
            let arr = self.alloc();
            self.emit(Instr::NewArray {
                dst: arr,
                capacity: 0,
            });
            let top = self.pc();
            let exit = self.emit(Instr::JumpIfTrue {
                cond: done,
                offset: Jump(0),
            });
            self.emit_step_value(it, res, done, v);
            let exit2 = self.emit(Instr::JumpIfTrue {
                cond: done,
                offset: Jump(0),
            });
            self.emit(Instr::ArrayPush { arr, value: v });
            self.f().b.jump_back(top);
            self.patch_here(exit);
            self.patch_here(exit2);
            self.bind_element(rest, arr, mode, target);
        }
        let body_end = self.pc();
        // Close the iterator when the pattern did not exhaust it.
        let skip = self.emit(Instr::JumpIfTrue {
            cond: done,
            offset: Jump(0),
        });
        self.emit_iterator_close(it, false);
        self.patch_here(skip);
        let after = self.emit(Instr::Jump { offset: Jump(0) });
        // A throw while binding: close the iterator unless it is done (or threw itself),
        // ignoring what `return()` does, and rethrow.
        let handler = self.pc();
        let exc = self.alloc();
        self.f().b.handlers.push(skiff_bytecode::Handler {
            start: body_start as u32,
            end: body_end as u32,
            target: handler as u32,
            reg: exc.0,
        });
        self.emit(Instr::SetEnv { src: env_save });
        let done_already = self.emit(Instr::JumpIfTrue {
            cond: done,
            offset: Jump(0),
        });
        let close_start = self.pc();
        let ret = self.alloc();
        let ic = self.f().b.ic("return");
        self.emit(Instr::GetNamed {
            dst: ret,
            obj: it,
            ic,
        });
        let no_return = self.emit(Instr::JumpIfNullish {
            src: ret,
            offset: Jump(0),
        });
        let win = self.alloc_n(2);
        self.f().b.mov(win, ret);
        self.f().b.mov(win.offset(1), it);
        self.emit(Instr::Call {
            dst: win,
            base: win,
            argc: 0,
        });
        let close_end = self.pc();
        let rethrow = self.pc();
        self.patch_here(done_already);
        self.patch_here(no_return);
        let ignored = self.alloc();
        self.f().b.handlers.push(skiff_bytecode::Handler {
            start: close_start as u32,
            end: close_end as u32,
            target: rethrow as u32,
            reg: ignored.0,
        });
        self.emit(Instr::Throw { src: exc });
        self.patch_here(after);
        self.release(m);
    }

    /// IteratorStepValue into `v`: `done` is true while `next()` and the `done` and `value`
    /// reads run, so that an iterator that throws is not closed afterwards.
    fn emit_step_value(&mut self, it: Reg, res: Reg, done: Reg, v: Reg) {
        self.emit(Instr::LoadTrue { dst: done });
        self.emit(Instr::IteratorNext { dst: res, iter: it });
        self.emit(Instr::IteratorResultDone {
            dst: done,
            result: res,
        });
        let finished = self.emit(Instr::JumpIfTrue {
            cond: done,
            offset: Jump(0),
        });
        self.emit(Instr::LoadTrue { dst: done });
        self.emit(Instr::IteratorResultValue {
            dst: v,
            result: res,
        });
        self.emit(Instr::LoadFalse { dst: done });
        self.patch_here(finished);
    }

    /// For an element whose target is a property (`[o.p] = …`, `[o[k] = d] = …`): evaluates
    /// the object and key now, as the specification orders it, before the iterator steps.
    fn prepare_member_target(&mut self, p: &Pattern) -> Option<(Reg, Reg, MemberAccess)> {
        let target = match p {
            Pattern::Default(inner, _, _) => &**inner,
            p => p,
        };
        let Pattern::Expr(e) = target else {
            return None;
        };
        let Expr::Member(mem) = e.unwrap_transparent() else {
            return None;
        };
        let obj = self.member_object(mem, &[]);
        let key = self.alloc();
        let access = self.member_key(mem, key);
        Some((obj, key, access))
    }

    /// Binds one element's value, through its prepared member target if it has one.
    fn bind_element(
        &mut self,
        p: &Pattern,
        v: Reg,
        mode: BindMode,
        target: Option<(Reg, Reg, MemberAccess)>,
    ) {
        let Some((obj, key, access)) = target else {
            self.bind_pattern(p, v, mode);
            return;
        };
        if let Pattern::Default(_, def, _) = p {
            let skip = self.emit(Instr::JumpIfNotUndefined {
                src: v,
                offset: Jump(0),
            });
            self.expr_named(def, v, "");
            self.patch_here(skip);
        }
        self.member_set(access, obj, key, v);
    }
}
