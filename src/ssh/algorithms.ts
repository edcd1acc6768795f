/**
 * Algorithm lists as OpenSSH reads them (-c, -m, Ciphers, MACs, KexAlgorithms,
 * HostKeyAlgorithms): a comma-separated list that replaces the default, or one starting with
 * `+` (append), `-` (remove) or `^` (put first). Every name is checked against what ssh2
 * implements before anything is sent to AWS, so a typo is a usage error, not a failed handshake.
 */
import { usageError } from '../errors.js';

/**
 * Cipher preference by ssh2's CPU per byte (bench/ssh-ciphers.mjs; bench/RESULTS.md): AES-GCM
 * first on AES-NI machines, chacha20-poly1305 next (the best without AES-NI), CTR last. The
 * server picks the first of ours it supports.
 */
export const PREFERRED_CIPHERS = [
  'aes128-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes256-ctr',
];

/** ssh2's own host key preference (Node 20 always has ed25519). */
export const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
];

/** Algorithm lists to offer, by ssh2's names for them; absent: eic's defaults. */
export interface Algorithms { cipher?: string[]; hmac?: string[]; kex?: string[]; serverHostKey?: string[]; compress?: string[] }

export type AlgorithmKind = 'cipher' | 'hmac' | 'kex' | 'serverHostKey';

/** What each kind is called on the command line and in ssh_config, for messages. */
const NAMES: Record<AlgorithmKind, string> = {
  cipher: 'cipher (-c, Ciphers)', hmac: 'MAC (-m, MACs)', kex: 'key exchange (KexAlgorithms)', serverHostKey: 'host key algorithm (HostKeyAlgorithms)',
};

export interface AlgorithmTables { supported: Record<AlgorithmKind, string[]>; defaults: Record<AlgorithmKind, string[]> }

/** ssh2's own tables (loads ssh2's protocol constants, and with them its crypto binding). */
export async function ssh2Tables(): Promise<AlgorithmTables> {
  const c = (await import('ssh2/lib/protocol/constants.js')).default;
  return {
    supported: { cipher: c.SUPPORTED_CIPHER, hmac: c.SUPPORTED_MAC, kex: c.SUPPORTED_KEX, serverHostKey: c.SUPPORTED_SERVER_HOST_KEY },
    defaults: { cipher: c.DEFAULT_CIPHER, hmac: c.DEFAULT_MAC, kex: c.DEFAULT_KEX, serverHostKey: c.DEFAULT_SERVER_HOST_KEY },
  };
}

/** The list `spec` makes of `base` (the default eic would offer), every name checked against ssh2. */
export function algorithmList(kind: AlgorithmKind, spec: string, base: string[], tables: AlgorithmTables): string[] {
  const mode = /^[+\-^]/.test(spec) ? spec[0] : '';
  const names = spec.slice(mode.length).split(',').map((s) => s.trim()).filter(Boolean);
  const supported = tables.supported[kind];
  // `-` may name patterns of what to drop; the others must name what ssh2 has.
  if (mode !== '-') {
    const unknown = names.filter((n) => !supported.includes(n));
    if (unknown.length > 0 || names.length === 0) {
      throw usageError('bad-algorithm', `unsupported ${NAMES[kind]}: ${names.length ? unknown.join(', ') : '(none given)'}`,
        `choose from ${supported.join(', ')}`);
    }
  }
  let list: string[];
  if (mode === '+') list = [...base, ...names.filter((n) => !base.includes(n))];
  else if (mode === '^') list = [...names, ...base.filter((n) => !names.includes(n))];
  else if (mode === '-') list = base.filter((n) => !names.some((p) => globMatch(p, n)));
  else list = names;
  if (list.length === 0) throw usageError('bad-algorithm', `"${spec}" leaves no ${NAMES[kind]} to offer`);
  return list;
}

/** ssh_config's pattern match: `*` any run, `?` one character. */
export function globMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}
