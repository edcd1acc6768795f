// The start-up V8 settings (src/boot/v8-tuning.ts), seen through V8's own regexp trace: Node's
// IPv6 pattern is compiled once, straight to machine code (no bytecode, no second compile when
// a connection asks net.isIP()), and V8's default (interpret first) is back for other patterns.
// (The young-generation setting is checked through `eic ssh -v` in ssh.command.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/paths.js';
import { KNOWN_FLAGS, knownFlag, tuneV8 } from '../src/boot/v8-tuning.js';

/** V8's regexp trace lines of a fresh node running `script` (ESM), split at the line MARK. */
function trace(script: string): { before: string[]; after: string[] } {
  const r = spawnSync(process.execPath, ['--trace-regexp-tier-up', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const mark = lines.indexOf('MARK');
  assert.ok(mark >= 0, r.stdout);
  return { before: lines.slice(0, mark), after: lines.slice(mark + 1) };
}

/** Bytecode of the size Node's IPv6 pattern compiles to (tens of KB; other patterns here are tiny). */
const hugeBytecode = (lines: string[]) => lines.filter((l) => /bytecode size: \d{5,}/.test(l));

test("without the tuning, Node's IPv6 pattern goes through huge bytecode and a second compile", () => {
  const t = trace(`
    import { isIPv6 } from 'node:net';
    console.log('MARK');
    isIPv6('eice.example'); isIPv6('ec2.example');
  `);
  assert.equal(hugeBytecode(t.after).length, 1, t.after.join('\n'));
  assert.ok(t.after.some((l) => l.includes('needs tier-up compilation')));
});

const UNTUNED = knownFlag('regexp-tier-up') ? false : `V8 ${process.versions.v8} is not tuned (KNOWN_FLAGS)`;

test('tuneV8 compiles the IPv6 pattern to machine code at once and restores the default for others', { skip: UNTUNED }, () => {
  const t = trace(`
    import * as v8 from 'node:v8';
    import { isIPv6 } from 'node:net';
    const { tuneV8 } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist', 'src', 'boot', 'v8-tuning.js')).href)});
    tuneV8(v8);
    console.log('MARK');
    if (isIPv6('eice.example') || !isIPv6('fd00::1')) throw new Error('isIPv6 answers wrong');
    const other = new RegExp('^tuned-' + process.pid + '(a+)b$');
    other.exec('tuned-' + process.pid + 'aab'); other.exec('tuned-' + process.pid + 'ab');
  `);
  assert.deepEqual(hugeBytecode([...t.before, ...t.after]), [], 'no bytecode for the IPv6 pattern');
  assert.ok(t.before.some((l) => l.includes('native code size')), t.before.join('\n'));
  // The pattern made after tuneV8 is interpreted first and tiered up: V8's default again.
  assert.equal(t.after.filter((l) => l.includes('needs tier-up compilation')).length, 1, t.after.join('\n'));
});

test('each V8 flag tuneV8 sets exists in the V8 of the Node running the tests, as its table says', () => {
  const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
  for (const flag of Object.keys(KNOWN_FLAGS)) {
    if (knownFlag(flag)) assert.match(options, new RegExp(`^\\s+--${flag} `, 'm'), `--${flag} on V8 ${process.versions.v8}`);
  }
});

test('on a V8 whose flags are not known, tuneV8 sets none (V8 would print "unrecognized flag")', () => {
  const flagsSet = (v8Version: string) => {
    const set: string[] = [];
    tuneV8({ setFlagsFromString: (f: string) => { set.push(f); } }, v8Version);
    return set;
  };
  assert.deepEqual(flagsSet('99.1.0.0-node.1'), []);
  assert.deepEqual(flagsSet('13.6.233.17-node.63'), []);
  assert.deepEqual(flagsSet('12.4.254.21-node.57'), ['--semi-space-growth-factor=1', '--no-regexp-tier-up', '--regexp-tier-up']);
});
