/**
 * Carry out a CopyPlan: directories made as they come (owner-writable until the end, so a
 * read-only directory can still be filled), files piped with pipeline.ts, modes set on every
 * file and on the directories we made, times too with -p. The first failure ends the copy;
 * what was copied before it stays, and the error says how far the copy got.
 */
import { EicError, type ErrorCode } from '../errors.js';
import { isConnectionLoss, pathError, reasonOf } from './errors.js';
import type { CopyFs, FileInfo } from './fs.js';
import { PipeFailure, pipeFile } from './pipeline.js';
import type { CopyItem, CopyPlan } from './plan.js';
import { samePrefix, verifyCopy } from './integrity.js';

/** 128 KiB × 32 requests in flight: the fastest pair bench/cp.mjs found (bench/RESULTS.md, "Measured choices in the code"). */
export const DEFAULT_CHUNK_SIZE = 128 * 1024;

export interface CopyEvents {
  /** A file begins; `start` > 0 when --resume continues it. */
  fileStart?(item: CopyItem, start: number): void;
  /** More bytes of the current file are written (acknowledged, in order). */
  bytes?(n: number): void;
  fileDone?(item: CopyItem): void;
  /** Something worth a line on stderr (not shown with -q). */
  note?(message: string): void;
}

export interface CopyOptions {
  from: CopyFs;
  to: CopyFs;
  /** -p: keep modification and access times too (modes are always kept). */
  preserveTimes: boolean;
  /** --resume: append to a destination file whose content is a prefix of the source. */
  resume: boolean;
  /** --verify: compare SHA-256 of source and copy after each file. */
  verify?: boolean;
  chunkSize?: number;
  events?: CopyEvents;
}

export interface CopyResult {
  files: number;
  bytes: number;
  /** Files --resume found complete already. */
  skipped: number;
}

/** Where a failed copy stopped, for the message and for retrying. */
export interface CopyProgress {
  filesDone: number;
  files: number;
  /** The file being copied when it failed, and how much of it is written. */
  current?: { src: string; dst: string; done: number; size: number };
}

export class CopyFailure extends EicError {
  constructor(base: EicError, readonly progress: CopyProgress) {
    super(base.code, base.message, base.hint, { cause: base.cause });
    this.name = 'CopyFailure';
  }
}

/**
 * Small files go several at a time: each costs a few round trips (open, write, set mode,
 * close) and little else, so at a real endpoint's latency one after another is slow. A large
 * file has the connection to itself (its own pipeline already keeps it full).
 */
const PARALLEL_FILES = 8;
const SMALL_FILE_BYTES = 1024 * 1024;

