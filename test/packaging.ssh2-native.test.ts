// needs: make g++ python3
// ssh2 is bundled (its ~40 CommonJS files cost ~30 ms to load one by one), but what it finds
// next to its own files must still be found: its native binding (the fast ciphers; ssh2 falls
// back to slower JS ones in silence without it) and cpu-features. The bundle chunk that holds
// eic's SSH session is loaded in a child process that records every native module it opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chunkHolding, nativeModulesOpenedBy } from './helpers/bundle-native.js';
import { repoRoot } from './helpers/paths.js';

const bundleDir = join(repoRoot, 'dist', 'bundle');

test('the bundled ssh2 loads its native binding and cpu-features from the installed packages', async () => {
  const opened = await nativeModulesOpenedBy(chunkHolding(bundleDir, 'src/ssh/session.ts'), repoRoot);
  assert.ok(opened.some((f) => f.endsWith('/node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node')), opened.join('\n'));
  assert.ok(opened.some((f) => /\/node_modules\/(?:ssh2\/node_modules\/)?cpu-features\/build\/Release\/cpufeatures\.node$/.test(f)), opened.join('\n'));
});

test('ssh2 is in the bundle, not loaded from node_modules at run time', () => {
  const meta = JSON.parse(readFileSync(join(bundleDir, 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown>; imports: Array<{ path: string; external?: boolean }> }> };
  const inputs = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
  assert.ok(inputs.includes('node_modules/ssh2/lib/client.js'));
  const externals = Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  assert.deepEqual([...new Set(externals.filter((p) => p.startsWith('ssh2')))], ['ssh2/lib/protocol/crypto/build/Release/sshcrypto.node']);
});
