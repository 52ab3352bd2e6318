//! Structured-clone round trips: a value graph made from the bytes is serialized, deserialized
//! into another VM and serialized again; both messages must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let script = skiff_fuzz::clone_program(data);
    skiff_fuzz::clone_round_trip(&script);
});
