// Runs every compiled test file with node's built-in runner. Node 20's --test takes no globs,
// so the files are listed here. `npm test -- name` runs only files whose name contains "name".
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = 'dist/test';
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => join(dir, f));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Tests run the CLI as users do, from the bundle (bin/eic.js): rebuild it when a source is newer,
// so that `tsc` alone followed by this script never tests a stale CLI.
if (newestSource('src') > mtime('dist/bundle/main.cjs')) {
  const b = spawnSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=240000', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);

function mtime(path) {
  try { return statSync(path).mtimeMs; } catch { return 0; }
}

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : mtime(p));
  }
  return newest;
}
