// needs: openssl sshd ssh ssh-keygen ssh-agent ssh-add
/**
 * ssh-agent support with a real ssh-agent, through the sandbox: keys in the agent
 * ($SSH_AUTH_SOCK) authenticate when the offered key does not, and -A forwards the agent so
 * that `ssh-add -l` on the instance lists the local agent's key (and without -A it cannot).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicEnv, runEic, sshClientKit, tempHome, type SshClientKit } from './helpers/tunnel-harness.js';
import { until } from './helpers/until.js';

describe('eic ssh with ssh-agent (sandbox)', () => {
  let sb: Sandbox;
  let home: { home: string; cleanup(): void };
  let kit: SshClientKit;
  let agent: ChildProcess;
  let agentSock: string;
  let strangerKey: string;
  let id: string;
  let fingerprint: string;
  const env = (extra: Record<string, string | undefined> = {}) =>
    eicEnv(sb, home.home, { EIC_KNOWN_HOSTS: join(home.home, 'known_hosts'), ...extra });

  before(async () => {
    sb = await startSandbox({ requireSshd: true });
    home = tempHome();
    id = sb.env.EIC_SANDBOX_INSTANCE;
    kit = sshClientKit(sb);
    agentSock = join(home.home, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    await until(() => existsSync(agentSock), "the agent's socket");
    const add = spawnSync('ssh-add', [kit.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: agentSock }, encoding: 'utf8' });
    assert.equal(add.status, 0, add.stderr);
    fingerprint = spawnSync('ssh-keygen', ['-l', '-f', `${kit.keyPath}.pub`], { encoding: 'utf8' }).stdout.split(/\s+/)[1];
    strangerKey = join(home.home, 'stranger');
    assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey]).status, 0);
  });
  after(async () => {
    agent.kill('SIGTERM');
    kit.cleanup();
    await sb.close();
    home.cleanup();
  });

  it('authenticates with the agent\'s key when the -i key is not accepted', async () => {
    await kit.push(id);
    const withAgent = await runEic(['ssh', id, '-i', strangerKey, '--', 'echo via-agent'], env({ SSH_AUTH_SOCK: agentSock }));
    assert.equal(withAgent.code, 0, withAgent.stderr);
    assert.equal(withAgent.stdout.toString(), 'via-agent\n');
    // The same without the agent: refused, which shows the agent's key did the work above.
    const without = await runEic(['ssh', id, '-i', strangerKey, '--', 'echo never'], env());
    assert.equal(without.code, 255, without.stderr);
    assert.match(without.stderr, /permission denied/);
  });

  it('forwards the agent with -A, and only with -A', async () => {
    const forwarded = await runEic(['ssh', id, '-A', '--', 'ssh-add -l'], env({ SSH_AUTH_SOCK: agentSock }));
    assert.equal(forwarded.code, 0, forwarded.stderr);
    assert.ok(forwarded.stdout.toString().includes(fingerprint), forwarded.stdout.toString());
    const notForwarded = await runEic(['ssh', id, '--', 'ssh-add -l'], env({ SSH_AUTH_SOCK: agentSock }));
    assert.equal(notForwarded.code, 2, notForwarded.stderr);
    assert.match(notForwarded.stderr, /Could not open a connection to your authentication agent/);
  });

  it('warns when -A has no agent to forward', async () => {
    const r = await runEic(['ssh', id, '-A', '--', 'true'], env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /-A: no ssh-agent to forward/);
  });
});
