/**
 * What EICE checks against its own state once a request is authenticated: the endpoint exists
 * and can open tunnels, and the port is one EICE allows. The address is not checked here: an
 * address the endpoint cannot reach is not refused but closes the tunnel after the upgrade
 * (1011, as users report from AWS), so `instance` is simply absent for it. Pure over the
 * config, so the rules can be read in one place.
 */
import { BlockList, isIP } from 'node:net';
import type { EndpointAddressType, EndpointConfig, InstanceConfig, SandboxConfig } from './config.js';
import type { TunnelParams } from './opentunnel-verify.js';

export const ALLOWED_PORTS: readonly number[] = [22, 3389];
export const USABLE_ENDPOINT_STATES: readonly string[] = ['create-complete', 'update-in-progress', 'update-failed', 'update-complete'];

export type PolicyResult =
  | { ok: true; endpoint: EndpointConfig; instance?: InstanceConfig }
  | { ok: false; status: number; errorCode: string; message: string };

/** Equal IP addresses, whatever their spelling (`fd00::1` = `fd00:0:0::0001`). */
export function sameIp(a: string, b: string): boolean {
  const family = isIP(a);
  if (family === 0 || family !== isIP(b)) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  list.addAddress(a, type);
  return list.check(b, type);
}

export function vpcOfSubnet(cfg: SandboxConfig, subnetId: string): string | undefined {
  return cfg.subnets.find((s) => s.id === subnetId)?.vpcId;
}

/** The endpoint's IpAddressType: as configured, else dualstack when its VPC holds IPv6 instances (ipv6 if only those). */
export function endpointAddressType(cfg: SandboxConfig, ep: EndpointConfig): EndpointAddressType {
  if (ep.ipAddressType) return ep.ipAddressType;
  const vpcId = vpcOfSubnet(cfg, ep.subnetId);
  const inVpc = cfg.instances.filter((i) => vpcOfSubnet(cfg, i.subnetId) === vpcId);
  const hasV6 = inVpc.some((i) => i.ipv6Address);
  const hasV4 = inVpc.some((i) => i.privateIpAddress);
  return hasV6 ? (hasV4 ? 'dualstack' : 'ipv6') : 'ipv4';
}

/**
 * Whether the endpoint reaches an address of this family (EC2 user guide: an ipv4 endpoint
 * reaches IPv4 targets only, ipv6 IPv6 only). How AWS answers the other family is not known;
 * the sandbox guesses it opens the tunnel and closes it with 1011, as for any target it cannot
 * reach.
 */
export function reachesFamily(type: EndpointAddressType, ip: string): boolean {
  return type === 'dualstack' || type === (isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

export function checkTunnel(cfg: SandboxConfig, p: TunnelParams): PolicyResult {
  const endpoint = cfg.endpoints.find((e) => e.id === p.instanceConnectEndpointId);
  if (!endpoint) {
    return { ok: false, status: 404, errorCode: 'InvalidInstanceConnectEndpointId.NotFound', message: `The instance connect endpoint ID '${p.instanceConnectEndpointId}' does not exist.` };
  }
  if (!USABLE_ENDPOINT_STATES.includes(endpoint.state)) {
    return { ok: false, status: 400, errorCode: 'IncorrectState', message: `The instance connect endpoint '${endpoint.id}' is in state ${endpoint.state} and cannot open tunnels.` };
  }
  if (!ALLOWED_PORTS.includes(p.remotePort)) {
    // The one refusal seen from AWS (aidansteele/rdsconn #5), word for word.
    return { ok: false, status: 400, errorCode: 'InvalidParameter', message: 'The specified RemotePort is not valid. Specify either 22 or 3389.' };
  }
  const vpcId = vpcOfSubnet(cfg, endpoint.subnetId);
  const instance = cfg.instances.find((i) =>
    vpcOfSubnet(cfg, i.subnetId) === vpcId &&
    ((i.privateIpAddress && sameIp(i.privateIpAddress, p.privateIpAddress)) || (i.ipv6Address && sameIp(i.ipv6Address, p.privateIpAddress))));
  return { ok: true, endpoint, instance };
}
