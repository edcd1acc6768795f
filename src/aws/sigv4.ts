/**
 * SigV4 query signing (presigned GET), as EICE's OpenTunnel expects it. Shared by the client
 * (presign.ts) and the sandbox's verifier, and pinned by the conformance vector in
 * test/fixtures/opentunnel-presign.json (the AWS CLI's own).
 *
 * Two details differ from what a generic presigner might do, and both matter: the payload
 * hash is the SHA-256 of the empty string (not UNSIGNED-PAYLOAD), and the only signed header
 * is `host`.
 */
import { createHash, createHmac } from 'node:crypto';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** RFC 3986 encoding: everything but the unreserved set is percent-encoded. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** `20200101T010101Z` */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Canonical query string: every parameter but the signature, encoded, sorted by key bytes. */
export function canonicalQuery(params: ReadonlyArray<readonly [string, string]>): string {
  return params
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export interface SignInput {
  method: string;
  host: string;
  path: string;
  /** All query parameters, including the X-Amz-* ones (X-Amz-Signature is ignored). */
  params: ReadonlyArray<readonly [string, string]>;
  secretAccessKey: string;
  /** `YYYYMMDD` */
  dateStamp: string;
  /** `YYYYMMDDTHHMMSSZ` */
  amzDate: string;
  region: string;
  service: string;
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The hex signature for a presigned request. */
export function signature(input: SignInput): string {
  const canonicalRequest = [
    input.method,
    input.path,
    canonicalQuery(input.params),
    `host:${input.host}\n`,
    'host',
    EMPTY_SHA256,
  ].join('\n');
  const scope = `${input.dateStamp}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = [
    ALGORITHM,
    input.amzDate,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  let key = hmac(`AWS4${input.secretAccessKey}`, input.dateStamp);
  key = hmac(key, input.region);
  key = hmac(key, input.service);
  key = hmac(key, 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}
