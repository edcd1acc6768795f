import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { presignOpenTunnel } from '../src/tunnel/presign.js';
import { canonicalQuery, signature } from '../src/aws/sigv4.js';
import { fixturePath } from './helpers/paths.js';

const vector = JSON.parse(readFileSync(fixturePath('opentunnel-presign.json'), 'utf8'));

function sign(extra: Partial<Parameters<typeof presignOpenTunnel>[0]> = {}) {
  return presignOpenTunnel({
    dnsName: vector.dnsName,
    instanceConnectEndpointId: vector.instanceConnectEndpointId,
    remotePort: vector.remotePort,
    privateIpAddress: vector.privateIpAddress,
    maxTunnelDuration: vector.maxTunnelDuration,
    region: vector.region,
    credentials: vector.credentials,
    now: new Date(vector.time),
    ...extra,
  });
}

test('presign matches the AWS CLI conformance vector exactly', () => {
  const url = sign();
  assert.equal(url, vector.expectedUrl);
  assert.equal(new URL(url).searchParams.get('X-Amz-Signature'), vector.expectedSignature);
  assert.notEqual(vector.expectedSignature, vector.wrongSignatureWithUnsignedPayload);
});

test('presign with a session token signs the token as part of the query', () => {
  const url = new URL(sign({ credentials: { ...vector.credentials, sessionToken: 'tok/en+=' } }));
  assert.equal(url.searchParams.get('X-Amz-Security-Token'), 'tok/en+=');
  const sig = url.searchParams.get('X-Amz-Signature');
  assert.notEqual(sig, vector.expectedSignature);
  // Recompute independently from the parsed URL: the token must be inside the signature.
  const params = [...url.searchParams.entries()];
  const recomputed = signature({
    method: 'GET', host: url.host, path: url.pathname, params,
    secretAccessKey: vector.credentials.secretAccessKey, dateStamp: '20200101', amzDate: '20200101T010101Z',
    region: vector.region, service: 'ec2-instance-connect',
  });
  assert.equal(recomputed, sig);
  const withoutToken = params.filter(([k]) => k !== 'X-Amz-Security-Token');
  assert.notEqual(signature({
    method: 'GET', host: url.host, path: url.pathname, params: withoutToken,
    secretAccessKey: vector.credentials.secretAccessKey, dateStamp: '20200101', amzDate: '20200101T010101Z',
    region: vector.region, service: 'ec2-instance-connect',
  }), sig);
});

test('maxTunnelDuration is left out when not given', () => {
  const url = new URL(sign({ maxTunnelDuration: undefined }));
  assert.equal(url.searchParams.has('maxTunnelDuration'), false);
});

test('canonical query sorts X-Amz-* before lower-case keys and encodes RFC 3986', () => {
  assert.equal(canonicalQuery([['b', 'a b'], ['X-Amz-A', "x*'"], ['a', '/']]), "X-Amz-A=x%2A%27&a=%2F&b=a%20b");
});
