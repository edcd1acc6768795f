/**
 * The few pieces of the SSH wire encoding (RFC 4251 §5) that key handling needs: length-prefixed
 * strings and public-key blobs. Kept apart so keys.ts and known-hosts.ts share one reader.
 */
import { createHash } from 'node:crypto';

/** uint32 length + bytes. */
export function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  return Buffer.concat([len, body]);
}

export function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** The key type named at the start of a public-key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) throw new Error('public key blob too short');
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4) throw new Error('public key blob malformed');
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:<base64 without padding>`, the fingerprint OpenSSH prints. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}
