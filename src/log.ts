/**
 * Diagnostics go to stderr, never stdout: in `eic proxy` stdout carries tunnel bytes only.
 * Everything logged passes through redact(), so that signatures, credentials, session tokens
 * and presigned URLs never reach a terminal or a log file, even under -v; and through
 * safeMessage(), so that AWS text in a message (a Name, a state) cannot drive the terminal.
 */
import { safeMessage } from './safe-text.js';

export interface Logger {
  /** Shown only with -v. */
  debug(msg: string): void;
  /** Shown unless --quiet (proxy mode keeps info quiet unless -v). */
  info(msg: string): void;
  warn(msg: string): void;
  readonly verbose: boolean;
}

const SECRET_QUERY = /([?&](?:X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential)=)[^&\s"']*/gi;
const WSS_URL = /\bwss?:\/\/[^\s"']*\?[^\s"']*/gi;
const SECRET_FIELDS = /("?(?:SecretAccessKey|SessionToken|secretAccessKey|sessionToken|aws_secret_access_key|aws_session_token)"?\s*[:=]\s*"?)[^"\s,}]+/g;
const SECRET_ENV = /\b(AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)=\S+/g;

/** Remove anything secret from a line of text before it is shown. */
export function redact(text: string): string {
  return text
    .replace(WSS_URL, (url) => url.split('?')[0] + '?<redacted>')
    .replace(SECRET_QUERY, '$1<redacted>')
    .replace(SECRET_FIELDS, '$1<redacted>')
    .replace(SECRET_ENV, '$1=<redacted>');
}

export interface LoggerOptions {
  verbose?: boolean;
  quiet?: boolean;
  /** Drop warnings too (OpenSSH's -q); errors are main.ts's and still shown. */
  silent?: boolean;
  write?: (line: string) => void;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const verbose = Boolean(opts.verbose);
  const emit = (prefix: string, msg: string) => write(`${prefix}${redact(safeMessage(msg))}\n`);
  return {
    verbose,
    debug: (msg) => { if (verbose) emit('debug: ', msg); },
    info: (msg) => { if (!(opts.quiet || opts.silent) || verbose) emit('', msg); },
    warn: (msg) => { if (!opts.silent || verbose) emit('warning: ', msg); },
  };
}

/** A logger that drops everything (library callers, tests that do not care). */
export const silentLogger: Logger = { verbose: false, debug() {}, info() {}, warn() {} };
