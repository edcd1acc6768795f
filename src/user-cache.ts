/**
 * eic's directory in the user's cache (XDG_CACHE_HOME or ~/.cache; %LOCALAPPDATA% on Windows),
 * for what eic keeps between runs: the code cache, completion's last instance lookup. Used only
 * when nobody else can write to it, since what is read back from there is trusted.
 */
import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** `<cache>/eic`, or undefined when there is no cache directory (Windows without LOCALAPPDATA). */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | undefined {
  const base = platform === 'win32'
    ? env.LOCALAPPDATA
    : env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return base ? join(base, 'eic') : undefined;
}

/**
 * Make `dir` (mode 0700) and say whether it is ours alone: it and every directory from `root`
 * down to it owned by us (or root) and writable by nobody else.
 */
export function privateDir(dir: string, root: string): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32' || !process.getuid) return true;
  const uid = process.getuid();
  const chain = [dir];
  for (let d = dir; d !== root && dirname(d) !== d && d.startsWith(root);) chain.push(d = dirname(d));
  if (chain.at(-1) !== root) return false; // dir is not below root: nothing to vouch for it
  return chain.every((d) => {
    const st = statSync(d);
    return st.isDirectory() && (st.uid === uid || st.uid === 0) && (st.mode & 0o022) === 0;
  });
}
