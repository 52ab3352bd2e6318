//! Resource limits from the command line: `--timeout`, `--stack-size`, `--max-heap` and the
//! import sandbox (`--allow-outside-imports`), for `skiff run`, `skiff repl` and `skiff test`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SKIFF: &str = env!("CARGO_BIN_EXE_skiff");

/// A fresh folder with the given files (path, text).
fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skiff-limits-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
        std::fs::write(p, text).expect("file");
    }
    dir
}

fn skiff(dir: &Path, args: &[&str]) -> Output {
    Command::new(SKIFF)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("skiff runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn timeout_stops_a_busy_loop_with_status_124() {
    let dir = folder("timeout", &[("spin.ets", "while (true) {}\n")]);
    let out = skiff(&dir, &["run", "--timeout", "0.3", "spin.ets"]);
    assert_eq!(out.status.code(), Some(124));
    assert!(text(&out.stderr).contains("stopped at its time limit"));
    // Workers are stopped too.
    let dir = folder(
        "timeout-worker",
        &[
            (
                "main.ets",
                "import { worker } from '@kit.ArkTS';\nnew worker.ThreadWorker('w.ets');\n",
            ),
            ("w.ets", "while (true) {}\n"),
        ],
    );
    let out = skiff(&dir, &["--timeout", "0.3", "main.ets"]);
    assert_eq!(out.status.code(), Some(124));
}

#[test]
fn stack_size_bounds_recursion() {
    let script = "function f(n: number): number { return n === 0 ? 0 : 1 + f(n - 1); }\n\
                  try { console.log(f(3000)); } catch (e) { console.log(e instanceof RangeError, e.message); }\n";
    let dir = folder("stack", &[("deep.ets", script)]);
    let limited = skiff(&dir, &["run", "--stack-size", "1000", "deep.ets"]);
    assert_eq!(
        text(&limited.stdout),
        "true Maximum call stack size exceeded\n"
    );
    let default = skiff(&dir, &["run", "deep.ets"]);
    assert_eq!(text(&default.stdout), "3000\n");
    // The REPL honours it too.
    let mut child = Command::new(SKIFF)
        .args(["repl", "--stack-size", "1000"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("skiff starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"function f(n) { return n === 0 ? 0 : 1 + f(n - 1); }\nlet r; try { f(3000) } catch (e) { r = e.message }\nr\n")
        .expect("input");
    let out = child.wait_with_output().expect("skiff ends");
    assert!(text(&out.stdout).contains("'Maximum call stack size exceeded'"));
}

#[test]
fn heap_limit_is_a_catchable_range_error() {
    let script = "const keep: number[][] = [];\n\
                  try {\n  while (true) { keep.push(new Array(100000).fill(1.5)); }\n} catch (e) {\n  keep.length = 0;\n  console.log(e instanceof RangeError, e.message);\n}\n\
                  console.log('still running');\n";
    let dir = folder("heap", &[("oom.ets", script)]);
    let out = skiff(&dir, &["run", "--max-heap", "200", "oom.ets"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "true Out of memory: the heap limit was exceeded\nstill running\n"
    );
}

/// Shared garbage is reclaimed: two million Sendables (and as many shared strings) created and
/// dropped on the main thread and on TaskPool threads would need far more than the heap limit
/// if the shared heap were never collected.
#[test]
fn shared_garbage_stays_under_the_heap_limit() {
    let point = "@Sendable\nexport class Point {\n  x: number = 0;\n  label: string = '';\n\
                 constructor(x: number) {\n    this.x = x;\n    this.label = 'p' + x;\n  }\n}\n\
                 export function churn(n: number): number {\n  let sum = 0;\n\
                 for (let i = 0; i < n; i++) {\n    sum += new Point(i).x;\n  }\n  return sum;\n}\n";
    let main = "import { taskpool } from '@kit.ArkTS';\nimport { Point, churn } from './point';\n\
                @Concurrent\nfunction task(n: number): number {\n  return churn(n);\n}\n\
                async function main() {\n  const kept = new Point(42);\n  let done = 0;\n\
                for (let round = 0; round < 8; round++) {\n\
                const tasks = [taskpool.execute(task, 50000), taskpool.execute(task, 50000)];\n\
                churn(150000);\n    await Promise.all(tasks);\n    done += 250000;\n  }\n\
                console.log(done, kept.x, kept.label);\n}\nmain();\n";
    let dir = folder("shared-gc", &[("point.ets", point), ("main.ets", main)]);
    let out = skiff(&dir, &["run", "--max-heap", "150", "main.ets"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "2000000 42 p42\n");
}

#[test]
fn imports_stay_inside_the_allowed_folders() {
    let dir = folder(
        "sandbox",
        &[
            ("secret.ets", "export const secret = 1;\n"),
            (
                "app/main.ets",
                "import { secret } from '../secret';\nconsole.log(secret);\n",
            ),
        ],
    );
    let app = dir.join("app");
    let refused = skiff(&app, &["run", "main.ets"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("outside the folders scripts may load from"));
    let allowed = skiff(&app, &["run", "--allow-outside-imports", "main.ets"]);
    assert_eq!(text(&allowed.stdout), "1\n");
    // The current folder's tree is allowed too.
    let from_parent = skiff(&dir, &["run", "app/main.ets"]);
    assert_eq!(text(&from_parent.stdout), "1\n");
}

#[test]
fn skiff_test_passes_limits_to_every_script() {
    let script = "function f(n: number): number { return n === 0 ? 0 : 1 + f(n - 1); }\n\
                  try { console.log(f(3000)); } catch (e) { console.log(e.message); }\n";
    let snap = "exit: 0\n--- stdout\nMaximum call stack size exceeded\n--- stderr\n";
    let dir = folder(
        "test",
        &[("suite/deep.ets", script), ("suite/deep.snap", snap)],
    );
    let out = Command::new(SKIFF)
        .args(["test", "--stack-size", "1000", "suite"])
        .current_dir(&dir)
        .env("CI", "1")
        .output()
        .expect("skiff runs");
    assert!(out.status.success(), "{}", text(&out.stdout));
}
