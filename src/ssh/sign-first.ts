/**
 * Public-key authentication in one round trip instead of two. ssh2 first asks the server
 * whether a key would be accepted (a request without signature), and signs only after the
 * server's PK_OK. RFC 4252 §7 lets a client send the signed request at once, and for a key eic
 * holds in memory there is nothing to gain by asking: the pushed session key is always the
 * one to use. On EC2 Instance Connect each request also runs sshd's AuthorizedKeysCommand
 * (a script that fetches and checks the pushed keys), so asking first costs that script twice.
 *
 * ssh2 has no option for this; its Protocol.authPK(user, key, algo, sign?) sends the query when
 * given no signing callback, so the client's protocol object gets one that supplies it for
 * eic's own keys. Agent keys (signed by the agent, maybe after a confirmation) keep asking first.
 * If ssh2's internals ever differ, this does nothing and the two-step exchange stays.
 */
import type { Client, ParsedKey } from 'ssh2';

type SignCallback = (data: Buffer, done: (signature: Buffer) => void) => void;
type AuthPK = (username: string, key: unknown, keyAlgo?: string | SignCallback, sign?: SignCallback) => void;

/** The hash ssh2 signs with for a public-key algorithm (ssh2's getKeyAlgos pairs). */
const RSA_HASH: Record<string, string> = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512', 'ssh-rsa': 'sha1' };

/** Call right after `client.connect()`. `keys`: the in-memory keys eic authenticates with. */
export function signFirst(client: Client, keys: ParsedKey[]): boolean {
  const proto = (client as unknown as { _protocol?: { authPK?: AuthPK } })._protocol;
  const original = proto?.authPK;
  if (!proto || typeof original !== 'function' || original.length !== 4) return false;
  const own = new Set<unknown>(keys);
  proto.authPK = function (this: unknown, username, key, keyAlgo, sign) {
    if (typeof keyAlgo === 'function' || sign !== undefined || !own.has(key)) {
      return original.call(this, username, key, keyAlgo, sign);
    }
    const hash = keyAlgo ? RSA_HASH[keyAlgo] : undefined;
    let failed = false;
    // ssh2 builds the data to sign and calls back at once; nothing is sent until done().
    original.call(this, username, key, keyAlgo, (data, done) => {
      const signature = (key as ParsedKey).sign(data, hash) as Buffer | Error;
      if (signature instanceof Error) failed = true;
      else done(signature);
    });
    // A key that cannot sign: the usual query, after which ssh2 reports the error itself.
    if (failed) original.call(this, username, key, keyAlgo);
  };
  return true;
}
