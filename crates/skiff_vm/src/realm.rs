//! The intrinsic objects of one VM (prototypes and constructors the engine refers to directly).

use crate::heap::Heap;
use crate::object::{Object, ObjectKind};
use crate::shape::Shape;
use crate::value::{ObjRef, Value};
use std::rc::Rc;

macro_rules! realm {
    ($($field:ident),* $(,)?) => {
        pub struct Realm {
            pub root_shape: Rc<Shape>,
            /// Arrays and string wrappers start from their own root shapes, so a shape id
            /// never matches both an object with a virtual `length` and one without.
            pub array_root_shape: Rc<Shape>,
            pub string_root_shape: Rc<Shape>,
            /// `{ length, name }`, the starting shape of every compiled function object.
            pub fn_shape: Rc<Shape>,
            /// `{ value, done }`, the shape of every iterator result the built-ins create.
            pub iter_result_shape: Rc<Shape>,
            pub typed_protos: Vec<ObjRef>,
            pub typed_ctors: Vec<ObjRef>,
            /// The prototype of every shared-heap cell kind, indexed by
            /// `sendable::SharedKind::index()` (collections, locks, …; the `Object` entry is
            /// the fallback for Sendable instances whose class this VM has not materialized).
            /// Each starts as an empty object whose prototype is `sendable_object_proto`.
            pub sendable_protos: Vec<ObjRef>,
            /// The root of every Sendable prototype chain (its own prototype is null, so
            /// `sendableObj instanceof Object` is false).
            pub sendable_object_proto: ObjRef,
            $(pub $field: ObjRef,)*
        }

        impl Realm {
            /// Allocates every intrinsic as an empty object; `builtins::install` fills them.
            pub fn bootstrap(heap: &mut Heap, root_shape: Rc<Shape>) -> Realm {
                let object_proto = heap.alloc_object(Object::new(root_shape.clone(), None, ObjectKind::Ordinary));
                let mk = |h: &mut Heap| h.alloc_object(Object::new(root_shape.clone(), Some(object_proto), ObjectKind::Ordinary));
                $(let $field = mk(heap);)*
                let typed_protos = (0..11).map(|_| mk(heap)).collect();
                let typed_ctors = (0..11).map(|_| mk(heap)).collect();
                let sendable_object_proto = heap.alloc_object(Object::new(root_shape.clone(), None, ObjectKind::Ordinary));
                let sendable_protos = (0..crate::sendable::SharedKind::COUNT)
                    .map(|_| heap.alloc_object(Object::new(root_shape.clone(), Some(sendable_object_proto), ObjectKind::Ordinary)))
                    .collect();
                let mut r = Realm { root_shape: root_shape.clone(), array_root_shape: Shape::root(), string_root_shape: Shape::root(), fn_shape: {
                    let mut s = root_shape.clone();
                    Shape::with_added(&mut s, crate::atom::PropKey::Str(crate::atom::names::get().length), crate::shape::ATTR_CONFIGURABLE);
                    Shape::with_added(&mut s, crate::atom::PropKey::Str(crate::atom::names::get().name), crate::shape::ATTR_CONFIGURABLE);
                    s
                }, iter_result_shape: {
                    let mut s = root_shape.clone();
                    Shape::with_added(&mut s, crate::atom::PropKey::Str(crate::atom::names::get().value), crate::shape::ATTR_DEFAULT);
                    Shape::with_added(&mut s, crate::atom::PropKey::Str(crate::atom::names::get().done), crate::shape::ATTR_DEFAULT);
                    s
                }, typed_protos, typed_ctors, sendable_protos, sendable_object_proto, $($field,)* };
                r.object_proto = object_proto;
                r
            }

            pub fn trace(&self, out: &mut Vec<Value>) {
                $(out.push(Value::object(self.$field));)*
                out.extend(self.typed_protos.iter().map(|o| Value::object(*o)));
                out.extend(self.typed_ctors.iter().map(|o| Value::object(*o)));
                out.extend(self.sendable_protos.iter().map(|o| Value::object(*o)));
                out.push(Value::object(self.sendable_object_proto));
            }
        }
    };
}

realm! {
    object_proto,
    function_proto,
    array_proto,
    string_proto,
    number_proto,
    boolean_proto,
    symbol_proto,
    bigint_proto,
    error_proto,
    type_error_proto,
    range_error_proto,
    reference_error_proto,
    syntax_error_proto,
    eval_error_proto,
    uri_error_proto,
    aggregate_error_proto,
    promise_proto,
    promise_ctor,
    map_proto,
    set_proto,
    weakmap_proto,
    weakset_proto,
    weakref_proto,
    regexp_proto,
    regexp_ctor,
    date_proto,
    iterator_proto,
    async_iterator_proto,
    array_iterator_proto,
    map_iterator_proto,
    set_iterator_proto,
    string_iterator_proto,
    regexp_string_iterator_proto,
    generator_proto,
    async_generator_proto,
    generator_function_proto,
    async_function_proto,
    async_generator_function_proto,
    array_buffer_proto,
    shared_array_buffer_proto,
    typed_array_proto,
    data_view_proto,
    global,
    array_ctor,
    object_ctor,
    function_ctor,
    array_proto_values,
    throw_type_error,
    for_in_proto,
}
