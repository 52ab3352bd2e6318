//! skiff's process-wide shared heap.
//!
//! Sendable data lives here and crosses threads by reference: `@Sendable` class instances with
//! fixed layouts of atomic words, shared strings and BigInts, the `@arkts.collections`
//! containers with ArkTS's fail-fast concurrency checks, Sendable functions and environments,
//! and the `AsyncLock`/`ConditionVariable` state machines. Unreachable cells are reclaimed by a
//! stop-the-world mark-sweep collector that runs when every registered instance is at a
//! safepoint or parked.
//!
//! The crate does not depend on the VM. The contract between them is the word encoding
//! ([`word`]), which is bit-for-bit the VM's NaN-boxed `Value`, and the safepoint protocol of
//! [`Mutator`]. See `docs/shared-heap.md` for the design.
//!
//! Everything here is safe Rust; thread safety is in the types (`SharedHeap: Sync`, cells are
//! `Send + Sync`, `Mutator` is not `Send`).
//!
//! # An instance's view of the heap
//!
//! ```
//! use skiff_shared::{FieldDesc, FieldType, HeapConfig, SendableClass, SharedError, SharedHeap, SharedWord};
//!
//! # fn main() -> Result<(), SharedError> {
//! let heap = SharedHeap::leak_new(HeapConfig::default()); // `SharedHeap::global()` in the VM
//! let mut m = heap.register(None); // one per instance, on its thread
//!
//! // `@Sendable class Point { x: number; label: string }`; atoms come from the VM's interner.
//! let point = SendableClass::new("Point", None, vec![
//!     FieldDesc { atom: 1, name: "x".into(), ty: FieldType::NUMBER },
//!     FieldDesc { atom: 2, name: "label".into(), ty: FieldType::STRING },
//! ])?;
//! let p = m.alloc_object(&point)?;
//! let label = m.alloc_str("origin".into())?; // a local string enters the shared heap
//! let obj = m.object(p).ok_or(SharedError::CannotDefineProperty)?;
//! obj.set(&m, 0, SharedWord::number(0.0))?;
//! obj.set(&m, 1, label)?;
//! assert_eq!(obj.set(&m, 0, label), Err(SharedError::MismatchedType));
//!
//! // A collection: clone its `Arc`, then one method per API call.
//! let arr = m.alloc_array(vec![SharedWord::from_ref(p)])?;
//! let list = m.array(arr).cloned().ok_or(SharedError::CannotDefineProperty)?;
//! assert_eq!(list.push(&[SharedWord::NULL])?, 2);
//!
//! // At the attention check: publish roots if a collection is waiting.
//! m.safepoint(|roots| roots.push(arr));
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

pub mod array;
pub mod bitvector;
pub mod buffer;
pub mod class;
pub mod condvar;
pub mod error;
pub mod failfast;
pub mod heap;
pub mod lock;
pub mod map;
pub mod module;
pub mod object;
pub mod string;
pub mod word;

pub use array::{relative_index, validate_length, SendableArray};
pub use bitvector::BitVector;
pub use buffer::{Element, SendableArrayBuffer, SendableTypedArray, TypedKind};
pub use class::{FieldDesc, FieldType, SendableClass, WordKind};
pub use condvar::{ConditionVariable, NotifyWaker, WaitId};
pub use error::{codes, JsErrorType, SharedError, SharedResult};
pub use failfast::{FailFast, Guarded, ReadScope, WriteScope};
pub use heap::{Cell, HeapConfig, HeapStats, HeapView, Mutator, Pins, SharedHeap};
pub use lock::{AsyncLock, GrantWaker, LockInfo, LockMode, LockState, RequestId, Requested};
pub use map::{Cursor, MapKey, SendableMap, SendableSet};
pub use module::ModuleStatus;
pub use object::{
    DefineDescriptor, Native, PropertyKey, SendableObject, SharedEnv, SharedFunction,
};
pub use string::SharedStr;
pub use word::{Rejected, SharedRef, SharedWord};

#[cfg(test)]
mod send_sync {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    /// Thread safety is a type: everything that other threads reach is `Send + Sync`.
    #[test]
    fn shared_types_are_send_and_sync() {
        assert_send_sync::<SharedHeap>();
        assert_send_sync::<Cell>();
        assert_send_sync::<SendableObject>();
        assert_send_sync::<SendableClass>();
        assert_send_sync::<SendableArray>();
        assert_send_sync::<SendableMap>();
        assert_send_sync::<SendableSet>();
        assert_send_sync::<SendableTypedArray>();
        assert_send_sync::<BitVector>();
        assert_send_sync::<AsyncLock>();
        assert_send_sync::<ConditionVariable>();
        assert_send_sync::<SharedWord>();
        assert_send_sync::<SharedStr>();
        assert_send_sync::<ReadScope<SendableArray>>();
    }
}
