// needs: openssl
// Instance completion through the real CLI against the sandbox: `eic __complete targets` looks
// up and caches (in a directory only the user can write), answers from a fresh cache without
// AWS, and with a stale cache and an API that does not answer it returns the old words without
// waiting for AWS, while a background refresh renews the cache once AWS answers. Then bash
// (sourcing `eic completion bash` and driving _eic as bash does) completes instances where a
// command takes one, and profiles from the AWS config and credentials files.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startApiRecorder, type ApiRecorder } from './helpers/api-recorder.js';
import { eicCommandIn } from './helpers/paths.js';
import { eicEnv, runEic, tempHome } from './helpers/tunnel-harness.js';
import { until } from './helpers/until.js';

let sb: Sandbox;
let front: ApiRecorder;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;
let cacheDir: string;

before(async () => {
  sb = await startSandbox();
  front = await startApiRecorder(sb.apiUrl);
  home = tempHome();
  const bin = join(home.home, 'bin');
  mkdirSync(bin);
  eicCommandIn(bin);
  env = eicEnv(sb, home.home, { AWS_ENDPOINT_URL_EC2: front.url, PATH: `${bin}:${process.env.PATH}` });
  cacheDir = join(home.home, '.cache', 'eic', 'completion');
});
after(async () => {
  front?.release();
  await front?.close();
  await sb?.close();
  home?.cleanup();
});

const complete = async (...args: string[]) => {
  const r = await runEic(['__complete', ...args], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout.toString().split('\n').filter(Boolean);
};
const cacheFile = () => join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith('.json'))!);

test('a first TAB looks up and caches; the next answers from the cache without AWS', async () => {
  const all = await complete('targets', '');
  for (const w of ['i-0123456789abcdef0', 'web-1', 'worker', 'isolated']) assert.ok(all.includes(w), `${w} in ${all.join(' ')}`);
  assert.ok(!all.includes('old-db'), 'stopped instances are not offered');
  assert.ok(front.actions.includes('DescribeInstances'));
  assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
  assert.equal(statSync(cacheFile()).mode & 0o777, 0o600);

  const calls = front.actions.length;
  assert.deepEqual(await complete('targets', 'w'), ['web-1', 'worker']);
  assert.deepEqual(await complete('targets', 'admin@web'), ['admin@web-1']);
  assert.deepEqual(await complete('targets', 'web', '--suffix', ':'), ['web-1:']);
  assert.equal(front.actions.length, calls, 'no AWS call while the cache is fresh');
});

test('a stale cache and an AWS that does not answer: the old words at once, a refresh in the background', async () => {
  await complete('targets', '');
  const file = cacheFile();
  const old = new Date(Date.now() - 3600_000);
  utimesSync(file, old, old);
  front.hold();
  const answered = front.actions.length;
  const r = await complete('targets', 'web');
  assert.deepEqual(r, ['web-1']);
  assert.equal(front.actions.length, answered, 'eic answered while AWS had answered nothing');
  // The background refresh's call is waiting for AWS (started after eic answered).
  await until(() => front.held() !== 0, 'the background refresh to ask AWS');
  assert.equal(front.held(), 1);
  front.release();
  // The detached refresh renews the cache once AWS answers.
  await until(() => statSync(file).mtimeMs > old.getTime(), 'the cache file to be rewritten');
  assert.ok(statSync(file).mtimeMs > old.getTime(), 'the cache was refreshed in the background');
});

/** Source the bash script and complete `words` (the last one is being typed), as bash does. */
function bash(words: string[], extra: Record<string, string> = {}): string[] {
  const script = join(home.home, 'eic.bash');
  writeFileSync(script, execFileSync('eic', ['completion', 'bash'], { env, encoding: 'utf8' }));
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const out = execFileSync('/bin/bash', ['--norc', '--noprofile', '-c',
    `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _eic; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', script],
  { encoding: 'utf8', env: { ...env, ...extra }, cwd: home.home });
  return out.split('\n').filter(Boolean);
}

test('bash: instances where a command takes one, and nowhere else', async () => {
  await complete('targets', ''); // a fresh cache, so each TAB below answers from it
  for (const cmd of ['ssh', 'proxy', 'tunnel', 'push-key', 'doctor']) assert.deepEqual(bash(['eic', cmd, 'w']), ['web-1', 'worker'], cmd);
  assert.deepEqual(bash(['eic', 'ssh', '-i', 'key', '-p', '22', 'web']), ['web-1'], 'option values are not the target');
  assert.deepEqual(bash(['eic', 'ssh', 'admin@web']), ['admin@web-1']);
  assert.deepEqual(bash(['eic', 'tunnel', '--local-port', '2222', 'i-0123456789abcdef']), ['i-0123456789abcdef0', 'i-0123456789abcdef1', 'i-0123456789abcdef2']);
  assert.deepEqual(bash(['eic', 'ssh', 'web-1', 'w']), [], 'the remote command is not an instance');
  assert.deepEqual(bash(['eic', 'list', 'w']), []);
  assert.deepEqual(bash(['eic', 'cp', 'web']), ['web-1:']);
});

test('bash: --profile offers the profiles of the AWS config and credentials files', () => {
  const config = join(home.home, 'aws-config');
  const credentials = join(home.home, 'aws-credentials');
  writeFileSync(config, '[default]\nregion = us-east-1\n[profile dev-admin]\n[sso-session corp]\n');
  writeFileSync(credentials, '[ci-deploy]\naws_access_key_id = x\n[default]\n');
  const files = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
  assert.deepEqual(bash(['eic', 'ssh', '--profile', ''], files), ['ci-deploy', 'default', 'dev-admin']);
  assert.deepEqual(bash(['eic', 'list', '--profile', 'd'], files), ['default', 'dev-admin']);
});
