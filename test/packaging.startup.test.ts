// Start-up stays light: `eic --version` and `eic --help` load commander and eic's own command
// files, and none of the heavy packages (AWS SDK, ws, ssh2, prompts). Every resolved module is
// logged by a preload given with `node --import` (module-log-register.ts: require() and ES
// module resolution alike). The CLI is a bundle split into CommonJS chunks: the bundler's
// metafile says which packages each chunk holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eicBin, repoRoot } from './helpers/paths.js';

const register = pathToFileURL(join(repoRoot, 'dist', 'test', 'helpers', 'module-log-register.js')).href;
const HEAVY = /(?:^|\/)node_modules\/(@aws-sdk|@smithy|ws|ssh2|@inquirer|cpu-features)\//;

/** Bundle chunk file name → whether it holds code of a heavy package. */
const meta = JSON.parse(readFileSync(join(repoRoot, 'dist', 'bundle', 'meta.json'), 'utf8')) as {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
};
const heavyChunks = new Set(Object.entries(meta.outputs)
  .filter(([, o]) => Object.keys(o.inputs).some((i) => HEAVY.test(i)))
  .map(([f]) => f.split('/').pop()!));

/** The loaded modules that are, or hold, a heavy package. */
function heavy(modules: string[]): string[] {
  return modules.filter((m) => HEAVY.test(m) || (m.includes('/dist/bundle/') && heavyChunks.has(m.split('/').pop()!)));
}

/** The modules eic resolves when run with args (from another directory). */
async function modulesLoadedBy(args: string[], extraEnv: NodeJS.ProcessEnv = {}, mayFail = false): Promise<{ stdout: string; modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'eic-modlog-'));
  const log = join(dir, 'modules.log');
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', register, eicBin, ...args], { cwd: dir, env: { ...process.env, ...extraEnv, EIC_MODULE_LOG: log } },
        (err, out, errOut) => (err && !mayFail ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
    });
    return { stdout, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The bundle's files among `modules`, but its entry (eic.cjs). */
const chunks = (modules: string[]) => modules.filter((m) => m.includes('/dist/bundle/') && !m.endsWith('/dist/bundle/eic.cjs'));

test('eic --version is answered by the bundle\'s entry: no chunk of the bundle loads at all', async () => {
  for (const flag of ['--version', '-V']) {
    const { stdout, modules } = await modulesLoadedBy([flag]);
    assert.equal(stdout, `${version}\n`);
    assert.ok(modules.some((m) => m.endsWith('/dist/bundle/eic.cjs')), modules.join('\n'));
    assert.deepEqual(chunks(modules), [], flag);
  }
  // The control: the log does show the bundle's chunks when a command goes on to the CLI.
  const { modules } = await modulesLoadedBy(['--version', '--help'], {}, true);
  assert.ok(chunks(modules).some((m) => m.endsWith('/dist/bundle/main.cjs')), modules.join('\n'));
  assert.deepEqual(heavy(modules), []);
});

test('the bundle\'s chunks load as CommonJS, through require(), none through the ES module loader', async () => {
  // The entry requires main.cjs and each chunk requires the next: no import() anywhere. The
  // ES module hook logs file: URLs, require() logs paths.
  for (const args of [['--help'], ['ssh', '--help'], ['cp', '--help']]) {
    const { modules } = await modulesLoadedBy(args);
    assert.ok(chunks(modules).some((m) => m.startsWith('/') && m.endsWith('/dist/bundle/main.cjs')), args.join(' '));
    assert.deepEqual(modules.filter((m) => m.startsWith('file:') && m.includes('/dist/bundle/')), [], args.join(' '));
  }
});

test('eic --version into a pipe its reader has already closed: exit 0, no stack trace', () => {
  const r = spawnSync('bash', ['-c', `(sleep 0.3; '${process.execPath}' '${eicBin}' --version) | true; echo "status=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'status=0', r.stderr);
  assert.equal(r.stderr, '');
});

test('the bundle entry runs the CLI whatever the file is called (bin/eic.js, the bundle\'s eic.cjs)', () => {
  for (const file of [eicBin, join(repoRoot, 'dist', 'bundle', 'eic.cjs')]) {
    const r = spawnSync(process.execPath, [file, 'list', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: eic list/, file);
  }
});

test('eic --help and a command\'s --help load nothing heavy either', async () => {
  for (const args of [['--help'], ['list', '--help'], ['ssh-config', '--help']]) {
    const { stdout, modules } = await modulesLoadedBy(args);
    assert.match(stdout, /^Usage: eic/, args.join(' '));
    assert.deepEqual(heavy(modules), [], args.join(' '));
  }
});

test('eic completion stays light; the check does see heavy chunks when a command loads the SDK', async () => {
  const { modules } = await modulesLoadedBy(['completion', 'bash']);
  assert.deepEqual(heavy(modules), []);
  // The control: `eic list` against a dead API endpoint loads the SDK, then fails.
  const list = await modulesLoadedBy(['list', '--region', 'us-east-1'], {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1',
    AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1', HTTPS_PROXY: '', https_proxy: '',
  }, true);
  assert.notDeepEqual(heavy(list.modules), [], list.modules.join('\n'));
});
