//! skiff_vm — the bytecode virtual machine of skiff, one instance per concurrent instance
//! (main thread, Worker, TaskPool thread), and the core of the standard library.
//!
//! * [`value`]: the 8-byte NaN-boxed `Value`.
//! * [`heap`]: the local heap (arena + mark-sweep GC at safepoints).
//! * [`shape`], [`object`]: hidden classes and objects.
//! * [`vm`]: the instance and the core object operations; [`conv`], [`ops`]: conversions and
//!   operators.
//! * [`interp`]: the register interpreter over `skiff_bytecode`.
//! * [`event_loop`]: microtasks, timers and the inbound cross-thread channel.
//! * [`module`]: module records and the [`module::ModuleLoader`] trait the embedder implements.
//! * [`builtins`]: the standard library; [`inspect`]: node-style value formatting.
//!
//! See `docs/vm.md` for the invariants.

#![forbid(unsafe_code)]

pub mod atom;
pub mod builtins;
pub mod conv;
pub mod event_loop;
pub mod heap;
pub mod host;
pub mod inspect;
pub mod interp;
pub mod module;
pub mod object;
pub mod ops;
pub mod realm;
pub mod repl_support;
pub mod sendable;
pub mod shape;
pub mod string;
pub mod value;
pub mod vm;

/// Result of an operation that may throw: the error is the thrown JS value.
pub type JsResult<T> = Result<T, value::Value>;

pub use host::{CaptureHost, Host, StdHost};
pub use module::ModuleLoader;
pub use string::JsStr;
pub use value::Value;
pub use vm::Vm;

#[cfg(test)]
mod tests;

/// Runs `f` on a fresh thread with a large stack (256 MB of address space, committed lazily)
/// and returns its result, or the error from spawning the thread. Embedders create and run
/// their `Vm` inside `f`: natives that call back into scripts nest on the Rust stack (bounded
/// by `Limits::max_native_depth`), and the headroom keeps that far from the 8 MB main-thread
/// limit. A panic inside `f` is propagated to the caller.
pub fn with_large_stack<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> std::io::Result<R> {
    let h = std::thread::Builder::new()
        .name("skiff-vm".into())
        .stack_size(256 << 20)
        .spawn(f)?;
    match h.join() {
        Ok(r) => Ok(r),
        Err(p) => std::panic::resume_unwind(p),
    }
}
