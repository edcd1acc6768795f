/**
 * The one error type of eic. Everything a user can cause or meet (bad input, AWS refusals,
 * tunnel failures) is an EicError with a stable `code`, an exit code and an optional hint
 * that says what to do. Only src/cli/main.ts turns it into text and an exit status.
 */
export class EicError extends Error {
  readonly exitCode: number;
  readonly code: string;
  readonly hint?: string;

  constructor(exitCode: number, code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EicError';
    this.exitCode = exitCode;
    this.code = code;
    this.hint = hint;
  }
}

/** Exit codes, following OpenSSH where it has a convention. */
export const ExitCode = {
  ok: 0,
  /** A usage or input error (bad flag, bad target). */
  usage: 2,
  /** eic could not connect or authenticate (OpenSSH uses 255 for its own errors). */
  connection: 255,
  /** An AWS API refused or failed. */
  aws: 1,
} as const;

/** Bad input from the user: exit 2. */
export function usageError(code: string, message: string, hint?: string): EicError {
  return new EicError(ExitCode.usage, code, message, hint);
}

export function isEicError(err: unknown): err is EicError {
  return err instanceof EicError;
}
