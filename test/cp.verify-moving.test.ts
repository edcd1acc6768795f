// needs: openssl sshd
// tier: slow (copies 48 MiB each way so that an edit lands mid-copy: left out of npm run test:fast)
/**
 * `eic cp --verify` compares SHA-256 end to end: a source edited while it is copied (its first
 * MiB rewritten once the first bytes have landed) is reported, exit 1, in both directions. The
 * file is large so that the copy is still running when the edit lands.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCpWorld, type CpWorld } from './helpers/cp-fixtures.js';
import { finished, spawnEic } from './helpers/tunnel-harness.js';
import { until } from './helpers/until.js';

const MiB = 1024 * 1024;

/** Overwrite the first MiB of a file in place (same size), as an editor saving over it might. */
function editInPlace(path: string): void {
  const fd = openSync(path, 'r+');
  try { writeSync(fd, randomBytes(MiB), 0, MiB, 0); } finally { closeSync(fd); }
}

describe('eic cp --verify with a source that moves (sandbox, real process)', () => {
  let world: CpWorld;
  before(async () => { world = await startCpWorld('eic-cp-moving-'); });
  after(async () => { await world?.close(); });

  for (const direction of ['download', 'upload'] as const) {
    it(`--verify ${direction}: a source edited while it is copied is reported, exit 1`, async () => {
      const { id, env, work, scratch } = world;
      const data = randomBytes(48 * MiB);
      const src = direction === 'download' ? join(scratch.dir, 'moving.bin') : join(work, 'moving.bin');
      const dest = direction === 'download' ? join(work, 'moving-copy.bin') : join(scratch.dir, 'moving-copy.bin');
      writeFileSync(src, data);
      const child = spawnEic(['cp', '--verify', direction === 'download' ? `${id}:${src}` : src, direction === 'download' ? dest : `${id}:${dest}`], env);
      child.stdin!.end();
      const done = finished(child);
      // Once the first bytes have landed, the source's beginning (already copied) changes.
      await until(() => (existsSync(dest) && statSync(dest).size > 0) || child.exitCode !== null, 'the copy to start', { everyMs: 10 });
      editInPlace(src);
      const r = await done;
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^eic: \S*moving-copy\.bin: differs from \S*moving\.bin after the copy \(SHA-256 [0-9a-f]{16}… of the source, [0-9a-f]{16}… of the copy\); the source may have changed while it was copied \(fix that and run again: eic cp --verify \S+ \S+\)$/);
    });
  }
});
