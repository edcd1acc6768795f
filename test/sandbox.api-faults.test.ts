// needs: openssl
/**
 * API fault injection in the sandbox: the next N SendSSHPublicKey calls fail with the injected
 * AWS error (type, HTTP status, message), as the real SDK sees it with retries off; no key is
 * stored for a refused call; calls after the N go through; clear() ends a standing fault.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { EC2InstanceConnectClient, SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { THROTTLED } from '../src/sandbox/faults.js';
import { generateSessionKey } from '../src/ssh/keys.js';

const OP = 'SendSSHPublicKey';

describe('sandbox API faults (SendSSHPublicKey)', () => {
  let sb: Sandbox;
  let client: EC2InstanceConnectClient;
  before(async () => {
    sb = await startSandbox();
    client = new EC2InstanceConnectClient({
      endpoint: sb.env.AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT, region: sb.env.AWS_REGION, maxAttempts: 1,
      credentials: { accessKeyId: sb.env.AWS_ACCESS_KEY_ID, secretAccessKey: sb.env.AWS_SECRET_ACCESS_KEY },
    });
  });
  after(async () => {
    client.destroy();
    await sb.close();
  });
  afterEach(() => sb.faults.clear());

  const push = (publicKey: string) => client.send(new SendSSHPublicKeyCommand({
    InstanceId: sb.env.EIC_SANDBOX_INSTANCE, InstanceOSUser: 'ec2-user', SSHPublicKey: publicKey,
  }));
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      const e = err as { name: string; message: string; $metadata: { httpStatusCode?: number; requestId?: string } };
      return { name: e.name, message: e.message, status: e.$metadata.httpStatusCode, requestId: e.$metadata.requestId };
    }
    throw new Error('the call succeeded');
  };

  it('throttles the next N calls with ThrottlingException 429, then lets calls through', async () => {
    sb.faults.api.fail(OP, THROTTLED, 2);
    const keys = [generateSessionKey(), generateSessionKey(), generateSessionKey()];
    for (const k of keys.slice(0, 2)) {
      const f = await failure(push(k.publicLine));
      assert.equal(f.name, 'ThrottlingException');
      assert.equal(f.status, 429);
      assert.equal(f.message, 'Rate exceeded');
      assert.ok(f.requestId, 'the error carries a request id, as AWS errors do');
    }
    assert.equal(sb.faults.api.hits(OP), 2);
    const ok = await push(keys[2].publicLine);
    assert.equal(ok.Success, true);
    // Only the call that went through stored its key.
    assert.deepEqual(sb.keys.active(sb.env.EIC_SANDBOX_INSTANCE, 'ec2-user'), [keys[2].publicLine]);
    assert.equal(sb.faults.api.hits(OP), 2, 'the third call was not the fault\'s');
  });

  it('answers any AWS error type and status: 400 throttling, 503 unavailable; until cleared', async () => {
    sb.faults.api.fail(OP, { ...THROTTLED, status: 400 });
    assert.deepEqual(await failure(push(generateSessionKey().publicLine)).then((f) => [f.name, f.status]), ['ThrottlingException', 400]);
    sb.faults.api.fail(OP, { type: 'EC2InstanceUnavailableException', status: 503, message: 'injected outage' }, Infinity);
    for (let i = 0; i < 3; i++) {
      const f = await failure(push(generateSessionKey().publicLine));
      assert.deepEqual([f.name, f.status, f.message], ['EC2InstanceUnavailableException', 503, 'injected outage']);
    }
    sb.faults.clear();
    assert.equal((await push(generateSessionKey().publicLine)).Success, true);
  });
});
