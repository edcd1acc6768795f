/**
 * How an EC2 security group rule matches a TCP connection, as AWS documents it: protocol
 * `tcp` (or `6`) with the port in [fromPort, toPort], or `-1` (all traffic); the peer named by
 * a CIDR (IPv4 or IPv6) or by a security group it belongs to. A leaf, like eice.ts: the
 * sandbox enforces these rules and the client explains them, so both read the same facts.
 */
import { BlockList, isIP } from 'node:net';

export interface SgRule {
  /** `tcp`, `udp`, `icmp`, `-1` (all), or a protocol number as a string. */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  /** IPv4 and IPv6 CIDRs. */
  cidrs: string[];
  /** Security groups on the other side (the source for ingress, the destination for egress). */
  groupIds: string[];
}

export interface SecurityGroup {
  id: string;
  name?: string;
  vpcId?: string;
  ingress: SgRule[];
  egress: SgRule[];
}

/** The other end of a connection: its address when known, and the groups it belongs to. */
export interface Peer { ip?: string; groupIds: string[] }

/** The rule lets TCP traffic to `port` through (protocol and port only, not the peer). */
export function coversTcpPort(rule: SgRule, port: number): boolean {
  const p = rule.protocol.toLowerCase();
  if (p === '-1' || p === 'all') return true;
  if (p !== 'tcp' && p !== '6') return false;
  const from = rule.fromPort ?? 0;
  const to = rule.toPort ?? 65535;
  // EC2 writes "all ports" of tcp as -1 in some answers.
  return (from === -1 && to === -1) || (from <= port && port <= to);
}

/** `ip` lies inside `cidr` (same family; a malformed CIDR matches nothing). */
export function cidrContains(cidr: string, ip: string): boolean {
  const slash = cidr.indexOf('/');
  const base = slash < 0 ? cidr : cidr.slice(0, slash);
  const family = isIP(base);
  if (family === 0 || family !== isIP(ip)) return false;
  const bits = slash < 0 ? (family === 4 ? 32 : 128) : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(base, bits, type);
  return list.check(ip, type);
}

/** The rule admits this peer: one of its CIDRs holds the peer's address, or it names one of the peer's groups. */
export function admitsPeer(rule: SgRule, peer: Peer): boolean {
  if (rule.groupIds.some((g) => peer.groupIds.includes(g))) return true;
  return peer.ip !== undefined && rule.cidrs.some((c) => cidrContains(c, peer.ip!));
}

/** Some rule of some group, in that direction, lets TCP to `port` through with `peer` on the other side. */
export function groupsAllow(groups: SecurityGroup[], direction: 'ingress' | 'egress', port: number, peer: Peer): boolean {
  return groups.some((g) => g[direction].some((r) => coversTcpPort(r, port) && admitsPeer(r, peer)));
}
