/**
 * Host keys in OpenSSH's known_hosts format, keyed by the instance id rather than an address:
 * private IPs are reused across instances and change when one is replaced, the id does not.
 *
 * eic keeps its own file (~/.config/eic/known_hosts, or $XDG_CONFIG_HOME/eic/known_hosts) so
 * that it never rewrites the user's ~/.ssh/known_hosts; the format is OpenSSH's, so
 * `ssh -o UserKnownHostsFile=<that file> -o HostKeyAlias=i-…` reads the same entries.
 */
import { createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { blobKeyType } from '../ssh-wire.js';

/** The file to use: --known-hosts, then $EIC_KNOWN_HOSTS, then eic's config folder. */
export function knownHostsPath(env: NodeJS.ProcessEnv, option?: string): string {
  if (option) return option;
  if (env.EIC_KNOWN_HOSTS) return env.EIC_KNOWN_HOSTS;
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'eic', 'known_hosts');
}

/** The host pattern for an instance: its id, in OpenSSH's `[host]:port` form off port 22. */
export function hostAlias(instanceId: string, port = 22): string {
  return port === 22 ? instanceId : `[${instanceId}]:${port}`;
}

export interface KnownKey { line: number; keyType: string; blob: Buffer; revoked: boolean }

export type HostKeyCheck =
  | { status: 'match'; line: number }
  | { status: 'unknown' }
  /** Keys are recorded for this host and none is the one presented; `line` is the first of them. */
  | { status: 'changed'; line: number; known: KnownKey[] }
  | { status: 'revoked'; line: number };

/** Every key recorded for `host` in the file's text (with 1-based line numbers). */
export function keysFor(text: string, host: string): KnownKey[] {
  const out: KnownKey[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0].startsWith('@')) marker = fields.shift();
    // @cert-authority lines describe CAs, which eic does not use for host keys.
    if (marker && marker !== '@revoked') return;
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !hostMatches(hosts, host)) return;
    const blob = Buffer.from(b64, 'base64');
    out.push({ line: i + 1, keyType, blob, revoked: marker === '@revoked' });
  });
  return out;
}

export function checkHostKey(text: string, host: string, blob: Buffer): HostKeyCheck {
  const known = keysFor(text, host);
  const revoked = known.find((k) => k.revoked && k.blob.equals(blob));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const live = known.filter((k) => !k.revoked);
  const same = live.find((k) => k.blob.equals(blob));
  if (same) return { status: 'match', line: same.line };
  if (live.length === 0) return { status: 'unknown' };
  return { status: 'changed', line: live[0].line, known: live };
}

/** The key types already recorded for `host`, so the handshake can ask for one of those first. */
export function knownKeyTypes(text: string, host: string): string[] {
  return [...new Set(keysFor(text, host).filter((k) => !k.revoked).map((k) => k.keyType))];
}

export function entryLine(host: string, blob: Buffer): string {
  return `${host} ${blobKeyType(blob)} ${blob.toString('base64')}`;
}

/** The file's text, or '' when it does not exist yet. */
export async function readKnownHosts(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Append an entry (creating the folder and file), keeping the file newline-terminated. */
export async function recordHostKey(path: string, host: string, blob: Buffer): Promise<number> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const text = await readKnownHosts(path);
  const prefix = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
  await appendFile(path, `${prefix}${entryLine(host, blob)}\n`, { mode: 0o600 });
  return (text + prefix).split('\n').length;
}

/**
 * OpenSSH's host field: comma-separated patterns with `*` and `?`, `!` negation, and hashed
 * entries `|1|salt|hmac` (HashKnownHosts yes).
 */
function hostMatches(field: string, host: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(host).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    if (globMatch(negated ? pattern.slice(1) : pattern, host)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp('^' + pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(text.toLowerCase());
}
