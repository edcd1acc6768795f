/**
 * Verifies an OpenTunnel request the way EICE does before it upgrades: the SigV4 query
 * signature (protocol §2) and the form of the tunnel parameters. Pure: the caller passes the
 * request line, the Host header as sent, the clock and the known credentials, so the AWS CLI's
 * conformance vector can be checked at its own time.
 *
 * Statuses and messages follow what AWS answers for the same mistakes (403 for anything about
 * authentication, 400 for malformed parameters).
 */
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { CredentialConfig } from './config.js';
import { ALGORITHM, amzDate, signature } from '../aws/sigv4.js';
import { SIGNING_SERVICE, URL_EXPIRES_SECONDS } from '../eice.js';

/** How far in the future X-Amz-Date may be (AWS tolerates 5 minutes of client clock skew). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
export const MAX_TUNNEL_DURATION = 3600;

export interface TunnelParams {
  instanceConnectEndpointId: string;
  remotePort: number;
  privateIpAddress: string;
  /** Seconds; the default (3600) when the URL has none. */
  maxTunnelDuration: number;
  accessKeyId: string;
}

export type VerifyResult =
  | { ok: true; params: TunnelParams }
  | { ok: false; status: number; errorCode: string; message: string };

export interface VerifyInput {
  method: string;
  /** The request target as sent: `/openTunnel?…`. */
  url: string;
  /** The Host header as sent (it is the signed header). */
  host: string | undefined;
  now: Date;
  region: string;
  credentials: readonly CredentialConfig[];
}

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const INVALID_TOKEN = 'The security token included in the request is invalid.';

/**
 * A refusal with its ErrorCode. AWS publishes neither codes nor statuses for OpenTunnel; these
 * are the codes AWS's SigV4 front ends use for the same mistakes, and InvalidParameter as seen.
 */
const fail = (status: number, message: string, errorCode = status === 403 ? 'AccessDenied' : 'InvalidParameter'): VerifyResult =>
  ({ ok: false, status, errorCode, message });

/** Query parameters in order, decoded; undefined when malformed or a key repeats. */
function parseQuery(query: string): Array<[string, string]> | undefined {
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  if (query === '') return out;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    let key: string, value: string;
    try {
      key = decodeURIComponent(rawKey);
      value = decodeURIComponent(rawValue);
    } catch {
      return undefined;
    }
    if (seen.has(key)) return undefined;
    seen.add(key);
    out.push([key, value]);
  }
  return out;
}

