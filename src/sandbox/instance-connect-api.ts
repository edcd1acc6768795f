/**
 * The sandbox's EC2 Instance Connect API (JSON 1.1): SendSSHPublicKey with AWS's validation,
 * error `__type`s and statuses (see ../shared/eice-protocol.md §1.3). An accepted key goes into
 * the KeyStore, where the instance's AuthorizedKeysCommand finds it for the validity window.
 */
import type { SandboxConfig } from './config.js';
import type { ApiFaultControl } from './faults.js';
import type { KeyStore } from './key-store.js';
import { INSTANCE_ID } from './ec2-query.js';
import { checkSshPublicKey } from './ssh-public-key.js';

export const TARGET_PREFIX = 'AWSEC2InstanceConnectService.';
export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** An error answer: `{"__type": type, "Message": message}` with this HTTP status. */
export class ConnectError extends Error {
  constructor(readonly type: string, message: string, readonly status: number) {
    super(message);
    this.name = 'ConnectError';
  }
}

const invalidArgs = (message: string) => new ConnectError('InvalidArgsException', message, 400);

export interface JsonAnswer { status: number; body: string }

export interface InstanceConnectOptions {
  config: SandboxConfig;
  keys: KeyStore;
  /** Injected errors (throttling, outages), answered before the request is looked at, as AWS's front end does. */
  faults?: ApiFaultControl;
}

const OS_USER = /^[A-Za-z_][A-Za-z0-9@._-]{0,30}[A-Za-z0-9$_-]?$/;

interface SendRequest { InstanceId: string; InstanceOSUser: string; SSHPublicKey: string; AvailabilityZone?: string }

function parseBody(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.length ? body.toString('utf8') : '{}');
  } catch {
    throw new ConnectError('SerializationException', 'The request body is not valid JSON', 400);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConnectError('SerializationException', 'The request body must be a JSON object', 400);
  }
  return parsed as Record<string, unknown>;
}

function stringField(o: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const v = o[name];
  if (v === undefined || v === null) {
    if (required) throw invalidArgs(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalidArgs(`${name} must be a string`);
  return v;
}

/** The argument checks AWS makes before it looks at the instance. */
export function validateSendRequest(o: Record<string, unknown>): SendRequest {
  const InstanceId = stringField(o, 'InstanceId', true)!;
  const InstanceOSUser = stringField(o, 'InstanceOSUser', true)!;
  const SSHPublicKey = stringField(o, 'SSHPublicKey', true)!;
  const AvailabilityZone = stringField(o, 'AvailabilityZone', false);
  if (!INSTANCE_ID.test(InstanceId)) throw invalidArgs(`Invalid instance ID: ${InstanceId}`);
  if (InstanceOSUser.length < 1 || InstanceOSUser.length > 32 || !OS_USER.test(InstanceOSUser)) {
    throw invalidArgs(`Invalid OS user name: ${InstanceOSUser}`);
  }
  if (SSHPublicKey.length < 80 || SSHPublicKey.length > 4096) {
    throw invalidArgs(`SSHPublicKey must be 80 to 4096 characters long; it is ${SSHPublicKey.length}`);
  }
  const why = checkSshPublicKey(SSHPublicKey);
  if (why) throw invalidArgs(`Invalid SSH public key: ${why}`);
  if (AvailabilityZone !== undefined && !/^[a-z]{2}(-[a-z0-9]+)+-\d+[a-z]?$/.test(AvailabilityZone)) {
    throw invalidArgs(`Invalid availability zone: ${AvailabilityZone}`);
  }
  return { InstanceId, InstanceOSUser, SSHPublicKey, AvailabilityZone };
}

function sendSSHPublicKey(o: Record<string, unknown>, opts: InstanceConnectOptions, requestId: string): string {
  const req = validateSendRequest(o);
  const inst = opts.config.instances.find((i) => i.id === req.InstanceId);
  if (!inst) throw new ConnectError('EC2InstanceNotFoundException', `Instance ${req.InstanceId} was not found`, 404);
  const az = opts.config.subnets.find((s) => s.id === inst.subnetId)?.availabilityZone;
  if (req.AvailabilityZone !== undefined && req.AvailabilityZone !== az) {
    throw invalidArgs(`Instance ${inst.id} is not in availability zone ${req.AvailabilityZone}`);
  }
  if (inst.state !== 'running') {
    throw new ConnectError('EC2InstanceStateInvalidException',
      `Instance ${inst.id} is ${inst.state}; it must be running to accept a key`, 400);
  }
  // Like AWS, no check that the OS user exists (aws-cli #6896): the push succeeds and the
  // login fails, because the instance's key lookup only serves its own users (api-server.ts).
  opts.keys.push(inst.id, req.InstanceOSUser, req.SSHPublicKey);
  return JSON.stringify({ RequestId: requestId, Success: true });
}

export function connectErrorAnswer(err: ConnectError): JsonAnswer {
  return { status: err.status, body: JSON.stringify({ __type: err.type, Message: err.message }) };
}

/** Answer one Instance Connect request (already authenticated); `target` is X-Amz-Target. */
export function handleInstanceConnect(target: string, body: Buffer, opts: InstanceConnectOptions, requestId: string): JsonAnswer {
  try {
    const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    if (op !== 'SendSSHPublicKey') {
      throw new ConnectError('UnknownOperationException', `Unknown operation ${target}`, 400);
    }
    const fault = opts.faults?.take(op);
    if (fault) throw new ConnectError(fault.type, fault.message, fault.status);
    return { status: 200, body: sendSSHPublicKey(parseBody(body), opts, requestId) };
  } catch (err) {
    if (err instanceof ConnectError) return connectErrorAnswer(err);
    throw err;
  }
}
