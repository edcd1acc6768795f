/**
 * Putting the eic block into an ssh config file without disturbing anything else in it.
 *
 * - Our block lives between `# BEGIN eic` and `# END eic`; a new install replaces exactly that
 *   region, where it is (the user may have moved it on purpose). Nothing else is rewritten.
 * - A first install goes at the end of the file, unless the file has a catch-all (`Host *` or
 *   `Match all`): OpenSSH uses the first value it finds for each option, so a catch-all above
 *   us that sets User or ProxyCommand would override ours for every instance. Then the block
 *   goes just before the catch-all (and before the comment lines directly above it). Specific
 *   Host blocks the user wrote earlier still win over ours, which is what they would expect.
 * - The previous file is kept as `<file>.eic-backup` (one backup: the state before the latest
 *   change; an unchanged file is not rewritten). Writes go to a temporary file and are renamed
 *   over the real path (through a symlink, so dotfile managers keep their link), keeping the
 *   file's mode. A missing directory is created 0700 and a missing file 0600, as ssh demands.
 */
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { usageError } from '../../errors.js';
import { BEGIN_MARKER, END_MARKER } from './block.js';

export type Placement = 'replaced' | 'appended' | 'before-catch-all' | 'new-file';

/** A `Host` line whose patterns include a bare `*`, or `Match all`. */
function isCatchAll(line: string): boolean {
  const m = /^\s*(host|match)(?:\s*=\s*|\s+)(.*)$/i.exec(line);
  if (!m) return false;
  const words = m[2].replace(/#.*$/, '').split(/[\s,]+/).filter(Boolean).map((w) => w.replace(/^"(.*)"$/, '$1'));
  return m[1].toLowerCase() === 'host' ? words.includes('*') : words.length === 1 && words[0].toLowerCase() === 'all';
}

/** The file's new text with `block` in place, and where it went. Pure. */
export function mergeSshConfig(existing: string, block: string, file = 'the ssh config'): { text: string; placement: Placement } {
  const lines = existing.split('\n');
  const begin = lines.findIndex((l) => l.trim().startsWith(BEGIN_MARKER));
  const blockLines = block.replace(/\n$/, '').split('\n');
  if (begin >= 0) {
    const end = lines.findIndex((l, i) => i > begin && l.trim() === END_MARKER);
    if (end < 0) {
      throw usageError('ssh-config-marker', `${file} has "${BEGIN_MARKER}" but no "${END_MARKER}" after it`,
        'remove the incomplete eic block by hand, then run eic ssh-config --install again');
    }
    lines.splice(begin, end - begin + 1, ...blockLines);
    return { text: lines.join('\n'), placement: 'replaced' };
  }
  const catchAll = lines.findIndex(isCatchAll);
  if (catchAll >= 0) {
    let at = catchAll;
    while (at > 0 && lines[at - 1].trim().startsWith('#')) at--;
    lines.splice(at, 0, ...blockLines, '');
    return { text: lines.join('\n'), placement: 'before-catch-all' };
  }
  const body = existing.replace(/\n*$/, '');
  return { text: (body ? `${body}\n\n` : '') + block, placement: body ? 'appended' : 'new-file' };
}

export interface InstallResult {
  /** The file written (the symlink's target when the path is a symlink). */
  path: string;
  placement: Placement;
  /** False when the file already held this very block. */
  changed: boolean;
  /** Where the previous content was saved, when there was any. */
  backup?: string;
}

function resolveLink(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() && existsSync(path) ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

export function installSshConfigBlock(path: string, block: string): InstallResult {
  const target = resolveLink(path);
  if (!existsSync(target)) {
    // mkdir's mode applies only to directories it creates: an existing ~/.ssh keeps its own.
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(target, block, { mode: 0o600, flag: 'wx' });
    return { path: target, placement: 'new-file', changed: true };
  }
  const existing = readFileSync(target, 'utf8');
  const { text, placement } = mergeSshConfig(existing, block, path);
  if (text === existing) return { path: target, placement, changed: false };
  const mode = statSync(target).mode & 0o777;
  const backup = `${target}.eic-backup`;
  copyFileSync(target, backup);
  chmodSync(backup, mode);
  const tmp = join(dirname(target), `.${basename(target)}.eic-${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, target);
  return { path: target, placement, changed: true, backup };
}
