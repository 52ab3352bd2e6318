//! Fail-fast access counters for shared collections (ArkTS `ConcurrentApiScope`).
//!
//! Each collection has one `AtomicU32`: the low 31 bits count readers, the top bit marks a
//! writer. A read API enters as a reader for its whole duration (callbacks included), a write
//! API needs no readers and no writer. A failed entry is BusinessError 10200201 "Concurrent
//! modification exception". Entries never block, and there is no same-thread exemption: a
//! `forEach` callback that mutates its own collection fails exactly like another thread would.
//!
//! Orderings: entering is an `Acquire` CAS and leaving a `Release` RMW, so whatever a writer did
//! inside its scope happens-before every later scope on the same counter. The data itself sits
//! behind a separate `RwLock` that is only ever taken for the length of one method call, and
//! never blocks because the counter already excludes conflicting scopes.

use crate::error::{SharedError, SharedResult};
use std::ops::Deref;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

const WRITER: u32 = 1 << 31;
const READERS: u32 = WRITER - 1;

/// A reader/writer counter.
#[derive(Debug, Default)]
pub struct FailFast {
    state: AtomicU32,
}

impl FailFast {
    pub const fn new() -> FailFast {
        FailFast {
            state: AtomicU32::new(0),
        }
    }

    /// Enters as a reader; fails while a writer is inside.
    pub fn enter_read(&self) -> SharedResult<()> {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if cur & WRITER != 0 || cur & READERS == READERS {
                return Err(SharedError::ConcurrentModification);
            }
            match self.state.compare_exchange_weak(
                cur,
                cur + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Enters as the writer; fails while anyone else is inside.
    pub fn enter_write(&self) -> SharedResult<()> {
        self.state
            .compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
            .map(|_| ())
            .map_err(|_| SharedError::ConcurrentModification)
    }

    pub fn exit_read(&self) {
        self.state.fetch_sub(1, Ordering::Release);
    }

    pub fn exit_write(&self) {
        self.state.fetch_and(!WRITER, Ordering::Release);
    }

    /// The current number of readers (diagnostics and tests).
    pub fn readers(&self) -> u32 {
        self.state.load(Ordering::Relaxed) & READERS
    }

    /// True while a writer is inside (diagnostics and tests).
    pub fn has_writer(&self) -> bool {
        self.state.load(Ordering::Relaxed) & WRITER != 0
    }
}

/// A collection with a fail-fast counter.
pub trait Guarded {
    fn fail_fast(&self) -> &FailFast;
}

/// A reader scope that owns a handle to its collection, so the VM can hold it while it runs
/// script callbacks (which need `&mut Vm`, and may even reach a safepoint). Dropping it leaves.
pub struct ReadScope<T: Guarded> {
    target: Arc<T>,
}

impl<T: Guarded> ReadScope<T> {
    pub fn new(target: &Arc<T>) -> SharedResult<ReadScope<T>> {
        target.fail_fast().enter_read()?;
        Ok(ReadScope {
            target: target.clone(),
        })
    }
}

impl<T: Guarded> Deref for ReadScope<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.target
    }
}

impl<T: Guarded> Drop for ReadScope<T> {
    fn drop(&mut self) {
        self.target.fail_fast().exit_read();
    }
}

/// A writer scope that owns a handle to its collection (see [`ReadScope`]).
pub struct WriteScope<T: Guarded> {
    target: Arc<T>,
}

impl<T: Guarded> WriteScope<T> {
    pub fn new(target: &Arc<T>) -> SharedResult<WriteScope<T>> {
        target.fail_fast().enter_write()?;
        Ok(WriteScope {
            target: target.clone(),
        })
    }
}

impl<T: Guarded> Deref for WriteScope<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.target
    }
}

impl<T: Guarded> Drop for WriteScope<T> {
    fn drop(&mut self) {
        self.target.fail_fast().exit_write();
    }
}

/// A borrowed reader scope for one short call inside this crate.
pub(crate) struct ReadGuard<'a>(&'a FailFast);

impl<'a> ReadGuard<'a> {
    pub(crate) fn new(ff: &'a FailFast) -> SharedResult<ReadGuard<'a>> {
        ff.enter_read()?;
        Ok(ReadGuard(ff))
    }
}

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        self.0.exit_read();
    }
}

/// A borrowed writer scope for one short call inside this crate.
pub(crate) struct WriteGuard<'a>(&'a FailFast);

impl<'a> WriteGuard<'a> {
    pub(crate) fn new(ff: &'a FailFast) -> SharedResult<WriteGuard<'a>> {
        ff.enter_write()?;
        Ok(WriteGuard(ff))
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.exit_write();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_share_writers_exclude() {
        let ff = FailFast::new();
        let r1 = ReadGuard::new(&ff).map_err(|e| e.to_string());
        let r2 = ReadGuard::new(&ff).map_err(|e| e.to_string());
        assert!(r1.is_ok() && r2.is_ok());
        assert_eq!(ff.readers(), 2);
        let w = WriteGuard::new(&ff).err();
        assert_eq!(w.as_ref().and_then(|e| e.code()), Some(10200201));
        drop((r1, r2));
        let w = WriteGuard::new(&ff).map_err(|e| e.to_string());
        assert!(w.is_ok() && ff.has_writer());
        assert_eq!(
            ReadGuard::new(&ff).err(),
            Some(SharedError::ConcurrentModification)
        );
        assert_eq!(
            WriteGuard::new(&ff).err(),
            Some(SharedError::ConcurrentModification)
        );
        drop(w);
        assert!(!ff.has_writer() && ff.readers() == 0);
    }
}
