/**
 * What a bundle chunk loads natively: the chunk that holds a source file (by the bundler's
 * metafile), and the .node files a fresh node opens when it imports that chunk.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The bundle chunk that holds a source file, by the bundler's metafile. */
export function chunkHolding(dir: string, source: string): string {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const found = Object.entries(meta.outputs).find(([, o]) => Object.keys(o.inputs).includes(source));
  assert.ok(found, `no chunk holds ${source}`);
  return join(dir, found[0].split('/').pop()!);
}

/** Imports a module in a fresh node and returns the native modules (.node files) it opened. */
export function nativeModulesOpenedBy(file: string, cwd: string): Promise<string[]> {
  const hook = `const o = process.dlopen; process.dlopen = function (m, f, ...r) { console.log('dlopen ' + f); return o.call(this, m, f, ...r); };`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, '--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)});`],
      { cwd }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.split('\n').filter((l) => l.startsWith('dlopen ')).map((l) => l.slice(7)))));
  });
}
