//! What the fuzz targets run, kept out of the `fuzz_target!` bodies so that a crash input can be
//! replayed by an ordinary program too (see docs/robustness.md).
//!
//! * [`check`]: lex, parse and compile one file, as `skiff check` does (on the calling thread,
//!   like the CLI's main thread).
//! * [`run`]: parse, compile and run a module in a fresh VM with the runtime's built-in modules,
//!   on a large-stack thread as `skiff run` does, under a wall-clock budget: a watchdog thread
//!   terminates the instance through its attention flag (the same way `--timeout` does).
//! * [`clone_program`] + [`clone_round_trip`]: a script built from the fuzz bytes makes a value
//!   graph; it is serialized, deserialized into a second VM, serialized again there, and the
//!   two messages must be the same.

use skiff_diagnostics::{has_errors, FileId, SourceFile};
use skiff_runtime::clone;
use skiff_vm::event_loop::LoopSender;
use skiff_vm::vm::{attention, TERMINATION};
use skiff_vm::{Host, Value, Vm};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// Throws script output away (the fuzzer would drown in it).
pub struct NullHost;

impl Host for NullHost {
    fn write_stdout(&mut self, _s: &str) {}
    fn write_stderr(&mut self, _s: &str) {}
}

/// Lexes, parses and (when the parse has no errors) compiles `text`, as `skiff check` does.
pub fn check(text: &str) {
    let _ = skiff_parser::is_incomplete(text);
    let parsed = skiff_parser::parse_module(text, FileId(0));
    // Every diagnostic must point into the text.
    for d in &parsed.diagnostics {
        assert!(
            d.span.start <= d.span.end && d.span.end as usize <= text.len(),
            "diagnostic {} out of range: {:?} (text is {} bytes)",
            d.code,
            d.span,
            text.len()
        );
    }
    if !has_errors(&parsed.diagnostics) {
        let file = SourceFile::new(FileId(0), "fuzz.ets", text);
        let _ = skiff_compiler::compile_module(&parsed.program, &file);
    }
}

/// The instance the watchdog may have to stop.
struct Watched {
    attention: Arc<AtomicU32>,
    sender: LoopSender,
    deadline: Instant,
}

static WATCHED: Mutex<Option<Watched>> = Mutex::new(None);
static WATCHDOG: Once = Once::new();

fn watch(vm: &Vm, budget: Duration) {
    WATCHDOG.call_once(|| {
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_millis(5));
            let mut w = WATCHED.lock().unwrap_or_else(|p| p.into_inner());
            if w.as_ref().is_some_and(|w| Instant::now() >= w.deadline) {
                if let Some(w) = w.take() {
                    w.attention.fetch_or(attention::TERMINATE, Ordering::SeqCst);
                    // Wakes an event loop that waits for a timer or a message.
                    w.sender.post(Box::new(|vm: &mut Vm| {
                        vm.terminating = true;
                        Err(TERMINATION)
                    }));
                }
            }
        });
    });
    *WATCHED.lock().unwrap_or_else(|p| p.into_inner()) = Some(Watched {
        attention: vm.attention.clone(),
        sender: vm.event_loop.sender(),
        deadline: Instant::now() + budget,
    });
}

fn unwatch() {
    *WATCHED.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// How a [`run`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not valid source: parse or compile diagnostics.
    Rejected,
    Completed,
    /// An uncaught error (its rendering was computed, to exercise `inspect`).
    Threw,
    /// A load error (an import that cannot be resolved).
    LoadFailed,
}

/// Parses, compiles and runs `text` as a module under a wall-clock `budget`, on a thread with
/// the CLI's stack size, with output discarded.
pub fn run(text: &str, budget: Duration) -> Outcome {
    let text = text.to_owned();
    skiff_vm::with_large_stack(move || run_here(&text, budget)).expect("thread starts")
}

