/**
 * ~/.ssh/config (or -F FILE; `-F none` reads nothing) for `eic ssh`: parsed and matched
 * (Host and Match blocks) by the `ssh-config` package, and its values added to the settings
 * after the command line's, so they only fill what the command line left open.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../../errors.js';
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
  const path = input.file ?? join(input.env.HOME || homedir(), '.ssh', 'config');
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
  const parsed = SSHConfig.parse(text);
  numberEnvLines(parsed);
  const computed = parsed.compute(input.user ? { Host: input.host, User: input.user } : { Host: input.host }, { ignoreCase: true });
  for (const [key, value] of Object.entries(computed)) {
    if (key === 'host' || key === 'match') continue;
    for (const v of Array.isArray(value) ? value : [value]) settings.add(key.replace(/#\d+$/, ''), v, path);
  }
  return keywordLines(text, path);
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

/** Each directive's keyword and `FILE line N` (ssh-config keeps no line numbers). */
function keywordLines(text: string, path: string): Array<{ key: string; from: string }> {
  const out: Array<{ key: string; from: string }> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /^\s*([^\s#=]+)/.exec(line);
    if (m) out.push({ key: m[1], from: `${path} line ${i + 1}` });
  });
  return out;
}
