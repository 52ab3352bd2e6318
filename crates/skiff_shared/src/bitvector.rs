//! `collections.BitVector`: a fail-fast growable vector of bits.
//!
//! Index and range arguments are `i64` (the VM has already checked that they are integers and
//! thrown 401 otherwise), so negative values reach the range checks and get the runtime's
//! exact 10200001 messages.

use crate::error::{SharedError, SharedResult};
use crate::failfast::{FailFast, Guarded, ReadGuard, ReadScope, WriteGuard};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[derive(Debug, Default, Clone)]
struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    fn get(&self, i: usize) -> bool {
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    fn put(&mut self, i: usize, bit: bool) {
        if bit {
            self.words[i / 64] |= 1 << (i % 64);
        } else {
            self.words[i / 64] &= !(1 << (i % 64));
        }
    }

    fn resize(&mut self, n: usize) {
        if n < self.len {
            // Clear the dropped bits so that growing again yields zeros.
            for i in n..self.len.min(n.div_ceil(64) * 64) {
                self.put(i, false);
            }
        }
        self.words.resize(n.div_ceil(64), 0);
        self.len = n;
    }
}

/// A BitVector.
#[derive(Debug, Default)]
pub struct BitVector {
    ff: FailFast,
    bits: RwLock<Bits>,
}

impl Guarded for BitVector {
    fn fail_fast(&self) -> &FailFast {
        &self.ff
    }
}

/// Checks `[from, to)` against a length: `to` in `[0, len]`, `from` in `[0, to)`.
fn check_range(from: i64, to: i64, len: usize) -> SharedResult<(usize, usize)> {
    if to < 0 || to as u64 > len as u64 {
        return Err(SharedError::to_index_out_of_range(len, to));
    }
    if from < 0 || from >= to {
        return Err(SharedError::from_index_out_of_range(to, from));
    }
    Ok((from as usize, to as usize))
}

fn check_index(i: i64, len: usize) -> SharedResult<usize> {
    if i < 0 || i as u64 >= len as u64 {
        Err(SharedError::bit_index_out_of_range(len, i))
    } else {
        Ok(i as usize)
    }
}

impl BitVector {
    /// `new BitVector(n)`: n zero bits.
    pub fn new(len: usize) -> BitVector {
        let mut bits = Bits::default();
        bits.resize(len);
        BitVector {
            ff: FailFast::new(),
            bits: RwLock::new(bits),
        }
    }

    /// A BitVector holding `bits` (the result of `getBitsByRange`).
    pub fn from_bits(bits: &[bool]) -> BitVector {
        let v = BitVector::new(bits.len());
        {
            let mut b = v.write_bits();
            for (i, &x) in bits.iter().enumerate() {
                b.put(i, x);
            }
        }
        v
    }

    fn read_bits(&self) -> RwLockReadGuard<'_, Bits> {
        self.bits.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_bits(&self) -> RwLockWriteGuard<'_, Bits> {
        self.bits.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn read_scope(self: &Arc<Self>) -> SharedResult<ReadScope<BitVector>> {
        ReadScope::new(self)
    }

    /// `length`.
    pub fn len(&self) -> SharedResult<usize> {
        let _g = ReadGuard::new(&self.ff)?;
        Ok(self.read_bits().len)
    }

    pub fn is_empty(&self) -> SharedResult<bool> {
        Ok(self.len()? == 0)
    }

    /// `bv[i]`: out of range throws (unlike SendableArray).
    pub fn get(&self, i: i64) -> SharedResult<bool> {
        let _g = ReadGuard::new(&self.ff)?;
        let b = self.read_bits();
        Ok(b.get(check_index(i, b.len)?))
    }

