//! The embedder interface for output.
//!
//! All console output goes through a [`Host`] so tests and the REPL can capture it.

use std::io::Write;

pub trait Host {
    fn write_stdout(&mut self, s: &str);
    fn write_stderr(&mut self, s: &str);
}

/// Writes to the process's stdout and stderr.
pub struct StdHost;

impl Host for StdHost {
    fn write_stdout(&mut self, s: &str) {
        let mut out = std::io::stdout().lock();
        // Output errors (a closed pipe) are not script errors; ignore them.
        let _ = out.write_all(s.as_bytes());
        let _ = out.flush();
    }

    fn write_stderr(&mut self, s: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(s.as_bytes());
        let _ = err.flush();
    }
}

/// Captures output in memory (shared, so the test keeps a handle after giving the host away).
#[derive(Clone, Default)]
pub struct CaptureHost {
    pub out: std::rc::Rc<std::cell::RefCell<String>>,
    pub err: std::rc::Rc<std::cell::RefCell<String>>,
}

impl Host for CaptureHost {
    fn write_stdout(&mut self, s: &str) {
        self.out.borrow_mut().push_str(s);
    }

    fn write_stderr(&mut self, s: &str) {
        self.err.borrow_mut().push_str(s);
    }
}
