//! The bytecode: the contract between the compiler and the VM.
//!
//! A compiled [`Module`] is immutable and `Send + Sync`; every VM instance shares it through an
//! `Arc<Module>` and keeps all mutable state (inline caches, module environments, template-object
//! caches) in its own side tables. See `docs/bytecode.md` for the calling
//! convention, environments, exception tables, generator frames and module linking.

mod disasm;
mod instr;
mod module;

pub use disasm::{constant_text, disassemble, instr_text};
pub use instr::{Const, ErrorKind, Func, Ic, Instr, Jump, Operand, Reg, ShortJump};
pub use module::{
    field_type, Constant, EnvSlot, ExportEntry, FunctionFlags, FunctionProto, Handler, IcSite,
    ImportEntry, ImportName, JsStr, LineEntry, Module, SendableClassInfo, SendableField, SlotInit,
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn instr_is_eight_bytes() {
        assert!(std::mem::size_of::<Instr>() <= 8);
    }

    #[test]
    fn jump_patching() {
        let mut j = Instr::JumpIfLt {
            a: Reg(0),
            b: Reg(1),
            offset: ShortJump(0),
        };
        assert!(j.set_jump_offset(-5));
        assert_eq!(j.jump_offset(), Some(-5));
        assert!(!j.set_jump_offset(100_000));
        let mut k = Instr::Jump { offset: Jump(0) };
        assert!(k.set_jump_offset(100_000));
        assert!(!Instr::Nop.clone().set_jump_offset(1));
    }

    #[test]
    fn disassembles() {
        let f = FunctionProto {
            name: Arc::from(""),
            flags: FunctionFlags(FunctionFlags::MODULE_BODY | FunctionFlags::STRICT),
            param_count: 0,
            length: 0,
            register_count: 2,
            code: vec![
                Instr::LoadConst {
                    dst: Reg(0),
                    idx: Const(0),
                },
                Instr::GetNamed {
                    dst: Reg(1),
                    obj: Reg(0),
                    ic: Ic(0),
                },
                Instr::JumpIfTrue {
                    cond: Reg(1),
                    offset: Jump(-2),
                },
                Instr::ReturnUndefined,
            ]
            .into(),
            constants: vec![
                Constant::String("hi".into()),
                Constant::String("length".into()),
            ]
            .into(),
            ic_sites: vec![IcSite { name: Const(1) }].into(),
            handlers: Box::new([]),
            lines: Box::new([]),
            callee_names: Box::new([]),
            span: (0, 0),
        };
        let m = Module {
            file: Arc::from("t.ets"),
            source: Arc::from(""),
            functions: vec![f],
            env_slots: vec![],
            requests: vec![],
            imports: vec![],
            exports: vec![],
            sendable_classes: vec![],
            shared: false,
        };
        let text = disassemble(&m);
        assert!(text.contains("LoadConst r0, k0"), "{text}");
        assert!(text.contains("\"length\""), "{text}");
        assert!(text.contains("-> 0"), "{text}");
    }
}
