// needs: openssl
// How eic reads a refused OpenTunnel upgrade from a real server (the JSON body AWS sends,
// {"ErrorCode", "Message"}, and x-amzn-RequestId): ErrorCode, Message and request id are shown,
// AWS's text with control characters escaped, and "permanent", "transient" or "unknown" is decided from
// the ErrorCode first, the Message second, the status last.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectTunnel } from '../src/tunnel/connect.js';
import { classifyRefusal } from '../src/tunnel/refusal.js';
import { startTestEndpoint, type TestEndpoint } from './helpers/tunnel-endpoint.js';
import { eicErrorOf } from './helpers/eic-error.js';

let ep: TestEndpoint;
before(async () => { ep = await startTestEndpoint(); });
after(async () => { await ep.close(); });

async function refusedWith(status: number, body: object | string, requestId = 'a1b2c3d4-0000-4000-8000-000000000001') {
  ep.refuseWith({ status, headers: { 'x-amzn-RequestId': requestId }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  try {
    return await eicErrorOf(connectTunnel({ url: ep.url, ca: ep.ca }), 'connectTunnel');
  } finally {
    ep.refuseWith(undefined);
  }
}

test('the refusal seen from AWS: ErrorCode, Message and request id shown; permanent', async () => {
  const err = await refusedWith(400, { ErrorCode: 'InvalidParameter', Message: 'The specified RemotePort is not valid. Specify either 22 or 3389.' });
  assert.equal(err.code, 'tunnel-refused');
  assert.equal(err.message, 'OpenTunnel refused (400 InvalidParameter): The specified RemotePort is not valid. Specify either 22 or 3389. (request id a1b2c3d4-0000-4000-8000-000000000001)');
  assert.match(err.hint ?? '', /remote port/);
});

test('ErrorCode decides before the status: a permanent code under 503, a transient one under 400', async () => {
  const denied = await refusedWith(503, { ErrorCode: 'AccessDeniedException', Message: 'User is not authorized to perform: ec2-instance-connect:OpenTunnel' });
  assert.equal(denied.code, 'tunnel-refused');
  assert.match(denied.hint ?? '', /IAM/);
  const throttled = await refusedWith(400, { ErrorCode: 'ThrottlingException', Message: 'Rate exceeded' });
  assert.equal(throttled.code, 'tunnel-refused-transient');
  const limit = await refusedWith(403, { ErrorCode: 'TooManyConnections', Message: 'at most 20' });
  assert.equal(limit.code, 'tunnel-refused-transient');
  assert.match(limit.hint ?? '', /20 concurrent/);
});

test('without a known ErrorCode the Message decides, then the status; what none of them tells is unknown', async () => {
  assert.equal((await refusedWith(400, { Message: 'Too many concurrent connections for this endpoint' })).code, 'tunnel-refused-transient');
  assert.equal((await refusedWith(500, { ErrorCode: 'X', Message: 'Signature expired: 20260101T000000Z is now earlier than 20260101T000200Z' })).code, 'tunnel-refused');
  assert.equal((await refusedWith(502, { Message: '' })).code, 'tunnel-refused-transient');
  assert.equal((await refusedWith(404, 'Not Found')).code, 'tunnel-refused');
  const creating = await refusedWith(400, { ErrorCode: 'IncorrectState', Message: "The instance connect endpoint 'eice-1' is in state create-in-progress and cannot open tunnels." });
  assert.equal(creating.code, 'tunnel-refused');
  assert.match(creating.hint ?? '', /describe-instance-connect-endpoints/);
  const odd = await refusedWith(418, { ErrorCode: 'SomethingNew', Message: 'Nobody knows' });
  assert.equal(odd.code, 'tunnel-refused-unknown');
  assert.equal(odd.message, 'OpenTunnel refused (418 SomethingNew): Nobody knows (request id a1b2c3d4-0000-4000-8000-000000000001)');
});

test('control characters in ErrorCode and Message are shown escaped (HTTP itself keeps them out of the request id)', async () => {
  const err = await refusedWith(403, { ErrorCode: 'Access\u001b[2JDenied', Message: 'line one\nline two\u0007' }, 'req-9');
  assert.doesNotMatch(err.message, /[\x00-\x1f\x7f]/);
  assert.equal(err.message, 'OpenTunnel refused (403 Access\\x1b[2JDenied): line one\\nline two\\x07 (request id req-9)');
});

test('classifyRefusal reads codes AWS uses for the same causes elsewhere', () => {
  for (const code of ['InvalidParameter', 'ValidationException', 'AccessDenied', 'AuthFailure', 'SignatureDoesNotMatch', 'ExpiredToken', 'UnrecognizedClientException']) {
    assert.equal(classifyRefusal(500, code, ''), 'permanent', code);
  }
  for (const code of ['ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'ServiceUnavailable', 'InternalError']) {
    assert.equal(classifyRefusal(400, code, ''), 'transient', code);
  }
});
