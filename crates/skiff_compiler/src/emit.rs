//! The per-function instruction buffer: registers, constants, inline-cache sites, jumps, handlers and
//! the line table.

use rustc_hash::FxHashMap;
use skiff_bytecode::{
    Const, Constant, FunctionFlags, FunctionProto, Handler, Ic, IcSite, Instr, JsStr, Jump,
    LineEntry, Reg,
};
use skiff_diagnostics::SourceFile;
use std::sync::Arc;

/// Registers are allocated like a stack: bindings when their scope opens, temporaries while an
/// expression is compiled; `release` returns everything above a mark.
pub struct FnBuilder {
    pub code: Vec<Instr>,
    pub constants: Vec<Constant>,
    str_consts: FxHashMap<JsStr, u16>,
    num_consts: FxHashMap<u64, u16>,
    pub ic_sites: Vec<IcSite>,
    pub handlers: Vec<Handler>,
    pub lines: Vec<LineEntry>,
    pub callee_names: Vec<(u32, Const)>,
    next_reg: u32,
    max_reg: u32,
    /// Set when a limit (registers, constants, sites) overflowed; the compiler reports it once.
    pub overflow: Option<&'static str>,
    pending_pos: Option<u32>,
    last_pos: Option<u32>,
    /// Numeric constants used as operands, each in a dedicated register loaded once at function
    /// entry (so loops do not reload them). Until `finish` they are numbered from `CONST_BASE`.
    const_regs: Vec<PrologueItem>,
}

/// A value loaded once at function entry into its own register.
#[derive(Clone, Copy, PartialEq)]
enum PrologueItem {
    Num(f64),
    This,
}

/// Placeholder numbers of constant registers before renumbering.
const CONST_BASE: u16 = 0xF000;
/// At most this many constants get their own register per function.
const MAX_CONST_REGS: usize = 64;

impl FnBuilder {
    pub fn new() -> Self {
        FnBuilder {
            code: Vec::new(),
            constants: Vec::new(),
            str_consts: FxHashMap::default(),
            num_consts: FxHashMap::default(),
            ic_sites: Vec::new(),
            handlers: Vec::new(),
            lines: Vec::new(),
            callee_names: Vec::new(),
            next_reg: 0,
            max_reg: 0,
            overflow: None,
            pending_pos: None,
            last_pos: None,
            const_regs: Vec::new(),
        }
    }

    // --- registers -----------------------------------------------------------------------------

    pub fn alloc(&mut self) -> Reg {
        self.alloc_n(1)
    }

    /// Allocates `n` consecutive registers and returns the first.
    pub fn alloc_n(&mut self, n: u32) -> Reg {
        let r = self.next_reg;
        self.next_reg += n;
        if self.next_reg > self.max_reg {
            self.max_reg = self.next_reg;
        }
        if self.next_reg >= u32::from(CONST_BASE) {
            self.overflow = Some("too many registers");
            return Reg(0);
        }
        Reg(r as u16)
    }

    /// A register that holds the Number `n` for the whole call, if one is available.
    pub fn const_reg(&mut self, n: f64) -> Option<Reg> {
        self.prologue_reg(
            |item| matches!(item, PrologueItem::Num(c) if c.to_bits() == n.to_bits()),
            PrologueItem::Num(n),
        )
    }

    /// A register that holds the frame's `this` for the whole call (not for derived
    /// constructors, whose `this` is a binding).
    pub fn this_reg(&mut self) -> Option<Reg> {
        self.prologue_reg(
            |item| matches!(item, PrologueItem::This),
            PrologueItem::This,
        )
    }

    fn prologue_reg(
        &mut self,
        same: impl Fn(PrologueItem) -> bool,
        item: PrologueItem,
    ) -> Option<Reg> {
        if let Some(i) = self.const_regs.iter().position(|&c| same(c)) {
            return Some(Reg(CONST_BASE + i as u16));
        }
        if self.const_regs.len() >= MAX_CONST_REGS {
            return None;
        }
        self.const_regs.push(item);
        Some(Reg(CONST_BASE + (self.const_regs.len() - 1) as u16))
    }

    pub fn mark(&self) -> u32 {
        self.next_reg
    }

    pub fn release(&mut self, mark: u32) {
        self.next_reg = mark;
    }

    // --- constants ---------------------------------------------------------------------------

    fn push_const(&mut self, c: Constant) -> Const {
        let i = self.constants.len();
        if i > usize::from(u16::MAX) {
            self.overflow = Some("more than 65536 constants");
            return Const(0);
        }
        self.constants.push(c);
        Const(i as u16)
    }

    pub fn str_const(&mut self, s: &str) -> Const {
        self.jsstr_const(JsStr::Utf8(Arc::from(s)))
    }

    pub fn jsstr_const(&mut self, s: JsStr) -> Const {
        if let Some(&i) = self.str_consts.get(&s) {
            return Const(i);
        }
        let c = self.push_const(Constant::String(s.clone()));
        self.str_consts.insert(s, c.0);
        c
    }

    pub fn num_const(&mut self, n: f64) -> Const {
        let bits = n.to_bits();
        if let Some(&i) = self.num_consts.get(&bits) {
            return Const(i);
        }
        let c = self.push_const(Constant::Number(n));
        self.num_consts.insert(bits, c.0);
        c
    }

    pub fn other_const(&mut self, c: Constant) -> Const {
        self.push_const(c)
    }

    /// A fresh inline-cache site naming `name`.
    pub fn ic(&mut self, name: &str) -> Ic {
        let name = self.str_const(name);
        let i = self.ic_sites.len();
        if i > usize::from(u16::MAX) {
            self.overflow = Some("more than 65536 property sites");
            return Ic(0);
        }
        self.ic_sites.push(IcSite { name });
        Ic(i as u16)
    }

