//! The instruction set.
//!
//! Every instruction is a variant of the `Copy` enum [`Instr`], at most 8 bytes (asserted below).
//! Operands are registers ([`Reg`]), constant-pool indices ([`Const`]), inline-cache sites ([`Ic`]),
//! function-table indices ([`Func`]), jump offsets ([`Jump`], [`ShortJump`]) and small immediates.
//!
//! Conventions used in the documentation of each instruction:
//! - `r[x]` is the register `x` of the current frame; `base+1` is the register after `base`.
//! - "the current env" is the frame's current environment (see `PushEnv`).
//! - A jump target is `pc + offset`, where `pc` is the index of the jump instruction itself.
//! - "Throws" lists the exceptions the instruction itself raises; every instruction that may run
//!   user code (getters, `valueOf`, proxies of built-ins) can additionally throw whatever that code throws.
//! - "Calls" means the instruction may push a frame for a script function instead of recursing; the
//!   result is written to the destination register when that frame returns.

use std::fmt;

/// A register of the current frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(pub u16);

impl Reg {
    /// The register `n` places after this one (used for argument windows).
    pub fn offset(self, n: u16) -> Reg {
        Reg(self.0.wrapping_add(n))
    }
}

/// An index into the current function's constant pool ([`crate::FunctionProto::constants`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Const(pub u16);

/// An index into the current function's inline-cache site table ([`crate::FunctionProto::ic_sites`]).
/// Every instruction that carries an `Ic` has its own site, so a VM can allocate a per-function
/// feedback vector of `ic_sites.len()` entries and index it directly; the site also names the property
/// or global the instruction accesses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ic(pub u16);

/// An index into the module's function table ([`crate::Module::functions`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func(pub u32);

/// A relative jump: the target is `pc + offset` (pc of the jump itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Jump(pub i32);

/// A short relative jump, used by the fused compare-and-branch instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShortJump(pub i16);

/// The error constructors that compiler-generated `ThrowError` instructions can raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ErrorKind {
    Error = 0,
    TypeError = 1,
    ReferenceError = 2,
    SyntaxError = 3,
    RangeError = 4,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Error => "Error",
            ErrorKind::TypeError => "TypeError",
            ErrorKind::ReferenceError => "ReferenceError",
            ErrorKind::SyntaxError => "SyntaxError",
            ErrorKind::RangeError => "RangeError",
        }
    }
}

/// An operand, for generic consumers such as the disassembler.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operand {
    Reg(Reg),
    Const(Const),
    Ic(Ic),
    Func(Func),
    Jump(i32),
    Count(u16),
    Imm(i32),
    ErrorKind(ErrorKind),
}

impl From<Reg> for Operand {
    fn from(r: Reg) -> Self {
        Operand::Reg(r)
    }
}
impl From<Const> for Operand {
    fn from(c: Const) -> Self {
        Operand::Const(c)
    }
}
impl From<Ic> for Operand {
    fn from(c: Ic) -> Self {
        Operand::Ic(c)
    }
}
impl From<Func> for Operand {
    fn from(f: Func) -> Self {
        Operand::Func(f)
    }
}
impl From<Jump> for Operand {
    fn from(j: Jump) -> Self {
        Operand::Jump(j.0)
    }
}
impl From<ShortJump> for Operand {
    fn from(j: ShortJump) -> Self {
        Operand::Jump(i32::from(j.0))
    }
}
impl From<u16> for Operand {
    fn from(n: u16) -> Self {
        Operand::Count(n)
    }
}
impl From<i16> for Operand {
    fn from(n: i16) -> Self {
        Operand::Imm(i32::from(n))
    }
}
impl From<i32> for Operand {
    fn from(n: i32) -> Self {
        Operand::Imm(n)
    }
}
impl From<ErrorKind> for Operand {
    fn from(k: ErrorKind) -> Self {
        Operand::ErrorKind(k)
    }
}

