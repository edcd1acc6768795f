/**
 * What the EC2 API shows of the sandbox's config: every derived field (VPC and AZ from the
 * subnet, private DNS name, ENI ids, ARNs) is computed here once, so that filters and the XML
 * answer read the same values and can never disagree.
 */
import { createHash } from 'node:crypto';
import type { EndpointConfig, EndpointState, InstanceConfig, InstanceState, SandboxConfig } from './config.js';
import { endpointAddresses } from './endpoint-addresses.js';
import { allGroups, endpointGroupIds, instanceGroupIds } from './security-groups.js';
import { endpointAddressType } from './tunnel-policy.js';

/** EC2's instance state codes. */
export const STATE_CODES: Record<InstanceState, number> = {
  pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80,
};

export interface InstanceView {
  id: string;
  state: InstanceState;
  stateCode: number;
  instanceType: string;
  availabilityZone: string;
  /** Absent once terminated (its network interface is gone, as on EC2). */
  vpcId?: string;
  subnetId?: string;
  privateIpAddress?: string;
  privateDnsName: string;
  ipv6Address?: string;
  networkInterfaceId?: string;
  macAddress?: string;
  tags: Record<string, string>;
  securityGroups: Array<{ id: string; name: string }>;
  launchTime: Date;
  ownerId: string;
  reservationId: string;
}

export interface EndpointView {
  id: string;
  arn: string;
  ownerId: string;
  state: EndpointState;
  stateMessage: string;
  dnsName: string;
  fipsDnsName?: string;
  networkInterfaceIds: string[];
  vpcId: string;
  subnetId: string;
  availabilityZone: string;
  createdAt: Date;
  preserveClientIp: boolean;
  securityGroupIds: string[];
  ipAddressType: 'ipv4' | 'dualstack' | 'ipv6';
  tags: Record<string, string>;
}

/** A network interface as DescribeNetworkInterfaces shows it: an instance's, or an endpoint's own. */
export interface NetworkInterfaceView {
  id: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  description: string;
  ownerId: string;
  /** Endpoints' interfaces are managed by AWS, as EC2 marks them. */
  requesterManaged: boolean;
  interfaceType: string;
  macAddress: string;
  privateIpAddress?: string;
  privateDnsName?: string;
  ipv6Addresses: string[];
  groups: Array<{ id: string; name: string }>;
  attachment?: { instanceId: string; attachTime: Date };
}

export type DnsNames = (endpoint: EndpointConfig) => { dnsName: string; fipsDnsName?: string };

/** A stable fake id of `width` hex digits derived from `seed` (ENIs, reservations, groups). */
function hexId(seed: string, width = 17): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, width);
}

/** The id of the network interface of an instance or endpoint (the same in every answer). */
export function eniId(ownerId: string): string {
  return `eni-${hexId(`eni:${ownerId}`)}`;
}

function macOf(ownerId: string): string {
  return `02:${hexId(`mac:${ownerId}`, 10).replace(/(..)(?!$)/g, '$1:')}`;
}

const groupRefs = (cfg: SandboxConfig, ids: string[]) => ids.map((id) => ({ id, name: allGroups(cfg).find((g) => g.id === id)?.name ?? '' }));

/** `ip-10-0-1-10.ec2.internal` in us-east-1, `ip-….<region>.compute.internal` elsewhere. */
function internalDomain(region: string): string {
  return region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
}

function privateDnsName(inst: InstanceConfig, region: string): string {
  if (inst.privateDnsName) return inst.privateDnsName;
  // IPv6-only instances get a resource-based name, as EC2 gives them.
  const host = inst.privateIpAddress ? `ip-${inst.privateIpAddress.replace(/\./g, '-')}` : inst.id;
  return `${host}.${internalDomain(region)}`;
}

function subnetOf(cfg: SandboxConfig, subnetId: string, owner: string) {
  const subnet = cfg.subnets.find((s) => s.id === subnetId);
  if (!subnet) throw new Error(`sandbox config: ${owner} names subnet ${subnetId}, which is not in "subnets"`);
  return subnet;
}

