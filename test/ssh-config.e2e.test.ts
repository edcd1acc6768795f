// needs: openssl sshd ssh ssh-keygen scp rsync
// The block `eic ssh-config` prints, used as is by the real OpenSSH tools: with only the
// user's own key pair and IAM (the sandbox's credentials), `ssh`, `scp` and `rsync -e ssh`
// reach an instance by id and by Name, because its ProxyCommand (`eic proxy --push-key`)
// pushes the public key while the tunnel opens. No key is pushed by the test itself.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eicBin } from './helpers/paths.js';
import { eicEnv, finished, runEic, useKeyedSandbox, type Finished } from './helpers/tunnel-harness.js';

// Root-level before hooks of a file run at once in Node 20: in a suite, they run in order.
describe('eic ssh-config with the OpenSSH tools (sandbox)', () => {
  // The sandbox's HOME has ~/.ssh/id_ed25519.pub, the public half of the kit's key: what
  // `eic proxy --push-key` pushes.
  const k = useKeyedSandbox();
  let config: string;
  let name: string;

  before(async () => {
    name = k.sb.config.instances.find((i) => i.id === k.id)!.name!;

    // Each ssh here stands alone (sharing has a test of its own): no master outlives the test.
    const r = await runEic(['ssh-config', '--no-control-master', '--eic-command', `${process.execPath} ${eicBin}`], eicEnv(k.sb, k.home.home));
    assert.equal(r.code, 0, r.stderr);
    // The generated block first (first match wins in ssh_config), then what a user's own
    // config would add: their key, and a known-hosts file that pins the instances by id.
    config = join(k.home.home, '.ssh', 'config');
    writeFileSync(config, `${r.stdout.toString()}\nHost *\n    IdentityFile ${k.kit.keyPath}\n    IdentitiesOnly yes\n`
      + `    UserKnownHostsFile ${k.kit.knownHosts}\n    StrictHostKeyChecking yes\n    BatchMode yes\n    LogLevel ERROR\n`, { mode: 0o600 });
  });

  function run(cmd: string, args: string[], input?: Buffer): Promise<Finished> {
    const child = spawn(cmd, args, { env: eicEnv(k.sb, k.home.home), stdio: ['pipe', 'pipe', 'pipe'] });
    const done = finished(child);
    child.stdin!.end(input);
    return done;
  }

  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  test('ssh -F <generated> reaches the instance by id and by Name with nothing pushed beforehand', async () => {
    assert.deepEqual(k.sb.keys.active(k.id, 'ec2-user'), [], 'no key pushed before ssh runs');
    const byId = await run('ssh', ['-F', config, k.id, 'echo by id as $(id -un)']);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(byId.stdout.toString(), 'by id as ec2-user\n');
    assert.deepEqual(k.sb.keys.active(k.id, 'ec2-user'), [k.kit.publicKey], 'eic proxy pushed the user\'s own key');

    const byName = await run('ssh', ['-F', config, name, 'echo by name']);
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(byName.stdout.toString(), 'by name\n');
  });

  test('scp through the generated config copies a file up and back intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eic-scp-'));
    try {
      const data = randomBytes(3 * 1024 * 1024 + 17);
      writeFileSync(join(dir, 'up.bin'), data);
      const remote = `eic-scp-${process.pid}.bin`;
      const up = await run('scp', ['-F', config, join(dir, 'up.bin'), `${k.id}:${remote}`]);
      assert.equal(up.code, 0, up.stderr);
      const down = await run('scp', ['-F', config, `${name}:${remote}`, join(dir, 'down.bin')]);
      assert.equal(down.code, 0, down.stderr);
      assert.equal(sha(readFileSync(join(dir, 'down.bin'))), sha(data));
      await run('ssh', ['-F', config, k.id, `rm -f ${remote}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rsync -e "ssh -F <generated>" mirrors a directory to the instance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eic-rsync-'));
    try {
      mkdirSync(join(dir, 'src', 'nested'), { recursive: true });
      const a = randomBytes(200_000);
      const b = randomBytes(1234);
      writeFileSync(join(dir, 'src', 'a.bin'), a);
      writeFileSync(join(dir, 'src', 'nested', 'b.bin'), b);
      const remote = `eic-rsync-${process.pid}`;
      const r = await run('rsync', ['-a', '-e', `ssh -F ${config}`, `${join(dir, 'src')}/`, `${k.id}:${remote}/`]);
      assert.equal(r.code, 0, r.stderr);
      const check = await run('ssh', ['-F', config, k.id, `cd ${remote} && sha256sum a.bin nested/b.bin && cd && rm -rf ${remote}`]);
      assert.equal(check.code, 0, check.stderr);
      assert.equal(check.stdout.toString(), `${sha(a)}  a.bin\n${sha(b)}  nested/b.bin\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
