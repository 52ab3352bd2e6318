//! Hidden classes.
//!
//! A [`Shape`] maps property keys to slot indices and attributes. Objects created the same way
//! share shapes through transitions, so an inline cache can check "same shape id" and read a
//! slot directly. Objects that grow past [`DICT_THRESHOLD`] properties or delete a property
//! switch to a dictionary shape: a shape owned by that object alone and mutated in place,
//! which keeps map-like objects at O(1) per insertion.

use crate::atom::PropKey;
use rustc_hash::FxHashMap;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

pub const ATTR_WRITABLE: u8 = 1;
pub const ATTR_ENUMERABLE: u8 = 2;
pub const ATTR_CONFIGURABLE: u8 = 4;
/// The slot holds an accessor pair cell rather than a data value.
pub const ATTR_ACCESSOR: u8 = 8;
pub const ATTR_DEFAULT: u8 = ATTR_WRITABLE | ATTR_ENUMERABLE | ATTR_CONFIGURABLE;
/// Writable and configurable but not enumerable: builtin methods.
pub const ATTR_HIDDEN: u8 = ATTR_WRITABLE | ATTR_CONFIGURABLE;

/// Objects with more own properties than this become dictionaries.
pub const DICT_THRESHOLD: usize = 64;

thread_local! {
    static NEXT_SHAPE_ID: Cell<u32> = const { Cell::new(1) };
}

fn fresh_id() -> u32 {
    NEXT_SHAPE_ID.with(|c| {
        let id = c.get();
        c.set(id.wrapping_add(1).max(1));
        id
    })
}

pub struct Shape {
    /// Unique per shape (and renewed whenever a dictionary shape changes a slot layout).
    pub id: u32,
    pub dict: bool,
    pub keys: Vec<PropKey>,
    pub attrs: Vec<u8>,
    /// True when some key is an `Index` key (rare; elements normally live in dense storage).
    pub has_index_keys: bool,
    map: FxHashMap<PropKey, u32>,
    transitions: RefCell<FxHashMap<(PropKey, u8), Weak<Shape>>>,
    /// The shape this one was derived from by a transition. Holding it strongly keeps the
    /// transition chain (and so the sharing of shapes between objects) alive.
    parent: Option<Rc<Shape>>,
}

impl Shape {
    pub fn root() -> Rc<Shape> {
        Rc::new(Shape {
            id: fresh_id(),
            dict: false,
            keys: Vec::new(),
            attrs: Vec::new(),
            has_index_keys: false,
            map: FxHashMap::default(),
            transitions: RefCell::new(FxHashMap::default()),
            parent: None,
        })
    }

    #[inline]
    pub fn lookup(&self, key: PropKey) -> Option<usize> {
        if self.keys.len() <= 8 {
            return self.keys.iter().position(|k| *k == key);
        }
        self.map.get(&key).map(|&i| i as usize)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn clone_table(&self, dict: bool) -> Shape {
        Shape {
            id: fresh_id(),
            dict,
            keys: self.keys.clone(),
            attrs: self.attrs.clone(),
            has_index_keys: self.has_index_keys,
            map: if self.keys.len() > 8 {
                self.map.clone()
            } else {
                self.keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (*k, i as u32))
                    .collect()
            },
            transitions: RefCell::new(FxHashMap::default()),
            parent: None,
        }
    }

    fn push_key(&mut self, key: PropKey, attrs: u8) {
        let i = self.keys.len() as u32;
        self.keys.push(key);
        self.attrs.push(attrs);
        self.map.insert(key, i);
        if matches!(key, PropKey::Index(_)) {
            self.has_index_keys = true;
        }
    }

    /// The shape after adding `key`. May return a shared transition target.
    pub fn with_added(this: &mut Rc<Shape>, key: PropKey, attrs: u8) {
        if this.dict {
            if let Some(s) = Rc::get_mut(this) {
                s.push_key(key, attrs);
                return;
            }
            let mut s = this.clone_table(true);
            s.push_key(key, attrs);
            *this = Rc::new(s);
            return;
        }
        let existing = this
            .transitions
            .borrow()
            .get(&(key, attrs))
            .and_then(|w| w.upgrade());
        if let Some(next) = existing {
            *this = next;
            return;
        }
        let dict = this.keys.len() + 1 > DICT_THRESHOLD;
        let mut s = this.clone_table(dict);
        s.push_key(key, attrs);
        if !dict {
            s.parent = Some(this.clone());
        }
        let next = Rc::new(s);
        if !dict {
            this.transitions
                .borrow_mut()
                .insert((key, attrs), Rc::downgrade(&next));
        }
        *this = next;
    }

    /// Changes the attributes of the property at `index` (turns the shape into a dictionary).
    pub fn with_attrs(this: &mut Rc<Shape>, index: usize, attrs: u8) {
        if this.attrs[index] == attrs {
            return;
        }
        let s = Self::make_dict(this);
        s.attrs[index] = attrs;
    }

    /// Removes the property at `index`; the caller removes the matching slot.
    pub fn with_removed(this: &mut Rc<Shape>, index: usize) {
        let s = Self::make_dict(this);
        s.keys.remove(index);
        s.attrs.remove(index);
        s.map.clear();
        for (i, k) in s.keys.iter().enumerate() {
            s.map.insert(*k, i as u32);
        }
        s.has_index_keys = s.keys.iter().any(|k| matches!(k, PropKey::Index(_)));
        s.id = fresh_id();
    }

    /// Makes `this` a uniquely owned dictionary shape and returns it for mutation.
    fn make_dict(this: &mut Rc<Shape>) -> &mut Shape {
        if !(this.dict && Rc::get_mut(this).is_some()) {
            let s = this.clone_table(true);
            *this = Rc::new(s);
        }
        let s = Rc::get_mut(this).expect("freshly created shape is unique");
        s.id = fresh_id();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atom::Atom;

    #[test]
    fn transitions_are_shared() {
        let root = Shape::root();
        let a = PropKey::Str(Atom::from_str("a"));
        let b = PropKey::Str(Atom::from_str("b"));
        let mut s1 = root.clone();
        Shape::with_added(&mut s1, a, ATTR_DEFAULT);
        Shape::with_added(&mut s1, b, ATTR_DEFAULT);
        let mut s2 = root.clone();
        Shape::with_added(&mut s2, a, ATTR_DEFAULT);
        Shape::with_added(&mut s2, b, ATTR_DEFAULT);
        assert_eq!(s1.id, s2.id);
        assert_eq!(s1.lookup(b), Some(1));
        Shape::with_removed(&mut s2, 0);
        assert_ne!(s1.id, s2.id);
        assert_eq!(s2.lookup(b), Some(0));
        assert_eq!(s1.lookup(b), Some(1));
    }

    #[test]
    fn many_properties_become_dictionary() {
        let mut s = Shape::root();
        for i in 0..200 {
            Shape::with_added(
                &mut s,
                PropKey::Str(Atom::from_str(&format!("k{i}"))),
                ATTR_DEFAULT,
            );
        }
        assert!(s.dict);
        assert_eq!(s.lookup(PropKey::Str(Atom::from_str("k150"))), Some(150));
    }
}
