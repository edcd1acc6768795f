// needs: ssh
// `eic ssh-config --install` run as a real process (with --no-names: no AWS involved): a
// missing ~/.ssh is created 0700 with a 0600 config; the user's entries survive; the block goes
// above a catch-all Host *; a second install changes nothing; a changed block replaces only
// itself; the backup holds the previous content; a symlinked config keeps its link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eicBin } from './helpers/paths.js';
import { mergeSshConfig } from '../src/cli/ssh-config/install.js';

function eic(home: string, args: string[]) {
  const r = spawnSync(process.execPath, [eicBin, 'ssh-config', '--no-names', ...args], {
    encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home }, cwd: home,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withHome(fn: (home: string) => void) {
  const home = mkdtempSync(join(tmpdir(), 'eic-home-'));
  try { fn(home); } finally { rmSync(home, { recursive: true, force: true }); }
}

const count = (text: string, s: string) => text.split(s).length - 1;

test('a missing ~/.ssh and config are created with modes 0700 and 0600', () => withHome((home) => {
  const r = eic(home, ['--install']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const file = join(home, '.ssh', 'config');
  assert.equal(statSync(join(home, '.ssh')).mode & 0o777, 0o700);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^# BEGIN eic[^\n]*\nHost i-\*\n/);
  assert.match(text, /# END eic\n$/);
  assert.match(r.stderr, /added to .*\.ssh\/config/);
  assert.equal(existsSync(file + '.eic-backup'), false);
}));

const USER_CONFIG = `# my settings
ServerAliveInterval 30

Host bastion
    HostName 192.0.2.10
    User me

# defaults for everything
Host *
    User ubuntu
    IdentitiesOnly yes
`;

test('user entries survive, the block goes above Host *, and a backup is kept', () => withHome((home) => {
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  const file = join(home, '.ssh', 'config');
  writeFileSync(file, USER_CONFIG, { mode: 0o644 });
  const r = eic(home, ['--install']);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(file, 'utf8');
  assert.equal(readFileSync(file + '.eic-backup', 'utf8'), USER_CONFIG);
  assert.equal(statSync(file).mode & 0o777, 0o644, 'the file keeps its mode');
  // Removing our block gives back exactly the user's file.
  assert.equal(text.replace(/# BEGIN eic[\s\S]*?# END eic\n\n/, ''), USER_CONFIG);
  assert.ok(text.indexOf('# BEGIN eic') > text.indexOf('Host bastion'));
  assert.ok(text.indexOf('# END eic') < text.indexOf('# defaults for everything'));
  assert.match(r.stderr, /above its catch-all/);
  // ssh now gives instances our user, not the catch-all's.
  const g = spawnSync('/usr/bin/ssh', ['-G', '-F', file, 'i-0123456789abcdef0'], { encoding: 'utf8' }).stdout;
  assert.match(g, /^user ec2-user$/m);
  assert.match(g, /^proxycommand .* proxy --push-key --os-user %r %h %p$/m);
}));

test('installing twice changes nothing; new options replace only the block, in place', () => withHome((home) => {
  const file = join(home, 'cfg');
  writeFileSync(file, 'Host a\n    User x\n', { mode: 0o600 });
  assert.equal(eic(home, ['--install', file]).code, 0);
  const first = readFileSync(file, 'utf8');
  const again = eic(home, ['--install', file]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /nothing changed/);
  assert.equal(readFileSync(file, 'utf8'), first);

  // The user adds an entry after our block; a new install must keep it where it is.
  writeFileSync(file, first + '\nHost b\n    User y\n');
  const before = readFileSync(file, 'utf8');
  const r = eic(home, ['--install', file, '--os-user', 'admin', '--region', 'eu-west-1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /updated in/);
  const after = readFileSync(file, 'utf8');
  assert.equal(count(after, '# BEGIN eic'), 1);
  assert.equal(count(after, '# END eic'), 1);
  assert.match(after, /^Host a\n    User x\n\n# BEGIN eic/);
  assert.match(after, /# END eic\n\nHost b\n    User y\n$/);
  assert.match(after, /User admin\n    ProxyCommand .* --region eu-west-1 %h %p/);
  assert.equal(readFileSync(file + '.eic-backup', 'utf8'), before);
}));

test('a BEGIN marker without END is an error and leaves the file alone', () => withHome((home) => {
  const file = join(home, 'cfg');
  const broken = 'Host a\n# BEGIN eic\nHost i-*\n    User q\n';
  writeFileSync(file, broken);
  const r = eic(home, ['--install', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no "# END eic"/);
  assert.equal(readFileSync(file, 'utf8'), broken);
  assert.throws(() => mergeSshConfig(broken, '# BEGIN eic\n# END eic\n'));
}));

test('a symlinked config is updated through the link', () => withHome((home) => {
  const real = join(home, 'dotfiles-ssh-config');
  writeFileSync(real, 'Host a\n', { mode: 0o600 });
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  const link = join(home, '.ssh', 'config');
  symlinkSync(real, link);
  const r = eic(home, ['--install']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.match(readFileSync(real, 'utf8'), /^Host a\n\n# BEGIN eic/);
}));

test('Match all counts as a catch-all; Host patterns merely containing * do not', () => {
  const block = '# BEGIN eic\n# END eic\n';
  assert.equal(mergeSshConfig('Host x\nMatch all\n  User u\n', block).text, 'Host x\n# BEGIN eic\n# END eic\n\nMatch all\n  User u\n');
  assert.equal(mergeSshConfig('Host *.corp\n  User u\n', block).placement, 'appended');
  assert.equal(mergeSshConfig('Host web *\n  User u\n', block).placement, 'before-catch-all');
  assert.equal(mergeSshConfig('', block).text, block);
});
