// needs: openssl sshd tmux
/**
 * OpenSSH's escape sequences in a real terminal (tmux) on the sandbox's real sshd and shell:
 * `~?` lists the escapes, `~~` sends one `~`, `~.` after a newline disconnects (exit 255, the
 * "Connection to … closed." line, the local terminal's `stty -a` unchanged), `~^Z` stops eic
 * under an interactive bash and `fg` resumes the session in raw mode, `-e none` makes `~.`
 * plain data and `-e ^]` moves the escape to another key.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { eicBin } from './helpers/paths.js';
import { useSandboxTerminal } from './helpers/tmux-terminal.js';

describe('eic ssh escape sequences in tmux (sandbox)', () => {
  const { cli, tmux, pane, waitFor, waitForPane, startScript, startSession, ended: exited } = useSandboxTerminal({ rows: 50, scrollback: true });
  /** Type text as literal keys (no key-name lookup), then optionally Enter. */
  const type = (name: string, text: string) => tmux('send-keys', '-t', name, '-l', text);
  const enter = (name: string) => tmux('send-keys', '-t', name, 'Enter');
  const prompts = (name: string) => (pane(name).match(/ec2-user@[^\n]*\$/g) ?? []).length;
  /** Wait until the remote shell has printed its n-th prompt: it has read everything typed before. */
  const waitForPrompts = (name: string, n: number) => waitFor(() => prompts(name) >= n, () => `prompt #${n}; pane:\n${pane(name)}`);
  /** A tmux session running an interactive bash with job control, for ~^Z and fg. */
  const startInteractive = (name: string) => startScript(name, 'exec bash --noprofile --norc -i', { PS1: 'local> ' });

  it('~? lists the escapes, ~~ sends one ~, ~. disconnects with 255 and restores the terminal', async () => {
    const files = startSession('esc');
    await waitForPrompts('esc', 1);
    // Enter first, so the escapes below follow a newline (and not only the session's start).
    type('esc', 'echo ready');
    enter('esc');
    await waitForPane('esc', /^ready$/m, 'the first command');
    await waitForPrompts('esc', 2);
    type('esc', '~?');
    await waitForPane('esc', /Supported escape sequences:/, 'the escape list');
    assert.match(pane('esc'), /^ ~\. {3}- terminate connection$/m);
    // ~^Z where the shell has no job control (this script's bash): the kernel drops the stop
    // signal, and the session goes on in raw mode (checked by the keys typed below).
    type('esc', '~');
    tmux('send-keys', '-t', 'esc', 'C-z');
    await waitForPane('esc', /~\^Z \[suspend eic\]/, 'the suspend notice');
    // eic prints the notice, then leaves raw mode for the stop and enters it again: keys typed in
    // between would be echoed by the terminal itself.
    const tty = tmux('display-message', '-p', '-t', 'esc', '#{pane_tty}').trim();
    await waitFor(() => /(?:^|\s)-icanon\b/.test(execFileSync('stty', ['-F', tty, '-a'], { encoding: 'utf8' })), 'raw mode again after the suspend');
    // `~~` then `x` at a line start: the remote shell gets `~x`, one tilde, and says so.
    type('esc', '~~x');
    enter('esc');
    await waitForPane('esc', /~x: command not found/, 'the remote shell to run "~x"');
    assert.doesNotMatch(pane('esc'), /~~x/);
    await waitForPrompts('esc', 3);
    // A `~` inside a line is data: `echo a~.b` prints it whole and the session goes on.
    type('esc', 'echo a~.b');
    enter('esc');
    await waitForPane('esc', /^a~\.b$/m, 'a ~ inside a line to reach the remote side');
    await waitForPrompts('esc', 4);
    // A real terminal sends each key in its own read: `~` then `.`.
    type('esc', '~');
    await sleep(200); // not a wait for anything: the two keys must arrive in separate reads
    type('esc', '.');
    await waitFor(() => exited(files), () => `eic to exit after ~.; pane:\n${pane('esc')}`);
    assert.equal(readFileSync(files.status, 'utf8').trim(), '255');
    assert.match(pane('esc'), new RegExp(`Connection to ${cli.sb.env.EIC_SANDBOX_INSTANCE} closed\\.`));
    assert.equal(readFileSync(files.after, 'utf8'), readFileSync(files.before, 'utf8'));
  });

  it('~^Z suspends eic into the local shell\'s job control, and fg resumes the session in raw mode', async () => {
    startInteractive('susp');
    await waitForPane('susp', /^local> $/m, 'the local prompt');
    const before = join(cli.home.home, 'susp.before');
    const afterFile = join(cli.home.home, 'susp.after');
    // One command per line: a list would go on to its next command as soon as eic stops.
    type('susp', `stty -a > ${before}`);
    enter('susp');
    type('susp', `'${process.execPath}' '${eicBin}' ssh ${cli.sb.env.EIC_SANDBOX_INSTANCE}`);
    enter('susp');
    await waitForPrompts('susp', 1);
    const tty = tmux('display-message', '-p', '-t', 'susp', '#{pane_tty}').trim();
    type('susp', '~');
    tmux('send-keys', '-t', 'susp', 'C-z');
    await waitForPane('susp', /~\^Z \[suspend eic\]/, 'the suspend notice');
    await waitForPane('susp', /Stopped/, 'bash to report eic stopped');
    // The local shell has the terminal: it runs commands, and eic is one of its jobs.
    type('susp', 'echo "local-$((20+1))"; jobs');
    enter('susp');
    await waitForPane('susp', /^local-21$/m, 'a local command while eic is suspended');
    assert.match(pane('susp'), /\[1\]\+ +Stopped +.*eic\.js' ssh/);
    type('susp', 'fg');
    enter('susp');
    // Resumed: raw mode again (keys go to the remote side as typed) and the session goes on.
    await waitFor(() => /-icanon/.test(execFileSync('stty', ['-a', '-F', tty], { encoding: 'utf8' })), () => 'raw mode after fg');
    enter('susp');
    type('susp', 'echo "remote-$((40+2))-$USER"');
    enter('susp');
    await waitForPane('susp', /^remote-42-ec2-user$/m, 'the remote shell after fg');
    assert.match(execFileSync('stty', ['-a', '-F', tty], { encoding: 'utf8' }), /-echo\b/);
    type('susp', 'exit 0');
    enter('susp');
    await waitForPane('susp', /Connection to i-\w+ closed\.\n+local> $/m, 'eic to exit after the remote shell');
    type('susp', `echo "status=$?"; stty -a > ${afterFile}`);
    enter('susp');
    await waitForPane('susp', /^status=0$/m, 'eic\'s exit status');
    await waitFor(() => existsSync(afterFile) && readFileSync(afterFile, 'utf8').length > 0, () => 'stty -a after');
    assert.equal(readFileSync(afterFile, 'utf8'), readFileSync(before, 'utf8'));
  });

  it('-e none: ~. is data, and the session ends only when the remote shell exits', async () => {
    const files = startSession('none', ['-e', 'none']);
    await waitForPrompts('none', 1);
    type('none', '~.');
    enter('none');
    await waitForPane('none', /~\.: command not found/, 'the remote shell to run "~."');
    assert.equal(exited(files), false);
    await waitForPrompts('none', 2);
    type('none', 'exit 7');
    enter('none');
    await waitFor(() => exited(files), () => `eic to exit; pane:\n${pane('none')}`);
    assert.equal(readFileSync(files.status, 'utf8').trim(), '7');
  });

  it('-e ^]: the chosen character escapes, ~ does not', async () => {
    const files = startSession('ctrl', ['-e', "'^]'"]);
    await waitForPrompts('ctrl', 1);
    type('ctrl', '~?');
    enter('ctrl');
    await waitForPane('ctrl', /~\?: command not found/, 'the remote shell to run "~?"');
    await waitForPrompts('ctrl', 2);
    // C-] is byte 0x1d; tmux sends it by key name.
    tmux('send-keys', '-t', 'ctrl', 'C-]');
    type('ctrl', '.');
    await waitFor(() => exited(files), () => `eic to exit after ^].; pane:\n${pane('ctrl')}`);
    assert.equal(readFileSync(files.status, 'utf8').trim(), '255');
    assert.equal(readFileSync(files.after, 'utf8'), readFileSync(files.before, 'utf8'));
  });
});
