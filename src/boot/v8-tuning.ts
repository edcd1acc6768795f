/**
 * V8 settings made once at start-up (by prepare.ts, for every command but --version, before the
 * CLI's first chunk compiles); bench/RESULTS.md has what each saves. They must come before the
 * work they shape, and before any code is compiled with the code cache (see prepare.ts).
 */
type V8 = Pick<typeof import('node:v8'), 'setFlagsFromString'>;

/**
 * The V8 major versions each flag is set on (checked with `node --v8-options` on Node 20, 22
 * and 24: V8 11.3, 12.4, 13.6; test/startup.v8-tuning.test.ts checks it on the Node it runs
 * on). V8 prints "unrecognized flag" on stderr for a flag it lacks, which would show under
 * every ProxyCommand, so on any other V8 a flag is left alone until it has been checked.
 *
 * Only flags V8 reads afresh each time it uses them belong here. Toggling --regexp-tier-up
 * (to compile net.isIP()'s IPv6 pattern straight to machine code) made eic die of SIGSEGV
 * inside V8's regexp interpreter in about 1 of 150 runs on Node 24 and, rarely, on Node 20, so
 * it is gone (bench/RESULTS.md).
 */
export const KNOWN_FLAGS: Record<string, { from: number; to: number }> = {
  'semi-space-growth-factor': { from: 11, to: 13 },
};

/** Whether `flag` (without dashes or "no-") is known to exist in V8 `version` ("13.6.233.17-node.63"). */
export function knownFlag(flag: string, version = process.versions.v8): boolean {
  const major = Number.parseInt(version, 10);
  const known = Object.hasOwn(KNOWN_FLAGS, flag) ? KNOWN_FLAGS[flag] : undefined;
  return known !== undefined && major >= known.from && major <= known.to;
}

export function tuneV8(v8: V8, version = process.versions.v8): void {
  // Keep V8's young generation at its starting size rather than letting it grow: on the byte
  // path nearly all garbage is short-lived Buffers whose memory lives outside the JS heap, and
  // only a young collection gives it back, so a small generation collected often keeps the pile
  // short (less RSS and CPU per GiB, at the price of more collections while the SDK loads). The
  // growth factor is read each time V8 would grow the space, so setting it here still works;
  // the semi-space size flags are read only at process start.
  if (knownFlag('semi-space-growth-factor', version)) v8.setFlagsFromString('--semi-space-growth-factor=1');
}
