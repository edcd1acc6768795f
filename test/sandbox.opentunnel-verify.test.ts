/**
 * The sandbox's OpenTunnel verifier on its own: it accepts the AWS CLI's conformance vector at
 * the vector's time, and refuses each way a presigned URL can be wrong, with AWS's status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { verifyOpenTunnel, SIGNATURE_MISMATCH, INVALID_TOKEN, type VerifyInput } from '../src/sandbox/opentunnel-verify.js';
import { presignOpenTunnel, type OpenTunnelParams } from '../src/tunnel/presign.js';
import { fixturePath } from './helpers/paths.js';

const vector = JSON.parse(readFileSync(fixturePath('opentunnel-presign.json'), 'utf8'));
const vectorTime = new Date(vector.time);
const creds = [vector.credentials];

/** The request target and Host a server sees for a wss:// URL. */
function asRequest(url: string, overrides: Partial<VerifyInput> = {}): VerifyInput {
  const u = new URL(url);
  return { method: 'GET', url: u.pathname + u.search, host: u.host, now: vectorTime, region: vector.region, credentials: creds, ...overrides };
}

function signed(p: Partial<OpenTunnelParams> = {}): string {
  return presignOpenTunnel({
    dnsName: vector.dnsName, instanceConnectEndpointId: vector.instanceConnectEndpointId, remotePort: vector.remotePort,
    privateIpAddress: vector.privateIpAddress, maxTunnelDuration: vector.maxTunnelDuration, region: vector.region,
    credentials: vector.credentials, now: vectorTime, ...p,
  });
}

function refusal(input: VerifyInput): { status: number; message: string } {
  const r = verifyOpenTunnel(input);
  assert.equal(r.ok, false, 'expected a refusal');
  return r as { status: number; message: string };
}

/** Replace one query parameter's raw value, keeping the signature as it was. */
function withParam(url: string, key: string, value: string): string {
  return url.replace(new RegExp(`([?&]${key}=)[^&]*`), `$1${value}`);
}

test('accepts the AWS CLI conformance URL at its own time, and reads its parameters', () => {
  const r = verifyOpenTunnel(asRequest(vector.expectedUrl));
  assert.deepEqual(r, {
    ok: true,
    params: { instanceConnectEndpointId: 'eice-123', remotePort: 22, privateIpAddress: '10.0.0.0', maxTunnelDuration: 1, accessKeyId: 'access_key' },
  });
});

test('the conformance URL with the UNSIGNED-PAYLOAD signature is refused as a signature mismatch', () => {
  const r = refusal(asRequest(withParam(vector.expectedUrl, 'X-Amz-Signature', vector.wrongSignatureWithUnsignedPayload)));
  assert.equal(r.status, 403);
  assert.equal(r.message, SIGNATURE_MISMATCH);
});

test('a tampered parameter, another Host, or another secret breaks the signature', () => {
  assert.equal(refusal(asRequest(withParam(vector.expectedUrl, 'remotePort', '3389'))).message, SIGNATURE_MISMATCH);
  assert.equal(refusal(asRequest(vector.expectedUrl, { host: 'localhost:8443' })).message, SIGNATURE_MISMATCH);
  const other = [{ accessKeyId: 'access_key', secretAccessKey: 'another_secret' }];
  assert.equal(refusal(asRequest(vector.expectedUrl, { credentials: other })).status, 403);
});

test('expiry: valid for 60 s, then "Signature expired"; more than 5 min in the future is refused', () => {
  const at = (ms: number) => new Date(vectorTime.getTime() + ms);
  assert.equal(verifyOpenTunnel(asRequest(vector.expectedUrl, { now: at(60_000) })).ok, true);
  const late = refusal(asRequest(vector.expectedUrl, { now: at(61_000) }));
  assert.equal(late.status, 403);
  assert.match(late.message, /^Signature expired: 20200101T010201Z is now earlier than 20200101T010202Z/);
  assert.equal(verifyOpenTunnel(asRequest(vector.expectedUrl, { now: at(-299_000) })).ok, true);
  const early = refusal(asRequest(vector.expectedUrl, { now: at(-301_000) }));
  assert.equal(early.status, 403);
  assert.match(early.message, /^Signature not yet current/);
});

