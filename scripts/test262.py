#!/usr/bin/env python3
"""Runs test262 under skiff and prints pass rates per directory.

    scripts/test262.py CHECKOUT [FILTER...] [--skiff PATH] [--jobs N] [--timeout S] [--failures FILE]

CHECKOUT is a test262 checkout (it needs `harness/` and `test/`); FILTERs are paths under `test/`
(default: `language` and `built-ins`). test262 is not vendored: fetch it yourself.

skiff runs every file as a strict-mode ES module, so tests flagged `noStrict` are skipped, and so are
tests of features skiff leaves out on purpose (docs/language.md): Proxy, Intl, Temporal, eval and
code generation from strings, and a few host-specific features. Skipped tests are counted apart;
the pass rate is over the tests that ran.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

LEFT_OUT_FEATURES = {
    "Proxy", "Temporal", "IsHTMLDDA", "cross-realm", "host-gc-required", "Intl.Locale",
    "Intl-enumeration", "intl-normative-optional", "tail-call-optimization", "ShadowRealm",
    "Atomics.waitAsync", "Array.fromAsync", "FinalizationRegistry", "WeakRef",
    "caller", "legacy-regexp", "source-phase-imports", "import-defer", "decorators",
}
# Features standardised after ES2023, which is what skiff targets (issue 3); counted as skipped.
NEWER_THAN_ES2023 = {
    "iterator-helpers", "set-methods", "explicit-resource-management", "resizable-arraybuffer",
    "arraybuffer-transfer", "regexp-v-flag", "regexp-duplicate-named-groups", "regexp-modifiers",
    "json-modules", "import-attributes", "promise-try", "RegExp.escape", "Math.sumPrecise",
    "uint8array-base64", "Float16Array", "json-parse-with-source", "upsert", "immutable-arraybuffer",
    "iterator-sequencing", "Error.isError", "canonical-tz", "await-dictionary", "joint-iteration",
    "Atomics.pause", "nonextensible-applies-to-private", "error-stack-accessor",
}
EVAL_PATTERN = re.compile(r"\beval\s*\(|\bFunction\s*\(\s*['\"]|new Function\s*\(|\$262\.evalScript|\$262\.createRealm")
HARNESS_GLOBAL = re.compile(r"^(?:function\*?\s+|var\s+|let\s+|const\s+|class\s+)([A-Za-z_$][\w$]*)", re.M)
FRONTMATTER = re.compile(r"/\*---(.*?)---\*/", re.S)


def parse_list(text, key):
    """Reads `key: [a, b]` or a block list `key:\n  - a\n  - b` from the YAML front matter."""
    m = re.search(r"^\s*%s:\s*\[(.*?)\]" % key, text, re.M | re.S)
    if m:
        return [x.strip().strip("'\"") for x in m.group(1).split(",") if x.strip()]
    m = re.search(r"^\s*%s:\s*\n((?:\s+-\s*.*\n?)+)" % key, text, re.M)
    if m:
        return [line.strip()[1:].strip().strip("'\"") for line in m.group(1).splitlines() if line.strip().startswith("-")]
    return []


def parse_negative(text):
    m = re.search(r"^\s*negative:\s*\n\s+phase:\s*(\w+)\s*\n\s+type:\s*(\w+)", text, re.M)
    if not m:
        m2 = re.search(r"^\s*negative:\s*\n\s+type:\s*(\w+)\s*\n\s+phase:\s*(\w+)", text, re.M)
        return (m2.group(2), m2.group(1)) if m2 else None
    return (m.group(1), m.group(2))


def classify(path, source):
    """Returns (skip_reason or None, metadata)."""
    fm = FRONTMATTER.search(source)
    meta_text = fm.group(1) if fm else ""
    flags = set(parse_list(meta_text, "flags"))
    features = set(parse_list(meta_text, "features"))
    meta = {
        "flags": flags,
        "includes": parse_list(meta_text, "includes"),
        "negative": parse_negative(meta_text),
    }
    if "noStrict" in flags:
        return "sloppy mode", meta
    if "CanBlockIsTrue" in flags or "CanBlockIsFalse" in flags:
        return "host agent", meta
    newer = features & NEWER_THAN_ES2023
    if newer:
        return "newer than ES2023: " + sorted(newer)[0], meta
    if "$262." in source:
        return "host hooks ($262)", meta
    left_out = features & LEFT_OUT_FEATURES or {f for f in features if f.startswith("intl") or f.startswith("Intl")}
    if left_out:
        return "feature " + sorted(left_out)[0], meta
    if "/intl402/" in path or "/annexB/" in path:
        return "left out", meta
    if EVAL_PATTERN.search(source) or "fnGlobalObject.js" in meta["includes"]:
        return "eval", meta
    return None, meta


def run_one(args):
    path, checkout, skiff, timeout = args
    # newline="": line terminators stay as the test wrote them (some tests are about CR LF).
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        source = f.read()
    skip, meta = classify(path, source)
    if skip:
        return path, "skip", skip
    parts = []
    exported = []
    if "raw" not in meta["flags"]:
        includes = ["assert.js", "sta.js"]
        if "async" in meta["flags"]:
            includes.append("doneprintHandle.js")
        includes += meta["includes"]
        for inc in includes:
            with open(os.path.join(checkout, "harness", inc), encoding="utf-8") as f:
                text = f.read()
            if "$262." in text:
                return path, "skip", "host hooks ($262) in " + inc
            parts.append(text)
            exported += HARNESS_GLOBAL.findall(text)
        # The harness expects to run as a script, whose top-level names are globals that other
        # modules (dynamic-import fixtures) and the helpers themselves look up on globalThis.
        # skiff runs every file as a module, so publish them explicitly.
        parts.append("".join("globalThis.%s = %s;\n" % (n, n) for n in dict.fromkeys(exported)))
    # The test file is written beside the original so that module tests find their fixtures.
    # The harness goes into a module of its own that the test imports first: a module test that
    # imports itself by its original name evaluates that file before the test's own body, and
    # the harness globals must exist by then.
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(suffix=".skiff262.js", dir=directory)
    hfd, harness = tempfile.mkstemp(suffix=".skiff262-harness.js", dir=directory)
    try:
        with os.fdopen(hfd, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write("\n".join(parts))
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write("import './%s';\n%s" % (os.path.basename(harness), source))
        negative = meta["negative"]
        command = [skiff, "check" if negative and negative[0] == "parse" else "run", tmp]
        try:
            proc = subprocess.run(command, capture_output=True, timeout=timeout, cwd=directory)
        except subprocess.TimeoutExpired:
            return path, "fail", "timeout"
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        if proc.returncode not in (0, 1):
            return path, "fail", "crash (exit %d): %s" % (proc.returncode, err[-200:])
        if negative:
            phase, kind = negative
            if proc.returncode == 0:
                return path, "fail", "expected %s %s" % (phase, kind)
            if phase == "runtime" and kind not in err:
                return path, "fail", "wrong error: " + err.strip().splitlines()[0][:200] if err.strip() else "no error"
            return path, "pass", ""
        if proc.returncode != 0:
            first = err.strip().splitlines()[0] if err.strip() else "exit 1"
            return path, "fail", first[:300]
        if "async" in meta["flags"] and "Test262:AsyncTestComplete" not in out:
            return path, "fail", "async test did not complete: " + out.strip()[-200:]
        return path, "pass", ""
    finally:
        os.unlink(tmp)
        os.unlink(harness)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkout")
    parser.add_argument("filters", nargs="*", default=["language", "built-ins"])
    parser.add_argument("--skiff", default=os.environ.get("SKIFF", "target/release/skiff"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--failures", help="write every failure with its reason to this file")
    parser.add_argument("--depth", type=int, default=2, help="directory depth of the report under test/")
    opts = parser.parse_args()

    test_root = os.path.join(opts.checkout, "test")
    files = []
    for filt in opts.filters:
        base = os.path.join(test_root, filt)
        if os.path.isfile(base):
            files.append(base)
            continue
        for dirpath, _, names in os.walk(base):
            for name in names:
                if name.endswith(".js") and "_FIXTURE" not in name and ".skiff262" not in name:
                    files.append(os.path.join(dirpath, name))
    files.sort()
    skiff = os.path.abspath(opts.skiff)
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        for path, status, reason in pool.map(run_one, [(f, opts.checkout, skiff, opts.timeout) for f in files]):
            results[path] = (status, reason)

    groups = {}
    for path in sorted(results):
        status, _ = results[path]
        rel = os.path.relpath(path, test_root).split(os.sep)
        key = "/".join(rel[: min(opts.depth, len(rel) - 1)])
        g = groups.setdefault(key, {"pass": 0, "fail": 0, "skip": 0})
        g[status] += 1
    print("| directory | passed | ran | pass rate | skipped |")
    print("|---|---:|---:|---:|---:|")
    total = {"pass": 0, "fail": 0, "skip": 0}
    for key in sorted(groups):
        g = groups[key]
        ran = g["pass"] + g["fail"]
        for k in total:
            total[k] += g[k]
        rate = "%.1f%%" % (100.0 * g["pass"] / ran) if ran else "-"
        print("| %s | %d | %d | %s | %d |" % (key, g["pass"], ran, rate, g["skip"]))
    ran = total["pass"] + total["fail"]
    rate = "%.1f%%" % (100.0 * total["pass"] / ran) if ran else "-"
    print("| **total** | %d | %d | %s | %d |" % (total["pass"], ran, rate, total["skip"]))
    if opts.failures:
        with open(opts.failures, "w", encoding="utf-8") as f:
            for path in sorted(results):
                status, reason = results[path]
                if status == "fail":
                    f.write("%s: %s\n" % (os.path.relpath(path, test_root), reason))
    print("%d passed, %d failed, %d skipped" % (total["pass"], total["fail"], total["skip"]))


if __name__ == "__main__":
    sys.exit(main())
