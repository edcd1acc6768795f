/**
 * scp's operand syntax: `[user@]host:path` is remote when a colon comes before any slash;
 * anything else (and anything starting with / ./ ../) is a local path. `host` is what
 * `eic ssh` takes: an instance id, Name tag, private IP (IPv6 in brackets) or DNS name.
 */
import { usageError } from '../../errors.js';

export interface Operand {
  raw: string;
  path: string;
  /** Set for INSTANCE:PATH operands. */
  remote?: { user?: string; host: string; label: string };
}

const REMOTE = /^(?:([^@/:[\]]+)@)?(\[[^\]/]+\]|[^:/[\]@]+):(.*)$/s;

export function parseOperand(raw: string): Operand {
  if (raw === '') throw usageError('cp-empty-operand', 'an empty path was given');
  if (raw.startsWith('/') || raw.startsWith('./') || raw.startsWith('../')) return { raw, path: raw };
  const m = REMOTE.exec(raw);
  if (!m) return { raw, path: raw };
  const [, user, hostPart, path] = m;
  const host = hostPart.startsWith('[') ? hostPart.slice(1, -1) : hostPart;
  return { raw, path, remote: { user, host, label: raw.slice(0, raw.length - path.length - 1) } };
}

export interface CopyDirection {
  direction: 'upload' | 'download';
  sources: Operand[];
  dest: Operand;
  /** The one instance involved, and the user named with it (if any). */
  host: string;
  user?: string;
  /** For messages: what the user typed before the colon. */
  label: string;
}

/** Which way the copy goes; refuses local→local, remote→remote and mixed sources. */
export function copyDirection(operands: string[]): CopyDirection {
  if (operands.length < 2) throw usageError('cp-operands', 'eic cp needs at least a source and a destination', 'eic cp [-r] SRC... DEST, one side written INSTANCE:PATH');
  const parsed = operands.map(parseOperand);
  const dest = parsed[parsed.length - 1];
  const sources = parsed.slice(0, -1);
  const remoteSources = sources.filter((s) => s.remote);
  if (dest.remote && remoteSources.length > 0) {
    throw usageError('cp-remote-to-remote', `copying from an instance to an instance (${remoteSources[0].raw} → ${dest.raw}) is not supported`,
      'copy to a local directory first, then from there');
  }
  if (!dest.remote && remoteSources.length === 0) {
    throw usageError('cp-local-to-local', 'no side of the copy is on an instance', 'write the instance side as INSTANCE:PATH (e.g. i-0123456789abcdef0:/tmp/); for local copies use cp');
  }
  if (!dest.remote && remoteSources.length !== sources.length) {
    const local = sources.find((s) => !s.remote)!;
    throw usageError('cp-mixed-sources', `sources must all be on the instance or all local, but ${local.raw} is local and ${remoteSources[0].raw} is not`);
  }
  const remotes = dest.remote ? [dest] : sources;
  const first = remotes[0].remote!;
  for (const r of remotes) {
    if (r.remote!.host !== first.host || r.remote!.user !== first.user) {
      throw usageError('cp-several-instances', `sources on more than one instance or user (${first.label}, ${r.remote!.label})`, 'copy from one instance at a time');
    }
  }
  return { direction: dest.remote ? 'upload' : 'download', sources, dest, host: first.host, user: first.user, label: first.label };
}

/** Quote for a POSIX shell, for the retry command we print. */
export { shellQuote } from '../../shell-quote.js';
