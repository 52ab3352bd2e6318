//! Errors of shared-heap operations, with the ArkTS runtime's exact messages and codes.
//!
//! The VM turns a [`SharedError`] into a script-visible error: for [`JsErrorType::TypeError`]
//! and [`JsErrorType::RangeError`] an ordinary error object of that type with `message()`; for
//! [`JsErrorType::BusinessError`] a plain `Error` whose own `code` is `code()` and whose own
//! `name` is `"BusinessError"` (arkts-runtime-facts.md §1).

use std::borrow::Cow;
use std::fmt;

/// The container error codes of the ArkTS runtime (arkts-runtime-facts.md §1).
pub mod codes {
    pub const PARAMETER: u32 = 401;
    pub const RANGE: u32 = 10200001;
    pub const EMPTY: u32 = 10200010;
    pub const BIND: u32 = 10200011;
    pub const NOT_CONSTRUCTOR: u32 = 10200012;
    pub const NOT_EXIST: u32 = 10200017;
    pub const LOCK_NOT_EXIST: u32 = 10200030;
    pub const LOCK_TIMEOUT: u32 = 10200031;
    pub const BUFFER_DETACHED: u32 = 10200068;
    pub const CONCURRENT_MODIFICATION: u32 = 10200201;
}

/// Which JS error constructor a [`SharedError`] maps to.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum JsErrorType {
    TypeError,
    RangeError,
    /// A plain `Error` with own `code` and `name: "BusinessError"`.
    BusinessError,
}

