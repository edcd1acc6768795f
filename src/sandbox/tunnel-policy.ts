/**
 * What EICE checks against its own state once a request is authenticated: the endpoint exists
 * and can open tunnels, the port is one EICE allows, and the address is an instance of the
 * endpoint's VPC. Pure over the config, so the rules can be read in one place.
 */
import { BlockList, isIP } from 'node:net';
import type { EndpointConfig, InstanceConfig, SandboxConfig } from './config.js';
import type { TunnelParams } from './opentunnel-verify.js';

export const ALLOWED_PORTS: readonly number[] = [22, 3389];
export const USABLE_ENDPOINT_STATES: readonly string[] = ['create-complete', 'update-in-progress', 'update-failed', 'update-complete'];

export type PolicyResult =
  | { ok: true; endpoint: EndpointConfig; instance: InstanceConfig }
  | { ok: false; status: number; message: string };

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

export function checkTunnel(cfg: SandboxConfig, p: TunnelParams): PolicyResult {
  const endpoint = cfg.endpoints.find((e) => e.id === p.instanceConnectEndpointId);
  if (!endpoint) {
    return { ok: false, status: 404, message: `The instance connect endpoint ID '${p.instanceConnectEndpointId}' does not exist.` };
  }
  if (!USABLE_ENDPOINT_STATES.includes(endpoint.state)) {
    return { ok: false, status: 400, message: `The instance connect endpoint '${endpoint.id}' is in state ${endpoint.state} and cannot open tunnels.` };
  }
  if (!ALLOWED_PORTS.includes(p.remotePort)) {
    return { ok: false, status: 400, message: `remotePort ${p.remotePort} is not allowed; EC2 Instance Connect Endpoint accepts only ports 22 and 3389.` };
  }
  const vpcId = vpcOfSubnet(cfg, endpoint.subnetId);
  const instance = cfg.instances.find((i) =>
    vpcOfSubnet(cfg, i.subnetId) === vpcId &&
    ((i.privateIpAddress && sameIp(i.privateIpAddress, p.privateIpAddress)) || (i.ipv6Address && sameIp(i.ipv6Address, p.privateIpAddress))));
  if (!instance) {
    return { ok: false, status: 400, message: `The private IP address ${p.privateIpAddress} does not belong to an instance in ${vpcId ?? 'the VPC'} of instance connect endpoint '${endpoint.id}'.` };
  }
  return { ok: true, endpoint, instance };
}
