/**
 * TLS trust with extra CAs (AWS_CA_BUNDLE), built once per process: for the tunnel's
 * WebSocket (connect.ts) and for the AWS API connections (aws/clients.ts), so that no
 * connection pays again for a context of ~140 roots.
 */
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/** OpenSSL's verdicts for a chain that does not lead to a trusted CA. */
export const UNTRUSTED_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
]);

/**
 * Whether a TLS error is a verdict on the certificate chain that the full trust store may give
 * otherwise: untrusted, or out of date (the full store may build a different, valid chain).
 */
export function isVerifyFailure(code: string | undefined): boolean {
  return code !== undefined && (UNTRUSTED_CODES.has(code) || code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID');
}

/** PEM text of extra CAs, as AWS_CA_BUNDLE and NODE_EXTRA_CA_CERTS give them. */
export type ExtraCas = string | Buffer | Array<string | Buffer>;

/**
 * The TLS trust for the tunnel when extra CAs are given (AWS_CA_BUNDLE): Node's `ca` option
 * replaces the built-in roots, so trusting roots + extra needs a context built from all ~140
 * roots, which costs ~35 ms of CPU on every `eic ssh`. The extra CAs alone cost ~1 ms, and they
 * are what a private CA or a TLS-inspecting proxy (why AWS_CA_BUNDLE is set) needs. So the
 * first handshake trusts only them, and only when it finds the certificate untrusted does a
 * second one use roots + extra. What is accepted is what roots + extra accepts: a chain that
 * verifies under part of the trust store verifies under all of it, and every other chain gets
 * the full store's verdict. Contexts are built once per bundle (`eic tunnel` opens many tunnels)
 * and only when a TLS connection needs them: Node 20 also parses its built-in roots (~25 ms)
 * for the first context of a process, whatever its CAs, so a command whose AWS calls go to a
 * plain-http endpoint and that opens no tunnel (`eic list` against the sandbox) builds none.
 */
export interface CaTrust {
  /** The extra CAs only (built on first use). */
  extra(): SecureContext;
  /** Node's roots plus the extra CAs (built on first use). */
  full(): SecureContext;
}

const trustCache = new Map<string, CaTrust>();
export function caTrust(extra: ExtraCas, roots: readonly string[] = rootCertificates): CaTrust {
  const list = Array.isArray(extra) ? extra : [extra];
  const key = list.map((c) => (typeof c === 'string' ? c : c.toString('latin1'))).join('\n');
  let trust = roots === rootCertificates ? trustCache.get(key) : undefined;
  if (!trust) {
    let extra: SecureContext | undefined;
    let full: SecureContext | undefined;
    trust = {
      extra: () => (extra ??= createSecureContext({ ca: list })),
      full: () => (full ??= createSecureContext({ ca: [...roots, ...list] })),
    };
    if (roots === rootCertificates) {
      if (trustCache.size >= 4) trustCache.clear();
      trustCache.set(key, trust);
    }
  }
  return trust;
}
