/**
 * What a copy will do, worked out before the first byte moves: which sources exist, where each
 * lands (scp's rules: into DEST when it is a directory, as DEST otherwise), every file and
 * directory of a -r tree, and the total size for the progress bar. Mistakes the user can fix
 * (a missing source, a directory without -r, a missing destination directory) are found here,
 * so they cost no partial copy.
 */
import { posix } from 'node:path';
import { EicError, type ErrorCode } from '../errors.js';
import { pathError } from './errors.js';
import type { CopyFs, FileInfo } from './fs.js';

export interface CopyItem {
  kind: 'file' | 'dir';
  src: string;
  dst: string;
  info: FileInfo;
}

export interface CopyPlan {
  /** Pre-order: a directory comes before what it holds. */
  items: CopyItem[];
  files: number;
  bytes: number;
}

export interface PlanInput {
  from: CopyFs;
  to: CopyFs;
  sources: string[];
  dest: string;
  recursive: boolean;
}

/** Directory trees deeper than this are taken for a symlink loop. */
const MAX_DEPTH = 64;

const fail = (code: ErrorCode, message: string, hint?: string) => new EicError(code, message, hint);

async function guarded<T>(fs: CopyFs, path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw pathError(err, fs.display(path));
  }
}

/** `a/b/` → `a/b`; `/` stays. */
function trimSlashes(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t === '' && p.startsWith('/') ? '/' : t;
}

async function nameOf(fs: CopyFs, path: string): Promise<string> {
  let name = posix.basename(trimSlashes(path));
  if (name === '' || name === '.' || name === '..') name = posix.basename(await guarded(fs, path, () => fs.realpath(path)));
  if (name === '' || name === '/') throw fail('cp-root', `${fs.display(path)}: cannot copy the root directory as a whole`, 'copy what it holds instead (dir/*), or name a subdirectory');
  return name;
}

export async function planCopy(input: PlanInput): Promise<CopyPlan> {
  const { from, to, recursive } = input;
  const dest = input.dest === '' ? '.' : input.dest;
  const destInfo = await guarded(to, dest, () => to.stat(dest));
  const intoDir = destInfo?.kind === 'dir';

  if (!intoDir) {
    if (destInfo) {
      if (input.sources.length > 1) throw fail('cp-dest-not-dir', `${to.display(dest)}: not a directory (several sources need a directory to go into)`);
    } else {
      if (input.sources.length > 1 || dest.endsWith('/')) {
        throw fail('cp-dest-missing', `${to.display(dest)}: no such directory`, 'create it first, or check the path');
      }
      const parent = posix.dirname(trimSlashes(dest));
      const parentInfo = await guarded(to, parent, () => to.stat(parent));
      if (!parentInfo) throw fail('cp-dest-missing', `${to.display(parent)}: no such directory`, 'create it first, or check the path');
      if (parentInfo.kind !== 'dir') throw fail('cp-dest-not-dir', `${to.display(parent)}: not a directory`);
    }
  }

  const plan: CopyPlan = { items: [], files: 0, bytes: 0 };
  for (const raw of input.sources) {
    const src = raw === '' ? '.' : raw;
    const info = await guarded(from, src, () => from.stat(src));
    if (!info) throw fail('cp-source-missing', `${from.display(src)}: no such file or directory`);
    const target = intoDir ? posix.join(dest, await nameOf(from, src)) : dest;
    if (info.kind === 'dir') {
      if (!recursive) throw fail('cp-source-is-dir', `${from.display(src)}: is a directory`, 'use -r to copy directories');
      if (destInfo && !intoDir) throw fail('cp-dest-not-dir', `${to.display(dest)}: not a directory`);
      await walk(from, src, target, info, plan, 0);
    } else if (info.kind === 'file') {
      plan.items.push({ kind: 'file', src, dst: target, info });
      plan.files++;
      plan.bytes += info.size;
    } else {
      throw fail('cp-not-regular', `${from.display(src)}: not a regular file or directory`);
    }
  }
  return plan;
}

async function walk(fs: CopyFs, src: string, dst: string, info: FileInfo, plan: CopyPlan, depth: number): Promise<void> {
  if (depth > MAX_DEPTH) throw fail('cp-too-deep', `${fs.display(src)}: more than ${MAX_DEPTH} directories deep (a symlink loop?)`);
  plan.items.push({ kind: 'dir', src, dst, info });
  const entries = await guarded(fs, src, () => fs.readdir(src));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const s = posix.join(src, e.name);
    const d = posix.join(dst, e.name);
    if (e.info.kind === 'dir') await walk(fs, s, d, e.info, plan, depth + 1);
    else if (e.info.kind === 'file') {
      plan.items.push({ kind: 'file', src: s, dst: d, info: e.info });
      plan.files++;
      plan.bytes += e.info.size;
    }
    // Sockets, FIFOs and devices are skipped, as scp does.
  }
}
