//! Compiled modules: the function table, constants, exception tables, line tables and the records
//! the VM needs to link ES modules.

use crate::instr::Instr;
use std::sync::Arc;

/// A JavaScript string constant. Most strings are valid UTF-8; strings that contain lone surrogates
/// (which Rust strings cannot hold) keep their exact UTF-16 code units.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum JsStr {
    Utf8(Arc<str>),
    Utf16(Arc<[u16]>),
}

impl JsStr {
    /// The string as Rust text (lone surrogates shown as U+FFFD).
    pub fn to_string_lossy(&self) -> String {
        match self {
            JsStr::Utf8(s) => s.to_string(),
            JsStr::Utf16(u) => String::from_utf16_lossy(u),
        }
    }

    /// The UTF-16 code units of the string.
    pub fn to_utf16(&self) -> Vec<u16> {
        match self {
            JsStr::Utf8(s) => s.encode_utf16().collect(),
            JsStr::Utf16(u) => u.to_vec(),
        }
    }

    /// The UTF-8 text if the string has no lone surrogates.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsStr::Utf8(s) => Some(s),
            JsStr::Utf16(_) => None,
        }
    }
}

impl From<&str> for JsStr {
    fn from(s: &str) -> Self {
        JsStr::Utf8(Arc::from(s))
    }
}

/// An entry of a function's constant pool.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Number(f64),
    String(JsStr),
    /// A BigInt literal: decimal digits, optionally preceded by `-`.
    BigInt(Arc<str>),
    /// A regular-expression literal; see `NewRegExp`.
    Regex {
        pattern: JsStr,
        flags: Arc<str>,
    },
    /// A template site; see `GetTemplateObject`. `cooked[i]` is `None` where the template has an
    /// invalid escape (only possible in tagged templates). `raw.len() == cooked.len()`.
    Template {
        raw: Arc<[JsStr]>,
        cooked: Arc<[Option<JsStr>]>,
    },
}

/// Flags of a [`FunctionProto`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FunctionFlags(pub u32);

impl FunctionFlags {
    pub const ASYNC: u32 = 1 << 0;
    pub const GENERATOR: u32 = 1 << 1;
    /// An arrow function: lexical `this`/`new.target`/home object captured at creation; not a constructor.
    pub const ARROW: u32 = 1 << 2;
    /// A class constructor: `[[Call]]` throws, `[[Construct]]` works.
    pub const CLASS_CONSTRUCTOR: u32 = 1 << 3;
    /// A derived class constructor (`extends`): the VM does not allocate `this`; the code does so via
    /// `SuperCall` and returns with `ReturnDerived`.
    pub const DERIVED: u32 = 1 << 4;
    /// A method, getter, setter, field initializer or static block: not a constructor, no `prototype`.
    pub const METHOD: u32 = 1 << 5;
    /// Always set: every skiff module is strict.
    pub const STRICT: u32 = 1 << 6;
    /// The function uses `CreateArguments` or `CreateRest`: the VM must keep the actual arguments
    /// (beyond `param_count`) available for the whole call.
    pub const NEEDS_ARGUMENTS: u32 = 1 << 7;
    /// The instance-field initializer of a class (called by `InitFields`).
    pub const FIELD_INIT: u32 = 1 << 8;
    /// The body of a module (function 0 of every module).
    pub const MODULE_BODY: u32 = 1 << 9;
    /// A private method (`#m() {}`): defined with `DefinePrivate`, not writable.
    pub const PRIVATE_METHOD: u32 = 1 << 10;
    /// A getter (its `name` is prefixed with `get `).
    pub const GETTER: u32 = 1 << 11;
    /// A setter (its `name` is prefixed with `set `).
    pub const SETTER: u32 = 1 << 12;
    /// A class static block (called once with `this` = the class).
    pub const STATIC_BLOCK: u32 = 1 << 13;
    /// Declared with `@Concurrent`: `taskpool` may run it on a pool thread.
    pub const CONCURRENT: u32 = 1 << 14;
    /// The constructor of a `@Sendable` class (or one whose constructor starts with
    /// `'use sendable'`): `CreateClass` registers the class layout described by the module's
    /// [`Module::sendable_classes`] entry for this function, and `[[Construct]]` allocates the
    /// instance in the shared heap instead of the local heap. On a function that is not a class
    /// constructor: a `@Sendable` function (or one starting with `'use sendable'`), which
    /// crosses threads by reference.
    pub const SENDABLE: u32 = 1 << 15;

