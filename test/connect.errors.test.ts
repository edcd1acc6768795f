// needs: openssl
// connectTunnel() failures, each against a real server on loopback: a refused upgrade (status,
// JSON Message, request id), an untrusted certificate, a handshake that never completes, a
// refused TCP connection. No message, hint, cause or log line may carry the presigned URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { EicError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { connectTunnel, describeConnectError } from '../src/tunnel/connect.js';
import { SECRET_SIGNATURE, signedLikeUrl, startTestEndpoint, type TestEndpoint } from './helpers/tunnel-endpoint.js';
import { eicErrorOf } from './helpers/eic-error.js';

let ep: TestEndpoint;
before(async () => { ep = await startTestEndpoint(); });
after(async () => { await ep.close(); });

const failure = (p: Promise<unknown>) => eicErrorOf(p, 'connectTunnel');

/** Nothing the user or a log can see holds the signature or the query string. */
function assertNoSecrets(err: EicError, logLines: string[] = []): void {
  const seen = [err.message, err.hint ?? '', String(err.cause ?? ''), (err.cause as Error | undefined)?.message ?? '', ...logLines].join('\n');
  assert.ok(!seen.includes(SECRET_SIGNATURE), 'the signature leaked');
  assert.ok(!seen.includes('X-Amz-Credential=AKID'), 'the query string leaked');
}

test('a refused upgrade shows the HTTP status, the JSON Message and the request id, and no URL', async () => {
  const lines: string[] = [];
  const logger = createLogger({ verbose: true, write: (l) => lines.push(l) });
  const message = 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ec2-instance-connect:OpenTunnel on resource: arn:aws:ec2:us-east-1:123456789012:instance-connect-endpoint/eice-123';
  ep.refuseWith({ status: 403, headers: { 'x-amzn-RequestId': '7c6a1d4e-0000-4f00-9a00-1234567890ab' }, body: JSON.stringify({ Message: message }) });
  try {
    const err = await failure(connectTunnel({ url: ep.url, ca: ep.ca, logger }));
    assert.equal(err.code, 'tunnel-refused');
    assert.equal(err.message, `OpenTunnel refused (403): ${message} (request id 7c6a1d4e-0000-4f00-9a00-1234567890ab)`);
    assert.match(err.hint ?? '', /ec2-instance-connect:OpenTunnel/);
    assertNoSecrets(err, lines);
    assert.ok(lines.some((l) => l.includes('/openTunnel?<redacted>')), 'the URL is logged redacted under -v');
  } finally {
    ep.refuseWith(undefined);
  }
});

test('a refusal without a JSON body still names the status; 429 hints at the connection limit', async () => {
  ep.refuseWith({ status: 429, body: 'Too Many Requests' });
  try {
    const err = await failure(connectTunnel({ url: ep.url, ca: ep.ca }));
    assert.equal(err.message, 'OpenTunnel refused (429): Too Many Requests');
    assert.match(err.hint ?? '', /20 concurrent/);
  } finally {
    ep.refuseWith(undefined);
  }
});

test('a refusal whose body never completes is still reported as the refusal when the timeout comes', async () => {
  ep.refuseWith({ status: 403, headers: { 'x-amzn-RequestId': 'req-partial' }, body: '{"Message":"Forbidden', stallAfterBodyOf: 500 });
  try {
    const err = await failure(connectTunnel({ url: ep.url, ca: ep.ca, handshakeTimeoutMs: 500 }));
    assert.equal(err.code, 'tunnel-refused');
    assert.match(err.message, /^OpenTunnel refused \(403\).*\(request id req-partial\)$/);
  } finally {
    ep.refuseWith(undefined);
  }
});

test('an untrusted certificate is a clear TLS error that points at AWS_CA_BUNDLE', async () => {
  const err = await failure(connectTunnel({ url: ep.url }));
  assert.equal(err.code, 'tunnel-tls-untrusted');
  assert.match(err.message, new RegExp(`certificate of 127\\.0\\.0\\.1:${ep.port} is not trusted`));
  assert.match(err.hint ?? '', /AWS_CA_BUNDLE/);
  assertNoSecrets(err);
});

test('a handshake that never completes times out with a clear error and the socket is closed', async () => {
  const silent = net.createServer();
  const accepted: net.Socket[] = [];
  silent.on('connection', (s) => { accepted.push(s); s.resume(); }); // reading, so it sees the client's FIN
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  try {
    const url = signedLikeUrl((silent.address() as net.AddressInfo).port);
    const err = await failure(connectTunnel({ url, ca: ep.ca, handshakeTimeoutMs: 300 }));
    assert.equal(err.code, 'tunnel-timeout');
    assert.match(err.message, /^timed out after 0\.3 s opening the tunnel to 127\.0\.0\.1:\d+$/);
    assert.match(err.hint ?? '', /port 443/);
    assertNoSecrets(err);
    assert.equal(accepted.length, 1);
    if (!accepted[0].closed) await once(accepted[0], 'close');
  } finally {
    for (const s of accepted) s.destroy();
    silent.close();
  }
});

test('a refused TCP connection says so', async () => {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const err = await failure(connectTunnel({ url: signedLikeUrl(port), ca: ep.ca }));
  assert.equal(err.code, 'tunnel-refused-tcp');
  assert.equal(err.message, `connection to 127.0.0.1:${port} refused`);
  assertNoSecrets(err);
});

test('a malformed URL is rejected without echoing it', async () => {
  const err = await failure(connectTunnel({ url: `https//nope?X-Amz-Signature=${SECRET_SIGNATURE}` }));
  assert.equal(err.code, 'tunnel-url');
  assertNoSecrets(err);
});

test('DNS failures and other network errors map to their own messages', () => {
  const dns = describeConnectError(Object.assign(new Error('getaddrinfo ENOTFOUND eice-x.example'), { code: 'ENOTFOUND' }), 'eice-x.example:443');
  assert.equal(dns.code, 'tunnel-dns');
  assert.equal(dns.message, 'cannot resolve eice-x.example (ENOTFOUND)');
  const reset = describeConnectError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'h:443');
  assert.equal(reset.code, 'tunnel-network');
  const own = new EicError('proxy-refused', 'the proxy refused CONNECT (407)');
  assert.equal(describeConnectError(own, 'h:443'), own, 'an agent\'s own EicError passes through');
});
