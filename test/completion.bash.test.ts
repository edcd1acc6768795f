// `eic completion bash` sourced by the real bash: it registers itself, and its completions
// (driven the way bash drives them: COMP_WORDS/COMP_CWORD, then COMPREPLY) match the commands and
// options of the commander program itself. Also `eic completion zsh` covers the same commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildProgram } from '../src/cli/program.js';
import { eicBin, eicCommandIn } from './helpers/paths.js';

const program = buildProgram({
  io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {} },
  setExitCode: () => {},
  reportTo: () => {},
});
const help = program.createHelp();
const commandNames = help.visibleCommands(program).flatMap((c) => [c.name(), ...c.aliases()]);
const optionsOf = (name: string) => help.visibleOptions(program.commands.find((c) => c.name() === name)!)
  .flatMap((o) => [o.short, o.long]).filter((f): f is string => Boolean(f));

const script = (shell: string) => execFileSync(process.execPath, [eicBin, 'completion', shell], { encoding: 'utf8' });
const bashScript = script('bash');

/** Source the script in bash, complete the given words (the last one is being typed). */
function complete(words: string[], env: Record<string, string> = {}): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'eic-compl-'));
  try {
    const file = join(dir, 'eic.bash');
    writeFileSync(file, bashScript);
    // The script asks `eic __complete` for profiles and instances.
    eicCommandIn(dir);
    const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
    const out = execFileSync('/bin/bash', ['--norc', '--noprofile', '-c',
      `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _eic; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', file],
    { encoding: 'utf8', env: { PATH: `${dir}:${process.env.PATH}`, HOME: dir, ...env } });
    return out.split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bash sources the script and `complete -p eic` shows it', () => {
  const r = spawnSync('/bin/bash', ['--norc', '--noprofile', '-c', 'source <("$@" completion bash) && complete -p eic', 'bash', process.execPath, eicBin], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'complete -o default -F _eic eic');
});

test('eic ss<TAB> offers ssh and ssh-config (the program\'s commands starting with "ss")', () => {
  const got = complete(['eic', 'ss']);
  assert.deepEqual(got, commandNames.filter((n) => n.startsWith('ss')));
  assert.ok(got.includes('ssh-config'));
  assert.ok(got.includes('ssh'));
});

test('every command and alias is offered after eic; global options after -', () => {
  assert.deepEqual(complete(['eic', '']), commandNames);
  assert.ok(commandNames.includes('list') && commandNames.includes('ls') && commandNames.includes('completion'));
  assert.deepEqual(complete(['eic', '--v']), ['--version', '--verbose']);
});

test('a command\'s options, option choices, and the completion shells', () => {
  assert.deepEqual(complete(['eic', 'list', '--']), optionsOf('list').filter((f) => f.startsWith('--')));
  assert.deepEqual(complete(['eic', 'ls', '--j']), ['--json']);
  assert.deepEqual(complete(['eic', 'ssh-config', '--region', 'eu-west-1', '--i']), ['--install']);
  assert.deepEqual(complete(['eic', 'completion', '']), ['bash', 'zsh', 'fish']);
});

test('option values: profiles from the AWS config, files for --install, nothing for --region', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eic-compl-aws-'));
  try {
    const config = join(dir, 'config');
    writeFileSync(config, '[default]\nregion = us-east-1\n[profile dev-admin]\nregion = eu-west-1\n[profile prod]\n[sso-session corp]\n');
    assert.deepEqual(complete(['eic', 'list', '--profile', ''], { AWS_CONFIG_FILE: config }), ['default', 'dev-admin', 'prod']);
    assert.deepEqual(complete(['eic', 'list', '--profile', 'd'], { AWS_CONFIG_FILE: config }), ['default', 'dev-admin']);
    assert.deepEqual(complete(['eic', 'ssh-config', '--install', join(dir, 'con')]), [config]);
    assert.deepEqual(complete(['eic', 'list', '--region', '']), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the zsh script names every command and each command\'s options', () => {
  const zsh = script('zsh');
  assert.match(zsh, /^#compdef eic\n/);
  for (const c of help.visibleCommands(program)) {
    assert.match(zsh, new RegExp(`^    '${c.name()}:`, 'm'), c.name());
    if (c.name() === 'help') continue;
    const section = zsh.slice(zsh.indexOf(`    (${[c.name(), ...c.aliases()].join('|')})\n`));
    assert.ok(section.length < zsh.length, `case for ${c.name()}`);
    const body = section.slice(0, section.indexOf(';;'));
    for (const flag of optionsOf(c.name())) assert.ok(body.includes(flag), `${c.name()} ${flag}`);
  }
});
