//! Value formatting in the style of node's `util.inspect` (used by `console.log`).
//!
//! Inspection never runs script code (getters are shown as `[Getter]`), so it cannot trigger
//! a garbage collection or an exception. The layout rules follow node v20: entries on one
//! line when they fit in 80 columns (`isBelowBreakLength`), arrays of more than six short
//! items grouped in columns (`groupArrayElements`), depth limit 2, `[Circular *n]` markers.

use crate::atom::{names, PropKey};
use crate::object::{GenState, IterState, ObjectKind, PromiseState};
use crate::shape::{ATTR_ACCESSOR, ATTR_ENUMERABLE};
use crate::string::JsStr;
use crate::value::{Kind, ObjRef, Value};
use crate::vm::Vm;
use skiff_bytecode::FunctionFlags as FF;

const BREAK_LENGTH: usize = 80;

/// The entries a Map/Set iterator has still to produce, its kind, and whether it is a Map's.
type IterRemaining = (Vec<(Value, Value)>, u8, bool);
const MAX_ARRAY: usize = 100;

pub struct Options {
    pub depth: usize,
    /// Colour the output with ANSI escapes the way node's REPL does (`util.inspect` with
    /// `colors: true`): line breaking ignores the escapes.
    pub colors: bool,
}

/// node's `inspect.styles`, as (open, close) SGR codes.
#[derive(Copy, Clone)]
enum Style {
    Special,
    Number,
    Undefined,
    Null,
    Str,
    Date,
    RegExp,
}

impl Style {
    fn codes(self) -> (u8, u8) {
        match self {
            Style::Special => (36, 39),
            Style::Number => (33, 39),
            Style::Undefined => (90, 39),
            Style::Null => (1, 22),
            Style::Str => (32, 39),
            Style::Date => (35, 39),
            Style::RegExp => (31, 39),
        }
    }
}

/// `text` in `style` when colours are on.
fn stylize(ctx: &Ctx, text: String, style: Style) -> String {
    if !ctx.colors {
        return text;
    }
    let (open, close) = style.codes();
    format!("\x1b[{open}m{text}\x1b[{close}m")
}

/// The width of `s` on screen: characters, not counting ANSI escape sequences.
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

impl Default for Options {
    fn default() -> Self {
        Options {
            depth: 2,
            colors: false,
        }
    }
}

struct Ctx<'a> {
    vm: &'a Vm,
    seen: Vec<ObjRef>,
    circular: Vec<ObjRef>,
    /// Shared objects being formatted (cycle detection).
    shared_seen: Vec<u32>,
    /// Objects whose `<ref *n>` marker is already part of their base text.
    ref_applied: Vec<ObjRef>,
    /// Set just before `reduce` when `base` is a constructor-name prefix.
    base_is_prefix: bool,
    indentation: usize,
    current_depth: usize,
    depth: usize,
    colors: bool,
}

/// Formats a value like `util.inspect(v)`.
pub fn inspect(vm: &Vm, v: Value) -> String {
    inspect_with(vm, v, &Options::default())
}

pub fn inspect_with(vm: &Vm, v: Value, opts: &Options) -> String {
    let mut ctx = Ctx {
        vm,
        seen: Vec::new(),
        circular: Vec::new(),
        shared_seen: Vec::new(),
        ref_applied: Vec::new(),
        base_is_prefix: false,
        indentation: 0,
        current_depth: 0,
        depth: opts.depth,
        colors: opts.colors,
    };
    format_value(&mut ctx, v, 0, false)
}

/// Text for an uncaught exception: the stack for errors, else the inspected value.
pub fn error_to_text(vm: &Vm, e: Value) -> String {
    inspect(vm, e)
}

