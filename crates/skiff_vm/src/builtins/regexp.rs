//! `RegExp` over `skiff_jslib::regexp` (which wraps `regress` with V8's messages).

use super::{arg, set_global};
use crate::atom::{names, PropKey};
use crate::object::{IterState, ObjectKind, RegExpData};
use crate::shape::{ATTR_DEFAULT, ATTR_WRITABLE};
use crate::string::JsStr;
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;
use skiff_jslib::regexp as jre;
use std::sync::Arc;

fn regexp_data(vm: &Vm, v: Value) -> Option<(Arc<jre::CompiledRegExp>, JsStr, JsStr)> {
    match vm.heap.try_obj(v).map(|o| &o.kind) {
        Some(ObjectKind::RegExp(d)) => Some((d.regex.clone(), d.source.clone(), d.flags.clone())),
        _ => None,
    }
}

pub fn is_regexp(vm: &Vm, v: Value) -> bool {
    regexp_data(vm, v).is_some()
}

fn make_regexp(vm: &mut Vm, proto: ObjRef, pattern: JsStr, flags: JsStr) -> JsResult<Value> {
    let re = match jre::compile(&pattern.units(), &flags.units()) {
        Ok(r) => r,
        Err(e) => return Err(vm.syntax_error(e.constructor_message())),
    };
    let o = vm.new_object_with_proto(
        Some(proto),
        ObjectKind::RegExp(Box::new(RegExpData {
            source: pattern,
            flags,
            regex: Arc::new(re),
        })),
    );
    vm.heap.obj_mut(o).put_raw(
        PropKey::Str(names::get().last_index),
        Value::number(0.0),
        ATTR_WRITABLE,
    );
    Ok(Value::object(o))
}

/// Creates a RegExp object (literals and the constructor).
pub fn new_regexp(vm: &mut Vm, pattern: JsStr, flags: JsStr) -> JsResult<Value> {
    let p = vm.realm.regexp_proto;
    make_regexp(vm, p, pattern, flags)
}

fn regexp_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let pat = arg(args, 0);
    let fl = arg(args, 1);
    let callee = vm.native_callee;
    let pattern_is_regexp = super::string::is_regexp_arg(vm, pat)?;
    let nt = if vm.new_target.is_undefined() {
        // RegExp(re) without `new` returns `re` itself when it was made by this constructor.
        if pattern_is_regexp && fl.is_undefined() {
            let c = vm.get(pat, PropKey::Str(names::get().constructor))?;
            if c == callee {
                return Ok(pat);
            }
        }
        callee
    } else {
        vm.new_target
    };
    let (p, f) = if let Some((_, src, flags)) = regexp_data(vm, pat) {
        let f = if fl.is_undefined() {
            flags
        } else {
            vm.to_js_string(fl)?
        };
        (src, f)
    } else {
        // A RegExp-like object (one with a truthy Symbol.match) lends its source and flags.
        let (p, f) = if pattern_is_regexp {
            let p = vm.get(pat, PropKey::Str(names::get().source))?;
            let f = if fl.is_undefined() {
                vm.get(pat, PropKey::Str(names::get().flags))?
            } else {
                fl
            };
            (p, f)
        } else {
            (pat, fl)
        };
        let p = if p.is_undefined() {
            JsStr::empty()
        } else {
            vm.to_js_string(p)?
        };
        let f = if f.is_undefined() {
            JsStr::empty()
        } else {
            vm.to_js_string(f)?
        };
        (p, f)
    };
    let dp = vm.realm.regexp_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    make_regexp(vm, proto, p, f)
}

fn this_regexp(
    vm: &mut Vm,
    this: Value,
    method: &str,
) -> JsResult<(Arc<jre::CompiledRegExp>, JsStr, JsStr)> {
    match regexp_data(vm, this) {
        Some(d) => Ok(d),
        None => {
            let s = vm.to_display_string(this);
            Err(vm.type_error(format!(
                "Method RegExp.prototype.{method} called on incompatible receiver {s}"
            )))
        }
    }
}

