// needs: openssl sshd
/**
 * The copy engine (src/sftp) over ssh2's SFTP to a sandbox instance's real OpenSSH sshd:
 * a tree up and back down with SHA-256 and mode checks, -p times, scp's destination rules,
 * and errors that name the path and leave what was copied.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'ssh2';
import { isEicError } from '../src/errors.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { executePlan, type CopyOptions } from '../src/sftp/copy.js';
import type { CopyFs } from '../src/sftp/fs.js';
import { createLocalFs } from '../src/sftp/local-fs.js';
import { planCopy } from '../src/sftp/plan.js';
import { createRemoteFs, openSftp } from '../src/sftp/remote-fs.js';
import { describeTree, directClient, makeTree, remoteScratch } from './helpers/cp-fixtures.js';

describe('copy engine over SFTP (sandbox sshd)', () => {
  let sb: Sandbox;
  let client: Client;
  let local: CopyFs;
  let remote: CopyFs;
  let work: string;
  let scratch: { dir: string; cleanup(): void };

  const copy = async (from: CopyFs, to: CopyFs, sources: string[], dest: string, o: Partial<CopyOptions> & { recursive?: boolean } = {}) => {
    const plan = await planCopy({ from, to, sources, dest, recursive: o.recursive ?? false });
    return executePlan(plan, { from, to, preserveTimes: false, resume: false, ...o });
  };
  const up = (sources: string[], dest: string, o: Parameters<typeof copy>[4] = {}) => copy(local, remote, sources, dest, o);
  const down = (sources: string[], dest: string, o: Parameters<typeof copy>[4] = {}) => copy(remote, local, sources, dest, o);
  const rejectsWith = async (p: Promise<unknown>, code: string, message: RegExp) => {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(isEicError(err), String(err));
      assert.equal(err.code, code, err.message);
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  };

  before(async () => {
    sb = await startSandbox({ requireSshd: true });
    work = mkdtempSync(join(tmpdir(), 'eic-cp-local-'));
    scratch = remoteScratch();
    const id = sb.env.EIC_SANDBOX_INSTANCE;
    client = await directClient(sb, id, work);
    local = createLocalFs();
    remote = createRemoteFs(await openSftp(client), { label: id });
  });
  after(async () => {
    client?.end();
    await sb?.close();
    rmSync(work, { recursive: true, force: true });
    scratch?.cleanup();
  });

  it('copies a tree up and back down: same bytes, same modes', async () => {
    const src = join(work, 'tree');
    makeTree(src);
    const r1 = await up([src], scratch.dir, { recursive: true });
    assert.equal(r1.files, 5);
    assert.deepEqual(describeTree(join(scratch.dir, 'tree')), describeTree(src));
    const back = join(work, 'back');
    mkdirSync(back);
    const r2 = await down([join(scratch.dir, 'tree')], back, { recursive: true });
    assert.equal(r2.bytes, r1.bytes);
    assert.deepEqual(describeTree(join(back, 'tree')), describeTree(src));
    assert.equal(describeTree(src)['a/b/run.sh'].mode, 0o750);
    assert.equal(describeTree(src)['private'].mode, 0o700);
  });

  it('fills a read-only directory, then gives it its mode; -r into an existing directory merges', async () => {
    const src = join(work, 'ro');
    mkdirSync(join(src, 'sealed'), { recursive: true });
    writeFileSync(join(src, 'sealed', 'inside.txt'), 'inside\n');
    chmodSync(join(src, 'sealed'), 0o555);
    await up([src], scratch.dir, { recursive: true });
    assert.equal(statSync(join(scratch.dir, 'ro', 'sealed')).mode & 0o7777, 0o555);
    assert.equal(readFileSync(join(scratch.dir, 'ro', 'sealed', 'inside.txt'), 'utf8'), 'inside\n');

    chmodSync(join(src, 'sealed'), 0o755);
    writeFileSync(join(src, 'later.txt'), 'later\n');
    chmodSync(join(scratch.dir, 'ro', 'sealed'), 0o755);
    const r = await up([src], scratch.dir, { recursive: true });
    assert.equal(r.files, 2);
    assert.equal(readFileSync(join(scratch.dir, 'ro', 'later.txt'), 'utf8'), 'later\n');
    assert.equal(readFileSync(join(scratch.dir, 'ro', 'sealed', 'inside.txt'), 'utf8'), 'inside\n');
  });

  it('-p keeps modification times; without it they are fresh', async () => {
    const f = join(work, 'old.txt');
    writeFileSync(f, 'old');
    const when = new Date('2001-02-03T04:05:06Z');
    const { utimesSync } = await import('node:fs');
    utimesSync(f, when, when);
    await up([f], join(scratch.dir, 'kept.txt'), { preserveTimes: true });
    await up([f], join(scratch.dir, 'fresh.txt'));
    assert.equal(statSync(join(scratch.dir, 'kept.txt')).mtimeMs, when.getTime());
    assert.ok(statSync(join(scratch.dir, 'fresh.txt')).mtimeMs > when.getTime());
  });

  it('follows scp\'s destination rules: into a directory, or as the new name', async () => {
    const f = join(work, 'one.txt');
    writeFileSync(f, 'one');
    await up([f], join(scratch.dir, 'renamed.txt'));
    assert.equal(readFileSync(join(scratch.dir, 'renamed.txt'), 'utf8'), 'one');
    await down([join(scratch.dir, 'renamed.txt'), join(scratch.dir, 'kept.txt')], work);
    assert.equal(readFileSync(join(work, 'renamed.txt'), 'utf8'), 'one');
    assert.equal(readFileSync(join(work, 'kept.txt'), 'utf8'), 'old');
  });

  it('names the path: missing source, directory without -r, missing destination directory', async () => {
    await rejectsWith(up([join(work, 'nope')], scratch.dir), 'cp-source-missing', new RegExp(`${join(work, 'nope')}: no such file`));
    await rejectsWith(down([scratch.dir + '/nope'], work), 'cp-source-missing', new RegExp(`^i-[0-9a-f]+:${scratch.dir}/nope: no such file`));
    await rejectsWith(up([join(work, 'tree')], scratch.dir), 'cp-source-is-dir', /tree: is a directory/);
    await rejectsWith(up([join(work, 'one.txt')], join(scratch.dir, 'no', 'such', 'x')), 'cp-dest-missing', new RegExp(`${scratch.dir}/no/such: no such directory`));
    await rejectsWith(up([join(work, 'one.txt'), join(work, 'old.txt')], join(scratch.dir, 'absent')), 'cp-dest-missing', /absent: no such directory/);
  });

  it('permission denied names the path; files copied before it stay', async () => {
    const locked = join(scratch.dir, 'locked');
    mkdirSync(locked); // root's, 0755: ec2-user may not write here
    await rejectsWith(up([join(work, 'one.txt')], locked), 'cp-failed', new RegExp(`${locked}/one.txt: permission denied`));
    const secret = join(scratch.dir, 'secret');
    writeFileSync(secret, 'x');
    chmodSync(secret, 0o600); // root's
    const dest = join(work, 'partial');
    mkdirSync(dest);
    await rejectsWith(down([join(scratch.dir, 'renamed.txt'), secret], dest), 'cp-failed', new RegExp(`${secret}: permission denied`));
    assert.equal(readFileSync(join(dest, 'renamed.txt'), 'utf8'), 'one');
    assert.equal(existsSync(join(dest, 'secret')), false);
  });
});
