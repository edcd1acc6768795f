// The batches that gather tunnel data for a local writer (src/tunnel/batch.ts) are reused across
// Batchers, as `eic tunnel` makes one per connection, and a batch is never in two hands at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCH_BYTES, Batcher } from '../src/tunnel/batch.js';

interface Delivered { chunk: Buffer; release: () => void }

function batcher(): { b: Batcher; got: Delivered[] } {
  const got: Delivered[] = [];
  return { b: new Batcher((chunk, release) => got.push({ chunk, release })), got };
}

const full = (byte: number) => Buffer.alloc(BATCH_BYTES, byte);

test('a batch released by one Batcher (one connection) is the next Batcher\'s first batch', () => {
  const first = batcher();
  first.b.add(full(1));
  assert.equal(first.got.length, 1);
  const used = first.got[0].chunk.buffer;
  first.got[0].release();

  const second = batcher();
  second.b.add(full(2));
  assert.equal(second.got[0].chunk.buffer, used, 'the same memory, not a new allocation');
  assert.ok(second.got[0].chunk.every((x) => x === 2));
  second.got[0].release();
});

test('a batch not yet released is never handed to another Batcher', () => {
  const a = batcher();
  const b = batcher();
  a.b.add(full(3));
  b.b.add(full(4));
  assert.notEqual(a.got[0].chunk.buffer, b.got[0].chunk.buffer);
  assert.ok(a.got[0].chunk.every((x) => x === 3), 'what a delivered is intact after b filled its batch');
  a.got[0].release();
  b.got[0].release();
});

test('partial batches are handed on in order, each piece copied in once', async () => {
  const { b, got } = batcher();
  b.add(Buffer.from('abc'));
  b.add(Buffer.from('def'));
  assert.equal(got.length, 0, 'held until the turn ends');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(got.map((d) => d.chunk.toString()), ['abcdef']);
  b.add(Buffer.alloc(BATCH_BYTES + 5, 0x61));
  b.flush();
  assert.deepEqual(got.slice(1).map((d) => d.chunk.length), [BATCH_BYTES, 5]);
  for (const d of got) d.release();
});