    /// `bv[i] = bit`.
    pub fn set(&self, i: i64, bit: bool) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut b = self.write_bits();
        let i = check_index(i, b.len)?;
        b.put(i, bit);
        Ok(())
    }

    /// `push(bit)`.
    pub fn push(&self, bit: bool) -> SharedResult<bool> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut b = self.write_bits();
        let n = b.len;
        b.resize(n + 1);
        b.put(n, bit);
        Ok(true)
    }

    /// `pop()`: the last bit, or `None` (undefined) when empty.
    pub fn pop(&self) -> SharedResult<Option<bool>> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut b = self.write_bits();
        if b.len == 0 {
            return Ok(None);
        }
        let n = b.len - 1;
        let bit = b.get(n);
        b.resize(n);
        Ok(Some(bit))
    }

    /// `has(bit, from, to)`.
    pub fn has(&self, bit: bool, from: i64, to: i64) -> SharedResult<bool> {
        let _g = ReadGuard::new(&self.ff)?;
        let b = self.read_bits();
        let (f, t) = check_range(from, to, b.len)?;
        Ok((f..t).any(|i| b.get(i) == bit))
    }

    /// `setBitsByRange(bit, from, to)`.
    pub fn set_bits_by_range(&self, bit: bool, from: i64, to: i64) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut b = self.write_bits();
        let (f, t) = check_range(from, to, b.len)?;
        for i in f..t {
            b.put(i, bit);
        }
        Ok(())
    }

    /// `setAllBits(bit)`.
    pub fn set_all_bits(&self, bit: bool) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut b = self.write_bits();
        for i in 0..b.len {
            b.put(i, bit);
        }
        Ok(())
    }

    /// `getBitsByRange(from, to)`: the bits for a new BitVector ([`BitVector::from_bits`]).
    pub fn get_bits_by_range(&self, from: i64, to: i64) -> SharedResult<Vec<bool>> {
        let _g = ReadGuard::new(&self.ff)?;
        let b = self.read_bits();
        let (f, t) = check_range(from, to, b.len)?;
        Ok((f..t).map(|i| b.get(i)).collect())
    }

    /// `resize(n)`: grows with zeros or truncates.
    pub fn resize(&self, n: usize) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        self.write_bits().resize(n);
        Ok(())
    }

    /// `getBitCountByRange(bit, from, to)`.
    pub fn get_bit_count_by_range(&self, bit: bool, from: i64, to: i64) -> SharedResult<usize> {
        let _g = ReadGuard::new(&self.ff)?;
        let b = self.read_bits();
        let (f, t) = check_range(from, to, b.len)?;
        Ok((f..t).filter(|&i| b.get(i) == bit).count())
    }

    /// `getIndexOf(bit, from, to)`: -1 when absent.
    pub fn get_index_of(&self, bit: bool, from: i64, to: i64) -> SharedResult<i64> {
        let _g = ReadGuard::new(&self.ff)?;
        let b = self.read_bits();
        let (f, t) = check_range(from, to, b.len)?;
        Ok((f..t).find(|&i| b.get(i) == bit).map_or(-1, |i| i as i64))
    }

    /// `getLastIndexOf(bit, from, to)`: -1 when absent.
    pub fn get_last_index_of(&self, bit: bool, from: i64, to: i64) -> SharedResult<i64> {
        let _g = ReadGuard::new(&self.ff)?;
        let b = self.read_bits();
        let (f, t) = check_range(from, to, b.len)?;
        Ok((f..t)
            .rev()
            .find(|&i| b.get(i) == bit)
            .map_or(-1, |i| i as i64))
    }

    /// `flipBitByIndex(i)`.
    pub fn flip_bit_by_index(&self, i: i64) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut b = self.write_bits();
        let i = check_index(i, b.len)?;
        let cur = b.get(i);
        b.put(i, !cur);
        Ok(())
    }

    /// `flipBitsByRange(from, to)`.
    pub fn flip_bits_by_range(&self, from: i64, to: i64) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut b = self.write_bits();
        let (f, t) = check_range(from, to, b.len)?;
        for i in f..t {
            let cur = b.get(i);
            b.put(i, !cur);
        }
        Ok(())
    }

    /// All bits (iteration snapshots, printing).
    pub fn to_vec(&self) -> SharedResult<Vec<bool>> {
        let _g = ReadGuard::new(&self.ff)?;
        let b = self.read_bits();
        Ok((0..b.len).map(|i| b.get(i)).collect())
    }

    /// One iterator step (no fail-fast scope, like the other iterators): the bit at `i`, or
    /// `None` past the end.
    pub fn bit_at(&self, i: usize) -> Option<bool> {
        let b = self.read_bits();
        (i < b.len).then(|| b.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(v: &BitVector) -> Vec<u8> {
        v.to_vec()
            .unwrap_or_default()
            .into_iter()
            .map(u8::from)
            .collect()
    }

    #[test]
    fn doc_examples() {
        let v = BitVector::from_bits(&[false, true, false, true, false]);
        v.set_bits_by_range(true, 1, 3).ok();
        assert_eq!(bits(&v), [0, 1, 1, 1, 0]);
        let v = BitVector::from_bits(&[false, true, false, true, false]);
        v.flip_bits_by_range(1, 4).ok();
        assert_eq!(bits(&v), [0, 0, 1, 0, 0]);
        assert_eq!(v.get_index_of(true, 0, 5), Ok(2));
        assert_eq!(v.get_last_index_of(false, 0, 5), Ok(4));
        assert_eq!(v.get_bit_count_by_range(false, 0, 5), Ok(4));
        assert_eq!(v.has(true, 0, 2), Ok(false));
        assert_eq!(v.get_bits_by_range(1, 3), Ok(vec![false, true]));
    }

    #[test]
    fn growth_and_errors() {
        let v = BitVector::new(3);
        assert_eq!(bits(&v), [0, 0, 0]);
        v.push(true).ok();
        assert_eq!(v.len(), Ok(4));
        assert_eq!(v.pop(), Ok(Some(true)));
        v.resize(130).ok();
        v.set(129, true).ok();
        v.resize(2).ok();
        v.resize(130).ok();
        assert_eq!(v.get(129), Ok(false), "truncated bits come back as zeros");
        v.flip_bit_by_index(0).ok();
        assert_eq!(v.get(0), Ok(true));
        let e = BitVector::new(0);
        assert_eq!(e.pop(), Ok(None));
        let v = BitVector::new(5);
        assert_eq!(
            v.get(5).err().map(|e| e.message()),
            Some("The value of \"index\" is out of range. It must be >= 0 && <= 4. Received value is: 5".into())
        );
        assert_eq!(v.get(-1).err().and_then(|e| e.code()), Some(10200001));
        assert_eq!(
            v.has(true, 0, 6).err(),
            Some(SharedError::to_index_out_of_range(5, 6))
        );
        assert_eq!(
            v.has(true, 2, 2).err(),
            Some(SharedError::from_index_out_of_range(2, 2)),
            "empty ranges throw"
        );
        assert_eq!(
            v.has(true, -1, 2).err(),
            Some(SharedError::from_index_out_of_range(2, -1))
        );
        assert_eq!(
            v.flip_bit_by_index(9).err().and_then(|e| e.code()),
            Some(10200001)
        );
    }

    #[test]
    fn mutation_inside_own_iteration_scope_fails() {
        let v = Arc::new(BitVector::new(4));
        let scope = v.read_scope().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.get(0), Ok(false), "reads nest");
        assert_eq!(v.push(true), Err(SharedError::ConcurrentModification));
        assert_eq!(v.set(0, true), Err(SharedError::ConcurrentModification));
        assert_eq!(
            v.flip_bits_by_range(0, 2),
            Err(SharedError::ConcurrentModification)
        );
        assert_eq!(v.bit_at(3), Some(false), "iterator steps take no scope");
        drop(scope);
        assert_eq!(v.push(true), Ok(true));
        assert_eq!(v.bit_at(4), Some(true));
        assert_eq!(v.bit_at(5), None);
    }
}
