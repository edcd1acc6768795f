/**
 * The one error type of eic and the one catalogue of its codes. Everything a user can cause or
 * meet (bad input, AWS refusals, tunnel failures) is an EicError whose `code` names the failure
 * once, in kebab-case; the catalogue gives each code its kind and its exit status, so the same
 * failure exits the same way in every command. Only src/cli/main.ts turns an EicError into text
 * and an exit status (where `eic ssh` and `eic proxy` exit 255 for all of them, as OpenSSH does).
 */
import { signalStatus } from './stop-signals.js';

/** What sort of failure, which decides its exit status (README: Exit status). */
export type ErrorKind = 'usage' | 'aws' | 'connection' | 'local' | 'signal';

/** The statuses of commands other than `eic ssh` and `eic proxy` (README: Exit status). */
export const Status = {
  /** Bad input: a flag, an operand, a file or setting eic was pointed at. */
  usage: 2,
  /** Anything else that failed: AWS, the tunnel, the connection, a file. */
  failure: 1,
} as const;

const usage = { kind: 'usage', exit: Status.usage } as const;
const aws = { kind: 'aws', exit: Status.failure } as const;
const connection = { kind: 'connection', exit: Status.failure } as const;
const local = { kind: 'local', exit: Status.failure } as const;
/** 128 + the signal's number, as a shell reports it; 130 (SIGINT) unless the error names its signal. */
const signal = { kind: 'signal', exit: 130 } as const;

