/**
 * The SHA-256 of a file's first bytes, computed on the instance: `head -c N -- FILE | sha256sum`
 * on an exec channel of the same connection, so that proving a partial file (--resume) or a
 * whole copy (--verify) reads the instance's disk there, not over the tunnel. Where that command
 * is missing or fails, the answer is undefined and the caller reads the bytes over SFTP instead.
 */
import type { Client } from 'ssh2';
import { shellQuote } from '../shell-quote.js';

/** The shell command that prints the SHA-256 of the first `length` bytes of `path`. */
export function prefixHashCommand(path: string, length: number): string {
  return `head -c ${length} -- ${shellQuote(path)} | sha256sum`;
}

/** Run `command` on an exec channel: its exit status and the start of its stdout (stderr dropped). */
export function execOutput(client: Client, command: string, limit = 4096): Promise<{ code?: number; stdout: string }> {
  return new Promise((resolve) => {
    client.exec(command, (err, ch) => {
      if (err) return resolve({ stdout: '' });
      let stdout = '';
      let code: number | undefined;
      ch.on('data', (d: Buffer) => { if (stdout.length < limit) stdout += d.toString('latin1'); });
      ch.stderr.resume();
      ch.on('exit', (c: number | null) => { if (typeof c === 'number') code = c; });
      ch.on('close', () => resolve({ code, stdout }));
      ch.end();
    });
  });
}

export type HashPrefix = (path: string, length: number) => Promise<string | undefined>;

/**
 * A hashPrefix for createRemoteFs. `command` builds the shell command (prefixHashCommand unless
 * a test needs one that fails); a non-zero status or an answer that is not a hash means "none".
 */
export function remoteHashPrefix(client: Client, command: (path: string, length: number) => string = prefixHashCommand): HashPrefix {
  return async (path, length) => {
    const r = await execOutput(client, command(path, length));
    const m = /^([0-9a-f]{64})\b/.exec(r.stdout);
    return r.code === 0 && m ? m[1] : undefined;
  };
}
