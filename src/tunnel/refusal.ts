/**
 * A refused OpenTunnel upgrade (protocol §3): an HTTP status, a JSON body with `ErrorCode` and
 * `Message`, and an `x-amzn-RequestId` header. AWS publishes no statuses per cause, so whether
 * trying again can help is read from the ErrorCode first, the Message second and the status
 * last, and the error code tells callers (eic ssh -N's reconnect) which it is:
 * - `tunnel-refused`: permanent (a bad parameter, an IAM denial, a bad or expired signature);
 * - `tunnel-refused-transient`: throttling, the 20-connection limit, a failure of the service;
 * - `tunnel-refused-unknown`: none of these; worth a few more tries, not endless ones.
 */
import type { IncomingMessage } from 'node:http';
import { EicError, type ErrorCode } from '../errors.js';
import { redact } from '../log.js';
import { safeText } from '../safe-text.js';

export type RefusalKind = 'permanent' | 'transient' | 'unknown';

const PERMANENT_CODE = /InvalidParameter|Validation|Malformed|AccessDenied|Unauthori[sz]ed|AuthFailure|Forbidden|Signature|RequestExpired|ExpiredToken|InvalidClientTokenId|UnrecognizedClient|MissingAuthenticationToken|IncompleteSignature|NotFound|IncorrectState|InvalidRequest|UnknownOperation/i;
const TRANSIENT_CODE = /Throttl|TooMany|LimitExceeded|SlowDown|ServiceUnavailable|InternalError|InternalFailure|ServiceException|Unavailable|Timeout/i;
const PERMANENT_MESSAGE = /not authori[sz]ed|access denied|explicit deny|signature|expired|not valid|invalid|does not exist|not found|is not allowed|must be/i;
const TRANSIENT_MESSAGE = /too many|rate exceeded|throttl|concurrent|try again|temporar|overload|unavailable|internal (server )?error/i;

export function classifyRefusal(status: number, errorCode: string, message: string): RefusalKind {
  if (PERMANENT_CODE.test(errorCode)) return 'permanent';
  if (TRANSIENT_CODE.test(errorCode)) return 'transient';
  if (TRANSIENT_MESSAGE.test(message)) return 'transient';
  if (PERMANENT_MESSAGE.test(message)) return 'permanent';
  if (status === 429 || status >= 500) return 'transient';
  if (status >= 400 && status <= 404) return 'permanent';
  return 'unknown';
}

const CODES: Record<RefusalKind, ErrorCode> = { permanent: 'tunnel-refused', transient: 'tunnel-refused-transient', unknown: 'tunnel-refused-unknown' };

/** "OpenTunnel refused (403 AccessDenied): <Message> (request id …)" with a hint for its kind. */
export function refusalError(status: number, headers: IncomingMessage['headers'], body: string): EicError {
  const requestId = headerValue(headers['x-amzn-requestid']) ?? headerValue(headers['x-amz-request-id']);
  let message = '';
  let errorCode = '';
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const m = json.Message ?? json.message ?? json.errorMessage;
    if (typeof m === 'string') message = m;
    const c = json.ErrorCode ?? json.__type ?? json.code ?? json.Code;
    if (typeof c === 'string') errorCode = c.replace(/^.*#/, ''); // JSON 1.1 style "ns#Code"
  } catch {
    // Not JSON: show the start of the text, if it is short and printable.
    const text = body.trim();
    if (text && text.length <= 300 && !/[\x00-\x08]/.test(text)) message = text.replace(/\s+/g, ' ');
  }
  const kind = classifyRefusal(status, errorCode, message);
  const what = safeText(`${status}${errorCode ? ` ${errorCode}` : ''}`);
  const text = `OpenTunnel refused (${what})${message ? `: ${safeText(message)}` : ''}${requestId ? ` (request id ${safeText(requestId)})` : ''}`;
  return new EicError(CODES[kind], redact(text), refusalHint(kind, status, `${errorCode} ${message}`));
}

function refusalHint(kind: RefusalKind, status: number, said: string): string | undefined {
  if (kind === 'transient') {
    return /too many|concurrent|connection/i.test(said) || status === 429
      ? 'the endpoint is throttling or at its limit of 20 concurrent connections; try again shortly'
      : 'the endpoint had a problem; try again, and check the AWS Health Dashboard if it persists';
  }
  if (kind === 'unknown') return 'try again; if it persists, quote the request id to AWS Support';
  if (/signature|expired|token|authentication/i.test(said)) {
    return 'check your AWS credentials and that your clock is right (the tunnel URL is signed and valid for 60 s)';
  }
  if (status === 403 || status === 401 || /denied|not authori[sz]ed|forbidden/i.test(said)) {
    return 'check that your IAM identity may call ec2-instance-connect:OpenTunnel on this endpoint, including any remotePort, privateIpAddress or maxTunnelDuration conditions, and that your clock is right';
  }
  if (/NotFound|does not exist/i.test(said)) return 'check --eice-id and --region';
  if (/IncorrectState|in state/i.test(said)) return 'the endpoint cannot open tunnels in its current state: see aws ec2 describe-instance-connect-endpoints';
  return 'check the instance IP, the remote port (only 22 and 3389 are allowed) and --max-tunnel-duration (1..3600)';
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
