/**
 * How long an AWS API call may take, from --cli-connect-timeout and --cli-read-timeout (named
 * and read as the AWS CLI's). Apart from clients.ts so that declaring the options loads no SDK.
 */

/**
 * Where the account comes from, and how long its calls may take: seconds, 0 = no limit, as the
 * AWS CLI's --cli-connect-timeout and --cli-read-timeout.
 */
export interface AwsAccount { profile?: string; region?: string; cliConnectTimeout?: number; cliReadTimeout?: number }

/**
 * The defaults: a TCP+TLS connection within 10 s, the answer's bytes within 20 s of the last
 * ones; and every call, the SDK's retries included, within the sum of the two (30 s), so a
 * server that accepts and never answers ends eic rather than hanging it (or ssh, whose
 * ProxyCommand it is).
 */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;
export const DEFAULT_READ_TIMEOUT_S = 20;

export interface CallTimeouts { connectMs: number; readMs: number; callMs: number }

export function callTimeouts(a: AwsAccount): CallTimeouts {
  const connect = a.cliConnectTimeout ?? DEFAULT_CONNECT_TIMEOUT_S;
  const read = a.cliReadTimeout ?? DEFAULT_READ_TIMEOUT_S;
  return { connectMs: connect * 1000, readMs: read * 1000, callMs: connect === 0 || read === 0 ? 0 : (connect + read) * 1000 };
}

/** The account part of a command's options. */
export function accountOf(o: AwsAccount): AwsAccount {
  return { profile: o.profile, region: o.region, cliConnectTimeout: o.cliConnectTimeout, cliReadTimeout: o.cliReadTimeout };
}
