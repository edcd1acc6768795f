// The bundle's chunks compile with a V8 code cache kept in the user's cache directory
// (src/boot/compile-cache.ts): made by the first run, taken by the next, never taken from a
// directory others can write to, and off with EIC_COMPILE_CACHE=0. Where Node has its own cache
// (module.enableCompileCache, Node >= 22.1) that one is used and nothing is patched; Node says
// what it did with each module when NODE_DEBUG_NATIVE=COMPILE_CACHE. On Node 20 a probe in the
// child wraps vm.Script to see, for every chunk compiled through eic's own cache, whether V8 got
// cached data and whether it took it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { compileCacheDir, nodeHasCompileCache } from '../src/boot/compile-cache.js';
import { eicBin, repoRoot } from './helpers/paths.js';
import { withProbe } from './helpers/preload-probe.js';

const bundleDir = join(repoRoot, 'dist', 'bundle');

const RECORD_SCRIPTS = `
const vm = require('node:vm');
const Script = vm.Script;
const seen = [];
vm.Script = class extends Script {
  constructor(code, options) {
    super(code, options);
    const file = options && options.filename;
    if (file && file.includes('/dist/bundle/')) seen.push({ chunk: require('node:path').basename(file), cached: !!options.cachedData, rejected: this.cachedDataRejected === true });
  }
};`;

interface Compiled { chunk: string; cached: boolean; rejected: boolean }

/** Node's own code cache is there (and so used rather than eic's). */
const nodeCache = nodeHasCompileCache();

/** What Node's debug output says of each chunk: "cache for [CommonJS] <file> was accepted" etc. */
function nodeCacheLines(stderr: string): Compiled[] {
  const seen: Compiled[] = [];
  for (const m of stderr.matchAll(/^\[compile cache\] (?:V8 code )?cache for (?:CommonJS )?(\S+) was (accepted|rejected|not initialized)/gm)) {
    if (m[1].includes('/dist/bundle/')) seen.push({ chunk: basename(m[1]), cached: m[2] !== 'not initialized', rejected: m[2] === 'rejected' });
  }
  return seen;
}

/**
 * Run `eic --help` with XDG_CACHE_HOME=`cacheHome`; what was seen of the chunks' compiling, and
 * whether Module.prototype._compile was still Node's own at exit.
 */
async function helpRun(cacheHome: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Compiled[]> {
  const setup = `${RECORD_SCRIPTS}\nconst compileBefore = require('node:module').prototype._compile;`;
  const report = 'JSON.stringify({ seen, patched: require("node:module").prototype._compile !== compileBefore })';
  const debug = nodeCache ? { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' } : {};
  const { result, report: text } = await withProbe(setup, report, (nodeOptions) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [eicBin, '--help'], { env: { ...process.env, XDG_CACHE_HOME: cacheHome, NODE_OPTIONS: nodeOptions, ...debug, ...extraEnv } },
      (err, stdout, stderr) => resolve({ code: err ? (err.code as number) : 0, stdout, stderr }));
  }));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage: eic/);
  assert.equal(result.stderr.replace(/^\[compile cache\].*\n/gm, ''), '');
  const { seen, patched } = JSON.parse(text) as { seen: Compiled[]; patched: boolean };
  if (!nodeCache) return seen;
  assert.deepEqual(seen, [], 'no chunk compiled through vm.Script where Node has its own cache');
  assert.equal(patched, false, 'Module.prototype._compile left alone where Node has its own cache');
  return nodeCacheLines(result.stderr);
}

/** The chunk a cache file is for (`<chunk>.<sha256 prefix>.v8`). */
const chunkOf = (file: string) => file.replace(/\.[0-9a-f]{16}\.v8$/, '');

