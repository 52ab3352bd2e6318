#!/usr/bin/env node
// The node oracle for skiff's script suite: transpiles skiff scripts (TypeScript syntax, ES modules)
// with the `typescript` package and runs them in node, so their output can be compared with skiff's.
//
//   node scripts/ts2node.mjs FILE.ets [ARGS...]      transpile FILE and its relative imports, run it in node
//   node scripts/ts2node.mjs --out DIR FILE...        transpile only; print one `.mjs` path per FILE
//
// Relative imports are followed and transpiled too; their specifiers are rewritten to the emitted
// `.mjs` files, so `./lib/x`, `./lib/x.ets`, `./lib/x.ts` and `./lib/x.js` all resolve as in skiff.
// Emitted files mirror the absolute path of their source under the output directory.
//
// Where `typescript` comes from: $TS_MODULE_DIR (the package folder itself, or a folder holding
// `typescript/` or `node_modules/typescript/`); otherwise a cache outside the repository
// ($SKIFF_ORACLE_CACHE, default ~/.cache/skiff-oracle) where it is installed with npm on first use.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';

const require = createRequire(import.meta.url);

function loadTypeScript() {
  const candidates = [];
  const dir = process.env.TS_MODULE_DIR;
  if (dir) {
    candidates.push(dir, path.join(dir, 'typescript'), path.join(dir, 'node_modules', 'typescript'));
  }
  const cache = process.env.SKIFF_ORACLE_CACHE || path.join(os.homedir(), '.cache', 'skiff-oracle');
  candidates.push(path.join(cache, 'node_modules', 'typescript'));
  for (const c of candidates) {
    const pkg = path.join(c, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'typescript') return require(c);
  }
  if (dir) {
    console.error(`ts2node: no typescript package under TS_MODULE_DIR=${dir}`);
    process.exit(2);
  }
  console.error(`ts2node: installing typescript into ${cache} (once)`);
  fs.mkdirSync(cache, { recursive: true });
  const npm = spawnSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefix', cache, 'typescript@5'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (npm.status !== 0) {
    console.error('ts2node: npm install typescript failed; set TS_MODULE_DIR to a folder holding the typescript package');
    process.exit(2);
  }
  return require(path.join(cache, 'node_modules', 'typescript'));
}

const ts = loadTypeScript();

const SUFFIXES = ['', '.ets', '.ts', '.js', '.mts', '.mjs'];

// Resolves a relative specifier the way skiff does: as written, or with one of the script suffixes.
function resolveImport(fromFile, spec) {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const s of SUFFIXES) {
    const p = base + s;
    if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
  }
  // TypeScript convention: `./x.js` names `./x.ts`.
  const stem = base.replace(/\.(js|mjs)$/, '');
  for (const s of ['.ets', '.ts']) {
    if (fs.existsSync(stem + s)) return stem + s;
  }
  return null;
}

function outputPath(outDir, file) {
  const abs = path.resolve(file);
  return path.join(outDir, abs.replace(/^[/\\]+/, '').replace(/:/g, '')).replace(/\.(ets|ts|mts|js|mjs)$/, '') + '.mjs';
}

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g;

function transpileTree(entry, outDir, done) {
  const file = path.resolve(entry);
  if (done.has(file)) return done.get(file);
  const out = outputPath(outDir, file);
  done.set(file, out);
  const src = fs.readFileSync(file, 'utf8');
  const result = ts.transpileModule(src, {
    fileName: file.replace(/\.ets$/, '.ts'),
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      useDefineForClassFields: true,
      experimentalDecorators: true,
      sourceMap: false,
    },
  });
  for (const d of result.diagnostics || []) {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    console.error(`ts2node: ${file}: ${msg}`);
  }
  let code = result.outputText.replace(SPECIFIER, (all, head, quote, spec) => {
    const target = resolveImport(file, spec);
    if (!target) return all; // leave it for node to report
    const targetOut = transpileTree(target, outDir, done);
    let rel = path.relative(path.dirname(out), targetOut).split(path.sep).join('/');
    if (!rel.startsWith('.')) rel = './' + rel;
    return head + quote + rel + quote;
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  return out;
}

const argv = process.argv.slice(2);
if (argv[0] === '--out') {
  const outDir = path.resolve(argv[1]);
  const done = new Map();
  for (const f of argv.slice(2)) console.log(transpileTree(f, outDir, done));
} else if (argv.length >= 1) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts2node-'));
  let status = 1;
  try {
    const out = transpileTree(argv[0], outDir, new Map());
    const r = spawnSync(process.execPath, [out, ...argv.slice(1)], { stdio: 'inherit' });
    status = r.status ?? 1;
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  process.exit(status);
} else {
  console.error('usage: node scripts/ts2node.mjs FILE.ets [ARGS...] | --out DIR FILE...');
  process.exit(2);
}
