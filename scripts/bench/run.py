#!/usr/bin/env python3
"""Runs skiff's benchmarks (scripts/bench/js/*.ets) under skiff and its peers and prints a markdown
table of median wall times, the ratios skiff/QuickJS and skiff/node-jitless, and their geometric means,
followed by the start-up time and resident memory of an empty script.

    scripts/bench/run.sh [--runs N] [--only NAME,...] [--engines skiff,qjs,node-jitless,node]
                         [--startup-runs N] [--no-startup] [--timeout S] [--stat median|min]
                         [--out FILE]

Engines:
  skiff         $SKIFF, else $CARGO_TARGET_DIR/release/skiff (default target/), built with
                `cargo build --release -p skiff` when missing; runs the .ets file itself.
  qjs           QuickJS: the binary named by $QJS; skipped when $QJS is unset.
  node-jitless  `node --jitless` (V8's Ignition interpreter only); $NODE names node (default: node).
  node          `node` with its JIT compilers.

The peers run a type-stripped copy of each benchmark, transpiled once per invocation with the
`typescript` package into a cache outside the repository ($SKIFF_BENCH_CACHE, default
~/.cache/skiff-bench). The package is taken from $TS_MODULE_DIR (the package folder itself, or a folder
holding typescript/ or node_modules/typescript/), else from the cache, where it is installed with
`npm install --prefix <cache> typescript@5` on first use.

Runs are interleaved (run 1 of every engine, then run 2, ...) so that load from other processes on the
machine hits all engines alike. Each benchmark prints a checksum; every engine's stdout must equal the
others' (node's is the reference), and a mismatch is reported in the table. Wall time is measured
around the child process, so it includes start-up. The start-up table's max RSS comes from
`/usr/bin/time -f %M` when it is present (else from the child's rusage, an upper bound).
"""

import argparse
import json
import math
import os
import shutil
import tempfile
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BENCH_DIR = os.path.join(HERE, "js")

ENGINE_TITLES = {
    "skiff": "skiff",
    "qjs": "QuickJS",
    "node-jitless": "node --jitless",
    "node": "node",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cache_dir():
    d = os.environ.get("SKIFF_BENCH_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "skiff-bench")
    os.makedirs(d, exist_ok=True)
    return d


def find_typescript(cache):
    candidates = []
    tsdir = os.environ.get("TS_MODULE_DIR")
    if tsdir:
        candidates += [tsdir, os.path.join(tsdir, "typescript"), os.path.join(tsdir, "node_modules", "typescript")]
    candidates.append(os.path.join(cache, "node_modules", "typescript"))
    for c in candidates:
        try:
            with open(os.path.join(c, "package.json")) as f:
                if json.load(f).get("name") == "typescript":
                    return os.path.abspath(c)
        except (OSError, ValueError):
            pass
    if tsdir:
        sys.exit(f"run.py: no typescript package under TS_MODULE_DIR={tsdir}")
    log(f"installing typescript@5 into {cache} (once)")
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", cache, "typescript@5"],
                   check=True, stdout=sys.stderr)
    return os.path.join(cache, "node_modules", "typescript")


TRANSPILE_JS = r"""
const ts = require(process.argv[1]);
const fs = require('fs');
const path = require('path');
const out = process.argv[2];
for (const f of process.argv.slice(3)) {
  const r = ts.transpileModule(fs.readFileSync(f, 'utf8'), {
    fileName: f,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      useDefineForClassFields: true,
    },
  });
  for (const d of r.diagnostics || []) {
    console.error(f + ': ' + ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  fs.writeFileSync(path.join(out, path.basename(f).replace(/\.(ets|ts)$/, '.mjs')), r.outputText);
}
"""


def transpile(node, files, out):
    ts = find_typescript(cache_dir())
    os.makedirs(out, exist_ok=True)
    subprocess.run([node, "-e", TRANSPILE_JS, ts, out] + files, check=True)


def skiff_binary():
    explicit = os.environ.get("SKIFF")
    if explicit:
        return explicit
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    if not os.path.isabs(target):
        target = os.path.join(ROOT, target)
    path = os.path.join(target, "release", "skiff")
    if not os.path.isfile(path):
        log("building skiff (cargo build --release -p skiff)...")
        r = subprocess.run(["cargo", "build", "--release", "-p", "skiff"], cwd=ROOT)
        if r.returncode != 0 or not os.path.isfile(path):
            log("run.py: could not build skiff; skipping it")
            return None
    return path


class Result:
    def __init__(self, ok, wall, rss_kb, stdout, error):
        self.ok = ok
        self.wall = wall
        self.rss_kb = rss_kb
        self.stdout = stdout
        self.error = error


def run_measured(cmd, timeout):
    """Runs cmd; returns a Result with the wall time in seconds and the child's max RSS in KB (from
    os.wait4). Output goes to temporary files so that the parent never blocks on pipes."""
    with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, stdin=subprocess.DEVNULL)
        deadline = start + timeout
        status = None
        ru = None
        while True:
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid != 0:
                status = os.waitstatus_to_exitcode(st)
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return Result(False, None, None, "", f"timeout after {timeout} s")
            time.sleep(0.0005 if time.perf_counter() - start < 0.05 else 0.005)
        wall = time.perf_counter() - start
        proc.returncode = status
        fout.seek(0)
        ferr.seek(0)
        text = fout.read().decode("utf-8", "replace")
        errtext = ferr.read().decode("utf-8", "replace")
    rss_kb = ru.ru_maxrss  # kilobytes on Linux
    if status != 0:
        lines = [m for m in errtext.strip().splitlines() if m and not m.startswith("Warning: disabling flag")]
        first = lines[0] if lines else ""
        return Result(False, wall, rss_kb, text, f"exit {status}: {first[:300]}")
    return Result(True, wall, rss_kb, text, None)


