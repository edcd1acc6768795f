/**
 * The interactive shell, driven in a real terminal (tmux) through the sandbox: a prompt
 * appears, the local terminal is raw during the session, TERM and the window size reach the
 * pty, `stty size` follows a tmux resize, and the local terminal's settings (`stty -a`) are
 * the same after `exit` as before, and after eic is killed by SIGTERM mid-session.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicBin } from './helpers/paths.js';
import { eicEnv, tempHome } from './helpers/tunnel-harness.js';

describe('eic ssh interactive shell in tmux (sandbox)', () => {
  let sb: Sandbox;
  let home: { home: string; cleanup(): void };
  let socket: string;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  const pane = (name: string) => tmux('capture-pane', '-p', '-t', name);

  async function waitFor(what: () => boolean, label: string, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (what()) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${label}`);
  }
  const waitForPane = (name: string, re: RegExp, label: string) => waitFor(() => re.test(pane(name)), `${label}; pane:\n${pane(name)}`);

  /** A tmux session whose shell records `stty -a`, runs eic ssh, then records it again. */
  function startSession(name: string): { before: string; after: string; status: string } {
    const files = { before: join(home.home, `${name}.before`), after: join(home.home, `${name}.after`), status: join(home.home, `${name}.status`) };
    const env = eicEnv(sb, home.home, { EIC_KNOWN_HOSTS: join(home.home, 'known_hosts'), TERM: 'screen-256color' });
    const exports = Object.entries(env).map(([k, v]) => `export ${k}='${String(v).replace(/'/g, `'\\''`)}'`).join('\n');
    const script = join(home.home, `${name}.sh`);
    writeFileSync(script, `${exports}
stty -a > ${files.before}
'${process.execPath}' '${eicBin}' ssh ${sb.env.EIC_SANDBOX_INSTANCE}
echo $? > ${files.status}
stty -a > ${files.after}
exec sleep 600
`);
    tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', name, `bash --noprofile --norc ${script}`);
    return files;
  }

  before(async () => {
    sb = await startSandbox({ requireSshd: true });
    home = tempHome();
    socket = join(home.home, 'tmux.sock');
  });
  after(async () => {
    spawnSync('tmux', ['-S', socket, 'kill-server']);
    await sb.close();
    home.cleanup();
  });

  it('gives a prompt, follows resizes, and restores the terminal on exit', async () => {
    const files = startSession('shell');
    await waitForPane('shell', /ec2-user@[^\n]*\$ *$/m, 'the remote prompt');
    // While the session runs, the local terminal is raw: keys go to the remote side as typed.
    const tty = tmux('display-message', '-p', '-t', 'shell', '#{pane_tty}').trim();
    const during = execFileSync('stty', ['-a', '-F', tty], { encoding: 'utf8' });
    assert.match(during, /-icanon/);
    assert.match(during, /-echo\b/);
    tmux('send-keys', '-t', 'shell', 'echo "term=$TERM size=$(stty size)"', 'Enter');
    await waitForPane('shell', /^term=screen-256color size=40 120$/m, 'TERM and the initial size');
    tmux('resize-window', '-t', 'shell', '-x', '100', '-y', '30');
    // The resize travels: tmux → SIGWINCH → eic → window-change → sshd → the pty.
    let resized = false;
    for (let i = 0; i < 40 && !resized; i++) {
      tmux('send-keys', '-t', 'shell', 'clear; echo "now=$(stty size)"', 'Enter');
      await sleep(250);
      resized = /^now=30 100$/m.test(pane('shell'));
    }
    assert.ok(resized, `the remote pty did not follow the resize; pane:\n${pane('shell')}`);
    // Ctrl-C is a byte for the remote side in raw mode: it interrupts the remote command, not eic.
    tmux('send-keys', '-t', 'shell', 'clear; sleep 300', 'Enter');
    await sleep(1_000);
    tmux('send-keys', '-t', 'shell', 'C-c');
    await sleep(500);
    tmux('send-keys', '-t', 'shell', 'echo "after-sleep=$?"', 'Enter');
    await waitForPane('shell', /^after-sleep=130$/m, 'the remote sleep to be interrupted');
    tmux('send-keys', '-t', 'shell', 'exit', 'Enter');
    await waitFor(() => existsSync(files.after) && readFileSync(files.after, 'utf8').length > 0, 'eic to exit');
    assert.equal(readFileSync(files.status, 'utf8').trim(), '0');
    const beforeSettings = readFileSync(files.before, 'utf8').replace(/rows \d+; columns \d+;/, '');
    const afterSettings = readFileSync(files.after, 'utf8').replace(/rows \d+; columns \d+;/, '');
    assert.match(beforeSettings, /\bicanon\b.*\becho\b|\becho\b.*\bicanon\b/s);
    assert.equal(afterSettings, beforeSettings);
  });

  it('restores the terminal when eic is killed by SIGTERM', async () => {
    const files = startSession('killed');
    await waitForPane('killed', /ec2-user@[^\n]*\$ *$/m, 'the remote prompt');
    const shellPid = tmux('list-panes', '-t', 'killed', '-F', '#{pane_pid}').trim();
    // The pane's bash runs eic (node) in the foreground: its only child.
    const eicPid = execFileSync('pgrep', ['-P', shellPid], { encoding: 'utf8' }).trim().split('\n')[0];
    assert.match(eicPid, /^\d+$/);
    process.kill(Number(eicPid), 'SIGTERM');
    await waitFor(() => existsSync(files.after) && readFileSync(files.after, 'utf8').length > 0, 'eic to exit');
    assert.equal(readFileSync(files.status, 'utf8').trim(), '255');
    assert.equal(readFileSync(files.after, 'utf8'), readFileSync(files.before, 'utf8'));
  });
});