/// Quotes a string as node does: single quotes unless the text contains them.
pub fn quote_str(s: &str) -> String {
    let q = if !s.contains('\'') {
        '\''
    } else if !s.contains('"') {
        '"'
    } else if !s.contains('`') && !s.contains("${") {
        '`'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            '\\' => out.push_str("\\\\"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// Quotes a JS string; lone surrogates are written as `\uXXXX` escapes as node does.
pub fn quote_js(s: &JsStr) -> String {
    if let Some(a) = s.as_ascii() {
        return quote_str(a);
    }
    let units = s.units();
    if !units.iter().any(|u| (0xD800..0xE000).contains(u)) {
        return quote_str(&s.to_rust_string());
    }
    // Build with a private-use placeholder per lone surrogate, then substitute the escapes.
    let mut text = String::new();
    let mut escapes = Vec::new();
    for r in char::decode_utf16(units.iter().copied()) {
        match r {
            Ok(c) => text.push(c),
            Err(e) => {
                escapes.push(format!("\\u{:04x}", e.unpaired_surrogate()));
                text.push('\u{F8FF}');
            }
        }
    }
    let quoted = quote_str(&text);
    let mut out = String::with_capacity(quoted.len());
    let mut it = escapes.into_iter();
    for c in quoted.chars() {
        if c == '\u{F8FF}' {
            out.push_str(&it.next().unwrap_or_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    match cs.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn number_text(n: f64) -> String {
    if n == 0.0 && n.is_sign_negative() {
        "-0".into()
    } else {
        crate::conv::number_to_string(n).to_rust_string()
    }
}

fn symbol_text(vm: &Vm, v: Value) -> String {
    let s = v.as_symbol().and_then(|s| vm.symbols.get(s.0 as usize));
    match s.and_then(|d| d.description.clone()) {
        Some(d) => format!("Symbol({})", d),
        None => "Symbol()".into(),
    }
}

fn format_primitive(ctx: &Ctx, v: Value, top: bool) -> Option<String> {
    let (text, style) = match v.kind() {
        Kind::Undefined | Kind::Hole => ("undefined".into(), Style::Undefined),
        Kind::Null => ("null".into(), Style::Null),
        Kind::Bool => ((v == Value::TRUE).to_string(), Style::Number),
        Kind::Number => (number_text(v.num()), Style::Number),
        Kind::String => {
            let js = ctx.vm.js_str(v);
            if top {
                return Some(js.to_rust_string());
            }
            (quote_js(&js), Style::Str)
        }
        Kind::Symbol => (symbol_text(ctx.vm, v), Style::Str),
        Kind::BigInt => (format!("{}n", ctx.vm.to_display_string(v)), Style::Number),
        Kind::Shared => ("[Sendable]".into(), Style::Special),
        Kind::Object => return None,
    };
    Some(stylize(ctx, text, style))
}

fn key_text(ctx: &Ctx, k: PropKey) -> String {
    match k {
        PropKey::Index(i) => format!("'{i}'"),
        PropKey::Str(a) => {
            let s = a.name().to_rust_string();
            if is_identifier(&s) {
                s
            } else {
                quote_str(&s)
            }
        }
        PropKey::Sym(s) => format!("[{}]", symbol_text(ctx.vm, Value::symbol(s))),
    }
}

fn own_string(vm: &Vm, o: ObjRef, key: PropKey) -> Option<String> {
    let p = vm.heap.obj(o).get_own(key)?;
    if p.attrs & ATTR_ACCESSOR != 0 {
        return None;
    }
    p.value.as_string().map(|s| vm.heap.str(s).to_rust_string())
}

/// The constructor name found along the prototype chain (node's getConstructorName).
fn constructor_name(vm: &Vm, o: ObjRef) -> Option<String> {
    let mut cur = Some(o);
    let mut first = true;
    while let Some(c) = cur {
        let obj = vm.heap.obj(c);
        if let Some(p) = obj.get_own(PropKey::Str(names::get().constructor)) {
            if p.attrs & ATTR_ACCESSOR == 0 {
                if let Some(f) = p.value.as_object() {
                    if let Some(n) = own_string(vm, f, PropKey::Str(names::get().name)) {
                        if !n.is_empty() {
                            let _ = first;
                            return Some(n);
                        }
                    }
                }
            }
        }
        first = false;
        cur = obj.proto;
    }
    None
}

fn function_base(ctx: &Ctx, o: ObjRef) -> String {
    let text = function_text(ctx, o);
    stylize(ctx, text, Style::Special)
}

fn function_text(ctx: &Ctx, o: ObjRef) -> String {
    let vm = ctx.vm;
    let obj = vm.heap.obj(o);
    let name = own_string(vm, o, PropKey::Str(names::get().name)).unwrap_or_default();
    if let ObjectKind::Closure(c) = &obj.kind {
        if c.has(FF::CLASS_CONSTRUCTOR) {
            let mut s = if name.is_empty() {
                "[class (anonymous)".to_string()
            } else {
                format!("[class {name}")
            };
            if c.has(FF::DERIVED) {
                if let Some(p) = obj.proto {
                    let pn = own_string(vm, p, PropKey::Str(names::get().name)).unwrap_or_default();
                    if !pn.is_empty() {
                        s.push_str(&format!(" extends {pn}"));
                    }
                }
            }
            s.push(']');
            return s;
        }
        let kind = match (c.has(FF::ASYNC), c.has(FF::GENERATOR)) {
            (true, true) => "AsyncGeneratorFunction",
            (true, false) => "AsyncFunction",
            (false, true) => "GeneratorFunction",
            _ => "Function",
        };
        return if name.is_empty() {
            format!("[{kind} (anonymous)]")
        } else {
            format!("[{kind}: {name}]")
        };
    }
    if name.is_empty() {
        "[Function (anonymous)]".into()
    } else {
        format!("[Function: {name}]")
    }
}

fn format_value(ctx: &mut Ctx, v: Value, depth: usize, top: bool) -> String {
    if let Some(slot) = v.as_shared() {
        return format_shared(ctx, slot, depth);
    }
    if let Some(s) = format_primitive(ctx, v, top) {
        return s;
    }
    let Some(o) = v.as_object() else {
        return String::new();
    };
    if !ctx.vm.is_real_object(v) {
        return "[internal]".into();
    }
    if ctx.seen.contains(&o) {
        let idx = match ctx.circular.iter().position(|c| *c == o) {
            Some(i) => i + 1,
            None => {
                ctx.circular.push(o);
                ctx.circular.len()
            }
        };
        return stylize(ctx, format!("[Circular *{idx}]"), Style::Special);
    }
    let mut s = format_raw(ctx, o, depth);
    // Past the depth limit an object is only its bracketed name (`[Object]`, `[Array]`).
    if ctx.colors
        && depth > ctx.depth
        && s.starts_with('[')
        && s.ends_with(']')
        && !s.contains('\n')
    {
        s = stylize(ctx, s, Style::Special);
    }
    if let Some(i) = ctx.circular.iter().position(|c| *c == o) {
        if !ctx.ref_applied.contains(&o) {
            let marker = stylize(ctx, format!("<ref *{}>", i + 1), Style::Special);
            return format!("{marker} {s}");
        }
    }
    s
}

fn format_raw(ctx: &mut Ctx, o: ObjRef, depth: usize) -> String {
    let vm = ctx.vm;
    let obj = vm.heap.obj(o);
    let ctor = constructor_name(vm, o);
    let null_proto = obj.proto.is_none();
    let tag = obj
        .get_own(PropKey::Sym(crate::vm::wk::TO_STRING_TAG))
        .or_else(|| {
            obj.proto.and_then(|p| {
                vm.heap
                    .obj(p)
                    .get_own(PropKey::Sym(crate::vm::wk::TO_STRING_TAG))
            })
        })
        .and_then(|p| p.value.as_string())
        .map(|s| vm.heap.str(s).to_rust_string());
    let prefix_sized = |fallback: &str, size: Option<usize>| -> String {
        let name = ctor.clone().unwrap_or_else(|| {
            if null_proto {
                format!("[{fallback}: null prototype]")
            } else {
                fallback.to_string()
            }
        });
        let sz = size.map(|n| format!("({n})")).unwrap_or_default();
        match &tag {
            Some(t) if !t.is_empty() && *t != name => format!("{name}{sz} [{t}]"),
            _ => format!("{name}{sz}"),
        }
    };
    let prefix = |fallback: &str| prefix_sized(fallback, None);

    // Keys to show (own enumerable, plus symbols), excluding array indices for array-likes.
    let is_array_like = matches!(
        obj.kind,
        ObjectKind::Array
            | ObjectKind::TypedArray { .. }
            | ObjectKind::Arguments
            | ObjectKind::String(_)
    );
    let keys: Vec<PropKey> = vm
        .own_keys(o)
        .into_iter()
        .filter(|k| {
            if is_array_like && matches!(k, PropKey::Index(_)) {
                return false;
            }
            if matches!(obj.kind, ObjectKind::Error(_)) {
                if matches!(k, PropKey::Str(a) if *a == names::get().stack) {
                    return false;
                }
                // node leaves out `name` and `message` when the stack text already shows them.
                if matches!(k, PropKey::Str(a) if *a == names::get().name || *a == names::get().message) {
                    let shown = obj
                        .get_own(*k)
                        .and_then(|p| p.value.as_string())
                        .map(|s| vm.heap.str(s).to_rust_string());
                    let stack = crate::builtins::error::stack_text(vm, o);
                    if shown.is_some_and(|t| stack.contains(&t)) {
                        return false;
                    }
                }
            }
            vm.get_own_property(o, *k)
                .is_some_and(|p| p.attrs & ATTR_ENUMERABLE != 0)
        })
        .collect();

    let mut braces = ("{", "}");
    let mut base = String::new();
    let mut extras_array = false;
    let mut output: Vec<String> = Vec::new();

    // Depth limit (empty containers are printed in full at any depth, as node does).
    let empty = keys.is_empty()
        && match &obj.kind {
            ObjectKind::Array => obj.array_len() == 0,
            ObjectKind::Map(m) | ObjectKind::Set(m) => m.live == 0,
            ObjectKind::TypedArray { length, .. } => *length == 0,
            ObjectKind::Ordinary => true,
            _ => false,
        };
    let too_deep = depth > ctx.depth && !empty;

    match &obj.kind {
        ObjectKind::Array => {
            if too_deep {
                return "[Array]".into();
            }
            let p = prefix("Array");
            if p != "Array" {
                base = format!("{p}({})", obj.array_len());
            }
            braces = ("[", "]");
            extras_array = true;
        }
        ObjectKind::TypedArray { kind, length, .. } => {
            if too_deep {
                return format!("[{}]", kind.name());
            }
            base = format!("{}({})", kind.name(), length);
            braces = ("[", "]");
            extras_array = true;
        }
        ObjectKind::Arguments => {
            if too_deep {
                return "[Arguments]".into();
            }
            braces = ("[Arguments] [", "]");
            extras_array = true;
        }
        ObjectKind::Closure(_) | ObjectKind::Native(_) | ObjectKind::Bound(_) => {
            base = function_base(ctx, o);
            if keys.is_empty() {
                return base;
            }
            if too_deep {
                return base;
            }
        }
        ObjectKind::Error(_) => {
            let stack = crate::builtins::error::stack_text(vm, o);
            let ind = " ".repeat(ctx.indentation);
            base = if ctx.indentation > 0 {
                stack.replace('\n', &format!("\n{ind}"))
            } else {
                stack
            };
            let has_cause = obj.get_own(PropKey::Str(names::get().cause)).is_some();
            if keys.is_empty() && !has_cause {
                return base;
            }
            if too_deep {
                return format!(
                    "[{}]",
                    crate::builtins::error::error_header(vm, Value::object(o))
                );
            }
        }
        ObjectKind::Map(m) => {
            if too_deep {
                return format!("[{}]", prefix("Map"));
            }
            let name = prefix_sized("Map", Some(m.live));
            ctx.seen.push(o);
            ctx.indentation += 2;
            ctx.current_depth = depth;
            let entries: Vec<(Value, Value)> = m.entries.iter().flatten().copied().collect();
            for (k, v) in entries.into_iter().take(MAX_ARRAY) {
                let ks = format_value(ctx, k, depth + 1, false);
                let vs = format_value(ctx, v, depth + 1, false);
                output.push(format!("{ks} => {vs}"));
            }
            if m.live > MAX_ARRAY {
                output.push(more_items(m.live - MAX_ARRAY));
            }
            add_keys(ctx, o, &keys, depth, &mut output);
            ctx.indentation -= 2;
            ctx.seen.pop();
            if output.is_empty() {
                return format!("{name} {{}}");
            }
            let name = with_ref(ctx, o, name);
            ctx.base_is_prefix = true;
            return reduce(ctx, output, &name, braces, false, depth, None);
        }
        ObjectKind::Set(m) => {
            if too_deep {
                return format!("[{}]", prefix("Set"));
            }
            let name = prefix_sized("Set", Some(m.live));
            ctx.seen.push(o);
            ctx.indentation += 2;
            ctx.current_depth = depth;
            let entries: Vec<Value> = m.entries.iter().flatten().map(|(k, _)| *k).collect();
            for k in entries.into_iter().take(MAX_ARRAY) {
                output.push(format_value(ctx, k, depth + 1, false));
            }
            if m.live > MAX_ARRAY {
                output.push(more_items(m.live - MAX_ARRAY));
            }
            add_keys(ctx, o, &keys, depth, &mut output);
            ctx.indentation -= 2;
            ctx.seen.pop();
            if output.is_empty() {
                return format!("{name} {{}}");
            }
            let name = with_ref(ctx, o, name);
            ctx.base_is_prefix = true;
            return reduce(ctx, output, &name, ("{", "}"), false, depth, None);
        }
        ObjectKind::WeakMap(_) => return format!("{} {{ <items unknown> }}", prefix("WeakMap")),
        ObjectKind::WeakSet(_) => return format!("{} {{ <items unknown> }}", prefix("WeakSet")),
        ObjectKind::WeakRef(_) => return format!("{} {{ <target> }}", prefix("WeakRef")),
        ObjectKind::Promise(p) => {
            if too_deep {
                return "[Promise]".into();
            }
            ctx.seen.push(o);
            ctx.indentation += 2;
            ctx.current_depth = depth;
            match p.state {
                PromiseState::Pending => output.push("<pending>".into()),
                PromiseState::Fulfilled => {
                    output.push(format_value(ctx, p.result, depth + 1, false))
                }
                PromiseState::Rejected => {
                    let r = format_value(ctx, p.result, depth + 1, false);
                    output.push(format!("<rejected> {r}"));
                }
            }
            add_keys(ctx, o, &keys, depth, &mut output);
            ctx.indentation -= 2;
            ctx.seen.pop();
            let name = prefix("Promise");
            let name = with_ref(ctx, o, name);
            ctx.base_is_prefix = true;
            return reduce(ctx, output, &name, ("{", "}"), false, depth, None);
        }
        ObjectKind::Date(t) => {
            base = if t.is_nan() {
                "Invalid Date".into()
            } else {
                skiff_jslib::date::to_iso_string(*t).unwrap_or_else(|_| "Invalid Date".into())
            };
            base = stylize(ctx, base, Style::Date);
            if keys.is_empty() {
                return base;
            }
        }
        ObjectKind::RegExp(r) => {
            base = format!(
                "/{}/{}",
                String::from_utf16_lossy(&skiff_jslib::regexp::escape_source(&r.source.units())),
                r.flags
            );
            base = stylize(ctx, base, Style::RegExp);
            if keys.is_empty() {
                return base;
            }
        }
        ObjectKind::Boolean(b) => {
            base = format!("[Boolean: {b}]");
            if keys.is_empty() {
                return base;
            }
        }
        ObjectKind::Number(n) => {
            base = format!("[Number: {}]", number_text(*n));
            if keys.is_empty() {
                return base;
            }
        }
        ObjectKind::String(s) => {
            base = format!("[String: {}]", quote_str(&vm.js_str(*s).to_rust_string()));
            if keys.is_empty() {
                return base;
            }
        }
        ObjectKind::Symbol(s) => {
            base = format!("[Symbol: {}]", symbol_text(vm, Value::symbol(*s)));
            if keys.is_empty() {
                return base;
            }
        }
        ObjectKind::BigInt(b) => {
            base = format!("[BigInt: {}n]", vm.to_display_string(*b));
            if keys.is_empty() {
                return base;
            }
        }
        ObjectKind::ArrayBuffer(b) => {
            let (contents, len) = {
                let bytes = b.borrow();
                let shown: Vec<String> = bytes
                    .iter()
                    .take(MAX_ARRAY)
                    .map(|x| format!("{x:02x}"))
                    .collect();
                let more = if bytes.len() > MAX_ARRAY {
                    format!(
                        " ... {} more byte{}",
                        bytes.len() - MAX_ARRAY,
                        if bytes.len() - MAX_ARRAY == 1 {
                            ""
                        } else {
                            "s"
                        }
                    )
                } else {
                    String::new()
                };
                (
                    format!("[Uint8Contents]: <{}{}>", shown.join(" "), more),
                    bytes.len(),
                )
            };
            let class = if b.is_shared() {
                "SharedArrayBuffer"
            } else {
                "ArrayBuffer"
            };
            if too_deep {
                return format!("[{class}]");
            }
            let out = vec![contents, format!("byteLength: {len}")];
            let name = prefix(class);
            ctx.base_is_prefix = true;
            return reduce(ctx, out, &name, ("{", "}"), false, depth, None);
        }
        ObjectKind::DataView {
            buffer,
            offset,
            length,
        } => {
            if too_deep {
                return "[DataView]".into();
            }
            let (buffer, offset, length) = (*buffer, *offset, *length);
            ctx.seen.push(o);
            ctx.indentation += 2;
            ctx.current_depth = depth;
            let b = format_value(ctx, buffer, depth + 1, false);
            ctx.indentation -= 2;
            ctx.seen.pop();
            let out = vec![
                format!("byteLength: {length}"),
                format!("byteOffset: {offset}"),
                format!("buffer: {b}"),
            ];
            let name = prefix("DataView");
            ctx.base_is_prefix = true;
            return reduce(ctx, out, &name, ("{", "}"), false, depth, None);
        }
        ObjectKind::Generator(g) => {
            let n = if g.is_async && !g.promise.is_object() {
                "AsyncGenerator"
            } else if g.is_async {
                "Promise"
            } else {
                "Generator"
            };
            let _ = GenState::Completed;
            return format!("Object [{n}] {{}}");
        }
        ObjectKind::Iterator(it) => {
            let t = tag.clone().unwrap_or_else(|| "Iterator".into());
            let remaining: Option<IterRemaining> = match &**it {
                IterState::Map {
                    target,
                    index,
                    kind,
                    done,
                }
                | IterState::Set {
                    target,
                    index,
                    kind,
                    done,
                } => {
                    let is_map = matches!(&**it, IterState::Map { .. });
                    match vm.heap.try_obj(*target).map(|t| &t.kind) {
                        Some(ObjectKind::Map(m)) | Some(ObjectKind::Set(m)) if !*done => Some((
                            m.entries.iter().skip(*index).flatten().copied().collect(),
                            *kind,
                            is_map,
                        )),
                        _ => Some((Vec::new(), *kind, is_map)),
                    }
                }
                _ => None,
            };
            let Some((entries, kind, is_map)) = remaining else {
                return format!("Object [{t}] {{}}");
            };
            if too_deep {
                return format!("[{t}]");
            }
            let entries_mode = kind == 2;
            let label = if entries_mode {
                if is_map { "Map Entries" } else { "Set Entries" }.to_string()
            } else {
                t
            };
            ctx.seen.push(o);
            ctx.indentation += 2;
            ctx.current_depth = depth;
            let mut out = Vec::new();
            for (k, v) in entries.into_iter().take(MAX_ARRAY) {
                let s = if entries_mode {
                    let ks = format_value(ctx, k, depth + 2, false);
                    let vs = format_value(ctx, if is_map { v } else { k }, depth + 2, false);
                    format!("[ {ks}, {vs} ]")
                } else if is_map && kind == 1 {
                    format_value(ctx, v, depth + 1, false)
                } else {
                    format_value(ctx, k, depth + 1, false)
                };
                out.push(s);
            }
            ctx.indentation -= 2;
            ctx.seen.pop();
            let open = format!("[{label}] {{");
            if out.is_empty() {
                return format!("{open}}}");
            }
            return reduce(ctx, out, "", (&open, "}"), false, depth, None);
        }
        ObjectKind::Namespace(_) => {
            braces = ("[Module: null prototype] {", "}");
        }
        _ => {
            if too_deep {
                return format!("[{}]", ctor.clone().unwrap_or_else(|| "Object".into()));
            }
            let p = prefix("Object");
            if p != "Object" {
                base = p;
            }
        }
    }
    if too_deep && base.is_empty() {
        return format!("[{}]", ctor.unwrap_or_else(|| "Object".into()));
    }

    ctx.seen.push(o);
    ctx.indentation += 2;
    // node sets its current depth only for objects that have entries to format.
    let saved_depth = ctx.current_depth;
    ctx.current_depth = depth;
    let mut values: Option<Vec<Value>> = None;
    if extras_array {
        let mut bigint_texts: Option<Vec<String>> = None;
        let (len, els, sparse): (usize, Vec<Value>, Vec<(usize, Value)>) = match &obj.kind {
            ObjectKind::TypedArray { length, .. } => {
                let n = (*length).min(MAX_ARRAY);
                let mut v = Vec::with_capacity(n);
                for i in 0..n {
                    v.push(crate::builtins::typed::peek_index(vm, o, i));
                }
                bigint_texts = crate::builtins::typed::peek_bigint_texts(vm, o, n);
                (*length, v, Vec::new())
            }
            _ => {
                let mut sparse: Vec<(usize, Value)> = Vec::new();
                if obj.shape.has_index_keys {
                    for (i, k) in obj.shape.keys.iter().enumerate() {
                        if let PropKey::Index(ix) = k {
                            sparse.push((*ix as usize, obj.slots[i]));
                        }
                    }
                    sparse.sort_by_key(|e| e.0);
                }
                let len = if obj.is_array() {
                    obj.array_len()
                } else {
                    obj.elements.len()
                };
                (len, obj.elements.clone(), sparse)
            }
        };
        let elem_at = |i: usize| -> Option<Value> {
            if let Some(v) = els.get(i) {
                if !v.is_hole() {
                    return Some(*v);
                }
            }
            sparse.iter().find(|e| e.0 == i).map(|e| e.1)
        };
        let next_present = |i: usize| -> usize {
            let mut j = i;
            while j < els.len() && els[j].is_hole() {
                j += 1;
            }
            if j < els.len() {
                return j.min(sparse.iter().map(|e| e.0).find(|&x| x > i).unwrap_or(j));
            }
            sparse
                .iter()
                .map(|e| e.0)
                .find(|&x| x > i)
                .unwrap_or(len)
                .min(len)
        };
        let mut i = 0;
        let mut shown = 0;
        while i < len && shown < MAX_ARRAY {
            if let Some(t) = bigint_texts.as_ref().and_then(|b| b.get(i)) {
                output.push(t.clone());
                i += 1;
                shown += 1;
                continue;
            }
            match elem_at(i) {
                Some(e) => {
                    let text = if vm.heap.accessor(e).0.is_object() && !vm.is_real_object(e) {
                        stylize(ctx, "[Getter]".to_string(), Style::Special)
                    } else {
                        format_value(ctx, e, depth + 1, false)
                    };
                    output.push(text);
                    i += 1;
                }
                None => {
                    let j = next_present(i).max(i + 1);
                    let n = j - i;
                    output.push(format!(
                        "<{} empty item{}>",
                        n,
                        if n == 1 { "" } else { "s" }
                    ));
                    i = j;
                }
            }
            shown += 1;
        }
        if len > i {
            output.push(more_items(len - i));
        }
        values = Some(els);
    } else if let ObjectKind::Error(_) = obj.kind {
        // Error: show own enumerable keys and the cause.
        if let Some(c) = obj.get_own(PropKey::Str(names::get().cause)) {
            if c.attrs & ATTR_ENUMERABLE == 0 {
                let cv = format_value(ctx, c.value, depth + 1, false);
                output.push(format!("[cause]: {cv}"));
            }
        }
    }
    add_keys(ctx, o, &keys, depth, &mut output);
    ctx.indentation -= 2;
    ctx.seen.pop();
    if output.is_empty() {
        ctx.current_depth = saved_depth;
        if !base.is_empty() {
            if extras_array {
                return format!("{base} []");
            }
            if matches!(
                obj.kind,
                ObjectKind::Closure(_)
                    | ObjectKind::Native(_)
                    | ObjectKind::Bound(_)
                    | ObjectKind::Error(_)
            ) {
                return base;
            }
            return format!("{base} {{}}");
        }
        return format!("{}{}", braces.0, braces.1);
    }
    let base = with_ref(ctx, o, base);
    ctx.base_is_prefix = matches!(
        obj.kind,
        ObjectKind::Ordinary | ObjectKind::Array | ObjectKind::TypedArray { .. }
    );
    reduce(
        ctx,
        output,
        &base,
        braces,
        extras_array,
        depth,
        values.as_deref(),
    )
}

/// A shared-heap value. Sendable instances print like class instances (`Point { x: 1 }`,
/// fields in declaration order); other cell kinds as `[Sendable<Kind>]` until the collections
/// give them their own formatting.
fn format_shared(ctx: &mut Ctx, slot: u32, depth: usize) -> String {
    use skiff_shared::{Cell, SharedRef};
    let Some(m) = ctx.vm.sendable.mutator_ref() else {
        return "[Sendable]".into();
    };
    // Instances of Sendable subclasses of the collections print as containers.
    if matches!(m.get(SharedRef(slot)), Some(Cell::Object(o)) if o.native().is_some()) {
        if let Some(s) = format_shared_collection(ctx, slot, depth) {
            return s;
        }
    }
    let (name, entries) = match m.get(SharedRef(slot)) {
        Some(Cell::Object(o)) => {
            let c = o.class();
            let name = if c.name().is_empty() {
                "Object".to_string()
            } else {
                c.name().to_string()
            };
            (name, o.entries())
        }
        Some(Cell::Str(s)) => {
            let js = match s {
                skiff_shared::SharedStr::Ascii(a) => JsStr::Ascii(a.clone()),
                skiff_shared::SharedStr::Wide(w) => JsStr::Wide(w.clone()),
            };
            return quote_js(&js);
        }
        Some(Cell::BigInt(b)) => return format!("{b}n"),
        // A Sendable function prints as the closure this VM has for it, when it has one.
        Some(Cell::Function(_)) if ctx.vm.sendable.functions.contains_key(&slot) => {
            let f = ctx.vm.sendable.functions[&slot];
            return format_value(ctx, f, depth, false);
        }
        Some(c) => {
            let kind = crate::sendable::SharedKind::of(c);
            return format_shared_collection(ctx, slot, depth)
                .unwrap_or_else(|| format!("[Sendable{kind:?}]"));
        }
        None => return "[Sendable]".into(),
    };
    if ctx.shared_seen.contains(&slot) {
        return shared_circular(ctx, slot);
    }
    if entries.is_empty() {
        return format!("{name} {{}}");
    }
    if depth > ctx.depth {
        return format!("[{name}]");
    }
    ctx.shared_seen.push(slot);
    ctx.indentation += 2;
    let saved_depth = ctx.current_depth;
    ctx.current_depth = depth;
    let mut output = Vec::with_capacity(entries.len());
    for (k, w) in entries {
        let key = if is_identifier(&k) {
            k.to_string()
        } else {
            quote_str(&k)
        };
        let text = match w.as_ref() {
            Some(r) => format_shared(ctx, r.0, depth + 1),
            None => format_value(ctx, Value::from_shared_bits(w), depth + 1, false),
        };
        output.push(format!("{key}: {text}"));
    }
    ctx.indentation -= 2;
    ctx.shared_seen.pop();
    let _ = saved_depth;
    let base = with_ref(ctx, shared_cycle_key(slot), name);
    ctx.base_is_prefix = true;
    reduce(ctx, output, &base, ("{", "}"), false, depth, None)
}

/// The key under which a shared object takes part in the `<ref *n>` / `[Circular *n]`
/// numbering shared with local objects (local heap slots never come near `u32::MAX`).
fn shared_cycle_key(slot: u32) -> ObjRef {
    ObjRef(u32::MAX - slot)
}

/// `[Circular *n]` for a shared object already being formatted.
fn shared_circular(ctx: &mut Ctx, slot: u32) -> String {
    let o = shared_cycle_key(slot);
    let idx = match ctx.circular.iter().position(|c| *c == o) {
        Some(i) => i + 1,
        None => {
            ctx.circular.push(o);
            ctx.circular.len()
        }
    };
    format!("[Circular *{idx}]")
}

/// An `@arkts.collections` container, formatted as node formats a subclass of the matching JS
/// container named after the runtime's constructor: `SendableArray(3) [ 1, 2, 3 ]`,
/// `SendableMap(1) { 'a' => 1 }`, `SendableSet(2) { 1, 2 }`, `SendableInt8Array(2) [ 1, 2 ]`,
/// `SendableArrayBuffer { [Uint8Contents]: <01 02>, byteLength: 2 }`, and (no JS equivalent)
/// `BitVector(3) [ 0, 1, 0 ]`. `None` for other cells, or when a writer holds the container.
/// (Owned by the collections builtins, `builtins/sendable_collections`.)
fn format_shared_collection(ctx: &mut Ctx, slot: u32, depth: usize) -> Option<String> {
    use skiff_shared::{Cell, Element, SharedRef, SharedWord};
    enum C {
        Array(Vec<SharedWord>),
        Map(Vec<(SharedWord, SharedWord)>),
        Set(Vec<SharedWord>),
        Buffer(Vec<u8>),
        Typed(&'static str, Vec<Element>),
        Bits(Vec<bool>),
    }
    use skiff_shared::Native;
    let vm = ctx.vm;
    let m = vm.sendable.mutator_ref()?;
    // A Sendable subclass instance: its class name and its fields besides the container.
    let mut subclass: Option<(String, Vec<(String, SharedWord)>)> = None;
    let c = match m.get(SharedRef(slot))? {
        Cell::Array(a) => C::Array(a.snapshot().ok()?),
        Cell::Map(x) => C::Map(x.entries().ok()?),
        Cell::Set(x) => C::Set(x.values().ok()?),
        Cell::ArrayBuffer(b) => C::Buffer(b.to_vec().ok()?),
        Cell::TypedArray(t) => C::Typed(t.kind().constructor_name(), t.elements().ok()?),
        Cell::BitVector(b) => C::Bits(b.to_vec().ok()?),
        Cell::Object(o) => {
            let c = match o.native()? {
                Native::Array(a) => C::Array(a.snapshot().ok()?),
                Native::Map(x) => C::Map(x.entries().ok()?),
                Native::Set(x) => C::Set(x.values().ok()?),
                Native::BitVector(b) => C::Bits(b.to_vec().ok()?),
            };
            let fields = o
                .entries()
                .into_iter()
                .map(|(k, w)| (k.to_string(), w))
                .collect();
            subclass = Some((o.class().name().to_string(), fields));
            c
        }
        _ => return None,
    };
    let (name, len) = match &c {
        C::Array(v) | C::Set(v) => (
            if matches!(c, C::Array(_)) {
                "SendableArray"
            } else {
                "SendableSet"
            },
            v.len(),
        ),
        C::Map(v) => ("SendableMap", v.len()),
        C::Buffer(v) => ("SendableArrayBuffer", v.len()),
        C::Typed(n, v) => (*n, v.len()),
        C::Bits(v) => ("BitVector", v.len()),
    };
    if let C::Buffer(bytes) = &c {
        if depth > ctx.depth {
            return Some(format!("[{name}]"));
        }
        let shown: Vec<String> = bytes
            .iter()
            .take(MAX_ARRAY)
            .map(|b| format!("{b:02x}"))
            .collect();
        let more = match bytes.len().saturating_sub(MAX_ARRAY) {
            0 => String::new(),
            1 => " ... 1 more byte".into(),
            n => format!(" ... {n} more bytes"),
        };
        let out = vec![
            format!("[Uint8Contents]: <{}{}>", shown.join(" "), more),
            format!("byteLength: {len}"),
        ];
        ctx.base_is_prefix = true;
        return Some(reduce(ctx, out, name, ("{", "}"), false, depth, None));
    }
    // node's prefix for a subclass: `Name(len) [Tag]` when the tag differs from the name
    // (SendableArray has no toStringTag).
    let (base, fields) = match subclass {
        Some((class, fields)) => {
            let tag = match c {
                C::Array(_) => String::new(),
                _ => format!(" [{name}]"),
            };
            (format!("{class}({len}){tag}"), fields)
        }
        None => (format!("{name}({len})"), Vec::new()),
    };
    let braces = match c {
        C::Map(_) | C::Set(_) => ("{", "}"),
        _ => ("[", "]"),
    };
    if len == 0 && fields.is_empty() {
        return Some(format!("{base} {}{}", braces.0, braces.1));
    }
    if ctx.shared_seen.contains(&slot) {
        return Some("[Circular]".into());
    }
    if depth > ctx.depth {
        return Some(format!("[{name}]"));
    }
    fn word(ctx: &mut Ctx, w: SharedWord, depth: usize) -> String {
        match w.as_ref() {
            Some(r) => format_shared(ctx, r.0, depth + 1),
            None => format_value(ctx, Value::from_shared_bits(w), depth + 1, false),
        }
    }
    ctx.shared_seen.push(slot);
    ctx.indentation += 2;
    ctx.current_depth = depth;
    let mut output = Vec::new();
    let mut values = Vec::new();
    match &c {
        C::Array(v) | C::Set(v) => {
            for w in v.iter().take(MAX_ARRAY) {
                output.push(word(ctx, *w, depth));
                values.push(if w.as_ref().is_some() {
                    Value::UNDEFINED
                } else {
                    Value::from_shared_bits(*w)
                });
            }
        }
        C::Map(v) => {
            for (k, x) in v.iter().take(MAX_ARRAY) {
                let ks = word(ctx, *k, depth);
                let xs = word(ctx, *x, depth);
                output.push(format!("{ks} => {xs}"));
            }
        }
        C::Typed(_, v) => {
            for e in v.iter().take(MAX_ARRAY) {
                let (text, val) = match e {
                    Element::Number(n) => (number_text(*n), Value::number(*n)),
                    Element::BigInt64(i) => (format!("{i}n"), Value::UNDEFINED),
                    Element::BigUint64(u) => (format!("{u}n"), Value::UNDEFINED),
                };
                output.push(text);
                values.push(val);
            }
        }
        C::Bits(v) => {
            for b in v.iter().take(MAX_ARRAY) {
                output.push(if *b { "1" } else { "0" }.into());
                values.push(Value::number(if *b { 1.0 } else { 0.0 }));
            }
        }
        C::Buffer(_) => {}
    }
    if len > MAX_ARRAY {
        output.push(more_items(len - MAX_ARRAY));
    }
    for (k, w) in fields {
        let key = if is_identifier(&k) { k } else { quote_str(&k) };
        let text = word(ctx, w, depth);
        output.push(format!("{key}: {text}"));
    }
    ctx.indentation -= 2;
    ctx.shared_seen.pop();
    let is_array = braces.0 == "[";
    ctx.base_is_prefix = true;
    Some(reduce(
        ctx,
        output,
        &base,
        braces,
        is_array,
        depth,
        is_array.then_some(values.as_slice()),
    ))
}

/// Prepends `<ref *n>` to the base text when `o` turned out to be the target of a cycle (node
/// does this before deciding on line breaks, so the marker counts towards the width).
fn with_ref(ctx: &mut Ctx, o: ObjRef, base: String) -> String {
    match ctx.circular.iter().position(|c| *c == o) {
        Some(i) => {
            ctx.ref_applied.push(o);
            let marker = stylize(ctx, format!("<ref *{}>", i + 1), Style::Special);
            if base.is_empty() {
                marker
            } else {
                format!("{marker} {base}")
            }
        }
        None => base,
    }
}

fn more_items(n: usize) -> String {
    format!("... {} more item{}", n, if n == 1 { "" } else { "s" })
}

fn add_keys(ctx: &mut Ctx, o: ObjRef, keys: &[PropKey], depth: usize, output: &mut Vec<String>) {
    let vm = ctx.vm;
    for &k in keys {
        let Some(p) = vm.get_own_property(o, k) else {
            continue;
        };
        let name = key_text(ctx, k);
        if p.attrs & ATTR_ACCESSOR != 0 {
            let (g, s) = vm.heap.accessor(p.value);
            // Module namespaces show their (live) binding values, not accessors.
            if let Some(v) = crate::module::peek_namespace_getter(vm, g) {
                let text = format_value(ctx, v, depth + 1, false);
                output.push(format!("{name}: {text}"));
                continue;
            }
            // Static fields of Sendable classes show their shared values.
            if let Some((holder, key)) = crate::sendable::class::peek_static_getter(vm, g) {
                let text = format_static_field(ctx, holder, key, depth);
                output.push(format!("{name}: {text}"));
                continue;
            }
            let t = match (g.is_undefined(), s.is_undefined()) {
                (false, false) => "[Getter/Setter]",
                (false, true) => "[Getter]",
                (true, false) => "[Setter]",
                _ => "undefined",
            };
            let t = stylize(ctx, t.to_string(), Style::Special);
            output.push(format!("{name}: {t}"));
        } else {
            let v = format_value(ctx, p.value, depth + 1, false);
            output.push(format!("{name}: {v}"));
        }
    }
}

/// The value of a Sendable class's shared static field, read without running script code.
fn format_static_field(ctx: &mut Ctx, holder: u32, key: PropKey, depth: usize) -> String {
    let word = ctx.vm.sendable.mutator_ref().and_then(|m| {
        let o = m.object(skiff_shared::SharedRef(holder))?;
        let slot = o.class().slot_of(crate::sendable::props::key_atom(key)?)?;
        Some(o.get(slot))
    });
    match word {
        Some(w) => match w.as_ref() {
            Some(r) => format_shared(ctx, r.0, depth + 1),
            None => format_value(ctx, Value::from_shared_bits(w), depth + 1, false),
        },
        None => stylize(ctx, "[Getter/Setter]".to_string(), Style::Special),
    }
}

fn is_below_break_length(output: &[String], start: usize, base: &str) -> bool {
    let mut total = output.len() + start;
    if total + output.len() > BREAK_LENGTH {
        return false;
    }
    for s in output {
        total += visible_len(s);
        if total > BREAK_LENGTH {
            return false;
        }
    }
    base.is_empty() || !base.contains('\n')
}

fn group_array_elements(ctx: &Ctx, output: Vec<String>, values: Option<&[Value]>) -> Vec<String> {
    let mut total_length = 0usize;
    let mut max_length = 0usize;
    let mut output_length = output.len();
    if output
        .last()
        .is_some_and(|s| s.starts_with("... ") && s.contains(" more item"))
    {
        output_length -= 1;
    }
    let separator_space = 2;
    let data_len: Vec<usize> = output.iter().map(|s| visible_len(s)).collect();
    for &len in data_len.iter().take(output_length) {
        total_length += len + separator_space;
        max_length = max_length.max(len);
    }
    let actual_max = max_length + separator_space;
    if actual_max * 3 + ctx.indentation < BREAK_LENGTH
        && (total_length as f64 / actual_max as f64 > 5.0 || max_length <= 6)
    {
        let approx_char_heights = 2.5;
        let average_bias = (actual_max as f64 - total_length as f64 / output.len() as f64).sqrt();
        let biased_max = (actual_max as f64 - 3.0 - average_bias).max(1.0);
        let columns = ((approx_char_heights * biased_max * output_length as f64).sqrt()
            / biased_max)
            .round()
            .min(((BREAK_LENGTH - ctx.indentation) / actual_max) as f64)
            .min(3.0 * 4.0)
            .min(15.0) as usize;
        if columns <= 1 {
            return output;
        }
        let mut max_line_length = Vec::new();
        for i in 0..columns {
            let mut line_length = 0;
            let mut j = i;
            while j < output_length {
                line_length = line_length.max(data_len[j]);
                j += columns;
            }
            max_line_length.push(line_length + separator_space);
        }
        let pad_start = match values {
            Some(vals) => vals
                .iter()
                .take(output.len())
                .all(|v| v.is_number() || v.as_bigint().is_some()),
            None => true,
        };
        let mut tmp = Vec::new();
        let mut i = 0;
        while i < output_length {
            let max = (i + columns).min(output_length);
            let mut line = String::new();
            let mut j = i;
            while j < max - 1 {
                let cell = format!("{}, ", output[j]);
                let width = max_line_length[j - i];
                line.push_str(&pad(&cell, width, pad_start));
                j += 1;
            }
            if pad_start {
                let width = max_line_length[j - i] - separator_space;
                line.push_str(&pad(&output[j], width, true));
            } else {
                line.push_str(&output[j]);
            }
            tmp.push(line);
            i += columns;
        }
        if output_length < output.len() {
            tmp.push(output[output_length].clone());
        }
        return tmp;
    }
    output
}

fn pad(s: &str, width: usize, start: bool) -> String {
    let n = visible_len(s);
    if n >= width {
        return s.to_string();
    }
    let fill = " ".repeat(width - n);
    if start {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

fn reduce(
    ctx: &mut Ctx,
    mut output: Vec<String>,
    base: &str,
    braces: (&str, &str),
    is_array: bool,
    depth: usize,
    values: Option<&[Value]>,
) -> String {
    // node keeps a class-name prefix inside the opening brace (`Foo {`), which counts one
    // more column (the space) than a base such as `[Function: f]` followed by ` {`.
    let prefix_extra = usize::from(std::mem::take(&mut ctx.base_is_prefix) && !base.is_empty());
    let entries = output.len();
    if is_array && entries > 6 {
        output = group_array_elements(ctx, output, values);
    }
    if ctx.current_depth.saturating_sub(depth) < 3 && entries == output.len() {
        let start = output.len()
            + ctx.indentation
            // node counts the base's colour escapes here (unlike the entries').
            + braces.0.chars().count()
            + base.chars().count()
            + prefix_extra
            + 10;
        if is_below_break_length(&output, start, base) {
            let joined = output.join(", ");
            if !joined.contains('\n') {
                let b = if base.is_empty() {
                    String::new()
                } else {
                    format!("{base} ")
                };
                return format!("{b}{} {} {}", braces.0, joined, braces.1);
            }
        }
    }
    let ind = format!("\n{}", " ".repeat(ctx.indentation));
    let b = if base.is_empty() {
        String::new()
    } else {
        format!("{base} ")
    };
    format!(
        "{b}{}{ind}  {}{ind}{}",
        braces.0,
        output.join(&format!(",{ind}  ")),
        braces.1
    )
}

/// `console.log`-style formatting of an argument list (with `%s %d %i %f %j %o %O %c`).
pub fn format_args(vm: &mut Vm, args: &[Value]) -> String {
    if args.iter().any(|a| a.as_shared().is_some()) {
        vm.mutator();
    }
    let mut out = String::new();
    let mut rest = 0;
    if let Some(first) = args.first() {
        if first.is_string() && args.len() > 1 {
            let f = vm.js_str(*first).to_rust_string();
            if f.contains('%') {
                let mut a = 1;
                let mut chars = f.chars().peekable();
                while let Some(c) = chars.next() {
                    if c != '%' {
                        out.push(c);
                        continue;
                    }
                    let Some(&n) = chars.peek() else {
                        out.push('%');
                        break;
                    };
                    if n == '%' {
                        chars.next();
                        out.push('%');
                        continue;
                    }
                    if a >= args.len() || !"sdifjoOc".contains(n) {
                        out.push('%');
                        continue;
                    }
                    chars.next();
                    let v = args[a];
                    a += 1;
                    match n {
                        's' => {
                            if v.is_string() {
                                out.push_str(&vm.js_str(v).to_rust_string());
                            } else if v.as_bigint().is_some() {
                                out.push_str(&format!("{}n", vm.to_display_string(v)));
                            } else if v.is_object() && !vm.is_callable(v) {
                                out.push_str(&inspect_with(
                                    vm,
                                    v,
                                    &Options {
                                        depth: 1,
                                        colors: false,
                                    },
                                ));
                            } else if v.as_symbol().is_some() {
                                out.push_str(&symbol_text(vm, v));
                            } else if v.is_number() {
                                out.push_str(&number_text(v.num()));
                            } else {
                                out.push_str(&inspect(vm, v));
                            }
                        }
                        'd' | 'i' => {
                            if v.as_bigint().is_some() {
                                out.push_str(&format!("{}n", vm.to_display_string(v)));
                            } else if v.is_object() || v.as_symbol().is_some() {
                                out.push_str("NaN");
                            } else {
                                let x = vm.to_number(v).unwrap_or(f64::NAN);
                                let x = if n == 'i' && x.is_finite() {
                                    x.trunc()
                                } else {
                                    x
                                };
                                out.push_str(&number_text(x));
                            }
                        }
                        'f' => {
                            let n = vm.to_number(v).unwrap_or(f64::NAN);
                            out.push_str(&number_text(n));
                        }
                        'j' => {
                            let s = crate::builtins::json::stringify_simple(vm, v)
                                .unwrap_or_else(|| "undefined".into());
                            out.push_str(&s);
                        }
                        'o' => out.push_str(&inspect_with(
                            vm,
                            v,
                            &Options {
                                depth: 4,
                                colors: false,
                            },
                        )),
                        'O' => out.push_str(&inspect(vm, v)),
                        _ => {}
                    }
                }
                rest = a;
                if rest >= args.len() {
                    return out;
                }
                out.push(' ');
            }
        }
    }
    let parts: Vec<String> = args[rest..]
        .iter()
        .map(|v| format_value_top(vm, *v))
        .collect();
    out.push_str(&parts.join(" "));
    out
}

fn format_value_top(vm: &Vm, v: Value) -> String {
    if v.is_string() {
        return vm.js_str(v).to_rust_string();
    }
    inspect(vm, v)
}

/// Converts a JS string to text for output.
pub fn js_text(s: &JsStr) -> String {
    s.to_rust_string()
}
