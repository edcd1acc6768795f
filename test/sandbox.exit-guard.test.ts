// needs: openssl pgrep
/**
 * A program that starts sandboxes and is then killed by a signal it does not handle (a test
 * runner's timeout, say) still leaves no sshd and no work directory behind, even with two
 * sandboxes in the process; and it still dies of that signal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/paths.js';
import { stopProcess } from './helpers/stop-process.js';
import { defaultConfig } from '../src/sandbox/config.js';
import { servedInstances } from '../src/sandbox/instances.js';

const PROGRAM = `
import { startSandbox } from ${JSON.stringify(join(repoRoot, 'dist', 'src', 'sandbox', 'index.js'))};
const a = await startSandbox();
const b = await startSandbox();
console.log(JSON.stringify([a.dir, b.dir, a.usingRealSshd]));
setInterval(() => {}, 1000);
`;

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`${sig} to a program with two sandboxes: no sshd left, and the program dies of ${sig}`, async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROGRAM], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; if (out.includes('\n')) resolve(out.trim()); });
        child.once('exit', () => reject(new Error('the program exited before its sandboxes were up')));
      });
      const [dirA, dirB, real] = JSON.parse(line) as [string, string, boolean];
      const count = (dir: string) => spawnSync('pgrep', ['-f', `${dir}/`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length;
      const served = servedInstances(defaultConfig()).length;
      if (real) assert.deepEqual([count(dirA), count(dirB)], [served, served]);
      child.kill(sig);
      assert.equal(await exit, sig);
      assert.deepEqual([count(dirA), count(dirB)], [0, 0]);
      assert.equal(existsSync(dirA) || existsSync(dirB), false);
    } finally {
      await stopProcess(child);
    }
  });
}
