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

// ---------------------------------------------------------------------------------------------
// E4xxx: the ArkTS @Concurrent and Sendable rules (checked by `check`, before code generation).
// Messages follow the wording of the ArkTS checker and linter where there is one.
// ---------------------------------------------------------------------------------------------

/// E4001: `@Concurrent` on something other than a plain or async function declaration.
pub fn concurrent_misplaced(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E4001",
        "@Concurrent can only decorate function declarations and async function declarations",
        file,
        span,
    )
    .with_label(format!("not allowed on {what}"))
    .with_help("move the work into a top-level `function` (or `async function`) and decorate that")
}

/// E4002: a `@Concurrent` function uses a binding of its own file that is neither one of its
/// locals nor an import. `top_level` tells a module-level binding from a local of an enclosing
/// function.
pub fn concurrent_capture(
    file: FileId,
    id: &Ident,
    decl: Span,
    what: &str,
    top_level: bool,
) -> Diagnostic {
    let help = if top_level {
        "move it to another file and import it, or pass the value as an argument"
    } else {
        "pass the value as an argument"
    };
    Diagnostic::error(
        "E4002",
        "Only imported variables and local variables can be used in @Concurrent decorated functions.",
        file,
        id.span,
    )
    .with_label(format!(
        "`{}` is {what} declared outside the concurrent function",
        id.name
    ))
    .with_secondary(decl, "declared here")
    .with_help(help)
}

/// E4003: `@Sendable` on something other than a class, a function or a function type alias.
pub fn sendable_misplaced(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E4003",
        "The \"@Sendable\" decorator can only be used on \"class\", \"function\" and \"typeAlias\"",
        file,
        span,
    )
    .with_label(format!("not allowed on {what}"))
    .with_help("remove the decorator")
}

/// E4004: `@Sendable type T = …` where the aliased type is not a function type.
pub fn sendable_alias_not_function(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E4004",
        "Only \"FunctionType\" can declare \"Sendable\" typeAlias",
        file,
        span,
    )
    .with_label("not a function type")
    .with_help("`@Sendable` type aliases must alias a function type such as `(x: number) => void`")
}

/// E4005: a Sendable class extending a non-Sendable class (or a variable), or a non-Sendable
/// class extending a Sendable class or implementing a Sendable interface.
pub fn sendable_inheritance(file: FileId, span: Span, label: &str, help: &str) -> Diagnostic {
    Diagnostic::error(
        "E4005",
        "The inheritance for \"Sendable\" classes is limited",
        file,
        span,
    )
    .with_label(label.to_string())
    .with_help(help.to_string())
}

/// E4006: a field of a Sendable class or interface whose type is not a Sendable type.
pub fn sendable_prop_type(
    file: FileId,
    span: Span,
    field: &str,
    why: &str,
    help: Option<String>,
) -> Diagnostic {
    let d = Diagnostic::error(
        "E4006",
        "Properties in \"Sendable\" classes and interfaces must have a Sendable data type",
        file,
        span,
    )
    .with_label(format!("the type of `{field}` {why}"));
    d.with_help(help.unwrap_or_else(|| {
        "use number, string, boolean, bigint, null, undefined, a const enum, a Sendable class or \
         interface, or an `@arkts.collections` type"
            .to_string()
    }))
}

/// E4007: a field of a Sendable class without a type annotation.
pub fn sendable_field_untyped(file: FileId, span: Span, field: &str) -> Diagnostic {
    Diagnostic::error(
        "E4007",
        "Field in sendable class must have type annotation",
        file,
        span,
    )
    .with_label(format!("`{field}` has no type annotation"))
    .with_help("declare the field type explicitly, e.g. `count: number = 0`")
}

/// E4008: `x!: T` in a Sendable class.
pub fn sendable_definite_assignment(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E4008",
        "Definite assignment assertion is not allowed in \"Sendable\" classes",
        file,
        span,
    )
    .with_label("definite assignment assertion")
    .with_help("remove the `!` and initialize the field in its declaration or in the constructor")
}

/// E4009: a field of a Sendable class that is neither initialized nor assigned in the
/// constructor.
pub fn sendable_field_uninitialized(file: FileId, span: Span, field: &str) -> Diagnostic {
    Diagnostic::error(
        "E4009",
        format!(
            "Property '{field}' has no initializer and is not definitely assigned in the constructor."
        ),
        file,
        span,
    )
    .with_label("fields of Sendable classes must be initialized")
    .with_help(format!(
        "give `{field}` an initializer or assign `this.{field}` in the constructor"
    ))
}

