/**
 * Which proxy applies to a target, from the environment, the way curl and most HTTP clients read
 * it. Pure functions: no sockets here, so every rule is tested directly.
 *
 * - The lower-case variable wins over the upper-case one when both are set (curl, Python's
 *   urllib); an empty value counts as unset.
 * - NO_PROXY is a comma (or space) separated list of: `*` (everything), host names that match
 *   themselves and their subdomains (`example.com` and `.example.com` both match `example.com`
 *   and `a.example.com`), `host:port` (only that port), IP literals (`10.0.0.1`, `::1`,
 *   `[::1]:443`) and CIDR blocks (`10.0.0.0/8`).
 * - Loopback is not bypassed unless listed: a proxy on 127.0.0.1 must be usable in tests, and a
 *   corporate proxy may deliberately see everything.
 */
import { BlockList, isIP } from 'node:net';

export interface ProxyEnv {
  [name: string]: string | undefined;
}

/** The first non-empty value of the given variables, in order. */
function firstSet(env: ProxyEnv, names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n]?.trim();
    if (v) return v;
  }
  return undefined;
}

/** The raw HTTPS proxy setting (https_proxy, then HTTPS_PROXY), or undefined. */
export function httpsProxyFromEnv(env: ProxyEnv): string | undefined {
  return firstSet(env, ['https_proxy', 'HTTPS_PROXY']);
}

/** The raw no-proxy list (no_proxy, then NO_PROXY), or undefined. */
export function noProxyFromEnv(env: ProxyEnv): string | undefined {
  return firstSet(env, ['no_proxy', 'NO_PROXY']);
}

/** Strip IPv6 brackets and a trailing dot, lower-case. */
function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

interface Rule {
  host?: string;
  port?: number;
  cidr?: { net: string; prefix: number; family: 'ipv4' | 'ipv6' };
  all?: boolean;
}

/** Split one NO_PROXY entry into host and optional port (handles `[v6]:port` and bare v6). */
function parseEntry(entry: string): Rule | undefined {
  const e = entry.trim().toLowerCase();
  if (!e) return undefined;
  if (e === '*') return { all: true };
  const slash = e.indexOf('/');
  if (slash > 0) {
    const net = normalizeHost(e.slice(0, slash));
    const prefix = Number(e.slice(slash + 1));
    const fam = isIP(net);
    if (!fam || !Number.isInteger(prefix)) return undefined;
    return { cidr: { net, prefix, family: fam === 4 ? 'ipv4' : 'ipv6' } };
  }
  let host = e;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
  if (bracketed) {
    host = bracketed[1];
    port = bracketed[2] ? Number(bracketed[2]) : undefined;
  } else if (!isIP(e)) {
    // A single colon means host:port; several colons without brackets is a bare IPv6 literal.
    const m = /^([^:]+):(\d+)$/.exec(e);
    if (m) { host = m[1]; port = Number(m[2]); }
  }
  host = normalizeHost(host);
  if (host.startsWith('*.')) host = host.slice(1);
  if (host.startsWith('.')) host = host.slice(1);
  return host ? { host, port } : undefined;
}

function matchesRule(rule: Rule, host: string, port: number): boolean {
  if (rule.all) return true;
  if (rule.cidr) {
    const fam = isIP(host);
    if (!fam) return false;
    const list = new BlockList();
    list.addSubnet(rule.cidr.net, rule.cidr.prefix, rule.cidr.family);
    return list.check(host, fam === 4 ? 'ipv4' : 'ipv6');
  }
  if (rule.port !== undefined && rule.port !== port) return false;
  const h = rule.host!;
  if (isIP(h) || isIP(host)) return h === host;
  return host === h || host.endsWith('.' + h);
}

/** True when NO_PROXY says to reach host:port directly. */
export function bypassesProxy(host: string, port: number, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const target = normalizeHost(host);
  return noProxy
    .split(/[\s,]+/)
    .map(parseEntry)
    .some((rule) => rule !== undefined && matchesRule(rule, target, port));
}
