// needs: openssl sshd
// tier: slow (over 20 s: left out of npm run test:fast)
/**
 * SendSSHPublicKey throttled or unavailable (sandbox API faults), through eic's real SDK client
 * and its standard retries: a couple of throttled calls are retried and the key is pushed; a
 * push that stays throttled ends in one EicError that says so, how many attempts were made and
 * what to do; `eic ssh` as a real process shows that one line and exits 1, or runs the
 * command when the throttling passes; AWS_MAX_ATTEMPTS gives more attempts, as the hint says.
 * EC2's own throttling of discovery (RequestLimitExceeded) is reported the same way.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createAwsContext, type AwsContext } from '../src/aws/clients.js';
import { pushPublicKey } from '../src/aws/push-key.js';
import { isEicError, type EicError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { EC2_THROTTLED, THROTTLED } from '../src/sandbox/faults.js';
import { generateSessionKey } from '../src/ssh/keys.js';
import { runEic, useSandboxCli } from './helpers/tunnel-harness.js';

const OP = 'SendSSHPublicKey';

describe('SendSSHPublicKey throttling and outages (sandbox)', () => {
  const cli = useSandboxCli({ pin: true });
  let aws: AwsContext;

  before(async () => {
    aws = await createAwsContext({ env: { ...cli.sb.env, AWS_EC2_METADATA_DISABLED: 'true' }, logger: silentLogger });
  });
  after(async () => {
    aws.close();
  });
  afterEach(() => cli.sb.faults.clear());

  const push = (publicKey: string) => pushPublicKey(aws.instanceConnect, { instanceId: cli.id, osUser: 'ec2-user', publicKey });

  it('retries a throttled push (429, and 400 as some AWS fronts answer) and the key is accepted', async () => {
    for (const status of [429, 400]) {
      cli.sb.faults.api.fail(OP, { ...THROTTLED, status }, 2);
      const key = generateSessionKey();
      await push(key.publicLine);
      assert.equal(cli.sb.faults.api.hits(OP), 2, `both throttled answers were met (status ${status})`);
      assert.ok(cli.sb.keys.active(cli.id, 'ec2-user').includes(key.publicLine), `the third attempt pushed the key (status ${status})`);
    }
  });

  it('a push that stays throttled fails with one message saying what happened and what to do', async () => {
    cli.sb.faults.api.fail(OP, THROTTLED, Infinity);
    const key = generateSessionKey();
    await assert.rejects(push(key.publicLine), (err: EicError) => {
      assert.ok(isEicError(err), String(err));
      assert.equal(err.code, 'push-key-throttled');
      assert.equal(err.exitCode, 1);
      assert.match(err.message, new RegExp(`^SendSSHPublicKey for ec2-user@${cli.id} was throttled by AWS after 3 attempts: Rate exceeded \\(request id [\\w-]+\\)$`));
      assert.match(err.hint ?? '', /wait a few seconds and try again/);
      assert.match(err.hint ?? '', /AWS_MAX_ATTEMPTS/);
      return true;
    });
    assert.equal(cli.sb.faults.api.hits(OP), 3);
    assert.ok(!cli.sb.keys.active(cli.id, 'ec2-user').includes(key.publicLine));
  });

  it('an instance that stays unavailable (503) is retried too, then reported', async () => {
    cli.sb.faults.api.fail(OP, { type: 'EC2InstanceUnavailableException', status: 503, message: 'injected outage' }, Infinity);
    await assert.rejects(push(generateSessionKey().publicLine), (err: EicError) => {
      assert.equal(err.code, 'push-key-instance-unavailable');
      assert.match(err.message, /is unavailable right now after 3 attempts: injected outage/);
      return true;
    });
    assert.equal(cli.sb.faults.api.hits(OP), 3);
  });

  it('eic ssh: throttling that passes is invisible; throttling that stays is one line on stderr and exit 255', async () => {
    cli.sb.faults.api.fail(OP, THROTTLED, 2);
    const ok = await runEic(['ssh', cli.id, '--', 'echo pushed-$((40+2))'], cli.env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.toString(), 'pushed-42\n');
    assert.equal(ok.stderr, '');
    assert.equal(cli.sb.faults.api.hits(OP), 2);

    cli.sb.faults.api.fail(OP, THROTTLED, Infinity);
    const r = await runEic(['ssh', cli.id, '--', 'echo never'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.equal(r.stdout.length, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^eic: SendSSHPublicKey for ec2-user@i-\w+ was throttled by AWS after 3 attempts: Rate exceeded \(request id [\w-]+\) \(keys are being pushed too fast.*wait a few seconds and try again.*AWS_MAX_ATTEMPTS/);
    assert.equal(cli.sb.faults.api.hits(OP), 3);
  });

  it('eic ssh with AWS_MAX_ATTEMPTS=4 rides out 3 throttled answers', async () => {
    cli.sb.faults.api.fail(OP, THROTTLED, 3);
    const r = await runEic(['ssh', cli.id, '--', 'echo patient'], { ...cli.env, AWS_MAX_ATTEMPTS: '4' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'patient\n');
    assert.equal(cli.sb.faults.api.hits(OP), 3);
  });

  it('eic ssh: EC2 discovery that stays throttled (RequestLimitExceeded) says so in one line', async () => {
    cli.sb.faults.api.fail('DescribeInstances', EC2_THROTTLED, Infinity);
    const r = await runEic(['ssh', cli.id, '--', 'echo never'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^eic: DescribeInstances was throttled by AWS after 3 attempts: Request limit exceeded\. \(request id [\w-]+\) \(too many AWS calls.*wait a few seconds and try again/);
    assert.equal(cli.sb.faults.api.hits('DescribeInstances'), 3);
  });
});
