// needs: openssl
// End to end through an HTTPS proxy: `eic ssh` to a sandbox instance (real sshd) with
// HTTPS_PROXY set sends its OpenTunnel WebSocket through the CONNECT proxy, NO_PROXY sends it
// direct, and the AWS SDK calls of `eic list` go through the proxy too (the sandbox API behind
// a TLS front with a name that does not resolve, so only the proxy can reach it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startApiRecorder, type ApiRecorder } from './helpers/api-recorder.js';
import { startConnectProxy } from './helpers/connect-proxy.js';
import { execEic } from './helpers/exec-eic.js';
import { makeCert } from './helpers/tls-echo-server.js';

const API_NAME = 'ec2.sandbox-behind-proxy.invalid';
let sb: Sandbox;
let front: ApiRecorder;
let dir: string;
let bundle: string;

before(async () => {
  sb = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'eic-proxy-e2e-'));
  const cert = makeCert([API_NAME]);
  front = await startApiRecorder(sb.apiUrl, { tls: cert });
  bundle = join(dir, 'ca-bundle.pem');
  writeFileSync(bundle, sb.caPem + '\n' + cert.cert);
});
after(async () => {
  await front?.close();
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const eic = (args: string[], env: Record<string, string>) => execEic(args, { PATH: process.env.PATH ?? '', HOME: dir, ...sb.env, ...env });

const sshArgs = (knownHosts: string) => ['ssh', '-T', '--known-hosts', knownHosts, '--strict-host-key-checking', 'accept-new', 'web-1', '--', 'echo', 'through-the-proxy'];

test('eic ssh through HTTPS_PROXY: one CONNECT to the endpoint, the command runs', async () => {
  const proxy = await startConnectProxy({ credentials: 'u:p' });
  try {
    const r = await eic(sshArgs(join(dir, 'kh1')), { HTTPS_PROXY: `http://u:p@127.0.0.1:${proxy.port}` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'through-the-proxy');
    const eice = `localhost:${sb.eiceAddress.port}`;
    assert.deepEqual(proxy.connects.map((c) => c.authority), [eice]);
    assert.ok(proxy.connects[0].headers['proxy-authorization']);
  } finally {
    await proxy.close();
  }
});

test('NO_PROXY covering the endpoint: direct, the proxy sees nothing', async () => {
  const proxy = await startConnectProxy();
  try {
    const r = await eic(sshArgs(join(dir, 'kh2')), { https_proxy: proxy.url, no_proxy: 'localhost' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'through-the-proxy');
    assert.equal(proxy.connects.length, 0);
  } finally {
    await proxy.close();
  }
});

test('a proxy that wants credentials: eic ssh fails with the 407 message and exit 255', async () => {
  const proxy = await startConnectProxy({ credentials: 'u:p' });
  try {
    const r = await eic(sshArgs(join(dir, 'kh3')), { HTTPS_PROXY: proxy.url });
    assert.equal(r.code, 255);
    assert.match(r.stderr, /^eic: proxy authentication required by http:\/\/127\.0\.0\.1:\d+ .*\(put the credentials in the proxy URL/m);
  } finally {
    await proxy.close();
  }
});

test('the AWS SDK calls go through the proxy too', async () => {
  const proxy = await startConnectProxy({
    route: (authority) => (authority.startsWith(API_NAME) ? { host: '127.0.0.1', port: front.port } : { host: 'localhost', port: Number(authority.split(':').pop()) }),
  });
  try {
    front.actions.length = 0;
    const r = await eic(['list', '--json'], {
      HTTPS_PROXY: proxy.url,
      AWS_ENDPOINT_URL_EC2: `https://${API_NAME}:${front.port}`,
      AWS_CA_BUNDLE: bundle,
    });
    assert.equal(r.code, 0, r.stderr);
    const ids = (JSON.parse(r.stdout) as Array<{ id: string }>).map((x) => x.id);
    assert.ok(ids.includes('i-0123456789abcdef0'), r.stdout);
    assert.deepEqual(front.actions, ['DescribeInstances', 'DescribeInstanceConnectEndpoints']);
    // Keep-alive: both calls share one tunnel through the proxy.
    assert.deepEqual(proxy.connects.map((c) => c.authority), [`${API_NAME}:${front.port}`]);
  } finally {
    await proxy.close();
  }
});