test('unknown access key and a wrong session token are "The security token … is invalid"', () => {
  const r = refusal(asRequest(signed({ credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'secret_key' } })));
  assert.deepEqual(r, { ok: false, status: 403, errorCode: 'UnrecognizedClientException', message: INVALID_TOKEN });
  const withToken = [{ ...vector.credentials, sessionToken: 'tok' }];
  assert.equal(refusal(asRequest(signed(), { credentials: withToken })).message, INVALID_TOKEN);
  const good = signed({ credentials: { ...vector.credentials, sessionToken: 'tok' } });
  assert.equal(verifyOpenTunnel(asRequest(good, { credentials: withToken })).ok, true);
});

test('the wrong region or service in the credential scope is refused with AWS\'s wording', () => {
  const region = refusal(asRequest(signed({ region: 'eu-west-1' })));
  assert.deepEqual([region.status, region.message], [403, "Credential should be scoped to a valid region, not 'eu-west-1'."]);
  const url = signed();
  const wrongService = withParam(url, 'X-Amz-Credential', encodeURIComponent('access_key/20200101/us-west-2/ec2/aws4_request'));
  const service = refusal(asRequest(wrongService));
  assert.deepEqual([service.status, service.message], [403, "Credential should be scoped to correct service: 'ec2-instance-connect'."]);
});

test('X-Amz-Expires over 60, malformed dates and missing parameters are 400s; no signature at all is 403', () => {
  assert.equal(refusal(asRequest(withParam(vector.expectedUrl, 'X-Amz-Expires', '61'))).status, 400);
  assert.match(refusal(asRequest(withParam(vector.expectedUrl, 'X-Amz-Expires', '3600'))).message, /X-Amz-Expires must be between 1 and 60/);
  assert.equal(refusal(asRequest(withParam(vector.expectedUrl, 'X-Amz-Date', '2020-01-01'))).status, 400);
  assert.equal(refusal(asRequest(vector.expectedUrl.replace(/&X-Amz-Signature=[^&]*/, ''))).status, 400);
  assert.deepEqual(refusal(asRequest('wss://h/openTunnel?instanceConnectEndpointId=eice-123')), { ok: false, status: 403, errorCode: 'MissingAuthenticationToken', message: 'Missing Authentication Token' });
  assert.equal(refusal(asRequest(vector.expectedUrl.replace('/openTunnel', '/other'))).status, 404);
  assert.equal(refusal(asRequest(vector.expectedUrl + '&remotePort=22')).status, 400, 'a repeated parameter');
});

test('tunnel parameters: maxTunnelDuration 1..3600 (default 3600), a real IP address', () => {
  const noDuration = verifyOpenTunnel(asRequest(signed({ maxTunnelDuration: undefined })));
  assert.equal(noDuration.ok && noDuration.params.maxTunnelDuration, 3600);
  assert.equal(verifyOpenTunnel(asRequest(signed({ maxTunnelDuration: 3600 }))).ok, true);
  assert.equal(refusal(asRequest(signed({ maxTunnelDuration: 3601 }))).status, 400);
  assert.equal(refusal(asRequest(signed({ maxTunnelDuration: 0 }))).status, 400);
  assert.equal(refusal(asRequest(signed({ privateIpAddress: 'not-an-ip' }))).status, 400);
  const v6 = verifyOpenTunnel(asRequest(signed({ privateIpAddress: 'fd00:10:1:1::10' })));
  assert.equal(v6.ok && v6.params.privateIpAddress, 'fd00:10:1:1::10');
});
