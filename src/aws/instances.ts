/**
 * Finding instances (protocol §1 step 1). A target is an instance id, a private IPv4 or IPv6
 * address, a private DNS name, or a Name tag; each maps to one DescribeInstances query.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { EicError, usageError } from '../errors.js';
import { safeText } from '../safe-text.js';
import { pages, type DescribeInstancesInput, type Filter, type SdkInstance } from './api.js';
import type { AwsContext } from './clients.js';
import { awsCall } from './errors.js';

export interface InstanceInfo {
  id: string;
  name?: string;
  state: string;
  vpcId?: string;
  subnetId?: string;
  /** Private IPv4, else the first IPv6 address. */
  privateIp?: string;
  ipv6?: string;
  availabilityZone?: string;
  privateDnsName?: string;
  instanceType?: string;
  tags: Record<string, string>;
  /** Undefined when not looked up (--private-ip with --eice-id skips DescribeInstances). */
  securityGroupIds?: string[];
}

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** Looks like an id attempt (i- then hex) but is not a valid one. */
const ID_LIKE = /^i-[0-9a-fA-F]*$/;

export function isInstanceId(target: string): boolean {
  return INSTANCE_ID.test(target);
}

export function toInstanceInfo(i: SdkInstance): InstanceInfo {
  const tags: Record<string, string> = {};
  for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  const ipv6 = i.Ipv6Address || i.NetworkInterfaces?.flatMap((n) => n.Ipv6Addresses ?? []).find((a) => a.Ipv6Address)?.Ipv6Address || undefined;
  return {
    id: i.InstanceId ?? '',
    name: tags.Name || undefined,
    state: i.State?.Name ?? 'unknown',
    vpcId: i.VpcId || undefined,
    subnetId: i.SubnetId || undefined,
    privateIp: i.PrivateIpAddress || ipv6,
    ipv6,
    availabilityZone: i.Placement?.AvailabilityZone || undefined,
    privateDnsName: i.PrivateDnsName || undefined,
    instanceType: i.InstanceType || undefined,
    tags,
    securityGroupIds: (i.SecurityGroups ?? []).map((g) => g.GroupId ?? '').filter(Boolean),
  };
}

/** The DescribeInstances query for a target, and how to describe the target in messages. */
export function targetQuery(target: string): { instanceIds?: string[]; filters?: Filter[]; kind: string } {
  if (isInstanceId(target)) return { instanceIds: [target], kind: 'id' };
  if (ID_LIKE.test(target)) {
    throw usageError('instance-id-malformed', `${target} is not a valid instance id`,
      'instance ids are i- followed by 8 or 17 hex digits, e.g. i-0123456789abcdef0');
  }
  if (isIPv4(target)) return { filters: [{ Name: 'private-ip-address', Values: [target] }], kind: 'private IP' };
  if (isIPv6(target)) return { filters: [{ Name: 'network-interface.ipv6-addresses.ipv6-address', Values: [target] }], kind: 'IPv6 address' };
  if (/\.(?:compute\.internal|ec2\.internal)$/.test(target) || /^ip-\d+-\d+-\d+-\d+\./.test(target)) {
    return { filters: [{ Name: 'private-dns-name', Values: [target] }], kind: 'private DNS name' };
  }
  return { filters: [{ Name: 'tag:Name', Values: [target] }], kind: 'Name tag' };
}

async function describe(aws: AwsContext, q: { instanceIds?: string[]; filters?: Filter[] }): Promise<InstanceInfo[]> {
  const out: InstanceInfo[] = [];
  const input: DescribeInstancesInput = q.instanceIds ? { InstanceIds: q.instanceIds } : { Filters: q.filters };
  await awsCall({ action: 'DescribeInstances', profile: aws.profile }, async () => {
    for await (const page of pages((i) => aws.ec2.describeInstances(i), input)) {
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) out.push(toInstanceInfo(i));
    }
  }).catch((err: EicError) => {
    // EC2 answers an unknown id with an error rather than an empty list.
    const name = (err.cause as { name?: string } | undefined)?.name;
    if (name === 'InvalidInstanceID.NotFound') return;
    throw err;
  });
  return out;
}

function notFound(aws: AwsContext, target: string, kind: string): EicError {
  return new EicError('instance-not-found', `no instance with ${kind} ${target} in ${aws.region}${aws.profile ? ` (profile ${aws.profile})` : ''}`,
    'check the region (--region) and profile (--profile); `eic ls` lists instances');
}

/** Every (non-terminated) instance the target names; empty when none. */
export async function findInstances(aws: AwsContext, target: string): Promise<InstanceInfo[]> {
  const q = targetQuery(target);
  const found = await describe(aws, q);
  // By id the user asked for that very instance, whatever its state; otherwise ignore the dead.
  return q.instanceIds ? found : found.filter((i) => i.state !== 'terminated');
}

/** The one instance the target names, or an EicError that says why not. */
export async function resolveInstance(aws: AwsContext, target: string): Promise<InstanceInfo> {
  const { kind } = targetQuery(target);
  const found = await findInstances(aws, target);
  if (found.length === 0) throw notFound(aws, target, kind);
  if (found.length > 1) {
    const list = found.map((i) => `${i.id} (${safeText(i.state)}${i.privateIp ? `, ${i.privateIp}` : ''})`).join(', ');
    throw new EicError('instance-ambiguous', `${found.length} instances match ${kind} ${target}: ${list}`,
      'use an instance id instead');
  }
  return found[0];
}

/** Check that a tunnel can reach the instance: running, with a private address. */
export function checkReachable(instance: InstanceInfo): string {
  const label = instance.name ? `${instance.id} (${safeText(instance.name)})` : instance.id;
  if (instance.state !== 'running') {
    const hint = instance.state === 'stopped' ? `start it: aws ec2 start-instances --instance-ids ${instance.id}`
      : instance.state === 'pending' ? 'wait until it is running and try again'
      : 'only running instances can be reached';
    throw new EicError('instance-not-running', `instance ${label} is ${safeText(instance.state)}, not running`, hint);
  }
  if (!instance.privateIp) {
    throw new EicError('instance-no-ip', `instance ${label} has no private IPv4 or IPv6 address`,
      'pass the address with --private-ip');
  }
  return instance.privateIp;
}

export interface ListOptions { all?: boolean; filters?: Array<{ name: string; values: string[] }> }

/** Instances in the region (running only unless `all`), sorted by Name then id. */
export async function listInstances(aws: AwsContext, opts: ListOptions = {}): Promise<InstanceInfo[]> {
  const filters: Filter[] = (opts.filters ?? []).map((f) => ({ Name: f.name, Values: f.values }));
  if (!opts.all && !filters.some((f) => f.Name === 'instance-state-name')) filters.push({ Name: 'instance-state-name', Values: ['running'] });
  const found = await describe(aws, { filters });
  return found.sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.id.localeCompare(b.id));
}
