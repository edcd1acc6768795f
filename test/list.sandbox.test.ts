// needs: openssl
// `eic list` against the sandbox, as a real process (piped: TSV; --json) and in-process with a
// terminal-like stdout (aligned table, colour unless NO_COLOR). The API calls are recorded: one
// DescribeInstances and one DescribeInstanceConnectEndpoints whatever the number of VPCs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { defaultConfig, type SandboxConfig } from '../src/sandbox/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startApiRecorder, type ApiRecorder } from './helpers/api-recorder.js';
import { execEic } from './helpers/exec-eic.js';
import { withBuiltinsProbe, withProbe } from './helpers/preload-probe.js';
import { runInProcess } from './helpers/run-in-process.js';

const VPC3 = 'vpc-0a1b2c3d4e5f60003';
const VPC4 = 'vpc-0a1b2c3d4e5f60004';

/** The default world plus a VPC with no endpoint and a failed endpoint in VPC 3. */
function config(): SandboxConfig {
  const c = defaultConfig();
  c.vpcs.push({ id: VPC4, cidr: '10.3.0.0/16' });
  c.subnets.push({ id: 'subnet-0ddd00000000000d1', vpcId: VPC4, availabilityZone: 'us-east-1d', cidr: '10.3.1.0/24' });
  c.instances.push({ id: 'i-0dddd00000000000d', name: 'lonely', state: 'running', subnetId: 'subnet-0ddd00000000000d1', privateIpAddress: '10.3.1.5', osUsers: ['ec2-user'], instanceType: 't3.nano' });
  c.endpoints.push({ id: 'eice-0ccc0000000000001', subnetId: 'subnet-0ccc00000000000c1', state: 'create-failed', stateMessage: 'no capacity' });
  return c;
}

let sb: Sandbox;
let rec: ApiRecorder;
let env: Record<string, string>;

before(async () => {
  sb = await startSandbox({ config: config() });
  rec = await startApiRecorder(sb.apiUrl);
  env = { PATH: process.env.PATH ?? '', HOME: sb.dir, ...sb.env, AWS_ENDPOINT_URL_EC2: rec.url };
});
after(async () => {
  await rec?.close();
  await sb?.close();
});

/** Run the real CLI (asynchronously: the sandbox answers from this very process). */
const eic = (args: string[], extraEnv: Record<string, string> = {}) => execEic(args, { ...env, ...extraEnv });

test('piped: tab-separated running instances with their endpoint, in two API calls', async () => {
  rec.actions.length = 0;
  const r = await eic(['list']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    `isolated\ti-0aaaabbbbccccdddd\trunning\t10.2.1.40\tus-east-1c\t${VPC3}\teice-0ccc0000000000001 (create-failed)`,
    `lonely\ti-0dddd00000000000d\trunning\t10.3.1.5\tus-east-1d\t${VPC4}\tno endpoint in ${VPC4}`,
    'no-ingress\ti-0bbbb000000000001\trunning\t10.0.1.50\tus-east-1a\tvpc-0a1b2c3d4e5f60001\teice-0123456789abcdef0',
    'v6-only\ti-0fedcba9876543210\trunning\tfd00:10:1:1::10\tus-east-1a\tvpc-0a1b2c3d4e5f60002\teice-0fedcba9876543210',
    'web-1\ti-0123456789abcdef0\trunning\t10.0.1.10\tus-east-1a\tvpc-0a1b2c3d4e5f60001\teice-0123456789abcdef0',
    'worker\ti-0123456789abcdef1\trunning\t10.0.2.20\tus-east-1b\tvpc-0a1b2c3d4e5f60001\teice-0123456789abcdef0',
    'worker\ti-0123456789abcdef2\trunning\t10.0.2.21\tus-east-1b\tvpc-0a1b2c3d4e5f60001\teice-0123456789abcdef0',
    '',
  ].join('\n'));
  assert.deepEqual(rec.actions, ['DescribeInstances', 'DescribeInstanceConnectEndpoints']);
});

test("the API answers are read without loading Node's web streams (eic's own body collector)", async () => {
  const { result: r, report: builtins } = await withBuiltinsProbe((nodeOptions) => eic(['list'], { NODE_OPTIONS: nodeOptions }));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^web-1\ti-0123456789abcdef0\t/m, 'both answers were read and parsed');
  assert.match(builtins, /NativeModule https?\n/, 'the list is the real one');
  assert.doesNotMatch(builtins, /webstreams\/readablestream/);
});

/** Counts tls.createSecureContext calls, ES module imports of node:tls included. */
const COUNT_CONTEXTS = `const tls = require('node:tls'); const real = tls.createSecureContext; let n = 0;
tls.createSecureContext = (...a) => { n++; return real(...a); }; require('node:module').syncBuiltinESMExports();`;