fn run_here(text: &str, budget: Duration) -> Outcome {
    let parsed = skiff_parser::parse_module(text, FileId(0));
    if has_errors(&parsed.diagnostics) {
        return Outcome::Rejected;
    }
    let file = SourceFile::new(FileId(0), "fuzz.ets", text);
    let compiled = skiff_compiler::compile_module(&parsed.program, &file);
    drop(parsed);
    let Some(module) = compiled.module else {
        return Outcome::Rejected;
    };
    let mut vm = Vm::with_host(Box::new(NullHost));
    skiff_runtime::register_builtins(&mut vm);
    watch(&vm, budget);
    let result = vm.run_compiled(module);
    unwatch();
    match result {
        Ok(()) => Outcome::Completed,
        Err(skiff_vm::module::RunError::Uncaught(e)) => {
            if e != TERMINATION {
                let _ = vm.format_uncaught(e);
            }
            Outcome::Threw
        }
        Err(skiff_vm::module::RunError::Load(_)) => Outcome::LoadFailed,
    }
}

/// Reads the fuzz bytes one at a time; zeros when they run out.
struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn below(&mut self, n: u8) -> u8 {
        self.next() % n
    }
}

/// Builds the script of a clone round trip from fuzz bytes. The script stores the value to
/// clone in `globalThis.root`; objects are also kept in `o` so that later parts of the graph
/// (and the closing statements, which make cycles) can refer to them.
pub fn clone_program(data: &[u8]) -> String {
    let mut b = Bytes { data, pos: 0 };
    let mut g = Gen {
        objects: 0,
        budget: 200,
    };
    let root = g.value(&mut b, 0);
    let mut s = String::from("const o: Object[] = [];\n");
    s.push_str(&format!("globalThis.root = {root};\n"));
    // Cycles and sharing: link objects made above.
    let mut links = 0;
    while !b.done() && g.objects > 0 && links < 32 {
        let from = b.next() as usize % g.objects;
        let to = b.next() as usize % g.objects;
        let key = KEYS[b.below(KEYS.len() as u8) as usize];
        s.push_str(&match b.below(3) {
            0 => format!("try {{ (o[{from}] as any)[{key:?}] = o[{to}]; }} catch (e) {{}}\n"),
            1 => format!(
                "if (o[{from}] instanceof Map) (o[{from}] as any).set(o[{to}], o[{from}]);\n"
            ),
            _ => format!(
                "if (o[{from}] instanceof Set) (o[{from}] as any).add(o[{to}]);\n\
                 else if (Array.isArray(o[{from}])) (o[{from}] as any).push(o[{to}]);\n"
            ),
        });
        links += 1;
    }
    s
}

const KEYS: &[&str] = &[
    "a",
    "b",
    "0",
    "1",
    "length",
    "__proto__",
    "constructor",
    "4294967295",
    "-1",
    "1e3",
    "",
    "\u{1F600}",
    "toString",
    "stack",
    "message",
    "name",
];

struct Gen {
    objects: usize,
    budget: usize,
}

impl Gen {
    /// Wraps an object expression so that it is remembered in `o`.
    fn obj(&mut self, expr: String) -> String {
        let n = self.objects;
        self.objects += 1;
        format!("(o[{n}] = {expr})")
    }

    fn number(&mut self, b: &mut Bytes) -> String {
        match b.below(12) {
            0 => "0".into(),
            1 => "-0".into(),
            2 => "NaN".into(),
            3 => "Infinity".into(),
            4 => "-Infinity".into(),
            5 => "1.5".into(),
            6 => "9007199254740993".into(),
            7 => "-1e308".into(),
            8 => "5e-324".into(),
            9 => "4294967295".into(),
            _ => format!("{}", b.next() as i32 - 128),
        }
    }

    fn string(&mut self, b: &mut Bytes) -> String {
        let len = b.below(8);
        let mut s = String::from("'");
        for _ in 0..len {
            let u = match b.below(4) {
                0 => 0xD800 + b.next() as u32, // lone surrogates
                1 => 0xDC00 + b.next() as u32,
                2 => b.next() as u32 * 0x101, // anywhere in the BMP
                _ => 0x20 + (b.next() % 0x5F) as u32, // printable ASCII
            };
            s.push_str(&format!("\\u{u:04X}"));
        }
        s.push('\'');
        s
    }

