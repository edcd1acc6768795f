/**
 * eic's version, from its package.json. The file sits a different number of levels up in the
 * compiled tree (dist/src/…) and in the bundle (dist/bundle/…), so look upwards for it.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function eicVersion(): string {
  if (cached !== undefined) return cached;
  for (const rel of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'eic' && pkg.version) return (cached = pkg.version);
    } catch {
      // not at this level
    }
  }
  return (cached = '0.0.0');
}