/// RegExpBuiltinExec: returns the match array or null, updating lastIndex.
pub fn builtin_exec(vm: &mut Vm, r: Value, s: &JsStr) -> JsResult<Value> {
    let (re, _, _) = this_regexp(vm, r, "exec")?;
    let flags = re.flags();
    let li = vm.get(r, PropKey::Str(names::get().last_index))?;
    let mut last_index = vm.to_length(li)? as usize;
    if !flags.global && !flags.sticky {
        last_index = 0;
    }
    let units = s.units();
    if last_index > units.len() {
        if flags.global || flags.sticky {
            vm.set(r, PropKey::Str(names::get().last_index), Value::number(0.0))?;
        }
        return Ok(Value::NULL);
    }
    let (found, units) = match_stoppably(vm, &re, units, last_index)?;
    let Some(m) = found else {
        if flags.global || flags.sticky {
            vm.set(r, PropKey::Str(names::get().last_index), Value::number(0.0))?;
        }
        return Ok(Value::NULL);
    };
    let range = m.range();
    if flags.global || flags.sticky {
        vm.set(
            r,
            PropKey::Str(names::get().last_index),
            Value::number(range.end as f64),
        )?;
    }
    let a = match_to_array(vm, &m, &units, s, re.has_named_groups())?;
    if flags.has_indices {
        add_indices(vm, a, &m, re.has_named_groups())?;
    }
    Ok(a)
}

/// Subjects at least this long are matched on a helper thread when the pattern may backtrack
/// exponentially; shorter ones finish quickly whatever the pattern.
const OFFLOAD_MIN_SUBJECT: usize = 24;

/// How often a VM waiting for an offloaded match checks whether it was told to stop.
const OFFLOAD_POLL: std::time::Duration = std::time::Duration::from_millis(5);

/// One match for the helper thread, and where to send the result (with the subject back).
struct OffloadedMatch {
    re: Arc<jre::CompiledRegExp>,
    text: Vec<u16>,
    index: usize,
    reply: std::sync::mpsc::Sender<(Option<jre::RegExpMatch>, Vec<u16>)>,
}

thread_local! {
    /// This thread's idle helper for offloaded matches, started on first use. A helper still
    /// busy with a match its VM stopped waiting for is abandoned (see [`match_stoppably`]).
    static MATCH_HELPER: std::cell::Cell<Option<std::sync::mpsc::Sender<OffloadedMatch>>> =
        const { std::cell::Cell::new(None) };
}

/// RegExpBuiltinExec's matcher, stoppable: the regex engine never polls the attention flag, so
/// a pattern that may backtrack exponentially (`/^(a+)+$/` on a long subject) is matched on a
/// helper thread while this thread waits and checks for `terminate()`, `--timeout` and
/// interrupts. When told to stop it returns the error at once and leaves the helper to finish
/// the match alone (its result is dropped, and the thread ends). Returns the match and the
/// subject.
fn match_stoppably(
    vm: &mut Vm,
    re: &Arc<jre::CompiledRegExp>,
    text: Vec<u16>,
    index: usize,
) -> JsResult<(Option<jre::RegExpMatch>, Vec<u16>)> {
    if !re.may_backtrack_heavily() || text.len() < OFFLOAD_MIN_SUBJECT {
        return Ok((re.exec_at(&text, index), text));
    }
    let (reply, result) = std::sync::mpsc::channel();
    let job = OffloadedMatch {
        re: re.clone(),
        text,
        index,
        reply,
    };
    let helper = MATCH_HELPER.take().or_else(start_match_helper);
    let Some(helper) = helper else {
        // No thread could be started: match here, unstoppably, rather than fail.
        return Ok((re.exec_at(&job.text, index), job.text));
    };
    if let Err(std::sync::mpsc::SendError(job)) = helper.send(job) {
        return Ok((re.exec_at(&job.text, index), job.text));
    }
    loop {
        match result.recv_timeout(OFFLOAD_POLL) {
            Ok(done) => {
                MATCH_HELPER.set(Some(helper));
                return Ok(done);
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                // Dropping `helper` on the way out abandons the busy thread.
                super::check_interrupt(vm)?;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(vm.range_error("Regular expression match failed"));
            }
        }
    }
}

