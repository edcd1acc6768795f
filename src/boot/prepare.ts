/**
 * What the process sets up before the first chunk of the CLI compiles (entry.ts loads this for
 * every command but --version): V8's flags (v8-tuning.ts), then the code cache
 * (compile-cache.ts). The order matters: V8 takes a code cache only under the flags it was made
 * with, and a cache is made at exit, so flags changed after some chunks had compiled would make
 * the caches of those chunks useless at every start.
 */
import * as v8 from 'node:v8';
import { enableCompileCache } from './compile-cache.js';
import { tuneV8 } from './v8-tuning.js';

/** `bundleDir`: where the bundle's chunks are (none when eic runs unbundled, from tsc's output). */
export function prepare(bundleDir: string | undefined): void {
  tuneV8(v8);
  if (bundleDir) enableCompileCache(bundleDir);
}
