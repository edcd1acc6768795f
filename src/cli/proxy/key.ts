/**
 * `--push-key [file]` of `eic proxy` and `eic tunnel`, and `eic push-key`: the public key to
 * push with SendSSHPublicKey before ssh authenticates, so that plain ssh (and scp, rsync, git,
 * VS Code) work through eic with the user's own key and no long-lived authorized_keys entry.
 * eic cannot see which identity ssh will offer, so it pushes one public key file: the one
 * named, else the first of ~/.ssh/id_ed25519.pub, id_ecdsa.pub, id_rsa.pub. Only public keys
 * are read.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import type { AwsContext } from '../../aws/clients.js';
import type { InstanceInfo } from '../../aws/instances.js';
import { EicError, usageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TunnelTarget } from '../../target/discover.js';

export const DEFAULT_PUBLIC_KEYS = ['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub'];
const KEY_LINE = /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa)\s+([A-Za-z0-9+/]+={0,3})(?:\s|$)/;

/** `type base64` from an OpenSSH public key line (the comment is dropped), or undefined. */
export function parsePublicKeyLine(text: string): string | undefined {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  const m = line ? KEY_LINE.exec(line) : null;
  return m ? `${m[1]} ${m[2]}` : undefined;
}

export interface KeyToPush { path: string; key: string }

/** The public key line to push, from `file` or the default ~/.ssh files. */
export async function publicKeyToPush(file: string | true, env: NodeJS.ProcessEnv): Promise<KeyToPush> {
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
  throw new EicError('push-key-none', `no public key found in ${join(home, '.ssh')} (${DEFAULT_PUBLIC_KEYS.join(', ')})`,
    'create one with ssh-keygen -t ed25519, or name it: --public-key PATH.pub');
}

/** SendSSHPublicKey for `osUser` on the instance: the key is accepted for 60 s from now. */
export async function pushKey(aws: AwsContext, instance: InstanceInfo, push: KeyToPush, osUser: string, logger: Logger): Promise<void> {
  const { pushPublicKey } = await import('../../aws/push-key.js');
  logger.debug(`pushing ${push.path} for ${osUser}@${instance.id}`);
  await pushPublicKey(aws.instanceConnect, {
    instanceId: instance.id, osUser, publicKey: push.key, availabilityZone: instance.availabilityZone, profile: aws.profile,
  });
}

/**
 * A fresh tunnel to `port`, with the key pushed meanwhile when there is one: the key is valid
 * for 60 s from the push, so it is pushed as the tunnel opens, not before. Neither is left
 * open when the other fails.
 */
export async function openWithPush(t: TunnelTarget, port: number, push: KeyToPush | undefined, osUser: string, logger: Logger): Promise<WebSocket> {
  const pushed = push && pushKey(t.aws, t.instance, push, osUser, logger);
  const opening = t.open(port);
  const [ws] = await Promise.all([opening, pushed]).catch(async (err) => {
    (await opening.catch(() => undefined))?.terminate();
    throw err;
  });
  return ws;
}
