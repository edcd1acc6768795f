/**
 * SendSSHPublicKey (protocol §1 step 3): the instance accepts the pushed public key for 60 s,
 * for that OS user only. Each of the API's documented exceptions gets a message that says
 * what went wrong and what to do; anything else goes through the shared AWS error mapping.
 *
 * Throttling (ThrottlingException, 429, or 400 from some fronts) and outages (500, 503) are
 * retried by the SDK itself, with its standard strategy: 3 attempts, backing off about 2 s in
 * all for throttling (AWS_MAX_ATTEMPTS / max_attempts raise it). eic adds no loop of its own,
 * which would multiply the calls into a service that is asking for fewer; when the SDK gives
 * up, the message says how many attempts were made and how to get more.
 */
import { EicError, type ErrorCode } from '../errors.js';
import { safeText } from '../safe-text.js';
import type { InstanceConnectApi } from './api.js';
import { retriedNote, toEicError } from './errors.js';

export interface PushKeyInput {
  instanceId: string;
  osUser: string;
  /** `ssh-ed25519 AAAA…` (80..4096 characters). */
  publicKey: string;
  availabilityZone?: string;
  /** For hints only. */
  profile?: string;
}

export async function pushPublicKey(api: InstanceConnectApi, input: PushKeyInput): Promise<void> {
  let out;
  try {
    out = await api.sendSSHPublicKey({
      InstanceId: input.instanceId,
      InstanceOSUser: input.osUser,
      SSHPublicKey: input.publicKey,
      ...(input.availabilityZone ? { AvailabilityZone: input.availabilityZone } : {}),
    });
  } catch (err) {
    throw pushError(err, input);
  }
  if (out.Success === false) {
    throw new EicError('push-key-failed',
      `SendSSHPublicKey did not succeed for ${input.osUser}@${input.instanceId}${out.RequestId ? ` (request id ${out.RequestId})` : ''}`);
  }
}

interface SdkError { name?: string; message?: string; $metadata?: { requestId?: string; attempts?: number } }

export function pushError(err: unknown, input: PushKeyInput): EicError {
  const e = (err ?? {}) as SdkError;
  const msg = safeText((e.message ?? String(err)).trim());
  const id = e.$metadata?.requestId ? ` (request id ${safeText(e.$metadata.requestId)})` : '';
  const who = `${input.osUser}@${input.instanceId}`;
  const tries = retriedNote(err);
  const make = (code: ErrorCode, message: string, hint?: string) =>
    new EicError(code, `${message}${id}`, hint, { cause: err });
  switch (e.name) {
    case 'AuthException':
      return make('push-key-denied', `SendSSHPublicKey for ${who} was denied: ${msg}`,
        `ask for ec2-instance-connect:SendSSHPublicKey on ${input.instanceId} (the ec2:osuser condition must allow ${input.osUser})`);
    case 'EC2InstanceNotFoundException':
      return make('push-key-instance-not-found', `SendSSHPublicKey: instance ${input.instanceId} was not found: ${msg}`,
        'check the region (--region) and profile (--profile)');
    case 'EC2InstanceStateInvalidException':
      return make('push-key-instance-state', `SendSSHPublicKey: instance ${input.instanceId} is not in a state that accepts keys: ${msg}`,
        'the instance must be running');
    case 'EC2InstanceUnavailableException':
      return make('push-key-instance-unavailable', `SendSSHPublicKey: instance ${input.instanceId} is unavailable right now${tries}: ${msg}`,
        'try again in a moment');
    case 'InvalidArgsException':
      return make('push-key-invalid', `SendSSHPublicKey refused the request for ${who}: ${msg}`,
        'check the OS user name (-u) and, with -i, that the key is ed25519, ecdsa or rsa');
    case 'ThrottlingException':
      return make('push-key-throttled', `SendSSHPublicKey for ${who} was throttled by AWS${tries}: ${msg}`,
        'keys are being pushed too fast (many sessions at once?): wait a few seconds and try again; AWS_MAX_ATTEMPTS=6 retries longer');
    case 'ServiceException':
      return make('push-key-service', `EC2 Instance Connect failed${tries}: ${msg}`, 'try again; if it persists, check the AWS Health Dashboard');
    case 'EC2InstanceTypeInvalidException':
      return make('push-key-instance-type', `SendSSHPublicKey: the instance type of ${input.instanceId} does not support EC2 Instance Connect: ${msg}`);
    default:
      return toEicError(err, { action: `SendSSHPublicKey for ${who}`, profile: input.profile });
  }
}