    fn key(&mut self, b: &mut Bytes) -> String {
        format!("{:?}", KEYS[b.below(KEYS.len() as u8) as usize])
    }

    fn values(&mut self, b: &mut Bytes, depth: usize, holes: bool) -> String {
        let n = b.below(5);
        let mut items = Vec::new();
        for _ in 0..n {
            if holes && b.below(5) == 0 {
                items.push(String::new());
            } else {
                items.push(self.value(b, depth + 1));
            }
        }
        let mut s = items.join(", ");
        if items.last().is_some_and(|i| i.is_empty()) {
            s.push(',');
        }
        s
    }

    fn value(&mut self, b: &mut Bytes, depth: usize) -> String {
        if self.budget == 0 || depth > 12 {
            return self.number(b);
        }
        self.budget -= 1;
        match b.below(24) {
            0 | 1 => self.number(b),
            2 | 3 => self.string(b),
            4 => ["true", "false", "null", "undefined"][b.below(4) as usize].into(),
            5 => format!("{}n", (b.next() as i64 - 128) * 0x7FFF_FFFF_FFFF),
            6 | 7 => {
                let items = self.values(b, depth, true);
                self.obj(format!("[{items}]"))
            }
            8 | 9 => {
                let n = b.below(5);
                let mut props = Vec::new();
                for _ in 0..n {
                    let k = self.key(b);
                    let v = self.value(b, depth + 1);
                    props.push(format!("{k}: {v}"));
                }
                self.obj(format!("{{ {} }}", props.join(", ")))
            }
            10 => {
                let n = b.below(4);
                let mut pairs = Vec::new();
                for _ in 0..n {
                    let k = self.value(b, depth + 1);
                    let v = self.value(b, depth + 1);
                    pairs.push(format!("[{k}, {v}]"));
                }
                self.obj(format!("new Map<any, any>([{}])", pairs.join(", ")))
            }
            11 => {
                let items = self.values(b, depth, false);
                self.obj(format!("new Set<any>([{items}])"))
            }
            12 => {
                let n = self.number(b);
                self.obj(format!("new Date({n} * 1e9)"))
            }
            13 => {
                let src = self.string(b);
                let flags = ["", "g", "gimsuy", "y", "u", "v", "d"][b.below(7) as usize];
                self.obj(format!(
                    "(() => {{ try {{ return new RegExp({src}, '{flags}'); }} catch (e) {{ return /x/; }} }})()"
                ))
            }
            14 => {
                let ctor = [
                    "Error",
                    "TypeError",
                    "RangeError",
                    "SyntaxError",
                    "ReferenceError",
                    "EvalError",
                    "URIError",
                ][b.below(7) as usize];
                let msg = self.string(b);
                let extra = self.value(b, depth + 1);
                self.obj(format!(
                    "Object.assign(new {ctor}({msg}), {{ code: {extra} }})"
                ))
            }
            15 => {
                let ctor = [
                    "Uint8Array",
                    "Int8Array",
                    "Uint8ClampedArray",
                    "Int16Array",
                    "Uint16Array",
                    "Int32Array",
                    "Uint32Array",
                    "Float32Array",
                    "Float64Array",
                    "BigInt64Array",
                    "BigUint64Array",
                ][b.below(11) as usize];
                let len = b.below(16);
                let start = b.below(len + 1);
                let fill = if ctor.starts_with("Big") { "1n" } else { "7" };
                let arr = self.obj(format!("new {ctor}({len}).fill({fill} as any)"));
                if b.below(2) == 0 {
                    self.obj(format!("{arr}.subarray({start})"))
                } else {
                    arr
                }
            }
            16 => {
                let len = b.below(32);
                let off = b.below(len + 1);
                let buf = self.obj(format!("new ArrayBuffer({len})"));
                if b.below(2) == 0 {
                    self.obj(format!("new DataView({buf}, {off})"))
                } else {
                    buf
                }
            }
            17 => {
                let p = match b.below(4) {
                    0 => self.number(b),
                    1 => self.string(b),
                    2 => "true".into(),
                    _ => "12345678901234567890n".into(),
                };
                self.obj(format!("Object({p})"))
            }
            18 if self.objects > 0 => format!("o[{}]", b.next() as usize % self.objects),
            19 => {
                let items = self.values(b, depth, true);
                let k = self.key(b);
                let v = self.value(b, depth + 1);
                self.obj(format!("Object.assign([{items}], {{ {k}: {v} }})"))
            }
            20 => {
                let at = [0usize, 5, 1000, 100_000][b.below(4) as usize];
                let v = self.value(b, depth + 1);
                self.obj(format!(
                    "(() => {{ const a: any[] = []; a[{at}] = {v}; return a; }})()"
                ))
            }
            21 => {
                let v = self.value(b, depth + 1);
                self.obj(format!(
                    "new (class C {{ x: any = {v}; m(): number {{ return 1; }} }})()"
                ))
            }
            22 => match b.below(4) {
                // Not cloneable, or a getter that throws: the round trip is refused.
                0 => "(() => 1)".into(),
                1 => "Symbol('s')".into(),
                2 => self.obj("{ get g(): number { throw new Error('getter'); } }".into()),
                _ => self.obj("new WeakMap<object, number>()".into()),
            },
            _ => {
                // A getter is read like a data property.
                let v = self.number(b);
                self.obj(format!("{{ get g(): number {{ return {v}; }} }}"))
            }
        }
    }
}

