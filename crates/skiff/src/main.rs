//! The `skiff` command line: run, check, parse and disassemble scripts.

mod commands;
mod repl;
mod source;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

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

    /// Arguments passed to the script.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a script: a strict-mode ES module with TypeScript syntax.
    Run {
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
    Repl,
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match (cli.command, cli.file) {
        (Some(Command::Run { file, args }), _) => commands::run::run(&file, &args),
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
            }),
            _,
        ) => commands::test::test(commands::test::Options {
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
        (Some(Command::Repl), _) | (None, None) => repl::main(),
        (None, Some(file)) => commands::run::run(&file, &cli.args),
    }
}
