/**
 * Why a tunnel cannot reach its target, read from the security groups: the endpoint's groups
 * must let TCP to the port out to the instance, and the instance's groups must let it in from
 * the endpoint's group or its own address (or, under preserveClientIp, from the client's
 * address). Pure: the groups and the endpoint's addresses come in as EC2 answered them, a
 * verdict and the `aws ec2 …` commands come out.
 *
 * What eic cannot always see: the endpoint's own address (DescribeNetworkInterfaces may be
 * denied) and, under preserveClientIp, the client's address as the VPC sees it. A CIDR rule for
 * the port may then admit it, so it counts as "perhaps" (a note), never as a missing rule.
 */
import { isIP } from 'node:net';
import type { SdkIpPermission, SdkSecurityGroup } from '../aws/api.js';
import { admitsPeer, coversTcpPort, groupsAllow, type SecurityGroup, type SgRule } from '../security-group-rules.js';
import { safeText } from '../safe-text.js';

export interface ReachabilityInput {
  port: number;
  instance: { id: string; ip: string; groupIds: string[] };
  endpoint: {
    id: string; groupIds: string[]; preserveClientIp?: boolean;
    /** Its own addresses (DescribeNetworkInterfaces); undefined when eic could not learn them. */
    addresses?: string[];
    /** Why they are unknown, for the note (e.g. "ec2:DescribeNetworkInterfaces was denied"). */
    addressesUnknown?: string;
  };
  /** The groups DescribeSecurityGroups returned (any of the ids above may be missing). */
  groups: SdkSecurityGroup[];
}

export interface MissingRule {
  direction: 'ingress' | 'egress';
  groupId: string;
  /** One sentence: which rule is missing on which group. */
  text: string;
  /** The AWS CLI command that adds it. */
  command: string;
}

export interface Reachability {
  /** No rule is known to be missing. */
  ok: boolean;
  missing: MissingRule[];
  /** What allowed it, or what eic could not decide. */
  notes: string[];
}

function toRule(p: SdkIpPermission): SgRule {
  return {
    protocol: p.IpProtocol ?? '-1',
    fromPort: p.FromPort,
    toPort: p.ToPort,
    cidrs: [...(p.IpRanges ?? []).map((r) => r.CidrIp ?? ''), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? '')].filter(Boolean),
    groupIds: (p.UserIdGroupPairs ?? []).map((u) => u.GroupId ?? '').filter(Boolean),
  };
}

export function fromSdkGroup(g: SdkSecurityGroup): SecurityGroup {
  return {
    id: g.GroupId ?? '', name: g.GroupName, vpcId: g.VpcId,
    ingress: (g.IpPermissions ?? []).map(toRule), egress: (g.IpPermissionsEgress ?? []).map(toRule),
  };
}

/** "sg-… (name)", safe to print. */
function label(g: SecurityGroup | undefined, id: string): string {
  return g?.name ? `${safeText(id)} (${safeText(g.name)})` : safeText(id);
}

/** The CIDRs of rules that cover the port (whatever their peer): the "perhaps" of a rule eic cannot decide. */
function cidrsFor(groups: SecurityGroup[], direction: 'ingress' | 'egress', port: number): string[] {
  return groups.flatMap((g) => g[direction].filter((r) => coversTcpPort(r, port)).flatMap((r) => r.cidrs));
}

