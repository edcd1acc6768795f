// needs: openssl ssh
// `eic ssh-config` with instance names from the sandbox: one Host block per uniquely named
// running instance (HostKeyAlias and ProxyCommand naming its id), shared or unusable Names
// skipped with a warning, stopped ones left out; the ProxyCommand starts this very eic by its
// absolute path; and OpenSSH reads the result as intended.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../src/sandbox/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicBin } from './helpers/paths.js';
import { execEic } from './helpers/exec-eic.js';

let sb: Sandbox;
before(async () => {
  const config = defaultConfig();
  config.instances.push({ id: 'i-0eeee00000000000e', name: 'my box', state: 'running', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.99', osUsers: ['ec2-user'] });
  // A Name tag that would end the comment line and start a Host block of its own.
  config.instances.push({ id: 'i-0dddd00000000000d', name: 'x\nHost *\n  ProxyCommand sh -c "id"', state: 'running', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.98', osUsers: ['ec2-user'] });
  sb = await startSandbox({ config });
});
after(async () => { await sb?.close(); });

const eic = (args: string[]) => execEic(args, { PATH: process.env.PATH ?? '', HOME: sb.dir, ...sb.env });

test('Host blocks for unique running Names an endpoint serves, the rest named in comments, Host i-* last', async () => {
  const r = await eic(['ssh-config', '--region', 'us-east-1']);
  assert.equal(r.code, 0, r.stderr);
  const hosts = [...r.stdout.matchAll(/^Host (.+)$/gm)].map((m) => m[1]);
  assert.deepEqual(hosts, ['no-ingress', 'v6-only', 'web-1', 'i-*']);
  assert.match(r.stdout, /^# skipped "isolated" \(i-0aaaabbbbccccdddd\): no endpoint in its VPC$/m);
  assert.match(r.stdout, /^# skipped "worker" \(i-0123456789abcdef1, i-0123456789abcdef2\): 2 instances share the Name$/m);
  assert.match(r.stdout, /^# skipped "my box" \(i-0eeee00000000000e\): the Name contains whitespace$/m);
  assert.match(r.stdout, /^# skipped "x\\nHost \*\\n  ProxyCommand sh -c "id"" \(i-0dddd00000000000d\): the Name contains control characters$/m);
  assert.doesNotMatch(r.stdout, /^\s*ProxyCommand sh/m);
  assert.match(r.stderr, /warning: no Host entry for Name "worker": 2 running instances share it \(i-0123456789abcdef1, i-0123456789abcdef2\)/);
  assert.match(r.stderr, /warning: no Host entry for Name "my box" \(i-0eeee00000000000e\): it contains whitespace/);
  assert.doesNotMatch(r.stdout, /old-db/);
  assert.match(r.stdout, new RegExp(`^Host web-1\\n    HostKeyAlias i-0123456789abcdef0\\n    User ec2-user\\n    ProxyCommand ${eicBin} proxy --push-key --os-user %r --region us-east-1 i-0123456789abcdef0 %p$`, 'm'));

  const dir = mkdtempSync(join(tmpdir(), 'eic-sshcfg-'));
  try {
    const file = join(dir, 'config');
    writeFileSync(file, r.stdout);
    const g = execFileSync('/usr/bin/ssh', ['-G', '-F', file, 'v6-only'], { encoding: 'utf8' });
    assert.match(g, /^hostkeyalias i-0fedcba9876543210$/m);
    assert.match(g, new RegExp(`^proxycommand ${eicBin} proxy --push-key --os-user %r --region us-east-1 i-0fedcba9876543210 %p$`, 'm'));
    assert.match(g, /^user ec2-user$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a value that would break the file is refused before any AWS call: one line, exit 2', async () => {
  const r = await eic(['ssh-config', '--os-user', 'a b', '--region', 'nowhere-1']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^eic: --os-user "a b" is not a user name ssh can log in as \(use letters[^\n]*\n$/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('AWS failures surface as eic errors (no block printed)', async () => {
  const r = await execEic(['ssh-config'], { PATH: process.env.PATH ?? '', HOME: sb.dir, ...sb.env, AWS_SECRET_ACCESS_KEY: 'wrong' });
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^eic: /m);
});
