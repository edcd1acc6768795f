// needs: openssl sshd
/**
 * SIGHUP (a closed terminal, an ended ssh session), SIGTERM and SIGINT stop every long-running
 * command alike, as real processes against the sandbox: each cleans up, says in one line what
 * it stopped, and exits as OpenSSH does (`eic ssh`, with or without -N: "Killed by signal N.",
 * 255) or with 128+signal (tunnel, cp, proxy, sandbox). cp's line gives the exact command that
 * continues the copy, and that command finishes it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { finished, runEic, spawnEic, useSandboxCli } from './helpers/tunnel-harness.js';
import { remoteScratch } from './helpers/cp-fixtures.js';
import { stopProcess } from './helpers/stop-process.js';
import { until } from './helpers/until.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Resolves once the child's stderr has matched `re`; rejects if it exits first. */
function stderrShows(child: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString();
      if (re.test(text)) { child.stderr!.off('data', onData); resolve(); }
    };
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error(`exited before ${re}: ${text}`)));
  });
}

function stdoutShows(child: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => { text += d.toString(); if (re.test(text)) resolve(); });
    child.once('exit', () => reject(new Error(`exited before ${re} on stdout: ${text}`)));
  });
}

describe('stop signals (sandbox, real processes)', () => {
  const cli = useSandboxCli({ pin: true });

  it('eic ssh -N: SIGHUP ends it as OpenSSH does ("Killed by signal 1.", 255)', async () => {
    const child = spawnEic(['ssh', cli.id, '-N', '-L', '0:127.0.0.1:22'], cli.env);
    const done = finished(child);
    try {
      await stderrShows(child, /Forwarding only \(-N\)/);
      child.kill('SIGHUP');
      const r = await done;
      assert.equal(r.signal, null, 'eic handled the signal rather than dying of it');
      assert.equal(r.code, 255, r.stderr);
      assert.match(r.stderr, /^eic: Killed by signal 1\.$/m);
    } finally {
      await stopProcess(child);
    }
  });

  it('eic ssh with a remote command: SIGTERM ends it the same way (15, 255)', async () => {
    const child = spawnEic(['ssh', cli.id, '--', 'echo started; exec sleep 60'], cli.env);
    const done = finished(child);
    try {
      await stdoutShows(child, /started/);
      child.kill('SIGTERM');
      const r = await done;
      assert.equal(r.code, 255, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').at(-1), 'eic: Killed by signal 15.');
    } finally {
      await stopProcess(child);
    }
  });

  it('eic tunnel: SIGHUP closes the listener, says so, exits 129', async () => {
    const child = spawnEic(['tunnel', cli.id, '--local-port', '0'], cli.env);
    const done = finished(child);
    try {
      await stdoutShows(child, /^Listening on /m);
      child.kill('SIGHUP');
      const r = await done;
      assert.equal(r.code, 129, r.stderr);
      assert.match(r.stderr, /^eic tunnel: stopped by SIGHUP; closed the listener and 0 open tunnel\(s\)$/m);
    } finally {
      await stopProcess(child);
    }
  });

  it('eic proxy: SIGHUP (how ssh ends its ProxyCommand) closes the tunnel and exits 129, silent without -v', async () => {
    const child = spawnEic(['proxy', cli.id, '22'], cli.env);
    const done = finished(child);
    try {
      await stdoutShows(child, /^SSH-2\.0-/);
      child.kill('SIGHUP');
      const r = await done;
      assert.equal(r.code, 129, r.stderr);
      assert.equal(r.stderr, '');
    } finally {
      await stopProcess(child);
    }
    const verbose = spawnEic(['proxy', '-v', cli.id, '22'], cli.env);
    const vdone = finished(verbose);
    try {
      await stdoutShows(verbose, /^SSH-2\.0-/);
      verbose.kill('SIGTERM');
      const r = await vdone;
      assert.equal(r.code, 143, r.stderr);
      assert.match(r.stderr, /^eic proxy: stopped by SIGTERM; closed the tunnel$/m);
    } finally {
      await stopProcess(verbose);
    }
  });

  for (const sig of ['SIGHUP', 'SIGTERM'] as const) {
    it(`eic cp: ${sig} says how far it got and the resume command, exits 128+signal, and that command finishes the file`, async () => {
      const scratch = remoteScratch();
      const work = mkdtempSync(join(tmpdir(), 'eic-sig-cp-'));
      try {
        const data = randomBytes(64 * 1024 * 1024);
        const remote = join(scratch.dir, 'big.bin');
        writeFileSync(remote, data);
        const local = join(work, 'big.bin');
        const child = spawnEic(['cp', `${cli.id}:${remote}`, local], cli.env);
        child.stdin!.end();
        const done = finished(child);
        await until(() => (existsSync(local) && statSync(local).size > 0) || child.exitCode !== null, 'the copy to start', { everyMs: 10 });
        child.kill(sig);
        const r = await done;
        if (r.code === 0) return assert.fail('the copy finished before the signal; nothing was tested');
        assert.equal(r.code, sig === 'SIGHUP' ? 129 : 143, r.stderr);
        const lines = r.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        const m = new RegExp(`^eic: interrupted by ${sig}; stopped at [\\d.]+ [KM]iB of 64 MiB of ${remote} \\(continue with: (eic cp --resume \\S+ \\S+)\\)$`).exec(lines[0]);
        assert.ok(m, lines[0]);
        const partial = readFileSync(local);
        assert.ok(data.subarray(0, partial.length).equals(partial), 'the partial file is an exact prefix');
        const resumed = await runEic(m[1].split(' ').slice(1), cli.env);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.equal(sha(readFileSync(local)), sha(data));
      } finally {
        scratch.cleanup();
        rmSync(work, { recursive: true, force: true });
      }
    });
  }

  it('eic sandbox: SIGHUP stops it, removes the env file, exits 129', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eic-sig-sandbox-'));
    const envFile = join(dir, 'env');
    const child = spawnEic(['sandbox', '--listen', '127.0.0.1:0', '--write-env', envFile], { ...process.env });
    const done = finished(child);
    try {
      await stderrShows(child, /Stop with Ctrl-C\./);
      await until(() => existsSync(envFile), 'the sandbox\'s env file');
      child.kill('SIGHUP');
      const r = await done;
      assert.equal(r.code, 129, r.stderr);
      assert.match(r.stderr, /^eic sandbox: SIGHUP, stopping$/m);
      assert.equal(existsSync(envFile), false);
    } finally {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
