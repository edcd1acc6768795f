// needs: openssl tmux
// `eic completion zsh` and `eic completion fish` in the real shells, against the sandbox: fish
// through `complete -C` (what fish itself asks when TAB is pressed), zsh interactively in tmux
// (compinit, the script sourced, TAB typed). Both complete commands, instances where a command
// takes one (from eic's cache, filled by a first lookup) and profiles.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicCommandIn } from './helpers/paths.js';
import { needs } from './helpers/tools.js';
import { tmuxTerminal } from './helpers/tmux-terminal.js';
import { eicEnv, runEic, tempHome } from './helpers/tunnel-harness.js';

let sb: Sandbox;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;
let bin: string;
const term = tmuxTerminal(() => ({ sb, home: home.home }), { rows: 20 });

before(async () => {
  sb = await startSandbox();
  home = tempHome();
  bin = join(home.home, 'bin');
  mkdirSync(bin);
  eicCommandIn(bin);
  writeFileSync(join(home.home, 'aws-config'), '[default]\nregion = us-east-1\n[profile dev-admin]\n');
  writeFileSync(join(home.home, 'aws-credentials'), '[ci-deploy]\naws_access_key_id = x\n');
  env = eicEnv(sb, home.home, { PATH: `${bin}:${process.env.PATH}` });
  // Fill the cache, so that the TABs below answer from it.
  const r = await runEic(['__complete', 'targets', ''], env);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  term.killServer();
  await sb?.close();
  home?.cleanup();
});

function fish(line: string): string[] {
  const script = join(home.home, 'eic.fish');
  writeFileSync(script, execFileSync('eic', ['completion', 'fish'], { env, encoding: 'utf8' }));
  const out = execFileSync('fish', ['--no-config', '-c', `source $argv[1]; complete -C $argv[2]`, script, line], { env, encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
}

test('fish: commands, instances where a command takes one, profiles', needs('fish'), () => {
  assert.ok(fish('eic ss').includes('ssh') && fish('eic ss').includes('ssh-config'));
  for (const cmd of ['ssh', 'proxy', 'tunnel', 'push-key', 'doctor']) assert.deepEqual(fish(`eic ${cmd} w`), ['web-1', 'worker'], cmd);
  assert.deepEqual(fish('eic ssh -p 22 web'), ['web-1'], 'an option value is not the target');
  assert.deepEqual(fish('eic ssh web-1 w'), [], 'the remote command is not an instance');
  assert.ok(fish('eic cp web').includes('web-1:'));
  assert.deepEqual(fish('eic list --profile '), ['ci-deploy', 'default', 'dev-admin']);
  assert.ok(fish('eic ssh --').includes('--profile'));
});

test('zsh: TAB completes an instance Name, and lists the Names that match', needs('zsh'), async () => {
  const script = join(home.home, 'eic.zsh');
  writeFileSync(script, execFileSync('eic', ['completion', 'zsh'], { env, encoding: 'utf8' }));
  writeFileSync(join(home.home, '.zshrc'), `autoload -Uz compinit && compinit -u\nsource ${script}\nPS1='zsh> '\n`);
  term.startScript('zsh', 'exec zsh -i', { PATH: env.PATH, ZDOTDIR: home.home });
  await term.waitForPane('zsh', /^zsh>\s*$/m, 'the zsh prompt');
  term.tmux('send-keys', '-t', 'zsh', '-l', 'eic ssh web');
  term.tmux('send-keys', '-t', 'zsh', 'Tab');
  await term.waitForPane('zsh', /zsh> eic ssh web-1\s*$/m, 'web-1 completed');
  term.tmux('send-keys', '-t', 'zsh', 'C-u');
  term.tmux('send-keys', '-t', 'zsh', '-l', 'eic tunnel w');
  term.tmux('send-keys', '-t', 'zsh', 'Tab');
  await term.waitForPane('zsh', /web-1\s+worker/, 'both Names listed');
  term.tmux('send-keys', '-t', 'zsh', 'C-u');
  term.tmux('send-keys', '-t', 'zsh', '-l', 'eic list --profile ci');
  term.tmux('send-keys', '-t', 'zsh', 'Tab');
  await term.waitForPane('zsh', /zsh> eic list --profile ci-deploy\s*$/m, 'the profile completed');
});
