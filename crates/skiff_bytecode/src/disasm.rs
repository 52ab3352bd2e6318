//! The disassembler: readable text for `skiff disasm` and bytecode snapshot tests.

use crate::instr::{Instr, Operand};
use crate::module::{
    Constant, ExportEntry, FunctionFlags, FunctionProto, ImportName, JsStr, Module, SlotInit,
};
use std::fmt::{self, Write};

/// The whole module as text.
pub fn disassemble(module: &Module) -> String {
    module.to_string()
}

fn quote(s: &JsStr) -> String {
    match s {
        JsStr::Utf8(s) => format!("{:?}", &**s),
        JsStr::Utf16(u) => {
            let mut out = String::from("\"");
            for ch in char::decode_utf16(u.iter().copied()) {
                match ch {
                    Ok(c) => out.extend(c.escape_debug()),
                    Err(e) => {
                        let _ = write!(out, "\\u{{{:04x}}}", e.unpaired_surrogate());
                    }
                }
            }
            out.push('"');
            out
        }
    }
}

fn fmt_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
        if n == 0.0 && n.is_sign_negative() {
            "-0".to_string()
        } else {
            format!("{n:.0}")
        }
    } else {
        format!("{n}")
    }
}

/// A constant as text.
pub fn constant_text(c: &Constant) -> String {
    match c {
        Constant::Number(n) => fmt_number(*n),
        Constant::String(s) => quote(s),
        Constant::BigInt(d) => format!("{d}n"),
        Constant::Regex { pattern, flags } => format!("/{}/{}", pattern.to_string_lossy(), flags),
        Constant::Template { raw, .. } => {
            let parts: Vec<String> = raw.iter().map(quote).collect();
            format!("template[{}]", parts.join(", "))
        }
    }
}

fn flag_names(flags: FunctionFlags) -> Vec<&'static str> {
    let table = [
        (FunctionFlags::ASYNC, "async"),
        (FunctionFlags::GENERATOR, "generator"),
        (FunctionFlags::ARROW, "arrow"),
        (FunctionFlags::CLASS_CONSTRUCTOR, "class-constructor"),
        (FunctionFlags::DERIVED, "derived"),
        (FunctionFlags::METHOD, "method"),
        (FunctionFlags::NEEDS_ARGUMENTS, "arguments"),
        (FunctionFlags::FIELD_INIT, "field-init"),
        (FunctionFlags::MODULE_BODY, "module"),
        (FunctionFlags::PRIVATE_METHOD, "private"),
        (FunctionFlags::GETTER, "getter"),
        (FunctionFlags::SETTER, "setter"),
        (FunctionFlags::STATIC_BLOCK, "static-block"),
        (FunctionFlags::CONCURRENT, "concurrent"),
        (FunctionFlags::SENDABLE, "sendable"),
    ];
    table
        .iter()
        .filter(|(f, _)| flags.has(*f))
        .map(|&(_, n)| n)
        .collect()
}

/// One instruction with its resolved annotations (constant values, names, jump targets).
pub fn instr_text(module: &Module, func: &FunctionProto, pc: usize, instr: &Instr) -> String {
    let mut s = instr.to_string();
    let mut notes = Vec::new();
    for (_, op) in instr.operands() {
        match op {
            Operand::Const(c) => {
                if let Some(k) = func.constants.get(c.0 as usize) {
                    notes.push(constant_text(k));
                }
            }
            Operand::Ic(ic) => {
                if let Some(site) = func.ic_sites.get(ic.0 as usize) {
                    if let Some(k) = func.constants.get(site.name.0 as usize) {
                        notes.push(constant_text(k));
                    }
                }
            }
            Operand::Func(f) => {
                if let Some(p) = module.functions.get(f.0 as usize) {
                    notes.push(format!("<{}>", display_name(p)));
                }
            }
            Operand::Jump(o) => notes.push(format!("-> {}", pc as i64 + i64::from(o))),
            _ => {}
        }
    }
    if let Instr::CreateClass { ctor, .. } = instr {
        if let Some(p) = module.functions.get(*ctor as usize) {
            notes.push(format!("<{}>", display_name(p)));
        }
    }
    if let Instr::LoadImport { idx, .. } = instr {
        if let Some(imp) = module.imports.get(*idx as usize) {
            notes.push(imp.local.to_string());
        }
    }
    if !notes.is_empty() {
        let pad = 36usize.saturating_sub(s.len());
        s.push_str(&" ".repeat(pad.max(1)));
        s.push_str("; ");
        s.push_str(&notes.join(" "));
    }
    s
}

fn display_name(p: &FunctionProto) -> &str {
    if p.name.is_empty() {
        "anonymous"
    } else {
        &p.name
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "module {}", self.file)?;
        for (i, r) in self.requests.iter().enumerate() {
            writeln!(f, "  request {i}: {r:?}")?;
        }
        for (i, imp) in self.imports.iter().enumerate() {
            let what = match &imp.name {
                ImportName::Named(n) => format!("{n:?}"),
                ImportName::Namespace => "*".to_string(),
            };
            writeln!(
                f,
                "  import {i}: {what} from request {} as {}",
                imp.request, imp.local
            )?;
        }
        for e in &self.exports {
            match e {
                ExportEntry::Local { name, slot } => {
                    writeln!(f, "  export {name:?} = env[{slot}]")?
                }
                ExportEntry::Indirect {
                    name,
                    request,
                    import,
                } => {
                    let what = match import {
                        ImportName::Named(n) => format!("{n:?}"),
                        ImportName::Namespace => "*".to_string(),
                    };
                    writeln!(f, "  export {name:?} = {what} from request {request}")?
                }
                ExportEntry::Star { request } => writeln!(f, "  export * from request {request}")?,
            }
        }
        for (i, slot) in self.env_slots.iter().enumerate() {
            let init = match &slot.init {
                SlotInit::Hole => "hole".to_string(),
                SlotInit::Undefined => "undefined".to_string(),
                SlotInit::Function(func) => format!("fn{}", func.0),
            };
            writeln!(
                f,
                "  env[{i}] {}{} = {init}",
                slot.name,
                if slot.immutable { " (const)" } else { "" }
            )?;
        }
        for c in &self.sendable_classes {
            let fields: Vec<String> = c
                .fields
                .iter()
                .map(|x| format!("{}:{:#x}", x.name, x.ty))
                .collect();
            let factory = c
                .factory
                .map(|x| format!(" factory fn{}", x.0))
                .unwrap_or_default();
            let slot = c.slot.map(|x| format!(" env[{x}]")).unwrap_or_default();
            writeln!(
                f,
                "  sendable class {:?} ctor fn{}{factory}{slot} fields [{}]",
                c.name,
                c.ctor.0,
                fields.join(", ")
            )?;
        }
        if self.shared {
            writeln!(f, "  shared module ('use shared')")?;
        }
        for (i, func) in self.functions.iter().enumerate() {
            writeln!(f)?;
            let flags = flag_names(func.flags);
            writeln!(
                f,
                "fn{i} <{}> params={} length={} registers={}{}{}",
                display_name(func),
                func.param_count,
                func.length,
                func.register_count,
                if flags.is_empty() { "" } else { " " },
                flags.join(" ")
            )?;
            for (pc, instr) in func.code.iter().enumerate() {
                writeln!(f, "  {pc:>4}  {}", instr_text(self, func, pc, instr))?;
            }
            for h in func.handlers.iter() {
                writeln!(
                    f,
                    "  handler [{}, {}) -> {} (r{})",
                    h.start, h.end, h.target, h.reg
                )?;
            }
        }
        Ok(())
    }
}