macro_rules! instructions {
    ($( $(#[$m:meta])* $name:ident $({ $($field:ident : $ty:ty),* $(,)? })? ,)*) => {
        /// One bytecode instruction. See the module documentation for the conventions.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Instr {
            $( $(#[$m])* $name $({ $($field: $ty),* })?, )*
        }

        impl Instr {
            /// The mnemonic, as printed by the disassembler.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Instr::$name { .. } => stringify!($name), )*
                }
            }

            /// The operands with their field names, in declaration order.
            pub fn operands(&self) -> Vec<(&'static str, Operand)> {
                match *self {
                    $( Instr::$name $({ $($field),* })? => vec![$($( (stringify!($field), Operand::from($field)) ),*)?], )*
                }
            }

            /// Rewrites every register operand with `f` (implicit windows such as `base+1` follow
            /// their base). Used by the compiler to renumber registers after allocation.
            pub fn map_regs(&mut self, f: &dyn Fn(Reg) -> Reg) {
                match self {
                    $( Instr::$name $({ $($field),* })? => { $($( *$field = MapReg::map_reg(*$field, f); )*)? } )*
                }
            }
        }
    };
}

/// Register renumbering over operands of any kind (only [`Reg`] changes).
trait MapReg: Sized {
    fn map_reg(self, _f: &dyn Fn(Reg) -> Reg) -> Self {
        self
    }
}
impl MapReg for Reg {
    fn map_reg(self, f: &dyn Fn(Reg) -> Reg) -> Self {
        f(self)
    }
}
impl MapReg for Const {}
impl MapReg for Ic {}
impl MapReg for Func {}
impl MapReg for Jump {}
impl MapReg for ShortJump {}
impl MapReg for u16 {}
impl MapReg for i16 {}
impl MapReg for i32 {}
impl MapReg for ErrorKind {}

instructions! {
    // ----------------------------------------------------------------------------------------
    // Moves and constants
    // ----------------------------------------------------------------------------------------
    /// Does nothing (also the translation of `debugger`).
    Nop,
    /// `r[dst] = r[src]`.
    Mov { dst: Reg, src: Reg },
    /// `r[dst] = constants[idx]`: a Number, a String or a BigInt (a `Regex` or `Template` constant is
    /// never loaded with `LoadConst`; see `NewRegExp` and `GetTemplateObject`).
    LoadConst { dst: Reg, idx: Const },
    /// `r[dst] = value` as a Number.
    LoadInt { dst: Reg, value: i32 },
    /// `r[dst] = undefined`.
    LoadUndefined { dst: Reg },
    /// `r[dst] = null`.
    LoadNull { dst: Reg },
    /// `r[dst] = true`.
    LoadTrue { dst: Reg },
    /// `r[dst] = false`.
    LoadFalse { dst: Reg },
    /// `r[dst] = <hole>`: the internal "uninitialised binding" marker used for TDZ. A hole never
    /// escapes to script code: it only lives in registers and environment slots and is tested with
    /// `CheckTdz`, `CheckThis` and `CheckThisUninit`.
    LoadHole { dst: Reg },
    /// `r[dst] = this` of the current frame. For arrow functions this is the `this` captured when the
    /// arrow was created (see `Closure`). Never used in derived constructors (the compiler keeps `this`
    /// in an ordinary binding there).
    LoadThis { dst: Reg },
    /// `r[dst] = new.target` of the current frame (undefined for a plain call). Arrow functions see
    /// the `new.target` captured at creation.
    LoadNewTarget { dst: Reg },
    /// `r[dst] =` the function object of the current frame (the active function).
    LoadCallee { dst: Reg },
    /// `r[dst] =` the `[[HomeObject]]` of the active function (set by `DefineMethod`, `DefineGetter`,
    /// `DefineSetter`, `DefineLitGetter`, `DefineLitSetter` and `SetHomeObject`); arrows see the home
    /// object captured at creation. Undefined when there is none.
    LoadHomeObject { dst: Reg },

    // ----------------------------------------------------------------------------------------
    // Environments (captured variables) and TDZ
    // ----------------------------------------------------------------------------------------
    /// Creates an environment of `size` slots, all holes, whose parent is the current env, and makes
    /// it the current env. Only bindings captured by closures (or exported) live in environments.
    PushEnv { size: u16 },
    /// Makes the parent of the current env the current env.
    PopEnv,
    /// ES CreatePerIterationEnvironment: replaces the current env by a fresh copy of it (same parent,
    /// same slot values), so closures created in the previous iteration of a `for (let …)` loop keep
    /// the previous iteration's bindings.
    CloneEnv,
    /// `r[dst] =` the current env, as an internal value (used to restore it in exception handlers).
    GetEnv { dst: Reg },
    /// Makes the env held in `r[src]` (produced by `GetEnv`) the current env.
    SetEnv { src: Reg },
    /// `r[dst] = env.slots[slot]`, where `env` is reached from the current env by following `hops`
    /// parent links. Does not check for holes (see `CheckTdz`).
    LoadEnv { dst: Reg, hops: u16, slot: u16 },
    /// `env.slots[slot] = r[src]`, with `env` found as in `LoadEnv`.
    StoreEnv { src: Reg, hops: u16, slot: u16 },
    /// If `r[src]` is the hole: throws `ReferenceError: Cannot access '<name>' before initialization`
    /// where `<name>` is the String constant `name`.
    CheckTdz { src: Reg, name: Const },
    /// If `r[src]` is the hole: throws `ReferenceError: Must call super constructor in derived class
    /// before accessing 'this' or returning from derived constructor`.
    CheckThis { src: Reg },
    /// If `r[src]` is not the hole: throws `ReferenceError: Super constructor may only be called once`.
    CheckThisUninit { src: Reg },

    // ----------------------------------------------------------------------------------------
    // Globals and module bindings
    // ----------------------------------------------------------------------------------------
    /// `r[dst] = globalThis[name]`, name = `ic_sites[ic].name`. Throws `ReferenceError: <name> is not
    /// defined` when the global object has no such property (HasProperty is false).
    LoadGlobal { dst: Reg, ic: Ic },
    /// Like `LoadGlobal` but yields undefined instead of throwing (used for `typeof x`).
    LoadGlobalOrUndefined { dst: Reg, ic: Ic },
    /// Strict-mode assignment to an unresolvable or global name: if the global object has the
    /// property, `Set(globalThis, name, r[src], true)` (TypeError when not writable); otherwise throws
    /// `ReferenceError: <name> is not defined`.
    StoreGlobal { src: Reg, ic: Ic },
    /// `r[dst] =` the current value of import binding `idx` ([`crate::Module::imports`]), resolved by
    /// the VM at link time to the exporting module's environment slot (a live binding) or, for a
    /// namespace import, to the module namespace object. Throws `ReferenceError: Cannot access
    /// '<local name>' before initialization` if the exporter's slot is still a hole.
    LoadImport { dst: Reg, idx: u16 },
    /// `r[dst] =` a promise for the namespace of the module named by `ToString(r[specifier])`, relative
    /// to this module (ES `import()`); failures reject the promise.
    DynamicImport { dst: Reg, specifier: Reg },
    /// `r[dst] =` this module instance's `import.meta` object (created once per module instance).
    ImportMeta { dst: Reg },

    // ----------------------------------------------------------------------------------------
    // Operators (ES abstract operations named in each line)
    // ----------------------------------------------------------------------------------------
    /// `r[dst] = r[a] + r[b]` (ES ApplyStringOrNumericBinaryOperator `+`: ToPrimitive, string
    /// concatenation or numeric/BigInt addition; TypeError mixing BigInt and Number).
    Add { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] - r[b]` (ToNumeric; BigInt or Number).
    Sub { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] * r[b]`.
    Mul { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] / r[b]` (BigInt division by zero: RangeError `Division by zero`).
    Div { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] % r[b]`.
    Rem { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] ** r[b]` (Number::exponentiate / BigInt::exponentiate; negative BigInt exponent:
    /// RangeError).
    Exp { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] << r[b]`.
    Shl { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] >> r[b]`.
    Shr { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] >>> r[b]` (TypeError for BigInt).
    UShr { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] & r[b]`.
    BitAnd { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] | r[b]`.
    BitOr { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] ^ r[b]`.
    BitXor { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[src] + imm` with the full semantics of `+` where the right operand is the Number
    /// `imm` (so a string `src` concatenates, a BigInt `src` throws TypeError). Emitted for `x + <small
    /// integer literal>`.
    AddImm { dst: Reg, src: Reg, imm: i16 },
    /// `r[dst] = r[src] - imm` with the full semantics of `-` where the right operand is the Number
    /// `imm` (ToNumeric on `src`; a BigInt `src` throws TypeError). Emitted for `x - <small integer
    /// literal>`.
    SubImm { dst: Reg, src: Reg, imm: i16 },
    /// `r[dst] = ToNumeric(r[src]) + 1` (BigInt `1n` for BigInts): prefix/postfix `++`.
    Inc { dst: Reg, src: Reg },
    /// `r[dst] = ToNumeric(r[src]) - 1`: prefix/postfix `--`.
    Dec { dst: Reg, src: Reg },
    /// `r[dst] = -r[src]` (ToNumeric; BigInt negation).
    Neg { dst: Reg, src: Reg },
    /// `r[dst] = ~r[src]`.
    BitNot { dst: Reg, src: Reg },
    /// `r[dst] = !ToBoolean(r[src])`.
    Not { dst: Reg, src: Reg },
    /// `r[dst] = typeof r[src]` (a String).
    Typeof { dst: Reg, src: Reg },
    /// `r[dst] = ToNumber(r[src])` (unary `+`; TypeError for BigInt and Symbol).
    ToNumber { dst: Reg, src: Reg },
    /// `r[dst] = ToNumeric(r[src])` (the old value of a postfix update).
    ToNumeric { dst: Reg, src: Reg },
    /// `r[dst] = ToString(r[src])` (template literal substitutions; TypeError for Symbol).
    ToString { dst: Reg, src: Reg },
    /// `r[dst] = r[base] + r[base+1] + … + r[base+count-1]`, where every operand is already a
    /// string (the compiler converts each with `ToString`): a template literal's parts, joined
    /// in one allocation.
    ConcatStrings { dst: Reg, base: Reg, count: u16 },
    /// `r[dst] = ToPropertyKey(r[src])` (computed class keys, evaluated once).
    ToPropertyKey { dst: Reg, src: Reg },
    /// `r[dst] = r[a] == r[b]` (IsLooselyEqual).
    Eq { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] != r[b]`.
    NotEq { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] === r[b]` (IsStrictlyEqual).
    StrictEq { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] !== r[b]`.
    StrictNotEq { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] < r[b]` (IsLessThan, left first).
    Lt { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] <= r[b]`.
    LtEq { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] > r[b]`.
    Gt { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] >= r[b]`.
    GtEq { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[a] instanceof r[b]` (InstanceofOperator: `Symbol.hasInstance`, then
    /// OrdinaryHasInstance; TypeError `Right-hand side of 'instanceof' is not callable`).
    InstanceOf { dst: Reg, a: Reg, b: Reg },
    /// `r[dst] = r[key] in r[obj]` (HasProperty(obj, ToPropertyKey(key)); TypeError `Cannot use 'in'
    /// operator to search for '<key>' in <obj>` when obj is not an Object).
    In { dst: Reg, key: Reg, obj: Reg },

    // ----------------------------------------------------------------------------------------
    // Jumps. Backward jumps are the VM's attention-poll points (every loop has one).
    // ----------------------------------------------------------------------------------------
    /// Unconditional jump.
    Jump { offset: Jump },
    /// Jumps if ToBoolean(r[cond]).
    JumpIfTrue { cond: Reg, offset: Jump },
    /// Jumps if !ToBoolean(r[cond]).
    JumpIfFalse { cond: Reg, offset: Jump },
    /// Jumps if r[src] is undefined or null.
    JumpIfNullish { src: Reg, offset: Jump },
    /// Jumps if r[src] is neither undefined nor null.
    JumpIfNotNullish { src: Reg, offset: Jump },
    /// Jumps if r[src] is undefined (default values in parameters and destructuring).
    JumpIfUndefined { src: Reg, offset: Jump },
    /// Jumps if r[src] is not undefined.
    JumpIfNotUndefined { src: Reg, offset: Jump },
    /// Fused `Lt` + `JumpIfTrue`: jumps if `r[a] < r[b]` (full IsLessThan semantics). The compiler
    /// emits the fused forms only for backward jumps whose distance fits in 16 bits (loop conditions).
    JumpIfLt { a: Reg, b: Reg, offset: ShortJump },
    /// Jumps if `r[a] <= r[b]`.
    JumpIfLtEq { a: Reg, b: Reg, offset: ShortJump },
    /// Jumps if `r[a] > r[b]`.
    JumpIfGt { a: Reg, b: Reg, offset: ShortJump },
    /// Jumps if `r[a] >= r[b]`.
    JumpIfGtEq { a: Reg, b: Reg, offset: ShortJump },
    /// Jumps if `r[a] === r[b]`.
    JumpIfStrictEq { a: Reg, b: Reg, offset: ShortJump },
    /// Jumps if `r[a] !== r[b]`.
    JumpIfStrictNotEq { a: Reg, b: Reg, offset: ShortJump },
    /// Fused `Lt` + `JumpIfFalse`: jumps unless `r[a] < r[b]` (so also when the comparison is
    /// undefined, e.g. with NaN). The compiler emits the negated forms for the forward jump over a
    /// small `if` consequent or conditional-expression branch.
    JumpIfNotLt { a: Reg, b: Reg, offset: ShortJump },
    /// Jumps unless `r[a] <= r[b]`.
    JumpIfNotLtEq { a: Reg, b: Reg, offset: ShortJump },
    /// Jumps unless `r[a] > r[b]`.
    JumpIfNotGt { a: Reg, b: Reg, offset: ShortJump },
    /// Jumps unless `r[a] >= r[b]`.
    JumpIfNotGtEq { a: Reg, b: Reg, offset: ShortJump },

    // ----------------------------------------------------------------------------------------
    // Properties. Named accesses take the name from `ic_sites[ic].name` (a String constant).
    // ----------------------------------------------------------------------------------------
    /// `r[dst] = r[obj].name` (GetValue: ToObject on primitives; TypeError `Cannot read properties of
    /// undefined (reading '<name>')` for undefined/null).
    GetNamed { dst: Reg, obj: Reg, ic: Ic },
    /// `r[obj].name = r[value]` (strict PutValue: TypeError on failure, e.g. `Cannot assign to read
    /// only property '<name>' of object`, or `Cannot set properties of undefined (setting '<name>')`).
    SetNamed { obj: Reg, value: Reg, ic: Ic },
    /// `r[dst] = r[obj][r[key]]` (ToPropertyKey on key; array index fast paths expected).
    GetIndexed { dst: Reg, obj: Reg, key: Reg },
    /// `r[obj][r[key]] = r[value]` (strict PutValue).
    SetIndexed { obj: Reg, key: Reg, value: Reg },
    /// `r[dst] = delete r[obj][r[key]]`: strict-mode delete (TypeError `Cannot delete property '<key>'
    /// of <obj>` when the property is non-configurable; ToObject on primitives, TypeError for
    /// undefined/null).
    Delete { dst: Reg, obj: Reg, key: Reg },
    /// CreateDataPropertyOrThrow(r[obj], name, r[value]) (object literals: defines, never calls setters).
    DefineNamed { obj: Reg, value: Reg, ic: Ic },
    /// CreateDataPropertyOrThrow(r[obj], ToPropertyKey(r[key]), r[value]). Also used for class fields
    /// (DefineField semantics: an own, enumerable, writable, configurable data property).
    DefineIndexed { obj: Reg, key: Reg, value: Reg },
    /// Class method: sets `r[func].[[HomeObject]] = r[obj]`, SetFunctionName(r[func], key), and defines
    /// `r[obj][key]` as `{ value: func, writable: true, enumerable: false, configurable: true }`.
    /// `key` is a property key (String or Symbol; the compiler applies `ToPropertyKey` first).
    DefineMethod { obj: Reg, key: Reg, func: Reg },
    /// Class getter: home object, SetFunctionName(func, key, "get"), and defines/merges the accessor
    /// `{ get: func, enumerable: false, configurable: true }` on `r[obj]`.
    DefineGetter { obj: Reg, key: Reg, func: Reg },
    /// Class setter: like `DefineGetter` with `set` and the "set" prefix.
    DefineSetter { obj: Reg, key: Reg, func: Reg },
    /// Object-literal getter: like `DefineGetter` but the accessor is enumerable.
    DefineLitGetter { obj: Reg, key: Reg, func: Reg },
    /// Object-literal setter: like `DefineSetter` but the accessor is enumerable.
    DefineLitSetter { obj: Reg, key: Reg, func: Reg },
    /// `r[func].[[HomeObject]] = r[home]` (object-literal methods, which are then defined with
    /// `DefineNamed`/`DefineIndexed`).
    SetHomeObject { func: Reg, home: Reg },
    /// SetFunctionName(r[func], r[key]): redefines the `name` own property of a freshly created
    /// anonymous function from a computed key (Symbol keys give `[description]`).
    SetFunctionName { func: Reg, key: Reg },
    /// Object literal `__proto__: value` (non-computed, non-shorthand): if `r[value]` is an Object or
    /// null, sets `r[obj].[[Prototype]]` to it; otherwise does nothing.
    SetProtoLit { obj: Reg, value: Reg },
    /// CopyDataProperties(r[dst], r[src], ∅): object spread `{ ...src }` (undefined/null copy nothing).
    CopyDataProperties { dst: Reg, src: Reg },
    /// `r[dst] =` a new ordinary object with the own enumerable properties of `r[src]` except the
    /// keys listed in the Array `r[excluded]` (object rest in destructuring). TypeError for
    /// undefined/null `src`.
    CopyRestProperties { dst: Reg, src: Reg, excluded: Reg },
    /// `r[dst] = super[r[key]]`: Get on `HomeObject.[[GetPrototypeOf]]()` (home object as in
    /// `LoadHomeObject`) with receiver `r[this]`.
    SuperGet { dst: Reg, this: Reg, key: Reg },
    /// `super[r[key]] = r[value]`: Set on the home object's prototype with receiver `r[this]`; strict
    /// (TypeError on failure).
    SuperSet { this: Reg, key: Reg, value: Reg },

    // ----------------------------------------------------------------------------------------
    // Private names (`#x`): each class evaluation creates fresh private names, kept in bindings.
    // ----------------------------------------------------------------------------------------
    /// `r[dst] =` a new unique private name with description `#<name>` (String constant).
    NewPrivateName { dst: Reg, name: Const },
    /// `r[dst] = r[obj].#key` where `r[key]` is a private name. TypeError `Cannot read private member
    /// #x from an object whose class did not declare it` if absent; calls the getter of private accessors
    /// (TypeError `'#x' was defined without a getter` if none).
    GetPrivate { dst: Reg, obj: Reg, key: Reg },
    /// `r[obj].#key = r[value]`. TypeError `Cannot write private member #x to an object whose class did
    /// not declare it` if absent, `Private method is not writable` for methods, or `'#x' was defined
    /// without a setter`.
    SetPrivate { obj: Reg, key: Reg, value: Reg },
    /// PrivateFieldAdd / PrivateMethodOrAccessorAdd for a field or method: adds `#key = value` to
    /// `r[obj]`; TypeError `Cannot initialize #x twice on the same object` if present. Methods are
    /// added with this same instruction followed by nothing else (the VM marks the element as a method
    /// if `r[value]` is a function created for a private method: flag `PRIVATE_METHOD` on its proto).
    DefinePrivate { obj: Reg, key: Reg, value: Reg },
    /// Adds (or completes) a private accessor `#key` with getter `r[func]` on `r[obj]`.
    DefinePrivateGetter { obj: Reg, key: Reg, func: Reg },
    /// Adds (or completes) a private accessor `#key` with setter `r[func]` on `r[obj]`.
    DefinePrivateSetter { obj: Reg, key: Reg, func: Reg },
    /// `r[dst] = #key in r[obj]` (PrivateElementFind). TypeError `Cannot use 'in' operator to search
    /// for '#key' in <value>` (V8's text, with the private name's description) if `r[obj]` is not
    /// an Object.
    HasPrivate { dst: Reg, obj: Reg, key: Reg },

    // ----------------------------------------------------------------------------------------
    // Object, array, function and class creation
    // ----------------------------------------------------------------------------------------
    /// `r[dst] = {}` (OrdinaryObjectCreate(%Object.prototype%)).
    NewObject { dst: Reg },
    /// `r[dst] = []` with room for `capacity` elements (length 0).
    NewArray { dst: Reg, capacity: u16 },
    /// `r[dst] = [r[base], r[base+1], …, r[base+count-1]]`.
    NewArrayFrom { dst: Reg, base: Reg, count: u16 },
    /// Appends `r[value]` at index `r[arr].length` (CreateDataProperty) and increments the length.
    ArrayPush { arr: Reg, value: Reg },
    /// Appends a hole (array literal elision): increments `r[arr].length` only.
    ArrayPushHole { arr: Reg },
    /// Appends every value produced by iterating `r[src]` (GetIterator + IteratorStep loop; TypeError
    /// `<src> is not iterable`). May call script code (`next`) through the VM's native-call mechanism;
    /// a fast path for unmodified arrays is expected.
    ArraySpread { arr: Reg, src: Reg },
    /// `r[dst] = new RegExp(pattern, flags)` from the `Regex` constant `idx` (a new object per evaluation).
    NewRegExp { dst: Reg, idx: Const },
    /// `r[dst] =` the template object of the `Template` constant `idx` (GetTemplateObject): a frozen
    /// array of cooked strings (undefined where invalid) with a frozen `raw` array. Cached by the VM per
    /// realm and site; the site key is (module, function index, `idx`).
    GetTemplateObject { dst: Reg, idx: Const },
    /// `r[dst] =` a new function object for `functions[func]`, closing over the current env. Its
    /// `name` and `length` come from the proto. Arrow functions additionally capture the current frame's
    /// `this`, `new.target` and home object. Ordinary non-arrow, non-method, non-async functions are
    /// constructors and get a fresh `prototype` object; generators get a `prototype` inheriting from
    /// %GeneratorPrototype% (or the async one).
    Closure { dst: Reg, func: Func },
    /// ClassDefinitionEvaluation, the part that makes the constructor: `functions[ctor]` (flag
    /// `CLASS_CONSTRUCTOR`, plus `DERIVED` when the class has `extends`) becomes the constructor F,
    /// closing over the current env. For derived classes `r[heritage]` is the superclass: null gives a
    /// prototype parent of null and F's parent %Function.prototype%; a constructor C gives parent
    /// `C.prototype` (TypeError `Class extends value <p> does not have valid prototype property <p>` if
    /// not an Object or null) and F's parent C; anything else throws TypeError `Class extends value <x>
    /// is not a constructor or null`. Creates the prototype object P, sets `F.prototype = P`
    /// (non-writable, non-enumerable, non-configurable), `P.constructor = F` (non-enumerable) and
    /// `F.[[HomeObject]] = P`. Writes F to `r[dst]` and P to `r[dst+1]`.
    CreateClass { dst: Reg, ctor: u16, heritage: Reg },
    /// Stores `r[init]` (a function) in the internal `[[Fields]]` slot of the class constructor
    /// `r[ctor]`. The initializer is a method (flag `FIELD_INIT`) that defines the instance fields and
    /// private methods on its `this`.
    SetClassFieldInit { ctor: Reg, init: Reg },
    /// If the function `r[ctor]` has a `[[Fields]]` initializer, calls it with `this = r[this]` and no
    /// arguments (Calls; the result is discarded). No-op otherwise.
    InitFields { ctor: Reg, this: Reg },
    /// Ends the definition of the Sendable class `r[ctor]` (emitted after its static elements):
    /// its prototype becomes non-extensible with read-only methods, accessors and
    /// `constructor`, and the constructor becomes non-extensible with read-only static methods
    /// (static fields stay writable). Stores that then fail throw ArkTS's texts (`Cannot add
    /// property "x" in prevent extensions`, `Cannot assign to read only property`).
    SealSendableClass { ctor: Reg },
    /// `r[dst] =` an Array of the actual arguments from index `start` on (rest parameter).
    CreateRest { dst: Reg, start: u16 },
    /// `r[dst] =` an unmapped arguments object for the actual arguments (CreateUnmappedArgumentsObject).
    CreateArguments { dst: Reg },

    // ----------------------------------------------------------------------------------------
    // Calls. The VM pushes a frame for script functions; natives run directly.
    // ----------------------------------------------------------------------------------------
    /// `r[dst] = r[base](r[base+2], …, r[base+1+argc])` with `this = r[base+1]` (Call). TypeError
    /// `<text> is not a function`, where `<text>` comes from [`crate::FunctionProto::callee_names`]
    /// (by pc) or is the value's description. Class constructors throw TypeError `Class constructor
    /// <name> cannot be invoked without 'new'`.
    Call { dst: Reg, base: Reg, argc: u16 },
    /// `Call` with `this = undefined`: a call whose callee is not a member expression. `r[base+1]`
    /// is neither written by the compiler nor read.
    CallPlain { dst: Reg, base: Reg, argc: u16 },
    /// Get-and-call (superinstruction): `f = r[base+1].name` (GetValue, name from `ic_sites[ic]`),
    /// `r[base] = f`, then `r[base] = f.call(r[base+1], r[base+2], …, r[base+1+argc])`. The result is
    /// written to `r[base]`.
    CallMethod { base: Reg, argc: u16, ic: Ic },
    /// `r[dst] = r[base](...r[base+2])` with `this = r[base+1]`, where `r[base+2]` is an Array whose
    /// elements are the arguments (read by index, no iteration): calls with spread arguments.
    CallArray { dst: Reg, base: Reg },
    /// `r[dst] = new r[base](r[base+1], …, r[base+argc])` (Construct with newTarget = r[base]).
    /// TypeError `<text> is not a constructor`.
    New { dst: Reg, base: Reg, argc: u16 },
    /// `r[dst] = new r[base](...r[base+1])`, `r[base+1]` an Array of arguments.
    NewArrayArgs { dst: Reg, base: Reg },
    /// `super(r[base+1], …, r[base+argc])`: `r[base]` is the active derived constructor (its
    /// `[[GetPrototypeOf]]()` is the super constructor; TypeError `Super constructor <x> of anonymous
    /// class is not a constructor`); newTarget is the frame's `new.target`. `r[dst]` = the constructed
    /// object. The compiler then checks/binds `this` and runs `InitFields`.
    SuperCall { dst: Reg, base: Reg, argc: u16 },
    /// `super(...r[base+1])` with an Array of arguments; otherwise as `SuperCall`.
    SuperCallArray { dst: Reg, base: Reg },
    /// Returns `r[src]` from the current frame. For a `[[Construct]]` of a base constructor, a
    /// non-Object result is replaced by the frame's `this`. In generators it completes the generator
    /// (`{ value, done: true }`); in async functions it resolves the promise.
    Return { src: Reg },
    /// `Return` of undefined.
    ReturnUndefined,
    /// Return from a derived constructor: if `r[value]` is an Object, returns it; if it is undefined,
    /// returns `r[this]` (ReferenceError as `CheckThis` if that is the hole); otherwise TypeError
    /// `Derived constructors may only return object or undefined`.
    ReturnDerived { value: Reg, this: Reg },
    /// Throws `r[src]`.
    Throw { src: Reg },
    /// Throws a new `<kind>(message)` where `message` is the String constant `msg` (compiler-known
    /// run-time errors, e.g. `TypeError: Assignment to constant variable.`).
    ThrowError { kind: ErrorKind, msg: Const },
    /// If `r[src]` is not an Object: throws TypeError with the message in String constant `msg`,
    /// where `%s` in the message is replaced by a description of the value.
    ThrowIfNotObject { src: Reg, msg: Const },
    /// If `r[src]` is undefined or null: throws TypeError `Cannot destructure '<v>' as it is
    /// undefined.` (or `null`).
    CheckObjectCoercible { src: Reg },

    // ----------------------------------------------------------------------------------------
    // Iteration
    // ----------------------------------------------------------------------------------------
    /// GetIterator(r[src], sync): `r[dst] =` the iterator object, `r[dst+1] =` its `next` method.
    /// TypeError `<x> is not iterable` (also if `Symbol.iterator` returns a non-object:
    /// `Result of the Symbol.iterator method is not an object`). Calls.
    GetIterator { dst: Reg, src: Reg },
    /// GetIterator(r[src], async): like `GetIterator` but uses `Symbol.asyncIterator`, falling back to
    /// CreateAsyncFromSyncIterator over the sync iterator. TypeError `<x> is not async iterable`.
    GetAsyncIterator { dst: Reg, src: Reg },
    /// `r[dst] = r[iter+1].call(r[iter])`: calls the iterator's cached `next` method (Calls). The result
    /// is checked by `IteratorResultDone`.
    IteratorNext { dst: Reg, iter: Reg },
    /// IteratorComplete: if `r[result]` is not an Object throws TypeError `Iterator result <x> is not
    /// an object`; `r[dst] = ToBoolean(r[result].done)`.
    IteratorResultDone { dst: Reg, result: Reg },
    /// IteratorValue: `r[dst] = r[result].value`.
    IteratorResultValue { dst: Reg, result: Reg },
    /// for-in: `r[dst] =` an internal iterator over the enumerable string keys of `r[obj]` and its
    /// prototype chain (EnumerateObjectProperties: own keys first in property order, shadowed and
    /// already-visited keys skipped, keys deleted before being reached skipped). undefined/null give
    /// an empty iteration.
    ForInPrepare { dst: Reg, obj: Reg },
    /// for-in step: `r[dst] =` the next key (a String) of the iterator `r[iter]`, or undefined when done.
    ForInNext { dst: Reg, iter: Reg },

    // ----------------------------------------------------------------------------------------
    // Generators and async functions. The VM saves and restores the whole frame (registers, pc,
    // current env) on suspension; no Rust recursion is involved.
    // ----------------------------------------------------------------------------------------
    /// First instruction executed after parameter initialisation in a generator (and async
    /// generator) function: the VM, which created the generator object when the function was called,
    /// suspends the frame here and returns the generator object to the caller. The first `next(v)`
    /// resumes after this instruction (v is ignored); `return(v)` before start completes the generator
    /// without running code; `throw(e)` before start completes it and throws e.
    InitialYield,
    /// Suspends the generator, producing `r[src]` to the resumer: sync generators return
    /// `{ value: r[src], done: false }` from `next`; async generators resolve the pending request with
    /// that result (the compiler has already `Await`ed the value). On resumption:
    /// `next(v)` writes `r[dst] = v`, `r[dst+1] = false`; `return(v)` writes `r[dst] = v`,
    /// `r[dst+1] = true` (the compiler then performs a `return` through the enclosing `finally`
    /// blocks); `throw(e)` throws `e` at this instruction (so enclosing handlers run).
    Yield { dst: Reg, src: Reg },
    /// Like `Yield` but `r[src]` is already an iterator result object, returned to the resumer as is
    /// (sync `yield*`, which forwards the inner iterator's results without re-wrapping).
    YieldRaw { dst: Reg, src: Reg },
    /// Await(r[src]): suspends the frame until the promise resolved from `r[src]` settles; on
    /// fulfilment `r[dst] =` the value; on rejection the reason is thrown at this instruction.
    /// Valid in async functions, async generators and async module bodies.
    Await { dst: Reg, src: Reg },
}

const _: () = assert!(std::mem::size_of::<Instr>() <= 8);

impl Instr {
    /// The jump offset of a branch instruction, if this is one.
    pub fn jump_offset(&self) -> Option<i32> {
        match *self {
            Instr::Jump { offset }
            | Instr::JumpIfTrue { offset, .. }
            | Instr::JumpIfFalse { offset, .. }
            | Instr::JumpIfNullish { offset, .. }
            | Instr::JumpIfNotNullish { offset, .. }
            | Instr::JumpIfUndefined { offset, .. }
            | Instr::JumpIfNotUndefined { offset, .. } => Some(offset.0),
            Instr::JumpIfLt { offset, .. }
            | Instr::JumpIfLtEq { offset, .. }
            | Instr::JumpIfGt { offset, .. }
            | Instr::JumpIfGtEq { offset, .. }
            | Instr::JumpIfStrictEq { offset, .. }
            | Instr::JumpIfStrictNotEq { offset, .. }
            | Instr::JumpIfNotLt { offset, .. }
            | Instr::JumpIfNotLtEq { offset, .. }
            | Instr::JumpIfNotGt { offset, .. }
            | Instr::JumpIfNotGtEq { offset, .. } => Some(i32::from(offset.0)),
            _ => None,
        }
    }

    /// Rewrites the offset of a branch instruction (used by the compiler to patch forward jumps).
    /// Returns false if this is not a branch or the offset does not fit.
    pub fn set_jump_offset(&mut self, new: i32) -> bool {
        match self {
            Instr::Jump { offset }
            | Instr::JumpIfTrue { offset, .. }
            | Instr::JumpIfFalse { offset, .. }
            | Instr::JumpIfNullish { offset, .. }
            | Instr::JumpIfNotNullish { offset, .. }
            | Instr::JumpIfUndefined { offset, .. }
            | Instr::JumpIfNotUndefined { offset, .. } => {
                *offset = Jump(new);
                true
            }
            Instr::JumpIfLt { offset, .. }
            | Instr::JumpIfLtEq { offset, .. }
            | Instr::JumpIfGt { offset, .. }
            | Instr::JumpIfGtEq { offset, .. }
            | Instr::JumpIfStrictEq { offset, .. }
            | Instr::JumpIfStrictNotEq { offset, .. }
            | Instr::JumpIfNotLt { offset, .. }
            | Instr::JumpIfNotLtEq { offset, .. }
            | Instr::JumpIfNotGt { offset, .. }
            | Instr::JumpIfNotGtEq { offset, .. } => match i16::try_from(new) {
                Ok(v) => {
                    *offset = ShortJump(v);
                    true
                }
                Err(_) => false,
            },
            _ => false,
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Reg(r) => write!(f, "r{}", r.0),
            Operand::Const(c) => write!(f, "k{}", c.0),
            Operand::Ic(i) => write!(f, "ic{}", i.0),
            Operand::Func(x) => write!(f, "fn{}", x.0),
            Operand::Jump(o) => write!(f, "{o:+}"),
            Operand::Count(n) => write!(f, "{n}"),
            Operand::Imm(n) => write!(f, "#{n}"),
            Operand::ErrorKind(k) => write!(f, "{}", k.name()),
        }
    }
}

impl fmt::Display for Instr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        for (i, (_, op)) in self.operands().iter().enumerate() {
            write!(f, "{}{}", if i == 0 { " " } else { ", " }, op)?;
        }
        Ok(())
    }
}
