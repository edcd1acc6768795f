/**
 * The one file-system shape the copy engine works on, so that upload and download are the same
 * algorithm with the two sides swapped: local-fs.ts wraps node:fs, remote-fs.ts wraps ssh2's
 * SFTP. Paths are POSIX on both sides (eic runs on Linux and macOS; instances speak POSIX SFTP).
 */

export type FileKind = 'file' | 'dir' | 'other';

export interface FileInfo {
  kind: FileKind;
  size: number;
  /** Permission bits only (mode & 0o7777). */
  mode: number;
  /** Seconds since the epoch (SFTP v3 carries whole seconds). */
  atime: number;
  mtime: number;
}

export interface DirEntry { name: string; info: FileInfo }

export interface Attrs { mode?: number; atime?: number; mtime?: number }

export interface ReadableFile {
  /** Read up to `len` bytes at `pos` into buf[off…]; 0 at end of file. */
  read(buf: Buffer, off: number, len: number, pos: number): Promise<number>;
  close(): Promise<void>;
}

export interface WritableFile {
  write(buf: Buffer, off: number, len: number, pos: number): Promise<void>;
  /** Mode and/or times, on the open file (after the last write, so the mtime sticks). */
  setAttrs(attrs: Attrs): Promise<void>;
  /** Cut the file to `size` bytes (a failed download keeps an exact prefix). */
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

export interface CopyFs {
  readonly side: 'local' | 'remote';
  /** How many reads / writes to keep in flight on this side (network: many, disk: a few). */
  readonly readDepth: number;
  readonly writeDepth: number;
  /** Following symlinks; undefined when nothing is there. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** The entries (without . and ..), each stat'ed through symlinks; entries that vanish are left out. */
  readdir(path: string): Promise<DirEntry[]>;
  mkdir(path: string, mode: number): Promise<void>;
  setAttrs(path: string, attrs: Attrs): Promise<void>;
  openRead(path: string): Promise<ReadableFile>;
  /** Create (mode applies to a new file) or open; truncate: false keeps the content (resume). */
  openWrite(path: string, opts: { mode: number; truncate: boolean }): Promise<WritableFile>;
  /** An absolute path for `.`, `..` or relative names (used to name what `.` copies as). */
  realpath(path: string): Promise<string>;
  /** How to show a path of this side in messages: `./x` or `i-0123…:/x`. */
  display(path: string): string;
  /**
   * The SHA-256 (hex) of the first `length` bytes of a file, where this side can compute it
   * without sending the bytes (the instance's sha256sum); undefined: read them instead.
   */
  hashPrefix?(path: string, length: number): Promise<string | undefined>;
}

export function kindOfMode(mode: number): FileKind {
  const type = mode & 0o170000;
  if (type === 0o100000) return 'file';
  if (type === 0o040000) return 'dir';
  return 'other';
}
