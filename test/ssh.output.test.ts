// needs: openssl sshd
// tier: slow (96 MiB through eic ssh and a reader paced by the clock: left out of npm run test:fast)
/**
 * `eic ssh <target> -- command` with a lot of output, as a real process against the sandbox:
 * every byte intact (SHA-256) whether stdout is a pipe or a file, and a slow reader of the
 * output holds eic's memory down (the channel pauses, the remote side waits) instead of eic
 * buffering the rest of the download.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { finished, spawnEic, useSandboxCli } from './helpers/tunnel-harness.js';

const MiB = 1024 * 1024;

/** eic's peak resident memory so far, in MiB (VmHWM), or undefined once it has exited. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

describe('eic ssh -- command output (sandbox)', () => {
  const cli = useSandboxCli();
  let dir: string;
  let file: string;
  let digest: string;

  before(async () => {
    // A file the instance's ec2-user can read (the sandbox's sshd runs on this machine).
    dir = mkdtempSync(join(tmpdir(), 'eic-ssh-output-'));
    chmodSync(dir, 0o755);
    file = join(dir, 'random');
    const data = randomBytes(48 * MiB);
    writeFileSync(file, data, { mode: 0o644 });
    digest = createHash('sha256').update(data).digest('hex');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('48 MiB into a pipe arrive intact, with stderr apart and exit status 0', async () => {
    const child = spawnEic(['ssh', cli.id, '--', `cat ${file}; echo done >&2`], cli.env);
    child.stdin!.end();
    const r = await finished(child);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.length, 48 * MiB);
    assert.equal(createHash('sha256').update(r.stdout).digest('hex'), digest);
    assert.match(r.stderr, /^done$/m);
  });

  it('48 MiB into a file arrive intact (stdout on a file is written synchronously)', async () => {
    const out = join(dir, 'out');
    const fd = openSync(out, 'w');
    try {
      const child = spawnEic(['ssh', cli.id, '--', `cat ${file}`], cli.env, { stdio: ['ignore', fd, 'pipe'] });
      const r = await finished(child);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      closeSync(fd);
    }
    assert.equal(createHash('sha256').update(readFileSync(out)).digest('hex'), digest);
  });

  it('stdout and stderr into one file keep their order', async () => {
    const out = join(dir, 'both');
    const fd = openSync(out, 'w');
    try {
      // Each line waits until the one before has been written locally: what eic writes must
      // then be in the order the remote command wrote it.
      const child = spawnEic(['ssh', cli.id, '--', 'for i in 1 2 3 4 5; do echo out$i; sleep 0.1; echo err$i >&2; sleep 0.1; done'],
        cli.env, { stdio: ['ignore', fd, fd] });
      const r = await finished(child);
      assert.equal(r.code, 0);
    } finally {
      closeSync(fd);
    }
    const lines = readFileSync(out, 'utf8').split('\n').filter((l) => /^(out|err)\d$/.test(l));
    assert.deepEqual(lines, [1, 2, 3, 4, 5].flatMap((i) => [`out${i}`, `err${i}`]));
  });

  it('a slow reader holds eic\'s memory down; closing the pipe ends it with 141 (SIGPIPE)', async () => {
    const child = spawnEic(['ssh', cli.id, '--', 'head -c 400M /dev/zero'], cli.env);
    child.stdin!.end();
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      // Read ~10 MB/s for 3 s (1 MB per 100 ms): the remote side could send all 400 MB meanwhile.
      let got = 0;
      let budget = 0;
      let peak = 0;
      const out = child.stdout!;
      out.on('data', (c: Buffer) => {
        got += c.length;
        budget -= c.length;
        if (budget <= 0) out.pause();
      });
      out.pause();
      for (let i = 0; i < 30; i++) {
        budget = 1_000_000;
        out.resume();
        await new Promise((r) => setTimeout(r, 100));
        peak = Math.max(peak, peakRssMiB(child.pid!) ?? 0);
      }
      assert.ok(got > 10 * MiB && got < 100 * MiB, `read ${got} bytes`);
      // eic itself peaks near 90 MiB on a download read at full speed; buffering what the slow
      // reader has not taken would add hundreds.
      assert.ok(peak > 0 && peak < 160, `eic's peak RSS ${peak} MiB while read slowly`);
      out.destroy(); // the reader goes away
      assert.equal(await exited, 141, stderr);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
