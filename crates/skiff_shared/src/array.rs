//! `collections.Array` (SendableArray): a fail-fast vector of words without holes.
//!
//! Every public method on [`SendableArray`] is one API call: it enters the fail-fast counter as
//! a reader or writer for its duration. Builtins that run script callbacks hold a
//! [`ReadScope`] or [`WriteScope`] across the whole call and use the scope's own methods, which
//! do not enter the counter again (a writer scope could not re-enter itself).

use crate::error::{SharedError, SharedResult};
use crate::failfast::{FailFast, Guarded, ReadGuard, ReadScope, WriteGuard, WriteScope};
use crate::word::SharedWord;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A SendableArray.
#[derive(Debug, Default)]
pub struct SendableArray {
    ff: FailFast,
    data: RwLock<Vec<SharedWord>>,
}

impl Guarded for SendableArray {
    fn fail_fast(&self) -> &FailFast {
        &self.ff
    }
}

/// Checks a length argument of `create`, `shrinkTo` and `extendTo`: a non-negative integer
/// below 2^32, else 401 `Parameter error.Invalid array length.`.
pub fn validate_length(n: f64) -> SharedResult<u32> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n < 4_294_967_296.0 {
        Ok(n as u32)
    } else {
        Err(SharedError::invalid_array_length())
    }
}

/// Resolves a relative index argument (after ToIntegerOrInfinity) against a length, as
/// `slice`, `splice`, `fill` and `copyWithin` do: negatives count from the end, the result is
/// clamped to `[0, len]`.
pub fn relative_index(rel: f64, len: usize) -> usize {
    let len_f = len as f64;
    let r = if rel.is_nan() { 0.0 } else { rel.trunc() };
    let v = if r < 0.0 {
        (len_f + r).max(0.0)
    } else {
        r.min(len_f)
    };
    v as usize
}

impl SendableArray {
    pub fn new(items: Vec<SharedWord>) -> SendableArray {
        SendableArray {
            ff: FailFast::new(),
            data: RwLock::new(items),
        }
    }

    /// `collections.Array.create(n, init)` after [`validate_length`].
    pub fn create(n: u32, init: SharedWord) -> SendableArray {
        SendableArray::new(vec![init; n as usize])
    }

    fn read_data(&self) -> RwLockReadGuard<'_, Vec<SharedWord>> {
        // The inner lock is only held within one method call and the counter already excludes
        // writers, so it is never contended for long; poisoning cannot break a Vec of words.
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_data(&self) -> RwLockWriteGuard<'_, Vec<SharedWord>> {
        self.data.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Enters a reader scope for a whole builtin call (forEach, map, join, …).
    pub fn read_scope(self: &Arc<Self>) -> SharedResult<ReadScope<SendableArray>> {
        ReadScope::new(self)
    }

    /// Enters a writer scope for a whole builtin call (sort with a comparator, …).
    pub fn write_scope(self: &Arc<Self>) -> SharedResult<WriteScope<SendableArray>> {
        WriteScope::new(self)
    }

    /// `length`.
    pub fn len(&self) -> SharedResult<usize> {
        let _g = ReadGuard::new(&self.ff)?;
        Ok(self.read_data().len())
    }

    pub fn is_empty(&self) -> SharedResult<bool> {
        Ok(self.len()? == 0)
    }

    /// `arr[i]`: out-of-range reads give undefined.
    pub fn get(&self, i: usize) -> SharedResult<SharedWord> {
        let _g = ReadGuard::new(&self.ff)?;
        Ok(self.read_data().get(i).copied().unwrap_or_default())
    }

