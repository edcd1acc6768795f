/**
 * Why an `eic ssh` connection ended when eic did not end it, in words for the user: the
 * endpoint's maxTunnelDuration, or what failed. And which failures to connect again are worth
 * retrying (a network blip, a busy endpoint) and which are not (a refused key, a gone instance).
 */
import { EicError, isEicError, type ErrorCode } from '../../errors.js';

/** The service's own limit on a tunnel's life (OpenTunnel maxTunnelDuration, at most 1 h). */
export const SERVICE_MAX_TUNNEL_SECONDS = 3600;

const DURATION_HINT = `the endpoint ends every tunnel after its maxTunnelDuration (at most ${SERVICE_MAX_TUNNEL_SECONDS} s; --max-tunnel-duration asks for less): connect again to continue, or forward with -N, which reconnects by itself`;

export interface LossContext {
  instanceId: string;
  /** --max-tunnel-duration, if given. */
  maxTunnelDuration?: number;
  /** When this connection's tunnel was opened (Date.now()). */
  openedAt: number;
  now?: number;
}

/** True when the loss is the tunnel reaching its maximum duration (by the close reason, or by the clock). */
export function endedByDuration(err: Error | undefined, ctx: LossContext): boolean {
  const limit = (ctx.maxTunnelDuration ?? SERVICE_MAX_TUNNEL_SECONDS) * 1000;
  const elapsed = (ctx.now ?? Date.now()) - ctx.openedAt;
  const text = `${err?.message ?? ''} ${(err?.cause as Error | undefined)?.message ?? ''}`;
  // The clock test covers endpoints that just cut the connection at the limit without a reason.
  return /maxTunnelDuration|maximum duration/i.test(text) || elapsed >= limit - 1500;
}

/** The error eic exits with (255) when the session ended without an exit status. */
export function lossError(err: Error | undefined, ctx: LossContext): EicError {
  if (endedByDuration(err, ctx)) {
    const limit = ctx.maxTunnelDuration ?? SERVICE_MAX_TUNNEL_SECONDS;
    return new EicError('tunnel-max-duration',
      `the session with ${ctx.instanceId} ended: the tunnel reached its maximum duration of ${limit} s${ctx.maxTunnelDuration ? ' (--max-tunnel-duration)' : ''}`,
      DURATION_HINT, { cause: err });
  }
  if (isEicError(err)) return err;
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (isEicError(cause)) return cause;
  return new EicError('ssh-connection-lost',
    `connection to ${ctx.instanceId} closed${err ? `: ${err.message}` : ''}`, 'connect again', { cause: err });
}

/** The short reason for the "tunnel ended: …; reconnecting" line. */
export function lossReason(err: Error | undefined, ctx: LossContext): string {
  if (endedByDuration(err, ctx)) return `the endpoint's maxTunnelDuration (${ctx.maxTunnelDuration ?? SERVICE_MAX_TUNNEL_SECONDS} s) was reached`;
  const e = lossError(err, ctx);
  return e.code === 'ssh-connection-lost' ? (err ? err.message : 'the instance or the endpoint closed the connection') : e.message;
}

/** Codes of failures that connecting again will not fix (until the user acts). */
const PERMANENT_CODES = new Set<ErrorCode>([
  'ssh-auth-failed', 'host-key-revoked', 'host-key-unknown', 'host-key-changed', 'host-key-file',
  'push-key-denied', 'push-key-instance-not-found', 'push-key-instance-state', 'push-key-invalid',
  'push-key-instance-type', 'push-key-failed',
  'access-denied', 'credentials-missing', 'credentials-expired', 'credentials-invalid', 'sso-expired',
  'tunnel-tls-untrusted', 'tunnel-tls-name', 'tunnel-tls-date', 'tunnel-url',
]);

/**
 * How a failed reconnect attempt is treated: `transient` is retried without limit (network,
 * throttling, the endpoint's connection limit, 5xx), `permanent` ends eic at once (a refusal
 * the user must fix: a bad parameter, an IAM denial, a bad signature; bad input), and
 * `bounded` is retried a few times (a refused key may just not have arrived yet; an
 * OpenTunnel refusal eic cannot read may pass).
 */
export function retryKind(err: unknown): 'transient' | 'permanent' | 'bounded' {
  if (!isEicError(err)) return 'transient';
  if (err.kind === 'usage' || err.code === 'tunnel-refused') return 'permanent';
  if (err.code === 'tunnel-refused-unknown' || PERMANENT_CODES.has(err.code)) return 'bounded';
  return 'transient';
}

/** Whether a failed reconnect attempt is worth repeating without limit. */
export function isTransient(err: unknown): boolean {
  return retryKind(err) === 'transient';
}
