import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/…). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A file in test/fixtures/ (tests read nothing outside the repository). */
export function fixturePath(name: string): string {
  const p = join(repoRoot, 'test', 'fixtures', name);
  if (!existsSync(p)) throw new Error(`missing test fixture ${p}`);
  return p;
}

/** The eic CLI entry point, for tests that run it as a real process. */
export const eicBin = join(repoRoot, 'bin', 'eic.js');

/** Write `dir/eic`, a command running this repository's eic, for scripts that call `eic` from PATH (the completion scripts); returns dir. */
export function eicCommandIn(dir: string): string {
  writeFileSync(join(dir, 'eic'), `#!/bin/sh\nexec '${process.execPath}' '${eicBin}' "$@"\n`, { mode: 0o755 });
  return dir;
}
