// needs: openssl sshd
/**
 * `eic cp` proves what it writes, as a real process against the sandbox's sshd: --resume
 * appends only to a partial file whose every byte equals the source's prefix (a byte changed in
 * the middle of it, far from its end, makes it copy from zero, both directions), and --verify
 * compares SHA-256 end to end (a source edited while it is copied is caught, both directions:
 * cp.verify-moving, in the slow tier).
 * The instance side hashes with `head -c N | sha256sum` on an exec channel (quoted paths), and
 * falls back to reading over SFTP when that command fails: checked with the real sshd directly.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'ssh2';
import { chownToEc2User, directClient, startCpWorld, type CpWorld } from './helpers/cp-fixtures.js';
import { runEic } from './helpers/tunnel-harness.js';
import { createLocalFs } from '../src/sftp/local-fs.js';
import { createRemoteFs, openSftp } from '../src/sftp/remote-fs.js';
import { remoteHashPrefix } from '../src/sftp/remote-hash.js';
import { executePlan } from '../src/sftp/copy.js';
import { planCopy } from '../src/sftp/plan.js';
import { prefixSha256 } from '../src/sftp/integrity.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

/** The first `len` bytes of `data` with one byte flipped in the middle (far from the end). */
function corruptedPrefix(data: Buffer, len: number): Buffer {
  const p = Buffer.from(data.subarray(0, len));
  p[Math.floor(len / 3)] ^= 0xff;
  return p;
}

describe('eic cp integrity (sandbox, real process)', () => {
  let world: CpWorld;
  before(async () => { world = await startCpWorld('eic-cp-integrity-'); });
  after(async () => { await world?.close(); });

  it('--resume upload: a partial remote file corrupted in the middle is copied again from zero', async () => {
    const { id, env, work, scratch } = world;
    const data = randomBytes(5 * MiB + 321);
    const src = join(work, 'up.bin');
    writeFileSync(src, data);
    const dest = join(scratch.dir, 'up.bin');
    writeFileSync(dest, corruptedPrefix(data, 3 * MiB));
    chownToEc2User(dest);
    const r = await runEic(['cp', '--resume', src, `${id}:${dest}`], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /up\.bin: differs from the source; copying it again/);
    assert.equal(sha(readFileSync(dest)), sha(data));
  });

  it('--resume download: a partial local file corrupted in the middle is copied again from zero', async () => {
    const { id, env, work, scratch } = world;
    const data = randomBytes(5 * MiB + 321);
    const src = join(scratch.dir, 'down.bin');
    writeFileSync(src, data);
    const dest = join(work, 'down.bin');
    writeFileSync(dest, corruptedPrefix(data, 3 * MiB));
    const r = await runEic(['cp', '--resume', `${id}:${src}`, dest], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /down\.bin: differs from the source; copying it again/);
    assert.equal(sha(readFileSync(dest)), sha(data));
  });

  it('--resume with an intact prefix still resumes, and --verify passes both ways', async () => {
    const { id, env, work, scratch } = world;
    const data = randomBytes(4 * MiB + 5);
    const src = join(work, "it's here.bin");
    writeFileSync(src, data);
    const dest = join(scratch.dir, "it's here.bin");
    writeFileSync(dest, data.subarray(0, 2 * MiB));
    chownToEc2User(dest);
    const up = await runEic(['cp', '--resume', '--verify', src, `${id}:${dest}`], env);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /resuming at 2\.0 MiB/);
    assert.equal(sha(readFileSync(dest)), sha(data));
    const back = join(work, 'back.bin');
    const down = await runEic(['cp', '--verify', `${id}:${dest}`, back], env);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(sha(readFileSync(back)), sha(data));
  });

});

describe('instance-side hashing and its SFTP fallback (real sshd, in process)', () => {
  let world: CpWorld;
  let client: Client;
  before(async () => {
    world = await startCpWorld('eic-cp-hash-');
    client = await directClient(world.sb, world.id, world.work);
  });
  after(async () => {
    client?.end();
    await world?.close();
  });

  it('head -c N | sha256sum on the instance, with a path that needs quoting', async () => {
    const data = randomBytes(3 * MiB + 17);
    const path = join(world.scratch.dir, "a 'quoted' $name.bin");
    writeFileSync(path, data);
    const hash = remoteHashPrefix(client);
    assert.equal(await hash(path, 2 * MiB), sha(data.subarray(0, 2 * MiB)));
    assert.equal(await hash(path, data.length), sha(data));
    // No such command (as where sha256sum is missing): no answer, so the caller reads instead.
    assert.equal(await remoteHashPrefix(client, () => 'sha256sum-that-does-not-exist </dev/null')(path, 10), undefined);
  });

  it('without the command, --resume reads the prefix over SFTP: a corrupted partial is still caught', async () => {
    const data = randomBytes(3 * MiB + 99);
    const src = join(world.scratch.dir, 'fallback.bin');
    writeFileSync(src, data);
    const sftp = await openSftp(client);
    const noCommand = remoteHashPrefix(client, () => 'exit 127');
    const remote = createRemoteFs(sftp, { label: world.id, hashPrefix: noCommand });
    const local = createLocalFs();
    assert.equal(await prefixSha256(remote, src, MiB), sha(data.subarray(0, MiB)));

    const dest = join(world.work, 'fallback.bin');
    writeFileSync(dest, corruptedPrefix(data, 2 * MiB));
    const notes: string[] = [];
    const plan = await planCopy({ from: remote, to: local, sources: [src], dest, recursive: false });
    await executePlan(plan, { from: remote, to: local, preserveTimes: false, resume: true, events: { note: (m) => notes.push(m) } });
    assert.deepEqual(notes, [`${dest}: differs from the source; copying it again`]);
    assert.equal(sha(readFileSync(dest)), sha(data));
    sftp.end();
  });
});
