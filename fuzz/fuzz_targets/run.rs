//! Compile and run a module with a small time budget (the watchdog terminates it after 200 ms,
//! as `--timeout` would).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        skiff_fuzz::run(text, Duration::from_millis(200));
    }
});
