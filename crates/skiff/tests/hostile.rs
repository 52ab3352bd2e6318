//! The hostile-input suite (docs/robustness.md): inputs that must never make skiff panic, abort,
//! hang or overflow the Rust stack. Each case states the diagnostic or error it ends in.
//!
//! Big inputs are generated here, never committed. Scripts that need no generated input and no
//! command-line flag live in `tests/hostile/` with their snapshots (run by `skiff test`, the last
//! test below); that folder also keeps the inputs the fuzzers found.
//!
//! Every skiff process runs under a watchdog: one that is still running after [`HANG`] is killed
//! and the case fails as a hang (no assertion here depends on how fast anything is).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SKIFF: &str = env!("CARGO_BIN_EXE_skiff");

/// How long a case may run before it counts as hung.
const HANG: Duration = Duration::from_secs(300);

/// A fresh folder with the given files (path, bytes).
fn folder(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skiff-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    for (path, bytes) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
        std::fs::write(p, bytes).expect("file");
    }
    dir
}

/// Runs skiff in `dir` under the watchdog.
fn skiff(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(SKIFF)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("skiff starts");
    let out = child.stdout.take().expect("stdout");
    let err = child.stderr.take().expect("stderr");
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let (out, err) = (read(Box::new(out)), read(Box::new(err)));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("skiff {args:?} hung (killed after {HANG:?})");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    };
    assert_no_crash(args, &output);
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// No panic, abort, signal or "skiff crashed" (exit 70), whatever the input.
fn assert_no_crash(args: &[&str], out: &Output) {
    let stderr = text(&out.stderr);
    assert!(
        out.status.code().is_some(),
        "skiff {args:?} was killed by a signal: {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("stack overflow"),
        "skiff {args:?} panicked: {stderr}"
    );
    assert!(
        ![70, 101, 134].contains(&out.status.code().unwrap_or(0)),
        "skiff {args:?} crashed: {stderr}"
    );
}

/// Runs `skiff run FILE` and `skiff check FILE` on an input that is not a valid program: both
/// end with status 1 and a diagnostic that contains `expected` and points at `file:line:col`.
fn rejected(name: &str, source: &[u8], expected: &str) {
    let dir = folder(name, &[("input.ets", source)]);
    for cmd in ["run", "check"] {
        let out = skiff(&dir, &[cmd, "input.ets"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name} ({cmd}): {stderr}");
        assert!(
            stderr.contains(expected),
            "{name} ({cmd}): expected {expected:?} in\n{}",
            &stderr[..stderr.len().min(2000)]
        );
        assert!(
            stderr.contains("input.ets:"),
            "{name} ({cmd}): no position in\n{}",
            &stderr[..stderr.len().min(2000)]
        );
    }
}

/// Runs a valid script and returns its stdout, asserting the exit status.
fn runs(name: &str, files: &[(&str, &[u8])], args: &[&str], status: i32) -> String {
    let dir = folder(name, files);
    let out = skiff(&dir, args);
    assert_eq!(
        out.status.code(),
        Some(status),
        "{name}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn binary_files_are_diagnostics() {
    // Every byte value below 0x80, NULs included: valid UTF-8 but no program.
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 37 % 128) as u8).collect();
    rejected("binary", &binary, "error");
    rejected("nul", b"let x = 1;\0\0\0", "error");
    // A file that is not UTF-8 is refused before the lexer, with the byte offset.
    rejected(
        "invalid-utf8",
        b"let s = 'caf\xe9';\nconsole.log(s);\n",
        "not valid UTF-8",
    );
    rejected("random", &pseudo_random_bytes(1 << 16), "not valid UTF-8");
}

