/** The local side of a copy: node:fs/promises behind the CopyFs shape. */
import { constants } from 'node:fs';
import { chmod, mkdir, open, readdir, realpath, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attrs, CopyFs, FileInfo, ReadableFile, WritableFile } from './fs.js';
import { kindOfMode } from './fs.js';

async function statOrUndefined(path: string): Promise<FileInfo | undefined> {
  try {
    const s = await stat(path);
    return { kind: kindOfMode(s.mode), size: s.size, mode: s.mode & 0o7777, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function createLocalFs(): CopyFs {
  return {
    side: 'local',
    // The page cache answers at memory speed: a few in flight keep the disk side ahead of the network.
    readDepth: 4,
    writeDepth: 4,
    stat: statOrUndefined,
    async readdir(path) {
      const names = await readdir(path);
      const infos = await Promise.all(names.map((name) => statOrUndefined(join(path, name))));
      return names.flatMap((name, i) => (infos[i] ? [{ name, info: infos[i]! }] : []));
    },
    async mkdir(path, mode) { await mkdir(path, { mode }); },
    async setAttrs(path, attrs: Attrs) {
      if (attrs.mode !== undefined) await chmod(path, attrs.mode);
      if (attrs.mtime !== undefined) await utimes(path, attrs.atime ?? attrs.mtime, attrs.mtime);
    },
    async openRead(path): Promise<ReadableFile> {
      const fh = await open(path, 'r');
      return {
        read: async (buf, off, len, pos) => (await fh.read(buf, off, len, pos)).bytesRead,
        close: () => fh.close(),
      };
    },
    async openWrite(path, opts): Promise<WritableFile> {
      const flags = constants.O_WRONLY | constants.O_CREAT | (opts.truncate ? constants.O_TRUNC : 0);
      const fh = await open(path, flags, opts.mode);
      return {
        async write(buf, off, len, pos) {
          let done = 0;
          while (done < len) done += (await fh.write(buf, off + done, len - done, pos + done)).bytesWritten;
        },
        async setAttrs(attrs) {
          if (attrs.mode !== undefined) await fh.chmod(attrs.mode);
          if (attrs.mtime !== undefined) await fh.utimes(attrs.atime ?? attrs.mtime, attrs.mtime);
        },
        truncate: (size) => fh.truncate(size),
        close: () => fh.close(),
      };
    },
    realpath: (path) => realpath(path),
    display: (path) => path,
  };
}
