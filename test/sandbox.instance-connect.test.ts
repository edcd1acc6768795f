// The sandbox's EC2 Instance Connect API, driven by the real AWS SDK v3 client: SendSSHPublicKey
// validates like AWS, answers AWS's exception types, and a pushed key is served to the
// instance's AuthorizedKeysCommand (GET /_sandbox/keys/…) for its validity window only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import { EC2InstanceConnectClient, SendSerialConsoleSSHPublicKeyCommand, SendSSHPublicKeyCommand, type SendSSHPublicKeyCommandInput } from '@aws-sdk/client-ec2-instance-connect';
import { startApiServer } from '../src/sandbox/api-server.js';
import { DEFAULT_CREDENTIALS, defaultConfig, type CredentialConfig } from '../src/sandbox/config.js';
import { KeyStore } from '../src/sandbox/key-store.js';

const config = defaultConfig();
// A second OS user on one instance, to prove a key is bound to the user it was pushed for.
config.instances[0] = { ...config.instances[0], osUsers: ['ec2-user', 'admin'] };
const WEB = config.instances[0];            // running, us-east-1a
const WORKER = config.instances[1];         // running, us-east-1b
const STOPPED = config.instances.find((i) => i.state === 'stopped')!;

// AWS's 60 s validity, shortened to 1 s in the test that waits for a key to expire.
let skewMs = 0; // how far the key store's clock is ahead of ours: windows pass without waiting
const keys = new KeyStore(60, () => Date.now() + skewMs);
let server: Awaited<ReturnType<typeof startApiServer>>;
let eic: EC2InstanceConnectClient;

function client(credentials: CredentialConfig = DEFAULT_CREDENTIALS): EC2InstanceConnectClient {
  return new EC2InstanceConnectClient({ endpoint: server.url, region: config.region, credentials, maxAttempts: 1 });
}

before(async () => {
  server = await startApiServer({ config, keys, endpointDnsName: (e) => ({ dnsName: `${e.id}.test` }) });
  eic = client();
});
after(async () => {
  eic?.destroy();
  await server?.close();
});

// Public keys in OpenSSH form. RSA and ECDSA blobs come from ssh2's own key parser; the
// ED25519 blob is the SSH wire format by hand (ssh2 cannot read node's PKCS#8 ed25519 PEM).
function sshString(b: Buffer | string): Buffer {
  const data = Buffer.from(b);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

function ed25519Line(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  // The raw key is the tail of the SPKI DER. Not a JWK export: on Node 20 that can deadlock
  // against the garbage-collected keygen job (see src/ssh/keys.ts).
  const x = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).subarray(-32);
  return `ssh-ed25519 ${Buffer.concat([sshString('ssh-ed25519'), sshString(x)]).toString('base64')}`;
}

function pemLine(pem: string, comment = 'test@sandbox'): string {
  const key = ssh2.utils.parseKey(pem);
  if (key instanceof Error) throw key;
  const k = Array.isArray(key) ? key[0] : key;
  return `${k.type} ${k.getPublicSSH().toString('base64')} ${comment}`;
}

const rsaLine = (bits: number) => pemLine(generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
const ecdsaLine = (curve: string) => pemLine(generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ type: 'sec1', format: 'pem' }) as string);

async function activeKeys(instanceId: string, osUser: string): Promise<{ status: number; type: string | null; lines: string[] }> {
  const res = await fetch(`${server.url}/_sandbox/keys/${instanceId}/${osUser}`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), lines: text.split('\n').filter(Boolean) };
}

function send(input: Partial<SendSSHPublicKeyCommandInput>, c = eic) {
  return c.send(new SendSSHPublicKeyCommand({
    InstanceId: WEB.id, InstanceOSUser: 'ec2-user', SSHPublicKey: ed25519Line(), ...input,
  } as SendSSHPublicKeyCommandInput));
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  assert.fail('the call succeeded but should have failed');
}

