/**
 * The directory of ssh's ControlMaster sockets. Whoever can write to it can plant a socket that
 * ssh would then talk to as if it were our shared connection, so it must be ours alone: made
 * 0700 when missing, refused when someone else owns it or can write to it (or to its parent).
 * ssh binds `<dir>/<%C: 40 hex>.<17 random>` first and a Unix socket path has at most 104
 * bytes on macOS (108 on Linux), which bounds the directory's length.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { usageError } from '../../errors.js';

/**
 * The default: $XDG_RUNTIME_DIR when it is the user's alone (per user, 0700, a tmpfs emptied at
 * logout, so no socket outlives the session), else ~/.ssh/eic-cm (~/.ssh ssh already insists be
 * the user's own). The runtime directory itself, not a folder in it: it is made afresh at each
 * login and a folder would not be, and ssh exits 255 when ControlPath's directory is missing.
 */
export function defaultControlDir(home: string, env: NodeJS.ProcessEnv, uid = process.getuid?.() ?? 0): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime) && Buffer.byteLength(runtime) <= MAX_CONTROL_DIR_BYTES && ownedOnlyBy(runtime, uid)) return runtime;
  return join(home, '.ssh', 'eic-cm');
}

/** A directory owned by `uid` that no one else can write to. */
function ownedOnlyBy(path: string, uid: number): boolean {
  try {
    const st = statSync(path);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** 104 bytes minus "/", 40 hex digits, ".", 17 random characters and the terminating NUL. */
export const MAX_CONTROL_DIR_BYTES = 104 - 1 - 40 - 1 - 17 - 1;

function checkOwnOnly(path: string, what: string, uid: number): void {
  const st = statSync(path);
  if (!st.isDirectory()) throw usageError('control-dir-unsafe', `${what} ${path} is not a directory`, 'pass another --control-dir, or --no-control-master');
  if (st.uid !== uid && st.uid !== 0) {
    throw usageError('control-dir-unsafe', `${what} ${path} belongs to another user (uid ${st.uid})`, 'pass a directory of your own with --control-dir, or --no-control-master');
  }
  // A sticky, world-writable parent (/tmp) lets others create entries but not replace ours.
  if ((st.mode & 0o022) !== 0 && !(what === 'its parent directory' && (st.mode & 0o1000) !== 0)) {
    throw usageError('control-dir-unsafe', `${what} ${path} can be written by other users (mode ${(st.mode & 0o7777).toString(8)})`,
      `chmod go-w ${path}, or pass another --control-dir, or --no-control-master`);
  }
}

/** Make `dir` (0700) when missing and check it is the user's alone; returns it. */
export function ensureControlDir(dir: string, uid = process.getuid?.() ?? 0): string {
  if (Buffer.byteLength(dir) > MAX_CONTROL_DIR_BYTES) {
    throw usageError('control-dir-too-long', `the ControlPath directory ${dir} is longer than ${MAX_CONTROL_DIR_BYTES} bytes: ssh's socket path in it would not fit`,
      'pass a shorter one with --control-dir (e.g. ~/.cm), or --no-control-master');
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') {
    checkOwnOnly(dirname(dir), 'its parent directory', uid);
    checkOwnOnly(dir, 'the ControlPath directory', uid);
  }
  return dir;
}
