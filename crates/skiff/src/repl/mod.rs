//! `skiff repl` (and `skiff` with no arguments): the interactive read-eval-print loop.
//!
//! * On a terminal: rustyline line editing, history in `$HOME/.skiff_history`, tab completion,
//!   highlighting; incomplete input continues on a `... ` line.
//! * Otherwise (`echo '1+1' | skiff`): the whole of stdin is read and evaluated chunk by chunk
//!   (a chunk ends at the first line where the input so far is complete), printing what the
//!   interactive REPL would print, without prompts.

mod helper;
mod session;

use helper::ReplHelper;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{
    Cmd, ConditionalEventHandler, Editor, Event, EventContext, EventHandler, KeyEvent, Movement,
    RepeatCount,
};
use session::Session;
use skiff_runtime::limits::Limits;
use std::cell::RefCell;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

/// The REPL runs on a thread with a large stack, like scripts (see `commands::run`).
const STACK_SIZE: usize = 256 * 1024 * 1024;

const HELP: &str = "\
.break    Abandon the multi-line input being typed
.clear    Reset the session: a fresh VM, every variable forgotten
.editor   Enter editor mode: type or paste several lines, Ctrl+D to run them, Ctrl+C to cancel
.exit     Exit the REPL (also Ctrl+D, or Ctrl+C twice on an empty line)
.help     Print this help
.load     Evaluate a file in this session: .load FILE

Press Tab to complete globals, keywords and properties after `.`; `_` is the last value.
";

pub fn main(limits: Limits) -> ExitCode {
    let worker = std::thread::Builder::new()
        .name("skiff-repl".into())
        .stack_size(STACK_SIZE)
        .spawn(move || {
            if std::io::stdin().is_terminal() {
                interactive(limits)
            } else {
                piped(limits)
            }
        });
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(_)) => {
            eprintln!("error: skiff crashed; this is a bug in skiff");
            ExitCode::from(70)
        }
        Err(e) => {
            eprintln!("error: cannot start the REPL thread: {e}");
            ExitCode::FAILURE
        }
    }
}

fn stdout_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// What a line starting with `.` asks for.
enum Command {
    Exit,
    Help,
    Clear,
    Editor,
    Break,
    Load(String),
    Unknown(String),
}

fn parse_command(line: &str) -> Option<Command> {
    let line = line.trim();
    let rest = line.strip_prefix('.')?;
    // `.5 + 1` and `.foo()` are not commands.
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let (name, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some(match name {
        "exit" => Command::Exit,
        "help" => Command::Help,
        "clear" => Command::Clear,
        "editor" => Command::Editor,
        "break" => Command::Break,
        "load" => Command::Load(arg.trim().to_string()),
        other => Command::Unknown(other.to_string()),
    })
}

/// Runs a command that needs no input of its own; returns false to exit.
fn run_simple_command(session: &RefCell<Session>, command: Command, color: bool) -> bool {
    match command {
        Command::Exit => return false,
        Command::Help => print(HELP),
        Command::Clear => {
            print("Clearing context...\n");
            let limits = session.borrow().limits().clone();
            *session.borrow_mut() = Session::new(color, limits);
        }
        Command::Break => {}
        Command::Load(path) if path.is_empty() => print("usage: .load FILE\n"),
        Command::Load(path) => match std::fs::read_to_string(&path) {
            Ok(text) => {
                let out = session.borrow_mut().eval(&text);
                print(&out);
            }
            Err(e) => print(&format!("Failed to load {path}: {e}\n")),
        },
        Command::Unknown(name) => print(&format!("Invalid REPL keyword .{name}\n")),
        Command::Editor => {}
    }
    true
}

/// Evaluates stdin chunk by chunk, as if each line had been typed.
fn piped(limits: Limits) -> u8 {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("error: cannot read stdin: {e}");
        return 1;
    }
    let session = RefCell::new(Session::new(false, limits));
    let mut buffer = String::new();
    let mut lines = input.lines();
    while let Some(line) = lines.next() {
        if buffer.is_empty() {
            if let Some(command) = parse_command(line) {
                match command {
                    Command::Editor => {
                        let rest: Vec<&str> = lines.by_ref().collect();
                        let out = session.borrow_mut().eval(&rest.join("\n"));
                        print(&out);
                    }
                    command => {
                        if !run_simple_command(&session, command, false) {
                            return 0;
                        }
                    }
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
        } else if matches!(parse_command(line), Some(Command::Break)) {
            buffer.clear();
            continue;
        }
        buffer.push_str(line);
        buffer.push('\n');
        if !skiff_parser::is_incomplete(&buffer) {
            let out = session.borrow_mut().eval(&std::mem::take(&mut buffer));
            print(&out);
        }
    }
    if !buffer.is_empty() {
        let out = session.borrow_mut().eval(&buffer);
        print(&out);
    }
    0
}

/// Ctrl-C: clears the line when there is text, otherwise interrupts `readline`.
struct CtrlC;

impl ConditionalEventHandler for CtrlC {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        if ctx.line().is_empty() {
            Some(Cmd::Interrupt)
        } else {
            Some(Cmd::Kill(Movement::WholeBuffer))
        }
    }
}

fn history_path() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".skiff_history"))
}

