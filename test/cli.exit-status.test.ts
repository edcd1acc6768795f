/**
 * Exit statuses by command (README: Exit status): `eic ssh` and `eic proxy` exit 255 for every
 * failure of their own, commander's usage errors included, as OpenSSH does; the other commands
 * exit 2 for bad input and 1 for other failures. The same failure (no region configured, an
 * unknown option) is run through each command; all of it fails before any AWS call.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ERRORS } from '../src/errors.js';
import { runEic } from './helpers/tunnel-harness.js';

const home = mkdtempSync(join(tmpdir(), 'eic-exit-status-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** No region and no credentials anywhere, so every AWS command stops at region-missing. */
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: join(home, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
  EIC_SSH_SYSTEM_CONFIG: '/dev/null',
};

const id = 'i-0123456789abcdef0';

for (const [args, status] of [
  [['ssh', id, '--', 'true'], 255],
  [['proxy', id], 255],
  [['tunnel', id, '--local-port', '0'], 2],
  [['cp', `${id}:/tmp/x`, join(home, 'x')], 2],
  [['list'], 2],
] as const) {
  test(`no region configured: eic ${args[0]} exits ${status}`, async () => {
    const r = await runEic([...args], env);
    assert.equal(r.code, status, r.stderr);
    assert.match(r.stderr, /^eic: no AWS region is configured/m);
  });
}

for (const [command, status] of [['ssh', 255], ['proxy', 255], ['tunnel', 2], ['cp', 2], ['list', 2], ['ssh-config', 2]] as const) {
  test(`an unknown option: eic ${command} exits ${status}`, async () => {
    const r = await runEic([command, '--no-such-option', id, ...(command === 'tunnel' ? ['--local-port', '0'] : [])], env);
    assert.equal(r.code, status, r.stderr);
    assert.match(r.stderr, /unknown option '--no-such-option'/);
  });
}

test('an unknown option before the command counts as that command\'s: eic ssh exits 255, eic list 2', async () => {
  assert.equal((await runEic(['--no-such-option', 'ssh', id, '--', 'true'], env)).code, 255);
  assert.equal((await runEic(['--region', 'us-east-1', '--no-such-option', 'proxy', id], env)).code, 255);
  assert.equal((await runEic(['--no-such-option', 'list'], env)).code, 2);
});

test('a missing operand: eic proxy exits 255, eic cp 2', async () => {
  assert.equal((await runEic(['proxy'], env)).code, 255);
  assert.equal((await runEic(['cp', `${id}:/tmp/x`], env)).code, 2);
});

test('the catalogue: kebab-case codes, usage errors exit 2, other failures 1, signals 128+n', () => {
  for (const [code, { kind, exit }] of Object.entries(ERRORS)) {
    assert.match(code, /^[a-z0-9]+(-[a-z0-9]+)*$/, code);
    const expected = kind === 'usage' ? 2 : kind === 'signal' ? 130 : 1;
    assert.equal(exit, expected, `${code} (${kind})`);
  }
});
