/**
 * Which endpoint can serve each instance of a list, or why none can: what the picker shows
 * beside each instance (and greys out) and what `eic ssh-config` skips. One
 * DescribeInstanceConnectEndpoints for the whole region, as an account has few endpoints.
 * Only what the lists tell: a security group that blocks the endpoint is found when connecting.
 */
import type { SdkEndpoint } from '../aws/api.js';
import type { AwsContext } from '../aws/clients.js';
import { preferredEndpoint, usableEndpoints } from '../aws/endpoints.js';
import type { InstanceInfo } from '../aws/instances.js';
import { safeText } from '../safe-text.js';
import { addressFor } from './address.js';

export interface Reach {
  /** The endpoint that would serve it (the one in its subnet first, as discovery picks). */
  endpointId?: string;
  /** Why no endpoint can serve it, safe to print: set exactly when endpointId is not. */
  reason?: string;
}

/** Pure: the reach of one instance, given the region's usable endpoints. */
export function reachOf(instance: InstanceInfo, endpoints: SdkEndpoint[]): Reach {
  if (instance.state !== 'running') return { reason: safeText(instance.state) };
  if (!instance.vpcId) return { reason: 'not in a VPC' };
  if (!instance.privateIp) return { reason: 'no private address' };
  const inVpc = endpoints.filter((e) => e.VpcId === instance.vpcId);
  if (inVpc.length === 0) return { reason: 'no endpoint in its VPC' };
  // An ipv4 endpoint reaches only IPv4 targets, an ipv6 one only IPv6 (protocol §1 step 2).
  const fits = inVpc.filter((e) => addressFor(instance, e.IpAddressType));
  if (fits.length === 0) return { reason: `its VPC's endpoint (${safeText(inVpc[0].IpAddressType ?? '?')}) reaches none of its addresses` };
  return { endpointId: preferredEndpoint(fits, instance)!.InstanceConnectEndpointId ?? '?' };
}

export interface Reached { instance: InstanceInfo; reach: Reach }

/** The instances `listing` finds, each with its reach (the endpoints are asked for meanwhile). */
export async function withReach(aws: AwsContext, listing: Promise<InstanceInfo[]>): Promise<Reached[]> {
  const endpoints = usableEndpoints(aws);
  endpoints.catch(() => {}); // a failed listing reports first
  const instances = await listing;
  const usable = await endpoints;
  return instances.map((instance) => ({ instance, reach: reachOf(instance, usable) }));
}
