/**
 * A real terminal for tests of `eic ssh` sessions: tmux on its own socket in the test's HOME,
 * shells started from scripts that carry the sandbox's environment, and waits on what the pane
 * shows. startSession() runs eic ssh between two `stty -a` snapshots of the local terminal, so a
 * test can check that eic leaves it as it found it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sandbox } from '../../src/sandbox/index.js';
import { eicBin } from './paths.js';
import { after } from 'node:test';
import { eicEnv, useSandboxCli, type SandboxCli } from './tunnel-harness.js';

export interface SessionFiles { before: string; after: string; status: string }

export interface TerminalOptions {
  /** Window height (the width is 120). */
  rows: number;
  /** Capture the scrollback too, with wrapped lines joined. */
  scrollback?: boolean;
}

/** `ctx` is read on each call, so the kit can be made before the sandbox and HOME exist. */
export function tmuxTerminal(ctx: () => { sb: Sandbox; home: string }, opts: TerminalOptions) {
  const tmux = (...args: string[]) => execFileSync('tmux', ['-S', join(ctx().home, 'tmux.sock'), ...args], { encoding: 'utf8' });
  const pane = (name: string) => (opts.scrollback
    ? tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', name)
    : tmux('capture-pane', '-p', '-t', name));

  async function waitFor(what: () => boolean, label: string | (() => string), timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (what()) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${typeof label === 'string' ? label : label()}`);
  }
  const waitForPane = (name: string, re: RegExp, label: string) => waitFor(() => re.test(pane(name)), () => `${label}; pane:\n${pane(name)}`);

  /** A tmux session running `body` in bash, with the sandbox's environment (plus `env`) exported. */
  function startScript(name: string, body: string, env: NodeJS.ProcessEnv = {}): void {
    const { sb, home } = ctx();
    const all = eicEnv(sb, home, { EIC_KNOWN_HOSTS: join(home, 'known_hosts'), TERM: 'screen-256color', ...env });
    const exports = Object.entries(all).map(([k, v]) => `export ${k}='${String(v).replace(/'/g, `'\\''`)}'`).join('\n');
    const script = join(home, `${name}.sh`);
    writeFileSync(script, `${exports}\n${body}\n`);
    tmux('new-session', '-d', '-x', '120', '-y', String(opts.rows), '-s', name, `bash --noprofile --norc ${script}`);
  }

  /** A session whose shell records `stty -a`, runs `eic ssh [args] <instance>`, then records it again. */
  function startSession(name: string, args: string[] = []): SessionFiles {
    const { sb, home } = ctx();
    const files = { before: join(home, `${name}.before`), after: join(home, `${name}.after`), status: join(home, `${name}.status`) };
    startScript(name, `stty -a > ${files.before}
'${process.execPath}' '${eicBin}' ssh ${args.join(' ')} ${sb.env.EIC_SANDBOX_INSTANCE}
echo $? > ${files.status}
stty -a > ${files.after}
exec sleep 600`);
    return files;
  }

  /** eic ssh has returned and the terminal's settings after it are recorded. */
  const ended = (files: SessionFiles) => existsSync(files.after) && readFileSync(files.after, 'utf8').length > 0;

  const killServer = () => { spawnSync('tmux', ['-S', join(ctx().home, 'tmux.sock'), 'kill-server']); };
  return { tmux, pane, waitFor, waitForPane, startScript, startSession, ended, killServer };
}

/**
 * useSandboxCli() and a tmux terminal in its HOME, for the enclosing suite. The tmux server is
 * stopped first (its socket is in that HOME), then the sandbox and the HOME go.
 */
export function useSandboxTerminal(opts: TerminalOptions): { cli: SandboxCli } & ReturnType<typeof tmuxTerminal> {
  after(() => term.killServer());
  const cli = useSandboxCli();
  const term = tmuxTerminal(() => ({ sb: cli.sb, home: cli.home.home }), opts);
  return { cli, ...term };
}
