// needs: sshd ssh-keygen
// Public-key authentication sends the signed request at once (sign-first.ts): one round trip
// and, on EC2 Instance Connect, one run of sshd's AuthorizedKeysCommand instead of two. An
// ssh2 server on loopback records each publickey request eic's client makes, with or without
// a signature; a real OpenSSH sshd then accepts the same one-step login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { generateEd25519Pem } from '../src/ed25519.js';
import { generateSessionKey, type ClientKey } from '../src/ssh/keys.js';
import { connectSsh } from '../src/ssh/session.js';
import { silentLogger } from '../src/log.js';
import { startSshd } from './helpers/sshd.js';

const acceptAny = { verify: (_key: Buffer, done: (ok: boolean) => void) => done(true), refusal: () => undefined };

/** An ssh2 server that accepts `accepted` (by public blob) and records every publickey request. */
async function recordingServer(accepted: ClientKey) {
  const requests: Array<{ signed: boolean; algo: string }> = [];
  const server = new ssh2.Server({ hostKeys: [generateEd25519Pem().privatePem] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      requests.push({ signed: ctx.signature !== undefined, algo: ctx.key.algo });
      const same = ctx.key.data.equals(accepted.key.getPublicSSH());
      if (!same) return ctx.reject(['publickey']);
      return ctx.accept(); // unsigned: PK_OK ("this key would do, now sign"); signed: logged in
    });
    client.on('ready', () => client.end());
    client.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { requests, port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function login(port: number, keys: ClientKey[], username = 'ec2-user') {
  const sock = connect({ host: '127.0.0.1', port });
  await new Promise((r) => sock.once('connect', r));
  const conn = await connectSsh({ sock, username, keys, hostVerifier: acceptAny, keepaliveIntervalMs: 0, logger: silentLogger });
  conn.client.end();
  return conn;
}

test('an in-memory key is offered with its signature in the first request', async () => {
  const key = generateSessionKey();
  const srv = await recordingServer(key);
  try {
    await login(srv.port, [key]);
    assert.deepEqual(srv.requests, [{ signed: true, algo: 'ssh-ed25519' }]);
  } finally {
    await srv.close();
  }
});

test('a refused key is followed by the next one, each in one signed request', async () => {
  const wrong = generateSessionKey();
  const right = generateSessionKey();
  const srv = await recordingServer(right);
  try {
    await login(srv.port, [wrong, right]);
    assert.deepEqual(srv.requests.map((r) => r.signed), [true, true]);
  } finally {
    await srv.close();
  }
});

test('OpenSSH sshd accepts the one-step login', async () => {
  const key = generateSessionKey();
  const sshd = await startSshd([key.publicLine]);
  try {
    const conn = await login(sshd.port, [key]);
    assert.ok(conn.timings.authMs >= 0);
  } finally {
    await sshd.close();
  }
});
