//! The script suites under `tests/` run through `skiff test`, the same snapshot runner users get:
//! every script runs in a fresh `skiff run` process under a watchdog, and its exit status, stdout
//! and stderr are compared with `name.snap` beside it. Locally, new snapshots are written for
//! review; with `CI` set, a missing or different snapshot fails.

use std::path::Path;
use std::process::Command;

fn run_suite(suite: &str) {
    run_scripts(&[suite], &[]);
}

/// Runs `skiff test` on folders or files, with extra environment variables.
fn run_scripts(paths: &[&str], env: &[(&str, &str)]) {
    let suite = paths.join(" ");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["test", "--timeout", "60"])
        .args(paths)
        .current_dir(&root)
        .envs(env.iter().copied())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .output()
        .expect("the skiff binary starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        output.status.success(),
        "{suite}: {last} (the diffs are printed above)"
    );
    assert!(!last.starts_with("0 passed"), "{suite} ran no script");
}

#[test]
fn run_suite_scripts() {
    run_suite("tests/run");
}

/// The runnable examples of the documentation are snapshot-tested like the suites, so they
/// keep working as the runtime changes.
#[test]
fn run_examples() {
    run_suite("scripts/examples");
}

/// The suites that keep Sendables on several threads, with the shared heap collected after
/// every few allocations (`SKIFF_GC_STRESS`): a reference some instance still holds but did not
/// publish as a root would be freed and the output would change. (`gc_stress.ets`, which
/// allocates half a million Sendables to force collections at the normal rate, is left out: a
/// collection every few allocations makes it take minutes.)
#[test]
fn shared_heap_suites_under_collection_stress() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut scripts = Vec::new();
    for suite in [
        "tests/run/sendable",
        "tests/run/collections",
        "tests/run/utils",
    ] {
        let entries = std::fs::read_dir(root.join(suite)).expect("suite folder");
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".ets") && name != "gc_stress.ets" {
                scripts.push(format!("{suite}/{name}"));
            }
        }
    }
    scripts.sort();
    let args: Vec<&str> = scripts.iter().map(String::as_str).collect();
    run_scripts(&args, &[("SKIFF_GC_STRESS", "7")]);
}