    pub fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }

    pub fn set(&mut self, flag: u32) {
        self.0 |= flag;
    }

    /// True when the function object has a `[[Construct]]` method.
    pub fn is_constructor(self) -> bool {
        !self.has(Self::ARROW | Self::METHOD | Self::ASYNC | Self::GENERATOR)
    }
}

/// One inline-cache site: the name accessed by the instruction that owns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcSite {
    /// A `Constant::String` in the same function's pool.
    pub name: crate::Const,
}

/// One entry of the exception-handler table. When an exception is thrown while `start <= pc < end`,
/// the VM jumps to `target` with the exception value in register `reg`. Entries are ordered innermost
/// first: the VM uses the first entry whose range contains the throwing pc. The current env is not
/// restored by the VM: the compiler emits `SetEnv` at the handler when needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handler {
    pub start: u32,
    pub end: u32,
    pub target: u32,
    pub reg: u16,
}

/// Maps the instructions from `pc` on (up to the next entry) to a source position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineEntry {
    pub pc: u32,
    /// Byte offset in the source file.
    pub offset: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in Unicode scalar values.
    pub col: u32,
}

/// A compiled function. Immutable; shared by every VM through the module's `Arc`.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionProto {
    /// The function's `name` property (empty for anonymous functions).
    pub name: Arc<str>,
    pub flags: FunctionFlags,
    /// Number of leading registers filled from the actual arguments (missing ones are undefined).
    pub param_count: u16,
    /// The `length` property.
    pub length: u16,
    /// Registers in a frame: all start as undefined except the parameters.
    pub register_count: u16,
    pub code: Box<[Instr]>,
    pub constants: Box<[Constant]>,
    pub ic_sites: Box<[IcSite]>,
    pub handlers: Box<[Handler]>,
    /// Sorted by pc.
    pub lines: Box<[LineEntry]>,
    /// Source text for error messages, by pc, sorted by pc: for `Call`, `CallArray`, `CallMethod`,
    /// `New` and `NewArrayArgs` the callee (`obj.foo` → `obj.foo is not a function`); for
    /// `GetIterator`, `GetAsyncIterator` and `ArraySpread` the iterated expression
    /// (`obj is not iterable`). Only short texts (identifiers, member chains, calls) are recorded.
    pub callee_names: Box<[(u32, crate::Const)]>,
    /// Byte range of the function's source text.
    pub span: (u32, u32),
}

impl FunctionProto {
    /// The source position of an instruction (for stack traces).
    pub fn position(&self, pc: u32) -> Option<LineEntry> {
        let i = self.lines.partition_point(|e| e.pc <= pc);
        if i == 0 {
            self.lines.first().copied()
        } else {
            Some(self.lines[i - 1])
        }
    }

    /// The callee text recorded for the call at `pc`.
    pub fn callee_name(&self, pc: u32) -> Option<&Constant> {
        let i = self
            .callee_names
            .binary_search_by_key(&pc, |&(p, _)| p)
            .ok()?;
        self.constants.get(self.callee_names[i].1 .0 as usize)
    }

    /// A String constant as text.
    pub fn const_str(&self, c: crate::Const) -> Option<&JsStr> {
        match self.constants.get(c.0 as usize) {
            Some(Constant::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// What an import entry binds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportName {
    /// `import { name } from …` / `import name from …` (name = `default`).
    Named(Arc<str>),
    /// `import * as ns from …`: the module namespace object.
    Namespace,
}

/// One imported binding, read with `LoadImport idx`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportEntry {
    /// Index into [`Module::requests`].
    pub request: u16,
    pub name: ImportName,
    /// The local binding name (for error messages).
    pub local: Arc<str>,
    /// Byte offset of the import in the source (for link errors).
    pub offset: u32,
}

/// One export of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportEntry {
    /// `export let x`, `export { x as y }`, `export default …`: the binding in slot `slot` of the
    /// module environment.
    Local { name: Arc<str>, slot: u16 },
    /// `export { a as b } from 'm'`, `export * as ns from 'm'` (import = Namespace), or re-export of
    /// an imported binding.
    Indirect {
        name: Arc<str>,
        request: u16,
        import: ImportName,
    },
    /// `export * from 'm'`.
    Star { request: u16 },
}

/// How the VM initialises a module-environment slot when the module is instantiated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotInit {
    /// The hole (let, const, class: TDZ until initialised by the body).
    Hole,
    /// undefined (`var`).
    Undefined,
    /// A closure of `functions[func]` over the module env (hoisted function declarations are
    /// instantiated before any module body runs, so cyclic imports can call them).
    Function(crate::Func),
}

