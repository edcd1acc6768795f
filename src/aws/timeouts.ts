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

/**
 * For tests only (README, Development): a factor in (0, 1] applied to the two defaults, never to
 * the options, so that a test sees the default limits end a call without waiting 30 s.
 */
export const TEST_TIMEOUT_SCALE_ENV = 'EIC_TEST_AWS_TIMEOUT_SCALE';

function testScale(env: NodeJS.ProcessEnv): number {
  const f = Number(env[TEST_TIMEOUT_SCALE_ENV]);
  return Number.isFinite(f) && f > 0 && f <= 1 ? f : 1;
}

export interface CallTimeouts { connectMs: number; readMs: number; callMs: number }

/** The limits of every AWS API call of one run: the one place they are decided. */
export function callTimeouts(a: AwsAccount, env: NodeJS.ProcessEnv = {}): CallTimeouts {
  const scale = testScale(env);
  // However short, a scaled default stays a limit (0 would mean none).
  const ms = (option: number | undefined, defaultS: number) => (option !== undefined ? option * 1000 : Math.max(1, Math.round(defaultS * 1000 * scale)));
  const connectMs = ms(a.cliConnectTimeout, DEFAULT_CONNECT_TIMEOUT_S);
  const readMs = ms(a.cliReadTimeout, DEFAULT_READ_TIMEOUT_S);
  return { connectMs, readMs, callMs: connectMs === 0 || readMs === 0 ? 0 : connectMs + readMs };
}

/** The account part of a command's options. */
export function accountOf(o: AwsAccount): AwsAccount {
  return { profile: o.profile, region: o.region, cliConnectTimeout: o.cliConnectTimeout, cliReadTimeout: o.cliReadTimeout };
}
