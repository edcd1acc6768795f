// needs: openssl sshd tmux
/**
 * Choosing the instance, through the sandbox: without a terminal, no target and an ambiguous
 * Name tag fail with what to do (and the list); on a terminal (tmux), `eic ssh` offers a
 * search picker of the region's instances (Name, id, state, address, the endpoint that serves
 * each; the others greyed with the reason and not choosable) and an ambiguous Name tag asks
 * which one.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicBin } from './helpers/paths.js';
import { eicEnv, runEic, tempHome } from './helpers/tunnel-harness.js';

describe('eic ssh instance choice (sandbox)', () => {
  let sb: Sandbox;
  let home: { home: string; cleanup(): void };
  let env: NodeJS.ProcessEnv;
  let socket: string;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  const pane = (name: string) => tmux('capture-pane', '-p', '-J', '-S', '-100', '-t', name);

  async function waitForPane(name: string, re: RegExp, label: string, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (re.test(pane(name))) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${label}; pane:\n${pane(name)}`);
  }

  function startSession(name: string, args: string[], sessionEnv = env): void {
    const exports = Object.entries(sessionEnv).map(([k, v]) => `export ${k}='${String(v).replace(/'/g, `'\\''`)}'`).join('\n');
    const script = join(home.home, `${name}.sh`);
    writeFileSync(script, `${exports}\n'${process.execPath}' '${eicBin}' ssh ${args.join(' ')}\necho "eic-status=$?"\nexec sleep 600\n`);
    tmux('new-session', '-d', '-x', '150', '-y', '40', '-s', name, `bash --noprofile --norc ${script}`);
  }

  before(async () => {
    sb = await startSandbox({ requireSshd: true });
    home = tempHome();
    env = eicEnv(sb, home.home, { EIC_KNOWN_HOSTS: join(home.home, 'known_hosts'), TERM: 'screen' });
    socket = join(home.home, 'tmux.sock');
  });
  after(async () => {
    spawnSync('tmux', ['-S', socket, 'kill-server']);
    await sb.close();
    home.cleanup();
  });

  it('without a terminal: no target is a usage error', async () => {
    const r = await runEic(['ssh'], env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /^eic: no instance given \(name an instance id, Name tag or private IP/m);
  });

  it('without a terminal: an ambiguous Name tag fails with the list', async () => {
    const r = await runEic(['ssh', 'worker', '--', 'true'], env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /2 instances match Name tag worker: i-0123456789abcdef1 \(running, 10\.0\.2\.20\), i-0123456789abcdef2 \(running, 10\.0\.2\.21\)/);
  });

  it('on a terminal: a search picker; unreachable instances greyed with the reason, not choosable', async () => {
    startSession('picker', []);
    await waitForPane('picker', /Instance to connect to .*type to search/, 'the picker');
    // The prompt draws before its list: the last line of the list says it is there.
    await waitForPane('picker', /old-db\s+i-0123456789abcdef3\s+stopped/, 'the list');
    const shown = pane('picker');
    assert.match(shown, /web-1\s+i-0123456789abcdef0\s+running\s+10\.0\.1\.10\s+eice-0123456789abcdef0/);
    assert.match(shown, /isolated\s+i-0aaaabbbbccccdddd\s+running\s+10\.2\.1\.40\s+\(no endpoint in its VPC\)/);
    assert.match(shown, /old-db\s+i-0123456789abcdef3\s+stopped\s+10\.0\.1\.30\s+\(stopped\)/);
    assert.ok(shown.indexOf('isolated') > shown.indexOf('worker') && shown.indexOf('old-db') > shown.indexOf('worker'), 'unreachable instances come last');
    // Greyed: drawn dim (SGR 2, which tmux leaves on for the next line), without the cursor.
    const colored = tmux('capture-pane', '-p', '-e', '-J', '-t', 'picker');
    assert.match(colored, /\x1b\[2m- isolated [^\x1b]*\n- old-db /);
    // Typing narrows the list; Enter on a list of only unreachable instances chooses nothing.
    tmux('send-keys', '-t', 'picker', '-l', 'old');
    await waitForPane('picker', /old\n(?:.*\n)*- old-db /, 'the list narrowed to old-db');
    assert.doesNotMatch(pane('picker').split('old\n').pop()!, /web-1/);
    tmux('send-keys', '-t', 'picker', 'Enter');
    tmux('send-keys', '-t', 'picker', 'BSpace', 'BSpace', 'BSpace');
    tmux('send-keys', '-t', 'picker', '-l', 'web');
    await waitForPane('picker', /web\n(?:.*\n)*❯ web-1 /, 'the list narrowed to web-1, under the cursor');
    tmux('send-keys', '-t', 'picker', 'Enter');
    await waitForPane('picker', /Permanently added 'i-0123456789abcdef0'/, 'the connection to web-1');
    await waitForPane('picker', /ec2-user@[^\n]*\$ *$/m, 'the remote prompt');
    tmux('send-keys', '-t', 'picker', 'exit', 'Enter');
    await waitForPane('picker', /^eic-status=0$/m, 'eic to exit 0');
  });

  it('on a terminal: asks which instance an ambiguous Name tag means, with one AWS context throughout', async () => {
    // Credentials from a credential_process that counts its runs: each AWS context loads them
    // once, so one run means the lookup, the question and the connection shared one context.
    const count = join(home.home, 'credential-runs');
    const script = join(home.home, 'credentials.sh');
    const json = JSON.stringify({ Version: 1, AccessKeyId: env.AWS_ACCESS_KEY_ID, SecretAccessKey: env.AWS_SECRET_ACCESS_KEY });
    writeFileSync(script, `#!/bin/sh\necho run >> '${count}'\nprintf '%s' '${json}'\n`, { mode: 0o700 });
    writeFileSync(env.AWS_CONFIG_FILE!, `[profile counted]\ncredential_process = ${script}\n`);
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...rest } = env;
    startSession('ambiguous', ['worker'], { ...rest, AWS_PROFILE: 'counted' });
    await waitForPane('ambiguous', /2 instances are named worker; which one\?/, 'the question');
    await waitForPane('ambiguous', /worker\s+i-0123456789abcdef2\s+running/, 'the list');
    assert.match(pane('ambiguous'), /worker\s+i-0123456789abcdef1\s+running\s+10\.0\.2\.20\s+eice-0123456789abcdef0/);
    tmux('send-keys', '-t', 'ambiguous', 'Down');
    await waitForPane('ambiguous', /❯ worker\s+i-0123456789abcdef2/, 'the cursor on the second worker');
    tmux('send-keys', '-t', 'ambiguous', 'Enter');
    await waitForPane('ambiguous', /Permanently added 'i-0123456789abcdef2'/, 'the connection to the second worker');
    await waitForPane('ambiguous', /ec2-user@[^\n]*\$ *$/m, 'the remote prompt');
    tmux('send-keys', '-t', 'ambiguous', 'exit', 'Enter');
    await waitForPane('ambiguous', /^eic-status=0$/m, 'eic to exit 0');
    assert.equal(readFileSync(count, 'utf8'), 'run\n', 'credentials loaded once');
  });
});
