// needs: openssl sshd
/**
 * How a session ends when eic did not end it, through the sandbox: the tunnel's
 * maxTunnelDuration closing an interactive-length command is reported as such (exit 255),
 * and SendSSHPublicKey refusals name the problem (exit 1, no connection attempted).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runEic, useSandboxCli } from './helpers/tunnel-harness.js';

describe('eic ssh: sessions ended by the tunnel, refused key pushes (sandbox)', () => {
  const cli = useSandboxCli();

  it('says the tunnel reached its maximum duration when that ends the session', async () => {
    const r = await runEic(['ssh', cli.id, '--max-tunnel-duration', '3', '--', 'echo started; sleep 30; echo never'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.equal(r.stdout.toString(), 'started\n');
    assert.match(r.stderr, new RegExp(`^eic: the session with ${cli.id} ended: the tunnel reached its maximum duration of 3 s \\(--max-tunnel-duration\\)`, 'm'));
  });

  it('refuses a malformed OS user name before connecting (InvalidArgsException)', async () => {
    const r = await runEic(['ssh', `1nosuchuser@${cli.id}`, '--', 'true'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, new RegExp(`^eic: SendSSHPublicKey refused the request for 1nosuchuser@${cli.id}: Invalid OS user name`, 'm'));
    assert.match(r.stderr, /check the OS user name \(-u\)/);
  });

  it('lets -u win over user@, as -l does in OpenSSH', async () => {
    const r = await runEic(['ssh', `nosuchuser@${cli.id}`, '-u', 'ec2-user', '--', 'whoami'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user\n');
  });
});
