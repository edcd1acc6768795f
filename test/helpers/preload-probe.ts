/**
 * A probe preloaded into a child process (NODE_OPTIONS=--require): `setup` runs before the
 * child's own code, and when it exits the value of `report` (a JS expression) is written to a
 * file. For tests of what eic loads or builds, which only the process itself can see.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function withProbe<T>(setup: string, report: string, run: (nodeOptions: string) => Promise<T>): Promise<{ result: T; report: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'eic-probe-'));
  try {
    const preload = join(dir, 'probe.cjs');
    const out = join(dir, 'report');
    writeFileSync(preload, `${setup}\nprocess.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, String(${report})));\n`);
    const result = await run(`--require ${preload}`);
    let text = '';
    try { text = readFileSync(out, 'utf8'); } catch { /* the child never got to exit normally */ }
    return { result, report: text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The built-in modules the child loaded, one `NativeModule name` (or `Internal Binding …`) a line. */
export function withBuiltinsProbe<T>(run: (nodeOptions: string) => Promise<T>): Promise<{ result: T; report: string }> {
  return withProbe('', "process.moduleLoadList.join('\\n')", run);
}
