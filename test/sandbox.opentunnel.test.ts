// needs: openssl
/**
 * The sandbox's OpenTunnel endpoint over real TLS and WebSockets, reached the way a client
 * reaches it (presign + ws), relaying to the instance's real sshd: what it accepts, what it
 * refuses (status, JSON ErrorCode and Message, Content-Length, x-amzn-RequestId), and how
 * tunnels end (an address nobody answers on is not refused: the tunnel closes with 1011).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../src/sandbox/config.js';
import { startSandbox, MAX_DURATION_CLOSE_CODE, UNABLE_TO_CONNECT, type Sandbox } from '../src/sandbox/index.js';
import { SIGNATURE_MISMATCH, INVALID_TOKEN } from '../src/sandbox/opentunnel-verify.js';
import { signature } from '../src/aws/sigv4.js';
import {
  closed, connectUrl, EICE_A, EICE_B, firstMessage, openTunnel, presignFor, type TunnelAttempt,
} from './helpers/sandbox-tunnel.js';
import { until } from './helpers/until.js';

const CREATING = 'eice-0c0ffee0c0ffee000';
const EXTRA = { accessKeyId: 'AKIAEXTRACREDENTIAL1', secretAccessKey: 'extra/secret/for/tests' };

function assertRefused(a: TunnelAttempt, status: number, message: string | RegExp, errorCode?: string): void {
  assert.equal(a.ok, false, 'expected the upgrade to be refused');
  if (a.ok) return;
  assert.equal(a.status, status, `status (body ${a.body})`);
  assert.equal(a.headers['content-type'], 'application/json');
  assert.equal(Number(a.headers['content-length']), Buffer.byteLength(a.body));
  assert.match(String(a.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
  const body = JSON.parse(a.body) as { ErrorCode: string };
  assert.deepEqual(Object.keys(body), ['ErrorCode', 'Message']);
  assert.match(body.ErrorCode, /^[A-Z][A-Za-z.]+$/);
  if (errorCode) assert.equal(body.ErrorCode, errorCode);
  if (typeof message === 'string') assert.equal(a.message, message);
  else assert.match(a.message ?? '', message);
}

/** Re-sign a presigned URL after changing its parameters (a correctly signed but unacceptable URL). */
function resign(sb: Sandbox, url: string, change: (p: Map<string, string>) => void, service = 'ec2-instance-connect'): string {
  const u = new URL(url);
  const p = new Map(u.searchParams);
  change(p);
  p.delete('X-Amz-Signature');
  const params = [...p.entries()];
  const [, dateStamp, region] = p.get('X-Amz-Credential')!.split('/');
  const sig = signature({
    method: 'GET', host: u.host, path: u.pathname, params, secretAccessKey: sb.config.credentials[0].secretAccessKey,
    dateStamp, amzDate: p.get('X-Amz-Date')!, region, service,
  });
  const q = new URLSearchParams([...params, ['X-Amz-Signature', sig]]).toString().replace(/\+/g, '%20');
  return `${u.origin}${u.pathname}?${q}`;
}

