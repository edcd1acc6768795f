/**
 * Waiting in tests for something to become true, instead of sleeping a fixed time: poll a
 * condition often, and fail only after a generous overall limit, naming what never happened.
 * A wait that times out says so (with `what` evaluated then, so it can show the latest state).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface UntilOptions {
  /** Give up after this long (default 30 s: a loaded machine is slow, a hang is not). */
  timeoutMs?: number;
  /** Time between checks (default 20 ms). */
  everyMs?: number;
}

export async function until(check: () => boolean | Promise<boolean>, what: string | (() => string), opts: UntilOptions = {}): Promise<void> {
  const end = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(opts.everyMs ?? 20);
  }
}
