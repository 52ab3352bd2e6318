//! `collections.ArrayBuffer` and the shared typed-array views on it.
//!
//! The bytes sit behind an `RwLock` taken for one call at a time, so racing element accesses
//! from several views or threads are memory-safe (each element access is atomic with respect
//! to the others, which is stronger than JS requires). Each buffer and each view has its own
//! fail-fast counter, as in ArkTS.

use crate::error::{SharedError, SharedResult};
use crate::failfast::{FailFast, Guarded, ReadGuard, ReadScope, WriteGuard, WriteScope};
use crate::word::SharedRef;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A SendableArrayBuffer.
#[derive(Debug, Default)]
pub struct SendableArrayBuffer {
    ff: FailFast,
    data: RwLock<Vec<u8>>,
}

impl Guarded for SendableArrayBuffer {
    fn fail_fast(&self) -> &FailFast {
        &self.ff
    }
}

impl SendableArrayBuffer {
    pub fn new(bytes: Vec<u8>) -> SendableArrayBuffer {
        SendableArrayBuffer {
            ff: FailFast::new(),
            data: RwLock::new(bytes),
        }
    }

    fn bytes(&self) -> RwLockReadGuard<'_, Vec<u8>> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    fn bytes_mut(&self) -> RwLockWriteGuard<'_, Vec<u8>> {
        self.data.write().unwrap_or_else(|e| e.into_inner())
    }

    /// `byteLength` (fixed for the buffer's life).
    pub fn byte_length(&self) -> usize {
        self.bytes().len()
    }

    /// `slice(begin, end)` with resolved indices: the bytes of the new buffer.
    pub fn slice(&self, begin: usize, end: usize) -> SharedResult<Vec<u8>> {
        let _g = ReadGuard::new(&self.ff)?;
        let b = self.bytes();
        let end = end.min(b.len());
        Ok(b.get(begin.min(end)..end)
            .map(<[u8]>::to_vec)
            .unwrap_or_default())
    }

    /// Copies bytes out (structured clone, `setCloneList`).
    pub fn to_vec(&self) -> SharedResult<Vec<u8>> {
        let _g = ReadGuard::new(&self.ff)?;
        Ok(self.bytes().clone())
    }

    /// Copies `src` into the buffer at `offset`; false if it does not fit.
    pub fn write_bytes(&self, offset: usize, src: &[u8]) -> SharedResult<bool> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut b = self.bytes_mut();
        match b.get_mut(offset..offset.saturating_add(src.len())) {
            Some(dst) => {
                dst.copy_from_slice(src);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// The element type of a shared typed array.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum TypedKind {
    Int8,
    Uint8,
    Uint8Clamped,
    Int16,
    Uint16,
    Int32,
    Uint32,
    Float32,
    Float64,
    BigInt64,
    BigUint64,
}

impl TypedKind {
    /// `BYTES_PER_ELEMENT`.
    pub fn element_size(self) -> usize {
        match self {
            TypedKind::Int8 | TypedKind::Uint8 | TypedKind::Uint8Clamped => 1,
            TypedKind::Int16 | TypedKind::Uint16 => 2,
            TypedKind::Int32 | TypedKind::Uint32 | TypedKind::Float32 => 4,
            TypedKind::Float64 | TypedKind::BigInt64 | TypedKind::BigUint64 => 8,
        }
    }

    /// The constructor name (`SendableInt8Array`, …).
    pub fn constructor_name(self) -> &'static str {
        match self {
            TypedKind::Int8 => "SendableInt8Array",
            TypedKind::Uint8 => "SendableUint8Array",
            TypedKind::Uint8Clamped => "SendableUint8ClampedArray",
            TypedKind::Int16 => "SendableInt16Array",
            TypedKind::Uint16 => "SendableUint16Array",
            TypedKind::Int32 => "SendableInt32Array",
            TypedKind::Uint32 => "SendableUint32Array",
            TypedKind::Float32 => "SendableFloat32Array",
            TypedKind::Float64 => "SendableFloat64Array",
            TypedKind::BigInt64 => "SendableBigInt64Array",
            TypedKind::BigUint64 => "SendableBigUint64Array",
        }
    }

    /// The plain JS name, used by the misalignment RangeError (`Int16Array`).
    pub fn plain_name(self) -> &'static str {
        &self.constructor_name()["Sendable".len()..]
    }

    /// The `Symbol.toStringTag` getter's answer: the runtime still prints the old names.
    pub fn to_string_tag(self) -> String {
        format!("Shared{}", self.plain_name())
    }

