/**
 * The escape scanner on its own: OpenSSH's rules (an escape only at the start of a line,
 * `~.`, `~?`, `~^Z`, `~~`, anything else passed through with its `~`), with every split of the input
 * into chunks giving the same result, since a raw terminal delivers keys one read at a time.
 */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { DEFAULT_ESCAPE_CHAR, EscapeScanner, escapeFilter, escapeHelp, parseEscapeChar, type EscapePart } from '../src/ssh/escape.js';

/** Data as one string, with commands shown inline as <disconnect> / <help>. */
function render(parts: EscapePart[]): string {
  return parts.map((p) => (typeof p === 'string' ? `<${p}>` : p.toString('latin1'))).join('');
}

function scanChunks(chunks: string[], ch = DEFAULT_ESCAPE_CHAR): string {
  const s = new EscapeScanner(ch);
  let out = '';
  for (const c of chunks) {
    const parts = s.scan(Buffer.from(c, 'latin1'));
    out += render(parts);
    if (parts.includes('disconnect')) return out;
  }
  return out + (s.end()?.toString('latin1') ?? '');
}

/** Every way of cutting `input` into two or three chunks, plus byte by byte. */
function splits(input: string): string[][] {
  const out: string[][] = [[input], [...input]];
  for (let i = 1; i < input.length; i++) {
    out.push([input.slice(0, i), input.slice(i)]);
    for (let j = i + 1; j < input.length; j++) out.push([input.slice(0, i), input.slice(i, j), input.slice(j)]);
  }
  return out;
}

function expectAllSplits(input: string, expected: string, ch = DEFAULT_ESCAPE_CHAR): void {
  for (const chunks of splits(input)) {
    assert.equal(scanChunks(chunks, ch), expected, `input ${JSON.stringify(chunks)}`);
  }
}

describe('escape scanner', () => {
  it('disconnects on ~. at the start of the session and after CR or LF, across chunks', () => {
    assert.equal(scanChunks(['~.']), '<disconnect>');
    assert.equal(scanChunks(['\r~', '.']), '\r<disconnect>');
    assert.equal(scanChunks(['\r', '~', '.']), '\r<disconnect>');
    expectAllSplits('ls\r~.rest', 'ls\r<disconnect>');
    expectAllSplits('ls\n~.', 'ls\n<disconnect>');
  });

  it('treats ~ inside a line as data', () => {
    expectAllSplits('cd ~.', 'cd ~.');
    expectAllSplits('a~.\r', 'a~.\r');
  });

  it('sends one ~ for ~~, and the ~ is then not at a line start', () => {
    expectAllSplits('~~', '~');
    expectAllSplits('\r~~.', '\r~.');
    expectAllSplits('~~~.', '~~.');
  });

  it('passes ~ and any other character through together', () => {
    expectAllSplits('~x', '~x');
    expectAllSplits('\r~/home\r', '\r~/home\r');
    // The other OpenSSH escapes are not implemented: they reach the remote side as typed.
    expectAllSplits('~B', '~B');
    expectAllSplits('~C~&', '~C~&');
    // An escape char followed by a newline re-arms for the next line.
    expectAllSplits('~\r~.', '~\r<disconnect>');
  });

  it('prints help on ~? and stays at the line start', () => {
    expectAllSplits('~?', '<help>');
    expectAllSplits('x\r~?~.', 'x\r<help><disconnect>');
    expectAllSplits('~?ab~.', '<help>ab~.');
  });

  it('suspends on ~^Z, which is not sent, and stays at the line start', () => {
    expectAllSplits('~\x1a', '<suspend>');
    expectAllSplits('ls\r~\x1a~.', 'ls\r<suspend><disconnect>');
    expectAllSplits('a~\x1a', 'a~\x1a');
  });

  it('sends a lone escape char at the end of input', () => {
    expectAllSplits('\r~', '\r~');
  });

  it('follows another escape character', () => {
    const ctrlBracket = parseEscapeChar('^]');
    assert.equal(ctrlBracket, 0x1d);
    expectAllSplits('\x1d.', '<disconnect>', 0x1d);
    expectAllSplits('~.', '~.', 0x1d);
    expectAllSplits('\r\x1d\x1d', '\r\x1d', 0x1d);
    const pct = parseEscapeChar('%');
    assert.equal(pct, 0x25);
    expectAllSplits('%?%.', '<help><disconnect>', 0x25);
  });

  it('parses -e like OpenSSH', () => {
    assert.equal(parseEscapeChar('~'), 0x7e);
    assert.equal(parseEscapeChar('none'), null);
    assert.equal(parseEscapeChar('^A'), 1);
    assert.equal(parseEscapeChar('ab'), undefined);
    assert.equal(parseEscapeChar(''), undefined);
    assert.equal(parseEscapeChar('é'), undefined);
  });

  it('lists the escapes with the chosen character, CRLF line ends for a raw terminal', () => {
    const help = escapeHelp(0x1d);
    assert.match(help, /^ \^\]\. {3}- terminate connection\r$/m);
    assert.match(help, /^ \^\]\^Z {2}- suspend eic/m);
    assert.match(help, /\^\]B.*not supported/);
    assert.ok(!/[^\r]\n/.test(help));
  });
});

describe('escape filter stream', () => {
  it('passes data, reports commands, and swallows input after a disconnect', async () => {
    const events: string[] = [];
    let sent = '';
    const filter = escapeFilter(DEFAULT_ESCAPE_CHAR, {
      onHelp: () => events.push('help'),
      onDisconnect: () => events.push('disconnect'),
      onSuspend: () => events.push('suspend'),
    });
    const sink = new Writable({ write(c: Buffer, _e, done) { sent += c.toString('latin1'); done(); } });
    await pipeline(Readable.from(['echo hi\r', '~', '?', '~\x1a', 'ls\r~', '.', 'after\r'].map((s) => Buffer.from(s))), filter, sink);
    assert.equal(sent, 'echo hi\rls\r');
    assert.deepEqual(events, ['help', 'suspend', 'disconnect']);
  });
});