test('with AWS_CA_BUNDLE and a plain-http API, no TLS context is built, with or without HTTPS_PROXY (Node 20 parses its roots for the first)', async () => {
  const control = await withProbe(COUNT_CONTEXTS, 'n', (nodeOptions) => new Promise<void>((resolve) => execFile(process.execPath,
    [...nodeOptions.split(' '), '--input-type=module', '-e', `import { createSecureContext } from 'node:tls'; createSecureContext({ ca: process.env.CA });`],
    { env: { ...env, CA: sb.caPem } }, () => resolve())));
  assert.equal(control.report, '1', 'the probe sees a context built through an ES module import');
  assert.ok(env.AWS_CA_BUNDLE, 'the sandbox gives its CA as AWS_CA_BUNDLE');
  // With HTTPS_PROXY too (nothing listens there: the API is http, which is not proxied).
  for (const extra of [{}, { HTTPS_PROXY: 'http://127.0.0.1:9' }] as Array<Record<string, string>>) {
    const { result: r, report } = await withProbe(COUNT_CONTEXTS, 'n', (nodeOptions) => eic(['list'], { NODE_OPTIONS: nodeOptions, ...extra }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^web-1\ti-0123456789abcdef0\t/m);
    assert.equal(report, '0', JSON.stringify(extra));
  }
});

test('--all adds stopped instances; the ls alias works', async () => {
  const r = await eic(['ls', '--all']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^old-db\ti-0123456789abcdef3\tstopped\t/m);
  assert.equal(r.stdout.trim().split('\n').length, 8);
});

test('--json with tag and EC2 filters', async () => {
  const r = await eic(['list', '--json', '--filter', 'tag:env=prod']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Array<{ id: string; name: string; endpoint: { id: string; usable: boolean } | null; tags: Record<string, string> }>;
  assert.deepEqual(rows.map((x) => x.id), ['i-0123456789abcdef1', 'i-0123456789abcdef2']);
  assert.deepEqual(rows[0].endpoint, { id: 'eice-0123456789abcdef0', state: 'create-complete', subnetId: 'subnet-0aaa00000000000a1', usable: true });
  assert.equal(rows[0].tags.env, 'prod');

  const micro = JSON.parse((await eic(['list', '--json', '--filter', 'instance-type=t3.micro'])).stdout) as Array<{ name: string; endpoint: unknown }>;
  assert.deepEqual(micro.map((x) => x.name), ['isolated', 'no-ingress', 'v6-only', 'web-1']);
  const none = JSON.parse((await eic(['list', '--json', '--filter', 'tag:env=nowhere'])).stdout) as unknown[];
  assert.deepEqual(none, []);
});

test('a malformed --filter is a usage error', async () => {
  const r = await eic(['list', '--filter', 'tag:env']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /NAME=VALUE/);
});

/** Run in-process with a stdout that says it is a terminal. */
const onTerminal = (args: string[], extraEnv: Record<string, string>) => runInProcess(args, { ...env, ...extraEnv }, { terminal: true });

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

test('on a terminal: an aligned table with a header, coloured unless NO_COLOR', async () => {
  const r = await onTerminal(['list'], { NO_COLOR: '1', TERM: 'xterm' });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\x1b/);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 8);
  const header = lines[0];
  const starts = ['NAME', 'INSTANCE', 'STATE', 'PRIVATE IP', 'AZ', 'VPC', 'ENDPOINT'].map((h) => header.indexOf(h));
  assert.ok(starts.every((s, i) => i === 0 || s > starts[i - 1]), header);
  const webRow = lines.find((l) => l.startsWith('web-1'))!;
  const values = ['web-1', 'i-0123456789abcdef0', 'running', '10.0.1.10', 'us-east-1a', 'vpc-0a1b2c3d4e5f60001', 'eice-0123456789abcdef0'];
  values.forEach((v, i) => assert.equal(webRow.indexOf(v), starts[i], `${v} under ${header.slice(starts[i])}`));
  assert.match(lines.find((l) => l.startsWith('lonely'))!, / {2}no endpoint in vpc-0a1b2c3d4e5f60004$/);

  const coloured = await onTerminal(['list'], { TERM: 'xterm' });
  assert.equal(coloured.code, 0, coloured.stderr);
  assert.match(coloured.stdout, /\x1b\[32mrunning/);
  assert.equal(plain(coloured.stdout), r.stdout, 'colour changes nothing but the escapes');
});

test('on a terminal, an empty result says so on stderr', async () => {
  const r = await onTerminal(['list', '--filter', 'tag:env=nowhere'], { NO_COLOR: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /no running instances in us-east-1 match the filters/);
});