export async function executePlan(plan: CopyPlan, o: CopyOptions): Promise<CopyResult> {
  const result: CopyResult = { files: 0, bytes: 0, skipped: 0 };
  const made: CopyItem[] = [];
  const progress: CopyProgress = { filesDone: 0, files: plan.files };
  const wrap = (err: unknown, display: string) => new CopyFailure(pathError(err, display), progress);
  let failure: unknown;
  let running = 0;
  let wake: Array<() => void> = [];
  const inFlight = new Set<Promise<void>>();
  const release = (weight: number) => {
    running -= weight;
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  for (const item of plan.items) {
    if (failure) break;
    if (item.kind === 'dir') {
      // Directories in order: a file is only started once its directory exists.
      try {
        if (await makeDir(item, o)) made.push(item);
      } catch (err) {
        failure = wrap(err, o.to.display(item.dst));
      }
      continue;
    }
    const weight = item.info.size <= SMALL_FILE_BYTES ? 1 : PARALLEL_FILES;
    while (running > 0 && running + weight > PARALLEL_FILES) await new Promise<void>((r) => wake.push(r));
    if (failure) break;
    running += weight;
    const job: Promise<void> = copyFile(item, o, progress, result).then(
      (written) => { result.bytes += written; progress.filesDone++; },
      (err) => { failure ??= err; },
    ).finally(() => { inFlight.delete(job); release(weight); });
    inFlight.add(job);
  }
  // What is under way finishes (or fails) before we report: what was copied stays copied.
  await Promise.all([...inFlight]);
  if (failure) throw failure;
  // Deepest first, so that setting a directory's mtime is not undone by work inside it.
  for (const d of made.reverse()) {
    await o.to.setAttrs(d.dst, attrsFor(d.info, o.preserveTimes)).catch((err) => { throw wrap(err, o.to.display(d.dst)); });
  }
  return result;
}

/** True when we created it (its mode is then ours to set). */
async function makeDir(item: CopyItem, o: CopyOptions): Promise<boolean> {
  const there = await o.to.stat(item.dst);
  if (there) {
    if (there.kind !== 'dir') throw Object.assign(new Error('exists and is not a directory'), { code: 'ENOTDIR' });
    return o.preserveTimes;
  }
  await o.to.mkdir(item.dst, (item.info.mode | 0o700) & 0o7777);
  return true;
}

function attrsFor(info: FileInfo, times: boolean) {
  return times ? { mode: info.mode, atime: info.atime, mtime: info.mtime } : { mode: info.mode };
}

async function copyFile(item: CopyItem, o: CopyOptions, progress: CopyProgress, result: CopyResult): Promise<number> {
  const { from, to } = o;
  const size = item.info.size;
  const fail = (err: unknown, display: string, done = 0) => {
    progress.current = { src: item.src, dst: item.dst, done, size };
    return new CopyFailure(pathError(err, display), progress);
  };
  const start = o.resume ? await resumeOffset(item, o).catch((err) => { throw fail(err, to.display(item.dst)); }) : 0;
  if (start === size && o.resume && size > 0) {
    result.skipped++;
    o.events?.note?.(`${to.display(item.dst)}: already complete, skipped`);
    o.events?.fileStart?.(item, size);
    await check(item, o, size, progress);
    o.events?.fileDone?.(item);
    return 0;
  }
  const input = await from.openRead(item.src).catch((err) => { throw fail(err, from.display(item.src)); });
  let output;
  try {
    output = await to.openWrite(item.dst, { mode: item.info.mode, truncate: start === 0 });
  } catch (err) {
    await bounded(input.close());
    throw fail(err, to.display(item.dst), start);
  }
  o.events?.fileStart?.(item, start);
  let reached = start;
  try {
    const end = await pipeFile(input, output, {
      size, start, chunkSize: o.chunkSize ?? DEFAULT_CHUNK_SIZE,
      readDepth: from.readDepth, writeDepth: to.writeDepth,
      onBytes: o.events?.bytes,
    });
    reached = end;
    if (end < size) o.events?.note?.(`${from.display(item.src)}: shrank while being copied; copied ${end} of ${size} bytes`);
    await output.setAttrs(attrsFor(item.info, o.preserveTimes));
    await output.close();
    output = undefined;
    await input.close();
    await check(item, o, end, progress);
    o.events?.fileDone?.(item);
    result.files++;
    return end - start;
  } catch (err) {
    if (err instanceof CopyFailure) throw err; // the check after the copy: already says it all
    const failure = err instanceof PipeFailure ? err : undefined;
    const done = failure?.done ?? reached;
    // A local file is cut back to what is known written, so --resume finds an exact prefix.
    if (output && to.side === 'local') await bounded(output.truncate(done));
    await bounded(output?.close());
    await bounded(input.close());
    const cause = failure ? (failure.cause ?? failure) : err;
    const display = failure?.side === 'read' ? from.display(item.src) : to.display(item.dst);
    throw midway(cause, display, item, done, size, progress);
  }
}

/**
 * After every file: the copy has the size that was copied (a write lost without an error would
 * otherwise pass), and with --verify the same SHA-256 as the source.
 */
async function check(item: CopyItem, o: CopyOptions, size: number, progress: CopyProgress): Promise<void> {
  const display = o.to.display(item.dst);
  const failed = (code: ErrorCode, message: string) => {
    progress.current = { src: item.src, dst: item.dst, done: 0, size: item.info.size };
    return new CopyFailure(new EicError(code, message), progress);
  };
  let why: string | undefined;
  try {
    const there = await o.to.stat(item.dst);
    if (there?.size !== size) {
      throw failed('cp-size-mismatch', `${display}: has ${there?.size ?? 'no'} bytes after the copy, not ${size}`);
    }
    if (o.verify) why = await verifyCopy(o.from, item.src, o.to, item.dst);
  } catch (err) {
    if (err instanceof CopyFailure) throw err;
    throw new CopyFailure(pathError(err, display), progress);
  }
  if (why) {
    throw failed('cp-verify-failed',
      `${display}: differs from ${o.from.display(item.src)} after the copy (${why}); the source may have changed while it was copied`);
  }
}

/** Tidying up after a failure: best effort, and never long (the connection may be gone). */
async function bounded(p: Promise<unknown> | undefined, ms = 5000): Promise<void> {
  if (!p) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => {}), new Promise<void>((r) => { timer = setTimeout(r, ms); timer.unref(); })]);
  clearTimeout(timer);
}

function midway(cause: unknown, display: string, item: CopyItem, done: number, size: number, progress: CopyProgress): CopyFailure {
  progress.current = { src: item.src, dst: item.dst, done, size };
  const pct = size > 0 ? Math.floor((done / size) * 100) : 100;
  const lost = isConnectionLoss(cause);
  const what = lost ? `connection lost while copying ${display}` : `${display}: ${reasonOf(cause)}`;
  const base = new EicError(lost ? 'cp-connection-lost' : 'cp-failed',
    `${what}${lost ? ` (${reasonOf(cause)})` : ''}; stopped at ${formatBytes(done)} of ${formatBytes(size)} (${pct}%)`,
    undefined, { cause });
  return new CopyFailure(base, progress);
}

/** Where --resume continues `item`: the destination's size if all of it equals the source's prefix, else 0. */
async function resumeOffset(item: CopyItem, o: CopyOptions): Promise<number> {
  const there = await o.to.stat(item.dst);
  if (!there || there.kind !== 'file' || there.size === 0) return 0;
  if (there.size > item.info.size) {
    o.events?.note?.(`${o.to.display(item.dst)}: larger than the source; copying it again`);
    return 0;
  }
  if (!(await samePrefix({ fs: o.from, path: item.src }, { fs: o.to, path: item.dst }, there.size))) {
    o.events?.note?.(`${o.to.display(item.dst)}: differs from the source; copying it again`);
    return 0;
  }
  if (there.size < item.info.size) o.events?.note?.(`${o.to.display(item.dst)}: resuming at ${formatBytes(there.size)}`);
  return there.size;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
