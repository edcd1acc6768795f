/**
 * The public-key check SendSSHPublicKey does: an OpenSSH `type base64 [comment]` line whose
 * blob really is a key of that type. EC2 Instance Connect accepts RSA (at least 2048 bits),
 * ED25519 and ECDSA (nistp256/384/521) keys.
 */

/** Why the key is refused, or undefined when it is acceptable. */
export function checkSshPublicKey(line: string): string | undefined {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2) return 'The public key must be of the form "<type> <base64> [comment]"';
  const [type, b64] = parts;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return 'The public key is not valid base64';
  const blob = Buffer.from(b64, 'base64');
  const reader = new BlobReader(blob);
  try {
    if (reader.string().toString('latin1') !== type) return `The public key's type does not match its data (${type})`;
    const why = checkKeyData(type, reader);
    if (why) return why;
    if (!reader.done()) return 'The public key has trailing data';
  } catch {
    return 'The public key data is truncated';
  }
  return undefined;
}

const CURVES: Record<string, number> = { nistp256: 32, nistp384: 48, nistp521: 66 };

function checkKeyData(type: string, r: BlobReader): string | undefined {
  if (type === 'ssh-rsa') {
    const e = stripZeros(r.string());
    const n = stripZeros(r.string());
    if (e.length === 0 || n.length === 0) return 'The RSA key is invalid';
    const bits = (n.length - 1) * 8 + (32 - Math.clz32(n[0]));
    if (bits < 2048) return `The RSA key is ${bits} bits; at least 2048 are required`;
    return undefined;
  }
  if (type === 'ssh-ed25519') {
    return r.string().length === 32 ? undefined : 'The ED25519 key is invalid';
  }
  const ec = /^ecdsa-sha2-(nistp256|nistp384|nistp521)$/.exec(type);
  if (ec) {
    if (r.string().toString('latin1') !== ec[1]) return 'The ECDSA key names another curve than its type';
    const q = r.string();
    return q.length === 1 + 2 * CURVES[ec[1]] && q[0] === 4 ? undefined : 'The ECDSA key point is invalid';
  }
  return `Unsupported key type ${type}: use ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp256/384/521`;
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

/** Reads SSH wire `string`s (uint32 length + bytes); throws when the blob runs short. */
class BlobReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  string(): Buffer {
    if (this.pos + 4 > this.buf.length) throw new RangeError('short');
    const len = this.buf.readUInt32BE(this.pos);
    const start = this.pos + 4;
    if (start + len > this.buf.length) throw new RangeError('short');
    this.pos = start + len;
    return this.buf.subarray(start, start + len);
  }

  done(): boolean { return this.pos === this.buf.length; }
}
