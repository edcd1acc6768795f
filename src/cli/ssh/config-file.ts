/**
 * The ssh_config files for `eic ssh`, as OpenSSH reads them: ~/.ssh/config, then the system-wide
 * file (/etc/ssh/ssh_config), or only -F FILE (`-F none`: nothing). Each is parsed and matched
 * (Host and Match blocks) by the `ssh-config` package, and its values added to the settings after
 * the command line's, so they only fill what the command line (then the user's file) left open.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { usageError } from '../../errors.js';
import { globMatch } from '../../ssh/algorithms.js';
import type { Settings } from './ssh-options.js';
import SSHConfig, { LineType, type Line } from 'ssh-config';

/** Where OpenSSH's system-wide client configuration lives. */
export const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';

/** The system-wide file: $EIC_SSH_SYSTEM_CONFIG (for tests, which must not read the machine's), else /etc/ssh/ssh_config. */
export function systemConfigPath(env: NodeJS.ProcessEnv): string {
  return env.EIC_SSH_SYSTEM_CONFIG || SYSTEM_SSH_CONFIG;
}

export interface ConfigInput {
  /** -F: a file, or "none". */
  file?: string;
  /** The system-wide file, read after the user's when there is no -F. */
  systemFile: string;
  /** The host as typed (after user@), which Host patterns match. */
  host: string;
  /** A user given on the command line (Match user sees it). */
  user?: string;
  env: NodeJS.ProcessEnv;
}

type KeywordsAt = Array<{ key: string; from: string }>;

/** Adds the files' values for `host` to `settings`; returns every keyword in them with its line, for checkKeys(). */
export async function readConfigFiles(settings: Settings, input: ConfigInput): Promise<KeywordsAt> {
  if (input.file?.toLowerCase() === 'none') return [];
  const home = input.env.HOME || homedir();
  // Relative Include paths are under ~/.ssh in the user's file (and -F's), beside the system file in it.
  const user = { home, dir: join(home, '.ssh') };
  if (input.file !== undefined) return readOne(settings, input, { path: input.file, base: user, named: true });
  const keywords = await readOne(settings, input, { path: join(home, '.ssh', 'config'), base: user, named: false });
  keywords.push(...await readOne(settings, input, { path: input.systemFile, base: { home, dir: dirname(input.systemFile) }, named: false }));
  return keywords;
}

/** Where Include finds files: `~` is home, relative paths are under dir. */
interface IncludeBase { home: string; dir: string }

async function readOne(settings: Settings, input: ConfigInput, f: { path: string; base: IncludeBase; named: boolean }): Promise<KeywordsAt> {
  const { path } = f;
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!f.named && code === 'ENOENT') return [];
    throw usageError('ssh-config-unreadable', `cannot read the ssh config file ${path}: ${code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`,
      f.named ? 'name a readable ssh_config file, or -F none' : 'fix the file, or read none with -F none');
  }
  const expanded = await expandIncludes(text, path, f.base, 0);
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
 * reads them: relative paths are under `base.dir` (~/.ssh; the system file's own directory in
 * it), `~` is home, wildcards in the file name match in name order, and a file that is not
 * there is passed over. Included where the line stands, so inside a Host block they apply to
 * that block's hosts only. The keywords keep their own file and line for warnings.
 */
async function expandIncludes(text: string, path: string, base: IncludeBase, depth: number): Promise<{ text: string; keywords: KeywordsAt }> {
  const lines = text.split(/\r?\n/);
  const keywords: KeywordsAt = [];
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    const m = /^\s*([^\s#=]+)(?:\s*=\s*|\s+)?(.*)$/.exec(line);
    if (m?.[1]) keywords.push({ key: m[1], from: `${path} line ${i + 1}` });
    if (!m || m[1].toLowerCase() !== 'include') { out.push(line); continue; }
    if (depth >= MAX_INCLUDE_DEPTH) throw usageError('ssh-config-unreadable', `${path} line ${i + 1}: too many recursive configuration includes`);
    for (const word of m[2].split(/\s+/).filter(Boolean)) {
      for (const file of await includedFiles(word.replace(/^"(.*)"$/, '$1'), base)) {
        const inner = await readFile(file, 'utf8').catch(() => undefined);
        if (inner === undefined) continue;
        const sub = await expandIncludes(inner, file, base, depth + 1);
        out.push(sub.text);
        keywords.push(...sub.keywords);
      }
    }
  }
  return { text: out.join('\n'), keywords };
}

async function includedFiles(pattern: string, base: IncludeBase): Promise<string[]> {
  const path = pattern.startsWith('~/') ? join(base.home, pattern.slice(2)) : isAbsolute(pattern) ? pattern : join(base.dir, pattern);
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

