//! Process-wide atom interner and property keys.
//!
//! An [`Atom`] is an index into one interner shared by every VM in the process, so an atom
//! means the same name in every instance (a prerequisite for passing shapes and Sendable
//! class layouts between threads). Interning takes a read lock on the fast path.

use crate::string::JsStr;
use crate::value::SymbolId;
use rustc_hash::FxHashMap;
use std::sync::{OnceLock, RwLock};

#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Atom(pub u32);

struct Interner {
    names: Vec<JsStr>,
    map: FxHashMap<JsStr, u32>,
}

fn interner() -> &'static RwLock<Interner> {
    static INTERNER: OnceLock<RwLock<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| {
        RwLock::new(Interner {
            names: Vec::new(),
            map: FxHashMap::default(),
        })
    })
}

impl Atom {
    /// Interns a string.
    pub fn intern(s: &JsStr) -> Atom {
        {
            let g = interner().read().unwrap_or_else(|e| e.into_inner());
            if let Some(&i) = g.map.get(s) {
                return Atom(i);
            }
        }
        let mut g = interner().write().unwrap_or_else(|e| e.into_inner());
        if let Some(&i) = g.map.get(s) {
            return Atom(i);
        }
        let i = g.names.len() as u32;
        g.names.push(s.clone());
        g.map.insert(s.clone(), i);
        Atom(i)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> Atom {
        Atom::intern(&JsStr::from_str(s))
    }

    /// The interned text.
    pub fn name(self) -> JsStr {
        let g = interner().read().unwrap_or_else(|e| e.into_inner());
        g.names
            .get(self.0 as usize)
            .cloned()
            .unwrap_or_else(JsStr::empty)
    }
}

/// A property key: an array index, a string atom, or a symbol.
///
/// Strings that are canonical array indices are always represented as `Index`, so the two
/// spellings of the same key can never diverge.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum PropKey {
    Index(u32),
    Str(Atom),
    Sym(SymbolId),
}

impl PropKey {
    pub fn from_js_str(s: &JsStr) -> PropKey {
        match s.as_array_index() {
            Some(i) => PropKey::Index(i),
            None => PropKey::Str(Atom::intern(s)),
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> PropKey {
        PropKey::from_js_str(&JsStr::from_str(s))
    }

    pub fn is_symbol(self) -> bool {
        matches!(self, PropKey::Sym(_))
    }

    /// The key as a string, for string and index keys.
    pub fn to_js_str(self) -> Option<JsStr> {
        match self {
            PropKey::Index(i) => Some(JsStr::from_str(&i.to_string())),
            PropKey::Str(a) => Some(a.name()),
            PropKey::Sym(_) => None,
        }
    }
}

/// Frequently used names, interned once per process.
pub mod names {
    use super::Atom;
    use std::sync::OnceLock;

    macro_rules! atoms {
        ($($id:ident = $text:expr),* $(,)?) => {
            #[allow(non_camel_case_types, dead_code)]
            pub struct Names { $(pub $id: Atom),* }
            pub fn get() -> &'static Names {
                static N: OnceLock<Names> = OnceLock::new();
                N.get_or_init(|| Names { $($id: Atom::from_str($text)),* })
            }
        };
    }

    atoms! {
        length = "length",
        prototype = "prototype",
        proto = "__proto__",
        constructor = "constructor",
        name = "name",
        message = "message",
        stack = "stack",
        cause = "cause",
        errors = "errors",
        value = "value",
        done = "done",
        next = "next",
        r#return = "return",
        throw = "throw",
        then = "then",
        get = "get",
        set = "set",
        writable = "writable",
        enumerable = "enumerable",
        configurable = "configurable",
        to_string = "toString",
        value_of = "valueOf",
        to_json = "toJSON",
        callee = "callee",
        index = "index",
        input = "input",
        groups = "groups",
        last_index = "lastIndex",
        source = "source",
        flags = "flags",
        status = "status",
        reason = "reason",
        default = "default",
        empty = "",
        global = "global",
        anonymous = "anonymous",
        join = "join",
    }
}
