// needs: make g++ python3
// The published shape: `npm pack` holds the built CLI and nothing of the tests, and
// `npm install -g --prefix DIR ./eic-*.tgz` gives a DIR/bin/eic that works from any directory.
// (Packed with --ignore-scripts from the build the test run already made: prepack would run
// tsc and rewrite dist/ under the feet of tests running in parallel; the prepack script itself
// is checked below.) Dependencies come from the npm cache when present (--prefer-offline).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCacheDir, nodeHasCompileCache } from '../src/boot/compile-cache.js';
import { chunkHolding, nativeModulesOpenedBy } from './helpers/bundle-native.js';
import { repoRoot } from './helpers/paths.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string; bin: Record<string, string>; files: string[]; scripts: Record<string, string>;
};
let work: string;
let tarball: string;

function sh(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: process.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'eic-pack-'));
  const r = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work], repoRoot);
  assert.equal(r.code, 0, r.stderr);
  const found = readdirSync(work).filter((f) => /^eic-.*\.tgz$/.test(f));
  assert.equal(found.length, 1, `tarballs: ${found.join(', ')}`);
  tarball = join(work, found[0]);
});
after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

test('package.json builds before packing and ships bin/ and the bundle only', () => {
  assert.match(pkg.scripts.prepack ?? '', /\b(npm run build|tsc)\b/);
  assert.equal(pkg.bin.eic, 'bin/eic.js');
  assert.deepEqual(pkg.files.filter((f) => f.startsWith('dist')), ['dist/bundle/']);
});

test('the tarball holds the built CLI and no tests or TypeScript sources', async () => {
  const r = await sh('tar', ['-tzf', tarball], work);
  assert.equal(r.code, 0, r.stderr);
  const files = r.stdout.split('\n').filter(Boolean);
  for (const f of ['package/bin/eic.js', 'package/bin/package.json', 'package/package.json', 'package/dist/bundle/eic.cjs', 'package/dist/bundle/main.cjs', 'package/dist/bundle/chunks.json']) {
    assert.ok(files.includes(f), f);
  }
  assert.deepEqual(files.filter((f) => /^package\/(dist\/test|dist\/src|test|src|scripts|bench)\//.test(f)), []);
});

test('npm install -g of the tarball gives a working eic in another directory', async () => {
  const prefix = join(work, 'global');
  const r = await sh('npm', ['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], work);
  assert.equal(r.code, 0, r.stderr);
  const eic = join(prefix, 'bin', 'eic');
  const elsewhere = join(work, 'elsewhere');
  mkdirSync(elsewhere);

  const version = await sh(eic, ['--version'], elsewhere);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), pkg.version);

  const help = await sh(eic, ['--help'], elsewhere);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: eic /);
  for (const cmd of ['list', 'ssh-config', 'completion', 'proxy']) assert.match(help.stdout, new RegExp(`^  ${cmd}\\b`, 'm'), cmd);

  // Lazily imported command code resolves inside the installed package too.
  const completion = await sh(eic, ['completion', 'bash'], elsewhere);
  assert.equal(completion.code, 0, completion.stderr);
  assert.match(completion.stdout, /complete -o default -F _eic eic/);

  // ssh-config names the installed command by its stable bin path (not the versioned lib path).
  const cfg = await sh(eic, ['ssh-config', '--no-names'], elsewhere);
  assert.equal(cfg.code, 0, cfg.stderr);
  assert.match(cfg.stdout, new RegExp(`ProxyCommand ${eic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} proxy --push-key`));
  // The bundled ssh2 finds its native binding and cpu-features in the installed dependencies.
  const installed = join(prefix, 'lib', 'node_modules', 'eic', 'dist', 'bundle');
  const opened = await nativeModulesOpenedBy(chunkHolding(installed, 'src/ssh/session.ts'), elsewhere);
  assert.ok(opened.some((f) => f.endsWith('/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node')), opened.join('\n'));
  assert.ok(opened.some((f) => f.endsWith('/cpu-features/build/Release/cpufeatures.node')), opened.join('\n'));
  // The runs above left a code cache for the installed bundle (compile-cache.ts).
  const cacheDir = compileCacheDir(realpathSync(installed))!;
  try {
    // eic's own cache names its files by chunk; Node's (22 on) keeps its files in a directory of its own.
    const made = nodeHasCompileCache()
      ? readdirSync(cacheDir).some((d) => readdirSync(join(cacheDir, d)).length > 0)
      : readdirSync(cacheDir).some((f) => /^main\.cjs\.[0-9a-f]{16}\.v8$/.test(f));
    assert.ok(made, cacheDir);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