    pub fn is_bigint(self) -> bool {
        matches!(self, TypedKind::BigInt64 | TypedKind::BigUint64)
    }
}

/// One typed-array element, as the VM converts it to a value.
#[derive(Copy, Clone, PartialEq, Debug)]
pub enum Element {
    Number(f64),
    /// BigInt64Array elements.
    BigInt64(i64),
    /// BigUint64Array elements.
    BigUint64(u64),
}

/// ToIntN/ToUintN's modular conversion: the low `bits` bits of the truncated number.
fn to_uint_bits(n: f64, bits: u32) -> u64 {
    if !n.is_finite() {
        return 0;
    }
    let m = 2f64.powi(bits as i32);
    n.trunc().rem_euclid(m) as u64
}

fn encode(kind: TypedKind, n: f64, out: &mut [u8]) {
    match kind {
        TypedKind::Int8 | TypedKind::Uint8 => out[0] = to_uint_bits(n, 8) as u8,
        TypedKind::Uint8Clamped => {
            out[0] = if n.is_nan() {
                0
            } else {
                // Round half to even, as ToUint8Clamp does.
                let c = n.clamp(0.0, 255.0);
                let f = c.floor();
                let r = if c - f > 0.5 || (c - f == 0.5 && f % 2.0 != 0.0) {
                    f + 1.0
                } else {
                    f
                };
                r as u8
            }
        }
        TypedKind::Int16 | TypedKind::Uint16 => {
            out.copy_from_slice(&(to_uint_bits(n, 16) as u16).to_le_bytes())
        }
        TypedKind::Int32 | TypedKind::Uint32 => {
            out.copy_from_slice(&(to_uint_bits(n, 32) as u32).to_le_bytes())
        }
        TypedKind::Float32 => out.copy_from_slice(&(n as f32).to_le_bytes()),
        TypedKind::Float64 => out.copy_from_slice(&n.to_le_bytes()),
        TypedKind::BigInt64 | TypedKind::BigUint64 => {
            out.copy_from_slice(&to_uint_bits(n, 64).to_le_bytes())
        }
    }
}

fn decode(kind: TypedKind, b: &[u8]) -> Element {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    let u = u64::from_le_bytes(w);
    match kind {
        TypedKind::Int8 => Element::Number(f64::from(u as u8 as i8)),
        TypedKind::Uint8 | TypedKind::Uint8Clamped => Element::Number(f64::from(u as u8)),
        TypedKind::Int16 => Element::Number(f64::from(u as u16 as i16)),
        TypedKind::Uint16 => Element::Number(f64::from(u as u16)),
        TypedKind::Int32 => Element::Number(f64::from(u as u32 as i32)),
        TypedKind::Uint32 => Element::Number(f64::from(u as u32)),
        TypedKind::Float32 => Element::Number(f64::from(f32::from_bits(u as u32))),
        TypedKind::Float64 => Element::Number(f64::from_bits(u)),
        TypedKind::BigInt64 => Element::BigInt64(u as i64),
        TypedKind::BigUint64 => Element::BigUint64(u),
    }
}

/// A shared typed array: a view (`kind`, offset, length) on a SendableArrayBuffer.
#[derive(Debug)]
pub struct SendableTypedArray {
    ff: FailFast,
    kind: TypedKind,
    buffer_ref: SharedRef,
    buffer: Arc<SendableArrayBuffer>,
    byte_offset: usize,
    length: usize,
}

impl Guarded for SendableTypedArray {
    fn fail_fast(&self) -> &FailFast {
        &self.ff
    }
}

impl SendableTypedArray {
    /// A view of `length` elements at `byte_offset`. A misaligned offset or buffer is
    /// `RangeError: The byte length of Int16Array should be a multiple of 2`-style; a view that
    /// does not fit is a RangeError too.
    pub fn new(
        kind: TypedKind,
        buffer_ref: SharedRef,
        buffer: Arc<SendableArrayBuffer>,
        byte_offset: usize,
        length: usize,
    ) -> SharedResult<SendableTypedArray> {
        let size = kind.element_size();
        if byte_offset % size != 0 {
            return Err(SharedError::Range(
                format!(
                    "start offset of {} should be a multiple of {size}",
                    kind.plain_name()
                )
                .into(),
            ));
        }
        let fits = length
            .checked_mul(size)
            .and_then(|b| b.checked_add(byte_offset))
            .is_some_and(|end| end <= buffer.byte_length());
        if !fits {
            return Err(SharedError::Range(
                format!("Invalid typed array length: {length}").into(),
            ));
        }
        Ok(SendableTypedArray {
            ff: FailFast::new(),
            kind,
            buffer_ref,
            buffer,
            byte_offset,
            length,
        })
    }