/// Starts a helper thread that runs offloaded matches until its sender is dropped.
fn start_match_helper() -> Option<std::sync::mpsc::Sender<OffloadedMatch>> {
    let (jobs, inbox) = std::sync::mpsc::channel::<OffloadedMatch>();
    std::thread::Builder::new()
        .name("skiff-regex".into())
        .spawn(move || {
            for job in inbox {
                let found = job.re.exec_at(&job.text, job.index);
                // The VM may have stopped waiting; then nobody receives this.
                let _ = job.reply.send((found, job.text));
            }
        })
        .ok()?;
    Some(jobs)
}

/// The `indices` property of a match made with the `d` flag.
fn add_indices(vm: &mut Vm, a: Value, m: &jre::RegExpMatch, named: bool) -> JsResult<()> {
    vm.root(a);
    let mut pairs = Vec::with_capacity(m.captures.len());
    for c in &m.captures {
        pairs.push(match c {
            Some(r) => vm.new_array_value(vec![
                Value::number(r.start as f64),
                Value::number(r.end as f64),
            ]),
            None => Value::UNDEFINED,
        });
        vm.root(*pairs.last().unwrap_or(&Value::UNDEFINED));
    }
    let ind = vm.new_array(pairs);
    vm.root(Value::object(ind));
    let groups = if named {
        let g = vm.new_object_with_proto(None, ObjectKind::Ordinary);
        for (name, rg) in &m.named_groups {
            let v = match rg {
                Some(r) => vm.new_array_value(vec![
                    Value::number(r.start as f64),
                    Value::number(r.end as f64),
                ]),
                None => Value::UNDEFINED,
            };
            vm.heap
                .obj_mut(g)
                .put_raw(PropKey::from_str(name), v, ATTR_DEFAULT);
        }
        Value::object(g)
    } else {
        Value::UNDEFINED
    };
    vm.heap
        .obj_mut(ind)
        .put_raw(PropKey::Str(names::get().groups), groups, ATTR_DEFAULT);
    if let Some(o) = a.as_object() {
        vm.heap.obj_mut(o).put_raw(
            PropKey::from_str("indices"),
            Value::object(ind),
            ATTR_DEFAULT,
        );
    }
    Ok(())
}

fn match_to_array(
    vm: &mut Vm,
    m: &jre::RegExpMatch,
    units: &[u16],
    s: &JsStr,
    named: bool,
) -> JsResult<Value> {
    let mut els = Vec::with_capacity(m.captures.len());
    for c in &m.captures {
        els.push(match c {
            Some(rg) => vm.new_string(JsStr::from_units(&units[rg.clone()])),
            None => Value::UNDEFINED,
        });
    }
    let a = vm.new_array(els);
    vm.root(Value::object(a));
    let input = vm.new_string(s.clone());
    let groups = if named {
        let g = vm.new_object_with_proto(None, ObjectKind::Ordinary);
        for (name, rg) in &m.named_groups {
            let v = match rg {
                Some(rg) => vm.new_string(JsStr::from_units(&units[rg.clone()])),
                None => Value::UNDEFINED,
            };
            vm.heap
                .obj_mut(g)
                .put_raw(PropKey::from_str(name), v, ATTR_DEFAULT);
        }
        Value::object(g)
    } else {
        Value::UNDEFINED
    };
    let obj = vm.heap.obj_mut(a);
    obj.put_raw(
        PropKey::Str(names::get().index),
        Value::number(m.range().start as f64),
        ATTR_DEFAULT,
    );
    obj.put_raw(PropKey::Str(names::get().input), input, ATTR_DEFAULT);
    obj.put_raw(PropKey::Str(names::get().groups), groups, ATTR_DEFAULT);
    Ok(Value::object(a))
}

/// RegExpExec: calls a user `exec` if overridden, else the builtin.
pub fn regexp_exec(vm: &mut Vm, r: Value, s: &JsStr) -> JsResult<Value> {
    let exec_fn = vm.get(r, PropKey::from_str("exec"))?;
    // The built-in exec is recognised by its code, not by what RegExp.prototype.exec holds now
    // (a script may have replaced it).
    let builtin = matches!(
        vm.heap.try_obj(exec_fn).map(|o| &o.kind),
        Some(ObjectKind::Native(n)) if n.f as usize == exec as crate::object::NativeFn as usize
    );
    let exec = exec_fn;
    if vm.is_callable(exec) && !builtin {
        let sv = vm.new_string(s.clone());
        let res = vm.call(exec, r, &[sv])?;
        if !res.is_object() && !res.is_null() {
            return Err(vm.type_error("object or null expected from exec"));
        }
        return Ok(res);
    }
    builtin_exec(vm, r, s)
}