export function instanceView(cfg: SandboxConfig, inst: InstanceConfig, launchTime: Date): InstanceView {
  const subnet = subnetOf(cfg, inst.subnetId, inst.id);
  const attached = inst.state !== 'terminated';
  const tags: Record<string, string> = { ...(inst.name !== undefined ? { Name: inst.name } : {}), ...(inst.tags ?? {}) };
  return {
    id: inst.id,
    state: inst.state,
    stateCode: STATE_CODES[inst.state],
    instanceType: inst.instanceType ?? 't3.micro',
    availabilityZone: subnet.availabilityZone,
    vpcId: attached ? subnet.vpcId : undefined,
    subnetId: attached ? subnet.id : undefined,
    privateIpAddress: attached ? inst.privateIpAddress : undefined,
    privateDnsName: attached ? privateDnsName(inst, cfg.region) : '',
    ipv6Address: attached ? inst.ipv6Address : undefined,
    networkInterfaceId: attached ? eniId(inst.id) : undefined,
    macAddress: attached ? macOf(inst.id) : undefined,
    tags,
    securityGroups: attached ? groupRefs(cfg, instanceGroupIds(cfg, inst)) : [],
    launchTime,
    ownerId: cfg.accountId,
    reservationId: `r-${hexId(`r:${inst.id}`)}`,
  };
}

export function endpointView(cfg: SandboxConfig, ep: EndpointConfig, dns: DnsNames, createdAt: Date): EndpointView {
  const subnet = subnetOf(cfg, ep.subnetId, ep.id);
  const names = dns(ep);
  return {
    id: ep.id,
    arn: `arn:aws:ec2:${cfg.region}:${cfg.accountId}:instance-connect-endpoint/${ep.id}`,
    ownerId: cfg.accountId,
    state: ep.state,
    stateMessage: ep.stateMessage ?? '',
    dnsName: names.dnsName,
    fipsDnsName: names.fipsDnsName,
    networkInterfaceIds: [eniId(ep.id)],
    vpcId: subnet.vpcId,
    subnetId: subnet.id,
    availabilityZone: subnet.availabilityZone,
    createdAt,
    preserveClientIp: ep.preserveClientIp ?? false,
    securityGroupIds: endpointGroupIds(cfg, ep),
    ipAddressType: endpointAddressType(cfg, ep),
    tags: {},
  };
}

/** Every network interface of the world: each instance's (until terminated) and each endpoint's (those DescribeInstanceConnectEndpoints names). */
export function networkInterfaceViews(cfg: SandboxConfig, launchTime: Date): NetworkInterfaceView[] {
  const instances = cfg.instances.map((i) => instanceView(cfg, i, launchTime)).filter((v) => v.networkInterfaceId)
    .map((v): NetworkInterfaceView => ({
      id: v.networkInterfaceId!, subnetId: v.subnetId!, vpcId: v.vpcId!, availabilityZone: v.availabilityZone,
      description: '', ownerId: v.ownerId, requesterManaged: false, interfaceType: 'interface', macAddress: v.macAddress!,
      privateIpAddress: v.privateIpAddress, privateDnsName: v.privateDnsName || undefined,
      ipv6Addresses: v.ipv6Address ? [v.ipv6Address] : [], groups: v.securityGroups, attachment: { instanceId: v.id, attachTime: launchTime },
    }));
  const endpoints = cfg.endpoints.map((ep): NetworkInterfaceView => {
    const subnet = subnetOf(cfg, ep.subnetId, ep.id);
    const a = endpointAddresses(cfg, ep);
    return {
      id: eniId(ep.id), subnetId: subnet.id, vpcId: subnet.vpcId, availabilityZone: subnet.availabilityZone,
      // The description AWS gives these interfaces is a guess.
      description: `EC2 Instance Connect Endpoint ${ep.id}`, ownerId: cfg.accountId, requesterManaged: true,
      interfaceType: 'ec2_instance_connect_endpoint', macAddress: macOf(ep.id),
      privateIpAddress: a.ipv4, privateDnsName: a.ipv4 ? `ip-${a.ipv4.replace(/\./g, '-')}.${internalDomain(cfg.region)}` : undefined,
      ipv6Addresses: a.ipv6 ? [a.ipv6] : [], groups: groupRefs(cfg, endpointGroupIds(cfg, ep)),
    };
  });
  return [...instances, ...endpoints];
}