    /// The misalignment error for a view over a whole buffer whose length is not a multiple of
    /// the element size (the runtime's text, with the plain type name).
    pub fn misaligned_buffer(kind: TypedKind) -> SharedError {
        SharedError::Range(
            format!(
                "The byte length of {} should be a multiple of {}",
                kind.plain_name(),
                kind.element_size()
            )
            .into(),
        )
    }

    pub fn kind(&self) -> TypedKind {
        self.kind
    }

    pub fn buffer_ref(&self) -> SharedRef {
        self.buffer_ref
    }

    pub fn buffer(&self) -> &Arc<SendableArrayBuffer> {
        &self.buffer
    }

    pub fn byte_offset(&self) -> usize {
        self.byte_offset
    }

    pub fn length(&self) -> usize {
        self.length
    }

    pub fn byte_length(&self) -> usize {
        self.length * self.kind.element_size()
    }

    pub fn read_scope(self: &Arc<Self>) -> SharedResult<ReadScope<SendableTypedArray>> {
        ReadScope::new(self)
    }

    pub fn write_scope(self: &Arc<Self>) -> SharedResult<WriteScope<SendableTypedArray>> {
        WriteScope::new(self)
    }

    fn load(&self, i: usize) -> Option<Element> {
        if i >= self.length {
            return None;
        }
        let size = self.kind.element_size();
        let at = self.byte_offset + i * size;
        let b = self.buffer.bytes();
        b.get(at..at + size).map(|s| decode(self.kind, s))
    }

    fn store(&self, i: usize, n: f64) -> bool {
        if i >= self.length {
            return false;
        }
        let size = self.kind.element_size();
        let at = self.byte_offset + i * size;
        let mut b = self.buffer.bytes_mut();
        match b.get_mut(at..at + size) {
            Some(s) => {
                encode(self.kind, n, s);
                true
            }
            None => false,
        }
    }

    fn store_bits(&self, i: usize, bits: u64) -> bool {
        if i >= self.length || !self.kind.is_bigint() {
            return false;
        }
        let at = self.byte_offset + i * 8;
        let mut b = self.buffer.bytes_mut();
        match b.get_mut(at..at + 8) {
            Some(s) => {
                s.copy_from_slice(&bits.to_le_bytes());
                true
            }
            None => false,
        }
    }

    /// One iterator step (no fail-fast scope): the element at `i`, or `None` past the end.
    pub fn iter_at(&self, i: usize) -> Option<Element> {
        self.load(i)
    }

    /// `ta[i]`: `None` (undefined) out of range.
    pub fn get(&self, i: usize) -> SharedResult<Option<Element>> {
        let _g = ReadGuard::new(&self.ff)?;
        Ok(self.load(i))
    }

    /// `ta[i] = n` for number kinds (after ToNumber); out-of-range writes are ignored, as for
    /// JS typed arrays. Returns whether an element was written.
    pub fn set(&self, i: usize, n: f64) -> SharedResult<bool> {
        let _g = WriteGuard::new(&self.ff)?;
        Ok(self.store(i, n))
    }

    /// `ta[i] = big` for BigInt kinds, given `BigInt.asUintN(64, big)` as bits.
    pub fn set_bigint_bits(&self, i: usize, bits: u64) -> SharedResult<bool> {
        let _g = WriteGuard::new(&self.ff)?;
        Ok(self.store_bits(i, bits))
    }

    /// `fill(n, start, end)` with resolved indices.
    pub fn fill(&self, n: f64, start: usize, end: usize) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        for i in start..end.min(self.length) {
            self.store(i, n);
        }
        Ok(())
    }

    /// All elements (iteration snapshots, join, slice).
    pub fn elements(&self) -> SharedResult<Vec<Element>> {
        let _g = ReadGuard::new(&self.ff)?;
        Ok((0..self.length).filter_map(|i| self.load(i)).collect())
    }

    /// `sort()` without a comparator: numeric order, -0 before +0, NaN last.
    pub fn sort_default(&self) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        let mut v: Vec<Element> = (0..self.length).filter_map(|i| self.load(i)).collect();
        v.sort_by(|a, b| match (a, b) {
            (Element::Number(x), Element::Number(y)) => {
                x.total_cmp(y).then(std::cmp::Ordering::Equal)
            }
            (Element::BigInt64(x), Element::BigInt64(y)) => x.cmp(y),
            (Element::BigUint64(x), Element::BigUint64(y)) => x.cmp(y),
            _ => std::cmp::Ordering::Equal,
        });
        // `total_cmp` orders negative NaNs first; JS puts every NaN last.
        v.sort_by_key(|e| matches!(e, Element::Number(x) if x.is_nan()));
        for (i, e) in v.into_iter().enumerate() {
            match e {
                Element::Number(n) => self.store(i, n),
                Element::BigInt64(x) => self.store_bits(i, x as u64),
                Element::BigUint64(x) => self.store_bits(i, x),
            };
        }
        Ok(())
    }
}

