/**
 * OpenSSH's escape sequences for interactive sessions (`~.` and friends), as a pure scanner
 * over the bytes typed on stdin. An escape is recognised only right after a newline (or at the
 * start of the session), exactly as OpenSSH's clientloop does, so a `~` inside a line is
 * ordinary data. State survives chunk boundaries: "\r~" in one read and "." in the next is a
 * disconnect, because a terminal in raw mode delivers keys one read at a time.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** The default escape character, `~`. */
export const DEFAULT_ESCAPE_CHAR = 0x7e;

/** What an escape sequence asks for, in the place it was typed among the data. */
export type EscapeCommand = 'disconnect' | 'help' | 'suspend';

/** Bytes to send on, or a command, in typing order. */
export type EscapePart = Buffer | EscapeCommand;

const CR = 0x0d;
const LF = 0x0a;
const CTRL_Z = 0x1a;

/**
 * Parse an escape character as OpenSSH's `-e` does: one character, `^X` for a control
 * character, or `none` (returned as null: escapes off). Undefined when it is none of those.
 */
export function parseEscapeChar(value: string): number | null | undefined {
  if (value === 'none') return null;
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length === 1) return bytes[0];
  if (bytes.length === 2 && bytes[0] === 0x5e /* ^ */) return bytes[1] & 31;
  return undefined;
}

/** The escape character as a user types it: `~`, or `^]` for a control character. */
export function showEscapeChar(ch: number): string {
  return ch < 0x20 ? `^${String.fromCharCode(ch + 64)}` : String.fromCharCode(ch);
}

/** The list `~?` prints; lines end in CRLF because the terminal is in raw mode. */
export function escapeHelp(ch: number): string {
  const e = showEscapeChar(ch);
  return [
    'Supported escape sequences:',
    ` ${e}.   - terminate connection`,
    ` ${e}^Z  - suspend eic (fg resumes the session)`,
    ` ${e}?   - this message`,
    ` ${e}${e}   - send the escape character by typing it twice`,
    `(Note that escapes are only recognized immediately after newline.)`,
    `(OpenSSH's other escapes, such as ${e}B, ${e}C, ${e}R, ${e}#, ${e}&, are not supported: they pass through as typed.)`,
    '',
  ].join('\r\n');
}

export class EscapeScanner {
  /** True at the start of the session and after CR or LF: the next escape char is special. */
  private lineStart = true;
  private pending = false;

  constructor(private readonly escapeChar: number) {}

  /**
   * Split a chunk of typed bytes into data to send and commands. After a disconnect nothing
   * more is returned: the rest of the chunk is dropped, as OpenSSH does.
   */
  scan(chunk: Buffer): EscapePart[] {
    const parts: EscapePart[] = [];
    let out: number[] = [];
    const flush = () => {
      if (out.length > 0) parts.push(Buffer.from(out));
      out = [];
    };
    for (const ch of chunk) {
      if (this.pending) {
        this.pending = false;
        if (ch === 0x2e /* . */) {
          flush();
          parts.push('disconnect');
          return parts;
        }
        if (ch === 0x3f /* ? */ || ch === CTRL_Z) {
          // Acted on, not sent; the escape stays armed (OpenSSH leaves "at line start" as it was).
          flush();
          parts.push(ch === CTRL_Z ? 'suspend' : 'help');
          continue;
        }
        // `~~` sends one `~`; any other character sends both.
        if (ch !== this.escapeChar) out.push(this.escapeChar);
      } else if (this.lineStart && ch === this.escapeChar) {
        this.pending = true;
        continue;
      }
      this.lineStart = ch === CR || ch === LF;
      out.push(ch);
    }
    flush();
    return parts;
  }

  /** At end of input: an escape character typed last is sent after all. */
  end(): Buffer | undefined {
    if (!this.pending) return undefined;
    this.pending = false;
    return Buffer.from([this.escapeChar]);
  }
}

export interface EscapeHandlers {
  onDisconnect(): void;
  onHelp(): void;
  onSuspend(): void;
}

/**
 * A stream between stdin and the channel that removes escape sequences from the data and
 * reports them. After a disconnect it swallows everything: the session is ending.
 */
export function escapeFilter(escapeChar: number, handlers: EscapeHandlers): Transform {
  const scanner = new EscapeScanner(escapeChar);
  let disconnected = false;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      if (disconnected) return done();
      for (const part of scanner.scan(chunk)) {
        if (part === 'disconnect') {
          disconnected = true;
          handlers.onDisconnect();
          break;
        }
        if (part === 'help') handlers.onHelp();
        else if (part === 'suspend') handlers.onSuspend();
        else this.push(part);
      }
      done();
    },
    flush(done: TransformCallback) {
      const rest = disconnected ? undefined : scanner.end();
      done(null, rest);
    },
  });
}
