//! `skiff test [PATHS...]`: the snapshot test runner.
//!
//! Each test script runs in a fresh runtime — a child `skiff run` process, so that a crash, a hang or
//! a runaway allocation in one test cannot take the runner down — under a timeout. Its exit status,
//! stdout and stderr are compared with `name.snap` beside the script. New snapshots are written and
//! reported; in CI mode (the `CI` environment variable is set) a missing snapshot is a failure.

use similar::TextDiff;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Options {
    /// Extra `skiff run` arguments for every script (resource limits).
    pub run_args: Vec<String>,
    pub paths: Vec<PathBuf>,
    pub update: bool,
    pub filter: Option<String>,
    pub timeout: Duration,
    pub jobs: Option<usize>,
}

/// A first-line directive that skips a test: `// skiff-test: skip`.
const SKIP_DIRECTIVE: &str = "skiff-test: skip";

pub fn test(options: Options) -> ExitCode {
    let ci = is_ci();
    let update = options.update || env_flag("SKIFF_TEST_UPDATE");
    let mut scripts = Vec::new();
    if options.paths.is_empty() {
        find_test_files(Path::new("."), &mut scripts);
    } else {
        for path in &options.paths {
            if path.is_dir() {
                find_scripts(path, &mut scripts);
            } else if path.is_file() {
                scripts.push(path.clone());
            } else {
                eprintln!("error: {} does not exist", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(filter) = &options.filter {
        scripts.retain(|p| p.to_string_lossy().contains(filter.as_str()));
    }
    scripts.sort();
    scripts.dedup();

    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("error: cannot find the skiff executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let jobs = options
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let outcomes = run_all(&exe, &scripts, options.timeout, jobs, &options.run_args);

    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut summary = Summary::default();
    for (script, outcome) in scripts.iter().zip(outcomes) {
        let Some(actual) = outcome else {
            summary.skipped += 1;
            continue;
        };
        let snap_path = script.with_extension("snap");
        let expected = std::fs::read_to_string(&snap_path).ok();
        match expected {
            Some(expected) if expected == actual => summary.passed += 1,
            Some(_) | None if update => {
                write_snapshot(&snap_path, &actual, &mut summary);
                println!("UPDATED {}", script.display());
                summary.passed += 1;
            }
            Some(expected) => {
                println!("FAIL {}", script.display());
                print_diff(&expected, &actual, color);
                summary.failed += 1;
            }
            None if ci => {
                println!(
                    "FAIL {} (no snapshot; CI mode does not write new ones)",
                    script.display()
                );
                print_diff("", &actual, color);
                summary.failed += 1;
            }
            None => {
                write_snapshot(&snap_path, &actual, &mut summary);
                println!(
                    "NEW {} (snapshot written: review {})",
                    script.display(),
                    snap_path.display()
                );
                summary.new += 1;
                summary.passed += 1;
            }
        }
    }
    if summary.new > 0 {
        println!("{} new snapshot(s) written", summary.new);
    }
    let mut last = format!("{} passed, {} failed", summary.passed, summary.failed);
    if summary.skipped > 0 {
        last.push_str(&format!(", {} skipped", summary.skipped));
    }
    println!("{last}");
    if summary.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[derive(Default)]
struct Summary {
    passed: usize,
    failed: usize,
    skipped: usize,
    new: usize,
}

fn write_snapshot(path: &Path, text: &str, summary: &mut Summary) {
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("error: cannot write {}: {e}", path.display());
        summary.failed += 1;
    }
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// CI systems set `CI` (GitHub Actions, GitLab, and our own `.ci/run` callers).
fn is_ci() -> bool {
    env_flag("CI")
}

fn is_script(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "ets" || e == "ts" || e == "js")
}

/// Folders that hold helper modules rather than tests, and folders that are never source.
fn is_skipped_dir(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "lib"
        || name.starts_with('_')
        || name == "target"
        || name == "node_modules"
        || name.starts_with('.')
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

/// Every script under a folder given explicitly.
fn find_scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    for path in sorted_entries(dir) {
        if path.is_dir() {
            if !is_skipped_dir(&path) {
                find_scripts(&path, out);
            }
        } else if is_script(&path) {
            out.push(path);
        }
    }
}

/// With no paths: `*.test.ets`, `*.test.ts` and `*.test.js` under the current folder.
fn find_test_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for path in sorted_entries(dir) {
        if path.is_dir() {
            if !is_skipped_dir(&path) {
                find_test_files(&path, out);
            }
        } else if is_script(&path)
            && path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.ends_with(".test"))
        {
            out.push(path);
        }
    }
}

fn is_skipped_test(script: &Path) -> bool {
    std::fs::read_to_string(script)
        .ok()
        .and_then(|text| text.lines().next().map(|l| l.contains(SKIP_DIRECTIVE)))
        .unwrap_or(false)
}

/// Runs every script on `jobs` threads; `None` marks a skipped test. Results come back in input order.
fn run_all(
    exe: &Path,
    scripts: &[PathBuf],
    timeout: Duration,
    jobs: usize,
    run_args: &[String],
) -> Vec<Option<String>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<String>>> = Mutex::new(vec![None; scripts.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(scripts.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(script) = scripts.get(i) else { break };
                if is_skipped_test(script) {
                    continue;
                }
                let text = run_one(exe, script, timeout, run_args);
                if let Ok(mut results) = results.lock() {
                    results[i] = Some(text);
                }
            });
        }
    });
    results.into_inner().unwrap_or_default()
}

