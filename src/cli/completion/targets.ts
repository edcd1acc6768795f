/**
 * Instance ids and Names for shell completion, from a short-lived cache of the last lookup, so
 * that a TAB never waits on AWS for long:
 * - a cache younger than FRESH_MS is answered from at once;
 * - otherwise eic looks up for at most WAIT_MS; in time, the answer is cached and given;
 * - too slow (or failing): the old cache, if any, is given, and a detached `eic __complete
 *   --refresh` finishes the lookup in the background for the next TAB.
 * The cache lives in the user's cache directory, in a directory only the user can write (what is
 * read back becomes words on the command line); one file per profile, region and endpoint URL.
 * Names are offered only when they are plain words every shell inserts as they are.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir, userCacheDir } from '../../user-cache.js';

export const FRESH_MS = 60_000;
export const WAIT_MS = 1000;
export const REFRESH_TIMEOUT_MS = 15_000;

export interface Target { id: string; name?: string }
export interface Scope { profile?: string; region?: string; env: NodeJS.ProcessEnv }

/** The cache file of a scope, or undefined when there is no private cache directory. */
export function cacheFile(scope: Scope): string | undefined {
  const base = userCacheDir(scope.env);
  if (!base) return undefined;
  const dir = join(base, 'completion');
  try {
    if (!privateDir(dir, base)) return undefined;
  } catch {
    return undefined;
  }
  const { env } = scope;
  const key = [scope.profile ?? env.AWS_PROFILE ?? '', scope.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '',
    env.AWS_ENDPOINT_URL_EC2 ?? env.AWS_ENDPOINT_URL ?? ''].join('\n');
  return join(dir, `targets-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
}

export function readCache(file: string, now = Date.now()): { targets: Target[]; fresh: boolean } | undefined {
  try {
    const age = now - statSync(file).mtimeMs;
    const targets = JSON.parse(readFileSync(file, 'utf8')) as Target[];
    return Array.isArray(targets) ? { targets, fresh: age >= 0 && age < FRESH_MS } : undefined;
  } catch {
    return undefined;
  }
}

export function writeCache(file: string, targets: Target[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(targets), { mode: 0o600 });
  renameSync(tmp, file);
}

/** The running instances of the scope, or a rejection after `timeoutMs`. */
export async function lookUp(scope: Scope, timeoutMs: number): Promise<Target[]> {
  const [{ createAwsContext }, { listInstances }, { silentLogger }] = await Promise.all([
    import('../../aws/clients.js'), import('../../aws/instances.js'), import('../../log.js'),
  ]);
  let aws: { close(): void } | undefined;
  let late = false;
  let timer: NodeJS.Timeout | undefined;
  // Credentials (SSO, a credential_process, IMDS) may be slow too: all of it is under the timer,
  // and whatever is still open when it fires is closed, so that the TAB's process can exit.
  const work = (async () => {
    const ctx = await createAwsContext({ profile: scope.profile, region: scope.region, env: scope.env, logger: silentLogger });
    aws = ctx;
    if (late) ctx.close();
    return listInstances(ctx);
  })();
  try {
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), timeoutMs); });
    const found = await Promise.race([work, timeout]);
    return found.map((i) => ({ id: i.id, ...(i.name ? { name: i.name } : {}) }));
  } finally {
    late = true;
    clearTimeout(timer);
    work.catch(() => {});
    aws?.close();
  }
}

/** A Name every shell inserts unquoted and unchanged. */
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._+=,-]*$/;

/**
 * The words that complete `word`: ids and plain Names (with the `user@` typed before them, and
 * `suffix`, e.g. ":" for eic cp), sorted, without repeats.
 */
export function candidates(targets: Target[], word: string, suffix = ''): string[] {
  const at = word.lastIndexOf('@');
  const user = at >= 0 ? word.slice(0, at + 1) : '';
  const typed = word.slice(user.length);
  const words = new Set<string>();
  for (const t of targets) {
    for (const w of [t.id, t.name]) if (w && PLAIN.test(w) && w.startsWith(typed)) words.add(`${user}${w}${suffix}`);
  }
  return [...words].sort();
}
