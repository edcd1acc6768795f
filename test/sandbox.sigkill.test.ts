// needs: openssl sshd pgrep
/**
 * Nothing `eic sandbox` starts outlives it, however it ends: killed with SIGKILL (no code of
 * its own runs), its sshd listeners, a logged-in session and the command in it are gone, and so
 * is its work directory under /run. And a new sandbox reaps a directory whose recorded owner is
 * dead, with the processes still naming it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { descendants } from '../src/sandbox/proc-tree.js';
import { eicBin } from './helpers/paths.js';
import { finished, runEic } from './helpers/tunnel-harness.js';
import { alive, pgrep, runsUnder } from './helpers/processes.js';
import { stopProcess } from './helpers/stop-process.js';
import { until } from './helpers/until.js';

function startSandbox(envFile: string): { child: ChildProcess; done: ReturnType<typeof finished> } {
  const child = spawn(process.execPath, [eicBin, 'sandbox', '--write-env', envFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, done: finished(child) };
}

function readEnv(envFile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of readFileSync(envFile, 'utf8').matchAll(/^export ([A-Z0-9_]+)='(.*)'$/gm)) env[m[1]] = m[2];
  return env;
}

describe('eic sandbox leaves nothing behind', () => {
  it('SIGKILL: its sshd listeners, a session and its command, and its /run directory are gone', async () => {
    const home = mkdtempSync(join(tmpdir(), 'eic-sigkill-'));
    const envFile = join(home, 'env');
    const sb = startSandbox(envFile);
    let hold: ChildProcess | undefined;
    try {
      await until(() => existsSync(envFile) || sb.child.exitCode !== null, 'the env file');
      const env = readEnv(envFile);
      const configDir = dirname(env.AWS_CA_BUNDLE);
      assert.match(configDir, /^\/(run|var\/lib)\/eic-sandbox-/);
      const listeners = pgrep(configDir);
      assert.ok(listeners.length > 0, 'sshd listeners run');
      const eicEnv = { PATH: process.env.PATH, HOME: home, ...env, EIC_KNOWN_HOSTS: join(home, 'known_hosts'), EIC_SSH_SYSTEM_CONFIG: '/dev/null' };
      hold = spawn(process.execPath, [eicBin, 'ssh', env.EIC_SANDBOX_INSTANCE, '--', 'echo started; exec sleep 300'], { env: eicEnv, stdio: ['pipe', 'pipe', 'pipe'] });
      await new Promise<void>((resolve, reject) => {
        hold!.stdout!.once('data', () => resolve());
        hold!.once('exit', (code) => reject(new Error(`eic ssh exited ${code} before the session started`)));
      });
      // "started" arrives while the remote shell may not yet have exec'd sleep: wait for it.
      await until(() => runsUnder(configDir, ['sleep', '300']), 'the remote command to run');
      const session = listeners.flatMap((pid) => descendants(pid));

      sb.child.kill('SIGKILL');
      assert.equal((await sb.done).signal, 'SIGKILL');
      await until(() => [...listeners, ...session].every((pid) => !alive(pid)), 'every sshd and session process to end');
      await until(() => !existsSync(configDir), `${configDir} to be removed`);
    } finally {
      hold?.kill('SIGKILL');
      await stopProcess(sb.child);
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a new sandbox reaps the directory of a dead one, and the processes that still name it', async () => {
    const dead = spawnSync('true');
    assert.equal(dead.status, 0);
    const stale = mkdtempSync(join('/run', 'eic-sandbox-'));
    writeFileSync(join(stale, 'sshd_config'), '# left behind\n');
    // Stands for an sshd that outlived its sandbox: its command line names the directory.
    const orphan = spawn('sh', ['-c', 'sleep 300; :', join(stale, 'sshd_config')], { stdio: 'ignore', detached: true });
    await until(() => pgrep(stale).includes(orphan.pid!), 'the orphan to run');
    // Its dead owner last: a directory without one is left alone, so a sandbox that another test
    // file starts meanwhile cannot reap it (and kill the orphan) before it was seen running.
    writeFileSync(join(stale, 'owner'), `${dead.pid} 1\n`);
    const home = mkdtempSync(join(tmpdir(), 'eic-reap-'));
    const envFile = join(home, 'env');
    const sb = startSandbox(envFile);
    try {
      await until(() => existsSync(envFile) || sb.child.exitCode !== null, 'the env file');
      assert.equal(existsSync(stale), false, 'the dead sandbox\'s directory is gone');
      await until(() => !alive(orphan.pid!), 'the orphan to be killed');
      sb.child.kill('SIGTERM');
      assert.equal((await sb.done).code, 143);
      const r = await runEic(['--version'], {});
      assert.equal(r.code, 0);
    } finally {
      orphan.kill('SIGKILL');
      await stopProcess(sb.child);
      rmSync(stale, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });
});