/// How a clone round trip ended.
#[derive(Debug, PartialEq, Eq)]
pub enum CloneOutcome {
    /// The script did not compile or threw before making the value.
    NoValue,
    /// The value is not cloneable (a `CloneError`, or a getter threw).
    Refused,
    RoundTripped,
}

/// Runs `script` (from [`clone_program`]) and clones `globalThis.root` into a second VM and
/// back; panics when the two messages differ.
pub fn clone_round_trip(script: &str) -> CloneOutcome {
    let script = script.to_owned();
    skiff_vm::with_large_stack(move || clone_here(&script)).expect("thread starts")
}

fn clone_here(script: &str) -> CloneOutcome {
    let parsed = skiff_parser::parse_module(script, FileId(0));
    if has_errors(&parsed.diagnostics) {
        return CloneOutcome::NoValue;
    }
    let file = SourceFile::new(FileId(0), "clone.ets", script);
    let Some(module) = skiff_compiler::compile_module(&parsed.program, &file).module else {
        return CloneOutcome::NoValue;
    };
    let mut a = Vm::with_host(Box::new(NullHost));
    watch(&a, Duration::from_secs(2));
    let ran = a.run_compiled(module);
    unwatch();
    if ran.is_err() {
        return CloneOutcome::NoValue;
    }
    let global = Value::object(a.realm.global);
    let Ok(root) = a.get_str(global, "root") else {
        return CloneOutcome::NoValue;
    };
    let first = match clone::serialize(&mut a, root, &[]) {
        Ok(Ok(m)) => m,
        Ok(Err(_)) | Err(_) => return CloneOutcome::Refused,
    };
    let first_text = format!("{first:?}");
    let mut b = Vm::with_host(Box::new(NullHost));
    let copy = clone::deserialize(&mut b, first).expect("a message deserializes");
    let second = match clone::serialize(&mut b, copy, &[]) {
        Ok(Ok(m)) => m,
        Ok(Err(_)) => panic!("the copy threw while being serialized again"),
        Err(e) => panic!("the copy is not cloneable: {e:?}\n{first_text}"),
    };
    let second_text = format!("{second:?}");
    assert_eq!(first_text, second_text, "a round trip changed the value");
    CloneOutcome::RoundTripped
}