describe('SendSSHPublicKey', () => {
  test('accepts a key, which the instance then serves for that user only, until it expires', async () => {
    const line = ed25519Line();
    assert.equal(line.length, 80, 'an ed25519 line without comment is the shortest valid key');
    const r = await send({ SSHPublicKey: line, AvailabilityZone: 'us-east-1a' });
    assert.equal(r.Success, true);
    assert.match(r.RequestId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(r.$metadata.httpStatusCode, 200);

    const served = await activeKeys(WEB.id, 'ec2-user');
    assert.equal(served.status, 200);
    assert.match(served.type ?? '', /^text\/plain/);
    assert.deepEqual(served.lines, [line]);
    assert.deepEqual((await activeKeys(WEB.id, 'admin')).lines, [], 'another user on the same instance');
    assert.deepEqual((await activeKeys(WORKER.id, 'ec2-user')).lines, [], 'the same user on another instance');

    skewMs += 30_000;
    assert.deepEqual((await activeKeys(WEB.id, 'ec2-user')).lines, [line], 'still served inside the window');
    skewMs += 31_000;
    assert.deepEqual((await activeKeys(WEB.id, 'ec2-user')).lines, [], 'the key expired after the validity window');
  });

  test('several keys are served side by side, each for its own user', async () => {
    const a = rsaLine(2048);
    const b = ecdsaLine('P-256');
    await send({ SSHPublicKey: a });
    await send({ SSHPublicKey: b });
    const c = ecdsaLine('P-384');
    await send({ SSHPublicKey: c, InstanceOSUser: 'admin' });
    assert.deepEqual(new Set((await activeKeys(WEB.id, 'ec2-user')).lines), new Set([a, b]));
    assert.deepEqual((await activeKeys(WEB.id, 'admin')).lines, [c]);
  });

  test('accepts RSA ≥ 2048, ED25519 and ECDSA P-256/384/521 keys', async () => {
    for (const line of [rsaLine(2048), rsaLine(3072), ed25519Line(), `${ed25519Line()} me@laptop`, ecdsaLine('P-256'), ecdsaLine('P-384'), ecdsaLine('P-521')]) {
      assert.equal((await send({ SSHPublicKey: line, InstanceId: WORKER.id })).Success, true, line.split(' ')[0]);
    }
  });

  test('refuses bad keys with InvalidArgsException 400', async () => {
    const ed = ed25519Line();
    const [type, b64] = ed.split(' ');
    const blob = Buffer.from(b64, 'base64');
    const cases: Array<[string, string, RegExp]> = [
      ['RSA 1024', rsaLine(1024), /RSA key is 1024 bits; at least 2048/],
      ['too short', ed.slice(0, 79), /80 to 4096 characters/],
      ['too long', `${ed} ${'x'.repeat(4096 - 80)}`, /80 to 4096 characters/],
      ['type mismatch', `ssh-rsa ${b64} some-comment`, /type does not match/],
      ['unknown type', `ssh-dss ${Buffer.concat([sshString('ssh-dss'), sshString(Buffer.alloc(64, 1))]).toString('base64')}`, /Unsupported key type ssh-dss/],
      ['truncated', `${type} ${blob.subarray(0, blob.length - 1).toString('base64')} padding-comment-xxxx`, /truncated/],
      ['not base64', `${type} ${'!'.repeat(80)}`, /not valid base64/],
      ['no data', 'x'.repeat(100), /form "<type> <base64>/],
    ];
    for (const [what, line, message] of cases) {
      const f = await failure(send({ SSHPublicKey: line }));
      assert.equal(f.name, 'InvalidArgsException', what);
      assert.equal(f.status, 400, what);
      assert.match(f.message, message, what);
    }
  });

  test('refuses bad instance ids, OS users and availability zones with InvalidArgsException', async () => {
    const cases: Array<[Partial<SendSSHPublicKeyCommandInput>, RegExp]> = [
      [{ InstanceId: 'i-123' }, /Invalid instance ID: i-123/],
      [{ InstanceId: 'web-1' }, /Invalid instance ID/],
      [{ InstanceOSUser: '' }, /InstanceOSUser is required|Invalid OS user/],
      [{ InstanceOSUser: '1root' }, /Invalid OS user name: 1root/],
      [{ InstanceOSUser: 'a'.repeat(33) }, /Invalid OS user name/],
      [{ InstanceOSUser: 'bad user' }, /Invalid OS user name/],
      [{ AvailabilityZone: 'us-east-1b' }, /not in availability zone us-east-1b/],
      [{ AvailabilityZone: 'nowhere' }, /Invalid availability zone/],
    ];
    for (const [input, message] of cases) {
      const f = await failure(send(input));
      assert.equal(f.name, 'InvalidArgsException', JSON.stringify(input));
      assert.equal(f.status, 400);
      assert.match(f.message, message);
    }
    // Users AWS's pattern allows: a 32-character name ending in $, dots and @ inside.
    const osUsers = ['a'.repeat(31) + '$', 'svc.user@corp'];
    config.instances[1] = { ...WORKER, osUsers: [...WORKER.osUsers, ...osUsers] };
    try {
      for (const u of osUsers) assert.equal((await send({ InstanceId: WORKER.id, InstanceOSUser: u })).Success, true, u);
    } finally {
      config.instances[1] = WORKER;
    }
  });

  test('an OS user the instance does not have is accepted, as AWS does (aws-cli #6896), but its key is never served', async () => {
    const r = await send({ InstanceOSUser: 'ubuntu' });
    assert.equal(r.Success, true);
    assert.deepEqual((await activeKeys(WEB.id, 'ubuntu')).lines, [], 'the instance has no such user: sshd gets no key for it');
  });

  test('an unknown instance is EC2InstanceNotFoundException 404', async () => {
    assert.deepEqual(await failure(send({ InstanceId: 'i-0123456789abcdef9' })), {
      name: 'EC2InstanceNotFoundException', message: 'Instance i-0123456789abcdef9 was not found', status: 404,
    });
  });

  test('a stopped instance is EC2InstanceStateInvalidException 400', async () => {
    assert.deepEqual(await failure(send({ InstanceId: STOPPED.id })), {
      name: 'EC2InstanceStateInvalidException', message: `Instance ${STOPPED.id} is stopped; it must be running to accept a key`, status: 400,
    });
    assert.deepEqual((await activeKeys(STOPPED.id, 'ec2-user')).lines, []);
  });

  test('unknown credentials or a wrong secret are AuthException 403, and nothing is stored', async () => {
    for (const creds of [
      { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey },
      { ...DEFAULT_CREDENTIALS, secretAccessKey: 'wrong' },
    ]) {
      const c = client(creds);
      const line = ed25519Line();
      const f = await failure(send({ InstanceId: WORKER.id, SSHPublicKey: line }, c));
      c.destroy();
      assert.equal(f.name, 'AuthException');
      assert.equal(f.status, 403);
      assert.ok(!(await activeKeys(WORKER.id, 'ec2-user')).lines.includes(line));
    }
  });
});

describe('other operations', () => {
  test('an operation the sandbox does not implement is UnknownOperationException 400', async () => {
    const f = await failure(eic.send(new SendSerialConsoleSSHPublicKeyCommand({ InstanceId: WEB.id, SSHPublicKey: ed25519Line() })));
    assert.deepEqual(f, {
      name: 'UnknownOperationException', status: 400,
      message: 'Unknown operation AWSEC2InstanceConnectService.SendSerialConsoleSSHPublicKey',
    });
  });
});

describe('keys lookup', () => {
  test('an unknown instance is 404; a known one with no keys is an empty 200', async () => {
    assert.equal((await activeKeys('i-0123456789abcdef9', 'ec2-user')).status, 404);
    const none = await activeKeys(config.instances[5].id, 'ec2-user');
    assert.deepEqual([none.status, none.lines], [200, []]);
  });
});
