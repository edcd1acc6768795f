/**
 * V8 settings made once at start-up (by prepare.ts, for every command but --version, before the
 * CLI's first chunk compiles), each for a cost measured in eic's own runs. They must come before
 * the work they shape, and before any code is compiled with the code cache (see prepare.ts).
 */
import { isIPv6 } from 'node:net';

type V8 = Pick<typeof import('node:v8'), 'setFlagsFromString'>;

/**
 * The V8 major versions each flag is known to exist in (checked with `node --v8-options` on
 * Node 20, 22 and 24: V8 11.3, 12.4, 13.6; test/startup.v8-tuning.test.ts checks it on the Node
 * it runs on). V8 prints "unrecognized flag" on stderr for a flag it lacks, which would show
 * under every ProxyCommand, so on any other V8 a flag is left alone until it has been checked.
 */
export const KNOWN_FLAGS: Record<string, { from: number; to: number }> = {
  'semi-space-growth-factor': { from: 11, to: 13 },
  'regexp-tier-up': { from: 11, to: 13 },
};

/** Whether `flag` (without dashes or "no-") is known to exist in V8 `version` ("13.6.233.17-node.63"). */
export function knownFlag(flag: string, version = process.versions.v8): boolean {
  const major = Number.parseInt(version, 10);
  const known = Object.hasOwn(KNOWN_FLAGS, flag) ? KNOWN_FLAGS[flag] : undefined;
  return known !== undefined && major >= known.from && major <= known.to;
}

export function tuneV8(v8: V8, version = process.versions.v8): void {
  // Keep V8's young generation at its starting size (two 1 MiB semi-spaces) rather than letting
  // it grow to 16 MiB ones. On the byte path nearly all garbage is short-lived Buffer objects
  // whose memory lives outside the JS heap (ssh2 makes one per packet), and only a collection
  // of the young generation gives that memory back: a small one runs often and keeps the pile
  // short. Measured with npm run bench: eic ssh peaks at ~88 MiB instead of ~108 and spends
  // about a third less CPU per GiB; eic proxy peaks at ~62 MiB instead of ~68. V8 reads the
  // growth factor each time it would grow the space, so setting it here works (the semi-space
  // size flags are read only when the process starts, and set later, when the space has
  // grown, it is too late: V8 never shrinks it). The price is more collections while the SDK
  // loads: ~12 ms on `eic list`, within noise on `eic ssh -- true`.
  if (knownFlag('semi-space-growth-factor', version)) v8.setFlagsFromString('--semi-space-growth-factor=1');

  // Every connection to a host name (the AWS APIs, the endpoint) first asks net.isIP(), whose
  // IPv6 pattern is one very large regular expression. V8 runs a pattern through its bytecode
  // interpreter first and compiles it to machine code on the next use: for this one that is
  // ~12 ms and then ~3 ms more, against ~4 ms to compile it to machine code at once. So it is
  // compiled once here, straight to machine code, and V8's default is restored for every other
  // pattern (for most, interpreting first is the cheaper way). `eic ssh -- true`: ~20 ms less.
  if (!knownFlag('regexp-tier-up', version)) return;
  v8.setFlagsFromString('--no-regexp-tier-up');
  try {
    isIPv6('');
  } finally {
    v8.setFlagsFromString('--regexp-tier-up');
  }
}
