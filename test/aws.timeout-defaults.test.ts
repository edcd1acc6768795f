// The AWS call limits eic applies when no option is given are the ones README promises (connect
// 10 s, read 20 s, a whole call their sum, 30 s) and the help text shows; the test-only scale
// shortens the defaults and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { callTimeouts, DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_READ_TIMEOUT_S, TEST_TIMEOUT_SCALE_ENV } from '../src/aws/timeouts.js';
import { runEic } from './helpers/tunnel-harness.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the defaults are what README says: connect 10 s, read 20 s, a call 30 s', () => {
  const section = readme.slice(readme.indexOf('### Timeouts'));
  const connect = Number(/`--cli-connect-timeout SECONDS` \(default (\d+)\)/.exec(section)?.[1]);
  const read = Number(/`--cli-read-timeout\s+SECONDS` \(default (\d+)\)/.exec(section)?.[1]);
  const call = Number(/\((\d+) s by default\)/.exec(section)?.[1]);
  assert.deepEqual([connect, read, call], [10, 20, 30], 'README\'s numbers');
  assert.ok(connect <= 10 && call <= 30, 'the issue\'s bounds: connect ≤ 10 s, a call ≤ 30 s');
  assert.deepEqual(callTimeouts({}), { connectMs: connect * 1000, readMs: read * 1000, callMs: call * 1000 });
  assert.deepEqual([DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_READ_TIMEOUT_S], [connect, read]);
});

test('the help text shows the same defaults', async () => {
  const r = await runEic(['list', '--help'], { PATH: process.env.PATH });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString().replace(/\s+/g, ' '), /--cli-connect-timeout <seconds> .*\(default 10; 0: no limit\)/);
  assert.match(r.stdout.toString().replace(/\s+/g, ' '), /--cli-read-timeout <seconds> .*\(default 20; 0: no limit\)/);
});

test('the options win and are never scaled; 0 means no limit for the whole call', () => {
  assert.deepEqual(callTimeouts({ cliConnectTimeout: 3, cliReadTimeout: 4 }), { connectMs: 3000, readMs: 4000, callMs: 7000 });
  assert.deepEqual(callTimeouts({ cliReadTimeout: 0 }), { connectMs: 10_000, readMs: 0, callMs: 0 });
  const env = { [TEST_TIMEOUT_SCALE_ENV]: '0.1' };
  assert.deepEqual(callTimeouts({ cliReadTimeout: 4 }, env), { connectMs: 1000, readMs: 4000, callMs: 5000 });
  assert.deepEqual(callTimeouts({}, env), { connectMs: 1000, readMs: 2000, callMs: 3000 });
});

test('the test scale only shortens: anything but a factor in (0, 1] leaves the defaults', () => {
  for (const v of ['', '0', '-1', '2', 'soon', 'Infinity']) {
    assert.deepEqual(callTimeouts({}, { [TEST_TIMEOUT_SCALE_ENV]: v }), callTimeouts({}), v);
  }
  // However small, a scaled default is still a limit (0 would mean none), in whole milliseconds.
  assert.deepEqual(callTimeouts({}, { [TEST_TIMEOUT_SCALE_ENV]: '1e-9' }), { connectMs: 1, readMs: 1, callMs: 2 });
  assert.deepEqual(callTimeouts({}, { [TEST_TIMEOUT_SCALE_ENV]: '0.0333' }), { connectMs: 333, readMs: 666, callMs: 999 });
});
