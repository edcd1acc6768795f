/**
 * Client keys. The default is a fresh ed25519 pair made in memory for each connection: its
 * public half is pushed with SendSSHPublicKey and it is thrown away with the process, so it
 * never touches the disk. `-i FILE` loads a user's key instead (OpenSSH, PEM or PKCS#8,
 * encrypted or not).
 *
 * ssh2's parser reads OpenSSH's own private-key format and the old PEM forms, but not PKCS#8,
 * which is what node:crypto exports for ed25519. So the fresh key is serialised into the
 * unencrypted `openssh-key-v1` format here, and PKCS#8 files are converted the same way.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { EicError, usageError } from '../errors.js';
import { newEd25519Key, openSshEd25519 } from '../ed25519.js';
import { fingerprint } from '../ssh-wire.js';

/** A private key ssh2 can sign with, and its public half in the forms eic needs. */
export interface ClientKey {
  /** Parsed by ssh2: give it to an authHandler as `key`. */
  key: ParsedKey;
  /** `ssh-ed25519 AAAA…` with no comment (what SendSSHPublicKey takes). */
  publicLine: string;
  /** SHA256:… as OpenSSH prints it. */
  fingerprint: string;
  /** Where it came from, for messages: "session key" or the file path. */
  source: string;
}

/** A new ed25519 key pair, in memory only. */
export function generateSessionKey(): ClientKey {
  return fromKeyObject(newEd25519Key(), 'session key');
}

export type PassphrasePrompt = (message: string) => Promise<string>;

export interface LoadKeyOptions {
  /** Absent when there is no terminal to ask on: encrypted keys then fail with a clear error. */
  askPassphrase?: PassphrasePrompt;
  /** A passphrase given some other way (tests, library callers). */
  passphrase?: string;
}

/** Load `-i FILE`. Errors are EicErrors that name the file and say what to do. */
export async function loadKeyFile(path: string, opts: LoadKeyOptions = {}): Promise<ClientKey> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw usageError('key-unreadable', `cannot read identity file ${path}: ${code ?? (err as Error).message}`,
      'check the path given to -i');
  }
  const text = data.toString('utf8').trim();
  if (/^-----BEGIN (?:ENCRYPTED )?PRIVATE KEY-----/.test(text)) return loadPkcs8(text, path, opts);
  return loadSshKey(text, path, opts);
}

async function loadSshKey(text: string, path: string, opts: LoadKeyOptions): Promise<ClientKey> {
  let passphrase = opts.passphrase;
  for (let attempt = 0; attempt < 3; attempt++) {
    const parsed = ssh2.utils.parseKey(text, passphrase);
    if (!(parsed instanceof Error)) {
      const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
      if (!key.isPrivateKey()) {
        throw usageError('key-not-private', `${path} holds a public key`, 'give -i the private key file (without .pub)');
      }
      return describe(key, path);
    }
    const encrypted = /no passphrase given|bad passphrase|passphrase/i.test(parsed.message);
    if (!encrypted) {
      throw usageError('key-unsupported', `cannot use identity file ${path}: ${parsed.message}`,
        'use an OpenSSH, PEM or PKCS#8 private key (ed25519, ecdsa or rsa)');
    }
    passphrase = await askFor(path, opts, passphrase !== undefined);
  }
  throw badPassphrase(path);
}

async function loadPkcs8(text: string, path: string, opts: LoadKeyOptions): Promise<ClientKey> {
  let passphrase = opts.passphrase;
  const encrypted = text.startsWith('-----BEGIN ENCRYPTED');
  if (encrypted && passphrase === undefined) passphrase = await askFor(path, opts, false);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return fromKeyObject(createPrivateKey({ key: text, format: 'pem', passphrase }), path);
    } catch (err) {
      if (err instanceof EicError) throw err;
      if (!encrypted) {
        throw usageError('key-unsupported', `cannot use identity file ${path}: ${(err as Error).message}`);
      }
      passphrase = await askFor(path, opts, true);
    }
  }
  throw badPassphrase(path);
}

async function askFor(path: string, opts: LoadKeyOptions, retry: boolean): Promise<string> {
  if (!opts.askPassphrase) {
    throw usageError('key-encrypted', `identity file ${path} is encrypted and there is no terminal to ask for its passphrase`,
      'run eic from a terminal, or load the key into ssh-agent (ssh-add) and drop -i');
  }
  return opts.askPassphrase(retry ? `Bad passphrase, try again for ${path}: ` : `Enter passphrase for key '${path}': `);
}

function badPassphrase(path: string): EicError {
  return usageError('key-bad-passphrase', `wrong passphrase for identity file ${path}`);
}

/** A node:crypto private key → an ssh2 ParsedKey, through a format ssh2 reads. */
function fromKeyObject(privateKey: KeyObject, source: string): ClientKey {
  let serialised: string;
  switch (privateKey.asymmetricKeyType) {
    case 'ed25519':
      serialised = openSshEd25519(privateKey);
      break;
    case 'rsa':
      serialised = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
      break;
    case 'ec':
      serialised = privateKey.export({ type: 'sec1', format: 'pem' }) as string;
      break;
    default:
      throw usageError('key-unsupported', `${source}: ${privateKey.asymmetricKeyType} keys are not supported`,
        'use an ed25519, ecdsa or rsa key');
  }
  const parsed = ssh2.utils.parseKey(serialised);
  if (parsed instanceof Error) {
    // Our own serialisation failed to parse: a bug, not a user error.
    throw new EicError('key-internal', `cannot prepare ${source}: ${parsed.message}`);
  }
  return describe(Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed, source);
}

function describe(key: ParsedKey, source: string): ClientKey {
  const blob = key.getPublicSSH();
  return { key, publicLine: `${key.type} ${blob.toString('base64')}`, fingerprint: fingerprint(blob), source };
}
