/**
 * The endpoint closed a tunnel with "Unable to connect to target": the most common failure on
 * real AWS, and the least explained. Read the security groups of both sides and the endpoint's
 * own addresses (when the caller may) and turn the error into one that names the missing rule,
 * its group and the command that adds it; when they cannot be read, name the permission eic lacked and the other usual causes.
 * Hooked where the close surfaces as an EicError: the session (ssh, cp) and cli/proxy, cli/tunnel.
 */
import { pages } from '../aws/api.js';
import type { AwsContext } from '../aws/clients.js';
import { findEndpoint } from '../aws/endpoints.js';
import { awsCall } from '../aws/errors.js';
import { findInstances } from '../aws/instances.js';
import { UNABLE_TO_CONNECT } from '../eice.js';
import { EicError, isEicError } from '../errors.js';
import { safeText } from '../safe-text.js';
import type { SdkSecurityGroup } from '../aws/api.js';
import { analyzeReachability, type Reachability } from './reachability.js';

/** The tunnel opened and the endpoint then could not reach the instance's port. */
export function isUnableToConnect(err: unknown): err is EicError {
  return isEicError(err) && err.message.includes(UNABLE_TO_CONNECT);
}

/** What the groups check needs of a target; the group ids are looked up when discovery skipped them. */
export interface GroupsSubject {
  aws: AwsContext;
  instance: { id: string; securityGroupIds?: string[]; vpcId?: string; subnetId?: string };
  privateIp: string;
  endpoint: { id: string; securityGroupIds?: string[]; preserveClientIp?: boolean; networkInterfaceIds?: string[] };
}

export type GroupsCheck =
  | { read: true; reach: Reachability; groupIds: { instance: string[]; endpoint: string[] } }
  | { read: false; denied: boolean; error: EicError };

export const DESCRIBE_SECURITY_GROUPS = 'ec2:DescribeSecurityGroups';
export const DESCRIBE_NETWORK_INTERFACES = 'ec2:DescribeNetworkInterfaces';

/** The service on a port, for the list of usual causes. */
function service(port: number): string {
  return port === 3389 ? 'the RDP service' : 'sshd';
}

export function otherCauses(port: number): string {
  return `${service(port)} is not running or not listening on port ${port}, a network ACL of the subnets blocks it, or the instance's own firewall drops it`;
}

async function instanceGroups(s: GroupsSubject): Promise<string[]> {
  if (s.instance.securityGroupIds) return s.instance.securityGroupIds;
  const [found] = await findInstances(s.aws, s.instance.id);
  return found?.securityGroupIds ?? [];
}

interface EndpointSide { ids: string[]; preserveClientIp: boolean; eniIds: string[] }

async function endpointGroups(s: GroupsSubject): Promise<EndpointSide> {
  const known = s.endpoint.securityGroupIds ? s.endpoint : await findEndpoint(s.aws, { state: 'running', tags: {}, ...s.instance }, { eiceId: s.endpoint.id });
  return { ids: known.securityGroupIds ?? [], preserveClientIp: Boolean(known.preserveClientIp), eniIds: known.networkInterfaceIds ?? [] };
}

/**
 * The endpoint's own addresses, from its network interfaces: an instance's group may let it in
 * by address rather than by group. Never throws: when they cannot be read, why not.
 */
async function endpointAddresses(s: GroupsSubject, eniIds: string[]): Promise<{ addresses?: string[]; addressesUnknown?: string }> {
  if (eniIds.length === 0) return { addressesUnknown: 'DescribeInstanceConnectEndpoints named no network interface of it' };
  try {
    const found: Array<string | undefined> = [];
    await awsCall({ action: 'DescribeNetworkInterfaces', profile: s.aws.profile }, async () => {
      for await (const page of pages((i) => s.aws.ec2.describeNetworkInterfaces(i), { NetworkInterfaceIds: eniIds })) {
        for (const n of page.NetworkInterfaces ?? []) {
          found.push(n.PrivateIpAddress, ...(n.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress), ...(n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address));
        }
      }
    });
    return { addresses: [...new Set(found.filter((a): a is string => Boolean(a)))] };
  } catch (err) {
    const denied = isEicError(err) && err.code === 'access-denied';
    return { addressesUnknown: denied ? `${DESCRIBE_NETWORK_INTERFACES} was denied` : safeText((err as Error)?.message ?? String(err)) };
  }
}

/** Read both sides' groups and analyze them for `port`. Never throws: a failure is a result. */
export async function checkSecurityGroups(s: GroupsSubject, port: number): Promise<GroupsCheck> {
  try {
    const [inst, ep] = await Promise.all([instanceGroups(s), endpointGroups(s)]);
    const ids = [...new Set([...inst, ...ep.ids])];
    const groups: SdkSecurityGroup[] = [];
    // Under preserveClientIp the instance sees the client's address, not the endpoint's.
    const addresses = ep.preserveClientIp ? {} : endpointAddresses(s, ep.eniIds);
    if (ids.length > 0) {
      await awsCall({ action: 'DescribeSecurityGroups', profile: s.aws.profile }, async () => {
        for await (const page of pages((i) => s.aws.ec2.describeSecurityGroups(i), { GroupIds: ids })) groups.push(...(page.SecurityGroups ?? []));
      });
    }
    const reach = analyzeReachability({
      port, groups,
      instance: { id: s.instance.id, ip: s.privateIp, groupIds: inst },
      endpoint: { id: s.endpoint.id, groupIds: ep.ids, preserveClientIp: ep.preserveClientIp, ...await addresses },
    });
    return { read: true, reach, groupIds: { instance: inst, endpoint: ep.ids } };
  } catch (err) {
    const e = isEicError(err) ? err : new EicError('aws-error', (err as Error)?.message ?? String(err));
    return { read: false, denied: e.code === 'access-denied', error: e };
  }
}

/** The usual causes when eic cannot see the groups. */
export function unreadHint(check: Extract<GroupsCheck, { read: false }>, port: number): string {
  const why = check.denied
    ? `eic may not read the security groups (${DESCRIBE_SECURITY_GROUPS} was denied; grant it and eic names the missing rule)`
    : `eic could not read the security groups (${check.error.message})`;
  return `${why}; the usual causes: the instance's security group lets no tcp ${port} in from the endpoint's security group, `
    + `the endpoint's group lets none out to the instance, or ${otherCauses(port)}`;
}

/** `err` itself unless it is an "Unable to connect to target" close, else that error explained. */
export async function explainUnreachable(err: unknown, s: GroupsSubject, port: number): Promise<unknown> {
  if (!isUnableToConnect(err)) return err;
  const check = await checkSecurityGroups(s, port);
  const make = (message: string, hint: string) => new EicError(err.code, message, hint, { cause: err });
  if (!check.read) return make(err.message, unreadHint(check, port));
  const { reach } = check;
  if (!reach.ok) {
    return make(`${err.message}: ${reach.missing.map((m) => m.text).join('; and ')}`,
      `add ${reach.missing.length > 1 ? 'them' : 'it'}: ${reach.missing.map((m) => m.command).join(' && ')}`);
  }
  return make(err.message, `${reach.notes.join('; ')}; so ${otherCauses(port)}`);
}