fn exec(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = vm.to_js_string(arg(args, 0))?;
    builtin_exec(vm, this, &s)
}

fn test(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = vm.to_js_string(arg(args, 0))?;
    let r = regexp_exec(vm, this, &s)?;
    Ok(Value::bool(!r.is_null()))
}

fn to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let src = vm.get(this, PropKey::Str(names::get().source))?;
    let src = vm.to_js_string(src)?;
    let fl = vm.get(this, PropKey::Str(names::get().flags))?;
    let fl = vm.to_js_string(fl)?;
    let s = JsStr::from_str("/")
        .concat(&src)
        .concat(&JsStr::from_str("/"))
        .concat(&fl);
    Ok(vm.new_string(s))
}

fn source_getter(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    if this.as_object() == Some(vm.realm.regexp_proto) {
        return Ok(vm.str_val("(?:)"));
    }
    let (_, src, _) = this_regexp(vm, this, "source")?;
    let esc = jre::escape_source(&src.units());
    Ok(vm.new_string(JsStr::from_units_vec(esc)))
}

fn flags_getter(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    if !this.is_object() {
        return Err(vm.type_error("RegExp.prototype.flags getter called on non-object"));
    }
    let mut out = String::new();
    for (c, name) in [
        ('d', "hasIndices"),
        ('g', "global"),
        ('i', "ignoreCase"),
        ('m', "multiline"),
        ('s', "dotAll"),
        ('u', "unicode"),
        ('v', "unicodeSets"),
        ('y', "sticky"),
    ] {
        let v = vm.get(this, PropKey::from_str(name))?;
        if vm.to_boolean(v) {
            out.push(c);
        }
    }
    Ok(vm.str_val(&out))
}

macro_rules! flag_getter {
    ($fname:ident, $field:ident) => {
        fn $fname(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
            if this.as_object() == Some(vm.realm.regexp_proto) {
                return Ok(Value::UNDEFINED);
            }
            let (re, _, _) = this_regexp(vm, this, stringify!($field))?;
            Ok(Value::bool(re.flags().$field))
        }
    };
}

flag_getter!(global_getter, global);
flag_getter!(ignore_case_getter, ignore_case);
flag_getter!(multiline_getter, multiline);
flag_getter!(dot_all_getter, dot_all);
flag_getter!(unicode_getter, unicode);
flag_getter!(unicode_sets_getter, unicode_sets);
flag_getter!(sticky_getter, sticky);
flag_getter!(has_indices_getter, has_indices);

fn flags_of(vm: &mut Vm, r: Value) -> JsResult<String> {
    let f = vm.get(r, PropKey::Str(names::get().flags))?;
    vm.to_rust_string(f)
}

fn sym_match(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = vm.to_js_string(arg(args, 0))?;
    let flags = flags_of(vm, this)?;
    if !flags.contains('g') {
        return regexp_exec(vm, this, &s);
    }
    let full_unicode = flags.contains('u') || flags.contains('v');
    vm.set(
        this,
        PropKey::Str(names::get().last_index),
        Value::number(0.0),
    )?;
    let arr = vm.new_array(Vec::new());
    vm.root(Value::object(arr));
    loop {
        let r = regexp_exec(vm, this, &s)?;
        if r.is_null() {
            break;
        }
        let m0 = vm.get(r, PropKey::Index(0))?;
        let ms = vm.to_string_value(m0)?;
        vm.heap.obj_mut(arr).elements.push(ms);
        if vm.js_str(ms).is_empty() {
            advance_last_index(vm, this, &s, full_unicode)?;
        }
    }
    if vm.heap.obj(arr).elements.is_empty() {
        return Ok(Value::NULL);
    }
    Ok(Value::object(arr))
}

fn advance_last_index(vm: &mut Vm, r: Value, s: &JsStr, unicode: bool) -> JsResult<()> {
    let li = vm.get(r, PropKey::Str(names::get().last_index))?;
    let li = vm.to_length(li)? as usize;
    let next = jre::advance_string_index(&s.units(), li, unicode);
    vm.set(
        r,
        PropKey::Str(names::get().last_index),
        Value::number(next as f64),
    )
}

