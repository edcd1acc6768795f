/**
 * Text that comes from AWS (a Name tag, a state message, an error's Message) is anybody's text:
 * printed raw, an ESC sequence in it drives the terminal and a newline forges a line of output
 * or of a config file. Everything eic prints or writes from such text goes through here.
 * Printable Unicode is kept as it is; only what a terminal or a line-based reader acts on is
 * turned into a visible escape (`\n`, `\x1b`, `\u202e`).
 */

/**
 * C0 controls, DEL, C1 controls (U+0080–U+009F, where U+009B is a one-character CSI), the line
 * and paragraph separators, and the bidirectional overrides and isolates that make a terminal
 * show text in another order than it is.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same without newline and tab: for whole messages that eic itself laid out. */
const UNSAFE_IN_MESSAGE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** What JSON.stringify leaves raw (it escapes C0 in strings; a raw newline is its own layout). */
const RAW_IN_JSON = /[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One field of AWS text (a tag, a state, a message) made safe to print: no control characters at all. */
export function safeText(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * A message eic composed, safe to print: like safeText but keeping the newlines and tabs eic
 * put there itself (AWS text inside it was passed through safeText where it entered).
 */
export function safeMessage(text: string): string {
  return text.replace(UNSAFE_IN_MESSAGE, escapeOne);
}

/** Whether the text holds anything safeText would escape. */
export function hasUnsafeText(text: string): boolean {
  return safeText(text) !== text;
}

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1, the separators and bidi
 * controls) written as \u escapes: the same value for a parser, nothing for a terminal to act on.
 */
export function safeJson(json: string): string {
  return json.replace(RAW_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
