/**
 * Proving what a copy wrote: --resume appends only to a partial file whose every byte equals
 * the source's prefix (a changed byte anywhere in it would otherwise survive into a "complete"
 * file), and --verify compares SHA-256 of the source and the copy end to end. A side that can
 * hash in place (the instance's sha256sum, remote-hash.ts) does; otherwise the bytes are read.
 */
import { createHash } from 'node:crypto';
import type { CopyFs } from './fs.js';

/** Sequential reads of this size when the bytes themselves must be hashed. */
const HASH_READ_BYTES = 256 * 1024;

/** SHA-256 (hex) of the first `length` bytes of `path` on `fs` (fewer when the file is shorter). */
export async function prefixSha256(fs: CopyFs, path: string, length: number): Promise<string> {
  const inPlace = fs.hashPrefix ? await fs.hashPrefix(path, length).catch(() => undefined) : undefined;
  return inPlace ?? hashByReading(fs, path, length);
}

/** The fallback: read the prefix through the side's own file access and hash it here. */
export async function hashByReading(fs: CopyFs, path: string, length: number): Promise<string> {
  const hash = createHash('sha256');
  const f = await fs.openRead(path);
  try {
    const buf = Buffer.alloc(Math.min(HASH_READ_BYTES, Math.max(length, 1)));
    let pos = 0;
    while (pos < length) {
      const n = await f.read(buf, 0, Math.min(buf.length, length - pos), pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    await f.close().catch(() => {});
  }
  return hash.digest('hex');
}

/** Whether the first `length` bytes of the two files are the same (both hashed at once). */
export async function samePrefix(a: { fs: CopyFs; path: string }, b: { fs: CopyFs; path: string }, length: number): Promise<boolean> {
  const [x, y] = await Promise.all([prefixSha256(a.fs, a.path, length), prefixSha256(b.fs, b.path, length)]);
  return x === y;
}

/**
 * --verify: undefined when source and copy hold the same bytes, else why not (sizes, or the two
 * hashes). The source is read again, so a source changed while it was copied is caught too.
 */
export async function verifyCopy(from: CopyFs, src: string, to: CopyFs, dst: string): Promise<string | undefined> {
  const [s, d] = await Promise.all([from.stat(src), to.stat(dst)]);
  if (!s || !d) return `${!s ? 'the source' : 'the copy'} is gone`;
  if (s.size !== d.size) return `the source has ${s.size} bytes, the copy ${d.size}`;
  const [x, y] = await Promise.all([prefixSha256(from, src, s.size), prefixSha256(to, dst, d.size)]);
  return x === y ? undefined : `SHA-256 ${x.slice(0, 16)}… of the source, ${y.slice(0, 16)}… of the copy`;
}