fn sym_search(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = vm.to_js_string(arg(args, 0))?;
    let key = PropKey::Str(names::get().last_index);
    let prev = vm.get(this, key)?;
    if !vm.same_value(prev, Value::number(0.0)) {
        vm.set(this, key, Value::number(0.0))?;
    }
    let r = regexp_exec(vm, this, &s)?;
    let cur = vm.get(this, key)?;
    if !vm.same_value(cur, prev) {
        vm.set(this, key, prev)?;
    }
    if r.is_null() {
        return Ok(Value::number(-1.0));
    }
    vm.get(r, PropKey::Str(names::get().index))
}

/// Applies a replacement (string template or function) for one match.
pub fn replacement_text(
    vm: &mut Vm,
    s: &JsStr,
    matched: &JsStr,
    position: usize,
    captures: &[Value],
    groups: Value,
    replace: Value,
) -> JsResult<JsStr> {
    if vm.is_callable(replace) {
        let mut cargs = vec![vm.new_string(matched.clone())];
        cargs.extend_from_slice(captures);
        cargs.push(Value::number(position as f64));
        cargs.push(vm.new_string(s.clone()));
        if !groups.is_undefined() {
            cargs.push(groups);
        }
        let r = vm.call(replace, Value::UNDEFINED, &cargs)?;
        return vm.to_js_string(r);
    }
    let template = vm.to_js_string(replace)?;
    let mut caps = Vec::new();
    for c in captures {
        caps.push(if c.is_undefined() {
            None
        } else {
            Some(vm.to_js_string(*c)?.units())
        });
    }
    let su = s.units();
    let mu = matched.units();
    let tu = template.units();
    let out = if groups.is_undefined() {
        jre::get_substitution::<Value>(&mu, &su, position, &caps, None, &tu)?
    } else {
        let mut lookup = |name: &[u16]| -> Result<Vec<u16>, Value> {
            let k = PropKey::from_js_str(&JsStr::from_units(name));
            let v = vm.get(groups, k)?;
            if v.is_undefined() {
                Ok(Vec::new())
            } else {
                Ok(vm.to_js_string(v)?.units())
            }
        };
        jre::get_substitution::<Value>(&mu, &su, position, &caps, Some(&mut lookup), &tu)?
    };
    Ok(JsStr::from_units_vec(out))
}

fn sym_replace(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = vm.to_js_string(arg(args, 0))?;
    let mut replace = arg(args, 1);
    if !vm.is_callable(replace) {
        replace = vm.to_string_value(replace)?;
    }
    let flags = flags_of(vm, this)?;
    let global = flags.contains('g');
    let full_unicode = flags.contains('u') || flags.contains('v');
    if global {
        vm.set(
            this,
            PropKey::Str(names::get().last_index),
            Value::number(0.0),
        )?;
    }
    let mut results = Vec::new();
    loop {
        let r = regexp_exec(vm, this, &s)?;
        if r.is_null() {
            break;
        }
        vm.root(r);
        results.push(r);
        if !global {
            break;
        }
        let m0 = vm.get(r, PropKey::Index(0))?;
        if vm.to_js_string(m0)?.is_empty() {
            advance_last_index(vm, this, &s, full_unicode)?;
        }
    }
    let su = s.units();
    let mut out: Vec<u16> = Vec::new();
    let mut next = 0usize;
    for r in results {
        let n = vm.length_of(r)?;
        let m0 = vm.get(r, PropKey::Index(0))?;
        let matched = vm.to_js_string(m0)?;
        let pos = vm.get(r, PropKey::Str(names::get().index))?;
        let pos = (vm.to_integer(pos)?.max(0.0) as usize).min(su.len());
        let mut caps = Vec::new();
        for i in 1..n as u32 {
            let c = vm.get(r, PropKey::Index(i))?;
            caps.push(if c.is_undefined() {
                c
            } else {
                vm.to_string_value(c)?
            });
        }
        let groups = vm.get(r, PropKey::Str(names::get().groups))?;
        let groups = if !groups.is_undefined() && !vm.is_callable(replace) {
            Value::object(vm.to_object(groups)?)
        } else {
            groups
        };
        let rep = replacement_text(vm, &s, &matched, pos, &caps, groups, replace)?;
        if pos >= next {
            out.extend_from_slice(&su[next..pos]);
            rep.push_units(&mut out);
            next = pos + matched.len();
        }
    }
    if next < su.len() {
        out.extend_from_slice(&su[next..]);
    }
    Ok(vm.new_string(JsStr::from_units_vec(out)))
}

