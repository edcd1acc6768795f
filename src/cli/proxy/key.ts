/**
 * `eic proxy --push-key [file]`: the public key to push with SendSSHPublicKey before ssh
 * authenticates, so that plain ssh (and scp, rsync, git, VS Code) work through a ProxyCommand
 * with the user's own key and no long-lived authorized_keys entry. eic cannot see which
 * identity ssh will offer, so it pushes one public key file: the one named, else the first of
 * ~/.ssh/id_ed25519.pub, id_ecdsa.pub, id_rsa.pub. Only public keys are read.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EicError, ExitCode, usageError } from '../../errors.js';

export const DEFAULT_PUBLIC_KEYS = ['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub'];
const KEY_LINE = /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa)\s+([A-Za-z0-9+/]+={0,3})(?:\s|$)/;

/** `type base64` from an OpenSSH public key line (the comment is dropped), or undefined. */
export function parsePublicKeyLine(text: string): string | undefined {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  const m = line ? KEY_LINE.exec(line) : null;
  return m ? `${m[1]} ${m[2]}` : undefined;
}

/** The public key line to push, from `file` or the default ~/.ssh files. */
export async function publicKeyToPush(file: string | true, env: NodeJS.ProcessEnv): Promise<{ path: string; key: string }> {
  const home = env.HOME || homedir();
  const candidates = file === true ? DEFAULT_PUBLIC_KEYS.map((f) => join(home, '.ssh', f)) : [file.endsWith('.pub') ? file : `${file}.pub`];
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && file === true) continue;
      throw usageError('push-key-unreadable', `cannot read the public key ${path}: ${(err as Error).message}`,
        'name an OpenSSH public key file: --public-key ~/.ssh/id_ed25519.pub');
    }
    const key = parsePublicKeyLine(text);
    if (!key) {
      throw usageError('push-key-not-a-key', `${path} is not an OpenSSH public key (ssh-ed25519, ecdsa-sha2-nistp* or ssh-rsa)`,
        'pass the .pub file of the key ssh uses');
    }
    return { path, key };
  }
  throw new EicError(ExitCode.usage, 'push-key-none', `no public key found in ${join(home, '.ssh')} (${DEFAULT_PUBLIC_KEYS.join(', ')})`,
    'create one with ssh-keygen -t ed25519, or name it: --public-key PATH.pub');
}
