// needs: openssl sshd ssh ssh-keygen
/**
 * `eic ssh` honours ~/.ssh/config (or -F) and -o as OpenSSH does, through the real CLI against
 * the sandbox's sshd: HostName naming an instance, the command line over -o over the file,
 * the first value obtained winning inside the file, OpenSSH's warning for a key nobody knows,
 * eic's own `eic ssh-config` block (its ProxyCommand) ignored, Include, -C negotiated, -E and -q.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { eicBin } from './helpers/paths.js';
import { EICE_A } from './helpers/sandbox-tunnel.js';
import { runEic, sshClientKit, useSandboxCli } from './helpers/tunnel-harness.js';

describe('eic ssh with ssh_config and -o (sandbox)', () => {
  const cli = useSandboxCli({ pin: true });
  let config: string;
  let other: string;
  let typos: string;
  before(async () => {
    const dir = join(cli.home.home, '.ssh');
    mkdirSync(dir, { mode: 0o700 });
    // eic's own block for plain ssh comes first, as `eic ssh-config --install` puts it.
    const block = await runEic(['ssh-config', '--eic-command', `${process.execPath} ${eicBin}`], cli.env);
    assert.equal(block.code, 0, block.stderr);
    config = join(dir, 'config');
    writeFileSync(config, [
      block.stdout.toString(),
      'Host box',
      `    HostName ${cli.id}`,
      '    SetEnv LC_EIC_FIRST=box',
      '',
      'Host *',
      '    User nosuchuser',
      '    SetEnv LC_EIC_FIRST=star LC_EIC_STAR=star',
      '',
    ].join('\n'));
    other = join(cli.home.home, 'other-config');
    writeFileSync(other, `Host elsewhere\n    HostName ${cli.id}\n    User ec2-user\n    SetEnv LC_EIC_FIRST=other\n`);
    typos = join(cli.home.home, 'typo-config');
    writeFileSync(typos, `# a key of OpenSSH's that eic has no use for, and a typo\nHost typo\n    HostName ${cli.id}\n    ForwardX11 no\n    Frobnicate yes\n`);
  });

  const show = 'echo "$(whoami) $LC_EIC_FIRST $LC_EIC_STAR"';

  it('takes HostName (an id or a private address), User and SetEnv from the file, the first value obtained winning', async () => {
    // User comes from `Host *` only: nosuchuser, refused; -l over it shows the rest.
    const r = await runEic(['ssh', '-l', 'ec2-user', 'box', show], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user box star\n');
    const ip = cli.sb.config.instances.find((i) => i.id === cli.id)!.privateIpAddress!;
    const byIp = join(cli.home.home, 'by-ip-config');
    writeFileSync(byIp, `Host db-box\n    HostName ${ip}\n    User ec2-user\n`);
    const viaIp = await runEic(['ssh', '-F', byIp, 'db-box', 'echo', 'by-address'], cli.env);
    assert.equal(viaIp.stdout.toString(), 'by-address\n', viaIp.stderr);
    const fromFile = await runEic(['ssh', 'box', 'true'], cli.env);
    assert.notEqual(fromFile.code, 0);
    assert.match(fromFile.stderr, /nosuchuser/);
  });

  it('-o wins over the file, and the command line over -o', async () => {
    const r = await runEic(['ssh', '-o', 'User=ec2-user', '-o', 'SetEnv LC_EIC_FIRST=dash-o', 'box', show], cli.env);
    assert.equal(r.stdout.toString(), 'ec2-user dash-o star\n', r.stderr);
    const cliWins = await runEic(['ssh', '-l', 'ec2-user', '-o', 'User=nosuchuser', 'box', 'whoami'], cli.env);
    assert.equal(cliWins.stdout.toString(), 'ec2-user\n', cliWins.stderr);
  });

  it('-F reads another file, -F none no file', async () => {
    const r = await runEic(['ssh', '-F', other, 'elsewhere', show], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user other \n');
    const none = await runEic(['ssh', '-F', 'none', 'box', 'true'], cli.env);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /box/, 'box is nobody without the file');
  });

  it('warns about a key nobody knows as OpenSSH does, and goes on', async () => {
    const r = await runEic(['ssh', '-F', typos, '-l', 'ec2-user', 'typo', 'echo', 'went-on'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'went-on\n');
    assert.equal(r.stderr, `warning: ${typos} line 5: Bad configuration option: Frobnicate (ignored)\n`);
    const o = await runEic(['ssh', '-o', 'Bogus=1', '-l', 'ec2-user', cli.id, 'true'], cli.env);
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stderr, /^warning: command-line option -o: Bad configuration option: Bogus \(ignored\)$/m);
  });

  it('ignores the ProxyCommand of eic\'s own block: eic ssh is the tunnel already', async () => {
    // The block has `Host i-*` with User ec2-user and ProxyCommand eic proxy …; it matches first.
    const r = await runEic(['ssh', '-v', cli.id, 'whoami'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user\n');
    assert.match(r.stderr, /^debug: ProxyCommand ignored: eic ssh is the tunnel itself$/m);
    assert.doesNotMatch(r.stderr, /^warning:/m);
  });

  it('-C and Compression=yes negotiate zlib; without them, none', async () => {
    for (const flags of [['-C'], ['-o', 'Compression=yes']]) {
      const r = await runEic(['ssh', '-v', ...flags, cli.id, 'echo', 'squeezed'], cli.env);
      assert.equal(r.stdout.toString(), 'squeezed\n', r.stderr);
      assert.match(r.stderr, /handshake done .*compression zlib(@openssh\.com)?\)/);
    }
    const plain = await runEic(['ssh', '-v', cli.id, 'true'], cli.env);
    assert.match(plain.stderr, /handshake done .*compression none\)/);
  });

  it('RequestTTY, SendEnv, Ciphers, MACs and a LocalForward from the file take effect', async () => {
    const more = join(cli.home.home, 'more-config');
    writeFileSync(more, `Host more\n    HostName ${cli.id}\n    User ec2-user\n    RequestTTY force\n    SendEnv LC_EIC_*\n`
      + '    Ciphers aes256-ctr\n    MACs hmac-sha2-512\n');
    const r = await runEic(['ssh', '-v', '-F', more, 'more', 'tty; echo "sent=$LC_EIC_SENT"'], { ...cli.env, LC_EIC_SENT: 'from-here' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /^\/dev\/pts\/\d+\r\nsent=from-here\r\n$/);
    assert.match(r.stderr, /handshake done .*, aes256-ctr hmac-sha2-512, compression none\)/);
    writeFileSync(more, `Host more\n    HostName ${cli.id}\n    LocalForward 99999 db:5432\n`);
    const bad = await runEic(['ssh', '-F', more, 'more', 'true'], cli.env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /bad -L "99999:db:5432"/);
  });

  it('UserKnownHostsFile and StrictHostKeyChecking from -o: a key not in that file is refused', async () => {
    const empty = join(cli.home.home, 'empty_known_hosts');
    writeFileSync(empty, '');
    const r = await runEic(['ssh', '-o', `UserKnownHostsFile=${empty}`, '-o', 'StrictHostKeyChecking=yes', cli.id, 'echo', 'never'], cli.env);
    assert.equal(r.code, 255);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /host key/i);
  });

  it('follows Include (relative to ~/.ssh, wildcards), with warnings naming the included file', async () => {
    const dir = join(cli.home.home, '.ssh', 'config.d');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '10-inc.conf'), `Host inc\n    HostName ${cli.id}\n    User ec2-user\n    Bogus2 x\n`);
    writeFileSync(join(dir, 'ignored.txt'), 'Host inc\n    User nosuchuser\n');
    const top = join(cli.home.home, 'include-config');
    writeFileSync(top, '# the rest lives in config.d\nInclude config.d/*.conf\n');
    const r = await runEic(['ssh', '-F', top, 'inc', 'whoami'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user\n');
    assert.equal(r.stderr, `warning: ${join(dir, '10-inc.conf')} line 4: Bad configuration option: Bogus2 (ignored)\n`);
  });

  it('-G prints the settings as weighed, without any AWS call', async () => {
    const noAws = { ...cli.env, AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: 'http://127.0.0.1:1' };
    const r = await runEic(['ssh', '-G', '-o', 'SetEnv LC_EIC_FIRST=dash-o', '-C', '-L', '5432:db:5432', 'box'], noAws);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.toString();
    for (const line of [`hostname ${cli.id}`, 'user nosuchuser', 'port 22', 'compression yes', 'localforward [127.0.0.1]:5432 [db]:5432',
      'setenv LC_EIC_FIRST=dash-o', 'setenv LC_EIC_STAR=star', `userknownhostsfile ${cli.knownHosts}`]) {
      assert.ok(out.split('\n').includes(line), `"${line}" in:\n${out}`);
    }
  });

  it('Match blocks apply (originalhost, user)', async () => {
    const matching = join(cli.home.home, 'match-config');
    writeFileSync(matching, `Match originalhost matchy\n    HostName ${cli.id}\n\nMatch user ec2-user\n    SetEnv LC_EIC_FIRST=matched\n`);
    const r = await runEic(['ssh', '-F', matching, 'ec2-user@matchy', show], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user matched \n');
  });

  it('ConnectTimeout bounds the tunnel\'s opening', async () => {
    cli.sb.faults.set(EICE_A, { kind: 'delay-handshake', ms: 5_000 }, { once: true });
    const r = await runEic(['ssh', '-o', 'ConnectTimeout=1', cli.id, 'echo', 'never'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /timed out after 1 s opening the tunnel/);
  });

  it('IdentityFile: the key is offered (and pushed); a missing one is passed over, an encrypted one without a terminal gives way to a fresh key', async () => {
    const kit = sshClientKit(cli.sb);
    try {
      const keyed = join(cli.home.home, 'keyed-config');
      writeFileSync(keyed, `Host keyed\n    HostName ${cli.id}\n    User ec2-user\n    IdentityFile ${join(kit.dir, 'missing')}\n`
        + `    IdentityFile ${kit.keyPath}\n    IdentitiesOnly yes\n`);
      const r = await runEic(['ssh', '-v', '-F', keyed, 'keyed', 'echo', 'own-key'], cli.env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'own-key\n');
      assert.match(r.stderr, new RegExp(`^warning: ${keyed}: no such identity: ${join(kit.dir, 'missing')}$`, 'm'));
      assert.match(r.stderr, new RegExp(`offering ${kit.keyPath} `));
      // An encrypted IdentityFile with no terminal to ask: the fresh key logs in, with a warning.
      const locked = join(kit.dir, 'locked');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret words', '-C', '', '-f', locked]);
      writeFileSync(keyed, `Host keyed\n    HostName ${cli.id}\n    User ec2-user\n    IdentityFile ${locked}\n`);
      const fresh = await runEic(['ssh', '-F', keyed, 'keyed', 'echo', 'fresh-key'], cli.env);
      assert.equal(fresh.code, 0, fresh.stderr);
      assert.equal(fresh.stdout.toString(), 'fresh-key\n');
      assert.match(fresh.stderr, /^warning: identity file .*locked is encrypted .*: using a fresh key instead$/m);
    } finally {
      kit.cleanup();
    }
  });

  it('-E appends the diagnostics to a file; -q and LogLevel QUIET drop the warnings', async () => {
    const log = join(cli.home.home, 'eic.log');
    writeFileSync(log, 'earlier line\n');
    const r = await runEic(['ssh', '-E', log, '-o', 'LogLevel=DEBUG', '-F', typos, '-l', 'ec2-user', 'typo', 'echo', 'logged'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'logged\n');
    assert.equal(r.stderr, '');
    const text = readFileSync(log, 'utf8');
    assert.match(text, /^earlier line\n/);
    assert.match(text, /Bad configuration option: Frobnicate/);
    assert.match(text, /^debug: ssh: handshake done/m);
    for (const quiet of [['-q'], ['-o', 'LogLevel=QUIET']]) {
      const q = await runEic(['ssh', ...quiet, '-F', typos, '-l', 'ec2-user', 'typo', 'true'], cli.env);
      assert.equal(q.code, 0, q.stderr);
      assert.equal(q.stderr, '');
    }
  });
});
