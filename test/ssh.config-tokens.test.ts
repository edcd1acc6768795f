// needs: openssl sshd ssh ssh-keygen
/**
 * ssh_config's % tokens in the keys eic ssh honours, as OpenSSH expands them: UserKnownHostsFile
 * checked against the real `ssh -G` for the same file, IdentityFile through a real login against
 * the sandbox, HostName's own short set, and a token a key does not take refused with
 * OpenSSH's words before any AWS call.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeTree } from '../src/remove-tree.js';
import { execEic } from './helpers/exec-eic.js';
import { runEic, sshClientKit, useSandboxCli } from './helpers/tunnel-harness.js';

describe('% tokens without the network (eic ssh -G)', () => {
  const home = mkdtempSync(join(tmpdir(), 'eic-tokens-'));
  after(() => removeTree(home));
  // No region, no credentials: an AWS call would fail with another message than the ones awaited.
  const env = { PATH: process.env.PATH ?? '', HOME: home, EIC_TOKEN_VAR: 'from-env' };
  let files = 0;
  const config = (text: string) => {
    const file = join(home, `config-${++files}`);
    writeFileSync(file, text);
    return file;
  };
  const line = (out: string, key: string) => out.split('\n').find((l) => l.startsWith(`${key} `));

  it('expands UserKnownHostsFile\'s tokens as ssh -G does', async () => {
    const file = config([
      'Host tok',
      '    HostName h-%h',
      '    User alice',
      '    UserKnownHostsFile /kh/%%-%C-%h-%n-%p-%r-%u-%i-%L-%l-%k-${EIC_TOKEN_VAR}',
      'Host aliased',
      '    HostKeyAlias alias-x',
      '    User bob',
      '    UserKnownHostsFile /kh/%k-%C',
      '',
    ].join('\n'));
    for (const host of ['tok', 'aliased']) {
      const ours = await execEic(['ssh', '-G', '-F', file, host], env);
      assert.equal(ours.code, 0, ours.stderr);
      const theirs = execFileSync('ssh', ['-G', '-F', file, host], { env, encoding: 'utf8' });
      assert.equal(line(ours.stdout, 'userknownhostsfile'), line(theirs, 'userknownhostsfile'));
    }
  });

  it('takes ~ and %d as $HOME in a path, and HostName\'s %h and %%', async () => {
    const file = config('Host tok\n    HostName 100%%-%h\n    UserKnownHostsFile ~/a-%d\n');
    const r = await execEic(['ssh', '-G', '-F', file, 'tok'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(line(r.stdout, 'userknownhostsfile'), `userknownhostsfile ${home}/a-${home}`);
    assert.equal(line(r.stdout, 'hostname'), 'hostname 100%-tok');
  });

  it('refuses a token the key does not take, as OpenSSH does, before any AWS call', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['-F', config('Host tok\n    IdentityFile ~/k-%z\n')], /^eic: .*: IdentityFile ~\/k-%z: unknown key %z \(the tokens IdentityFile takes: %% %C %d %h %i %k %L %l %n %p %r %u and \$\{VAR\}; %% is a literal %\)$/m],
      [['-F', 'none', '-i', '/keys/%Z'], /^eic: command line: IdentityFile \/keys\/%Z: unknown key %Z /],
      [['-F', config('Host tok\n    HostName x%p\n')], /: HostName x%p: unknown key %p \(the tokens HostName takes: %% %h; /],
      [['-F', 'none', '-o', 'UserKnownHostsFile=/kh/${EIC_NO_SUCH_VAR}'], /^eic: -o: UserKnownHostsFile \/kh\/\$\{EIC_NO_SUCH_VAR\}: env var \$\{EIC_NO_SUCH_VAR\} has no value /],
      [['-F', 'none', '-o', 'UserKnownHostsFile=/kh/${EIC_TOKEN_VAR'], /missing closing '\}'/],
      [['-F', 'none', '-o', 'UserKnownHostsFile=/kh/100%'], /: UserKnownHostsFile \/kh\/100%: invalid format/],
    ];
    for (const [args, message] of cases) {
      const r = await execEic(['ssh', ...args, 'tok', 'true'], env);
      assert.equal(r.code, 255, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    }
  });
});

describe('% tokens in IdentityFile (sandbox)', () => {
  const cli = useSandboxCli({ pin: true });

  it('finds the key whose name the tokens make, and logs in with it', async () => {
    const kit = sshClientKit(cli.sb);
    try {
      const keys = join(cli.home.home, 'keys');
      mkdirSync(keys);
      // %n is the name typed, %r the user, %h the instance HostName names.
      copyFileSync(kit.keyPath, join(keys, `box-ec2-user-${cli.id}`));
      const file = join(cli.home.home, 'token-config');
      writeFileSync(file, `Host box\n    HostName ${cli.id}\n    User ec2-user\n    IdentityFile ~/keys/%n-%r-%h\n    IdentitiesOnly yes\n`);
      const r = await runEic(['ssh', '-v', '-F', file, 'box', 'echo', 'own-key'], cli.env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'own-key\n');
      assert.match(r.stderr, new RegExp(`offering ${join(keys, `box-ec2-user-${cli.id}`)} `));
      assert.doesNotMatch(r.stderr, /no such identity/);
    } finally {
      kit.cleanup();
    }
  });
});
