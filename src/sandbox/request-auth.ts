/**
 * SigV4 header authentication of the sandbox's API requests, checked as AWS checks it: the
 * access key must be one of the configured credentials, the scope must name the sandbox's
 * region and the service, the date must be within 15 minutes, a session token must match,
 * and the signature must verify over the canonical request (headers and body hash).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { CredentialConfig } from './config.js';
import { ALGORITHM, canonicalQuery, uriEncode } from '../aws/sigv4.js';

export type AuthFailure =
  | 'missing'        // no Authorization header
  | 'malformed'      // not a SigV4 header we can read
  | 'unknown-key'    // the access key id is not configured
  | 'scope'          // wrong region or service in the credential scope
  | 'expired'        // X-Amz-Date too far from now
  | 'token'          // the session token is missing or wrong
  | 'signature';     // the signature does not verify

export type AuthResult = { ok: true; accessKeyId: string } | { ok: false; failure: AuthFailure; message: string };

export interface SignedRequest {
  method: string;
  /** Path and query as received, e.g. `/?Action=…` or `/`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface AuthOptions { credentials: CredentialConfig[]; region: string; service: string; now?: Date }

const MAX_SKEW_MS = 15 * 60 * 1000;

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function fail(failure: AuthFailure, message: string): AuthResult {
  return { ok: false, failure, message };
}

/** `20200101T010101Z` → a Date, or undefined when it is not one. */
function parseAmzDate(s: string | undefined): Date | undefined {
  const m = s && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/** Non-S3 services encode each path segment once more on top of the wire encoding. */
function canonicalUri(path: string): string {
  return path.split('/').map((seg) => uriEncode(seg)).join('/') || '/';
}

export function verifyRequest(req: SignedRequest, opts: AuthOptions): AuthResult {
  const auth = header(req, 'authorization');
  if (!auth) return fail('missing', 'Request is missing Authentication Token');
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(auth);
  if (!m) return fail('malformed', 'Authorization header is not a valid AWS Signature Version 4 header');
  const [, credential, signedHeaderList, sig] = m;
  const scopeParts = credential.split('/');
  if (scopeParts.length !== 5 || scopeParts[4] !== 'aws4_request') {
    return fail('malformed', `Credential '${credential}' is not of the form AKID/date/region/service/aws4_request`);
  }
  const [accessKeyId, dateStamp, region, service] = scopeParts;
  const cred = opts.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!cred) return fail('unknown-key', 'AWS was not able to validate the provided access credentials');
  if (region !== opts.region) return fail('scope', `Credential should be scoped to a valid region, not '${region}'`);
  if (service !== opts.service) return fail('scope', `Credential should be scoped to correct service: '${opts.service}'`);

  const amzDate = header(req, 'x-amz-date');
  const date = parseAmzDate(amzDate);
  if (!date || !amzDate!.startsWith(dateStamp)) return fail('malformed', 'X-Amz-Date is missing or does not match the credential scope date');
  const now = opts.now ?? new Date();
  if (Math.abs(now.getTime() - date.getTime()) > MAX_SKEW_MS) {
    return fail('expired', `Signature expired: ${amzDate} is not within 15 minutes of the server time`);
  }
  const token = header(req, 'x-amz-security-token');
  if ((cred.sessionToken ?? undefined) !== token) return fail('token', 'The security token included in the request is invalid');

  const signed = signedHeaderList.split(';');
  if (!signed.includes('host')) return fail('malformed', "The 'host' header must be signed");
  const canonicalHeaders = signed.map((h) => `${h}:${(header(req, h) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const url = new URL(req.url, 'http://sandbox');
  const payloadHash = header(req, 'x-amz-content-sha256') ?? sha256(req.body);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(req.body)) {
    return fail('signature', 'The provided x-amz-content-sha256 header does not match what was computed');
  }
  const canonicalRequest = [
    req.method, canonicalUri(url.pathname), canonicalQuery([...url.searchParams]),
    canonicalHeaders, signedHeaderList, payloadHash,
  ].join('\n');
  const scope = `${dateStamp}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${cred.secretAccessKey}`, dateStamp);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, 'aws4_request');
  const expected = Buffer.from(createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex'));
  if (!timingSafeEqual(expected, Buffer.from(sig))) {
    return fail('signature', 'The request signature we calculated does not match the signature you provided');
  }
  return { ok: true, accessKeyId };
}
