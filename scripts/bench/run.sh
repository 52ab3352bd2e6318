#!/usr/bin/env bash
# Runs the benchmarks under skiff, QuickJS ($QJS), node --jitless and node; see run.py for the options.
#   scripts/bench/run.sh [--runs N] [--only fib,nbody] [--engines skiff,qjs,node-jitless,node] [--out FILE]
exec python3 "$(dirname "${BASH_SOURCE[0]}")/run.py" "$@"
