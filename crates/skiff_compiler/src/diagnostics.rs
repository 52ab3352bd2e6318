//! The compiler's diagnostics: one function per error, codes `E3xxx`.

use skiff_ast::{Ident, Span};
use skiff_diagnostics::{Diagnostic, FileId};

/// E3001: a name declared twice in one scope where that is not allowed.
pub fn redeclared(file: FileId, id: &Ident, previous: Span) -> Diagnostic {
    Diagnostic::error(
        "E3001",
        format!("Identifier '{}' has already been declared", id.name),
        file,
        id.span,
    )
    .with_label("redeclared here")
    .with_secondary(previous, "first declared here")
    .with_help("rename one of the declarations")
}

/// E3002: assignment to a `const` binding (or a class name inside its class).
pub fn assign_to_const(file: FileId, name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E3002",
        format!("Cannot assign to '{name}' because it is a constant"),
        file,
        span,
    )
    .with_label("assignment to a constant")
    .with_help("declare it with `let` if it must change")
}

/// E3003: assignment to an imported binding.
pub fn assign_to_import(file: FileId, name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E3003",
        format!("Cannot assign to '{name}' because it is an import"),
        file,
        span,
    )
    .with_label("imported bindings are read-only")
    .with_help("export a function from the defining module to change it")
}

/// E3004: `break` outside a loop, switch or labelled statement.
pub fn break_outside(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E3004", "Illegal break statement", file, span)
        .with_label("not inside a loop or switch")
        .with_help("`break` can only be used inside a loop, a switch or a labelled statement")
}

/// E3005: `continue` outside a loop.
pub fn continue_outside(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E3005",
        "Illegal continue statement: no surrounding iteration statement",
        file,
        span,
    )
    .with_label("not inside a loop")
    .with_help("`continue` can only be used inside a loop")
}

/// E3006: a `break`/`continue` label that names no enclosing statement.
pub fn undefined_label(file: FileId, label: &Ident) -> Diagnostic {
    Diagnostic::error(
        "E3006",
        format!("Undefined label '{}'", label.name),
        file,
        label.span,
    )
    .with_label("no enclosing statement has this label")
    .with_help("check the spelling of the label")
}

/// E3007: `continue` naming a label that is not on a loop.
pub fn continue_non_loop(file: FileId, label: &Ident) -> Diagnostic {
    Diagnostic::error(
        "E3007",
        format!(
            "Illegal continue statement: '{}' does not denote an iteration statement",
            label.name
        ),
        file,
        label.span,
    )
    .with_label("this label is not on a loop")
    .with_help("`continue` must target a loop")
}

/// E3008: `await` outside an async function.
pub fn await_outside_async(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E3008",
        "'await' expressions are only allowed within async functions and at the top levels of modules",
        file,
        span,
    )
    .with_label("not inside an async function")
    .with_help("mark the enclosing function `async`")
}

/// E3009: the same name exported twice.
pub fn duplicate_export(file: FileId, name: &str, span: Span) -> Diagnostic {
    Diagnostic::error("E3009", format!("Duplicate export of '{name}'"), file, span)
        .with_label("exported again here")
        .with_help("each exported name must be unique")
}

/// E3010: `yield` outside a generator.
pub fn yield_outside_generator(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E3010",
        "'yield' expressions are only allowed within generator functions",
        file,
        span,
    )
    .with_label("not inside a generator")
    .with_help("declare the function with `function*`")
}

/// E3011: `delete` of a plain identifier, which strict mode forbids.
pub fn delete_identifier(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E3011",
        "Delete of an unqualified identifier in strict mode.",
        file,
        span,
    )
    .with_label("cannot delete a variable")
    .with_help("only properties can be deleted")
}

/// E3012: `super` outside a method, or `super()` outside a derived constructor.
pub fn bad_super(file: FileId, span: Span, call: bool) -> Diagnostic {
    let msg = if call {
        "'super' keyword unexpected here: super() is only valid in derived class constructors"
    } else {
        "'super' keyword unexpected here"
    };
    Diagnostic::error("E3012", msg, file, span)
        .with_label("invalid use of super")
        .with_help("use `super` only inside class methods and constructors")
}

/// E3013: `new.target` outside a function.
pub fn new_target_outside(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E3013",
        "new.target expression is not allowed here",
        file,
        span,
    )
    .with_label("not inside a function")
    .with_help("`new.target` is only meaningful inside functions")
}

/// E3014: `return` at the top level of a module.
pub fn return_outside(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E3014", "Illegal return statement", file, span)
        .with_label("not inside a function")
        .with_help("`return` can only be used inside a function")
}

/// E3015: a private name used outside a class that declares it.
pub fn undeclared_private(file: FileId, name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E3015",
        format!("Private field '#{name}' must be declared in an enclosing class"),
        file,
        span,
    )
    .with_label("undeclared private name")
    .with_help("declare the field in the class body")
}

/// E3016: an invalid assignment target.
pub fn invalid_assign_target(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error("E3016", "Invalid left-hand side in assignment", file, span)
        .with_label("cannot assign to this")
        .with_help("assign to a variable, a property or a destructuring pattern")
}

/// E3017: an exported name that no declaration in the module provides.
pub fn export_undeclared(file: FileId, name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E3017",
        format!("Export '{name}' is not defined in this module"),
        file,
        span,
    )
    .with_label("nothing with this name is declared")
    .with_help("declare it or import it first")
}

/// E3018: a duplicate label.
pub fn duplicate_label(file: FileId, label: &Ident) -> Diagnostic {
    Diagnostic::error(
        "E3018",
        format!("Label '{}' has already been declared", label.name),
        file,
        label.span,
    )
    .with_label("duplicate label")
    .with_help("use a different label name")
}

/// E3998: an implementation limit (registers, constants, functions, jump distance).
pub fn too_large(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E3998", format!("Function too large: {what}"), file, span)
        .with_label("this function exceeds an implementation limit")
        .with_help("split it into smaller functions")
}

/// E3999: a construct the compiler does not support yet.
pub fn unsupported(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E3999", format!("not yet supported: {what}"), file, span)
        .with_label("not supported by skiff yet")
        .with_help("rewrite this construct")
}
