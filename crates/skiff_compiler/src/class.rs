//! Classes, TypeScript enums and namespaces.

use crate::compiler::{Compiler, EnumValue, FnSpec};
use crate::diagnostics as diag;
use crate::expr::{number_to_key, static_key};
use crate::scope::{node, BindKind};
use rustc_hash::FxHashMap;
use skiff_ast::*;
use skiff_bytecode::{Func, FunctionFlags, Instr, Jump, Reg};

enum StaticElem<'c> {
    Field(&'c ClassProperty, usize),
    Block(&'c Block),
}

/// A class compiled as Sendable: decorated `@Sendable`, or whose constructor body starts with
/// the directive `'use sendable'`.
pub(crate) fn is_sendable_class(c: &Class) -> bool {
    let decorated = c.decorators.iter().any(|d| d.name() == Some("Sendable"));
    let directive = starts_with_use_sendable(c.members.iter().find_map(|m| match m {
        ClassMember::Constructor(k) => k.function.body.as_ref().map(|b| &b.body[..]),
        _ => None,
    }));
    decorated || directive
}

/// Whether a function body starts with the directive `'use sendable'` (a Sendable constructor
/// or function).
pub(crate) fn starts_with_use_sendable(body: Option<&[Stmt]>) -> bool {
    body.and_then(|b| b.first()).is_some_and(|s| match s {
        Stmt::Expr(e) => matches!(&e.expr, Expr::Str(lit) if lit.value == "use sendable"),
        _ => false,
    })
}

impl<'a> Compiler<'a> {
    pub(crate) fn class(&mut self, c: &Class, dst: Reg, name: &str) {
        if self.use_sendable_factory(c) {
            self.sendable_class_factory(c, dst, name);
        } else {
            self.class_inline(c, dst, name, None);
        }
    }

    /// A Sendable class declared directly at module top level is defined by a factory function
    /// (see `SendableClassInfo::factory`), so that other threads can define it too without
    /// running the module body.
    fn use_sendable_factory(&self, c: &Class) -> bool {
        let top = self.fns.len() == 1 && self.fns[0].is_module && self.fns[0].scopes.len() <= 1;
        top && is_sendable_class(c)
            && !c.members.iter().any(|m| match m {
                ClassMember::Method(x) => matches!(x.key, PropKey::Computed(..)),
                ClassMember::Property(x) => matches!(x.key, PropKey::Computed(..)),
                _ => false,
            })
    }

    /// `dst = factory(heritage)`, with the heritage evaluated here (in the module body) and the
    /// class definition compiled into the factory.
    fn sendable_class_factory(&mut self, c: &Class, dst: Reg, name: &str) {
        let m = self.mark();
        let heritage = self.alloc();
        if let Some(sc) = &c.super_class {
            self.expr(sc, heritage);
        } else {
            self.emit(Instr::LoadUndefined { dst: heritage });
        }
        let idx = self.reserve_function();
        let spec = FnSpec {
            name: name.to_string(),
            flags: FunctionFlags::METHOD,
            hoisted: false,
            start: c.span.start,
            span: (c.span.start, c.span.end),
            is_class_ctor: false,
            derived: false,
            has_home: false,
            class: None,
        };
        self.push_fn(0, &spec);
        let param = self.alloc();
        let out = self.alloc();
        let ctor = self.class_inline(c, out, name, Some(param));
        self.emit(Instr::Return { src: out });
        self.pop_fn(idx, &spec.name, 1, 1, spec.span);
        let slot = c.name.as_ref().and_then(|n| {
            let r = self.resolve(&n.name, u32::MAX)?;
            match r.place {
                crate::compiler::Place::Env { hops: 0, slot } if r.kind == BindKind::Class => {
                    Some(slot)
                }
                _ => None,
            }
        });
        if let Some(info) = self.sendable_classes.iter_mut().find(|i| i.ctor == ctor) {
            info.factory = Some(idx);
            info.slot = slot;
        }
        let call = self.alloc_n(3);
        self.emit(Instr::Closure {
            dst: call,
            func: idx,
        });
        self.emit(Instr::LoadUndefined {
            dst: call.offset(1),
        });
        self.f().b.mov(call.offset(2), heritage);
        self.pos(c.span);
        self.emit(Instr::Call {
            dst: call,
            base: call,
            argc: 1,
        });
        self.f().b.mov(dst, call);
        self.release(m);
    }

    /// Compiles a class definition into the current function. `pre_heritage` is the register
    /// holding an already evaluated `extends` value (Sendable factories).
    fn class_inline(&mut self, c: &Class, dst: Reg, name: &str, pre_heritage: Option<Reg>) -> Func {
        let m = self.mark();
        let sid = self.scope_id(node::CLASS, c);
        if let Some(sid) = sid {
            self.enter_scope(sid, &[]);
        }
        let tmp = self.alloc();
        // Fresh private names for this evaluation of the class.
        let mut seen = FxHashMap::default();
        for mem in &c.members {
            let key = match mem {
                ClassMember::Method(m) => &m.key,
                ClassMember::Property(p) => &p.key,
                _ => continue,
            };
            if let PropKey::Private(id) = key {
                let pn = format!("#{}", id.name);
                if seen.insert(pn.clone(), ()).is_none() {
                    let k = self.str_const(&pn);
                    self.emit(Instr::NewPrivateName { dst: tmp, name: k });
                    if let Some(r) = self.resolve(&pn, u32::MAX) {
                        self.store_resolved(&r, &pn, tmp, true, id.span);
                    }
                }
            }
        }
        let derived = c.super_class.is_some();
        let heritage = match pre_heritage {
            Some(r) => r,
            None => {
                let heritage = self.alloc();
                if let Some(sc) = &c.super_class {
                    self.expr(sc, heritage);
                }
                heritage
            }
        };
        let win = self.alloc_n(2);
        let (f_reg, p_reg) = (win, win.offset(1));
        let ctor = c.members.iter().find_map(|m| match m {
            ClassMember::Constructor(k) if k.function.body.is_some() => Some(k),
            _ => None,
        });
        let ctor_func = match ctor {
            Some(k) => {
                let mut flags = FunctionFlags::CLASS_CONSTRUCTOR;
                if derived {
                    flags |= FunctionFlags::DERIVED;
                }
                let spec = FnSpec {
                    name: name.to_string(),
                    flags,
                    hoisted: false,
                    start: k.span.start,
                    span: (c.span.start, c.span.end),
                    is_class_ctor: true,
                    derived,
                    has_home: true,
                    class: Some(c),
                };
                self.compile_function(&k.function, spec)
            }
            None => self.default_ctor(name, derived, c),
        };
        if let Some((fields, static_fields)) = self.sendable_layout(c, ctor.map(|k| &**k)) {
            if let Some(Some(f)) = self.functions.get_mut(ctor_func.0 as usize) {
                f.flags.set(FunctionFlags::SENDABLE);
            }
            self.sendable_classes
                .push(skiff_bytecode::SendableClassInfo {
                    ctor: ctor_func,
                    name: name.into(),
                    fields,
                    static_fields,
                    factory: None,
                    slot: None,
                });
        }
        let ctor_idx = match u16::try_from(ctor_func.0) {
            Ok(i) => i,
            Err(_) => {
                let d = diag::too_large(self.fid, c.span, "more than 65536 functions in a module");
                self.error(d);
                0
            }
        };
        self.pos(c.span);
        self.emit(Instr::CreateClass {
            dst: win,
            ctor: ctor_idx,
            heritage,
        });
        let mut instance_fields: Vec<(&ClassProperty, usize)> = Vec::new();
        let mut private_methods: Vec<&Method> = Vec::new();
        let mut statics: Vec<StaticElem<'_>> = Vec::new();
        let key = self.alloc();
        for (i, mem) in c.members.iter().enumerate() {
            match mem {
                ClassMember::Method(meth) => {
                    if meth.function.body.is_none()
                        || meth.modifiers.is_abstract
                        || meth.modifiers.declare
                    {
                        continue;
                    }
                    let is_static = meth.modifiers.is_static;
                    if let PropKey::Private(id) = &meth.key {
                        if is_static {
                            let home = f_reg;
                            self.private_method(meth, id, home, f_reg, tmp, key);
                        } else {
                            private_methods.push(meth);
                        }
                        continue;
                    }
                    let target = if is_static { f_reg } else { p_reg };
                    self.prop_key(&meth.key, key);
                    let func = self.method_function(meth, false);
                    self.emit(Instr::Closure { dst: tmp, func });
                    self.emit(match meth.kind {
                        MethodKind::Method => Instr::DefineMethod {
                            obj: target,
                            key,
                            func: tmp,
                        },
                        MethodKind::Getter => Instr::DefineGetter {
                            obj: target,
                            key,
                            func: tmp,
                        },
                        MethodKind::Setter => Instr::DefineSetter {
                            obj: target,
                            key,
                            func: tmp,
                        },
                    });
                }
                ClassMember::Property(p) => {
                    if p.modifiers.declare || p.modifiers.is_abstract {
                        continue;
                    }
                    if let PropKey::Computed(..) = &p.key {
                        self.prop_key(&p.key, key);
                        let hidden = format!("%key{i}");
                        if let Some(r) = self.resolve(&hidden, u32::MAX) {
                            self.store_resolved(&r, &hidden, key, true, p.span);
                        }
                    }
                    if p.modifiers.is_static {
                        statics.push(StaticElem::Field(p, i));
                    } else {
                        instance_fields.push((p, i));
                    }
                }
                ClassMember::StaticBlock(b) => statics.push(StaticElem::Block(b)),
                ClassMember::Constructor(_)
                | ClassMember::IndexSignature(_)
                | ClassMember::Empty(_) => {}
            }
        }
        // The inner name binding is initialised before static elements run.
        if let Some(n) = &c.name {
            if let Some(r) = self.resolve(&n.name, u32::MAX) {
                if self.tree.scopes[r.scope].kind == crate::scope::ScopeKind::Class {
                    self.store_resolved(&r, &n.name, f_reg, true, n.span);
                }
            }
        }
        if !instance_fields.is_empty() || !private_methods.is_empty() {
            let func = self.field_init_function(c, &instance_fields, &private_methods);
            self.emit(Instr::Closure { dst: tmp, func });
            self.emit(Instr::SetHomeObject {
                func: tmp,
                home: p_reg,
            });
            self.emit(Instr::SetClassFieldInit {
                ctor: f_reg,
                init: tmp,
            });
        }
        if !statics.is_empty() {
            let func = self.static_init_function(c, &statics);
            let call = self.alloc_n(2);
            self.emit(Instr::Closure { dst: call, func });
            self.emit(Instr::SetHomeObject {
                func: call,
                home: f_reg,
            });
            self.f().b.mov(call.offset(1), f_reg);
            self.emit(Instr::Call {
                dst: call,
                base: call,
                argc: 0,
            });
        }
        if is_sendable_class(c) {
            self.emit(Instr::SealSendableClass { ctor: f_reg });
        }
        self.f().b.mov(dst, f_reg);
        if sid.is_some() {
            self.exit_scope();
        }
        self.release(m);
        ctor_func
    }

    /// The own-field layout of a Sendable class (`@Sendable`, or a constructor whose body
    /// starts with `'use sendable'`), or `None` for an ordinary class: the instance fields
    /// (parameter properties first, as TypeScript assigns them before the field initialisers
    /// run, then the declared fields in source order) and the static data fields.
    #[allow(clippy::type_complexity)]
    fn sendable_layout(
        &self,
        c: &Class,
        ctor: Option<&Constructor>,
    ) -> Option<(
        Vec<skiff_bytecode::SendableField>,
        Vec<skiff_bytecode::SendableField>,
    )> {
        let _ = ctor;
        if !is_sendable_class(c) {
            return None;
        }
        let tparams: Vec<&str> = c.type_params.iter().map(|t| t.name.name.as_str()).collect();
        let mut fields: Vec<skiff_bytecode::SendableField> = Vec::new();
        let mut push = |name: String, ty: u8| {
            if let Some(f) = fields.iter_mut().find(|f| *f.name == *name) {
                f.ty = ty;
            } else {
                fields.push(skiff_bytecode::SendableField {
                    name: name.into(),
                    ty,
                });
            }
        };
        if let Some(k) = ctor {
            for p in &k.function.params {
                if let (true, Pattern::Ident(id)) =
                    (p.modifiers.is_parameter_property(), &p.pattern)
                {
                    push(
                        id.name.clone(),
                        self.sendable_field_type(p.ty.as_ref(), p.optional, &tparams),
                    );
                }
            }
        }
        let mut static_fields = Vec::new();
        for mem in &c.members {
            let ClassMember::Property(p) = mem else {
                continue;
            };
            if p.modifiers.declare || p.modifiers.is_abstract {
                continue;
            }
            if let PropKey::Private(_) | PropKey::Computed(..) = &p.key {
                continue;
            }
            let Some(name) = static_key(&p.key) else {
                continue;
            };
            let ty = self.sendable_field_type(p.ty.as_ref(), p.optional, &tparams);
            if p.modifiers.is_static {
                static_fields.push(skiff_bytecode::SendableField {
                    name: name.into(),
                    ty,
                });
            } else {
                push(name, ty);
            }
        }
        Some((fields, static_fields))
    }

    /// The `field_type` mask of a declared field type.
    fn sendable_field_type(&self, ty: Option<&Type>, optional: bool, tparams: &[&str]) -> u8 {
        use skiff_bytecode::field_type as ft;
        let mut m = match ty {
            Some(t) => self.type_bits(t, tparams),
            None => ft::GENERIC,
        };
        if optional {
            m |= ft::UNDEFINED;
        }
        if m == 0 {
            m = ft::GENERIC;
        }
        m
    }

    fn type_bits(&self, t: &Type, tparams: &[&str]) -> u8 {
        self.type_bits_at(t, tparams, 0)
    }

    fn type_bits_at(&self, t: &Type, tparams: &[&str], depth: u32) -> u8 {
        use skiff_bytecode::field_type as ft;
        match t {
            Type::Keyword(k, _) => match k {
                KeywordType::Number => ft::NUMBER,
                KeywordType::String => ft::STRING,
                KeywordType::Boolean => ft::BOOLEAN,
                KeywordType::BigInt => ft::BIGINT,
                KeywordType::Null => ft::NULL,
                KeywordType::Undefined | KeywordType::Void => ft::UNDEFINED,
                _ => ft::GENERIC,
            },
            Type::Literal(l, _) => match l {
                LiteralType::Str(_) => ft::STRING,
                LiteralType::Num(_) => ft::NUMBER,
                LiteralType::BigInt(_) => ft::BIGINT,
                LiteralType::Bool(_) => ft::BOOLEAN,
            },
            Type::Union(ts, _) => ts
                .iter()
                .fold(0, |m, t| m | self.type_bits_at(t, tparams, depth)),
            Type::Paren(t, _) => self.type_bits_at(t, tparams, depth),
            Type::Ref(r) => {
                let simple = (r.name.len() == 1).then(|| r.name[0].name.as_str());
                match simple {
                    // Type parameters, and names the compiler cannot classify without a type
                    // checker (type aliases, enums): any Sendable value.
                    Some(n) if tparams.contains(&n) => ft::GENERIC,
                    Some(n) if self.sendable_generic_names.contains(n) => {
                        match self.sendable_aliases.get(n) {
                            // A type alias: the bits of its definition (type parameters of
                            // the alias and alias cycles are generic).
                            Some(t) if depth < 8 => self.type_bits_at(t, &[], depth + 1),
                            Some(_) => ft::GENERIC,
                            // An enum: numbers or strings.
                            None => ft::NUMBER | ft::STRING,
                        }
                    }
                    Some("Object") | Some("ESObject") => ft::GENERIC,
                    // Classes, interfaces, collections, locks, Sendable function types.
                    _ => ft::SENDABLE,
                }
            }
            Type::Function(_) => ft::SENDABLE,
            _ => ft::GENERIC,
        }
    }

    /// Records the type aliases and enums of the module: an alias field gets the bits of its
    /// definition, an enum field NUMBER | STRING, a generic alias field GENERIC.
    pub(crate) fn collect_sendable_generic_names(&mut self, body: &[Stmt]) {
        for s in body {
            let s = match s {
                Stmt::Export(e) => match &e.kind {
                    ExportKind::Decl(d) => d,
                    _ => continue,
                },
                s => s,
            };
            match s {
                Stmt::TypeAlias(t) => {
                    self.sendable_generic_names.insert(t.name.name.clone());
                    if t.type_params.is_empty() {
                        self.sendable_aliases
                            .insert(t.name.name.clone(), t.ty.clone());
                    }
                }
                Stmt::Enum(e) => {
                    self.sendable_generic_names.insert(e.name.name.clone());
                }
                _ => {}
            }
        }
    }

    fn method_function(&mut self, meth: &Method, private: bool) -> Func {
        let base = match &meth.key {
            PropKey::Private(id) => format!("#{}", id.name),
            k => static_key(k).unwrap_or_default(),
        };
        let mut flags = FunctionFlags::METHOD;
        if private {
            flags |= FunctionFlags::PRIVATE_METHOD;
        }
        let name = match meth.kind {
            MethodKind::Method => base,
            MethodKind::Getter => {
                flags |= FunctionFlags::GETTER;
                format!("get {base}")
            }
            MethodKind::Setter => {
                flags |= FunctionFlags::SETTER;
                format!("set {base}")
            }
        };
        let spec = FnSpec {
            name,
            flags,
            hoisted: false,
            start: 0,
            span: (self.method_text_start(meth), meth.span.end),
            is_class_ctor: false,
            derived: false,
            has_home: true,
            class: None,
        };
        self.compile_function(&meth.function, spec)
    }

    /// Adds a private method or accessor to `obj` (the instance, or the class for statics).
    fn private_method(
        &mut self,
        meth: &Method,
        id: &Ident,
        home: Reg,
        obj: Reg,
        tmp: Reg,
        key: Reg,
    ) {
        let func = self.method_function(meth, meth.kind == MethodKind::Method);
        self.emit(Instr::Closure { dst: tmp, func });
        self.emit(Instr::SetHomeObject { func: tmp, home });
        self.private_name(id, key);
        self.emit(match meth.kind {
            MethodKind::Method => Instr::DefinePrivate {
                obj,
                key,
                value: tmp,
            },
            MethodKind::Getter => Instr::DefinePrivateGetter {
                obj,
                key,
                func: tmp,
            },
            MethodKind::Setter => Instr::DefinePrivateSetter {
                obj,
                key,
                func: tmp,
            },
        });
    }

    /// Defines one field on `this_reg`.
    fn define_field(&mut self, p: &ClassProperty, index: usize, this_reg: Reg) {
        let m = self.mark();
        let v = self.alloc();
        let fscope = self.scope_id(node::FIELD, p);
        if let Some(s) = fscope {
            self.enter_scope(s, &[]);
        }
        let hint = match &p.key {
            PropKey::Private(id) => format!("#{}", id.name),
            k => static_key(k).unwrap_or_default(),
        };
        match &p.value {
            Some(val) => self.expr_named(val, v, &hint),
            None => {
                self.emit(Instr::LoadUndefined { dst: v });
            }
        }
        if fscope.is_some() {
            self.exit_scope();
        }
        let key = self.alloc();
        self.pos(p.span);
        match &p.key {
            PropKey::Private(id) => {
                self.private_name(id, key);
                self.emit(Instr::DefinePrivate {
                    obj: this_reg,
                    key,
                    value: v,
                });
            }
            PropKey::Computed(..) => {
                let hidden = format!("%key{index}");
                if let Some(r) = self.resolve(&hidden, u32::MAX) {
                    self.load_resolved(&r, &hidden, key);
                }
                if matches!(
                    p.value.as_ref().map(|x| x.unwrap_transparent()),
                    Some(Expr::Arrow(_)) | Some(Expr::Function(_))
                ) {
                    self.emit(Instr::SetFunctionName { func: v, key });
                }
                self.emit(Instr::DefineIndexed {
                    obj: this_reg,
                    key,
                    value: v,
                });
            }
            k => {
                let name = static_key(k).unwrap_or_default();
                self.load_str(&name, key);
                self.emit(Instr::DefineIndexed {
                    obj: this_reg,
                    key,
                    value: v,
                });
            }
        }
        self.release(m);
    }

    fn field_init_function(
        &mut self,
        c: &Class,
        fields: &[(&ClassProperty, usize)],
        private_methods: &[&Method],
    ) -> Func {
        let idx = self.reserve_function();
        let spec = FnSpec {
            name: "<instance_members_initializer>".into(),
            flags: FunctionFlags::METHOD | FunctionFlags::FIELD_INIT,
            hoisted: false,
            start: 0,
            span: (c.span.start, c.span.end),
            is_class_ctor: false,
            derived: false,
            has_home: true,
            class: None,
        };
        let func_id = fields
            .first()
            .and_then(|(p, _)| self.tree.func_of(node::FIELD, *p))
            .unwrap_or(0);
        self.push_fn(func_id, &spec);
        let this = self.alloc();
        self.emit(Instr::LoadThis { dst: this });
        if !private_methods.is_empty() {
            let home = self.alloc();
            self.emit(Instr::LoadHomeObject { dst: home });
            let tmp = self.alloc();
            let key = self.alloc();
            for meth in private_methods {
                if let PropKey::Private(id) = &meth.key {
                    self.private_method(meth, id, home, this, tmp, key);
                }
            }
        }
        for (p, i) in fields {
            self.define_field(p, *i, this);
        }
        self.emit(Instr::ReturnUndefined);
        self.pop_fn(idx, &spec.name, 0, 0, spec.span);
        idx
    }

    fn static_init_function(&mut self, c: &Class, statics: &[StaticElem<'_>]) -> Func {
        let idx = self.reserve_function();
        let spec = FnSpec {
            name: "<static_initializer>".into(),
            flags: FunctionFlags::METHOD | FunctionFlags::STATIC_BLOCK,
            hoisted: false,
            start: 0,
            span: (c.span.start, c.span.end),
            is_class_ctor: false,
            derived: false,
            has_home: true,
            class: None,
        };
        self.push_fn(0, &spec);
        let this = self.alloc();
        self.emit(Instr::LoadThis { dst: this });
        for s in statics {
            match s {
                StaticElem::Field(p, i) => self.define_field(p, *i, this),
                StaticElem::Block(b) => {
                    let sid = self.scope_id(node::FUNCTION, *b);
                    if let Some(sid) = sid {
                        self.enter_scope(sid, &[]);
                    }
                    self.hoist_functions(&b.body);
                    self.stmts(&b.body);
                    if sid.is_some() {
                        self.exit_scope();
                    }
                }
            }
        }
        self.emit(Instr::ReturnUndefined);
        self.pop_fn(idx, &spec.name, 0, 0, spec.span);
        idx
    }

    fn default_ctor(&mut self, name: &str, derived: bool, class: &Class) -> Func {
        let span = class.span;
        let fields = crate::compiler::class_has_instance_elements(class);
        let idx = self.reserve_function();
        let mut flags = FunctionFlags::CLASS_CONSTRUCTOR;
        if derived {
            flags |= FunctionFlags::DERIVED | FunctionFlags::NEEDS_ARGUMENTS;
        }
        let spec = FnSpec {
            name: name.to_string(),
            flags,
            hoisted: false,
            start: span.start,
            span: (span.start, span.end),
            is_class_ctor: true,
            derived,
            has_home: true,
            class: None,
        };
        self.push_fn(0, &spec);
        if derived {
            let base = self.alloc_n(2);
            let result = self.alloc();
            self.emit(Instr::LoadCallee { dst: base });
            self.emit(Instr::CreateRest {
                dst: base.offset(1),
                start: 0,
            });
            self.emit(Instr::SuperCallArray { dst: result, base });
            if fields {
                self.emit(Instr::InitFields {
                    ctor: base,
                    this: result,
                });
            }
            self.emit(Instr::ReturnDerived {
                value: result,
                this: result,
            });
        } else {
            if fields {
                let c = self.alloc();
                let t = self.alloc();
                self.emit(Instr::LoadCallee { dst: c });
                self.emit(Instr::LoadThis { dst: t });
                self.emit(Instr::InitFields { ctor: c, this: t });
            }
            self.emit(Instr::ReturnUndefined);
        }
        self.pop_fn(idx, name, 0, 0, spec.span);
        idx
    }

    // --- enums ---------------------------------------------------------------------------------

    fn fold_enum(
        &self,
        e: &Expr,
        enum_name: &str,
        values: &FxHashMap<String, EnumValue>,
    ) -> Option<EnumValue> {
        use EnumValue::*;
        match e.unwrap_transparent() {
            Expr::Num(n, _) => Some(Num(*n)),
            Expr::Str(s) => Some(Str(s.value.clone())),
            Expr::Template(t) if t.exprs.is_empty() => t
                .quasis
                .first()?
                .cooked
                .as_ref()
                .map(|c| Str(c.value.clone())),
            Expr::Ident(i) => values.get(&i.name).cloned(),
            Expr::Member(m) => match (&m.object.unwrap_transparent(), &m.prop) {
                (Expr::Ident(o), MemberProp::Ident(p)) if o.name == enum_name => {
                    values.get(&p.name).cloned()
                }
                _ => None,
            },
            Expr::Unary(u) => {
                let v = self.fold_enum(&u.arg, enum_name, values)?;
                let Num(n) = v else { return None };
                match u.op {
                    UnaryOp::Minus => Some(Num(-n)),
                    UnaryOp::Plus => Some(Num(n)),
                    UnaryOp::BitNot => Some(Num(f64::from(!to_i32(n)))),
                    _ => None,
                }
            }
            Expr::Binary(b) => {
                let l = self.fold_enum(&b.left, enum_name, values)?;
                let r = self.fold_enum(&b.right, enum_name, values)?;
                match (l, r) {
                    (Num(x), Num(y)) => {
                        let v = match b.op {
                            BinaryOp::Add => x + y,
                            BinaryOp::Sub => x - y,
                            BinaryOp::Mul => x * y,
                            BinaryOp::Div => x / y,
                            BinaryOp::Rem => x % y,
                            BinaryOp::Exp => x.powf(y),
                            BinaryOp::Shl => {
                                f64::from(to_i32(x).wrapping_shl(to_i32(y) as u32 & 31))
                            }
                            BinaryOp::Shr => f64::from(to_i32(x) >> (to_i32(y) as u32 & 31)),
                            BinaryOp::UShr => {
                                f64::from((to_i32(x) as u32) >> (to_i32(y) as u32 & 31))
                            }
                            BinaryOp::BitAnd => f64::from(to_i32(x) & to_i32(y)),
                            BinaryOp::BitOr => f64::from(to_i32(x) | to_i32(y)),
                            BinaryOp::BitXor => f64::from(to_i32(x) ^ to_i32(y)),
                            _ => return None,
                        };
                        Some(Num(v))
                    }
                    (Str(x), Str(y)) if b.op == BinaryOp::Add => Some(Str(x + &y)),
                    (Str(x), Num(y)) if b.op == BinaryOp::Add => Some(Str(x + &number_to_key(y))),
                    (Num(x), Str(y)) if b.op == BinaryOp::Add => Some(Str(number_to_key(x) + &y)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    pub(crate) fn enum_decl(&mut self, e: &EnumDecl) {
        let m = self.mark();
        let obj = self.alloc();
        let res = self.resolve(&e.name.name, u32::MAX);
        if let Some(r) = &res {
            let mut r = r.clone();
            r.needs_tdz = false;
            self.load_resolved(&r, &e.name.name, obj);
        } else {
            self.emit(Instr::LoadUndefined { dst: obj });
        }
        let has = self.emit(Instr::JumpIfNotUndefined {
            src: obj,
            offset: Jump(0),
        });
        self.emit(Instr::NewObject { dst: obj });
        self.patch_here(has);
        let mut values: FxHashMap<String, EnumValue> = FxHashMap::default();
        let mut next: Option<f64> = Some(0.0);
        let mut all_const = true;
        let k = self.alloc();
        let v = self.alloc();
        for mem in &e.members {
            let Some(name) = static_key(&mem.name) else {
                self.unsupported(mem.span, "computed enum member names");
                continue;
            };
            let folded = match &mem.init {
                Some(init) => self.fold_enum(init, &e.name.name, &values),
                None => next.map(EnumValue::Num),
            };
            match &folded {
                Some(EnumValue::Num(n)) => {
                    self.load_number(*n, v);
                    next = Some(n + 1.0);
                }
                Some(EnumValue::Str(s)) => {
                    self.load_str(s, v);
                    next = None;
                }
                None => {
                    all_const = false;
                    match &mem.init {
                        Some(init) => self.expr(init, v),
                        None => {
                            self.emit(Instr::LoadUndefined { dst: v });
                        }
                    }
                    next = None;
                }
            }
            self.load_str(&name, k);
            self.emit(Instr::SetIndexed {
                obj,
                key: k,
                value: v,
            });
            let is_string = matches!(folded, Some(EnumValue::Str(_)));
            if !is_string {
                // Reverse mapping for numeric members: E[E["A"] = 0] = "A".
                self.emit(Instr::SetIndexed {
                    obj,
                    key: v,
                    value: k,
                });
            }
            if let Some(val) = folded {
                values.insert(name, val);
            }
        }
        if let Some(r) = &res {
            let mut r = r.clone();
            r.needs_tdz = false;
            self.store_resolved(&r, &e.name.name, obj, true, e.name.span);
            if e.is_const && all_const && r.kind == BindKind::EnumOrNamespace {
                self.const_enums.insert((r.scope, r.index), values);
            }
        }
        self.release(m);
    }

    // --- namespaces ----------------------------------------------------------------------------

    pub(crate) fn namespace_decl(&mut self, n: &NamespaceDecl) {
        let NamespaceName::Path(path) = &n.name else {
            self.unsupported(n.span, "ambient module declarations with a body");
            return;
        };
        let Some(first) = path.first() else { return };
        let m = self.mark();
        let obj = self.alloc();
        let res = self.resolve(&first.name, u32::MAX);
        if let Some(r) = &res {
            let mut r = r.clone();
            r.needs_tdz = false;
            self.load_resolved(&r, &first.name, obj);
        }
        let has = self.emit(Instr::JumpIfNotUndefined {
            src: obj,
            offset: Jump(0),
        });
        self.emit(Instr::NewObject { dst: obj });
        if let Some(r) = &res {
            let mut r = r.clone();
            r.needs_tdz = false;
            self.store_resolved(&r, &first.name, obj, true, first.span);
        }
        self.patch_here(has);
        let sub = self.alloc();
        for id in &path[1..] {
            let ic = self.f().b.ic(&id.name);
            self.emit(Instr::GetNamed { dst: sub, obj, ic });
            let has = self.emit(Instr::JumpIfNotUndefined {
                src: sub,
                offset: Jump(0),
            });
            self.emit(Instr::NewObject { dst: sub });
            let ic = self.f().b.ic(&id.name);
            self.emit(Instr::SetNamed {
                obj,
                value: sub,
                ic,
            });
            self.patch_here(has);
            self.f().b.mov(obj, sub);
        }
        let parent: Vec<String> = self.fr().ns_path.iter().cloned().collect();
        let full = crate::scope::namespace_path(&parent, n);
        let func = self.namespace_body(n, full);
        let win = self.alloc_n(3);
        self.emit(Instr::Closure { dst: win, func });
        self.emit(Instr::LoadUndefined { dst: win.offset(1) });
        self.f().b.mov(win.offset(2), obj);
        self.emit(Instr::Call {
            dst: win,
            base: win,
            argc: 1,
        });
        self.release(m);
    }

    fn namespace_body(&mut self, n: &NamespaceDecl, full: String) -> Func {
        let idx = self.reserve_function();
        let name = match &n.name {
            NamespaceName::Path(p) => p.last().map(|i| i.name.clone()).unwrap_or_default(),
            _ => String::new(),
        };
        let spec = FnSpec {
            name: name.clone(),
            flags: FunctionFlags::METHOD,
            hoisted: false,
            start: n.span.start,
            span: (n.span.start, n.span.end),
            is_class_ctor: false,
            derived: false,
            has_home: false,
            class: None,
        };
        let func_id = self.tree.func_of(node::NAMESPACE, n).unwrap_or(0);
        self.push_fn(func_id, &spec);
        let ns = self.alloc();
        if let Some(sid) = self.scope_id(node::NAMESPACE, n) {
            self.enter_scope(sid, &[]);
        }
        let hidden = format!("%ns:{full}");
        if let Some(r) = self.resolve(&hidden, u32::MAX) {
            self.store_resolved(&r, &hidden, ns, true, n.span);
        }
        self.f().ns_path = Some(full);
        self.hoist_functions(&n.body);
        // Exported function declarations are visible on the namespace object from the start.
        for s in &n.body {
            if let Stmt::Export(e) = s {
                if let ExportKind::Decl(Stmt::Function(f)) = &e.kind {
                    if let Some(id) = &f.name {
                        self.export_to_namespace(ns, &id.name);
                    }
                }
            }
        }
        for s in &n.body {
            match s {
                Stmt::Export(e) => match &e.kind {
                    ExportKind::Decl(d) => {
                        self.stmt(d);
                        if !matches!(d, Stmt::Function(_)) {
                            for name in crate::scope::declared_names(d) {
                                self.export_to_namespace(ns, &name);
                            }
                        }
                    }
                    _ => self.unsupported(e.span, "this export form inside a namespace"),
                },
                other => self.stmt(other),
            }
        }
        self.emit(Instr::ReturnUndefined);
        self.pop_fn(idx, &name, 1, 1, spec.span);
        idx
    }

    fn export_to_namespace(&mut self, ns: Reg, name: &str) {
        let m = self.mark();
        let v = self.alloc();
        if let Some(r) = self.resolve(name, u32::MAX) {
            self.load_resolved(&r, name, v);
            let ic = self.f().b.ic(name);
            self.emit(Instr::SetNamed {
                obj: ns,
                value: v,
                ic,
            });
        }
        self.release(m);
    }
}

fn to_i32(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    let m = n.trunc().rem_euclid(4294967296.0);
    (m as u64 as u32) as i32
}

/// Where a method's source text starts for `Function.prototype.toString`: after its
/// decorators and its `static` and TypeScript modifiers, which are not part of the
/// MethodDefinition (`static async m() {}` shows as `async m() {}`). The modifiers carry no
/// spans, so their keywords are skipped in the text, each at most once.
fn method_text_start(source: &str, meth: &Method) -> u32 {
    let mut pos = meth.span.start as usize;
    if let Some(d) = meth.decorators.last() {
        pos = pos.max(d.span.end as usize);
    }
    let m = &meth.modifiers;
    let mut keywords: Vec<&str> = Vec::new();
    match m.accessibility {
        Some(Accessibility::Public) => keywords.push("public"),
        Some(Accessibility::Private) => keywords.push("private"),
        Some(Accessibility::Protected) => keywords.push("protected"),
        None => {}
    }
    for (set, word) in [
        (m.is_static, "static"),
        (m.is_override, "override"),
        (m.is_abstract, "abstract"),
        (m.readonly, "readonly"),
        (m.declare, "declare"),
    ] {
        if set {
            keywords.push(word);
        }
    }
    let bytes = source.as_bytes();
    loop {
        // Whitespace and comments between the modifiers.
        let rest = source.get(pos..).unwrap_or("");
        let trimmed = rest.trim_start();
        let mut next = pos + (rest.len() - trimmed.len());
        if trimmed.starts_with("//") {
            next += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if trimmed.starts_with("/*") {
            next += trimmed.find("*/").map_or(trimmed.len(), |e| e + 2);
        } else if let Some(i) = keywords.iter().position(|k| {
            trimmed.starts_with(k)
                && !bytes
                    .get(next + k.len())
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$')
        }) {
            next += keywords.remove(i).len();
        } else {
            return pos.max(next.min(meth.span.end as usize)) as u32;
        }
        pos = next;
    }
}

impl Compiler<'_> {
    fn method_text_start(&self, meth: &Method) -> u32 {
        method_text_start(&self.file.text, meth)
    }
}