describe('sandbox OpenTunnel endpoint', () => {
  let sb: Sandbox;

  before(async () => {
    const config = defaultConfig();
    config.endpoints.push({ id: CREATING, subnetId: 'subnet-0ccc00000000000c1', state: 'create-in-progress' });
    config.refusalStatuses = { IncorrectState: 409 }; // AWS's statuses are unknown: a test may pick them
    sb = await startSandbox({ config, extraCredentials: [EXTRA] });
    if (process.env.EIC_SANDBOX_REQUIRE_SSHD === '1') assert.equal(sb.usingRealSshd, true);
  });
  after(async () => { await sb.close(); });

  const banner = /^SSH-2\.0-/;

  it('accepts a correctly presigned URL and relays to the instance\'s sshd', async () => {
    const a = await openTunnel(sb);
    assert.ok(a.ok);
    assert.match(String(a.requestId), /^[0-9a-f-]{36}$/);
    const hello = (await firstMessage(a.ws)).toString('latin1');
    assert.match(hello, banner);
    if (sb.usingRealSshd) assert.match(hello, /^SSH-2\.0-OpenSSH_/);
    assert.equal(sb.activeTunnels(EICE_A), 1);
    a.ws.close();
    await closed(a.ws);
  });

  it('reaches an IPv6-only instance through its VPC\'s endpoint, and accepts extra credentials', async () => {
    const a = await openTunnel(sb, { instanceConnectEndpointId: EICE_B, privateIpAddress: 'fd00:10:1:1::10', credentials: EXTRA });
    assert.ok(a.ok);
    assert.match((await firstMessage(a.ws)).toString('latin1'), banner);
    a.ws.close();
  });

  it('refuses a wrong signature, unknown credentials, an expired URL', async () => {
    assertRefused(await openTunnel(sb, { credentials: { ...sb.config.credentials[0], secretAccessKey: 'wrong' } }), 403, SIGNATURE_MISMATCH, 'SignatureDoesNotMatch');
    assertRefused(await openTunnel(sb, { credentials: { accessKeyId: 'AKIANOTKNOWN00000000', secretAccessKey: 'x' } }), 403, INVALID_TOKEN);
    assertRefused(await openTunnel(sb, { now: new Date(Date.now() - 120_000) }), 403, /^Signature expired: /);
  });

  it('refuses X-Amz-Expires over 60, the wrong service and the wrong region', async () => {
    const url = presignFor(sb);
    assertRefused(await connectUrl(sb, resign(sb, url, (p) => p.set('X-Amz-Expires', '300'))), 400, /X-Amz-Expires must be between 1 and 60/);
    const ec2Scope = (p: Map<string, string>) => p.set('X-Amz-Credential', p.get('X-Amz-Credential')!.replace('/ec2-instance-connect/', '/ec2/'));
    assertRefused(await connectUrl(sb, resign(sb, url, ec2Scope, 'ec2')), 403, "Credential should be scoped to correct service: 'ec2-instance-connect'.");
    assertRefused(await openTunnel(sb, { region: 'eu-west-1' }), 403, "Credential should be scoped to a valid region, not 'eu-west-1'.");
    // The control: re-signing without a change is accepted, so the refusals above are about the change.
    const control = await connectUrl(sb, resign(sb, url, () => {}));
    assert.ok(control.ok);
    control.ws.close();
  });

  it('refuses a port other than 22/3389, unknown or unusable endpoints', async () => {
    assertRefused(await openTunnel(sb, { remotePort: 5432 }), 400, 'The specified RemotePort is not valid. Specify either 22 or 3389.', 'InvalidParameter');
    assertRefused(await openTunnel(sb, { instanceConnectEndpointId: 'eice-00000000000000000' }), 404, /does not exist/, 'InvalidInstanceConnectEndpointId.NotFound');
    assertRefused(await openTunnel(sb, { instanceConnectEndpointId: CREATING, privateIpAddress: '10.2.1.40' }), 409, /create-in-progress/, 'IncorrectState');
    assertRefused(await openTunnel(sb, { maxTunnelDuration: 3601 }), 400, /maxTunnelDuration/);
  });

  it('refuses the 21st concurrent tunnel of an endpoint with 429, and accepts again once one ends', async () => {
    const open: TunnelAttempt[] = [];
    try {
      for (let i = 0; i < 20; i++) open.push(await openTunnel(sb, { privateIpAddress: i % 2 ? '10.0.2.20' : '10.0.1.10' }));
      assert.ok(open.every((a) => a.ok));
      assert.equal(sb.activeTunnels(EICE_A), 20);
      assertRefused(await openTunnel(sb), 429, /at most 20/, 'TooManyConnections');
      const other = await openTunnel(sb, { instanceConnectEndpointId: EICE_B, privateIpAddress: 'fd00:10:1:1::10' });
      assert.ok(other.ok, 'the limit is per endpoint');
      other.ws.close();
      const first = open.shift()!;
      if (first.ok) { first.ws.close(); await closed(first.ws); }
      await until(() => sb.activeTunnels(EICE_A) <= 19, 'a tunnel to close');
      const again = await openTunnel(sb);
      assert.ok(again.ok);
      open.push(again);
    } finally {
      for (const a of open) if (a.ok) a.ws.terminate();
    }
  });

  it('after the upgrade: port 3389, a stopped instance and addresses with no instance in the VPC close with 1011 "Unable to connect to target"', async () => {
    for (const privateIpAddress of ['10.2.1.40', 'fd00:10:1:1::10', '10.0.1.99']) {
      const a = await openTunnel(sb, { privateIpAddress });
      assert.ok(a.ok, `${privateIpAddress} is not refused at the upgrade`);
      assert.deepEqual(await closed(a.ws).then((c) => [c.code, c.reason]), [1011, UNABLE_TO_CONNECT], privateIpAddress);
    }
    const rdp = await openTunnel(sb, { remotePort: 3389 });
    assert.ok(rdp.ok);
    assert.deepEqual(await closed(rdp.ws).then((c) => [c.code, c.reason]), [1011, UNABLE_TO_CONNECT]);
    const stopped = await openTunnel(sb, { privateIpAddress: '10.0.1.30' });
    assert.ok(stopped.ok);
    assert.deepEqual(await closed(stopped.ws).then((c) => [c.code, c.reason]), [1011, UNABLE_TO_CONNECT]);
  });

  it('closes a tunnel when maxTunnelDuration runs out, with a reason that says so', async () => {
    const a = await openTunnel(sb, { maxTunnelDuration: 1 });
    assert.ok(a.ok);
    const t0 = Date.now();
    const c = await closed(a.ws);
    assert.equal(c.code, MAX_DURATION_CLOSE_CODE);
    assert.match(c.reason, /maxTunnelDuration of 1 seconds/);
    assert.ok(Date.now() - t0 >= 900, 'not before the duration');
    assert.match(c.received.toString('latin1'), banner, 'bytes flowed until then');
  });

  it('answers a plain HTTPS request (no upgrade) with a JSON error', async () => {
    const res = await plainHttpsGet(sb);
    assert.equal(res.status, 426);
    assert.ok(res.requestId);
  });
});

async function plainHttpsGet(sb: Sandbox): Promise<{ status: number; requestId?: string }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port: sb.eiceAddress.port, path: '/openTunnel', ca: sb.caPem, servername: 'localhost' }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, requestId: res.headers['x-amzn-requestid'] as string | undefined });
    }).on('error', reject);
  });
}
