// needs: openssl sshd
/**
 * `eic ssh` reads the system-wide ssh_config after ~/.ssh/config, as OpenSSH does, and with -F
 * only the file named: through the real CLI against the sandbox's sshd. The system file is one
 * of the test's own ($EIC_SSH_SYSTEM_CONFIG), never the machine's /etc/ssh/ssh_config. Also -E:
 * with it, main.ts's final error line goes to the log file, not stderr.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runEic, useSandboxCli } from './helpers/tunnel-harness.js';

describe('eic ssh with the system-wide ssh_config (sandbox)', () => {
  const cli = useSandboxCli({ pin: true });
  let env: NodeJS.ProcessEnv;
  let userConfig: string;
  before(() => {
    const etc = join(cli.home.home, 'etc-ssh');
    mkdirSync(join(etc, 'ssh_config.d'), { recursive: true });
    const system = join(etc, 'ssh_config');
    // As Debian writes it: an Include relative to the system file's directory, then Host *.
    writeFileSync(system, [
      'Include ssh_config.d/*.conf',
      'Host sysbox',
      `    HostName ${cli.id}`,
      '    User nosuchuser',
      'Host *',
      '    SetEnv LC_EIC_SYS=system',
      '',
    ].join('\n'));
    writeFileSync(join(etc, 'ssh_config.d', '10-eic.conf'), 'Host sysbox\n    SetEnv LC_EIC_INC=included\n');
    mkdirSync(join(cli.home.home, '.ssh'), { mode: 0o700 });
    userConfig = join(cli.home.home, '.ssh', 'config');
    env = { ...cli.env, EIC_SSH_SYSTEM_CONFIG: system };
  });

  const show = 'echo "$(whoami) $LC_EIC_SYS $LC_EIC_INC"';

  it('applies a value found only in the system file (its Include too)', async () => {
    writeFileSync(userConfig, '');
    // HostName is in the system file only: without it "sysbox" names no instance.
    const r = await runEic(['ssh', '-l', 'ec2-user', 'sysbox', show], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user system included\n');
  });

  it('lets the user\'s file win over the system file', async () => {
    writeFileSync(userConfig, 'Host sysbox\n    User ec2-user\n    SetEnv LC_EIC_SYS=user\n');
    const r = await runEic(['ssh', 'sysbox', show], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user user included\n');
    // Without the user's file, the system file's User is the one: nosuchuser, refused.
    writeFileSync(userConfig, '');
    const sysUser = await runEic(['ssh', 'sysbox', 'true'], env);
    assert.equal(sysUser.code, 255);
    assert.match(sysUser.stderr, /nosuchuser/);
  });

  it('reads neither with -F', async () => {
    writeFileSync(userConfig, 'Host sysbox\n    SetEnv LC_EIC_SYS=user\n');
    const other = join(cli.home.home, 'other-config');
    writeFileSync(other, `Host sysbox\n    HostName ${cli.id}\n    User ec2-user\n`);
    const r = await runEic(['ssh', '-F', other, 'sysbox', show], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user  \n');
    const g = await runEic(['ssh', '-G', '-F', 'none', 'sysbox'], env);
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout.toString(), /^hostname sysbox$/m, 'no HostName from the system file');
  });

  it('-E puts the final error line in the log file, not on stderr', async () => {
    const log = join(cli.home.home, 'eic-error.log');
    writeFileSync(log, '');
    // A failure after the AWS calls (no such instance) and one while settling the options.
    const missing = await runEic(['ssh', '-E', log, '-F', 'none', 'i-00000000000000000', 'true'], env);
    assert.equal(missing.code, 255);
    assert.equal(missing.stderr, '');
    const bad = await runEic(['ssh', '-E', log, '-F', 'none', '-o', 'Port=2222', cli.id, 'true'], env);
    assert.equal(bad.code, 255);
    assert.equal(bad.stderr, '');
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], /^eic: .*i-00000000000000000/);
    assert.match(lines[1], /^eic: -o: Port 2222: the endpoint only reaches ports 22 and 3389/);
  });
});
