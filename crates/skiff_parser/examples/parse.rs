//! Parses files and prints their syntax tree or diagnostics: `cargo run --example parse -- FILE…`.
//! With `--tokens`, prints the tokens of the contextual layer instead.

use skiff_diagnostics::{render_all, ColorMode, SourceMap};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let tokens = args.first().is_some_and(|a| a == "--tokens");
    let quiet = args.first().is_some_and(|a| a == "--quiet");
    if tokens || quiet {
        args.remove(0);
    }
    for path in args {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let mut map = SourceMap::new();
        let file = map.add(path.clone(), text.clone());
        if tokens {
            for (l, t, r) in skiff_lexer::tokenize(&text, file.id).tokens {
                println!("{l}..{r} {t:?}");
            }
            continue;
        }
        let result = skiff_parser::parse_module(&text, file.id);
        if !quiet {
            println!("{:#?}", result.program);
        }
        print!(
            "{}",
            render_all(&result.diagnostics, &map, ColorMode::Never)
        );
        if quiet && result.diagnostics.is_empty() {
            println!("{path}: ok");
        }
    }
}
