/**
 * Turning what node:fs and SFTP throw into one-line EicErrors that name the path, and telling
 * apart the failures of a file (permission, space) from the loss of the connection, which
 * ends the whole copy.
 */
import { EicError, isEicError } from '../errors.js';
import { SFTP_STATUS } from './remote-fs.js';

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'already exists',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
};

const SFTP_REASONS: Record<number, string> = {
  [SFTP_STATUS.NO_SUCH_FILE]: 'no such file or directory',
  [SFTP_STATUS.PERMISSION_DENIED]: 'permission denied',
  [SFTP_STATUS.OP_UNSUPPORTED]: 'operation not supported by the server',
};

/** True when the SSH connection or SFTP channel is gone: nothing more can be copied. */
export function isConnectionLoss(err: unknown): boolean {
  if (isEicError(err)) return err.kind === 'connection';
  const e = err as { code?: unknown; message?: string; level?: string };
  if (typeof e?.message !== 'string') return false;
  return /No response from server|Not connected|Channel not open|No SFTP channel|Connection lost|ECONNRESET|EPIPE/i.test(e.message)
    || e.level === 'client-socket';
}

/** Why an operation on `display` failed, in a few words. */
export function reasonOf(err: unknown): string {
  const e = err as { code?: unknown; message?: string };
  if (typeof e?.code === 'string' && FS_REASONS[e.code]) return FS_REASONS[e.code];
  if (typeof e?.code === 'number' && SFTP_REASONS[e.code]) return SFTP_REASONS[e.code];
  // OpenSSH's sftp-server says "Failure" for everything else (ENOSPC, EISDIR, …).
  if (typeof e?.code === 'number' && e.code === SFTP_STATUS.FAILURE) return 'failed on the server (disk full, or a directory in the way?)';
  return (e?.message ?? String(err)).replace(/^[A-Z]+: /, '').split('\n')[0];
}

/** `display: reason` as an EicError, or the loss of the connection as one. */
export function pathError(err: unknown, display: string, hint?: string): EicError {
  if (isEicError(err)) return err;
  if (isConnectionLoss(err)) {
    return new EicError('cp-connection-lost', `connection lost while copying ${display}: ${reasonOf(err)}`, hint, { cause: err });
  }
  return new EicError('cp-failed', `${display}: ${reasonOf(err)}`, hint, { cause: err });
}
