/**
 * A missing system tool, as on a fresh machine: the runner (scripts/run-tests.mjs) skips the
 * files that declare it with a reason naming the Debian package and ends with the one install
 * command; in CI the same is a failure. needs() does the same for a single test. The tool is
 * taken away by giving the processes a PATH that holds every tool but rsync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/paths.js';
import { removeTree } from '../src/remove-tree.js';
import { fileNeeds, TOOLS } from './helpers/tools.js';

/** A directory of links to every tool found on PATH, except `without`. */
function pathWithout(without: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'eic-test-path-'));
  for (const tool of Object.keys(TOOLS)) {
    if (tool === without) continue;
    const found = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, tool)).find((p) => existsSync(p));
    if (found) symlinkSync(found, join(dir, tool));
  }
  return dir;
}

function env(path: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PATH: path, ...extra };
  for (const k of ['CI', 'EIC_TEST_REQUIRE_TOOLS', 'EIC_SANDBOX_REQUIRE_SSHD']) if (!(k in extra)) delete e[k];
  delete e.NODE_TEST_CONTEXT; // else the runner's own node --test reports to this one, not to stdout
  return e;
}

const runner = (e: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['scripts/run-tests.mjs', 'ssh-config.e2e'], { cwd: repoRoot, env: e, encoding: 'utf8', timeout: 120_000 });

test('without rsync: the file needing it is skipped, named with its package, and the run ends with the install line', () => {
  const dir = pathWithout('rsync');
  try {
    const r = runner(env(dir));
    assert.equal(r.status, 0, r.stderr);
    const skip = r.stdout.split('\n').find((l) => l.startsWith('# SKIP ssh-config.e2e:'));
    assert.ok(skip, r.stdout);
    assert.match(skip, /rsync.*Debian package.*\brsync\b/);
    const last = r.stdout.trimEnd().split('\n').at(-1) ?? '';
    assert.match(last, /^# skipped 1 test file\(s\) needing .*rsync.*: apt-get install -y .*\brsync\b/);
  } finally {
    removeTree(dir);
  }
});

test('without rsync in CI (CI=true, or EIC_TEST_REQUIRE_TOOLS=1): the run fails before any test, saying what to install', () => {
  const dir = pathWithout('rsync');
  try {
    for (const extra of [{ CI: 'true' }, { EIC_TEST_REQUIRE_TOOLS: '1' }]) {
      const r = runner(env(dir, extra));
      assert.equal(r.status, 1, JSON.stringify(extra));
      assert.match(r.stderr, /ssh-config\.e2e: needs .*rsync/);
      assert.match(r.stderr, /apt-get install -y .*\brsync\b/);
      assert.doesNotMatch(r.stdout, /^(?:# |ℹ )tests /m, 'no test ran');
    }
  } finally {
    removeTree(dir);
  }
});

test('needs() for one test: a skip with the reason, written down for the runner; in CI it throws', () => {
  const dir = pathWithout('rsync');
  const log = join(dir, 'skips.jsonl');
  const tools = pathToFileURL(join(repoRoot, 'dist', 'test', 'helpers', 'tools.js')).href;
  const script = `const { needs } = await import(${JSON.stringify(tools)}); console.log(JSON.stringify(needs('rsync')));`;
  const run = (e: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: e, encoding: 'utf8' });
  try {
    const r = run(env(dir, { EIC_TEST_SKIP_LOG: log }));
    assert.equal(r.status, 0, r.stderr);
    assert.match((JSON.parse(r.stdout) as { skip?: string }).skip ?? '', /^needs rsync \(not installed: Debian package rsync\)$/);
    assert.deepEqual(JSON.parse(readFileSync(log, 'utf8')).gaps, [{ tool: 'rsync', why: 'not installed', pkg: 'rsync' }]);

    const ci = run(env(dir, { CI: 'true' }));
    assert.notEqual(ci.status, 0);
    assert.match(ci.stderr, /needs rsync .*CI runs every test/);
  } finally {
    removeTree(dir);
  }
});

test("a file's needs: its // needs: line, plus what its code shows, less what its needs() calls cover", () => {
  // The helpers' names are split here, or this file's own code would show them to the runner.
  const [sandboxCli, clientKit] = ['useSandbox' + 'Cli(', 'sshClient' + 'Kit('];
  assert.deepEqual(fileNeeds(`// needs: tmux\nconst cli = ${sandboxCli}{ pin: true });\n`).tools.sort(), ['openssl', 'sshd', 'tmux']);
  assert.deepEqual(fileNeeds(`const r = await run${"('rsync'"}, ['-a']);\nconst kit = ${clientKit}sb);\n`).tools.sort(), ['rsync', 'ssh', 'ssh-keygen']);
  assert.deepEqual(fileNeeds(`describe('x', needs('curl'), () => { run${"('curl'"}, []); });\n`).tools, []);
  assert.deepEqual(fileNeeds('// needs: sshd nosuchtool\n').unknown, ['nosuchtool']);
  // Every test file of this repository is read without a complaint.
  for (const f of readdirSync(join(repoRoot, 'test')).filter((n) => n.endsWith('.test.ts'))) {
    assert.deepEqual(fileNeeds(readFileSync(join(repoRoot, 'test', f), 'utf8')).unknown, [], f);
  }
});

test('--fast (npm run test:fast) leaves out the files marked "// tier: slow" and the packaging tests', () => {
  const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', '--fast', 'keys.gc-deadlock', 'packaging.install', 'presign.conformance'],
    { cwd: repoRoot, env: env(process.env.PATH ?? ''), encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /presign matches the AWS CLI conformance vector exactly/, 'presign.conformance ran');
  assert.doesNotMatch(r.stdout, /npm install -g of the tarball|ed25519 key making/, 'the slow and packaging files did not');
});
