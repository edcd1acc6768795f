// needs: openssl sshd ssh-keygen
/**
 * `-i FILE --push`, and the 60 s window of a pushed key: the key works right after the push,
 * and once the window has passed (the sandbox's clock moved on past it) the same key used
 * without --push is refused with a clear message.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runEic, useSandboxCli } from './helpers/tunnel-harness.js';

describe('eic ssh -i with --push and the key validity window (sandbox)', () => {
  let skewMs = 0; // how far the sandbox's clock is ahead of ours
  const cli = useSandboxCli({ sandbox: { now: () => Date.now() + skewMs } });
  const key = (name: string) => join(cli.home.home, name);

  before(() => {
    for (const name of ['id_ed25519', 'id_short']) {
      const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', key(name)]);
      assert.equal(gen.status, 0, String(gen.stderr));
    }
  });

  it('uses the -i key right after --push', async () => {
    const r = await runEic(['ssh', cli.id, '-i', key('id_ed25519'), '--push', '--', 'echo pushed'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'pushed\n');
  });

  it('refuses the key once its window has passed, saying why', async () => {
    const pushed = await runEic(['ssh', cli.id, '-i', key('id_short'), '--push', '--', 'echo inside'], cli.env);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.stdout.toString(), 'inside\n');
    skewMs += (cli.sb.config.keyValiditySeconds + 1) * 1000;
    const r = await runEic(['ssh', cli.id, '-i', key('id_short'), '--', 'echo never'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /^eic: permission denied for ec2-user \(publickey\)/m);
    assert.match(r.stderr, /accepted for 60 s only: run again with --push/);
  });

  it('refuses --push without -i', async () => {
    const r = await runEic(['ssh', cli.id, '--push', '--', 'true'], cli.env);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /--push pushes the -i key/);
  });
});
