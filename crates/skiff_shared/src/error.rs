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
    SyntaxError,
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
    /// Any SyntaxError (shared-module export checks).
    Syntax(Cow<'static, str>),
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
            | SharedError::Range(message)
            | SharedError::Syntax(message) => message.clone(),
        }
    }

    /// The JS error type to throw.
    pub fn error_type(&self) -> JsErrorType {
        match self {
            SharedError::ConcurrentModification | SharedError::Business { .. } => {
                JsErrorType::BusinessError
            }
            SharedError::Range(_) => JsErrorType::RangeError,
            SharedError::Syntax(_) => JsErrorType::SyntaxError,
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

/// The remaining exact runtime texts of Sendable classes and shared collections
/// (arkts-runtime-facts.md §3–§12), so builtins in the VM never spell them by hand.
impl SharedError {
    /// 10200012 for a collection constructor called without `new`; `what` is `Array`, `Map`,
    /// `Set` or `TypedArray`.
    pub fn constructor_without_new(what: &str) -> SharedError {
        SharedError::business(
            codes::NOT_CONSTRUCTOR,
            format!("The ArkTS {what}'s constructor cannot be directly invoked."),
        )
    }

    /// 10200012 `The BitVector's constructor cannot be directly invoked.`
    pub fn bit_vector_without_new() -> SharedError {
        SharedError::business(
            codes::NOT_CONSTRUCTOR,
            "The BitVector's constructor cannot be directly invoked.",
        )
    }

    /// 10200011 for a BitVector method on a wrong receiver: no final period, as printed.
    pub fn bit_vector_cannot_be_bound(method: &str) -> SharedError {
        SharedError::business(codes::BIND, format!("The {method} method cannot be bound"))
    }

    /// 401 `The type of "<param>" must be integer. Received value is: <v>` (BitVector).
    pub fn must_be_integer(param: &str, received: &str) -> SharedError {
        SharedError::business(
            codes::PARAMETER,
            format!("The type of \"{param}\" must be integer. Received value is: {received}"),
        )
    }

    /// 10200011 `Target index cannot be undefined.` (`copyWithin()`).
    pub fn copy_within_target_undefined() -> SharedError {
        SharedError::business(codes::BIND, "Target index cannot be undefined.")
    }

    /// 401 `Parameter error.TypedArray not support yet.` (`SendableArray.from(typedArray)`).
    pub fn typed_array_not_supported() -> SharedError {
        SharedError::business(
            codes::PARAMETER,
            "Parameter error.TypedArray not support yet.",
        )
    }

    /// 401 `Parameter error. Not support Created from SendableArrayBuffer yet.`
    pub fn plain_view_on_sendable_buffer() -> SharedError {
        SharedError::business(
            codes::PARAMETER,
            "Parameter error. Not support Created from SendableArrayBuffer yet.",
        )
    }

    /// 401 `Parameter error.Only accept Map or SendableMap.` (`putAll`).
    pub fn only_map() -> SharedError {
        SharedError::business(
            codes::PARAMETER,
            "Parameter error.Only accept Map or SendableMap.",
        )
    }

    /// 401 `Parameter error.Only accept Array or SendableArray.` (`containsAll`).
    pub fn only_array() -> SharedError {
        SharedError::business(
            codes::PARAMETER,
            "Parameter error.Only accept Array or SendableArray.",
        )
    }

    /// 401 `Parameter error.Only accept Array, SendableArray or callable.` (`retainAll`).
    pub fn only_array_or_callable() -> SharedError {
        SharedError::business(
            codes::PARAMETER,
            "Parameter error.Only accept Array, SendableArray or callable.",
        )
    }

    /// `TypeError: the callbackfun is not callable.`
    pub fn callback_not_callable() -> SharedError {
        SharedError::Type("the callbackfun is not callable.".into())
    }

    /// `TypeError: the predicate is not callable.` (the find family).
    pub fn predicate_not_callable() -> SharedError {
        SharedError::Type("the predicate is not callable.".into())
    }

    /// `TypeError: Callable is false` (`sort` with a non-callable comparator).
    pub fn comparator_not_callable() -> SharedError {
        SharedError::Type("Callable is false".into())
    }

    /// `TypeError: out of range.` (`reduceRight` on an empty array without an initial value).
    pub fn reduce_empty() -> SharedError {
        SharedError::Type("out of range.".into())
    }

    /// `TypeError: the mapfn is not callable.` (`SendableArray.from`).
    pub fn mapfn_not_callable() -> SharedError {
        SharedError::Type("the mapfn is not callable.".into())
    }

    /// `TypeError: The items is null.` (`SendableArray.from(null)`).
    pub fn items_null() -> SharedError {
        SharedError::Type("The items is null.".into())
    }

    /// `TypeError: Failed to construct the array.`
    pub fn failed_to_construct_array() -> SharedError {
        SharedError::Type("Failed to construct the array.".into())
    }

    /// `TypeError: Failed to create Object.` (`of.call(Array, …)`).
    pub fn failed_to_create_object() -> SharedError {
        SharedError::Type("Failed to create Object.".into())
    }

    /// `TypeError: Cannot create object with sendable proto` (`Object.create(SendableClass)`).
    pub fn cannot_create_with_sendable_proto() -> SharedError {
        SharedError::Type("Cannot create object with sendable proto".into())
    }

    /// `TypeError: Class not derived from a sendable object` (Sendable extends non-Sendable).
    pub fn class_not_derived_from_sendable() -> SharedError {
        SharedError::Type("Class not derived from a sendable object".into())
    }

    /// `TypeError: The subclass of sendable class must be a sendable class`.
    pub fn subclass_must_be_sendable() -> SharedError {
        SharedError::Type("The subclass of sendable class must be a sendable class".into())
    }

    /// `SyntaxError: Export non-shared object from shared-module, module name is :<record>`.
    pub fn non_shared_export(record: &str) -> SharedError {
        SharedError::Syntax(
            format!("Export non-shared object from shared-module, module name is :{record}").into(),
        )
    }
}

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error_type() {
            JsErrorType::TypeError => write!(f, "TypeError: {}", self.message()),
            JsErrorType::RangeError => write!(f, "RangeError: {}", self.message()),
            JsErrorType::SyntaxError => write!(f, "SyntaxError: {}", self.message()),
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
        let more: Vec<(SharedError, &str, JsErrorType, Option<u32>)> = vec![
            (
                SharedError::constructor_without_new("Array"),
                "The ArkTS Array's constructor cannot be directly invoked.",
                JsErrorType::BusinessError,
                Some(10200012),
            ),
            (
                SharedError::constructor_without_new("Map"),
                "The ArkTS Map's constructor cannot be directly invoked.",
                JsErrorType::BusinessError,
                Some(10200012),
            ),
            (
                SharedError::bit_vector_without_new(),
                "The BitVector's constructor cannot be directly invoked.",
                JsErrorType::BusinessError,
                Some(10200012),
            ),
            (
                SharedError::bit_vector_cannot_be_bound("push"),
                "The push method cannot be bound",
                JsErrorType::BusinessError,
                Some(10200011),
            ),
            (
                SharedError::must_be_integer("fromIndex", "a"),
                "The type of \"fromIndex\" must be integer. Received value is: a",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::copy_within_target_undefined(),
                "Target index cannot be undefined.",
                JsErrorType::BusinessError,
                Some(10200011),
            ),
            (
                SharedError::typed_array_not_supported(),
                "Parameter error.TypedArray not support yet.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::plain_view_on_sendable_buffer(),
                "Parameter error. Not support Created from SendableArrayBuffer yet.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::only_map(),
                "Parameter error.Only accept Map or SendableMap.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::only_array(),
                "Parameter error.Only accept Array or SendableArray.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::only_array_or_callable(),
                "Parameter error.Only accept Array, SendableArray or callable.",
                JsErrorType::BusinessError,
                Some(401),
            ),
            (
                SharedError::callback_not_callable(),
                "the callbackfun is not callable.",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::predicate_not_callable(),
                "the predicate is not callable.",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::comparator_not_callable(),
                "Callable is false",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::reduce_empty(),
                "out of range.",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::mapfn_not_callable(),
                "the mapfn is not callable.",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::items_null(),
                "The items is null.",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::failed_to_construct_array(),
                "Failed to construct the array.",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::failed_to_create_object(),
                "Failed to create Object.",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::cannot_create_with_sendable_proto(),
                "Cannot create object with sendable proto",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::class_not_derived_from_sendable(),
                "Class not derived from a sendable object",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::subclass_must_be_sendable(),
                "The subclass of sendable class must be a sendable class",
                JsErrorType::TypeError,
                None,
            ),
            (
                SharedError::non_shared_export("func"),
                "Export non-shared object from shared-module, module name is :func",
                JsErrorType::SyntaxError,
                None,
            ),
            (
                SharedError::container_empty(),
                "Container is empty.",
                JsErrorType::BusinessError,
                Some(10200010),
            ),
            (
                SharedError::buffer_detached(),
                "The underlying ArrayBuffer is null or detach.",
                JsErrorType::BusinessError,
                Some(10200068),
            ),
        ];
        for (err, msg, ty, code) in more {
            assert_eq!(err.message(), msg);
            assert_eq!(err.error_type(), ty, "{msg}");
            assert_eq!(err.code(), code, "{msg}");
        }
        assert_eq!(
            SharedError::non_shared_export("m").to_string(),
            "SyntaxError: Export non-shared object from shared-module, module name is :m"
        );
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
