#!/usr/bin/env bash
# Runs the script suite under skiff and under node (the oracle) and compares them.
#
#   scripts/compare-with-node.sh [-q] [FOLDER-OR-FILE...]      (default: tests/run)
#
# For every `.ets`/`.ts`/`.js` script (folders named `lib` or `_*` hold imported modules and are
# skipped, as in the cargo harness) it prints one of
#   SAME        skiff and node agree on stdout, stderr and exit status
#   DIFF        they do not; a unified diff (node first, skiff second) follows
#   SKIFF-ONLY  the script's first line has `// oracle: skip` (e.g. uncaught errors, whose report
#               differs between skiff and node by design); only skiff's exit status is shown
# and a summary. Exit status: 1 if any script differs, else 0.  -q prints only DIFF lines and diffs.
#
# Environment:
#   SKIFF          the skiff binary (default: $CARGO_TARGET_DIR/release/skiff, built with
#                  `cargo build --release -p skiff` when missing)
#   NODE           node (default: node)
#   TS_MODULE_DIR  where the typescript package is (see scripts/ts2node.mjs); otherwise it is
#                  installed once into ~/.cache/skiff-oracle
#   TIMEOUT        seconds per script and engine (default 30)
set -u

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

quiet=0
if [ "${1:-}" = "-q" ]; then quiet=1; shift; fi
[ $# -eq 0 ] && set -- tests/run

NODE="${NODE:-node}"
TIMEOUT="${TIMEOUT:-30}"
if [ -z "${SKIFF:-}" ]; then
  SKIFF="${CARGO_TARGET_DIR:-$root/target}/release/skiff"
  if [ ! -x "$SKIFF" ]; then
    echo "building skiff (release)..." >&2
    cargo build -q --release -p skiff || exit 2
  fi
fi

# The scripts, in the harness's order.
scripts=()
for arg in "$@"; do
  if [ -d "$arg" ]; then
    while IFS= read -r f; do scripts+=("$f"); done < <(
      find "$arg" \( -type d \( -name lib -o -name '_*' \) -prune \) -o \
        -type f \( -name '*.ets' -o -name '*.ts' -o -name '*.js' \) -print | LC_ALL=C sort)
  else
    scripts+=("$arg")
  fi
done
[ ${#scripts[@]} -eq 0 ] && { echo "no scripts found in $*" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/skiff-compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Transpile everything the oracle will run in one node process (loading typescript is the slow part).
oracle_scripts=()
for f in "${scripts[@]}"; do
  head -n 1 "$f" | grep -q '//[[:space:]]*oracle:[[:space:]]*skip' || oracle_scripts+=("$f")
done
declare -A emitted=()
if [ ${#oracle_scripts[@]} -gt 0 ]; then
  mapfile -t outs < <("$NODE" scripts/ts2node.mjs --out "$work/js" "${oracle_scripts[@]}")
  if [ ${#outs[@]} -ne ${#oracle_scripts[@]} ]; then
    echo "transpiling with typescript failed" >&2
    exit 2
  fi
  for i in "${!oracle_scripts[@]}"; do emitted["${oracle_scripts[$i]}"]="${outs[$i]}"; done
fi

# Runs one engine; writes NAME.out, NAME.err and NAME.status under $work.
run_engine() {
  local name="$1"; shift
  TZ=UTC NO_COLOR=1 NODE_DISABLE_COLORS=1 timeout "$TIMEOUT" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" </dev/null
  local st=$?
  if [ $st -eq 124 ]; then echo "timed out after ${TIMEOUT}s" >"$work/$name.status"; else echo "$st" >"$work/$name.status"; fi
}

same=0; diff_count=0; only=0
diffs=()
for f in "${scripts[@]}"; do
  if [ -z "${emitted[$f]+x}" ]; then
    run_engine skiff "$SKIFF" run "$f"
    only=$((only + 1))
    [ $quiet -eq 0 ] && echo "SKIFF-ONLY $f (exit $(cat "$work/skiff.status"))"
    continue
  fi
  run_engine node "$NODE" "${emitted[$f]}"
  run_engine skiff "$SKIFF" run "$f"
  # Compare what a snapshot would hold: exit status, stdout, and stderr when node exits cleanly
  # (node's report of an uncaught error is not skiff's).
  {
    echo "exit: $(cat "$work/node.status")"; echo "--- stdout"; cat "$work/node.out"
    if [ "$(cat "$work/node.status")" = 0 ]; then echo "--- stderr"; cat "$work/node.err"; fi
  } >"$work/node.all"
  {
    echo "exit: $(cat "$work/skiff.status")"; echo "--- stdout"; cat "$work/skiff.out"
    if [ "$(cat "$work/node.status")" = 0 ]; then echo "--- stderr"; cat "$work/skiff.err"; fi
  } >"$work/skiff.all"
  if cmp -s "$work/node.all" "$work/skiff.all"; then
    same=$((same + 1))
    [ $quiet -eq 0 ] && echo "SAME       $f"
  else
    diff_count=$((diff_count + 1))
    diffs+=("$f")
    echo "DIFF       $f"
    diff -u --label "node: $f" --label "skiff: $f" "$work/node.all" "$work/skiff.all" | head -n 60
    if [ "$(cat "$work/node.status")" != 0 ] || [ "$(cat "$work/skiff.status")" != 0 ]; then
      echo "    node stderr:  $(head -c 300 "$work/node.err" | head -n 3 | tr '\n' ' ')"
      echo "    skiff stderr: $(head -c 300 "$work/skiff.err" | head -n 3 | tr '\n' ' ')"
    fi
  fi
done

echo
echo "summary: ${#scripts[@]} scripts: $same SAME, $diff_count DIFF, $only SKIFF-ONLY"
[ $diff_count -gt 0 ] && exit 1
exit 0
