/**
 * TLS trust with extra CAs (AWS_CA_BUNDLE), built once per process: for the tunnel's
 * WebSocket (connect.ts) and for the AWS API connections (aws/clients.ts, ca-agent.ts), so that
 * no connection pays again for a context of all of Node's roots.
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
 * The TLS trust when extra CAs are given (AWS_CA_BUNDLE). Node's `ca` option replaces the
 * built-in roots, and a context of roots + extra is costly to build, while the extra CAs alone
 * are cheap and are what a private CA or a TLS-inspecting proxy needs. So a first handshake
 * trusts only them, and only a certificate they leave untrusted gets a second handshake with
 * roots + extra; the verdicts are the full store's, since a chain that verifies under part of
 * it verifies under all of it. Contexts are built once per bundle and only when a connection
 * needs one, because Node parses its roots for a process's first context of any kind: a
 * command that opens no TLS connection builds none. (bench/RESULTS.md, "Measured choices in the code".)
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