    // --- code ----------------------------------------------------------------------------------

    /// Records the source offset of the instructions emitted next.
    pub fn set_pos(&mut self, offset: u32) {
        self.pending_pos = Some(offset);
    }

    pub fn emit(&mut self, i: Instr) -> usize {
        if let Some(p) = self.pending_pos.take() {
            if self.last_pos != Some(p) {
                self.last_pos = Some(p);
                let pc = self.code.len() as u32;
                if let Some(last) = self.lines.last_mut() {
                    if last.pc == pc {
                        last.offset = p;
                        self.code.push(i);
                        return self.code.len() - 1;
                    }
                }
                self.lines.push(LineEntry {
                    pc,
                    offset: p,
                    line: 0,
                    col: 0,
                });
            }
        }
        self.code.push(i);
        self.code.len() - 1
    }

    pub fn pc(&self) -> usize {
        self.code.len()
    }

    /// Emits a forward jump to be patched later.
    pub fn jump(&mut self) -> usize {
        self.emit(Instr::Jump { offset: Jump(0) })
    }

    /// Points the branch at `at` to the current pc.
    pub fn patch_here(&mut self, at: usize) {
        let here = self.pc();
        self.patch_to(at, here);
    }

    pub fn patch_to(&mut self, at: usize, target: usize) {
        let off = target as i64 - at as i64;
        let ok = i32::try_from(off)
            .ok()
            .map(|o| self.code[at].set_jump_offset(o))
            .unwrap_or(false);
        if !ok {
            self.overflow = Some("a jump is too long");
        }
    }

    pub fn patch_all_here(&mut self, list: Vec<usize>) {
        for p in list {
            self.patch_here(p);
        }
    }

    /// Emits a backward jump to `target`.
    pub fn jump_back(&mut self, target: usize) {
        let at = self.pc();
        let off = target as i64 - at as i64;
        self.emit(Instr::Jump {
            offset: Jump(off as i32),
        });
    }

    pub fn mov(&mut self, dst: Reg, src: Reg) {
        if dst != src {
            self.emit(Instr::Mov { dst, src });
        }
    }

    pub fn load_int(&mut self, dst: Reg, value: i32) {
        self.emit(Instr::LoadInt { dst, value });
    }

    pub fn register_count(&self) -> u16 {
        self.max_reg.min(u32::from(u16::MAX)) as u16
    }

    pub fn finish(
        mut self,
        file: &SourceFile,
        name: Arc<str>,
        flags: FunctionFlags,
        param_count: u16,
        length: u16,
        span: (u32, u32),
    ) -> FunctionProto {
        self.place_const_regs(param_count);
        for e in &mut self.lines {
            let lc = file.line_col(e.offset);
            e.line = lc.line;
            e.col = lc.col;
        }
        self.callee_names.sort_by_key(|&(pc, _)| pc);
        self.callee_names.dedup_by_key(|&mut (pc, _)| pc);
        FunctionProto {
            name,
            flags,
            param_count,
            length,
            register_count: self.register_count().max(param_count),
            code: self.code.into_boxed_slice(),
            constants: self.constants.into_boxed_slice(),
            ic_sites: self.ic_sites.into_boxed_slice(),
            handlers: self.handlers.into_boxed_slice(),
            lines: self.lines.into_boxed_slice(),
            callee_names: self.callee_names.into_boxed_slice(),
            span,
        }
    }
}

impl FnBuilder {
    /// Gives the constant registers their final numbers (after all other registers) and loads
    /// them in a prologue; absolute pcs (handlers, lines, callee names) move by its length.
    fn place_const_regs(&mut self, param_count: u16) {
        if self.const_regs.is_empty() {
            return;
        }
        let first = self.max_reg.max(u32::from(param_count));
        let n = self.const_regs.len() as u32;
        if first + n > u32::from(CONST_BASE) {
            self.overflow = Some("too many registers");
            return;
        }
        let remap = |r: Reg| {
            if r.0 >= CONST_BASE {
                Reg((first as u16).wrapping_add(r.0 - CONST_BASE))
            } else {
                r
            }
        };
        for i in &mut self.code {
            i.map_regs(&remap);
        }
        let mut prologue = Vec::with_capacity(self.const_regs.len());
        for (k, item) in std::mem::take(&mut self.const_regs).into_iter().enumerate() {
            let dst = Reg(first as u16 + k as u16);
            let value = match item {
                PrologueItem::This => {
                    prologue.push(Instr::LoadThis { dst });
                    continue;
                }
                PrologueItem::Num(v) => v,
            };
            let fits = value.fract() == 0.0
                && value >= f64::from(i32::MIN)
                && value <= f64::from(i32::MAX)
                && !(value == 0.0 && value.is_sign_negative());
            if fits {
                prologue.push(Instr::LoadInt {
                    dst,
                    value: value as i32,
                });
            } else {
                let idx = self.num_const(value);
                prologue.push(Instr::LoadConst { dst, idx });
            }
        }
        let shift = prologue.len() as u32;
        prologue.append(&mut self.code);
        self.code = prologue;
        for h in &mut self.handlers {
            h.start += shift;
            h.end += shift;
            h.target += shift;
        }
        for e in &mut self.lines {
            e.pc += shift;
        }
        for (pc, _) in &mut self.callee_names {
            *pc += shift;
        }
        self.max_reg = first + n;
    }
}

impl Default for FnBuilder {
    fn default() -> Self {
        Self::new()
    }
}
