// Runs every compiled test file with node's built-in runner. Node 20's --test takes no globs,
// so the files are listed here. `npm test -- name` runs only files whose name contains "name".
import { readdirSync } from 'node:fs';
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
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=240000', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