#[test]
fn truncated_files_are_diagnostics() {
    rejected(
        "trunc-fn",
        b"function f(a: number): number {\n  return a",
        "error",
    );
    rejected("trunc-string", b"let s = 'never closed", "error");
    rejected("trunc-template", b"let s = `a ${b", "error");
    rejected("trunc-comment", b"let a = 1; /* never closed", "error");
    rejected("trunc-class", b"class A { m(): void { if (x) {", "error");
    rejected("trunc-regex", b"let r = /[a-", "error");
    // Every cut of a real program either runs or is a diagnostic.
    let program = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile/worker_faults.ets"),
    )
    .expect("the worker faults script");
    let cuts: Vec<usize> = (1..8).map(|i| program.len() * i / 8).collect();
    for cut in cuts {
        let cut = (0..=cut)
            .rev()
            .find(|&c| program.is_char_boundary(c))
            .unwrap_or(0);
        let dir = folder("trunc-prefix", &[("input.ets", &program.as_bytes()[..cut])]);
        let out = skiff(&dir, &["check", "input.ets"]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "cut at {cut}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn hundred_thousand_deep_nesting_is_one_diagnostic() {
    let deep = |open: &str, close: &str| {
        format!(
            "let x = {}1{};\n",
            open.repeat(100_000),
            close.repeat(100_000)
        )
    };
    let too_deep = "nested too deeply";
    rejected("nest-paren", deep("(", ")").as_bytes(), too_deep);
    rejected("nest-array", deep("[", "]").as_bytes(), too_deep);
    rejected("nest-object", deep("{a:", "}").as_bytes(), too_deep);
    rejected("nest-call", deep("f(", ")").as_bytes(), too_deep);
    rejected("nest-template", deep("`${", "}`").as_bytes(), too_deep);
    rejected(
        "nest-block",
        format!("{}{}", "{".repeat(100_000), "}".repeat(100_000)).as_bytes(),
        too_deep,
    );
    rejected(
        "nest-functions",
        format!(
            "{}{}",
            "function f() {".repeat(100_000),
            "}".repeat(100_000)
        )
        .as_bytes(),
        too_deep,
    );
    // Expressions nested without brackets: prefix operators, conditionals, arrows, assignments.
    for (name, src) in [
        ("nest-unary", format!("let x = {}1;\n", "-".repeat(100_000))),
        ("nest-not", format!("let x = {}1;\n", "!".repeat(100_000))),
        (
            "nest-ternary",
            format!("let x = {}1;\n", "a ? b : ".repeat(100_000)),
        ),
        (
            "nest-arrow",
            format!("let f = {}1;\n", "() => ".repeat(100_000)),
        ),
        ("nest-assign", format!("{}1;\n", "a = ".repeat(100_000))),
        ("nest-if", format!("{}x;\n", "if (a) ".repeat(100_000))),
        ("nest-await", format!("{}1;\n", "await ".repeat(100_000))),
        (
            "nest-typeof",
            format!("let x = {}1;\n", "typeof ".repeat(100_000)),
        ),
    ] {
        rejected(name, src.as_bytes(), "error");
    }
}

#[test]
fn million_deep_recursion_is_a_range_error() {
    let script = b"function f(n: number): number { return n === 0 ? 0 : 1 + f(n - 1); }\n\
        try { f(1000000); } catch (e) { console.log(e instanceof RangeError, e.message); }\n\
        const o = { get x(): number { return this.x; } };\n\
        try { o.x; } catch (e) { console.log(e instanceof RangeError, e.message); }\n\
        function g(n: number): number { return n === 0 ? 0 : [n].map((k: number) => g(k - 1))[0]; }\n\
        try { g(1000000); } catch (e) { console.log(e instanceof RangeError, e.message); }\n\
        f(1000000);\n";
    let dir = folder("recursion", &[("deep.ets", script)]);
    let out = skiff(&dir, &["run", "deep.ets"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "true Maximum call stack size exceeded\n".repeat(3)
    );
    assert!(text(&out.stderr).contains("RangeError: Maximum call stack size exceeded"));
    // A stack limit that allows a million frames: the frames live on the VM's own stack.
    let script = b"function f(n: number): number { return n === 0 ? 0 : 1 + f(n - 1); }\n\
        console.log(f(1000000));\n";
    let out = runs(
        "recursion-allowed",
        &[("deep.ets", script)],
        &["run", "--stack-size", "1000010", "deep.ets"],
        0,
    );
    assert_eq!(out, "1000000\n");
}

#[test]
fn fifty_megabyte_lines() {
    let mb50 = 50 * 1024 * 1024;
    let literal = format!("let s = '{}';\nconsole.log(s.length);\n", "a".repeat(mb50));
    let out = runs(
        "line-string",
        &[("big.ets", literal.as_bytes())],
        &["run", "big.ets"],
        0,
    );
    assert_eq!(out, format!("{mb50}\n"));
    let comment = format!("// {}\nconsole.log('after');\n", "x".repeat(mb50));
    let out = runs(
        "line-comment",
        &[("big.ets", comment.as_bytes())],
        &["run", "big.ets"],
        0,
    );
    assert_eq!(out, "after\n");
    // A 50 MB line with an error at its end: the diagnostic gives the position and does not
    // quote the line.
    let late = format!("let s = '{}'; let = ;\n", "a".repeat(mb50));
    rejected("line-late-error", late.as_bytes(), "input.ets:1:");
    // A line of 200 000 stray identifiers is a diagnostic per token: the first 100 are shown,
    // the others counted (each once quoted the whole line: quadratic output).
    let dir = folder(
        "line-garbage",
        &[("input.ets", "a ".repeat(200_000).as_bytes())],
    );
    let out = skiff(&dir, &["check", "input.ets"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.matches("error[E2001]").count(),
        100,
        "{}",
        &stderr[..2000]
    );
    // The parser stops after 1000 errors (E2035), so the note counts about 900 more, not the
    // 199 899 the line would give.
    let not_shown: usize = stderr
        .rsplit("note: ")
        .next()
        .and_then(|t| t.strip_suffix(" more diagnostics not shown\n"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", &stderr[stderr.len() - 500..]));
    assert!((800..1000).contains(&not_shown), "{not_shown}");
    let unclosed = format!("let s = '{}", "a".repeat(mb50));
    rejected("line-unclosed", unclosed.as_bytes(), "error");
}

#[test]
fn huge_literals() {
    let array = format!(
        "const a = [{}];\nconsole.log(a.length, a[999999]);\n",
        "7, ".repeat(1_000_000)
    );
    let out = runs(
        "array-literal",
        &[("a.ets", array.as_bytes())],
        &["run", "a.ets"],
        0,
    );
    assert_eq!(out, "1000000 7\n");
    let object = format!(
        "const o = {{ {} }};\nconsole.log(Object.keys(o).length, o.k99999);\n",
        (0..100_000)
            .map(|i| format!("k{i}: {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // 100 000 distinct keys are past the constant pool of one function: an implementation-limit
    // diagnostic (E3998) at the function, not a crash.
    rejected("object-literal", object.as_bytes(), "E3998");
    let template = format!(
        "const t = `{}`;\nconsole.log(t.length);\n",
        "${1}".repeat(100_000)
    );
    let out = runs(
        "template-literal",
        &[("t.ets", template.as_bytes())],
        &["run", "t.ets"],
        0,
    );
    assert_eq!(out, "100000\n");
    let chain = format!("let x = 0{};\nconsole.log(x);\n", " + 1".repeat(100_000));
    let dir = folder("long-chain", &[("c.ets", chain.as_bytes())]);
    let out = skiff(&dir, &["run", "c.ets"]);
    // A long flat chain either runs or is refused with a diagnostic; it never crashes.
    match out.status.code() {
        Some(0) => assert_eq!(text(&out.stdout), "100000\n"),
        _ => assert!(
            text(&out.stderr).contains("c.ets:"),
            "{}",
            text(&out.stderr)
        ),
    }
    // Strings built at run time past what fits: a RangeError, not an abort.
    let script =
        b"try { 'ab'.repeat(2 ** 40); } catch (e) { console.log(e instanceof RangeError); }\n\
        try { new Array(2 ** 32); } catch (e) { console.log(e instanceof RangeError); }\n\
        try { new ArrayBuffer(2 ** 53); } catch (e) { console.log(e instanceof RangeError); }\n";
    let out = runs("runtime-huge", &[("h.ets", script)], &["run", "h.ets"], 0);
    assert_eq!(out, "true\ntrue\ntrue\n");
}

#[test]
fn pathological_regex_is_bounded_by_the_timeout() {
    let script = b"console.log('start');\n\
        console.log(/^(a+)+$/.test('a'.repeat(64) + 'b'));\n\
        console.log('unreachable');\n";
    let dir = folder("regex", &[("re.ets", script)]);
    let out = skiff(&dir, &["run", "--timeout", "1", "re.ets"]);
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "start\n");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("stopped at its time limit"));
    // The match runs on a helper thread while the VM waits and polls, so the VM itself stops:
    // the watchdog's last resort of ending the process (which says so) is not needed.
    assert!(!stderr.contains("cannot be interrupted"), "{stderr}");
}

#[test]
fn native_loops_stop_at_the_timeout() {
    // Built-in loops over huge array-likes, a huge sparse array and a typed array poll the
    // attention flag: `--timeout` stops each of them itself, without the watchdog's last resort
    // of ending the process (which says "cannot be interrupted").
    for (name, code) in [
        (
            "sort",
            "Array.prototype.sort.call({ length: 2 ** 32 - 1 } as ESObject);",
        ),
        (
            "includes",
            "Array.prototype.includes.call({ length: 2 ** 53 - 1 } as ESObject, 1);",
        ),
        (
            "reverse",
            "Array.prototype.reverse.call({ length: 2 ** 32 - 1 } as ESObject);",
        ),
        ("spread", "const a = [...new Array(2 ** 32 - 1)];"),
        ("stringify", "JSON.stringify(new Array(2 ** 32 - 1));"),
        ("typed", "Uint8Array.from({ length: 2 ** 30 } as ESObject);"),
    ] {
        let script = format!("console.log('start');\n{code}\nconsole.log('unreachable');\n");
        let dir = folder(&format!("timeout-{name}"), &[("t.ets", script.as_bytes())]);
        let out = skiff(&dir, &["run", "--timeout", "1", "t.ets"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(124), "{name}: {stderr}");
        assert_eq!(text(&out.stdout), "start\n", "{name}");
        assert!(
            stderr.contains("stopped at its time limit"),
            "{name}: {stderr}"
        );
        assert!(
            !stderr.contains("cannot be interrupted"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn native_loops_stop_at_the_heap_limit() {
    // A built-in that grows while it loops (spreading a sparse array of length 2 ** 32 - 1
    // collects four billion values in a Rust vector) throws the heap limit's catchable
    // RangeError, and the script goes on.
    let script = b"try { const a = [...new Array(2 ** 32 - 1)]; console.log(a.length); }\n\
        catch (e) { console.log((e as Error).message); }\n\
        console.log('after');\n";
    let out = runs(
        "heap-native",
        &[("h.ets", script)],
        &["run", "--max-heap", "300", "h.ets"],
        0,
    );
    assert_eq!(out, "Out of memory: the heap limit was exceeded\nafter\n");
}

#[test]
fn a_worker_in_a_backtracking_regex_stops_at_terminate() {
    // The Worker waits for its match on a helper thread and stops at terminate(); the helper is
    // abandoned to finish the match alone, and the process ends without waiting for it.
    let host = b"import { worker, MessageEvents } from '@kit.ArkTS';\n\
        const w = new worker.ThreadWorker('stuck.ets');\n\
        w.onmessage = (e: MessageEvents) => { console.log(e.data); w.terminate(); };\n\
        w.onexit = () => console.log('exit');\n\
        w.postMessage('go');\n";
    let stuck = b"import { worker, MessageEvents } from '@kit.ArkTS';\n\
        worker.workerPort.onmessage = (e: MessageEvents) => {\n\
          worker.workerPort.postMessage('matching');\n\
          /^(a+)+$/.test('a'.repeat(64) + 'b');\n\
        };\n";
    let out = runs(
        "stuck-worker",
        &[("host.ets", host), ("stuck.ets", stuck)],
        &["run", "host.ets"],
        0,
    );
    assert_eq!(out, "matching\nexit\n");
}

#[test]
fn self_referential_and_cyclic_modules() {
    // A module that imports itself sees its own bindings (hoisted functions at once, `let` and
    // `const` after their declaration).
    let me = b"import * as me from './me';\n\
        console.log(me.hoisted());\n\
        try { console.log(me.value); } catch (e) { console.log(e instanceof ReferenceError); }\n\
        export function hoisted(): string { return 'hoisted'; }\n\
        export const value = 1;\n\
        console.log(me.value, Object.keys(me).join());\n";
    let out = runs("self-import", &[("me.ets", me)], &["run", "me.ets"], 0);
    assert_eq!(out, "hoisted\ntrue\n1 hoisted,value\n");
    // A two-module cycle that reads a binding before it is initialized: a ReferenceError.
    let a = b"import { b } from './b';\nexport const a = 'a';\nconsole.log(b);\n";
    let b = b"import { a } from './a';\nexport const b = 'b' + a;\n";
    let dir = folder("cycle-tdz", &[("a.ets", a), ("b.ets", b)]);
    let out = skiff(&dir, &["run", "a.ets"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("ReferenceError"),
        "{}",
        text(&out.stderr)
    );
    // A cycle through ten thousand modules: loading, linking and evaluation do not recurse on
    // the Rust stack without bound.
    let n = 10_000;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..n {
        let next = (i + 1) % n;
        files.push((
            format!("m{i}.ets"),
            format!("import {{ v{next} }} from './m{next}';\nexport const v{i} = {i};\nexport function get{i}(): number {{ return v{next}; }}\n").into_bytes(),
        ));
    }
    files.push((
        "main.ets".into(),
        b"import { v0, get0 } from './m0';\nconsole.log(v0, get0());\n".to_vec(),
    ));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let dir = folder("cycle-long", &refs);
    let out = skiff(&dir, &["run", "main.ets"]);
    match out.status.code() {
        Some(0) => assert_eq!(text(&out.stdout), "0 1\n"),
        _ => assert!(
            text(&out.stderr).contains("RangeError"),
            "{}",
            text(&out.stderr)
        ),
    }
}

#[test]
fn worker_that_runs_out_of_memory_is_reported_to_its_host() {
    let main = b"import { worker, ErrorEvent } from '@kit.ArkTS';\n\
        const w = new worker.ThreadWorker('hog.ets');\n\
        const ev = await new Promise<ErrorEvent>((resolve) => { w.onerror = resolve; });\n\
        console.log('onerror', ev.message);\n\
        const code = await new Promise<number>((resolve) => { w.onexit = resolve; });\n\
        console.log('onexit', code);\n\
        console.log('host goes on', [1, 2, 3].map((x: number) => x * 2).join());\n";
    let hog =
        b"const keep: number[][] = [];\nwhile (true) { keep.push(new Array(100000).fill(1.5)); }\n";
    let out = runs(
        "worker-oom",
        &[("main.ets", main), ("hog.ets", hog)],
        &["run", "--max-heap", "300", "main.ets"],
        0,
    );
    assert_eq!(
        out,
        "onerror Out of memory: the heap limit was exceeded\nonexit 1\nhost goes on 2,4,6\n"
    );
}

#[test]
fn hostile_scripts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(SKIFF)
        .args(["test", "--timeout", "120", "tests/hostile"])
        .current_dir(&root)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .output()
        .expect("the skiff binary starts");
    let stdout = text(&out.stdout);
    print!("{stdout}");
    eprint!("{}", text(&out.stderr));
    assert!(
        out.status.success(),
        "tests/hostile: the diffs are printed above"
    );
    assert!(!stdout
        .lines()
        .last()
        .unwrap_or_default()
        .starts_with("0 passed"));
}

/// Deterministic bytes (xorshift), most of them not UTF-8.
fn pseudo_random_bytes(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
