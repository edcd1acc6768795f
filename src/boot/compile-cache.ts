/**
 * A V8 code cache for the bundle's chunks, kept per user on disk. Where Node has one of its own
 * (`module.enableCompileCache`, Node 22.1 on) it is used, in eic's cache directory, and nothing
 * is patched; on Node 20 eic keeps its own, below.
 *
 * Why: compiling the chunks `eic ssh` loads is the largest single cost of its start-up, plus the
 * functions V8 compiles lazily as they first run; with the code V8 made in an earlier run, that
 * cost goes (bench/RESULTS.md). The first run of each eic version on a machine pays the full
 * price and leaves the cache behind.
 *
 * How (Node 20): the bundle's chunks are CommonJS, so Node compiles each through
 * Module.prototype._compile; for files of the bundle only, that is done here with vm.Script and
 * the cached data of an earlier run. At exit (or after 2 s, for a process that runs on), the chunks that had none (or
 * whose cache V8 turned down: another Node, other flags) get one, made then so that it holds
 * what the run compiled lazily too.
 *
 * Safety: V8 turns a cache down when another V8 or other flags made it, but of the source it
 * checks only the length: a cache made from another build of a chunk of the same length (main.cjs
 * keeps its name) would run that build's code. So each cache file is named by the chunk's content
 * as well, from the sha256 the build wrote to chunks.json beside the chunks; a chunk not listed
 * there, or not of the listed length, compiles without a cache. Nor does V8 check who wrote a
 * cache: it lives in the user's own cache directory and is used only when that directory belongs
 * to the user and nobody else can write to it, nor to any directory between it and the cache's
 * root (`eic` in the cache home), as OpenSSH's StrictModes checks the path to ~/.ssh: whoever can
 * write to a directory above can swap what is below (Node's own cache too: it checks the
 * source's content, not who wrote the file). Files are written whole (a temporary file, renamed), so a
 * run beside another never reads half a file. Every failure here only means no
 * cache. EIC_COMPILE_CACHE=0 turns it off.
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { privateDir, userCacheDir } from '../user-cache.js';

/** A process still running after this long writes its cache then, not only at exit. */
const FLUSH_AFTER_MS = 2000;

/** What scripts/bundle.mjs writes to chunks.json for each chunk. */
interface ChunkKey { sha256: string; length: number }
type ChunkKeys = Record<string, ChunkKey>;

/** Node's own code cache (module.enableCompileCache, Node >= 22.1; flushCompileCache, 22.10). */
interface NodeCompileCache {
  enableCompileCache?: (dir: string) => { status: number };
  flushCompileCache?: () => void;
  constants?: { compileCacheStatus?: Record<string, number> };
}

interface Compilable {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

/**
 * Where the cache of the bundle in `bundleDir` lives: XDG_CACHE_HOME (or ~/.cache), %LOCALAPPDATA%
 * on Windows; one directory per V8 and per installed bundle, so that two installs of eic (a
 * global one and a checkout) do not take turns replacing each other's cache.
 */
export function compileCacheDir(bundleDir: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | undefined {
  const base = userCacheDir(env, platform);
  if (!base) return undefined;
  return join(base, `v8-${process.versions.v8}-${process.arch}`, fnv1a(bundleDir));
}

/** A short, stable name for a path (FNV-1a, 32 bits): node:crypto costs more to load than this. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The cache's root (`…/eic`): compileCacheDir's result is `<root>/v8-…/<bundle>`. */
function cacheRootOf(cacheDir: string): string {
  return dirname(dirname(cacheDir));
}

/**
 * Compile the chunks in `bundleDir` with the cache in `cacheDir`. Returns false (and changes
 * nothing) when the cache is off or its directory cannot be trusted.
 */
export function enableCompileCache(bundleDir: string, cacheDir = compileCacheDir(bundleDir), env: NodeJS.ProcessEnv = process.env): boolean {
  if (!cacheDir || env.EIC_COMPILE_CACHE === '0') return false;
  try {
    if (!privateDir(cacheDir, cacheRootOf(cacheDir))) return false;
  } catch {
    return false;
  }
  const node = Module as unknown as NodeCompileCache;
  if (nodeHasCompileCache()) return nodeCompileCache(node, cacheDir);
  let keys: ChunkKeys;
  try {
    keys = JSON.parse(readFileSync(join(bundleDir, 'chunks.json'), 'utf8')) as ChunkKeys;
  } catch {
    return false;
  }
  const toWrite: Array<{ script: Script; file: string }> = [];
  const proto = Module.prototype as unknown as Compilable;
  const compile = proto._compile;

  proto._compile = function (this: Compilable, content: string, filename: string): unknown {
    const chunk = basename(filename);
    const key = dirname(filename) === bundleDir && Object.hasOwn(keys, chunk) ? keys[chunk] : undefined;
    if (!key || key.length !== content.length) return compile.call(this, content, filename);
    const file = join(cacheDir, cacheName(chunk, key));
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      // none yet
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) toWrite.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
  };

  // At exit, so that the cache holds what the run compiled lazily too; and, for a process that
  // runs long (a tunnel, a shell) and may end by a signal that skips 'exit' (ssh ends its
  // ProxyCommand with SIGHUP), once it has been running for a while.
  const flush = (): void => {
    const pending = toWrite.splice(0);
    if (pending.length === 0) return;
    try {
      for (const { script, file } of pending) {
        const tmp = `${file}.${process.pid}.tmp`;
        try {
          writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
          renameSync(tmp, file);
        } catch (err) {
          rmSync(tmp, { force: true });
          throw err;
        }
      }
      dropStale(cacheDir, keys);
    } catch {
      // a cache not written is a cache for the next run to write
    }
  };
  setTimeout(flush, FLUSH_AFTER_MS).unref();
  process.once('exit', flush);
  return true;
}

/** Whether this Node has a code cache of its own (module.enableCompileCache), used instead of eic's. */
export function nodeHasCompileCache(): boolean {
  return typeof (Module as unknown as NodeCompileCache).enableCompileCache === 'function';
}

/**
 * Node's own cache in `cacheDir`: every module compiled from now on, keyed by its content. It is
 * written at exit, and also once a process has been running a while (see FLUSH_AFTER_MS).
 */
function nodeCompileCache(node: NodeCompileCache, cacheDir: string): boolean {
  try {
    const { status } = node.enableCompileCache!(cacheDir);
    const codes = node.constants?.compileCacheStatus ?? { ENABLED: 1 };
    if (status !== codes.ENABLED) return false; // failed, off (NODE_DISABLE_COMPILE_CACHE), or NODE_COMPILE_CACHE chose
  } catch {
    return false;
  }
  if (typeof node.flushCompileCache === 'function') {
    setTimeout(() => { try { node.flushCompileCache!(); } catch { /* next run's to write */ } }, FLUSH_AFTER_MS).unref();
  }
  return true;
}

/** The cache file of one build of a chunk. */
function cacheName(chunk: string, key: ChunkKey): string {
  return `${chunk}.${key.sha256}.v8`;
}

/** Remove the caches of chunks this build no longer has (an earlier build installed here). */
function dropStale(cacheDir: string, keys: ChunkKeys): void {
  const current = new Set(Object.entries(keys).map(([chunk, key]) => cacheName(chunk, key)));
  for (const f of readdirSync(cacheDir)) {
    if (f.endsWith('.v8') && !current.has(f)) rmSync(join(cacheDir, f), { force: true });
  }
}
