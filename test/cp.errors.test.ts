// needs: openssl sshd
// tier: slow (over 20 s: left out of npm run test:fast)
/**
 * `eic cp` failures as a real process against the sandbox: each one a single line that names
 * the path, a non-zero exit, and what was copied before it left in place. A tunnel dropped
 * midway says how far the copy got and prints the command that continues it, and that command
 * finishes the file (--resume appends to the exact prefix the failed run left).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../src/sandbox/index.js';
import { chownToEc2User, startCpWorld, type CpWorld } from './helpers/cp-fixtures.js';
import { EICE_A } from './helpers/sandbox-tunnel.js';
import { finished, runEic, spawnEic, type Finished } from './helpers/tunnel-harness.js';
import { until } from './helpers/until.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Exactly one line, `eic: …`, on stderr. */
function oneLine(r: Finished): string {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^eic: /);
  return lines[0];
}

describe('eic cp errors (sandbox, real process)', () => {
  let sb: Sandbox;
  let world: CpWorld;
  let env: NodeJS.ProcessEnv;
  let id: string;
  let work: string;
  let scratch: { dir: string; cleanup(): void };

  before(async () => {
    world = await startCpWorld('eic-cp-err-');
    ({ sb, id, env, work, scratch } = world);
    writeFileSync(join(work, 'one.txt'), 'one\n');
  });
  after(async () => { await world?.close(); });

  it('refuses local-to-local and instance-to-instance copies (exit 2, before any AWS call)', async () => {
    const local = await runEic(['cp', join(work, 'one.txt'), join(work, 'two.txt')], env);
    assert.equal(local.code, 2);
    assert.match(oneLine(local), /no side of the copy is on an instance.*INSTANCE:PATH/);
    const remote = await runEic(['cp', `${id}:/etc/hostname`, `web-1:${scratch.dir}/`], env);
    assert.equal(remote.code, 2);
    assert.match(oneLine(remote), /from an instance to an instance .* not supported/);
    assert.equal(existsSync(join(work, 'two.txt')), false);
  });

  it('a missing source, a directory without -r, a missing destination directory: exit 1, path named', async () => {
    const missing = await runEic(['cp', join(work, 'nope.txt'), `${id}:${scratch.dir}/`], env);
    assert.equal(missing.code, 1);
    assert.equal(oneLine(missing), `eic: ${join(work, 'nope.txt')}: no such file or directory`);

    const remoteMissing = await runEic(['cp', `${id}:${scratch.dir}/nope.txt`, work], env);
    assert.equal(remoteMissing.code, 1);
    assert.equal(oneLine(remoteMissing), `eic: ${id}:${scratch.dir}/nope.txt: no such file or directory`);

    mkdirSync(join(work, 'adir'));
    const dir = await runEic(['cp', join(work, 'adir'), `${id}:${scratch.dir}/`], env);
    assert.equal(dir.code, 1);
    assert.match(oneLine(dir), new RegExp(`^eic: ${join(work, 'adir')}: is a directory \\(use -r`));

    const noDest = await runEic(['cp', join(work, 'one.txt'), `${id}:${scratch.dir}/no/such/one.txt`], env);
    assert.equal(noDest.code, 1);
    assert.match(oneLine(noDest), new RegExp(`^eic: ${id}:${scratch.dir}/no/such: no such directory`));
  });

  it('permission denied names the path; the files copied before it stay', async () => {
    const ok = join(scratch.dir, 'ok.txt');
    writeFileSync(ok, 'ok\n');
    const secret = join(scratch.dir, 'secret.txt');
    writeFileSync(secret, 'root only\n');
    chmodSync(secret, 0o600); // root's: ec2-user may not read it
    const dest = join(work, 'perm');
    mkdirSync(dest);
    const r = await runEic(['cp', `${id}:${ok}`, `${id}:${secret}`, dest], env);
    assert.equal(r.code, 1);
    assert.match(oneLine(r), new RegExp(`^eic: ${id}:${secret}: permission denied \\(1 of 2 files done\\)`));
    assert.equal(readFileSync(join(dest, 'ok.txt'), 'utf8'), 'ok\n');
    assert.equal(existsSync(join(dest, 'secret.txt')), false);

    const locked = join(scratch.dir, 'locked');
    mkdirSync(locked); // root's, 0755
    const up = await runEic(['cp', join(work, 'one.txt'), `${id}:${locked}/`], env);
    assert.equal(up.code, 1);
    assert.match(oneLine(up), new RegExp(`^eic: ${id}:${locked}/one.txt: permission denied`));
  });

  it('a tunnel dropped midway: how far it got, the command to continue, and that command finishes', async () => {
    const data = randomBytes(24 * 1024 * 1024);
    const remote = join(scratch.dir, 'big.bin');
    writeFileSync(remote, data);
    const local = join(work, 'big.bin');
    sb.faults.set(EICE_A, { kind: 'drop', afterBytes: 9 * 1024 * 1024 }, { once: true });
    const failed = await runEic(['cp', '-p', `${id}:${remote}`, local], env);
    assert.equal(failed.code, 1, failed.stderr);
    const line = oneLine(failed);
    const m = /stopped at ([\d.]+) MiB of 24 MiB \((\d+)%\).*\(continue with: (eic cp --resume -p \S+ \S+)\)$/.exec(line);
    assert.ok(m, line);
    assert.match(line, new RegExp(`connection lost while copying ${id}:${remote}`));
    // The partial file is exactly the prefix the message reports.
    const partial = readFileSync(local);
    assert.ok(partial.length > 0 && partial.length < data.length, String(partial.length));
    assert.equal(Number(m[1]), Number((partial.length / 1048576).toFixed(partial.length < 10 * 1048576 ? 1 : 0)));
    assert.ok(data.subarray(0, partial.length).equals(partial));

    const args = m[3].split(' ').slice(1); // drop "eic"
    assert.deepEqual(args, ['cp', '--resume', '-p', `${id}:${remote}`, local]);
    const resumed = await runEic(args, env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`^${local}: resuming at [\\d.]+ MiB$`, 'm'));
    assert.equal(sha(readFileSync(local)), sha(data));
    // SFTP v3 carries whole seconds.
    assert.equal(statSync(local).mtimeMs, Math.floor(statSync(remote).mtimeMs / 1000) * 1000);
  });

  it('Ctrl-C: exit 130, how far it got, the partial file an exact prefix', async () => {
    const data = randomBytes(64 * 1024 * 1024);
    const remote = join(scratch.dir, 'interrupted.bin');
    writeFileSync(remote, data);
    const local = join(work, 'interrupted.bin');
    const child = spawnEic(['cp', `${id}:${remote}`, local], env);
    child.stdin!.end();
    const done = finished(child);
    // Interrupt once the first bytes have landed.
    await until(() => (existsSync(local) && statSync(local).size > 0) || child.exitCode !== null, 'the copy to start', { everyMs: 10 });
    child.kill('SIGINT');
    const r = await done;
    if (r.code === 0) return assert.fail('the copy finished before the interrupt; nothing was tested');
    assert.equal(r.code, 130, r.stderr);
    assert.match(oneLine(r), new RegExp(`^eic: interrupted by SIGINT; stopped at [\\d.]+ [KM]iB of 64 MiB of ${remote} \\(continue with: eic cp --resume ${id}:${remote} ${local}\\)$`));
    const partial = readFileSync(local);
    assert.ok(partial.length < data.length);
    assert.ok(data.subarray(0, partial.length).equals(partial));
  });

  it('--resume uploads the rest of a matching prefix, and copies a mismatching file again', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const src = join(work, 'up.bin');
    writeFileSync(src, data);
    const dest = join(scratch.dir, 'up.bin');
    writeFileSync(dest, data.subarray(0, 3 * 1024 * 1024 + 7));
    chownToEc2User(dest);
    const r = await runEic(['cp', '--resume', src, `${id}:${dest}`], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /up\.bin: resuming at 3\.0 MiB/);
    assert.equal(sha(readFileSync(dest)), sha(data));

    const wrong = Buffer.from(data.subarray(0, 2 * 1024 * 1024));
    wrong[wrong.length - 1] ^= 0xff;
    writeFileSync(dest, wrong);
    const again = await runEic(['cp', '--resume', src, `${id}:${dest}`], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /up\.bin: differs from the source; copying it again/);
    assert.equal(sha(readFileSync(dest)), sha(data));

    const done = await runEic(['cp', '--resume', src, `${id}:${dest}`], env);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /up\.bin: already complete, skipped/);
  });
});
