/**
 * `eic cp` operands, as scp reads them: INSTANCE:PATH is remote when the colon comes before any
 * slash, user@ and [IPv6] hosts, and the directions that are refused before any AWS call.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyDirection, parseOperand, shellQuote } from '../src/cli/cp/args.js';
import { isEicError } from '../src/errors.js';

const refused = (operands: string[], code: string) => assert.throws(() => copyDirection(operands), (err: unknown) => {
  assert.ok(isEicError(err));
  assert.equal(err.code, code);
  assert.equal(err.exitCode, 2);
  return true;
});

describe('eic cp operands', () => {
  it('reads INSTANCE:PATH, user@INSTANCE:PATH and [v6]:PATH as remote', () => {
    assert.deepEqual(parseOperand('i-0123456789abcdef0:/tmp/x'), { raw: 'i-0123456789abcdef0:/tmp/x', path: '/tmp/x', remote: { user: undefined, host: 'i-0123456789abcdef0', label: 'i-0123456789abcdef0' } });
    assert.deepEqual(parseOperand('admin@web-1:notes.txt').remote, { user: 'admin', host: 'web-1', label: 'admin@web-1' });
    assert.equal(parseOperand('admin@web-1:notes.txt').path, 'notes.txt');
    assert.deepEqual(parseOperand('[fd00:10:1:1::10]:/srv/a').remote, { user: undefined, host: 'fd00:10:1:1::10', label: '[fd00:10:1:1::10]' });
    assert.equal(parseOperand('[fd00:10:1:1::10]:/srv/a').path, '/srv/a');
    assert.equal(parseOperand('web-1:').path, '');
  });

  it('reads paths as local when a slash comes first, or when there is no colon', () => {
    for (const p of ['./a:b', '/abs/a:b', '../x:y', 'dir/file:1', 'plain.txt']) assert.equal(parseOperand(p).remote, undefined, p);
  });

  it('tells the direction and the one instance', () => {
    const up = copyDirection(['a', 'b', 'web-1:/tmp/']);
    assert.equal(up.direction, 'upload');
    assert.equal(up.host, 'web-1');
    assert.deepEqual(up.sources.map((s) => s.path), ['a', 'b']);
    const down = copyDirection(['ec2-user@web-1:/a', 'ec2-user@web-1:/b', '.']);
    assert.equal(down.direction, 'download');
    assert.equal(down.user, 'ec2-user');
    assert.equal(down.label, 'ec2-user@web-1');
  });

  it('refuses local-only, instance-to-instance, mixed and several-instance copies', () => {
    refused(['a', 'b'], 'cp-local-to-local');
    refused(['web-1:/a', 'web-2:/b'], 'cp-remote-to-remote');
    refused(['web-1:/a', 'local', 'dest'], 'cp-mixed-sources');
    refused(['web-1:/a', 'web-2:/b', 'dest'], 'cp-several-instances');
    refused(['only-one'], 'cp-operands');
  });

  it('quotes for a shell only when needed', () => {
    assert.equal(shellQuote('i-0abc:/tmp/x.bin'), 'i-0abc:/tmp/x.bin');
    assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  });
});
