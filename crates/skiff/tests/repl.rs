//! The REPL, tested the way people use it: input piped to the binary (non-interactive mode), and
//! the interactive REPL driven in a pseudo-terminal by tmux.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SKIFF: &str = env!("CARGO_BIN_EXE_skiff");

/// Pipes `input` to `skiff` (no arguments) and returns its stdout; stderr must be empty.
fn pipe(input: &str) -> String {
    let mut child = Command::new(SKIFF)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("skiff starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("input written");
    let out = child.wait_with_output().expect("skiff ends");
    assert!(out.status.success(), "exit status {:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn expression_values_are_echoed() {
    assert_eq!(pipe("1+1\n"), "2\n");
    assert_eq!(pipe("'a' + 'b'\n[1, 2, 3]\n"), "'ab'\n[ 1, 2, 3 ]\n");
    assert_eq!(pipe("{ a: 1, b: 'x' }\n"), "{ a: 1, b: 'x' }\n");
}

#[test]
fn declarations_persist_across_lines() {
    let out = pipe("let x = 40\nconst y = 2\nx + y\nx = 1\nx\n");
    assert_eq!(out, "undefined\nundefined\n42\n1\n1\n");
}

#[test]
fn multi_line_function_and_class() {
    let input = "\
function add(a: number, b: number): number {
  return a + b;
}
add(2, 3)
class Point {
  constructor(public x: number, public y: number) {}
  norm() { return Math.sqrt(this.x * this.x + this.y * this.y); }
}
new Point(3, 4).norm()
const t = `a ${
  1 + 1
} b`
t
";
    assert_eq!(
        pipe(input),
        "undefined\n5\nundefined\n5\nundefined\n'a 2 b'\n"
    );
}

#[test]
fn errors_print_and_the_session_goes_on() {
    let out = pipe("let a = 1\nnull.x\nthrow new RangeError('boom')\na + 1\n");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "undefined");
    assert!(lines[1].starts_with("Uncaught TypeError: "), "{out}");
    assert!(out.contains("Uncaught RangeError: boom"), "{out}");
    assert_eq!(lines.last(), Some(&"2"));
}

#[test]
fn underscore_holds_the_last_value() {
    assert_eq!(
        pipe("6 * 7\n_ + 1\nlet z = 0\n_\n"),
        "42\n43\nundefined\n43\n"
    );
}

#[test]
fn console_output_comes_before_the_value() {
    assert_eq!(pipe("console.log('hi'); 3\n"), "hi\n3\n");
}

#[test]
fn top_level_await() {
    assert_eq!(
        pipe("const v = await Promise.resolve(5)\nv * 2\nawait new Promise(r => setTimeout(() => r('late'), 10))\n"),
        "undefined\n10\n'late'\n"
    );
}

