/**
 * The one line an EicError becomes for the user: `eic: <message> (<hint>)`, redacted and with
 * any control character that escaped escaping where AWS text entered made visible. main.ts
 * prints it; `eic proxy` prints a tunnel's failure itself, before ssh sees the stream end.
 */
import type { EicError } from '../errors.js';
import { redact } from '../log.js';
import { safeMessage } from '../safe-text.js';

export function errorLine(err: EicError): string {
  return redact(safeMessage(`eic: ${err.message}${err.hint ? ` (${err.hint})` : ''}`));
}
