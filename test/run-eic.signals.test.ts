/**
 * The test harness's own promise about crashes: a child that dies of a signal the test did not
 * send makes finished() and runEic() fail with "died of SIGxxx" and the child's stderr, so an
 * assertion on an exit code never shows only an empty stderr. A signal the test sent itself
 * (child.kill) or one it allows is handed back as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execEic } from './helpers/exec-eic.js';
import { withProbe } from './helpers/preload-probe.js';
import { finished, runEic } from './helpers/run-eic.js';

const crash = "process.stderr.write('about to crash\\n'); process.kill(process.pid, 'SIGABRT');";
const env = { PATH: process.env.PATH };

test('finished() rejects naming the signal and the stderr when a child crashes', async () => {
  const child = spawn('sh', ['-c', 'echo half-done >&2; kill -ABRT $$'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await assert.rejects(finished(child), /^Error: sh -c .* died of SIGABRT; its stderr: \nhalf-done\n$/);
});

test('finished() hands back a signal the test sent, or one it allows', async () => {
  const killed = spawn('sleep', ['60'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = finished(killed);
  killed.kill('SIGTERM');
  assert.equal((await done).signal, 'SIGTERM');

  const allowed = spawn('sh', ['-c', 'kill -ABRT $$'], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal((await finished(allowed, { allowSignal: true })).signal, 'SIGABRT');
});

test('runEic() and execEic() throw "eic <args> died of SIGABRT" with eic\'s stderr', async () => {
  await withProbe(crash, "''", async (nodeOptions) => {
    await assert.rejects(runEic(['--version'], { ...env, NODE_OPTIONS: nodeOptions }),
      { message: 'eic --version died of SIGABRT; its stderr: \nabout to crash\n' });
    await assert.rejects(execEic(['--version'], { ...env, NODE_OPTIONS: nodeOptions }), /^Error: eic --version died of SIGABRT/);
    const r = await runEic(['--version'], { ...env, NODE_OPTIONS: nodeOptions }, undefined, { allowSignal: true });
    assert.equal(r.signal, 'SIGABRT');
  });
  const ok = await runEic(['--version'], env);
  assert.equal(ok.code, 0, ok.stderr);
});
