// The start-up V8 settings (src/boot/v8-tuning.ts): which flags are set, on which V8, and that
// each one exists there. (Their effect on the young generation is checked through `eic ssh -v`
// in ssh.command.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { KNOWN_FLAGS, knownFlag, tuneV8 } from '../src/boot/v8-tuning.js';

const flagsSet = (v8Version: string) => {
  const set: string[] = [];
  tuneV8({ setFlagsFromString: (f: string) => { set.push(f); } }, v8Version);
  return set;
};

test('each V8 flag tuneV8 sets exists in the V8 of the Node running the tests, as its table says', () => {
  const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
  for (const flag of Object.keys(KNOWN_FLAGS)) {
    if (knownFlag(flag)) assert.match(options, new RegExp(`^\\s+--${flag} `, 'm'), `--${flag} on V8 ${process.versions.v8}`);
  }
});

test('on a V8 whose flags are not known, tuneV8 sets none (V8 would print "unrecognized flag")', () => {
  assert.deepEqual(flagsSet('99.1.0.0-node.1'), []);
  assert.deepEqual(flagsSet('10.2.154.26-node.26'), []);
});

test('tuneV8 never toggles regexp flags: doing so crashed V8\'s regexp interpreter', () => {
  // Node 20, 22 and 24 (V8 11.3, 12.4, 13.6) get the young-generation setting and nothing else;
  // the regexp tier-up toggle that was here ended eic with SIGSEGV in rare runs (bench/RESULTS.md).
  for (const v of ['11.3.244.8-node.30', '12.4.254.21-node.57', '13.6.233.17-node.63']) {
    assert.deepEqual(flagsSet(v), ['--semi-space-growth-factor=1'], `V8 ${v}`);
  }
});
