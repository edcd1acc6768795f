// needs: openssl sshd
/**
 * SendSSHPublicKey through the real SDK against the sandbox's Instance Connect API: a key is
 * accepted for the instance and user, and each refusal becomes an EicError that names the
 * exception's meaning and what to do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAwsContext, type AwsContext } from '../src/aws/clients.js';
import { pushPublicKey } from '../src/aws/push-key.js';
import { isEicError, type EicError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { generateSessionKey } from '../src/ssh/keys.js';

// This test process loads the SDK itself; its Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

describe('pushPublicKey (sandbox Instance Connect API)', () => {
  let sb: Sandbox;
  let aws: AwsContext;
  const key = generateSessionKey();

  before(async () => {
    sb = await startSandbox({ requireSshd: true });
    aws = await createAwsContext({ env: { ...sb.env, AWS_EC2_METADATA_DISABLED: 'true' }, logger: silentLogger });
  });
  after(async () => {
    aws.close();
    await sb.close();
  });

  const rejectsWith = (input: Partial<Parameters<typeof pushPublicKey>[1]>, code: string, message: RegExp, ctx = aws) =>
    assert.rejects(pushPublicKey(ctx.instanceConnect, { instanceId: sb.env.EIC_SANDBOX_INSTANCE, osUser: 'ec2-user', publicKey: key.publicLine, ...input }),
      (err: EicError) => {
        assert.ok(isEicError(err), String(err));
        assert.equal(err.code, code);
        assert.equal(err.exitCode, 1);
        assert.match(err.message, message);
        assert.ok(err.hint, 'a hint says what to do');
        return true;
      });

  it('pushes a key the instance then accepts for that user only', async () => {
    const id = sb.env.EIC_SANDBOX_INSTANCE;
    await pushPublicKey(aws.instanceConnect, { instanceId: id, osUser: 'ec2-user', publicKey: key.publicLine, availabilityZone: 'us-east-1a' });
    assert.deepEqual(sb.keys.active(id, 'ec2-user'), [key.publicLine]);
  });

  it('explains each refusal', async () => {
    await rejectsWith({ instanceId: 'i-0123456789abcdef9' }, 'push-key-instance-not-found', /instance i-0123456789abcdef9 was not found/);
    await rejectsWith({ instanceId: 'i-0123456789abcdef3' }, 'push-key-instance-state', /not in a state that accepts keys/);
    await rejectsWith({ osUser: '1nobody' }, 'push-key-invalid', /refused the request for 1nobody@.*Invalid OS user name/);
    await rejectsWith({ availabilityZone: 'us-east-1c' }, 'push-key-invalid', /not in availability zone us-east-1c/);
    const badCreds = await createAwsContext({
      env: { ...sb.env, AWS_SECRET_ACCESS_KEY: 'wrong/secret/key/000000000000000000000000', AWS_EC2_METADATA_DISABLED: 'true' }, logger: silentLogger,
    });
    try {
      await rejectsWith({}, 'push-key-denied', /SendSSHPublicKey for ec2-user@i-\w+ was denied/, badCreds);
    } finally {
      badCreds.close();
    }
  });
});