/// Runs one script in a child process from the script's own folder, so that paths in its output
/// (stack traces, diagnostics) do not depend on where the runner was started.
fn run_one(exe: &Path, script: &Path, timeout: Duration, run_args: &[String]) -> String {
    let dir = script
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = script.file_name().map(PathBuf::from).unwrap_or_default();
    let child = Command::new(exe)
        .arg("run")
        .args(run_args)
        .arg(&name)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return format!("exit: could not start: {e}\n"),
    };
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    // The pipes are drained on their own threads so that a chatty script cannot block on a full pipe.
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(pipe) = out_pipe.as_mut() {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(pipe) = err_pipe.as_mut() {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                break status
                    .code()
                    .map_or_else(|| "killed by a signal".to_string(), |c| c.to_string())
            }
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break format!("timed out after {} ms", timeout.as_millis());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => break format!("could not wait: {e}"),
        }
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    format_snapshot(&status, &stdout, &stderr)
}

/// The snapshot text: plain, stable, and readable in review.
fn format_snapshot(status: &str, stdout: &str, stderr: &str) -> String {
    let mut text = format!("exit: {status}\n--- stdout\n{stdout}");
    if !stdout.is_empty() && !stdout.ends_with('\n') {
        text.push_str("\n[no newline at end]\n");
    }
    text.push_str("--- stderr\n");
    text.push_str(stderr);
    if !stderr.is_empty() && !stderr.ends_with('\n') {
        text.push_str("\n[no newline at end]\n");
    }
    text
}

fn print_diff(expected: &str, actual: &str, color: bool) {
    let diff = TextDiff::from_lines(expected, actual);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header("snapshot", "actual")
        .to_string();
    for line in text.lines() {
        if !color {
            println!("    {line}");
        } else if line.starts_with('+') && !line.starts_with("+++") {
            println!("    \x1b[32m{line}\x1b[0m");
        } else if line.starts_with('-') && !line.starts_with("---") {
            println!("    \x1b[31m{line}\x1b[0m");
        } else {
            println!("    {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_text_marks_missing_final_newline() {
        assert_eq!(
            format_snapshot("0", "a\n", ""),
            "exit: 0\n--- stdout\na\n--- stderr\n"
        );
        assert_eq!(
            format_snapshot("1", "a", "b\n"),
            "exit: 1\n--- stdout\na\n[no newline at end]\n--- stderr\nb\n"
        );
    }

    #[test]
    fn helper_folders_are_not_tests() {
        assert!(is_skipped_dir(Path::new("tests/run/lib")));
        assert!(is_skipped_dir(Path::new("tests/_fixtures")));
        assert!(!is_skipped_dir(Path::new("tests/run/lang")));
    }
}
