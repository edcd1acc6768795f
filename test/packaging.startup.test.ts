// Start-up stays light: `eic --version` and `eic --help` load commander and eic's own command
// files, and none of the heavy packages (AWS SDK, ws, ssh2, prompts, x509). Every resolved
// module is logged by a resolve hook preloaded with `node --import` (see module-log-hooks.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eicBin, repoRoot } from './helpers/paths.js';

const register = pathToFileURL(join(repoRoot, 'dist', 'test', 'helpers', 'module-log-register.js')).href;
const HEAVY = /\/node_modules\/(@aws-sdk|@smithy|ws|ssh2|@inquirer|@peculiar|cpu-features)\//;

/** The modules eic resolves when run with args (from another directory). */
async function modulesLoadedBy(args: string[]): Promise<{ stdout: string; modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'eic-modlog-'));
  const log = join(dir, 'modules.log');
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', register, eicBin, ...args], { cwd: dir, env: { ...process.env, EIC_MODULE_LOG: log } },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
    });
    return { stdout, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

test('eic --version loads no AWS SDK, ws or ssh2', async () => {
  const { stdout, modules } = await modulesLoadedBy(['--version']);
  assert.equal(stdout.trim(), version);
  // The hook sees the program (so an empty log cannot pass for a light start-up)…
  assert.ok(modules.some((m) => m.endsWith('/dist/src/cli/program.js')), modules.join('\n'));
  assert.ok(modules.some((m) => m.includes('/node_modules/commander/')));
  // …and nothing heavy.
  assert.deepEqual(modules.filter((m) => HEAVY.test(m)), []);
});

test('eic --help and a command\'s --help load nothing heavy either', async () => {
  for (const args of [['--help'], ['list', '--help'], ['ssh-config', '--help']]) {
    const { stdout, modules } = await modulesLoadedBy(args);
    assert.match(stdout, /^Usage: eic/, args.join(' '));
    assert.deepEqual(modules.filter((m) => HEAVY.test(m)), [], args.join(' '));
  }
});

test('eic completion stays light; the hook does see a heavy package when one is imported', async () => {
  // The second half shows the check can fail: sdk-proxy.js imports the SDK's HTTP handler.
  const { modules } = await modulesLoadedBy(['completion', 'bash']);
  assert.deepEqual(modules.filter((m) => HEAVY.test(m)), []);
  const sdk = await new Promise<string>((resolve, reject) => {
    const dir = mkdtempSync(join(tmpdir(), 'eic-modlog-'));
    const log = join(dir, 'modules.log');
    const script = `await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist', 'src', 'net', 'sdk-proxy.js')).href)});`;
    execFile(process.execPath, ['--import', register, '--input-type=module', '-e', script], { cwd: dir, env: { ...process.env, EIC_MODULE_LOG: log } }, (err) => {
      const text = err ? '' : readFileSync(log, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      if (err) reject(err); else resolve(text);
    });
  });
  assert.match(sdk, HEAVY);
});
