/**
 * `eic ssh -N` reconnecting into OpenTunnel refusals, read as refusalError() reads them: one
 * the user must fix (by its ErrorCode, whatever the status) ends eic after the first attempt;
 * one eic cannot classify is tried a bounded number of times, never forever; a busy endpoint
 * is retried until it lets us in.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { Client } from 'ssh2';
import { holdForwarding, watch } from '../src/cli/ssh/reconnect.js';
import { isEicError, type EicError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { ClientSlot } from '../src/ssh/client-slot.js';
import { refusalError } from '../src/tunnel/refusal.js';
import { until } from './helpers/until.js';

/** A connection that is already over (its tunnel ended), so holdForwarding reconnects at once. */
function endedClient(): Client {
  const c = new EventEmitter() as EventEmitter & { end(): void };
  c.end = () => {};
  queueMicrotask(() => c.emit('close'));
  return c as unknown as Client;
}

const refused = (status: number, errorCode: string, message: string) =>
  refusalError(status, { 'x-amzn-requestid': 'req-1' }, JSON.stringify({ ErrorCode: errorCode, Message: message }));

async function attemptsUntilGivenUp(refusal: () => EicError, succeedAfter = Infinity): Promise<{ attempts: number; err?: EicError }> {
  let attempts = 0;
  const stop = new Promise<void>(() => {});
  const held = holdForwarding({
    first: watch(endedClient(), Date.now() - 60_000),
    connect: async () => {
      attempts++;
      if (attempts > succeedAfter) return endedClient();
      throw refusal();
    },
    slot: new ClientSlot(), reconnect: true, loss: { instanceId: 'i-1' }, logger: silentLogger, stop,
    backoffMs: () => 1,
  });
  if (succeedAfter !== Infinity) {
    // It got through (and keeps reconnecting the ended fakes): enough to know it retried.
    await until(() => attempts > succeedAfter, () => `attempt ${succeedAfter + 1} (${attempts} so far)`, { everyMs: 1 });
    return { attempts };
  }
  const err = await held.then(() => undefined, (e: unknown) => e);
  assert.ok(isEicError(err), String(err));
  return { attempts, err };
}

describe('eic ssh -N and OpenTunnel refusals', () => {
  it('a refusal the user must fix ends after one attempt, told by ErrorCode even with a "try again" status', async () => {
    const { attempts, err } = await attemptsUntilGivenUp(() => refused(503, 'InvalidParameter', 'The specified RemotePort is not valid. Specify either 22 or 3389.'));
    assert.equal(attempts, 1);
    assert.equal(err!.code, 'reconnect-gave-up');
    assert.match(err!.message, /after 1 attempt: OpenTunnel refused \(503 InvalidParameter\): The specified RemotePort is not valid/);
  });

  it('an unknown refusal is tried three times, then eic gives up', async () => {
    const { attempts, err } = await attemptsUntilGivenUp(() => refused(418, 'SomethingNew', 'Nobody knows'));
    assert.equal(attempts, 3);
    assert.match(err!.message, /after 3 attempts: OpenTunnel refused \(418 SomethingNew\): Nobody knows/);
  });

  it('throttling is retried past the bound, told by ErrorCode even with a "you are wrong" status', async () => {
    const { attempts } = await attemptsUntilGivenUp(() => refused(400, 'ThrottlingException', 'Rate exceeded'), 5);
    assert.ok(attempts > 5);
  });
});
