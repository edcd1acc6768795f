/**
 * Turns what the AWS SDK throws (service errors, credential and region resolution failures,
 * network errors) into EicErrors that say what to do. Discovery-specific errors (instance not
 * found, no endpoint) are raised where the facts are known, in instances.ts and endpoints.ts.
 */
import { EicError } from '../errors.js';
import { safeText } from '../safe-text.js';

export interface AwsErrorContext {
  profile?: string;
  /** What eic was doing, e.g. "DescribeInstances". */
  action: string;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

const profileFlag = (profile?: string) => (profile ? ` --profile ${profile}` : '');

/** The names AWS services give "too many requests" (EC2 says RequestLimitExceeded). */
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestLimitExceeded',
  'TooManyRequestsException', 'RequestThrottled', 'RequestThrottledException', 'SlowDown']);

/** " after N attempts" when the SDK retried before giving up, else "". */
export function retriedNote(err: unknown): string {
  const attempts = (err as SdkErrorShape | undefined)?.$metadata?.attempts;
  return attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
}

/** Region resolution failed in the SDK ("Region is missing"). */
export function missingRegionError(profile?: string): EicError {
  return new EicError('region-missing', 'no AWS region is configured',
    `pass --region, set AWS_REGION, or add region to ${profile ? `profile ${profile}` : 'your profile'} in ~/.aws/config`);
}

export function toEicError(err: unknown, ctx: AwsErrorContext): EicError {
  if (err instanceof EicError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? e.Code ?? e.code ?? '';
  // AWS's own words (and ids) are text from outside: escaped before they join a message.
  const message = safeText((e.message ?? String(err)).trim());
  const requestId = e.$metadata?.requestId && safeText(e.$metadata.requestId);
  const withId = (m: string) => (requestId ? `${m} (request id ${requestId})` : m);

  if (/Region is missing/i.test(message)) return missingRegionError(ctx.profile);

  if (/SSO/.test(message) && /(expired|invalid|not found|refresh)/i.test(message)) {
    return new EicError('sso-expired', `the AWS SSO session has expired or is missing: ${firstSentence(message)}`,
      `run: aws sso login${profileFlag(ctx.profile)}`, { cause: err });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new EicError('credentials-missing', `no AWS credentials found${ctx.profile ? ` for profile ${ctx.profile}` : ''}: ${firstSentence(message)}`,
      ctx.profile ? `check profile ${ctx.profile} in ~/.aws/config, or run aws configure --profile ${ctx.profile}` : 'run aws configure, pass --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY', { cause: err });
  }
  if (name === 'ExpiredToken' || name === 'ExpiredTokenException' || name === 'RequestExpired') {
    return new EicError('credentials-expired', withId(`${ctx.action}: the AWS credentials have expired: ${message}`),
      `refresh them (e.g. aws sso login${profileFlag(ctx.profile)}) and try again`, { cause: err });
  }
  if (name === 'AuthFailure' || name === 'InvalidClientTokenId' || name === 'SignatureDoesNotMatch' || name === 'UnrecognizedClientException') {
    return new EicError('credentials-invalid', withId(`${ctx.action}: AWS did not accept the credentials: ${message}`),
      `check the access key${ctx.profile ? ` of profile ${ctx.profile}` : ''} (aws sts get-caller-identity${profileFlag(ctx.profile)})`, { cause: err });
  }
  if (name === 'UnauthorizedOperation' || name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'AuthException' || e.$metadata?.httpStatusCode === 403) {
    return new EicError('access-denied', withId(`${ctx.action} was denied: ${message}`),
      'ask for the IAM permission named in the message, or use another --profile', { cause: err });
  }
  if (name === 'InvalidInstanceID.Malformed') {
    return new EicError('instance-id-malformed', message,
      'instance ids look like i-0123456789abcdef0', { cause: err });
  }
  if (name.endsWith('.Malformed')) {
    return new EicError('id-malformed', `${ctx.action}: ${message}`,
      'endpoint ids look like eice-0123456789abcdef0', { cause: err });
  }
  if (THROTTLED.has(name) || e.$metadata?.httpStatusCode === 429) {
    return new EicError('aws-throttled', withId(`${ctx.action} was throttled by AWS${retriedNote(err)}: ${message}`),
      'too many AWS calls in a short time (many sessions at once?): wait a few seconds and try again; AWS_MAX_ATTEMPTS=6 retries longer', { cause: err });
  }
  if (name === 'ServiceUnavailable' || name === 'ServiceUnavailableException' || e.$metadata?.httpStatusCode === 503) {
    return new EicError('aws-unavailable', withId(`${ctx.action}: the AWS service is unavailable${retriedNote(err)}: ${message}`),
      'try again in a minute; if it persists, check the AWS Health Dashboard', { cause: err });
  }
  // The request handler's own limits (connect, read) after the SDK's retries.
  if (name === 'TimeoutError') {
    // The SDK's sentence ends in a full stop, and " after 3 attempts" follows it.
    const said = firstSentence(message).replace(/^@smithy\/[\w-]+ - /, '').replace(/ \((configured by client requestHandler|service default socket timeout)\)/, '')
      .replace(/\.$/, '');
    return timedOut(ctx.action, `${said}${retriedNote(err)}`, err);
  }
  const net = (err as NodeJS.ErrnoException)?.code;
  if (net && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EAI_AGAIN|CERT_|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO)/.test(net)) {
    return new EicError('aws-unreachable', `${ctx.action}: cannot reach AWS (${net}): ${message}`,
      'check the network, the region, AWS_ENDPOINT_URL_* and AWS_CA_BUNDLE', { cause: err });
  }
  const label = name && name !== 'Error' ? `${safeText(name)}: ` : '';
  return new EicError('aws-error', withId(`${ctx.action} failed: ${label}${message}`), undefined, { cause: err });
}

function firstSentence(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}

/**
 * One AWS call, the SDK's retries included, bounded by `ms` (0: unbounded): the SDK is asked to
 * abort, and eic goes on at the deadline whether or not it does. `parent` aborts it too.
 */
export async function withinDeadline<T>(action: string, ms: number, call: (abortSignal: AbortSignal) => Promise<T>, parent: AbortSignal): Promise<T> {
  if (!ms) return call(parent);
  const controller = new AbortController();
  const onParent = () => controller.abort();
  parent.addEventListener('abort', onParent, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(timedOut(action, `no answer within ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), late]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParent);
  }
}

function timedOut(action: string, detail: string, cause?: unknown): EicError {
  return new EicError('aws-timeout', `${action} timed out: ${detail}`,
    'check the network and the region (AWS_ENDPOINT_URL_* and HTTPS_PROXY if set); --cli-connect-timeout and --cli-read-timeout give AWS longer', { cause });
}

/** Wrap one AWS call so that its failures become EicErrors. */
export async function awsCall<T>(ctx: AwsErrorContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toEicError(err, ctx);
  }
}
