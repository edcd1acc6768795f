import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/…). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A file in ../shared (CI lays a copy of shared/ beside the clone). */
export function sharedPath(rel: string): string {
  const p = join(repoRoot, '..', 'shared', rel);
  if (!existsSync(p)) throw new Error(`missing ${p}: the shared/ folder must sit beside the repository`);
  return p;
}

/** The eic CLI entry point, for tests that run it as a real process. */
export const eicBin = join(repoRoot, 'bin', 'eic.js');