fn interactive(limits: Limits) -> u8 {
    // While a line runs, Ctrl+C interrupts it instead of ending the REPL. If the handler cannot
    // be installed, Ctrl+C keeps its default meaning.
    let _ = ctrlc::set_handler(session::interrupt_running_line);
    let color = stdout_color();
    let session = Rc::new(RefCell::new(Session::new(color, limits)));
    let mut rl: Editor<ReplHelper, DefaultHistory> = match Editor::new() {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("error: cannot start line editing: {e}");
            return 1;
        }
    };
    rl.set_helper(Some(ReplHelper {
        session: session.clone(),
        color,
    }));
    rl.bind_sequence(
        KeyEvent::ctrl('C'),
        EventHandler::Conditional(Box::new(CtrlC)),
    );
    let history = history_path();
    if let Some(path) = &history {
        // Best effort: a missing or unreadable history file only means an empty history.
        let _ = rl.load_history(path);
    }
    print(&format!(
        "Welcome to skiff {}.\nType \".help\" for more information.\n",
        env!("CARGO_PKG_VERSION")
    ));
    let mut buffer = String::new();
    let mut interrupted = false;
    loop {
        let prompt = if buffer.is_empty() { "> " } else { "... " };
        let line = match rl.readline(prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                if !buffer.is_empty() {
                    buffer.clear();
                } else if interrupted {
                    break;
                } else {
                    print("(To exit, press Ctrl+C again or Ctrl+D or type .exit)\n");
                    interrupted = true;
                }
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        };
        interrupted = false;
        if buffer.is_empty() {
            if let Some(command) = parse_command(&line) {
                let _ = rl.add_history_entry(line.trim());
                match command {
                    Command::Editor => editor_mode(&mut rl, &session),
                    command => {
                        if !run_simple_command(&session, command, color) {
                            break;
                        }
                    }
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
        } else if matches!(parse_command(&line), Some(Command::Break)) {
            buffer.clear();
            continue;
        }
        buffer.push_str(&line);
        buffer.push('\n');
        if skiff_parser::is_incomplete(&buffer) {
            continue;
        }
        let chunk = std::mem::take(&mut buffer);
        let _ = rl.add_history_entry(chunk.trim_end());
        let out = session.borrow_mut().eval(&chunk);
        print(&out);
    }
    if let Some(path) = &history {
        let _ = rl.save_history(path);
    }
    0
}

/// `.editor`: collects lines until Ctrl-D, then evaluates them as one chunk (Ctrl-C cancels).
fn editor_mode(rl: &mut Editor<ReplHelper, DefaultHistory>, session: &RefCell<Session>) {
    print("// Entering editor mode (Ctrl+D to finish, Ctrl+C to cancel)\n");
    let mut text = String::new();
    loop {
        match rl.readline("") {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
            }
            Err(ReadlineError::Eof) => break,
            Err(_) => {
                print("\n");
                return;
            }
        }
    }
    let out = session.borrow_mut().eval(&text);
    print(&out);
}