/// The `this` of RegExp.prototype[@@split] and [@@matchAll]: any object (they work through
/// the species constructor and the `flags`, `lastIndex` and `exec` protocol).
fn this_object(vm: &mut Vm, this: Value, method: &str) -> JsResult<()> {
    if this.is_object() {
        return Ok(());
    }
    let s = vm.to_display_string(this);
    Err(vm.type_error(format!(
        "Method RegExp.prototype.{method} called on incompatible receiver {s}"
    )))
}

fn sym_split(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    this_object(vm, this, "[Symbol.split]")?;
    let s = vm.to_js_string(arg(args, 0))?;
    let default = Value::object(vm.realm.regexp_ctor);
    let c = super::species_constructor(vm, this, default)?;
    let flags = flags_of(vm, this)?;
    let unicode = flags.contains('u') || flags.contains('v');
    let mut new_flags = flags.clone();
    if !new_flags.contains('y') {
        new_flags.push('y');
    }
    let nf = vm.str_val(&new_flags);
    let splitter = vm.construct(c, &[this, nf], c)?;
    vm.root(splitter);
    let arr = vm.new_array(Vec::new());
    vm.root(Value::object(arr));
    let lim = arg(args, 1);
    let limit = if lim.is_undefined() {
        u32::MAX
    } else {
        vm.to_uint32(lim)?
    };
    if limit == 0 {
        return Ok(Value::object(arr));
    }
    let su = s.units();
    if su.is_empty() {
        let z = regexp_exec(vm, splitter, &s)?;
        if z.is_null() {
            let sv = vm.new_string(s.clone());
            vm.heap.obj_mut(arr).elements.push(sv);
        }
        return Ok(Value::object(arr));
    }
    let last_index = PropKey::Str(names::get().last_index);
    let mut p = 0usize;
    let mut q = 0usize;
    while q < su.len() {
        vm.set(splitter, last_index, Value::number(q as f64))?;
        let z = regexp_exec(vm, splitter, &s)?;
        if z.is_null() {
            q = jre::advance_string_index(&su, q, unicode);
            continue;
        }
        let e = vm.get(splitter, last_index)?;
        let e = (vm.to_length(e)? as usize).min(su.len());
        if e == p {
            q = jre::advance_string_index(&su, q, unicode);
            continue;
        }
        let piece = vm.new_string(JsStr::from_units(&su[p..q.max(p)]));
        vm.heap.obj_mut(arr).elements.push(piece);
        if vm.heap.obj(arr).elements.len() as u32 == limit {
            return Ok(Value::object(arr));
        }
        p = e;
        let n = vm.length_of(z)?;
        for i in 1..n.max(1.0) as u32 {
            let c = vm.get(z, PropKey::Index(i))?;
            vm.heap.obj_mut(arr).elements.push(c);
            if vm.heap.obj(arr).elements.len() as u32 == limit {
                return Ok(Value::object(arr));
            }
        }
        q = p;
    }
    let piece = vm.new_string(JsStr::from_units(&su[p.min(su.len())..]));
    vm.heap.obj_mut(arr).elements.push(piece);
    Ok(Value::object(arr))
}

fn sym_match_all(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    this_object(vm, this, "[Symbol.matchAll]")?;
    let s = vm.to_js_string(arg(args, 0))?;
    let default = Value::object(vm.realm.regexp_ctor);
    let c = super::species_constructor(vm, this, default)?;
    let flags = flags_of(vm, this)?;
    let fv = vm.str_val(&flags);
    let matcher = vm.construct(c, &[this, fv], c)?;
    vm.root(matcher);
    let li = vm.get(this, PropKey::Str(names::get().last_index))?;
    let li = vm.to_length(li)?;
    vm.set(
        matcher,
        PropKey::Str(names::get().last_index),
        Value::number(li),
    )?;
    let sv = vm.new_string(s);
    let p = vm.realm.regexp_string_iterator_proto;
    Ok(super::iterator::new_iterator(
        vm,
        p,
        IterState::RegExp {
            re: matcher,
            s: sv,
            global: flags.contains('g'),
            unicode: flags.contains('u') || flags.contains('v'),
            done: false,
        },
    ))
}

