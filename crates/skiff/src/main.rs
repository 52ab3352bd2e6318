//! The `skiff` command line: run, check, parse and disassemble scripts.

mod commands;
mod source;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "skiff", version, about = "Runs ArkTS-like scripts: TypeScript syntax, ECMAScript semantics, ArkTS concurrency.")]
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match (cli.command, cli.file) {
        (Some(Command::Run { file, args }), _) => commands::run::run(&file, &args),
        (Some(Command::Check { files }), _) => commands::check::check(&files),
        (Some(Command::Parse { file, .. }), _) => commands::parse::parse(&file),
        (Some(Command::Disasm { file }), _) => commands::disasm::disasm(&file),
        (None, Some(file)) => commands::run::run(&file, &cli.args),
        (None, None) => {
            eprintln!("usage: skiff FILE | skiff run FILE | skiff check FILE... (see skiff --help)");
            ExitCode::from(2)
        }
    }
}
