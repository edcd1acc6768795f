/** In-memory stdio for running ssh modules in-process: collect what the remote side writes. */
import { PassThrough, Readable } from 'node:stream';
import type { Io } from '../../src/io.js';

export interface CapturedIo extends Io {
  out(): string;
  err(): string;
}

export function captureIo(stdinData: string | Buffer = '', env: NodeJS.ProcessEnv = {}): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (d: Buffer) => outChunks.push(d));
  stderr.on('data', (d: Buffer) => errChunks.push(d));
  return {
    stdin: Readable.from(stdinData.length ? [Buffer.from(stdinData)] : []),
    stdout,
    stderr,
    env,
    out: () => Buffer.concat(outChunks).toString('utf8'),
    err: () => Buffer.concat(errChunks).toString('utf8'),
  };
}
