// needs: openssl sshd tmux pgrep
/**
 * The interactive shell, driven in a real terminal (tmux) through the sandbox: a prompt
 * appears, the local terminal is raw during the session, TERM and the window size reach the
 * pty, `stty size` follows a tmux resize, and the local terminal's settings (`stty -a`) are
 * the same after `exit` as before, and after eic is killed by SIGTERM mid-session.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { useSandboxTerminal } from './helpers/tmux-terminal.js';
import { runsUnder } from './helpers/processes.js';

describe('eic ssh interactive shell in tmux (sandbox)', () => {
  const { cli, tmux, pane, waitFor, waitForPane, startSession, ended } = useSandboxTerminal({ rows: 40 });

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
    // Asked again until the answer changes (a poll: the SIGWINCH's arrival shows nowhere else).
    let resized = false;
    for (let i = 0; i < 40 && !resized; i++) {
      tmux('send-keys', '-t', 'shell', 'clear; echo "now=$(stty size)"', 'Enter');
      await sleep(250);
      resized = /^now=30 100$/m.test(pane('shell'));
    }
    assert.ok(resized, `the remote pty did not follow the resize; pane:\n${pane('shell')}`);
    // Ctrl-C is a byte for the remote side in raw mode: it interrupts the remote command, not eic.
    tmux('send-keys', '-t', 'shell', 'clear; sleep 300', 'Enter');
    await waitFor(() => runsUnder(cli.sb.dir, ['sleep', '300']), 'the remote sleep to start');
    tmux('send-keys', '-t', 'shell', 'C-c');
    await waitFor(() => !runsUnder(cli.sb.dir, ['sleep', '300']), () => `the remote sleep to end on ^C; pane:\n${pane('shell')}`);
    tmux('send-keys', '-t', 'shell', 'echo "after-sleep=$?"', 'Enter');
    await waitForPane('shell', /^after-sleep=130$/m, 'the remote sleep to be interrupted');
    tmux('send-keys', '-t', 'shell', 'exit', 'Enter');
    await waitFor(() => ended(files), 'eic to exit');
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
    await waitFor(() => ended(files), 'eic to exit');
    assert.equal(readFileSync(files.status, 'utf8').trim(), '255');
    assert.equal(readFileSync(files.after, 'utf8'), readFileSync(files.before, 'utf8'));
  });
});
