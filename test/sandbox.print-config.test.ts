// needs: openssl
// `eic sandbox --print-config`: the built-in world as JSON on stdout, exit 0, nothing started;
// the output is a valid --config file (it loads back to the very same world).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, loadConfig } from '../src/sandbox/config.js';
import { eicBin } from './helpers/paths.js';

test('prints the default world as JSON that --config reads back unchanged', async () => {
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [eicBin, 'sandbox', '--print-config'], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const printed = JSON.parse(r.stdout) as ReturnType<typeof defaultConfig>;
  assert.deepEqual(printed, defaultConfig());
  assert.ok(printed.instances.some((i) => i.name === 'no-ingress'), 'the security-group example is in it');
  const dir = mkdtempSync(join(tmpdir(), 'eic-print-config-'));
  try {
    const file = join(dir, 'world.json');
    writeFileSync(file, r.stdout);
    assert.deepEqual(loadConfig(file), defaultConfig());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
