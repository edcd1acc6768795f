/**
 * ~/.ssh/config (or -F FILE; `-F none` reads nothing) for `eic ssh`: parsed and matched
 * (Host and Match blocks) by the `ssh-config` package, and its values added to the settings
 * after the command line's, so they only fill what the command line left open.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { usageError } from '../../errors.js';
import { globMatch } from '../../ssh/algorithms.js';
import type { Settings } from './ssh-options.js';
import SSHConfig, { LineType, type Line } from 'ssh-config';

export interface ConfigInput {
  /** -F: a file, or "none". */
  file?: string;
  /** The host as typed (after user@), which Host patterns match. */
  host: string;
  /** A user given on the command line (Match user sees it). */
  user?: string;
  env: NodeJS.ProcessEnv;
}

/** Adds the file's values for `host` to `settings`; returns every keyword in the file with its line, for checkKeys(). */
export async function readConfigFile(settings: Settings, input: ConfigInput): Promise<Array<{ key: string; from: string }>> {
  if (input.file?.toLowerCase() === 'none') return [];
  const home = input.env.HOME || homedir();
  const path = input.file ?? join(home, '.ssh', 'config');
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (input.file === undefined && code === 'ENOENT') return [];
    throw usageError('ssh-config-unreadable', `cannot read the ssh config file ${path}: ${code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`,
      input.file === undefined ? 'fix the file, or read none with -F none' : 'name a readable ssh_config file, or -F none');
  }
  const expanded = await expandIncludes(text, path, home, 0);
  const parsed = SSHConfig.parse(expanded.text);
  numberEnvLines(parsed);
  const computed = parsed.compute(input.user ? { Host: input.host, User: input.user } : { Host: input.host }, { ignoreCase: true });
  for (const [key, value] of Object.entries(computed)) {
    if (key === 'host' || key === 'match') continue;
    for (const v of Array.isArray(value) ? value : [value]) settings.add(key.replace(/#\d+$/, ''), v, path);
  }
  return expanded.keywords;
}

/** OpenSSH's limit on Include within Include. */
const MAX_INCLUDE_DEPTH = 16;

/**
 * `Include` lines replaced by the files they name (ssh-config leaves them alone), as OpenSSH
 * reads them: relative paths are under ~/.ssh, `~` is home, wildcards in the file name match
 * in name order, and a file that is not there is passed over. Included where the line stands,
 * so inside a Host block they apply to that block's hosts only. The keywords keep their own
 * file and line for warnings.
 */
async function expandIncludes(text: string, path: string, home: string, depth: number): Promise<{ text: string; keywords: Array<{ key: string; from: string }> }> {
  const lines = text.split(/\r?\n/);
  const keywords: Array<{ key: string; from: string }> = [];
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    const m = /^\s*([^\s#=]+)(?:\s*=\s*|\s+)?(.*)$/.exec(line);
    if (m?.[1]) keywords.push({ key: m[1], from: `${path} line ${i + 1}` });
    if (!m || m[1].toLowerCase() !== 'include') { out.push(line); continue; }
    if (depth >= MAX_INCLUDE_DEPTH) throw usageError('ssh-config-unreadable', `${path} line ${i + 1}: too many recursive configuration includes`);
    for (const word of m[2].split(/\s+/).filter(Boolean)) {
      for (const file of await includedFiles(word.replace(/^"(.*)"$/, '$1'), home)) {
        const inner = await readFile(file, 'utf8').catch(() => undefined);
        if (inner === undefined) continue;
        const sub = await expandIncludes(inner, file, home, depth + 1);
        out.push(sub.text);
        keywords.push(...sub.keywords);
      }
    }
  }
  return { text: out.join('\n'), keywords };
}

async function includedFiles(pattern: string, home: string): Promise<string[]> {
  const path = pattern.startsWith('~/') ? join(home, pattern.slice(2)) : isAbsolute(pattern) ? pattern : join(home, '.ssh', pattern);
  const name = basename(path);
  if (!/[*?]/.test(name)) return [path];
  const dir = dirname(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => globMatch(name, n)).sort().map((n) => join(dir, n));
}

/**
 * SetEnv and SendEnv add up in OpenSSH, line after line, but ssh-config's compute() keeps the
 * first line of each: a number makes every line a key of its own (removed again above).
 */
function numberEnvLines(lines: Line[]): void {
  let n = 0;
  const visit = (list: Line[]) => {
    for (const line of list) {
      if (line.type !== LineType.DIRECTIVE) continue;
      if (/^(setenv|sendenv)$/i.test(line.param)) line.param = `${line.param}#${n++}`;
      if ('config' in line) visit(line.config);
    }
  };
  visit(lines);
}

