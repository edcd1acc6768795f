// removeTree (src/remove-tree.ts) removes a directory that another process is still writing into,
// as a shell killed with its tmux saves its history into a test's HOME; fs.rmSync's own retries
// fail there with ENOTEMPTY, which failed CI once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTree } from '../src/remove-tree.js';
import { until } from './helpers/until.js';

/**
 * A process that creates a new file in `dir` as fast as it can for up to `ms`, and counts its
 * misses; once the directory is gone (100 misses) it stops, and says when.
 */
const WRITER = `
const { writeFileSync } = require('node:fs');
const [dir, ms] = [process.argv[1], Number(process.argv[2])];
const end = Date.now() + ms;
let made = 0, missed = 0;
for (let i = 0; Date.now() < end && missed < 100; i++) {
  try { writeFileSync(dir + '/f' + i, 'x'); made++; } catch { missed++; }
}
process.stdout.write(JSON.stringify({ made, missed, ended: Date.now() }));
`;

test('a directory another process keeps writing into is removed once the writes stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eic-remove-tree-'));
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'sub', 'deeper', 'file'), 'x');
  const writer = spawn(process.execPath, ['-e', WRITER, dir, '1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  writer.stdout.on('data', (d: Buffer) => { out += d; });
  await until(() => existsSync(dir) && readdirSync(dir).length >= 3, 'the writer\'s first files', { everyMs: 5 });
  const removing = Date.now();

  removeTree(dir);

  assert.equal(existsSync(dir), false);
  await once(writer, 'exit');
  const { made, missed, ended } = JSON.parse(out) as { made: number; missed: number; ended: number };
  // It began before the removal (its files were there) and ended after the removal began: either
  // it outlasted the removal (its writes failed once the directory was gone) or the removal
  // outlasted it (Node 24's rmSync wins only once the writes stop).
  assert.ok(ended > removing, `the writer wrote while the directory was being removed (${made} files made, ${missed} writes failed)`);
});

test('an error that another pass cannot mend is thrown at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eic-remove-tree-'));
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  const started = Date.now();
  // A name too long for the file system (a path below a file is no error for Node 24's rmSync
  // with force, and Node 24 reports this one with an empty code, so no code is asserted).
  assert.throws(() => removeTree(join(dir, 'x'.repeat(300))), /too long/i);
  assert.ok(Date.now() - started < 1000);
  removeTree(dir);
  assert.equal(existsSync(dir), false);
});