/// An error raised by a shared-heap operation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SharedError {
    /// `Cannot set sendable property with mismatched type` (TypeError).
    MismatchedType,
    /// `Cannot add property "<key>" in prevent extensions`, or without a name for symbol keys
    /// (`None`) (TypeError).
    CannotAddProperty(Option<String>),
    /// `Cannot delete property` (TypeError).
    CannotDeleteProperty,
    /// `Cannot define property` (TypeError).
    CannotDefineProperty,
    /// `Cannot assign to read only property` (TypeError): frozen objects and methods.
    ReadOnlyProperty,
    /// `Cannot set proto with sendable object` (TypeError).
    CannotSetProto,
    /// `shared obj does not support changing or deleting attributes` (TypeError).
    CannotChangeAttributes,
    /// `Cannot update sendable object's attributes` (TypeError): `Object.freeze(sendableArray)`.
    CannotUpdateAttributes,
    /// BusinessError 10200201 `Concurrent modification exception`.
    ConcurrentModification,
    /// Any other BusinessError with its code and exact message.
    Business {
        code: u32,
        message: Cow<'static, str>,
    },
    /// Any other TypeError.
    Type(Cow<'static, str>),
    /// Any other RangeError.
    Range(Cow<'static, str>),
}

impl SharedError {
    /// The exact runtime text.
    pub fn message(&self) -> Cow<'static, str> {
        match self {
            SharedError::MismatchedType => {
                "Cannot set sendable property with mismatched type".into()
            }
            SharedError::CannotAddProperty(Some(key)) => {
                format!("Cannot add property \"{key}\" in prevent extensions").into()
            }
            SharedError::CannotAddProperty(None) => {
                "Cannot add property in prevent extensions".into()
            }
            SharedError::CannotDeleteProperty => "Cannot delete property".into(),
            SharedError::CannotDefineProperty => "Cannot define property".into(),
            SharedError::ReadOnlyProperty => "Cannot assign to read only property".into(),
            SharedError::CannotSetProto => "Cannot set proto with sendable object".into(),
            SharedError::CannotChangeAttributes => {
                "shared obj does not support changing or deleting attributes".into()
            }
            SharedError::CannotUpdateAttributes => {
                "Cannot update sendable object's attributes".into()
            }
            SharedError::ConcurrentModification => "Concurrent modification exception".into(),
            SharedError::Business { message, .. }
            | SharedError::Type(message)
            | SharedError::Range(message) => message.clone(),
        }
    }

    /// The JS error type to throw.
    pub fn error_type(&self) -> JsErrorType {
        match self {
            SharedError::ConcurrentModification | SharedError::Business { .. } => {
                JsErrorType::BusinessError
            }
            SharedError::Range(_) => JsErrorType::RangeError,
            _ => JsErrorType::TypeError,
        }
    }

    /// The BusinessError code, or `None` for TypeError and RangeError (whose `code` is undefined).
    pub fn code(&self) -> Option<u32> {
        match self {
            SharedError::ConcurrentModification => Some(codes::CONCURRENT_MODIFICATION),
            SharedError::Business { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// A BusinessError with a fixed message.
    pub fn business(code: u32, message: impl Into<Cow<'static, str>>) -> SharedError {
        SharedError::Business {
            code,
            message: message.into(),
        }
    }

    /// 10200001 `The value of index is out of range.` (a SendableArray write at index ≥ length).
    pub fn index_out_of_range() -> SharedError {
        SharedError::business(codes::RANGE, "The value of index is out of range.")
    }

    /// 10200001 `Key out of length.` (`defineProperty` on a SendableArray at index ≥ length).
    pub fn key_out_of_length() -> SharedError {
        SharedError::business(codes::RANGE, "Key out of length.")
    }

    /// 401 `Parameter error.Only accept sendable value.` (SendableArray: no space).
    pub fn array_only_sendable() -> SharedError {
        SharedError::business(
            codes::PARAMETER,
            "Parameter error.Only accept sendable value.",
        )
    }

    /// 401 `Parameter error. Only accept sendable value.` (Map, Set, TypedArray and Array
    /// `defineProperty`: with a space).
    pub fn only_sendable() -> SharedError {
        SharedError::business(
            codes::PARAMETER,
            "Parameter error. Only accept sendable value.",
        )
    }

    /// 401 `Parameter error.Invalid array length.`
    pub fn invalid_array_length() -> SharedError {
        SharedError::business(codes::PARAMETER, "Parameter error.Invalid array length.")
    }

    /// 401 `Parameter error.Not enough parameters.` (create, extendTo).
    pub fn not_enough_parameters() -> SharedError {
        SharedError::business(codes::PARAMETER, "Parameter error.Not enough parameters.")
    }

    /// 401 `Parameter error.Not enough parameter.` (shrinkTo: singular, as the runtime prints it).
    pub fn not_enough_parameter() -> SharedError {
        SharedError::business(codes::PARAMETER, "Parameter error.Not enough parameter.")
    }

    /// 10200011 `The <name> method cannot be bound.` (wrong receiver).
    pub fn cannot_be_bound(method: &str) -> SharedError {
        SharedError::business(codes::BIND, format!("The {method} method cannot be bound."))
    }

    /// 10200010 `Container is empty.`
    pub fn container_empty() -> SharedError {
        SharedError::business(codes::EMPTY, "Container is empty.")
    }

    /// 10200030 `The lock does not exist.`
    pub fn lock_not_exist() -> SharedError {
        SharedError::business(codes::LOCK_NOT_EXIST, "The lock does not exist.")
    }

    /// 10200068 `The underlying ArrayBuffer is null or detach.`
    pub fn buffer_detached() -> SharedError {
        SharedError::business(
            codes::BUFFER_DETACHED,
            "The underlying ArrayBuffer is null or detach.",
        )
    }

    /// 10200001 for a BitVector element access outside `[0, len)`.
    pub fn bit_index_out_of_range(len: usize, received: i64) -> SharedError {
        SharedError::business(
            codes::RANGE,
            format!(
                "The value of \"index\" is out of range. It must be >= 0 && <= {}. Received value is: {received}",
                len as i64 - 1
            ),
        )
    }

    /// 10200001 for a BitVector `toIndex` outside `[0, len]`.
    pub fn to_index_out_of_range(len: usize, received: i64) -> SharedError {
        SharedError::business(
            codes::RANGE,
            format!("The value of \"toIndex\" is out of range. It must be >= 0 && <= {len}. Received value is: {received}"),
        )
    }

    /// 10200001 for a BitVector `fromIndex` outside `[0, toIndex)`.
    pub fn from_index_out_of_range(to_index: i64, received: i64) -> SharedError {
        SharedError::business(
            codes::RANGE,
            format!(
                "The value of \"fromIndex\" is out of range. It must be >= 0 && <= {}. Received value is: {received}",
                to_index - 1
            ),
        )
    }
}

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error_type() {
            JsErrorType::TypeError => write!(f, "TypeError: {}", self.message()),
            JsErrorType::RangeError => write!(f, "RangeError: {}", self.message()),
            JsErrorType::BusinessError => write!(f, "BusinessError: {}", self.message()),
        }
    }
}

impl std::error::Error for SharedError {}

/// A shorthand for results of shared-heap operations.
pub type SharedResult<T> = Result<T, SharedError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_types_and_codes() {
        let cases: Vec<(SharedError, &str, JsErrorType, Option<u32>)> = vec![
            (
                SharedError::MismatchedType,
                "Cannot set sendable property with mismatched type",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::CannotAddProperty(Some("age".into())),
                "Cannot add property \"age\" in prevent extensions",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::CannotAddProperty(None),
                "Cannot add property in prevent extensions",
                JsErrorType::TypeError,
                None,
            ),
            (SharedError::CannotDeleteProperty, "Cannot delete property", JsErrorType::TypeError, None),
            (SharedError::CannotDefineProperty, "Cannot define property", JsErrorType::TypeError, None),
            (SharedError::ReadOnlyProperty, "Cannot assign to read only property", JsErrorType::TypeError, None),
            (SharedError::CannotSetProto, "Cannot set proto with sendable object", JsErrorType::TypeError, None),
            (
                SharedError::CannotChangeAttributes,
                "shared obj does not support changing or deleting attributes",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::CannotUpdateAttributes,
                "Cannot update sendable object's attributes",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::ConcurrentModification,
                "Concurrent modification exception",
                JsErrorType::BusinessError,
                Some(10200201),
            ),
            (
                SharedError::index_out_of_range(),
                "The value of index is out of range.",
                JsErrorType::BusinessError,
                Some(10200001),
            ),
            (SharedError::key_out_of_length(), "Key out of length.", JsErrorType::BusinessError, Some(10200001)),
            (
                SharedError::array_only_sendable(),
                "Parameter error.Only accept sendable value.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::only_sendable(),
                "Parameter error. Only accept sendable value.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::invalid_array_length(),
                "Parameter error.Invalid array length.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::not_enough_parameters(),
                "Parameter error.Not enough parameters.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::not_enough_parameter(),
                "Parameter error.Not enough parameter.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::cannot_be_bound("push"),
                "The push method cannot be bound.",
                JsErrorType::BusinessError,
                Some(10200011),
            ),
            (SharedError::lock_not_exist(), "The lock does not exist.", JsErrorType::BusinessError, Some(10200030)),
            (
                SharedError::bit_index_out_of_range(5, 7),
                "The value of \"index\" is out of range. It must be >= 0 && <= 4. Received value is: 7",
                JsErrorType::BusinessError,
                Some(10200001),
            ),
            (
                SharedError::to_index_out_of_range(5, 9),
                "The value of \"toIndex\" is out of range. It must be >= 0 && <= 5. Received value is: 9",
                JsErrorType::BusinessError,
                Some(10200001),
            ),
            (
                SharedError::from_index_out_of_range(3, 3),
                "The value of \"fromIndex\" is out of range. It must be >= 0 && <= 2. Received value is: 3",
                JsErrorType::BusinessError,
                Some(10200001),
            ),
        ];
        for (err, msg, ty, code) in cases {
            assert_eq!(err.message(), msg);
            assert_eq!(err.error_type(), ty, "{msg}");
            assert_eq!(err.code(), code, "{msg}");
        }
        assert_eq!(
            SharedError::ConcurrentModification.to_string(),
            "BusinessError: Concurrent modification exception"
        );
        assert_eq!(
            SharedError::CannotDeleteProperty.to_string(),
            "TypeError: Cannot delete property"
        );
    }
}
