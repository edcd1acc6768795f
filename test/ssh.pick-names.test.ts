// needs: openssl tmux
/**
 * The picker of `eic ssh` (no target, on a terminal, tmux) shows a Name tag that holds ESC
 * sequences, a newline and a C1 CSI escaped: the raw bytes eic writes to the terminal (tmux
 * pipe-pane) carry the visible escapes and none of the Name's own control sequences.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../src/sandbox/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicBin } from './helpers/paths.js';
import { tempHome } from './helpers/tunnel-harness.js';
import { tmuxTerminal } from './helpers/tmux-terminal.js';

const HOSTILE = 'evil\x1b]0;owned\x07\x1b[2J\nfake\u009b31m';

describe('eic ssh picker with a hostile Name (sandbox, tmux)', () => {
  let sb: Sandbox;
  let home: { home: string; cleanup(): void };
  const term = tmuxTerminal(() => ({ sb, home: home.home }), { rows: 40 });

  before(async () => {
    const config = defaultConfig();
    config.instances.push({ id: 'i-0eeee00000000000e', name: HOSTILE, state: 'running', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.99', osUsers: ['ec2-user'] });
    sb = await startSandbox({ config });
    home = tempHome();
  });
  after(async () => {
    term.killServer();
    await sb?.close();
    home?.cleanup();
  });

  it('shows the Name escaped and sends none of its control sequences to the terminal', async () => {
    const raw = join(home.home, 'raw');
    // The script waits for a line, so that the pane is piped before eic writes a byte.
    term.startScript('pick', `read _\n'${process.execPath}' '${eicBin}' ssh\nexec sleep 600`);
    term.tmux('pipe-pane', '-o', '-t', 'pick', `cat >> '${raw}'`);
    term.tmux('send-keys', '-t', 'pick', 'Enter');
    await term.waitForPane('pick', /Instance to connect to/, 'the picker');
    await term.waitFor(() => existsSync(raw) && readFileSync(raw, 'latin1').includes('evil'), 'the hostile Name in the raw output');
    const bytes = readFileSync(raw, 'utf8');
    assert.match(bytes, /evil\\x1b\]0;owned\\x07\\x1b\[2J\\nfake\\x9b31m/);
    assert.ok(!bytes.includes('\x1b]0;owned'), 'the Name sets no window title');
    assert.ok(!bytes.includes('\u009b31m'), 'no C1 CSI from the Name');
    assert.ok(!bytes.includes('\nfake'), 'the Name starts no line of its own');
    term.tmux('send-keys', '-t', 'pick', 'C-c');
  });
});
