// needs: openssl sshd
/**
 * `eic cp`'s progress bar: drawn on stderr when it is a terminal (run under `script`, which
 * gives the process a pty), absent with -q, and absent when stderr is a pipe: stderr stays empty.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { shellQuote } from '../src/cli/cp/args.js';
import { startCpWorld, type CpWorld } from './helpers/cp-fixtures.js';
import { eicBin } from './helpers/paths.js';
import { finished, runEic } from './helpers/tunnel-harness.js';

/** Run eic under script(1): stdin, stdout and stderr are a pty; returns what the terminal showed. */
async function onTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, eicBin, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...env, COLUMNS: '100', TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const r = await finished(child);
  return { code: r.code, screen: r.stdout.toString('utf8') + r.stderr };
}

describe('eic cp progress bar (sandbox)', () => {
  let world: CpWorld;
  let env: NodeJS.ProcessEnv;
  let id: string;
  let work: string;
  let scratch: { dir: string; cleanup(): void };
  let data: Buffer;

  before(async () => {
    assert.equal(spawnSync('script', ['-V']).status, 0, 'script(1) from util-linux is needed');
    world = await startCpWorld('eic-cp-tty-');
    ({ id, env, work, scratch } = world);
    data = randomBytes(8 * 1024 * 1024);
    writeFileSync(join(work, 'payload.bin'), data);
  });
  after(async () => { await world?.close(); });

  it('draws a bar with the file name, percent and size on a terminal', async () => {
    const r = await onTerminal(['cp', join(work, 'payload.bin'), `${id}:${scratch.dir}/tty.bin`], env);
    assert.equal(r.code, 0, r.screen);
    assert.ok(readFileSync(join(scratch.dir, 'tty.bin')).equals(data));
    assert.match(r.screen, /tty\.bin +\|[█░]+\| 100% 8\.0 MiB\/8\.0 MiB/);
    assert.match(r.screen, /\r|\x1b\[/); // redrawn in place
  });

  it('draws nothing with -q, even on a terminal', async () => {
    const r = await onTerminal(['cp', '-q', join(work, 'payload.bin'), `${id}:${scratch.dir}/quiet.bin`], env);
    assert.equal(r.code, 0, r.screen);
    assert.ok(readFileSync(join(scratch.dir, 'quiet.bin')).equals(data));
    assert.doesNotMatch(r.screen, /%|█|░/);
  });

  it('writes nothing to stderr when it is not a terminal', async () => {
    const up = await runEic(['cp', join(work, 'payload.bin'), `${id}:${scratch.dir}/pipe.bin`], env);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stderr, '');
    const down = await runEic(['cp', `${id}:${scratch.dir}/pipe.bin`, join(work, 'back.bin')], env);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stderr, '');
    assert.equal(down.stdout.length, 0);
    assert.ok(readFileSync(join(work, 'back.bin')).equals(data));
  });
});
