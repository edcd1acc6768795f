/**
 * Where `eic proxy` can tell its user about a failure when ssh has silenced it. With
 * ControlPersist (which `eic ssh-config` writes), ssh gives its ProxyCommand /dev/null as stderr,
 * because the master outlives the ssh that started it: eic's "no instance named web-2" would
 * vanish and the user see only "Connection closed by remote host". Then, if the process has a
 * terminal, its messages go there instead; without one (an IDE) nothing better is possible.
 */
import { closeSync, createWriteStream, fstatSync, openSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';

function isDevNull(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    const devNull = statSync('/dev/null');
    return st.isCharacterDevice() && st.rdev === devNull.rdev;
  } catch {
    return false;
  }
}

/** The controlling terminal to write to, when fd 2 is /dev/null and there is one. */
export function terminalIfSilenced(stderrFd = 2): Writable | undefined {
  if (process.platform === 'win32' || !isDevNull(stderrFd)) return undefined;
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'w');
  } catch {
    return undefined;
  }
  const stream = createWriteStream('', { fd, autoClose: false });
  stream.on('finish', () => { try { closeSync(fd); } catch { /* closed */ } });
  stream.on('error', () => {});
  return stream;
}
