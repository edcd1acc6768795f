/**
 * Remove a directory tree that processes which are still exiting may write into: a shell killed
 * by SIGHUP saving its history, an eic writing its code cache (src/boot/compile-cache.ts).
 *
 * fs.rmSync's own `maxRetries` is not enough here: it retries only the last rmdir, without
 * removing what appeared since it listed the directory, so a file created in between fails the
 * removal with ENOTEMPTY however many times it retries. This removes the whole tree again.
 */
import { rmSync } from 'node:fs';

/** Errors after which another pass can succeed: an entry that appeared, or one still in use. */
const RETRY = new Set(['ENOTEMPTY', 'EBUSY']);

export function removeTree(dir: string, timeoutMs = 10_000): void {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!RETRY.has(code) || Date.now() + pause > deadline) throw err;
      // Synchronous on purpose: callers are exit and clean-up paths that cannot wait for a tick.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
    }
  }
}
