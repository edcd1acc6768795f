// needs: openssl sshd
/**
 * `eic cp` as a real process against the sandbox (real EICE WebSocket, SendSSHPublicKey, real
 * OpenSSH sshd serving SFTP): a tree up and back down with SHA-256 and mode checks, several
 * sources, by Name and user@, -p, and nothing at all on stderr when it is not a terminal.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeTree, makeTree, startCpWorld, type CpWorld } from './helpers/cp-fixtures.js';
import { runEic } from './helpers/tunnel-harness.js';

describe('eic cp (sandbox, real process)', () => {
  let world: CpWorld;
  let env: NodeJS.ProcessEnv;
  let id: string;
  let work: string;
  let scratch: { dir: string; cleanup(): void };

  before(async () => {
    world = await startCpWorld('eic-cp-cli-');
    ({ id, env, work, scratch } = world);
  });
  after(async () => { await world?.close(); });

  it('copies a tree up with -r and back down: same bytes and modes, stderr empty', async () => {
    const src = join(work, 'tree');
    makeTree(src);
    const upload = await runEic(['cp', '-r', src, `${id}:${scratch.dir}/`], env);
    assert.equal(upload.code, 0, upload.stderr);
    assert.equal(upload.stderr, '');
    assert.equal(upload.stdout.length, 0);
    assert.deepEqual(describeTree(join(scratch.dir, 'tree')), describeTree(src));

    const back = join(work, 'back');
    mkdirSync(back);
    const download = await runEic(['cp', '-r', `${id}:${scratch.dir}/tree`, back], env);
    assert.equal(download.code, 0, download.stderr);
    assert.equal(download.stderr, '');
    const got = describeTree(join(back, 'tree'));
    assert.deepEqual(got, describeTree(src));
    assert.equal(got['a/b/run.sh'].mode, 0o750);
    assert.equal(got['empty'].size, 0);
    assert.equal(got['a/big.bin'].size, 20 * 1024 * 1024);
  });

  it('copies several sources into a directory, by Name tag and user@', async () => {
    const a = join(work, 'a.txt');
    const b = join(work, 'b.txt');
    writeFileSync(a, 'alpha\n');
    writeFileSync(b, 'beta\n');
    const dest = join(scratch.dir, 'several');
    mkdirSync(dest);
    const { chownToEc2User } = await import('./helpers/cp-fixtures.js');
    chownToEc2User(dest);
    const r = await runEic(['cp', a, b, `ec2-user@web-1:${dest}`], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dest, 'a.txt'), 'utf8'), 'alpha\n');
    assert.equal(readFileSync(join(dest, 'b.txt'), 'utf8'), 'beta\n');

    const down = join(work, 'down');
    mkdirSync(down);
    const d = await runEic(['cp', `web-1:${dest}/a.txt`, `web-1:${dest}/b.txt`, down], env);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(readFileSync(join(down, 'b.txt'), 'utf8'), 'beta\n');
  });

  it('-p keeps the modification time; a relative path starts in the home directory', async () => {
    const f = join(work, 'dated.txt');
    writeFileSync(f, 'dated\n');
    const when = new Date('2010-10-10T10:10:10Z');
    utimesSync(f, when, when);
    const r = await runEic(['cp', '-p', f, `${id}:${scratch.dir}/dated.txt`], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(join(scratch.dir, 'dated.txt')).mtimeMs, when.getTime());
    const back = join(work, 'dated-back.txt');
    const d = await runEic(['cp', '-p', `${id}:${scratch.dir}/dated.txt`, back], env);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(statSync(back).mtimeMs, when.getTime());

    const home = '/home/ec2-user';
    const h = await runEic(['cp', f, `${id}:eic-cp-test-home.txt`], env);
    assert.equal(h.code, 0, h.stderr);
    try {
      assert.equal(readFileSync(join(home, 'eic-cp-test-home.txt'), 'utf8'), 'dated\n');
    } finally {
      rmSync(join(home, 'eic-cp-test-home.txt'), { force: true });
    }
  });
});