function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return amzDate(d) === s ? d : undefined; // rejects 20201399T…
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function intParam(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

export function verifyOpenTunnel(input: VerifyInput): VerifyResult {
  if (input.method !== 'GET') return fail(400, `Method ${input.method} is not allowed; OpenTunnel is a WebSocket GET.`);
  const q = input.url.indexOf('?');
  const path = q < 0 ? input.url : input.url.slice(0, q);
  if (path !== '/openTunnel') return fail(404, `No such resource: ${path}`, 'UnknownOperation');
  const params = parseQuery(q < 0 ? '' : input.url.slice(q + 1));
  if (!params) return fail(400, 'The query string is malformed (bad percent-encoding or a repeated parameter).');
  const get = (k: string) => params.find(([key]) => key === k)?.[1];

  // --- authentication (SigV4 query) ---
  const authKeys = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];
  const missing = authKeys.filter((k) => get(k) === undefined);
  if (missing.length === authKeys.length) return fail(403, 'Missing Authentication Token', 'MissingAuthenticationToken');
  if (missing.length > 0) return fail(400, `AWS query-string parameters missing: ${missing.join(', ')}.`);
  if (get('X-Amz-Algorithm') !== ALGORITHM) return fail(400, `X-Amz-Algorithm only supports '${ALGORITHM}'.`);

  const scope = get('X-Amz-Credential')!.split('/');
  if (scope.length !== 5) return fail(400, "X-Amz-Credential must look like 'ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request'.");
  const [accessKeyId, dateStamp, region, service, terminator] = scope;
  const date = parseAmzDate(get('X-Amz-Date')!);
  if (!date) return fail(400, "X-Amz-Date must be in the ISO8601 basic format 'YYYYMMDDTHHMMSSZ'.");
  const amz = get('X-Amz-Date')!;
  if (dateStamp !== amz.slice(0, 8)) {
    return fail(403, `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${dateStamp}' != '${amz.slice(0, 8)}', from 'X-Amz-Date'.`, 'SignatureDoesNotMatch');
  }
  if (region !== input.region) return fail(403, `Credential should be scoped to a valid region, not '${region}'.`, 'SignatureDoesNotMatch');
  if (service !== SIGNING_SERVICE) return fail(403, `Credential should be scoped to correct service: '${SIGNING_SERVICE}'.`, 'SignatureDoesNotMatch');
  if (terminator !== 'aws4_request') return fail(403, `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`, 'SignatureDoesNotMatch');
  const expires = intParam(get('X-Amz-Expires'));
  if (expires === undefined) return fail(400, 'X-Amz-Expires must be a whole number of seconds.');
  if (expires < 1 || expires > URL_EXPIRES_SECONDS) {
    return fail(400, `X-Amz-Expires must be between 1 and ${URL_EXPIRES_SECONDS} seconds for OpenTunnel, not ${expires}.`);
  }
  if (get('X-Amz-SignedHeaders') !== 'host') return fail(400, "X-Amz-SignedHeaders must be 'host' for OpenTunnel.");

  const cred = input.credentials.find((c) => c.accessKeyId === accessKeyId);
  const token = get('X-Amz-Security-Token');
  if (!cred || (cred.sessionToken ?? '') !== (token ?? '')) return fail(403, INVALID_TOKEN, 'UnrecognizedClientException');
  if (!input.host) return fail(400, 'The Host header is missing; it is a signed header.');

  const expected = signature({
    method: 'GET', host: input.host, path, params, secretAccessKey: cred.secretAccessKey,
    dateStamp, amzDate: amz, region, service,
  });
  if (!sameHex(expected, get('X-Amz-Signature')!)) return fail(403, SIGNATURE_MISMATCH, 'SignatureDoesNotMatch');

  const now = input.now.getTime();
  if (date.getTime() - now > MAX_CLOCK_SKEW_MS) {
    return fail(403, `Signature not yet current: ${amz} is still later than ${amzDate(new Date(now + MAX_CLOCK_SKEW_MS))} (${amzDate(input.now)} + 5 min.)`, 'SignatureDoesNotMatch');
  }
  if (date.getTime() + expires * 1000 < now) {
    return fail(403, `Signature expired: ${amzDate(new Date(date.getTime() + expires * 1000))} is now earlier than ${amzDate(input.now)}.`, 'SignatureDoesNotMatch');
  }

  // --- tunnel parameters ---
  const endpointId = get('instanceConnectEndpointId');
  if (!endpointId) return fail(400, 'The request must contain the parameter instanceConnectEndpointId.');
  const remotePort = intParam(get('remotePort'));
  if (remotePort === undefined || remotePort < 1 || remotePort > 65535) return fail(400, 'The request must contain a valid remotePort (1-65535).');
  const ip = get('privateIpAddress');
  if (!ip || !isIP(ip)) return fail(400, 'The request must contain a valid privateIpAddress (IPv4 or IPv6).');
  const rawDuration = get('maxTunnelDuration');
  const duration = rawDuration === undefined ? MAX_TUNNEL_DURATION : intParam(rawDuration);
  if (duration === undefined || duration < 1 || duration > MAX_TUNNEL_DURATION) {
    return fail(400, `maxTunnelDuration must be between 1 and ${MAX_TUNNEL_DURATION} seconds.`);
  }
  return { ok: true, params: { instanceConnectEndpointId: endpointId, remotePort, privateIpAddress: ip, maxTunnelDuration: duration, accessKeyId } };
}