export function analyzeReachability(input: ReachabilityInput): Reachability {
  const { port, instance, endpoint } = input;
  const byId = new Map(input.groups.map((g) => [g.GroupId ?? '', fromSdkGroup(g)]));
  const pick = (ids: string[]) => ids.map((id) => byId.get(id)).filter((g): g is SecurityGroup => g !== undefined);
  const epGroups = pick(endpoint.groupIds);
  const instGroups = pick(instance.groupIds);
  const missing: MissingRule[] = [];
  const notes: string[] = [];
  const unread = [...endpoint.groupIds, ...instance.groupIds].filter((id) => !byId.has(id));
  if (unread.length > 0) notes.push(`security groups not returned by DescribeSecurityGroups: ${unread.map(safeText).join(', ')}`);
  const tcp = `tcp ${port}`;

  // Egress: the instance's address is known, so this is decided exactly.
  const epFirst = endpoint.groupIds[0];
  if (epFirst && epGroups.length === endpoint.groupIds.length) {
    const toInstance = { ip: instance.ip, groupIds: instance.groupIds };
    if (groupsAllow(epGroups, 'egress', port, toInstance)) {
      notes.push(`the endpoint's security groups let ${tcp} out to the instance`);
    } else {
      const dest = instance.groupIds[0];
      const pair = dest ? `UserIdGroupPairs=[{GroupId=${dest}}]` : `IpRanges=[{CidrIp=${instance.ip}/32}]`;
      missing.push({
        direction: 'egress', groupId: epFirst,
        text: `the endpoint's security group ${label(byId.get(epFirst), epFirst)} has no outbound rule for ${tcp} to the instance (${dest ? `${safeText(dest)} or ` : ''}${safeText(instance.ip)})`,
        command: `aws ec2 authorize-security-group-egress --group-id ${epFirst} --ip-permissions 'IpProtocol=tcp,FromPort=${port},ToPort=${port},${pair}'`,
      });
    }
  }

  // Ingress: from the endpoint's group or its own address, or (preserveClientIp) from the client's address.
  const instFirst = instance.groupIds[0];
  if (instFirst && instGroups.length === instance.groupIds.length) {
    const epGroup = endpoint.groupIds[0];
    const perhaps = cidrsFor(instGroups, 'ingress', port);
    const missingIngress = (source: string, peer: string) => missing.push({
      direction: 'ingress', groupId: instFirst,
      text: `the instance's security group ${label(byId.get(instFirst), instFirst)} has no inbound rule for ${tcp} from ${source}`,
      command: `aws ec2 authorize-security-group-ingress --group-id ${instFirst} ${peer.startsWith('--ip-permissions') ? '' : `--protocol tcp --port ${port} `}${peer}`,
    });
    if (endpoint.preserveClientIp) {
      if (perhaps.length > 0) notes.push(`the instance's security groups let ${tcp} in only from ${perhaps.map(safeText).join(', ')}: that must include your address (the endpoint preserves the client IP)`);
      else missingIngress('your address (the endpoint preserves the client IP)', '--cidr <your address>/32');
    } else {
      // The endpoint's address of the target's family is the source the instance sees.
      const epIp = endpoint.addresses?.find((a) => isIP(a) === isIP(instance.ip));
      const groupLabel = epGroup ? `the endpoint's security group ${label(byId.get(epGroup), epGroup)}` : undefined;
      if (groupsAllow(instGroups, 'ingress', port, { groupIds: endpoint.groupIds })) {
        notes.push(`the instance's security groups let ${tcp} in from the endpoint's group`);
      } else if (epIp && groupsAllow(instGroups, 'ingress', port, { ip: epIp, groupIds: [] })) {
        notes.push(`the instance's security groups let ${tcp} in from the endpoint's address ${safeText(epIp)}`);
      } else if (!endpoint.addresses && perhaps.length > 0) {
        const why = endpoint.addressesUnknown ? ` (eic could not learn it: ${endpoint.addressesUnknown})` : '';
        notes.push(`the instance's security groups let ${tcp} in only from ${perhaps.map(safeText).join(', ')}: that must include the endpoint's private address${why}`);
      } else {
        const address = epIp ? `address ${safeText(epIp)}` : 'private address';
        const source = groupLabel ? `${groupLabel}${epIp ? ` or its ${address}` : ''}` : `the endpoint's ${address}`;
        // --cidr takes IPv4 only: an IPv6 source goes in --ip-permissions.
        const peer = epGroup ? `--source-group ${epGroup}`
          : epIp && isIP(epIp) === 6 ? `--ip-permissions 'IpProtocol=tcp,FromPort=${port},ToPort=${port},Ipv6Ranges=[{CidrIpv6=${epIp}/128}]'`
            : `--cidr ${epIp ?? "<the endpoint's private address>"}/32`;
        missingIngress(source, peer);
      }
    }
  }
  // Ids come from AWS too: nothing unsafe reaches a terminal through a command line.
  for (const m of missing) m.command = safeText(m.command);
  return { ok: missing.length === 0, missing, notes };
}
