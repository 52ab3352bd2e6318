//! The `skiff` command line: run, check, parse and disassemble scripts.

mod commands;
mod repl;
mod source;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

// Scripts allocate many small, short-lived cells (closures, environments, strings): mimalloc
// serves them markedly faster than glibc malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Resource limits, shared by `run`, `repl` and `test` (which passes them to every script).
#[derive(clap::Args, Clone, Debug, Default)]
struct LimitArgs {
    /// Heap limit in MiB (resident memory of the process): past it, running scripts get a
    /// catchable RangeError.
    #[arg(long, value_name = "MIB")]
    max_heap: Option<u64>,
    /// Maximum script call depth in frames (default 20000): deeper recursion is a RangeError.
    #[arg(long, value_name = "FRAMES")]
    stack_size: Option<usize>,
    /// Let imports load files outside the current folder and the main script's folder.
    #[arg(long)]
    allow_outside_imports: bool,
}

impl LimitArgs {
    fn limits(&self, timeout: Option<f64>) -> skiff_runtime::limits::Limits {
        skiff_runtime::limits::Limits {
            max_heap_mb: self.max_heap,
            max_stack_frames: self.stack_size,
            timeout: timeout
                .filter(|t| t.is_finite() && *t > 0.0)
                .map(|t| std::time::Duration::from_secs_f64(t.min(1e9))),
            allow_outside_imports: self.allow_outside_imports,
        }
    }

    /// The same limits as `skiff run` arguments.
    fn to_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(mb) = self.max_heap {
            out.push(format!("--max-heap={mb}"));
        }
        if let Some(frames) = self.stack_size {
            out.push(format!("--stack-size={frames}"));
        }
        if self.allow_outside_imports {
            out.push("--allow-outside-imports".into());
        }
        out
    }
}

#[derive(Parser)]
#[command(
    name = "skiff",
    version,
    about = "Runs ArkTS-like scripts: TypeScript syntax, ECMAScript semantics, ArkTS concurrency."
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// A script to run (same as `skiff run FILE`).
    file: Option<PathBuf>,

    #[command(flatten)]
    limits: LimitArgs,

    /// Stop the run after this many seconds (exit status 124).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,

    /// Arguments passed to the script.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a script: a strict-mode ES module with TypeScript syntax.
    Run {
        #[command(flatten)]
        limits: LimitArgs,
        /// Stop the run after this many seconds (exit status 124).
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<f64>,
        file: PathBuf,
        /// Arguments passed to the script.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Parse and check files without running them; print every diagnostic.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Parse a file and print its syntax tree.
    Parse {
        file: PathBuf,
        /// Print the syntax tree (the default).
        #[arg(long, default_value_t = true)]
        ast: bool,
    },
    /// Compile a file and print its bytecode.
    Disasm { file: PathBuf },
    /// Start the interactive REPL (the default when no arguments are given).
    Repl {
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Run test scripts and compare their exit status, stdout and stderr with `name.snap` beside each.
    ///
    /// With no paths, runs every `*.test.ets`, `*.test.ts` and `*.test.js` under the current folder;
    /// a folder given explicitly runs every script in it (except in folders named `lib` or `_*`).
    /// New snapshots are written unless the `CI` environment variable is set.
    Test {
        paths: Vec<PathBuf>,
        /// Accept the actual output as the new snapshot (also: SKIFF_TEST_UPDATE=1).
        #[arg(long, short)]
        update: bool,
        /// Run only tests whose path contains this text.
        #[arg(long, short)]
        filter: Option<String>,
        /// Seconds before a test is killed and reported as timed out.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// Tests run at once (default: the number of cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match (cli.command, cli.file) {
        (
            Some(Command::Run {
                file,
                args,
                limits,
                timeout,
            }),
            _,
        ) => commands::run::run(&file, &args, limits.limits(timeout)),
        (Some(Command::Check { files }), _) => commands::check::check(&files),
        (Some(Command::Parse { file, .. }), _) => commands::parse::parse(&file),
        (Some(Command::Disasm { file }), _) => commands::disasm::disasm(&file),
        (
            Some(Command::Test {
                paths,
                update,
                filter,
                timeout,
                jobs,
                limits,
            }),
            _,
        ) => commands::test::test(commands::test::Options {
            run_args: limits.to_args(),
            paths,
            update,
            filter,
            timeout: std::time::Duration::from_secs_f64(if timeout.is_nan() {
                30.0
            } else {
                timeout.clamp(0.001, 86_400.0)
            }),
            jobs,
        }),
        (Some(Command::Repl { limits }), _) => repl::main(limits.limits(None)),
        (None, None) => repl::main(cli.limits.limits(None)),
        (None, Some(file)) => commands::run::run(&file, &cli.args, cli.limits.limits(cli.timeout)),
    }
}
