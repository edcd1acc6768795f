// needs: openssl sshd ssh-keygen
/**
 * `-i FILE --push`, and the 60 s window of a pushed key: the key works right after the push,
 * and once the window has passed (the sandbox's clock moved on past it) the same key used
 * without --push is refused with a clear message.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicEnv, runEic, tempHome } from './helpers/tunnel-harness.js';

describe('eic ssh -i with --push and the key validity window (sandbox)', () => {
  let sb: Sandbox;
  let home: { home: string; cleanup(): void };
  let env: NodeJS.ProcessEnv;
  let id: string;
  let keyPath: string;
  let shortLivedKey: string;
  let skewMs = 0; // how far the sandbox's clock is ahead of ours

  before(async () => {
    sb = await startSandbox({ requireSshd: true, now: () => Date.now() + skewMs });
    home = tempHome();
    env = eicEnv(sb, home.home, { EIC_KNOWN_HOSTS: join(home.home, 'known_hosts') });
    id = sb.env.EIC_SANDBOX_INSTANCE;
    keyPath = join(home.home, 'id_ed25519');
    shortLivedKey = join(home.home, 'id_short');
    for (const path of [keyPath, shortLivedKey]) {
      const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', path]);
      assert.equal(gen.status, 0, String(gen.stderr));
    }
  });
  after(async () => {
    await sb.close();
    home.cleanup();
  });

  it('uses the -i key right after --push', async () => {
    const r = await runEic(['ssh', id, '-i', keyPath, '--push', '--', 'echo pushed'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'pushed\n');
  });

  it('refuses the key once its window has passed, saying why', async () => {
    const pushed = await runEic(['ssh', id, '-i', shortLivedKey, '--push', '--', 'echo inside'], env);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.stdout.toString(), 'inside\n');
    skewMs += (sb.config.keyValiditySeconds + 1) * 1000;
    const r = await runEic(['ssh', id, '-i', shortLivedKey, '--', 'echo never'], env);
    assert.equal(r.code, 255, r.stderr);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /^eic: permission denied for ec2-user \(publickey\)/m);
    assert.match(r.stderr, /accepted for 60 s only: run again with --push/);
  });

  it('refuses --push without -i', async () => {
    const r = await runEic(['ssh', id, '--push', '--', 'true'], env);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /--push pushes the -i key/);
  });
});
