#!/usr/bin/env bash
# Runs one fuzz target for a given time on one core: scripts/fuzz.sh TARGET SECONDS [LIBFUZZER ARGS]
#
#   TARGET   parse | run | clone   (fuzz/fuzz_targets/TARGET.rs)
#   SECONDS  wall-clock time to fuzz
#
# The fuzz crate is a workspace of its own (fuzz/), built by cargo-fuzz on the stable toolchain
# (RUSTC_BOOTSTRAP=1 lets it pass its coverage flags); no sanitizer is needed, skiff has no
# `unsafe`. The corpus is made from the test suites on first use (fuzz/corpus/TARGET, not
# committed); crashes land in fuzz/artifacts/TARGET. See docs/robustness.md.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:?usage: scripts/fuzz.sh parse|run|clone SECONDS [libFuzzer args]}"
seconds="${2:?usage: scripts/fuzz.sh parse|run|clone SECONDS [libFuzzer args]}"
shift 2

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/fuzz}"

corpus="fuzz/corpus/$target"
if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
    mkdir -p "$corpus"
    case "$target" in
    parse | run)
        # Every script of the run and parse suites, named by content hash (no duplicates).
        find tests/run tests/parse scripts/examples -name '*.ets' -size -64k -print0 |
            while IFS= read -r -d '' f; do
                cp "$f" "$corpus/$(sha1sum "$f" | cut -c1-40)"
            done
        ;;
    clone)
        # Bytes drive a value generator; a few fixed seeds reach every branch soon.
        for i in $(seq 0 63); do
            head -c 64 /dev/zero | tr '\0' "\\$(printf '%03o' $((i * 4 % 256)))" >"$corpus/seed-$i"
        done
        printf '\x06\x08\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x13\x14\x15\x17' >"$corpus/seed-kinds"
        ;;
    *)
        echo "unknown target $target (parse, run or clone)" >&2
        exit 2
        ;;
    esac
fi
mkdir -p "fuzz/artifacts/$target"

cd fuzz
# One worker: the machine is shared. -timeout reports an input that runs longer than 10 s
# (the run target stops scripts after 200 ms itself) as a hang.
exec cargo fuzz run -s none --debug-assertions -O "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
    -print_final_stats=1 "$@"