fn regexp_iter_next(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let st = match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::Iterator(b)) => match &**b {
            IterState::RegExp {
                re,
                s,
                global,
                unicode,
                done,
            } => (*re, *s, *global, *unicode, *done),
            _ => return Err(vm.type_error("next method called on incompatible receiver")),
        },
        _ => return Err(vm.type_error("next method called on incompatible receiver")),
    };
    let (re, s, global, unicode, done) = st;
    let set_done = |vm: &mut Vm| {
        if let Some(o) = this.as_object() {
            if let ObjectKind::Iterator(b) = &mut vm.heap.obj_mut(o).kind {
                if let IterState::RegExp { done, .. } = &mut **b {
                    *done = true;
                }
            }
        }
    };
    if done {
        return Ok(super::iterator::iter_result(vm, Value::UNDEFINED, true));
    }
    let js = vm.js_str(s);
    let m = regexp_exec(vm, re, &js)?;
    if m.is_null() {
        set_done(vm);
        return Ok(super::iterator::iter_result(vm, Value::UNDEFINED, true));
    }
    if !global {
        set_done(vm);
        return Ok(super::iterator::iter_result(vm, m, false));
    }
    let m0 = vm.get(m, PropKey::Index(0))?;
    if vm.to_js_string(m0)?.is_empty() {
        advance_last_index(vm, re, &js, unicode)?;
    }
    Ok(super::iterator::iter_result(vm, m, false))
}

pub fn install(vm: &mut Vm) {
    let proto = vm.realm.regexp_proto;
    let ctor = vm.new_constructor("RegExp", 2, regexp_ctor, Some(proto));
    vm.realm.regexp_ctor = ctor;
    vm.define_getter(
        ctor,
        PropKey::Sym(crate::vm::wk::SPECIES),
        "[Symbol.species]",
        super::species_getter,
    );
    vm.define_method(proto, "exec", 1, exec);
    vm.define_method(proto, "test", 1, test);
    vm.define_method(proto, "toString", 0, to_string);
    vm.define_getter(
        proto,
        PropKey::Str(names::get().source),
        "source",
        source_getter,
    );
    vm.define_getter(
        proto,
        PropKey::Str(names::get().flags),
        "flags",
        flags_getter,
    );
    for (n, f) in [
        ("global", global_getter as crate::object::NativeFn),
        ("ignoreCase", ignore_case_getter),
        ("multiline", multiline_getter),
        ("dotAll", dot_all_getter),
        ("unicode", unicode_getter),
        ("unicodeSets", unicode_sets_getter),
        ("sticky", sticky_getter),
        ("hasIndices", has_indices_getter),
    ] {
        vm.define_getter(proto, PropKey::from_str(n), n, f);
    }
    vm.define_method_sym(proto, wk::MATCH, "[Symbol.match]", 1, sym_match);
    vm.define_method_sym(proto, wk::MATCH_ALL, "[Symbol.matchAll]", 1, sym_match_all);
    vm.define_method_sym(proto, wk::REPLACE, "[Symbol.replace]", 2, sym_replace);
    vm.define_method_sym(proto, wk::SEARCH, "[Symbol.search]", 1, sym_search);
    vm.define_method_sym(proto, wk::SPLIT, "[Symbol.split]", 2, sym_split);
    let ip = vm.realm.regexp_string_iterator_proto;
    vm.heap.obj_mut(ip).proto = Some(vm.realm.iterator_proto);
    vm.define_method(ip, "next", 0, regexp_iter_next);
    let t = vm.str_val("RegExp String Iterator");
    vm.heap.obj_mut(ip).put_raw(
        PropKey::Sym(wk::TO_STRING_TAG),
        t,
        crate::shape::ATTR_CONFIGURABLE,
    );
    set_global(vm, "RegExp", Value::object(ctor));
}