/** Every code eic uses, with its kind and exit status. A new failure gets its code here. */
export const ERRORS = {
  // Bad input: what the user typed, or a file or setting eic was pointed at.
  'bad-target': usage,
  'target-missing': usage,
  'cancelled': usage,
  'eice-dns-name-needs-id': usage,
  'instance-id-malformed': usage,
  'id-malformed': usage,
  'instance-ambiguous': usage,
  'region-missing': usage,
  'ca-bundle-unreadable': usage,
  'bad-proxy-url': usage,
  'bad-forward': usage,
  'bad-strict-mode': usage,
  'key-unreadable': usage,
  'key-not-private': usage,
  'key-unsupported': usage,
  'key-encrypted': usage,
  'key-bad-passphrase': usage,
  'push-needs-key': usage,
  'push-key-unreadable': usage,
  'push-key-not-a-key': usage,
  'push-key-none': usage,
  'push-key-not-ssh': usage,
  'ssh-n-with-command': usage,
  'ssh-w-with-command': usage,
  'bad-algorithm': usage,
  'bad-option': usage,
  'ssh-config-unreadable': usage,
  'known-hosts-unusable': usage,
  'log-file-unwritable': usage,
  'tty-conflict': usage,
  'proxy-tty': usage,
  'max-connections-too-high': usage,
  'port-in-use': usage,
  'port-denied': usage,
  'bind-unavailable': usage,
  'listen-failed': usage,
  'cp-empty-operand': usage,
  'cp-operands': usage,
  'cp-remote-to-remote': usage,
  'cp-local-to-local': usage,
  'cp-mixed-sources': usage,
  'cp-several-instances': usage,
  'ssh-config-marker': usage,
  'ssh-config-bad-value': usage,
  'control-dir-unsafe': usage,
  'control-dir-too-long': usage,
  'sandbox-config': usage,
  'sandbox-tls': usage,
  'sandbox-listen': usage,
  'sandbox-credentials': usage,
  'sandbox-key-validity': usage,
  // AWS refused or failed, or has nothing that matches.
  'access-denied': aws,
  'aws-error': aws,
  'aws-throttled': aws,
  'aws-unavailable': aws,
  'aws-unreachable': aws,
  'aws-timeout': aws,
  'aws-bad-answer': aws,
  'credentials-expired': aws,
  'credentials-invalid': aws,
  'credentials-missing': aws,
  'sso-expired': aws,
  'no-instances': aws,
  'no-reachable-instance': aws,
  'instance-not-found': aws,
  'instance-not-running': aws,
  'instance-no-ip': aws,
  'instance-no-vpc': aws,
  'endpoint-unusable': aws,
  'endpoint-no-fips': aws,
  'endpoint-no-dns': aws,
  'endpoint-not-found': aws,
  'endpoint-none': aws,
  'endpoint-address-family': aws,
  'push-key-failed': aws,
  'push-key-denied': aws,
  'push-key-instance-not-found': aws,
  'push-key-instance-state': aws,
  'push-key-instance-unavailable': aws,
  'push-key-invalid': aws,
  'push-key-throttled': aws,
  'push-key-service': aws,
  'push-key-instance-type': aws,
  // The way to the instance: proxy, tunnel, TLS, SSH.
  'proxy-auth-required': connection,
  'proxy-refused': connection,
  'proxy-tls': connection,
  'proxy-unreachable': connection,
  'proxy-closed': connection,
  'proxy-timeout': connection,
  'tunnel-url': connection,
  'tunnel-timeout': connection,
  'tunnel-refused': connection,
  'tunnel-refused-transient': connection,
  'tunnel-refused-unknown': connection,
  'tunnel-tls-untrusted': connection,
  'tunnel-tls-date': connection,
  'tunnel-tls-name': connection,
  'tunnel-tls': connection,
  'tunnel-dns': connection,
  'tunnel-refused-tcp': connection,
  'tunnel-network': connection,
  'tunnel-connect': connection,
  'tunnel-lost': connection,
  'tunnel-invalid-data': connection,
  'tunnel-closed': connection,
  'tunnel-failed': connection,
  'tunnel-max-duration': connection,
  'host-key-revoked': connection,
  'host-key-unknown': connection,
  'host-key-changed': connection,
  'host-key-file': connection,
  'ssh-auth-failed': connection,
  'ssh-timeout': connection,
  'ssh-connect': connection,
  'ssh-channel': connection,
  'stdio-forward-failed': connection,
  'ssh-connection-lost': connection,
  'sftp-unavailable': connection,
  'cp-connection-lost': connection,
  'reconnect-failed': connection,
  'reconnect-gave-up': connection,
  // Something on this machine, or a file on either side of a copy.
  'local-stream': local,
  'local-output': local,
  'key-internal': local,
  'cp-failed': local,
  'cp-root': local,
  'cp-dest-not-dir': local,
  'cp-dest-missing': local,
  'cp-source-missing': local,
  'cp-source-is-dir': local,
  'cp-not-regular': local,
  'cp-too-deep': local,
  'cp-size-mismatch': local,
  'cp-verify-failed': local,
  'sandbox-sshd': local,
  'sandbox-start': local,
  // Stopped by a signal.
  'interrupted': signal,
} as const satisfies Record<string, { kind: ErrorKind; exit: number }>;

export type ErrorCode = keyof typeof ERRORS;

export interface EicErrorOptions {
  cause?: unknown;
  /** For an 'interrupted' error: the signal, whose number sets the exit status (128 + n). */
  signal?: NodeJS.Signals;
}

export class EicError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly exitCode: number;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, hint?: string, options: EicErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'EicError';
    this.code = code;
    this.kind = ERRORS[code].kind;
    this.exitCode = options.signal ? signalStatus(options.signal) : ERRORS[code].exit;
    this.hint = hint;
  }
}

/** The status OpenSSH gives every failure of its own (and a session that ends without a status). */
export const SSH_FAILURE_STATUS = 255;

/** The codes of bad input. */
export type UsageCode = { [K in ErrorCode]: (typeof ERRORS)[K]['kind'] extends 'usage' ? K : never }[ErrorCode];

/** Bad input from the user: only a usage code is accepted here. */
export function usageError(code: UsageCode, message: string, hint?: string): EicError {
  return new EicError(code, message, hint);
}

export function isEicError(err: unknown): err is EicError {
  return err instanceof EicError;
}