/// One slot of the module environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvSlot {
    pub name: Arc<str>,
    pub init: SlotInit,
    /// `const` or an import alias: assignments are compile-time errors.
    pub immutable: bool,
}

/// The declared type of a Sendable class field as a bit set (ArkTS `SharedFieldType`; the same
/// bits as `skiff_shared::FieldType`). A store is checked against it at run time.
pub mod field_type {
    pub const NUMBER: u8 = 1;
    pub const STRING: u8 = 1 << 1;
    pub const BOOLEAN: u8 = 1 << 2;
    /// Sendable classes, interfaces, `@arkts.collections` containers, locks, Sendable functions.
    pub const SENDABLE: u8 = 1 << 3;
    pub const BIGINT: u8 = 1 << 4;
    /// Type parameters and types the compiler cannot classify: any Sendable value.
    pub const GENERIC: u8 = 1 << 5;
    /// `T | null`.
    pub const NULL: u8 = 1 << 6;
    /// `T | undefined` or an optional field (`x?: T`).
    pub const UNDEFINED: u8 = 1 << 7;
}

/// One own instance field of a Sendable class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendableField {
    /// The property name (identifier, string or numeric literal key as its canonical string).
    pub name: Arc<str>,
    /// A [`field_type`] mask.
    pub ty: u8,
}

/// Layout of a Sendable class defined in this module: its *own* instance fields in declaration
/// order (the VM puts the superclass's fields first when the class is created).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendableClassInfo {
    /// The constructor function (flag [`FunctionFlags::SENDABLE`]); `CreateClass` with this
    /// `ctor` defines the class.
    pub ctor: crate::Func,
    /// The class name (empty for anonymous classes).
    pub name: Arc<str>,
    pub fields: Vec<SendableField>,
    /// The declared static data fields, in source order (the VM keeps their values in the shared
    /// heap and checks stores against these types).
    pub static_fields: Vec<SendableField>,
    /// For a class declared at module top level: a *factory* function that defines the class
    /// and returns its constructor. It takes one argument, the superclass (undefined for a base
    /// class), and must be called with the module environment as its closure environment. The
    /// module body calls it where the declaration stands; another thread that receives an
    /// instance without having run this module calls it to get its own class object (see
    /// docs/shared-heap.md, "Other threads").
    pub factory: Option<crate::Func>,
    /// The module-environment slot of the class's top-level binding, if it has one; a thread
    /// that materializes the class through `factory` stores the constructor there.
    pub slot: Option<u16>,
}

/// A compiled module. Immutable and `Send + Sync`; shared through `Arc<Module>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    /// The source file name as given by the user.
    pub file: Arc<str>,
    /// The source text: `Function.prototype.toString` returns the slice of it that
    /// [`FunctionProto::span`] covers.
    pub source: Arc<str>,
    /// `functions[0]` is the module body (flag `MODULE_BODY`, async if it uses top-level await). The
    /// VM creates the module environment (`env_slots.len()` slots, initialised per `SlotInit`), then
    /// runs the body with that env as its current env, `this` = undefined.
    pub functions: Vec<FunctionProto>,
    /// The module environment layout.
    pub env_slots: Vec<EnvSlot>,
    /// Requested module specifiers, in source order, without duplicates.
    pub requests: Vec<Arc<str>>,
    pub imports: Vec<ImportEntry>,
    pub exports: Vec<ExportEntry>,
    /// The Sendable classes of the module, in source order (see [`SendableClassInfo`]).
    pub sendable_classes: Vec<SendableClassInfo>,
    /// The directive prologue (after the imports) contains `'use shared'`: the module is
    /// evaluated once per process and every instance sees the same exports (docs/bytecode.md,
    /// "Shared modules").
    pub shared: bool,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Module>();
};

impl Module {
    /// The module body function.
    pub fn main(&self) -> &FunctionProto {
        &self.functions[0]
    }

    /// The Sendable class layout whose constructor is `functions[ctor]`.
    pub fn sendable_class(&self, ctor: u32) -> Option<&SendableClassInfo> {
        self.sendable_classes.iter().find(|c| c.ctor.0 == ctor)
    }
}