function withCacheHome(run: (home: string, dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const home = mkdtempSync(join(tmpdir(), 'eic-cc-'));
    try {
      await run(home, compileCacheDir(bundleDir, { XDG_CACHE_HOME: home }, 'linux')!);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };
}

test('the first run leaves a code cache for each chunk it compiled; the next run takes all of it', withCacheHome(async (home, dir) => {
  const first = await helpRun(home);
  assert.ok(first.some((c) => c.chunk === 'main.cjs'), JSON.stringify(first));
  assert.ok(first.every((c) => !c.cached), 'nothing to take yet');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  if (nodeCache) {
    assert.ok(readdirSync(dir).length > 0, "Node's cache is in eic's directory");
  } else {
    assert.deepEqual(readdirSync(dir).map(chunkOf).sort(), first.map((c) => c.chunk).sort());
    for (const f of readdirSync(dir)) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  }

  const second = await helpRun(home);
  assert.deepEqual(second.map((c) => c.chunk).sort(), first.map((c) => c.chunk).sort());
  assert.ok(second.every((c) => c.cached && !c.rejected), JSON.stringify(second));
}));

test('a damaged cache file is turned down by V8, the chunk compiles afresh, and the file is made again', { skip: nodeCache && "Node's own cache is used here, and its files are Node's" }, withCacheHome(async (home, dir) => {
  await helpRun(home);
  const main = readdirSync(dir).find((f) => chunkOf(f) === 'main.cjs')!;
  writeFileSync(join(dir, main), Buffer.from('not a code cache'));
  writeFileSync(join(dir, 'chunk-GONE0000.cjs.0123456789abcdef.v8'), Buffer.from('a chunk this bundle no longer has'));
  const damaged = await helpRun(home);
  assert.deepEqual(damaged.find((c) => c.chunk === 'main.cjs'), { chunk: 'main.cjs', cached: true, rejected: true });
  assert.ok(!readdirSync(dir).includes('chunk-GONE0000.cjs.0123456789abcdef.v8'), 'caches of chunks gone from the bundle are removed');
  const again = await helpRun(home);
  assert.ok(again.every((c) => c.cached && !c.rejected), JSON.stringify(again));
}));

test('a cache directory that others can write to is not used; EIC_COMPILE_CACHE=0 turns the cache off', withCacheHome(async (home, dir) => {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  assert.deepEqual(await helpRun(home), [], 'no chunk compiled through the cache');
  assert.deepEqual(readdirSync(dir), [], 'nothing written there either');

  chmodSync(dir, 0o700);
  assert.deepEqual(await helpRun(home, { EIC_COMPILE_CACHE: '0' }), []);
  assert.deepEqual(readdirSync(dir), []);
  // The control: the same directory, once private and with the cache on, is used.
  assert.ok((await helpRun(home)).length > 0);
  assert.ok(readdirSync(dir).length > 0);
}));

test('a cache directory below one that others can write to is not used (each directory from the cache root down is checked)', withCacheHome(async (home, dir) => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const root = join(home, 'eic');
  for (const open of [root, dirname(dir)]) {
    chmodSync(open, 0o777);
    assert.deepEqual(await helpRun(home), [], `no chunk compiled through the cache below ${open}`);
    assert.deepEqual(readdirSync(dir), [], 'nothing written there either');
    chmodSync(open, 0o700);
  }
  // The control: the same directories, all private, are used.
  assert.ok((await helpRun(home)).length > 0);
  assert.ok(readdirSync(dir).length > 0);
}));

test('a rebuilt chunk of the same length does not run the code cached for the build before it', withCacheHome(async (home) => {
  // V8 checks only a source's length. A copy of the bundle stands for an install that a new
  // build replaces: the chunk that describes the program keeps its name, and here its length too
  // (main.cjs always keeps its name).
  const copy = join(home, 'bundle');
  cpSync(bundleDir, copy, { recursive: true });
  const run = () => new Promise<string>((resolve, reject) => execFile(process.execPath, [join(copy, 'eic.cjs'), '--help'],
    { env: { ...process.env, XDG_CACHE_HOME: home } }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))));
  assert.match(await run(), /Reach EC2 instances/);
  const chunk = readdirSync(copy).find((f) => f.endsWith('.cjs') && readFileSync(join(copy, f), 'utf8').includes('Reach EC2 instances'))!;
  const file = join(copy, chunk);
  const before = readFileSync(file, 'utf8');
  const after = before.replace('Reach EC2 instances', 'REACH EC2 INSTANCES');
  assert.notEqual(after, before);
  assert.equal(after.length, before.length);
  writeFileSync(file, after);
  // As scripts/bundle.mjs writes it for the new build.
  const keys = JSON.parse(readFileSync(join(copy, 'chunks.json'), 'utf8')) as Record<string, { sha256: string; length: number }>;
  keys[chunk] = { sha256: createHash('sha256').update(after).digest('hex').slice(0, 16), length: after.length };
  writeFileSync(join(copy, 'chunks.json'), JSON.stringify(keys));
  assert.match(await run(), /REACH EC2 INSTANCES/);
}));
