/**
 * The instance's side of a copy: ssh2's SFTP (callbacks) behind the CopyFs shape (promises).
 * One SFTP channel serves the whole copy; requests are pipelined by the caller, and OpenSSH's
 * sftp-server answers them in order, which keeps a failed upload's file an exact prefix.
 */
import { posix } from 'node:path';
import type { Client, SFTPWrapper, Stats } from 'ssh2';
import { EicError } from '../errors.js';
import type { Attrs, CopyFs, DirEntry, FileInfo, ReadableFile, WritableFile } from './fs.js';
import { kindOfMode } from './fs.js';

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that ssh2 puts in `err.code`. */
export const SFTP_STATUS = { EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, OP_UNSUPPORTED: 8 } as const;

type Cb<T> = (err: Error | undefined | null, value: T) => void;

function infoOf(s: Stats | { mode: number; size: number; atime: number; mtime: number }): FileInfo {
  return { kind: kindOfMode(s.mode), size: s.size, mode: s.mode & 0o7777, atime: s.atime, mtime: s.mtime };
}

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === SFTP_STATUS.NO_SUCH_FILE;
}

/** Open the SFTP subsystem on a ready connection. */
export function openSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) => {
      if (err) {
        reject(new EicError('sftp-unavailable', `the instance's sshd refused the SFTP subsystem: ${err.message}`,
          'eic cp needs "Subsystem sftp" in the instance\'s sshd_config', { cause: err }));
      } else resolve(sftp);
    });
  });
}

export interface RemoteFsOptions {
  /** What the user typed before the colon (`ec2-user@web-1`), for messages. */
  label: string;
  /** Requests in flight per file (measured: bench/cp.mjs). */
  depth?: number;
  /** SHA-256 of a file's first bytes computed on the instance (remote-hash.ts). */
  hashPrefix?: (path: string, length: number) => Promise<string | undefined>;
}

export function createRemoteFs(sftp: SFTPWrapper, opts: RemoteFsOptions): CopyFs {
  const depth = opts.depth ?? 32;
  // ssh2 fails the requests in flight when the channel closes, but a request made after that
  // would wait forever (its callback is kept, never called): refuse it instead.
  let gone: Error | undefined;
  const lost = (why: string) => () => { gone ??= new Error(`Connection lost: ${why}`); };
  sftp.on('end', lost('the SFTP channel ended'));
  sftp.on('close', lost('the SFTP channel closed'));
  sftp.on('error', (err: Error) => { gone ??= new Error(`Connection lost: ${err.message}`); });
  const call = <T>(fn: (cb: Cb<T>) => void): Promise<T> => {
    if (gone) return Promise.reject(gone);
    return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
  };
  const stat = async (path: string): Promise<FileInfo | undefined> => {
    try {
      return infoOf(await call<Stats>((cb) => sftp.stat(path, cb)));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  };
  return {
    side: 'remote',
    readDepth: depth,
    writeDepth: depth,
    stat,
    async readdir(path) {
      const list = await call<Array<{ filename: string; attrs: Stats }>>((cb) => sftp.readdir(path, cb));
      const out: DirEntry[] = [];
      for (const e of list) {
        if (e.filename === '.' || e.filename === '..') continue;
        // readdir's attributes are lstat's: look through symlinks, as scp -r does.
        const info = (e.attrs.mode & 0o170000) === 0o120000 ? await stat(posix.join(path, e.filename)) : infoOf(e.attrs);
        if (info) out.push({ name: e.filename, info });
      }
      return out;
    },
    mkdir: (path, mode) => call<void>((cb) => sftp.mkdir(path, { mode }, cb as Cb<void>)),
    setAttrs: (path, attrs) => call<void>((cb) => sftp.setstat(path, sftpAttrs(attrs), cb as Cb<void>)),
    async openRead(path): Promise<ReadableFile> {
      const handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
      return {
        read: (buf, off, len, pos) => call<number>((cb) => sftp.read(handle, buf, off, len, pos, cb as Cb<number>)),
        close: () => call<void>((cb) => sftp.close(handle, cb as Cb<void>)),
      };
    },
    async openWrite(path, o): Promise<WritableFile> {
      // 'w' = WRITE|CREAT|TRUNC; 'r+' = READ|WRITE (no create): a resume opens a file that is there.
      const handle = await call<Buffer>((cb) => sftp.open(path, o.truncate ? 'w' : 'r+', { mode: o.mode }, cb));
      return {
        write: (buf, off, len, pos) => call<void>((cb) => sftp.write(handle, buf, off, len, pos, cb as Cb<void>)),
        setAttrs: (attrs) => call<void>((cb) => sftp.fsetstat(handle, sftpAttrs(attrs), cb as Cb<void>)),
        truncate: (size) => call<void>((cb) => sftp.fsetstat(handle, { size }, cb as Cb<void>)),
        close: () => call<void>((cb) => sftp.close(handle, cb as Cb<void>)),
      };
    },
    realpath: (path) => call<string>((cb) => sftp.realpath(path, cb)),
    display: (path) => `${opts.label}:${path}`,
    hashPrefix: opts.hashPrefix,
  };
}

function sftpAttrs(a: Attrs): { mode?: number; atime?: number; mtime?: number } {
  const out: { mode?: number; atime?: number; mtime?: number } = {};
  if (a.mode !== undefined) out.mode = a.mode;
  if (a.mtime !== undefined) { out.mtime = a.mtime; out.atime = a.atime ?? a.mtime; }
  return out;
}
