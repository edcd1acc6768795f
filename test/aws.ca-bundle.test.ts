// needs: openssl sshd
// AWS_CA_BUNDLE for the AWS API calls themselves, without a proxy: the sandbox API behind a
// TLS front whose certificate only the bundle trusts. eic builds one TLS context (Node's roots
// plus the bundle) for all its API connections (aws/clients.ts); these tests hold it to the
// trust it must give: the bundle verifies the API for EC2 and Instance Connect alike, and a
// bundle that does not cover the API is refused with a clear error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../src/sandbox/index.js';
import { startApiRecorder, type ApiRecorder } from './helpers/api-recorder.js';
import { makeCert } from './helpers/tls-echo-server.js';
import { runEic, startSandboxCli, type SandboxCli } from './helpers/tunnel-harness.js';

let sb: Sandbox;
let home: SandboxCli['home'];
let env: NodeJS.ProcessEnv;
let front: ApiRecorder;
let bundle: string;

before(async () => {
  ({ sb, home, env } = await startSandboxCli());
  const cert = makeCert(['localhost']);
  front = await startApiRecorder(sb.apiUrl, { tls: cert });
  bundle = join(home.home, 'bundle.pem');
  // The sandbox's CA is for the tunnel's endpoint, the front's for the API.
  writeFileSync(bundle, sb.caPem + '\n' + cert.cert);
});
after(async () => {
  await front?.close();
  await sb?.close();
  home?.cleanup();
});

function eic(args: string[], caBundle: string) {
  const api = `https://localhost:${front.port}`;
  return runEic(args, { ...env, AWS_CA_BUNDLE: caBundle, NODE_EXTRA_CA_CERTS: '', AWS_ENDPOINT_URL_EC2: api, AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: api });
}

test('eic ssh with the AWS API over https trusted through AWS_CA_BUNDLE: discovery, key push and the command', async () => {
  front.actions.length = 0;
  const r = await eic(['ssh', 'web-1', '--', 'echo', 'over-https'], bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'over-https\n');
  assert.deepEqual([...front.actions].sort(), ['DescribeInstanceConnectEndpoints', 'DescribeInstances', 'SendSSHPublicKey']);
});

test('a bundle that does not cover the API: a clear one-line error, nothing sent', async () => {
  const other = join(home.home, 'other.pem');
  writeFileSync(other, sb.caPem + '\n' + makeCert(['localhost']).cert);
  front.actions.length = 0;
  const r = await eic(['list'], other);
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout.length, 0);
  assert.match(r.stderr, /^eic: .*AWS_CA_BUNDLE/m);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.deepEqual(front.actions, []);
});
