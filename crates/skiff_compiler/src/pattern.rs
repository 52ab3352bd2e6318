//! Destructuring: binding patterns (declarations, parameters, catch) and assignment patterns.

use crate::compiler::{BindMode, Compiler};
use crate::diagnostics as diag;
use crate::expr::static_key;
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
        for el in &a.elements {
            self.emit(Instr::LoadUndefined { dst: v });
            let skip1 = self.emit(Instr::JumpIfTrue {
                cond: done,
                offset: Jump(0),
            });
            self.emit(Instr::IteratorNext { dst: res, iter: it });
            self.emit(Instr::IteratorResultDone {
                dst: done,
                result: res,
            });
            let skip2 = self.emit(Instr::JumpIfTrue {
                cond: done,
                offset: Jump(0),
            });
            self.emit(Instr::IteratorResultValue {
                dst: v,
                result: res,
            });
            self.patch_here(skip1);
            self.patch_here(skip2);
            if let Some(p) = el {
                self.bind_pattern(p, v, mode);
            }
        }
        if let Some(rest) = &a.rest {
            let arr = self.alloc();
            self.emit(Instr::NewArray {
                dst: arr,
                capacity: 0,
            });
            let top = self.pc();
            let exit1 = self.emit(Instr::JumpIfTrue {
                cond: done,
                offset: Jump(0),
            });
            self.emit(Instr::IteratorNext { dst: res, iter: it });
            self.emit(Instr::IteratorResultDone {
                dst: done,
                result: res,
            });
            let exit2 = self.emit(Instr::JumpIfTrue {
                cond: done,
                offset: Jump(0),
            });
            self.emit(Instr::IteratorResultValue {
                dst: v,
                result: res,
            });
            self.emit(Instr::ArrayPush { arr, value: v });
            self.f().b.jump_back(top);
            self.patch_here(exit1);
            self.patch_here(exit2);
            self.bind_pattern(rest, arr, mode);
        } else {
            // Close the iterator when the pattern did not exhaust it.
            let skip = self.emit(Instr::JumpIfTrue {
                cond: done,
                offset: Jump(0),
            });
            self.emit_iterator_close(it, false);
            self.patch_here(skip);
        }
        self.release(m);
    }
}
