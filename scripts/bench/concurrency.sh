#!/usr/bin/env bash
# Concurrency benchmarks, side by side with node: the TaskPool against node + piscina (task
# overhead, speed-up on all cores, clone versus Sendable cost), Workers against node's
# worker_threads (start-up, round trip, throughput, memory), and shared-heap reclamation.
#   scripts/bench/concurrency.sh
# Environment: SKIFF (the skiff binary; default $CARGO_TARGET_DIR/release/skiff or
# target/release/skiff), NODE (default node), SKIFF_BENCH_CACHE (default ~/.cache/skiff-bench:
# piscina is installed there with npm on first use; nothing is installed in the repository).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
skiff="${SKIFF:-${CARGO_TARGET_DIR:-$root/target}/release/skiff}"
node="${NODE:-node}"
cache="${SKIFF_BENCH_CACHE:-$HOME/.cache/skiff-bench}"
if [ ! -x "$skiff" ]; then
  (cd "$root" && cargo build --release -q -p skiff)
fi
have_node=0
if command -v "$node" >/dev/null 2>&1; then
  have_node=1
  mkdir -p "$cache"
  if [ ! -d "$cache/node_modules/piscina" ]; then
    npm install --silent --prefix "$cache" piscina@4 >/dev/null 2>&1 || true
  fi
  # node resolves `piscina` next to the importing file: run copies from the cache.
  cp "$here"/concurrency/*.mjs "$cache/"
fi

# Prints `name: value` lines of a run as "name value".
values() { sed -n 's/^\([a-z0-9_]*\): \(.*\)$/\1 \2/p'; }

printf '| benchmark | metric | skiff | node (piscina / worker_threads) |\n|---|---|---|---|\n'
for b in overhead speedup clone_cost sendable_cost worker_messages; do
  [ -f "$here/concurrency/$b.ets" ] || continue
  mine="$("$skiff" run "$here/concurrency/$b.ets" | values)"
  theirs=""
  if [ "$have_node" = 1 ] && [ -f "$cache/$b.mjs" ]; then
    theirs="$("$node" "$cache/$b.mjs" 2>/dev/null | values || true)"
  fi
  while read -r name value; do
    other="$(printf '%s\n' "$theirs" | awk -v n="$name" '$1 == n { print $2 }')"
    printf '| %s | %s | %s | %s |\n' "$b" "$name" "$value" "${other:--}"
  done <<< "$mine"
done

# Resident memory per idle Worker: peak RSS with 64 Workers minus an empty run, divided by 64.
if [ -x /usr/bin/time ]; then
  peak() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
  empty="$(mktemp --suffix=.ets)"
  printf '\n' > "$empty"
  mine=$(( ($(peak "$skiff" run "$here/concurrency/worker_memory.ets") - $(peak "$skiff" run "$empty")) / 64 ))
  theirs="-"
  if [ "$have_node" = 1 ]; then
    theirs=$(( ($(peak "$node" "$cache/worker_memory.mjs") - $(peak "$node" -e '')) / 64 ))
  fi
  rm -f "$empty"
  printf '| worker_memory | KiB per idle worker (64 workers) | %s | %s |\n' "$mine" "$theirs"
  # Shared garbage is reclaimed: peak memory after creating and dropping 1 and 8 million
  # Sendables across threads (the same when collection keeps up; node has no shared heap).
  for n in 1m 8m; do
    line="$(/usr/bin/time -f 'peak_kib %M' "$skiff" run "$here/concurrency/shared_churn_$n.ets" 2>&1)"
    rate="$(printf '%s\n' "$line" | sed -n 's/^sendables_[0-9a-z]*_per_second: //p')"
    kib="$(printf '%s\n' "$line" | sed -n 's/^peak_kib //p')"
    printf '| shared_churn | %s Sendables: peak RSS KiB / created per second | %s / %s | - |\n' "$n" "$kib" "$rate"
  done
fi
