//! Replays inputs through a target's harness without libFuzzer, on the stable toolchain, and
//! prints how each ended: `cargo run --release --example replay -- TARGET FILE...`
//! (`clone` also prints the script it made from the bytes).

use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().expect("usage: replay parse|run|clone FILE...");
    for path in args {
        let data = std::fs::read(&path).expect("readable input");
        match target.as_str() {
            "parse" => {
                skiff_fuzz::check(&String::from_utf8_lossy(&data));
                println!("{path}: checked");
            }
            "run" => match std::str::from_utf8(&data) {
                Ok(text) => {
                    let outcome = skiff_fuzz::run(text, Duration::from_millis(200));
                    println!("{path}: {outcome:?}");
                }
                Err(_) => println!("{path}: not UTF-8 (skipped, as the target does)"),
            },
            "clone" => {
                let script = skiff_fuzz::clone_program(&data);
                println!("{script}");
                println!("{path}: {:?}", skiff_fuzz::clone_round_trip(&script));
            }
            other => panic!("unknown target {other}"),
        }
    }
}
