/**
 * The endpoint's own addresses in its subnet: the source of its connections to instances, which
 * an instance's security group may allow by address, and what its network interface shows in
 * DescribeNetworkInterfaces. IPv4 as configured, else a stable host address of the subnet; IPv6
 * as configured, else, for an endpoint that reaches IPv6 targets in a subnet with an IPv6 CIDR,
 * a stable host address of that.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { EndpointConfig, SandboxConfig } from './config.js';
import { endpointAddressType } from './tunnel-policy.js';

function hashOf(seed: string): bigint {
  return BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 12)}`);
}

function v4ToBig(ip: string): bigint {
  return ip.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBig(ip: string): bigint {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

function bigToIp(n: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 255n)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((n >> s) & 0xffffn).toString(16));
  // The URL parser writes an IPv6 address in its canonical, compressed form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** A stable host address of `cidr` for `seed`, past the four EC2 keeps at the start (and its last one). */
function hostIn(cidr: string | undefined, seed: string): string | undefined {
  const m = cidr && /^([^/]+)\/(\d+)$/.exec(cidr);
  const family = m ? isIP(m[1]) : 0;
  if (!m || (family !== 4 && family !== 6)) return undefined;
  const width = family === 4 ? 32n : 128n;
  const bits = BigInt(Number(m[2]));
  if (bits > width - 3n) return undefined;
  const size = 1n << (width - bits);
  const base = (family === 4 ? v4ToBig(m[1]) : v6ToBig(m[1])) & ~(size - 1n);
  return bigToIp(base + 4n + (hashOf(seed) % (size - 5n)), family);
}

export interface EndpointAddresses { ipv4?: string; ipv6?: string }

export function endpointAddresses(cfg: SandboxConfig, ep: EndpointConfig): EndpointAddresses {
  const subnet = cfg.subnets.find((s) => s.id === ep.subnetId);
  const ipv4 = ep.privateIpAddress ?? hostIn(subnet?.cidr, `ip:${ep.id}`);
  const ipv6 = ep.ipv6Address ?? (endpointAddressType(cfg, ep) === 'ipv4' ? undefined : hostIn(subnet?.ipv6Cidr, `ip6:${ep.id}`));
  return { ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) };
}

/** The address an instance at `targetIp` sees the endpoint's connections come from. */
export function endpointSourceIp(cfg: SandboxConfig, ep: EndpointConfig, targetIp: string): string | undefined {
  const a = endpointAddresses(cfg, ep);
  return isIP(targetIp) === 6 ? a.ipv6 : a.ipv4;
}
