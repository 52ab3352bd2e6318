#!/usr/bin/env sh
# Parse throughput of skiff's front end on about 10 MB of generated, realistic ArkTS code.
# Usage: scripts/bench/parse_throughput.sh [bytes]
# Builds in release mode (the first build takes a few minutes: the LALRPOP tables are large).
set -eu
cd "$(dirname "$0")/../.."
exec cargo run --quiet --release -p skiff_parser --example bench_parse -- "$@"
