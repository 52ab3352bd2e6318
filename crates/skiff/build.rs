//! Link options of the `skiff` binary that keep the resident memory of a short run small.

fn main() {
    println!("cargo:rerun-if-changed=startup.ld");
    println!("cargo:rerun-if-env-changed=SKIFF_STARTUP_ORDER");
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    // `off` links without the list: scripts/bench/startup_order.py regenerates it from such a
    // binary, because valgrind does not find the symbols of one linked with it.
    let wanted = std::env::var("SKIFF_STARTUP_ORDER").as_deref() != Ok("off");
    if !linux_gnu || !wanted {
        return;
    }
    // The kernel maps a binary's code in 64 KiB blocks around each page fault, so an empty run
    // whose 600 KB of start-up code is spread over the whole text keeps 4.5 MB of it resident.
    // startup.ld gathers those functions in front of the rest of the code.
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let script = std::path::Path::new(&dir).join("startup.ld");
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    // The 15 000 relative relocations (vtables, tables of natives) in the compact RELR form:
    // the dynamic loader reads a few KB at start-up instead of 370 KB of `.rela.dyn`.
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
}