    /// `arr[i] = w`: the counter is checked first (so a write inside forEach fails with 10200201
    /// even out of range), then the index: ≥ length is 10200001.
    pub fn set(&self, i: usize, w: SharedWord) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        match self.write_data().get_mut(i) {
            Some(slot) => {
                *slot = w;
                Ok(())
            }
            None => Err(SharedError::index_out_of_range()),
        }
    }

    /// `Object.defineProperty(arr, i, {value})`: ≥ length is 10200001 `Key out of length.`.
    pub fn define_index(&self, i: usize, w: SharedWord) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        match self.write_data().get_mut(i) {
            Some(slot) => {
                *slot = w;
                Ok(())
            }
            None => Err(SharedError::key_out_of_length()),
        }
    }

    /// `push(...items)`: returns the new length.
    pub fn push(&self, items: &[SharedWord]) -> SharedResult<usize> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut d = self.write_data();
        d.extend_from_slice(items);
        Ok(d.len())
    }

    /// `pop()`: undefined when empty.
    pub fn pop(&self) -> SharedResult<SharedWord> {
        let _g = WriteGuard::new(&self.ff)?;
        Ok(self.write_data().pop().unwrap_or_default())
    }

    /// `shift()`: undefined when empty.
    pub fn shift(&self) -> SharedResult<SharedWord> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut d = self.write_data();
        Ok(if d.is_empty() {
            SharedWord::UNDEFINED
        } else {
            d.remove(0)
        })
    }

    /// `unshift(...items)`: returns the new length.
    pub fn unshift(&self, items: &[SharedWord]) -> SharedResult<usize> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut d = self.write_data();
        d.splice(0..0, items.iter().copied());
        Ok(d.len())
    }

    /// `splice(start, deleteCount, ...items)` with `start` already resolved by
    /// [`relative_index`]; `delete_count` is clamped. Returns the removed elements.
    pub fn splice(
        &self,
        start: usize,
        delete_count: usize,
        items: &[SharedWord],
    ) -> SharedResult<Vec<SharedWord>> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut d = self.write_data();
        let start = start.min(d.len());
        let end = start + delete_count.min(d.len() - start);
        Ok(d.splice(start..end, items.iter().copied()).collect())
    }

    /// Inserts `items` before `index` (clamped to the length).
    pub fn insert(&self, index: usize, items: &[SharedWord]) -> SharedResult<usize> {
        self.splice(index, 0, items)?;
        self.len()
    }

    /// `slice(start, end)` with resolved indices: the elements for a new array.
    pub fn slice(&self, start: usize, end: usize) -> SharedResult<Vec<SharedWord>> {
        let _g = ReadGuard::new(&self.ff)?;
        let d = self.read_data();
        let end = end.min(d.len());
        Ok(d.get(start.min(end)..end)
            .map(<[SharedWord]>::to_vec)
            .unwrap_or_default())
    }

    /// A copy of all elements (concat, join, iteration snapshots, ASON).
    pub fn snapshot(&self) -> SharedResult<Vec<SharedWord>> {
        let _g = ReadGuard::new(&self.ff)?;
        Ok(self.read_data().clone())
    }

    /// `shrinkTo(n)`: no-op when `n ≥ length`.
    pub fn shrink_to(&self, n: u32) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        self.write_data().truncate(n as usize);
        Ok(())
    }

    /// `extendTo(n, init)`: no-op when `n ≤ length`.
    pub fn extend_to(&self, n: u32, init: SharedWord) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut d = self.write_data();
        if (n as usize) > d.len() {
            d.resize(n as usize, init);
        }
        Ok(())
    }

    /// `reverse()`.
    pub fn reverse(&self) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        self.write_data().reverse();
        Ok(())
    }

    /// `fill(w, start, end)` with resolved indices.
    pub fn fill(&self, w: SharedWord, start: usize, end: usize) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut d = self.write_data();
        let end = end.min(d.len());
        for slot in d.iter_mut().take(end).skip(start) {
            *slot = w;
        }
        Ok(())
    }

    /// `copyWithin(target, start, end)` with resolved indices.
    pub fn copy_within(&self, target: usize, start: usize, end: usize) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut d = self.write_data();
        let len = d.len();
        let end = end.min(len);
        let start = start.min(end);
        let count = (end - start).min(len.saturating_sub(target));
        if count > 0 {
            d.copy_within(start..start + count, target);
        }
        Ok(())
    }

    /// The first index at or after `from` whose element satisfies `pred` (indexOf, includes with
    /// [`crate::HeapView::strict_equals`] / [`crate::HeapView::same_value_zero`]).
    pub fn position(
        &self,
        from: usize,
        mut pred: impl FnMut(SharedWord) -> bool,
    ) -> SharedResult<Option<usize>> {
        let _g = ReadGuard::new(&self.ff)?;
        let d = self.read_data();
        Ok(d.iter().skip(from).position(|&w| pred(w)).map(|i| i + from))
    }

    /// The last index at or before `from` whose element satisfies `pred` (lastIndexOf).
    pub fn last_position(
        &self,
        from: usize,
        mut pred: impl FnMut(SharedWord) -> bool,
    ) -> SharedResult<Option<usize>> {
        let _g = ReadGuard::new(&self.ff)?;
        let d = self.read_data();
        let end = (from + 1).min(d.len());
        Ok(d[..end].iter().rposition(|&w| pred(w)))
    }

    /// One step of a `values()`/`entries()` iterator: the element at `i`, or `None` past the
    /// end. Iterators take no fail-fast scope (they hold no lock between steps in ArkTS), so
    /// this never fails; the length is re-read at every step, as JS array iterators do.
    pub fn iter_at(&self, i: usize) -> Option<SharedWord> {
        self.read_data().get(i).copied()
    }

    pub(crate) fn trace(&self, out: &mut Vec<u32>) {
        out.extend(
            self.read_data()
                .iter()
                .filter_map(|w| w.as_ref())
                .map(|r| r.0),
        );
    }
}