def time_rss(gnu_time, cmd, timeout):
    """The max RSS in KB of cmd as `/usr/bin/time -f %M` reports it, or None if cmd failed. (The
    rusage that Python's own wait4 sees would include Python's resident set at the fork.)"""
    with tempfile.NamedTemporaryFile("r") as f:
        r = subprocess.run([gnu_time, "-f", "%M", "-o", f.name] + cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=timeout)
        if r.returncode != 0:
            return None
        try:
            return int(f.read().split()[-1])
        except (ValueError, IndexError):
            return None


def fmt_ms(seconds):
    if seconds is None:
        return "—"
    ms = seconds * 1000
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}"


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}×"


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def engine_version(name, cmd):
    try:
        if name == "qjs":
            r = subprocess.run([cmd[0], "-h"], capture_output=True, text=True, timeout=10)
            line = (r.stdout + r.stderr).splitlines()[0]
            return line.replace("QuickJS version ", "")
        if name.startswith("node"):
            return subprocess.run([cmd[0], "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        if name == "skiff":
            if os.environ.get("SKIFF"):
                return f"({cmd[0]})"
            rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                 text=True, timeout=10).stdout.strip()
            return f"commit {rev}" if rev else "?"
    except Exception:  # noqa: BLE001 - versions are informational only
        pass
    return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs per benchmark and engine (default 5)")
    ap.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    ap.add_argument("--engines", default="skiff,qjs,node-jitless,node", help="comma-separated engines")
    ap.add_argument("--startup-runs", type=int, default=20, help="runs of the empty script (default 20)")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up measurement")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per run (default 120)")
    ap.add_argument("--stat", choices=["median", "min"], default="median",
                    help="how to summarise the runs (default median; min is steadier on a busy machine)")
    ap.add_argument("--out", help="also write the markdown report to this file")
    args = ap.parse_args()

    node = os.environ.get("NODE", "node")
    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in wanted:
        if e not in ENGINE_TITLES:
            sys.exit(f"run.py: unknown engine {e!r} (known: {', '.join(ENGINE_TITLES)})")

    names = sorted(f[:-4] for f in os.listdir(BENCH_DIR) if f.endswith(".ets"))
    if args.only:
        only = [n.strip() for n in args.only.split(",") if n.strip()]
        missing = [n for n in only if n not in names]
        if missing:
            sys.exit(f"run.py: no such benchmark: {', '.join(missing)} (have: {', '.join(names)})")
        names = only

    cache = cache_dir()
    js_dir = os.path.join(cache, "js")
    empty_ets = os.path.join(cache, "empty.ets")
    with open(empty_ets, "w") as f:
        f.write("")
    sources = [os.path.join(BENCH_DIR, n + ".ets") for n in names]
    peers = [e for e in wanted if e != "skiff"]
    if peers:
        if shutil.which(node) is None:
            sys.exit(f"run.py: node not found ({node}); it is needed to strip types for the peers")
        transpile(node, sources + [empty_ets], js_dir)

    # name -> function(bench name, is_empty) -> argv
    engines = {}
    for e in wanted:
        if e == "skiff":
            sk = skiff_binary()
            if sk:
                engines[e] = lambda n, sk=sk: [sk, "run", empty_ets if n is None else os.path.join(BENCH_DIR, n + ".ets")]
        elif e == "qjs":
            qjs = os.environ.get("QJS")
            if not qjs:
                log("QJS is not set; skipping QuickJS")
                continue
            if not os.access(qjs, os.X_OK):
                sys.exit(f"run.py: QJS={qjs} is not an executable")
            engines[e] = lambda n, q=qjs: [q, "-m", os.path.join(js_dir, ("empty" if n is None else n) + ".mjs")]
        elif e == "node-jitless":
            engines[e] = lambda n: [node, "--jitless", os.path.join(js_dir, ("empty" if n is None else n) + ".mjs")]
        elif e == "node":
            engines[e] = lambda n: [node, os.path.join(js_dir, ("empty" if n is None else n) + ".mjs")]
    order = [e for e in ENGINE_TITLES if e in engines]
    if not order:
        sys.exit("run.py: no engine to run")

    versions = {e: engine_version(e, engines[e]("x")) for e in order}

    pick = statistics.median if args.stat == "median" else min

    # results[bench][engine] = list of Result
    results = {n: {e: [] for e in order} for n in names}
    for n in names:
        log(f"{n}:")
        for r in range(args.runs):
            for e in order:
                prev = results[n][e]
                if prev and not prev[-1].ok:
                    continue  # one failure is enough
                res = run_measured(engines[e](n), args.timeout)
                prev.append(res)
                status = f"{res.wall * 1000:.0f} ms" if res.ok else f"FAILED ({res.error})"
                log(f"  run {r + 1} {e}: {status}")

    lines = []
    machine = f"{os.cpu_count()} cores"
    lines.append(f"{args.stat.capitalize()} wall time in ms over {args.runs} runs (whole process: start-up included); {machine}.")
    lines.append("Engines: " + "; ".join(f"{ENGINE_TITLES[e]} {versions[e]}" for e in order) + ".")
    lines.append("")
    cols = [ENGINE_TITLES[e] for e in order]
    ratio_cols = []
    if "skiff" in order and "qjs" in order:
        ratio_cols.append(("qjs", "skiff/QuickJS"))
    if "skiff" in order and "node-jitless" in order:
        ratio_cols.append(("node-jitless", "skiff/node --jitless"))
    header = ["benchmark"] + cols + [t for _, t in ratio_cols]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    ratios = {p: [] for p, _ in ratio_cols}
    notes = []
    for n in names:
        # The reference checksum: node's stdout if it ran, else the first engine that ran.
        ref = None
        for e in ["node", "node-jitless", "qjs", "skiff"]:
            rs = results[n].get(e)
            if rs and rs[-1].ok:
                ref = rs[-1].stdout
                break
        medians = {}
        cells = []
        for e in order:
            rs = results[n][e]
            if not rs or not rs[-1].ok:
                err = rs[-1].error if rs else "not run"
                cells.append("fail")
                notes.append(f"- {n} under {ENGINE_TITLES[e]}: {err}")
                continue
            outs = {x.stdout for x in rs}
            if ref is not None and (len(outs) != 1 or ref not in outs):
                got = next(iter(outs - {ref}), "").strip().replace("\n", " / ")
                cells.append("wrong")
                notes.append(f"- {n} under {ENGINE_TITLES[e]}: checksum mismatch: printed `{got[:120]}`, "
                             f"expected `{ref.strip()[:120]}`")
                continue
            medians[e] = pick(x.wall for x in rs)
            cells.append(fmt_ms(medians[e]))
        rcells = []
        for p, _ in ratio_cols:
            if "skiff" in medians and p in medians:
                r = medians["skiff"] / medians[p]
                ratios[p].append(r)
                rcells.append(fmt_ratio(r))
            else:
                rcells.append("—")
        lines.append("| " + " | ".join([n] + cells + rcells) + " |")
    if ratio_cols:
        gm = [fmt_ratio(geomean(ratios[p])) for p, _ in ratio_cols]
        lines.append("| **geometric mean** | " + " | ".join([""] * len(cols)) + " | " + " | ".join(gm) + " |")
    if notes:
        lines.append("")
        lines.append("Failures:")
        lines.extend(notes)

    if not args.no_startup:
        log("start-up (empty script):")
        gnu_time = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
        lines.append("")
        lines.append(f"Start-up: an empty script; wall time is the {args.stat} over {args.startup_runs} runs, max RSS the "
                     + ("largest that `/usr/bin/time -f %M` reported over 5 runs." if gnu_time else
                        "largest in the child's rusage (without /usr/bin/time this includes the Python parent's "
                        "resident set at fork, so it is an upper bound)."))
        lines.append("")
        lines.append("| engine | wall ms | max RSS MB |")
        lines.append("|---|---:|---:|")
        startup = {e: [] for e in order}
        for _ in range(args.startup_runs):
            for e in order:
                startup[e].append(run_measured(engines[e](None), args.timeout))
        for e in order:
            ok = [x for x in startup[e] if x.ok]
            if not ok:
                lines.append(f"| {ENGINE_TITLES[e]} | fail: {startup[e][-1].error} | — |")
                continue
            wall = pick(x.wall for x in ok)
            if gnu_time:
                rss_kb = max(time_rss(gnu_time, engines[e](None), args.timeout) or 0 for _ in range(5))
            else:
                rss_kb = max(x.rss_kb for x in ok)
            lines.append(f"| {ENGINE_TITLES[e]} | {wall * 1000:.1f} | {rss_kb / 1024:.1f} |")

    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)


if __name__ == "__main__":
    main()