/// E4010: a computed property name in a Sendable class or interface.
pub fn sendable_computed_name(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E4010",
        "Computed property names are not allowed in \"Sendable\" classes and interfaces",
        file,
        span,
    )
    .with_label("computed property name")
    .with_help("use a plain identifier as the member name")
}

/// E4011: a `#private` member in a Sendable class.
pub fn sendable_private_name(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E4011",
        "Private '#' identifiers are not supported in \"Sendable\" classes",
        file,
        span,
    )
    .with_label("`#` private name")
    .with_help("use the `private` modifier instead")
}

/// E4012: a decorator other than `@Sendable` on a Sendable class, function or type alias (or
/// on a member of a Sendable class).
pub fn sendable_other_decorator(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E4012",
        format!("Only \"@Sendable\" decorator can be used on \"Sendable\" {what}"),
        file,
        span,
    )
    .with_label("other decorators are not allowed here")
    .with_help("remove this decorator")
}

/// E4013: a Sendable value initialized from an object or array literal.
pub fn sendable_literal_init(file: FileId, span: Span, array: bool) -> Diagnostic {
    let d = Diagnostic::error(
        "E4013",
        "Objects of \"Sendable\" type can not be initialized using object literal or array literal",
        file,
        span,
    );
    if array {
        d.with_label("array literal").with_help(
            "create the container with `new`, e.g. `new collections.Array<number>(1, 2)`",
        )
    } else {
        d.with_label("object literal")
            .with_help("create the object with `new` and a Sendable class")
    }
}

/// E4014: a Sendable class or function (`what`) uses a binding of its own file that is not
/// allowed; `kind` describes the binding ("a variable", "a class", …).
pub fn sendable_capture(
    file: FileId,
    id: &Ident,
    decl: Span,
    kind: &str,
    what: &str,
) -> Diagnostic {
    Diagnostic::error(
        "E4014",
        format!("Only imported variables can be captured by \"Sendable\" {what}"),
        file,
        id.span,
    )
    .with_label(format!(
        "`{}` is {kind} declared outside the Sendable {what}",
        id.name
    ))
    .with_secondary(decl, "declared here")
    .with_help(
        "import it from another file, pass it as an argument, or make it a top-level Sendable \
         class or function",
    )
}

/// E4015: a type argument of a generic Sendable type that is not a Sendable type.
pub fn sendable_generic_arg(
    file: FileId,
    span: Span,
    why: &str,
    help: Option<String>,
) -> Diagnostic {
    Diagnostic::error(
        "E4015",
        "Type arguments of generic \"Sendable\" type must be a \"Sendable\" data type",
        file,
        span,
    )
    .with_label(format!("this type argument {why}"))
    .with_help(help.unwrap_or_else(|| "use a Sendable type argument".to_string()))
}

/// E4016: a function expression or arrow function assigned to a `@Sendable` function type.
pub fn sendable_function_assignment(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E4016",
        "Only \"Sendable\" function or \"Sendable\" typeAlias object can be assigned to \"Sendable\" typeAlias",
        file,
        span,
    )
    .with_label("arrow functions and function expressions are never Sendable")
    .with_help("declare a top-level `@Sendable function` and assign that")
}

/// E4017: `import './m'` (an import for side effects only) in a `'use shared'` module.
pub fn shared_side_effect_import(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E4017",
        "Importing a module for side-effects only is not supported in shared module",
        file,
        span,
    )
    .with_label("side-effect import in a 'use shared' module")
    .with_help(
        "import the bindings you use (`import { x } from …`); a shared module is evaluated once \
         per process and never runs imports that bind nothing",
    )
}

/// E4018: `export * from './m'` in a `'use shared'` module.
pub fn shared_wildcard_export(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        "E4018",
        "\"export * from ...\" is not allowed in shared module",
        file,
        span,
    )
    .with_label("wildcard re-export in a 'use shared' module")
    .with_help("list the exported names: `export { a, b } from …`")
}

/// E4019: a `'use shared'` module exports something that is not Sendable (`what` describes it).
pub fn shared_export_not_sendable(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E4019",
        "Only \"Sendable\" entities can be exported in shared module",
        file,
        span,
    )
    .with_label(format!("{what} is not Sendable"))
    .with_help(
        "export primitives, `@Sendable` classes, functions and instances, or `@arkts.collections` \
         / `ArkTSUtils` objects",
    )
}

/// E4020: `x as T` where `T` is a Sendable type and `x` is certainly not Sendable (an object or
/// array literal, a function, or a new instance of a class that is not Sendable).
pub fn sendable_as_cast(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E4020",
        "Casting \"Non-sendable\" data to \"Sendable\" type is not allowed",
        file,
        span,
    )
    .with_label(format!("{what} is not Sendable"))
    .with_help("create the value with a Sendable class, or cast from `Object` if it is one")
}
