// needs: openssl
// `eic list` as a real process against answers that are not the EC2 API's: an HTML page or an
// empty body with HTTP 200 (a captive portal, a proxy, a wrong endpoint URL) is an error, not an
// empty fleet. And Name filters with regular-expression characters are matched as EC2 matches
// them: `*` and `?` are wildcards, everything else literal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../src/sandbox/config.js';
import { HTML_PAGE } from '../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { execEic } from './helpers/exec-eic.js';

let sb: Sandbox;
before(async () => {
  const config = defaultConfig();
  config.instances.push({ id: 'i-0eeee00000000000e', name: 'db(1)[x]+', state: 'running', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.99', osUsers: ['ec2-user'] });
  sb = await startSandbox({ config });
});
after(async () => { await sb?.close(); });

const eic = (args: string[]) => execEic(args, { PATH: process.env.PATH ?? '', HOME: sb.dir, ...sb.env });

const EMPTY_200 = { ...HTML_PAGE, raw: { body: '', contentType: 'text/xml' } };

for (const [what, operation, fault] of [
  ['an HTML page', 'DescribeInstances', HTML_PAGE],
  ['an empty body', 'DescribeInstances', EMPTY_200],
  ['an HTML page', 'DescribeInstanceConnectEndpoints', HTML_PAGE],
] as const) {
  test(`${operation} answered with ${what} and HTTP 200: an error (exit 1), nothing on stdout`, async () => {
    sb.faults.api.fail(operation, fault);
    try {
      const r = await eic(['list']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(`^eic: ${operation}: the answer is not the EC2 API's \\(no \\w+ in it\\) \\(something other than AWS answered`));
    } finally {
      sb.faults.clear();
    }
  });
}

test('an answer that matches nothing is still an empty list (exit 0)', async () => {
  const r = await eic(['list', '--filter', 'tag:Name=nothing-is-called-this']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
});

test('Name filters: regular-expression characters are literal, * and ? are wildcards', async () => {
  const literal = await eic(['list', '--filter', 'tag:Name=db(1)[x]+']);
  assert.equal(literal.code, 0, literal.stderr);
  assert.match(literal.stdout, /^db\(1\)\[x\]\+\ti-0eeee00000000000e\t/);
  const wild = await eic(['list', '--filter', 'tag:Name=db(?)*']);
  assert.equal(wild.code, 0, wild.stderr);
  assert.match(wild.stdout, /^db\(1\)\[x\]\+\ti-0eeee00000000000e\t/);
  for (const bad of ['db(', '[', '(?<x', 'db\\']) {
    const r = await eic(['list', '--filter', `tag:Name=${bad}`]);
    assert.equal(r.code, 0, `${bad}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
});