/// Element access inside a reader scope (no re-entry of the counter).
impl ReadScope<SendableArray> {
    pub fn length(&self) -> usize {
        self.read_data().len()
    }

    /// The element at `i`, or undefined when the index is out of range.
    pub fn at(&self, i: usize) -> SharedWord {
        self.read_data().get(i).copied().unwrap_or_default()
    }

    pub fn elements(&self) -> Vec<SharedWord> {
        self.read_data().clone()
    }
}

/// Element access inside a writer scope (sort with a comparator: take the elements, sort them
/// in the VM calling the comparator, put them back).
impl WriteScope<SendableArray> {
    pub fn length(&self) -> usize {
        self.read_data().len()
    }

    pub fn at(&self, i: usize) -> SharedWord {
        self.read_data().get(i).copied().unwrap_or_default()
    }

    pub fn elements(&self) -> Vec<SharedWord> {
        self.read_data().clone()
    }

    /// Replaces the contents (the sorted elements).
    pub fn replace_all(&self, items: Vec<SharedWord>) {
        *self.write_data() = items;
    }

    /// Writes an element; ≥ length is 10200001.
    pub fn put(&self, i: usize, w: SharedWord) -> SharedResult<()> {
        match self.write_data().get_mut(i) {
            Some(slot) => {
                *slot = w;
                Ok(())
            }
            None => Err(SharedError::index_out_of_range()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(x: f64) -> SharedWord {
        SharedWord::number(x)
    }

    fn nums(a: &SendableArray) -> Vec<f64> {
        a.snapshot()
            .unwrap_or_default()
            .iter()
            .filter_map(|w| w.as_number())
            .collect()
    }

    #[test]
    fn index_rules() {
        let a = SendableArray::new(vec![n(1.0), n(2.0)]);
        assert_eq!(a.get(9), Ok(SharedWord::UNDEFINED));
        assert_eq!(a.set(2, n(3.0)), Err(SharedError::index_out_of_range()));
        assert_eq!(
            a.set(2, n(3.0)).err().and_then(|e| e.code()),
            Some(10200001)
        );
        assert_eq!(
            a.define_index(5, n(3.0)).err().map(|e| e.message()),
            Some("Key out of length.".into())
        );
        assert_eq!(a.set(1, n(7.0)), Ok(()));
        assert_eq!(nums(&a), [1.0, 7.0]);
    }

    #[test]
    fn structural_ops() {
        let a = SendableArray::new(vec![]);
        assert_eq!(a.push(&[n(1.0), n(2.0), n(3.0)]), Ok(3));
        assert_eq!(a.unshift(&[n(0.0)]), Ok(4));
        assert_eq!(a.shift(), Ok(n(0.0)));
        assert_eq!(a.pop(), Ok(n(3.0)));
        assert_eq!(a.splice(0, 1, &[n(9.0), n(8.0)]).map(|v| v.len()), Ok(1));
        assert_eq!(nums(&a), [9.0, 8.0, 2.0]);
        assert_eq!(a.insert(1, &[n(5.0)]), Ok(4));
        assert_eq!(a.slice(1, 3).map(|v| v.len()), Ok(2));
        a.shrink_to(2).ok();
        assert_eq!(nums(&a), [9.0, 5.0]);
        a.shrink_to(10).ok();
        a.extend_to(4, n(0.5)).ok();
        assert_eq!(nums(&a), [9.0, 5.0, 0.5, 0.5]);
        a.extend_to(1, n(1.0)).ok();
        assert_eq!(a.len(), Ok(4));
        a.reverse().ok();
        a.fill(n(4.0), 1, 3).ok();
        assert_eq!(nums(&a), [0.5, 4.0, 4.0, 9.0]);
        a.copy_within(0, 2, 4).ok();
        assert_eq!(nums(&a), [4.0, 9.0, 4.0, 9.0]);
        assert_eq!(a.position(1, |w| w == n(4.0)), Ok(Some(2)));
        assert_eq!(a.last_position(3, |w| w == n(4.0)), Ok(Some(2)));
        assert_eq!((a.iter_at(3), a.iter_at(4)), (Some(n(9.0)), None));
        let empty = SendableArray::new(vec![]);
        assert_eq!(empty.pop(), Ok(SharedWord::UNDEFINED));
        assert_eq!(empty.shift(), Ok(SharedWord::UNDEFINED));
        assert_eq!(SendableArray::create(3, n(1.0)).len(), Ok(3));
    }

    #[test]
    fn lengths_and_relative_indices() {
        assert_eq!(validate_length(3.0), Ok(3));
        for bad in [-1.0, 1.5, f64::NAN, 4_294_967_296.0, f64::INFINITY] {
            assert_eq!(
                validate_length(bad),
                Err(SharedError::invalid_array_length())
            );
        }
        assert_eq!(relative_index(-1.0, 5), 4);
        assert_eq!(relative_index(-10.0, 5), 0);
        assert_eq!(relative_index(10.0, 5), 5);
        assert_eq!(relative_index(f64::NAN, 5), 0);
        assert_eq!(relative_index(f64::NEG_INFINITY, 5), 0);
    }

    #[test]
    fn mutation_inside_own_for_each_fails() {
        let a = Arc::new(SendableArray::new(vec![n(1.0), n(2.0)]));
        let scope = a.read_scope().unwrap_or_else(|e| panic!("{e}"));
        for i in 0..scope.length() {
            assert_eq!(scope.at(i), a.get(i).unwrap_or_default(), "reads nest");
            assert_eq!(a.push(&[n(3.0)]), Err(SharedError::ConcurrentModification));
            // The lock check comes before the range check.
            assert_eq!(a.set(99, n(3.0)), Err(SharedError::ConcurrentModification));
            assert_eq!(a.shrink_to(0), Err(SharedError::ConcurrentModification));
            assert_eq!(
                a.extend_to(5, n(0.0)),
                Err(SharedError::ConcurrentModification)
            );
        }
        drop(scope);
        assert_eq!(a.push(&[n(3.0)]), Ok(3));
        let w = a.write_scope().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.get(0), Err(SharedError::ConcurrentModification));
        let mut v = w.elements();
        v.reverse();
        w.replace_all(v);
        drop(w);
        assert_eq!(nums(&a), [3.0, 2.0, 1.0]);
    }
}
