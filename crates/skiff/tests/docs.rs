//! The examples of the user guide, `docs/cli.md`, run as written.
//!
//! In the guide, a ```` ```ts file=NAME ```` block is a file the later examples use, and every
//! ```` ```console ```` block is a shell session: `$ command` lines followed by what the command
//! prints (stdout and stderr together). A line `...` ends the comparison of a command's output
//! early (the guide abbreviates long output). A session whose command is `$ skiff` with `> `
//! prompts is a REPL transcript: its input lines (after `> ` and `... `) are piped to the REPL,
//! which prints the same values without prompts or greeting. All blocks run in order in one fresh
//! folder, with the `skiff` under test first on `PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SKIFF: &str = env!("CARGO_BIN_EXE_skiff");

/// One fenced block of the guide.
enum Block {
    File { name: String, text: String },
    Session { line: usize, lines: Vec<String> },
}

fn blocks(guide: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = guide.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let body: Vec<String> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| !l.starts_with("```"))
            .map(str::to_string)
            .collect();
        let mut words = info.split_whitespace();
        match words.next() {
            Some("console") => out.push(Block::Session {
                line: n + 1,
                lines: body,
            }),
            Some(_) => {
                if let Some(name) = words.find_map(|w| w.strip_prefix("file=")) {
                    out.push(Block::File {
                        name: name.to_string(),
                        text: body.join("\n") + "\n",
                    });
                }
            }
            None => {}
        }
    }
    out
}

/// Commands of a session and the output each is expected to print.
fn commands(lines: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines {
        match line.strip_prefix("$ ") {
            Some(cmd) => out.push((cmd.to_string(), Vec::new())),
            None => {
                if let Some((_, expected)) = out.last_mut() {
                    expected.push(line.clone());
                }
            }
        }
    }
    out
}

/// Compares actual output with the expected lines; `...` accepts the rest.
fn matches(actual: &str, expected: &[String]) -> bool {
    let actual: Vec<&str> = actual.lines().collect();
    for (i, want) in expected.iter().enumerate() {
        if want == "..." {
            return true;
        }
        if actual.get(i) != Some(&want.as_str()) {
            return false;
        }
    }
    actual.len() == expected.len()
}

fn shell(dir: &Path, script: &str, stdin: Option<&str>) -> String {
    let bin = Path::new(SKIFF).parent().expect("binary folder");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(format!("exec 2>&1\n{script}"))
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        // The guide shows a developer's run: snapshots are written, not refused as in CI.
        .env_remove("CI")
        .env_remove("SKIFF_TEST_UPDATE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().expect("bash starts");
    if let Some(input) = stdin {
        use std::io::Write;
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes());
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("bash ends");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a REPL transcript (`$ skiff` and prompts) through the REPL's piped mode.
fn run_transcript(dir: &Path, line: usize, lines: &[String]) -> Result<(), String> {
    let mut input = String::new();
    let mut expected = Vec::new();
    for l in lines.iter().skip(1) {
        if let Some(rest) = l.strip_prefix("> ").or_else(|| l.strip_prefix("... ")) {
            input.push_str(rest);
            input.push('\n');
        } else if l == ">" || l == "..." {
            input.push('\n');
        } else if !l.starts_with("Welcome to skiff") && !l.starts_with("Type \".help\"") {
            expected.push(l.clone());
        }
    }
    let actual = shell(dir, "skiff", Some(&input));
    if matches(&actual, &expected) {
        Ok(())
    } else {
        Err(format!(
            "docs/cli.md:{line}: the REPL transcript differs\n--- guide\n{}\n--- actual\n{actual}",
            expected.join("\n")
        ))
    }
}

fn run_session(dir: &Path, line: usize, lines: &[String]) -> Result<(), String> {
    if lines.first().map(String::as_str) == Some("$ skiff")
        && lines.iter().any(|l| l.starts_with("> "))
    {
        return run_transcript(dir, line, lines);
    }
    // One shell for the whole session, so that `echo $?` sees the previous command's status;
    // a marker line ends each command's output.
    const MARK: &str = "@@skiff-docs-end@@";
    let cmds = commands(lines);
    let script: String = cmds
        .iter()
        .map(|(c, _)| format!("{c}\n__status=$?; echo {MARK}; (exit $__status)\n"))
        .collect();
    let actual = shell(dir, &script, None);
    let outputs: Vec<&str> = actual.split(&format!("{MARK}\n")).collect();
    for (i, (cmd, expected)) in cmds.iter().enumerate() {
        let got = outputs.get(i).copied().unwrap_or("");
        if !matches(got, expected) {
            return Err(format!(
                "docs/cli.md:{line}: `{cmd}` prints something else\n--- guide\n{}\n--- actual\n{got}",
                expected.join("\n")
            ));
        }
    }
    Ok(())
}

fn fresh_folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skiff-docs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp folder");
    dir
}

#[test]
fn the_user_guide_examples_run_as_written() {
    let guide_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md");
    let guide = std::fs::read_to_string(guide_path).expect("docs/cli.md");
    let dir = fresh_folder();
    let mut failures = Vec::new();
    let mut sessions = 0;
    for block in blocks(&guide) {
        match block {
            Block::File { name, text } => std::fs::write(dir.join(name), text).expect("file"),
            Block::Session { line, lines } => {
                sessions += 1;
                if let Err(e) = run_session(&dir, line, &lines) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(sessions >= 5, "the guide's sessions were not found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
