/**
 * The rules behind `eic ssh -N` reconnects: which failures are retried without limit, the
 * backoff, the words for why a tunnel ended, and the slot the listeners wait on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from 'ssh2';
import { EicError, usageError, type ErrorCode } from '../src/errors.js';
import { isTransient, lossError, lossReason, retryKind } from '../src/cli/ssh/loss.js';
import { defaultBackoffMs } from '../src/cli/ssh/reconnect.js';
import { ClientSlot } from '../src/ssh/client-slot.js';

const conn = (code: ErrorCode, message: string = code) => new EicError(code, message);

describe('reconnect policy', () => {
  it('retries network trouble, throttling and 5xx; not refusals the user must fix', () => {
    for (const e of [conn('tunnel-network'), conn('tunnel-timeout'), conn('tunnel-dns'), conn('ssh-connect'), conn('ssh-timeout'),
      conn('tunnel-refused-transient', 'OpenTunnel refused (503): busy'), conn('tunnel-refused-transient', 'OpenTunnel refused (429): too many'),
      new EicError('push-key-throttled', 'throttled'), new EicError('aws-unreachable', 'x'),
      new Error('socket hang up')]) {
      assert.equal(isTransient(e), true, (e as EicError).code ?? e.message);
    }
    for (const e of [conn('ssh-auth-failed'), conn('host-key-changed'), conn('tunnel-refused', 'OpenTunnel refused (403): denied'),
      conn('tunnel-refused-unknown', 'OpenTunnel refused (418): ?'), new EicError('push-key-instance-not-found', 'gone'),
      new EicError('access-denied', 'no'), new EicError('sso-expired', 'login'), usageError('bad-target', 'bad')]) {
      assert.equal(isTransient(e), false, e.code);
    }
  });

  it('an OpenTunnel refusal the user must fix ends at once; one eic cannot read is tried a bounded number of times', () => {
    assert.equal(retryKind(conn('tunnel-refused', 'OpenTunnel refused (500 InvalidParameter): x')), 'permanent');
    assert.equal(retryKind(usageError('bad-target', 'bad')), 'permanent');
    assert.equal(retryKind(conn('tunnel-refused-unknown', 'OpenTunnel refused (418): ?')), 'bounded');
    assert.equal(retryKind(conn('ssh-auth-failed')), 'bounded');
    assert.equal(retryKind(conn('tunnel-refused-transient')), 'transient');
  });

  it('backs off 1 s, 2 s, 4 s… up to 30 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(defaultBackoffMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('names maxTunnelDuration from the close reason or from the clock, and other losses by their error', () => {
    const now = 1_000_000;
    const base = { instanceId: 'i-1', maxTunnelDuration: 60, now };
    const byReason = new Error('tunnel closed (1008): Tunnel reached maxTunnelDuration of 60 seconds');
    assert.equal(lossReason(byReason, { ...base, openedAt: now - 1000 }), "the endpoint's maxTunnelDuration (60 s) was reached");
    assert.equal(lossReason(undefined, { ...base, openedAt: now - 59_000 }), "the endpoint's maxTunnelDuration (60 s) was reached");
    const dropped = new EicError('tunnel-lost', 'tunnel connection lost');
    assert.equal(lossReason(new Error('x', { cause: dropped }), { ...base, openedAt: now - 1000 }), 'tunnel connection lost');
    assert.equal(lossReason(new Error('read ECONNRESET'), { ...base, openedAt: now - 1000 }), 'read ECONNRESET');
    const e = lossError(undefined, { instanceId: 'i-1', openedAt: now - 3_600_000, now });
    assert.equal(e.code, 'tunnel-max-duration');
    assert.match(e.message, /maximum duration of 3600 s$/);
    assert.match(e.hint!, /maxTunnelDuration/);
  });
});

describe('ClientSlot', () => {
  const a = { name: 'a' } as unknown as Client;
  const b = { name: 'b' } as unknown as Client;

  it('hands out the current connection, makes requests wait while there is none, and fails them at the end', async () => {
    const slot = new ClientSlot();
    const early = slot.get();
    assert.equal(slot.pending(), 1);
    slot.set(a);
    assert.equal(await early, a);
    assert.equal(await slot.get(), a);
    slot.clear();
    const waiting = slot.get();
    slot.set(b);
    assert.equal(await waiting, b);
    slot.clear();
    const never = slot.get();
    slot.end(new Error('gave up'));
    await assert.rejects(never, /gave up/);
    await assert.rejects(slot.get(), /gave up/);
    slot.end(new Error('second'));
    await assert.rejects(slot.get(), /gave up/);
  });
});
