// needs: openssl
// Text from AWS never reaches a terminal or a file with control characters in it: a sandbox
// instance whose Name tag holds ESC sequences, a newline, a tab and a C1 CSI goes through
// piped `eic list` (TSV), `eic ssh-config` and an AWS error message, each as a real process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../src/sandbox/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { execEic } from './helpers/exec-eic.js';

/** Clears the screen, sets the window title, forges a line, a column and a C1 CSI. */
const HOSTILE = 'evil\x1b[2J\x1b]0;owned\x07\nfake\tline\u009b31m';
const HOSTILE_ID = 'i-0eeee00000000000e';
const STOPPED_ID = 'i-0eeee00000000000f';
/** No raw control character (C0 except the newline ending lines, DEL, C1). */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

let sb: Sandbox;
before(async () => {
  const config = defaultConfig();
  config.instances.push({ id: HOSTILE_ID, name: HOSTILE, state: 'running', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.99', osUsers: ['ec2-user'] });
  config.instances.push({ id: STOPPED_ID, name: HOSTILE, state: 'stopped', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.98', osUsers: ['ec2-user'] });
  sb = await startSandbox({ config });
});
after(async () => { await sb?.close(); });

const eic = (args: string[]) => execEic(args, { PATH: process.env.PATH ?? '', HOME: sb.dir, ...sb.env });

test('piped eic list: the Name is one escaped field of one line', async () => {
  const r = await eic(['list']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout.replace(/\t/g, ' '), RAW_CONTROL);
  const line = r.stdout.split('\n').find((l) => l.includes(HOSTILE_ID));
  assert.ok(line, r.stdout);
  const fields = line.split('\t');
  assert.equal(fields.length, 7, line);
  assert.equal(fields[0], 'evil\\x1b[2J\\x1b]0;owned\\x07\\nfake\\tline\\x9b31m');
  assert.equal(fields[1], HOSTILE_ID);
});

test('eic list --json keeps the value of the Name, with C1 controls written as \\u escapes', async () => {
  const r = await eic(['list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, RAW_CONTROL);
  const rows = JSON.parse(r.stdout) as Array<{ id: string; name: string }>;
  assert.equal(rows.find((x) => x.id === HOSTILE_ID)?.name, HOSTILE);
});

test('eic ssh-config: no Host line for the Name, and the warning shows it escaped', async () => {
  const r = await eic(['ssh-config', '--region', 'us-east-1']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, RAW_CONTROL);
  assert.doesNotMatch(r.stdout, /^(?!#).*(evil|fake)/m);
  assert.match(r.stdout, /^# skipped "evil\\x1b\[2J\\x1b\]0;owned\\x07\\nfake\\tline\\x9b31m" \(i-0eeee00000000000e\): the Name contains control characters$/m);
  assert.doesNotMatch(r.stderr, RAW_CONTROL);
  assert.match(r.stderr, /warning: no Host entry for Name "evil\\x1b\[2J\\x1b\]0;owned\\x07\\nfake\\tline\\x9b31m" \(i-0eeee00000000000e\): it contains control characters/);
});

test('an error message from AWS is printed escaped, on one line', async () => {
  sb.faults.api.fail('DescribeInstances', { type: 'InvalidParameterValue', status: 400, message: 'bad\x1b[2J\nfilter\u009b' });
  const r = await eic(['list']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.doesNotMatch(r.stderr, RAW_CONTROL);
  assert.match(r.stderr, /^eic: DescribeInstances failed: InvalidParameterValue: bad\\x1b\[2J\\nfilter\\x9b/);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
});

test('eic ssh to a stopped instance: its Name in the error is escaped', async () => {
  const r = await eic(['ssh', '--region', 'us-east-1', STOPPED_ID, '--', 'true']);
  assert.equal(r.code, 255, r.stderr);
  assert.doesNotMatch(r.stderr, RAW_CONTROL);
  assert.match(r.stderr, /^eic: instance i-0eeee00000000000f \(evil\\x1b\[2J\\x1b\]0;owned\\x07\\nfake\\tline\\x9b31m\) is stopped, not running/);
});
