/**
 * Which of an instance's addresses to open the tunnel to, given the endpoint's IpAddressType:
 * an ipv4 endpoint reaches IPv4 targets only, an ipv6 one IPv6 only, a dualstack one both
 * (IPv4 preferred, as the AWS CLI picks). When the endpoint can reach none of them, eic says so
 * here, before any tunnel is opened: the endpoint would only close it with "Unable to connect
 * to target".
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointInfo } from '../aws/endpoints.js';
import type { InstanceInfo } from '../aws/instances.js';
import { EicError } from '../errors.js';
import { safeText } from '../safe-text.js';

/** The address an endpoint of IpAddressType `type` reaches (unknown type: IPv4 first), or none. */
export function addressFor(instance: InstanceInfo, type: string | undefined, explicit?: string): string | undefined {
  const { v4, v6 } = families(instance, explicit);
  return type === 'ipv6' ? v6 : type === 'ipv4' ? v4 : v4 ?? v6;
}

function families(instance: InstanceInfo, explicit?: string): { v4?: string; v6?: string } {
  const v4 = explicit ? (isIPv4(explicit) ? explicit : undefined) : (instance.privateIp && isIPv4(instance.privateIp) ? instance.privateIp : undefined);
  const v6 = explicit ? (isIPv6(explicit) ? explicit : undefined) : instance.ipv6 ?? (instance.privateIp && isIPv6(instance.privateIp) ? instance.privateIp : undefined);
  return { v4, v6 };
}

export function tunnelAddress(instance: InstanceInfo, endpoint: EndpointInfo, explicit?: string): string {
  const type = endpoint.ipAddressType;
  const picked = addressFor(instance, type, explicit);
  // Unknown type (--eice-dns-name skipped the lookup, or an older answer): as before, IPv4 first.
  if (picked || !type) return picked!;
  const { v4, v6 } = families(instance, explicit);
  const has = v6 ? `only IPv6 address ${v6}` : `only IPv4 address ${v4}`;
  const via = explicit ? ` (--private-ip ${explicit})` : '';
  const want = type === 'ipv4' ? 'an IPv4' : 'an IPv6';
  throw new EicError('endpoint-address-family',
    `Instance Connect Endpoint ${endpoint.id} is ${safeText(type)}-only and instance ${instance.id} has ${has}${via}`,
    `create a dualstack endpoint in its VPC (aws ec2 create-instance-connect-endpoint --subnet-id ${instance.subnetId ?? '<subnet>'} --ip-address-type dualstack) or give the instance ${want} address`);
}
