// needs: openssl sshd
/**
 * `eic doctor` through the real CLI against the sandbox (real sshd): a healthy instance passes
 * every step (exit 0) and nothing is written to known_hosts; no-ingress fails at the security
 * groups with the command that fixes it and runs no later step; a stopped instance fails at the
 * instance; a missing OS user fails at authentication after a successful push; --json gives
 * the steps as an array of {name, ok, found, fix}; AWS text is printed escaped.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { Report } from '../src/cli/doctor/report.js';
import { runEic, useSandboxCli } from './helpers/tunnel-harness.js';

const SSH_STEPS = ['credentials', 'instance', 'endpoint', 'security-groups', 'key-push', 'tunnel', 'ssh-banner', 'authentication'];

interface Step { name: string; ok: boolean; found: string; fix: string | null }

describe('eic doctor (sandbox)', () => {
  const cli = useSandboxCli();

  it('a healthy instance: every step ✔, exit 0, and known_hosts is left alone', async () => {
    const r = await runEic(['doctor', 'web-1'], cli.env);
    assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
    const lines = r.stdout.toString().trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => l.split(/\s{2,}/)[0]), [...SSH_STEPS.map((s) => `✔ ${s.replace('-', ' ')}`), 'all 8 steps passed']);
    assert.match(lines[1], /^✔ instance {9}i-0123456789abcdef0 \(web-1\): running, private IPv4 10\.0\.1\.10, vpc-0a1b2c3d4e5f60001 subnet-0aaa00000000000a1$/);
    assert.match(lines[2], /eice-0123456789abcdef0: create-complete, ipv4, in the instance's subnet subnet-0aaa00000000000a1$/);
    assert.match(lines[6], /^✔ ssh banner {7}SSH-2\.0-OpenSSH_/);
    assert.match(lines[7], /authenticated as ec2-user with the pushed key; host key SHA256:\S+, not yet in /);
    assert.equal(existsSync(cli.knownHosts), false, 'doctor records no host key');
    assert.equal(r.stderr, '');
  });

  it('no-ingress: ✗ at the security groups, with the command, and no later step', async () => {
    const r = await runEic(['doctor', 'no-ingress'], cli.env);
    assert.equal(r.code, 1, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /^✗ security groups  instance sg-044300000000000a1, endpoint sg-0e1ce0000000000a1: the instance's security group sg-044300000000000a1 \(web-https\) has no inbound rule for tcp 22 from the endpoint's security group sg-0e1ce0000000000a1 \(eice\) or its address 10\.0\.1\.\d+$/m);
    assert.match(out, /^ {19}fix: aws ec2 authorize-security-group-ingress --group-id sg-044300000000000a1 --protocol tcp --port 22 --source-group sg-0e1ce0000000000a1$/m);
    assert.doesNotMatch(out, /key push|tunnel/);
    assert.match(out, /1 of 4 steps failed; the other 4 were not run\n$/);
  });

  it('a stopped instance: ✗ at the instance, with the start command', async () => {
    const r = await runEic(['doctor', 'old-db'], cli.env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout.toString(), /^✗ instance {9}i-0123456789abcdef3 \(old-db\): stopped, .*is stopped, not running\n {19}fix: start it: aws ec2 start-instances --instance-ids i-0123456789abcdef3$/m);
  });

  it('a missing OS user: the push passes, authentication fails and names the usual users', async () => {
    const r = await runEic(['doctor', '--os-user', 'ubuntu', 'web-1'], cli.env);
    assert.equal(r.code, 1, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /^✔ key push {9}SendSSHPublicKey accepted a fresh ed25519 key for ubuntu/m);
    assert.match(out, /^✗ authentication {3}permission denied for ubuntu \(publickey\), although the key push succeeded$/m);
    assert.match(out, /fix: the key was pushed for ubuntu, so OS user ubuntu probably does not exist on i-0123456789abcdef0; the usual ones are ec2-user \(Amazon Linux, RHEL, SUSE\), admin \(Debian\)/);
  });

  it('--json: an array of {name, ok, found, fix}, the same exit status', async () => {
    const good = await runEic(['doctor', '--json', 'ec2-user@web-1'], cli.env);
    assert.equal(good.code, 0, good.stderr);
    const steps = JSON.parse(good.stdout.toString()) as Step[];
    assert.deepEqual(steps.map((s) => s.name), SSH_STEPS);
    for (const s of steps) assert.deepEqual(Object.keys(s), ['name', 'ok', 'found', 'fix']);
    assert.ok(steps.every((s) => s.ok && s.fix === null && s.found.length > 0));

    const bad = await runEic(['doctor', '--json', 'no-ingress'], cli.env);
    assert.equal(bad.code, 1, bad.stderr);
    const badSteps = JSON.parse(bad.stdout.toString()) as Step[];
    assert.deepEqual(badSteps.map((s) => [s.name, s.ok]), [['credentials', true], ['instance', true], ['endpoint', true], ['security-groups', false]]);
    assert.match(badSteps[3].fix ?? '', /^aws ec2 authorize-security-group-ingress --group-id sg-044300000000000a1 /);
  });

  it('--port 3389: the missing outbound and inbound rules, both commands', async () => {
    const r = await runEic(['doctor', '--port', '3389', 'web-1'], cli.env);
    assert.equal(r.code, 1, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /the endpoint's security group sg-0e1ce0000000000a1 \(eice\) has no outbound rule for tcp 3389 to the instance/);
    assert.match(out, /fix: aws ec2 authorize-security-group-egress --group-id sg-0e1ce0000000000a1 --ip-permissions 'IpProtocol=tcp,FromPort=3389,ToPort=3389,UserIdGroupPairs=\[\{GroupId=sg-022000000000000a1\}\]' && aws ec2 authorize-security-group-ingress --group-id sg-022000000000000a1 --protocol tcp --port 3389 --source-group sg-0e1ce0000000000a1$/m);
  });

  it('groups it may not read: ✗ naming the permission, the later steps still run; a 1011 close is ✗ at the tunnel', async () => {
    cli.sb.faults.api.fail('DescribeSecurityGroups', { type: 'UnauthorizedOperation', status: 403, message: 'You are not authorized to perform this operation.' }, Infinity);
    cli.sb.faults.set('*', { kind: 'close-after', bytes: 0, code: 1011, reason: 'Unable to connect to target' }, { once: true });
    try {
      const r = await runEic(['doctor', '--json', 'web-1'], cli.env);
      assert.equal(r.code, 1, r.stderr);
      const steps = JSON.parse(r.stdout.toString()) as Step[];
      assert.deepEqual(steps.map((s) => [s.name, s.ok]), [['credentials', true], ['instance', true], ['endpoint', true], ['security-groups', false], ['key-push', true], ['tunnel', false]]);
      assert.equal(steps[3].found, 'cannot read them: ec2:DescribeSecurityGroups was denied');
      assert.match(steps[5].found, /^the endpoint opened the tunnel, then closed it: .*Unable to connect to target/);
      assert.match(steps[5].fix ?? '', /ec2:DescribeSecurityGroups was denied.*sshd is not running or not listening on port 22/);
    } finally {
      cli.sb.faults.clear();
    }
  });

  it('usage errors exit 2', async () => {
    const r = await runEic(['doctor', 'web-1', '--port', '80'], cli.env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port 80: the endpoint only reaches ports 22 and 3389/);
  });
});

describe('the doctor\'s report', () => {
  it('escapes control characters from AWS in what it found and in the fix', () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (c: Buffer) => { text += c.toString(); });
    const r = new Report({ stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {} }, false, 2);
    r.pass('instance', 'i-1 (evil\x1b[2J\nforged)');
    r.fail('endpoint', 'state \u202eoops', 'fix\x07');
    assert.equal(r.end(1), 1);
    assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\u202e]/);
    assert.match(text, /evil\\x1b\[2J\\nforged/);
    assert.match(text, /fix: fix\\x07/);
  });
});
