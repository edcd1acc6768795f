// The one way tests wait for an EicError: a promise that must reject with one, returned for the
// caller's own checks of code, message and hint.
import assert from 'node:assert/strict';
import { EicError } from '../../src/errors.js';

export async function eicErrorOf(p: Promise<unknown>, what = 'the call'): Promise<EicError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof EicError, `expected an EicError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${what} to reject`);
}