/// Element access inside a reader scope.
impl ReadScope<SendableTypedArray> {
    pub fn at(&self, i: usize) -> Option<Element> {
        self.load(i)
    }
}

/// Element access inside a writer scope (sort with a comparator).
impl WriteScope<SendableTypedArray> {
    pub fn at(&self, i: usize) -> Option<Element> {
        self.load(i)
    }

    pub fn put(&self, i: usize, n: f64) -> bool {
        self.store(i, n)
    }

    pub fn put_bigint_bits(&self, i: usize, bits: u64) -> bool {
        self.store_bits(i, bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(kind: TypedKind, len: usize) -> SendableTypedArray {
        let buf = Arc::new(SendableArrayBuffer::new(vec![0; len * kind.element_size()]));
        SendableTypedArray::new(kind, SharedRef(0), buf, 0, len).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn conversions_wrap_and_clamp() {
        let u8a = view(TypedKind::Uint8, 2);
        u8a.set(0, 1024.0).ok();
        u8a.set(1, -1.0).ok();
        assert_eq!(
            u8a.elements(),
            Ok(vec![Element::Number(0.0), Element::Number(255.0)])
        );
        let c = view(TypedKind::Uint8Clamped, 3);
        c.set(0, 1337.0).ok();
        c.set(1, 2.5).ok();
        c.set(2, 3.5).ok();
        assert_eq!(
            c.elements(),
            Ok(vec![
                Element::Number(255.0),
                Element::Number(2.0),
                Element::Number(4.0)
            ])
        );
        let i16a = view(TypedKind::Int16, 1);
        i16a.set(0, 40000.0).ok();
        assert_eq!(i16a.get(0), Ok(Some(Element::Number(-25536.0))));
        assert_eq!(i16a.get(5), Ok(None));
        assert_eq!(i16a.set(5, 1.0), Ok(false));
        let f = view(TypedKind::Float32, 1);
        f.set(0, 0.1).ok();
        assert_eq!(f.get(0), Ok(Some(Element::Number(f64::from(0.1f32)))));
        let b = view(TypedKind::BigInt64, 1);
        b.set_bigint_bits(0, u64::MAX).ok();
        assert_eq!(b.get(0), Ok(Some(Element::BigInt64(-1))));
        let s = view(TypedKind::Float64, 4);
        for (i, x) in [3.0, f64::NAN, -1.0, 2.0].into_iter().enumerate() {
            s.set(i, x).ok();
        }
        s.sort_default().ok();
        let e = s.elements().unwrap_or_default();
        assert_eq!(
            &e[..3],
            &[
                Element::Number(-1.0),
                Element::Number(2.0),
                Element::Number(3.0)
            ]
        );
        assert!(matches!(e[3], Element::Number(x) if x.is_nan()));
    }

    #[test]
    fn names_and_alignment() {
        assert_eq!(TypedKind::Int16.plain_name(), "Int16Array");
        assert_eq!(TypedKind::Int8.to_string_tag(), "SharedInt8Array");
        assert_eq!(
            SendableTypedArray::misaligned_buffer(TypedKind::Int16).message(),
            "The byte length of Int16Array should be a multiple of 2"
        );
        let buf = Arc::new(SendableArrayBuffer::new(vec![0; 3]));
        assert!(
            SendableTypedArray::new(TypedKind::Int16, SharedRef(0), buf.clone(), 1, 1).is_err()
        );
        assert!(
            SendableTypedArray::new(TypedKind::Int16, SharedRef(0), buf.clone(), 0, 2).is_err()
        );
        assert!(SendableTypedArray::new(TypedKind::Int16, SharedRef(0), buf, 2, 0).is_ok());
    }

    #[test]
    fn sort_scope_blocks_reads() {
        let a = Arc::new(view(TypedKind::Int32, 2));
        let w = a.write_scope().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.get(0), Err(SharedError::ConcurrentModification));
        assert!(w.put(0, 5.0));
        drop(w);
        assert_eq!(a.get(0), Ok(Some(Element::Number(5.0))));
    }
}
