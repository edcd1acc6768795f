/**
 * The sandbox's security groups: the config's, plus EC2's default group for every VPC that has
 * none, the groups each instance and endpoint is in, and the check EICE's network makes before a
 * tunnel reaches its target (the endpoint's egress and the instance's ingress, for the port).
 */
import { createHash } from 'node:crypto';
import type { EndpointConfig, InstanceConfig, SandboxConfig, SecurityGroupConfig, SecurityGroupRuleConfig } from './config.js';
import { defaultGroup } from './config.js';
import { endpointSourceIp } from './endpoint-addresses.js';
import { groupsAllow, type SecurityGroup, type SgRule } from '../security-group-rules.js';

const vpcOf = (cfg: SandboxConfig, subnetId: string) => cfg.subnets.find((s) => s.id === subnetId)?.vpcId;

function hex17(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 17);
}

/** Every group the EC2 API shows: the config's, then a default group for each VPC without one. */
export function allGroups(cfg: SandboxConfig): SecurityGroupConfig[] {
  const groups = [...(cfg.securityGroups ?? [])];
  for (const vpc of cfg.vpcs) {
    if (!groups.some((g) => g.vpcId === vpc.id && g.name === 'default')) groups.push(defaultGroup(`sg-${hex17(`default:${vpc.id}`)}`, vpc.id));
  }
  return groups;
}

function defaultGroupId(cfg: SandboxConfig, vpcId: string | undefined): string[] {
  const g = allGroups(cfg).find((x) => x.vpcId === vpcId && x.name === 'default');
  return g ? [g.id] : [];
}

export function instanceGroupIds(cfg: SandboxConfig, inst: InstanceConfig): string[] {
  return inst.securityGroupIds ?? defaultGroupId(cfg, vpcOf(cfg, inst.subnetId));
}

export function endpointGroupIds(cfg: SandboxConfig, ep: EndpointConfig): string[] {
  return ep.securityGroupIds ?? defaultGroupId(cfg, vpcOf(cfg, ep.subnetId));
}

function toRule(r: SecurityGroupRuleConfig): SgRule {
  return {
    protocol: String(r.protocol), fromPort: r.fromPort, toPort: r.toPort,
    cidrs: r.cidr ? [r.cidr] : [], groupIds: r.sourceSecurityGroupId ? [r.sourceSecurityGroupId] : [],
  };
}

export function toSecurityGroup(g: SecurityGroupConfig): SecurityGroup {
  return { id: g.id, name: g.name, vpcId: g.vpcId, ingress: (g.ingress ?? []).map(toRule), egress: (g.egress ?? []).map(toRule) };
}

export interface ReachInput {
  endpoint: EndpointConfig;
  instance: InstanceConfig;
  port: number;
  /** The address the tunnel names. */
  targetIp: string;
  /** The client's address, the source the instance sees when preserveClientIp is on. */
  clientIp?: string;
}

/** Undefined when the groups let the tunnel through, else why not (for the sandbox's log). */
export function blockedBySecurityGroups(cfg: SandboxConfig, r: ReachInput): string | undefined {
  const groups = new Map(allGroups(cfg).map((g) => [g.id, toSecurityGroup(g)]));
  const pick = (ids: string[]) => ids.map((id) => groups.get(id)).filter((g): g is SecurityGroup => g !== undefined);
  const epIds = endpointGroupIds(cfg, r.endpoint);
  const instIds = instanceGroupIds(cfg, r.instance);
  if (!groupsAllow(pick(epIds), 'egress', r.port, { ip: r.targetIp, groupIds: instIds })) {
    return `no egress rule of ${epIds.join(', ') || 'the endpoint'} allows tcp ${r.port} to ${r.targetIp}`;
  }
  // With preserveClientIp the instance sees the client's address, not the endpoint's group.
  const source = r.endpoint.preserveClientIp
    ? { ip: r.clientIp, groupIds: [] }
    : { ip: endpointSourceIp(cfg, r.endpoint, r.targetIp), groupIds: epIds };
  if (!groupsAllow(pick(instIds), 'ingress', r.port, source)) {
    return `no ingress rule of ${instIds.join(', ') || 'the instance'} allows tcp ${r.port} from ${source.groupIds.join(', ') || source.ip || 'the endpoint'}`;
  }
  return undefined;
}
