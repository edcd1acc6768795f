// needs: ssh
// The generated block as the real OpenSSH client reads it (`ssh -G -F file host`): which User,
// ProxyCommand and HostKeyAlias each kind of host gets, and that a Name block wins over i-*.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSshConfigBlock, shellQuote, unusableHostName } from '../src/cli/ssh-config/block.js';

/** `ssh -G` for host with the given config text: option name → value (lower-case names). */
function sshG(config: string, host: string, extra: string[] = []): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'eic-sshg-'));
  try {
    const file = join(dir, 'config');
    writeFileSync(file, config, { mode: 0o600 });
    const out = execFileSync('/usr/bin/ssh', ['-G', '-F', file, ...extra, host], { encoding: 'utf8' });
    const map = new Map<string, string>();
    for (const line of out.split('\n')) {
      const i = line.indexOf(' ');
      if (i > 0 && !map.has(line.slice(0, i))) map.set(line.slice(0, i), line.slice(i + 1));
    }
    return map;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EIC = '/opt/eic tools/bin/eic';
const block = renderSshConfigBlock({
  eicCommand: shellQuote(EIC),
  osUser: 'ec2-user',
  profile: 'dev team',
  region: 'eu-west-1',
  named: [{ name: 'web-1', id: 'i-0123456789abcdef0' }, { name: 'i-am-named', id: 'i-0fedcba9876543210' }],
});

test('an instance id gets User, and a ProxyCommand with --push-key, %r, profile and region', () => {
  const g = sshG(block, 'i-0aaaabbbbccccdddd');
  assert.equal(g.get('user'), 'ec2-user');
  assert.equal(g.get('hostname'), 'i-0aaaabbbbccccdddd');
  assert.equal(g.get('proxycommand'),
    `'${EIC}' proxy --push-key --os-user %r --profile 'dev team' --region eu-west-1 %h %p`);
  // No alias: with a ProxyCommand, ssh files the host key under the id itself.
  assert.equal(g.get('hostkeyalias'), undefined);
});

test('user@ on the command line overrides the default user (and reaches --os-user via %r)', () => {
  assert.equal(sshG(block, 'i-0aaaabbbbccccdddd', ['-l', 'admin']).get('user'), 'admin');
});

test('a Name gets HostKeyAlias and a ProxyCommand naming the instance id, ahead of Host i-*', () => {
  const g = sshG(block, 'web-1');
  assert.equal(g.get('hostkeyalias'), 'i-0123456789abcdef0');
  assert.equal(g.get('user'), 'ec2-user');
  assert.match(g.get('proxycommand') ?? '', / i-0123456789abcdef0 %p$/);
  // A Name that starts with i- still gets its own entry, because Name blocks come first.
  const n = sshG(block, 'i-am-named');
  assert.equal(n.get('hostkeyalias'), 'i-0fedcba9876543210');
  assert.match(n.get('proxycommand') ?? '', / i-0fedcba9876543210 %p$/);
});

test('other hosts are untouched by the block', () => {
  const g = sshG(block, 'github.com');
  assert.equal(g.get('proxycommand'), undefined);
  assert.notEqual(g.get('user'), 'ec2-user');
});

test('the ProxyCommand is valid shell: the quoted words come back intact', () => {
  const g = sshG(block, 'i-0aaaabbbbccccdddd');
  const cmd = (g.get('proxycommand') ?? '').replace('%r', 'ec2-user').replace('%h', 'i-0aaaabbbbccccdddd').replace('%p', '22');
  const words = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${cmd}`], { encoding: 'utf8' }).trimEnd().split('\n');
  assert.deepEqual(words, [EIC, 'proxy', '--push-key', '--os-user', 'ec2-user', '--profile', 'dev team', '--region', 'eu-west-1', 'i-0aaaabbbbccccdddd', '22']);
});

test('Names that cannot be a Host pattern are recognised', () => {
  assert.equal(unusableHostName('web-1'), undefined);
  assert.equal(unusableHostName('db.prod'), undefined);
  for (const bad of ['', 'my server', 'web-*', 'a?b', '!x', 'a,b', 'it\'s', '100%']) assert.ok(unusableHostName(bad), bad);
});

test('connection sharing: ControlPath in the given directory, quoted for a space, % kept literal', () => {
  const dir = '/home/a user/50% off/eic-cm';
  const shared = renderSshConfigBlock({ eicCommand: 'eic', osUser: 'ec2-user', profile: 'p%h', controlDir: dir, named: [{ name: 'web-1', id: 'i-0123456789abcdef0' }] });
  for (const host of ['web-1', 'i-0aaaabbbbccccdddd']) {
    const g = sshG(shared, host);
    assert.equal(g.get('controlmaster'), 'auto');
    assert.equal(g.get('controlpersist'), '600');
    // ssh -G shows the path with its tokens expanded: %% became %, %C the connection's hash.
    assert.match(g.get('controlpath') ?? '', /^\/home\/a user\/50% off\/eic-cm\/[0-9a-f]{40}$/);
    assert.match(g.get('proxycommand') ?? '', / --profile p%%h /);
  }
  assert.doesNotMatch(renderSshConfigBlock({ eicCommand: 'eic', osUser: 'ec2-user' }), /Control/);
});

test('values that would break the file are refused: a user with a space, a line break', () => {
  assert.throws(() => renderSshConfigBlock({ eicCommand: 'eic', osUser: 'a b' }), /--os-user "a b" is not a user name/);
  assert.throws(() => renderSshConfigBlock({ eicCommand: 'eic', osUser: 'ec2-user', region: 'x\nHost *' }), /--region contains a control character/);
  assert.throws(() => renderSshConfigBlock({ eicCommand: 'eic', osUser: 'ec2-user', controlDir: '/tmp/a"b' }), /double quote/);
});
