// needs: openssl sshd
/**
 * Host key pinning by instance id, end to end through the sandbox: first contact records the
 * key (fingerprint printed, as OpenSSH's SHA256:…), the next connection matches it, a rotated
 * host key is refused loudly naming file and line, and `--strict-host-key-checking yes`
 * refuses an unknown instance.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { eicEnv, runEic, useSandboxCli } from './helpers/tunnel-harness.js';

function fingerprintOf(publicLine: string): string {
  const blob = Buffer.from(publicLine.trim().split(/\s+/)[1], 'base64');
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

describe('eic ssh host keys (sandbox)', () => {
  const cli = useSandboxCli();
  let env: NodeJS.ProcessEnv;
  let file: string;

  before(() => {
    // No --known-hosts and no EIC_KNOWN_HOSTS: the default place under XDG_CONFIG_HOME.
    env = eicEnv(cli.sb, cli.home.home, { XDG_CONFIG_HOME: join(cli.home.home, 'config') });
    file = join(cli.home.home, 'config', 'eic', 'known_hosts');
  });

  it('refuses an unknown instance under --strict-host-key-checking yes, recording nothing', async () => {
    const r = await runEic(['ssh', cli.id, '--strict-host-key-checking', 'yes', '--', 'echo never'], env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, new RegExp(`no host key for ${cli.id} in ${file.replace(/[.]/g, '\\.')}`));
    assert.equal(r.stdout.length, 0);
    assert.throws(() => readFileSync(file), /ENOENT/);
  });

  it('records the key on first contact and prints its fingerprint', async () => {
    const hostKey = cli.sb.hostPublicKey(cli.id)!;
    const r = await runEic(['ssh', cli.id, '--', 'echo first'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'first\n');
    assert.ok(r.stderr.includes(`key fingerprint is ${fingerprintOf(hostKey)}.`), r.stderr);
    assert.match(r.stderr, new RegExp(`Permanently added '${cli.id}'`));
    const [type, b64] = hostKey.trim().split(/\s+/);
    assert.equal(readFileSync(file, 'utf8'), `${cli.id} ${type} ${b64}\n`);
  });

  it('connects quietly once the key is known', async () => {
    const r = await runEic(['ssh', cli.id, '--strict-host-key-checking', 'yes', '--', 'echo again'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'again\n');
    assert.doesNotMatch(r.stderr, /Permanently added|fingerprint/);
  });

  it('refuses a changed host key, naming the file and line', async () => {
    const before = readFileSync(file, 'utf8');
    await cli.sb.rotateHostKey(cli.id);
    const r = await runEic(['ssh', cli.id, '--', 'echo never'], env);
    assert.equal(r.code, 255, r.stderr);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
    assert.ok(r.stderr.includes(fingerprintOf(cli.sb.hostPublicKey(cli.id)!)), r.stderr);
    assert.ok(r.stderr.includes(`eic: host key verification failed: the host key of ${cli.id} has changed (offending key in ${file}:1)`), r.stderr);
    // The file is left as it was: replacing a pinned key is the user's decision.
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('connects despite the change under --strict-host-key-checking no, with the warning', async () => {
    const r = await runEic(['ssh', cli.id, '--strict-host-key-checking', 'no', '--', 'echo anyway'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'anyway\n');
    assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });
});