#[test]
fn commands() {
    let dir = std::env::temp_dir().join(format!("skiff-repl-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("lib.ts");
    std::fs::write(&file, "function triple(n: number) { return n * 3; }\n").expect("file");
    let input = format!(
        ".help\n.load {}\ntriple(3)\nlet q = 1\n.clear\ntypeof q\n.exit\n1 + 1\n",
        file.display()
    );
    let out = pipe(&input);
    assert!(out.contains(".editor"), "{out}");
    assert!(
        out.contains("undefined\n9\nundefined\nClearing context...\n'undefined'\n"),
        "{out}"
    );
    assert!(!out.ends_with("2\n"), "input after .exit is ignored: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn editor_mode_reads_to_the_end_of_input() {
    assert_eq!(pipe(".editor\nconst a = 2\na * 21\n"), "42\n");
}

#[test]
fn syntax_errors_are_reported() {
    let out = pipe("let = ;\n1\n");
    assert!(out.contains("error"), "{out}");
    assert!(out.ends_with("1\n"), "{out}");
}

#[test]
fn imports_of_files_work() {
    let dir = std::env::temp_dir().join(format!("skiff-repl-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("m.ts"), "export const answer = 42;\n").expect("file");
    let mut child = Command::new(SKIFF)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("skiff starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            b"import { answer } from './m'\nanswer\nimport * as m from './m'\nm.answer + 1\n",
        )
        .expect("input");
    let out = child.wait_with_output().expect("skiff ends");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "undefined\n42\nundefined\n43\n"
    );
}

#[test]
fn kits_workers_and_the_taskpool_work() {
    let dir = std::env::temp_dir().join(format!("skiff-repl-kits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("work.ets"),
        "@Concurrent\nexport function double(n: number): number {\n  return n * 2;\n}\n",
    )
    .expect("file");
    let mut child = Command::new(SKIFF)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("skiff starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            b"import { taskpool } from '@kit.ArkTS'\nimport { double } from './work'\n\
              await taskpool.execute(double, 21)\n\
              taskpool.execute(double, 4).then((v) => console.log('later', v))\n",
        )
        .expect("input");
    let out = child.wait_with_output().expect("skiff ends");
    let _ = std::fs::remove_dir_all(&dir);
    // A line runs until the pool has answered: the `then` prints before the next prompt.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "undefined\nundefined\n42\nlater 8\nPromise { undefined }\n"
    );
}

// ----- the interactive REPL in a pseudo-terminal (tmux) -----

/// A tmux server of our own (its own socket), so the test never touches the user's sessions.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.session])
            .unwrap_or_default()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        self.run(&args).expect("tmux send-keys");
    }

    /// Waits (up to 30 s) until the screen satisfies `done`; returns the screen.
    fn wait(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if done(&screen) || Instant::now() > deadline {
                return screen;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, needle: &str, times: usize) -> String {
        self.wait(|s| s.matches(needle).count() >= times)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// How many lines of the screen start with the `> ` prompt.
fn prompts(screen: &str) -> usize {
    screen.lines().filter(|l| l.starts_with('>')).count()
}

/// How many lines of the screen start with the `... ` prompt (tmux drops trailing spaces).
fn continuations(screen: &str) -> usize {
    screen.lines().filter(|l| l.starts_with("...")).count()
}

/// The screen with trailing spaces and trailing blank lines removed.
fn tidy(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    lines[..end].join("\n")
}

/// Starts `skiff repl` in a tmux session of its own with a fresh `HOME` and waits for the first
/// prompt; None (after a note) when tmux is not installed.
fn repl_in_tmux(name: &str) -> Option<(Tmux, std::path::PathBuf)> {
    let available = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        println!("note: tmux is not installed; skipping the pseudo-terminal REPL test");
        return None;
    }
    let home = std::env::temp_dir().join(format!("skiff-{name}-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("temp home");
    let tmux = Tmux {
        socket: format!("skiff-{name}-{}", std::process::id()),
        session: "repl".into(),
    };
    let command = format!("env HOME={} NO_COLOR=1 {SKIFF} repl", home.display());
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "repl",
        "-x",
        "100",
        "-y",
        "40",
        &command,
    ])
    .expect("tmux session starts");
    tmux.wait(|s| prompts(s) >= 1);
    Some((tmux, home))
}

#[test]
fn interactive_session_in_tmux() {
    let Some((tmux, home)) = repl_in_tmux("repl-test") else {
        return;
    };
    tmux.send(&["let greeting = 'hello'", "Enter"]);
    tmux.wait_for("undefined", 1);
    tmux.send(&["function twice(n: number) {", "Enter"]);
    tmux.wait(|s| continuations(s) >= 1);
    tmux.send(&["  return n * 2", "Enter"]);
    tmux.wait(|s| continuations(s) >= 2);
    tmux.send(&["}", "Enter"]);
    tmux.wait_for("undefined", 2);
    tmux.send(&["twice(21)", "Enter"]);
    tmux.wait_for("42", 1);
    // Tab completion of a REPL variable, then of a property after `.`.
    tmux.send(&["gree", "Tab"]);
    tmux.wait_for("> greeting", 1);
    tmux.send(&[".toUpperC", "Tab"]);
    tmux.wait_for("toUpperCase", 1);
    tmux.send(&["()", "Enter"]);
    tmux.wait_for("'HELLO'", 1);
    tmux.send(&["nope", "Enter"]);
    tmux.wait_for("Uncaught ReferenceError", 1);
    tmux.send(&["_", "Enter"]);
    tmux.wait_for("'HELLO'", 2);
    // Ctrl-C abandons unfinished input; on an empty line it explains how to exit.
    tmux.send(&["[1,", "Enter"]);
    tmux.wait(|s| continuations(s) >= 3);
    tmux.send(&["C-c"]);
    tmux.wait(|s| prompts(s) >= 8);
    tmux.send(&["C-c"]);
    tmux.wait_for("(To exit", 1);
    let transcript =
        tidy(&tmux.wait(|s| prompts(s) >= 9)).replace(env!("CARGO_PKG_VERSION"), "VERSION");
    tmux.send(&[".exit", "Enter"]);
    tmux.wait(|_| tmux.run(&["has-session", "-t", "repl"]).is_none());
    let history = std::fs::read_to_string(home.join(".skiff_history")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&home);
    assert!(history.contains("twice(21)"), "history: {history}");
    insta::assert_snapshot!(transcript, @r#"
    Welcome to skiff VERSION.
    Type ".help" for more information.
    > let greeting = 'hello'
    undefined
    > function twice(n: number) {
    ...   return n * 2
    ... }
    undefined
    > twice(21)
    42
    > greeting.toUpperCase()
    'HELLO'
    > nope
    Uncaught ReferenceError: nope is not defined
        at REPL5:1:1
    > _
    'HELLO'
    > [1,
    ...
    >
    (To exit, press Ctrl+C again or Ctrl+D or type .exit)
    >
    "#);
}

#[test]
fn ctrl_c_interrupts_a_running_line() {
    let Some((tmux, home)) = repl_in_tmux("repl-int") else {
        return;
    };
    // An endless loop, then an endless interval: Ctrl+C stops each and the session goes on.
    tmux.send(&["while (true) {}", "Enter"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    tmux.send(&["C-c"]);
    tmux.wait_for("Interrupted", 1);
    tmux.send(&["setInterval(() => {}, 1)", "Enter"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    tmux.send(&["C-c"]);
    tmux.wait_for("Interrupted", 2);
    tmux.send(&["6 * 7", "Enter"]);
    let screen = tmux.wait_for("42", 1);
    tmux.send(&[".exit", "Enter"]);
    tmux.wait(|_| tmux.run(&["has-session", "-t", "repl"]).is_none());
    let _ = std::fs::remove_dir_all(&home);
    assert_eq!(
        screen.matches("Uncaught Error: Interrupted").count(),
        2,
        "{screen}"
    );
    assert!(screen.contains("\n42"), "{screen}");
}
