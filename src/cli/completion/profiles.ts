/**
 * AWS profile names for completing --profile: the `[profile NAME]` and `[default]` sections of
 * the config file and the `[NAME]` sections of the credentials file (AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials), as the AWS CLI
 * reads them. `[sso-session …]` and `[services …]` sections are not profiles.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

function sections(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(/^[ \t]*\[([^\]\r\n]+)\][ \t]*(?:[#;].*)?$/gm)].map((m) => m[1].trim());
}

/** Every profile name, sorted, without repeats; only names a shell inserts as they are. */
export function profileNames(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || homedir();
  const names = new Set<string>();
  for (const s of sections(env.AWS_CONFIG_FILE || join(home, '.aws', 'config'))) {
    if (s === 'default') names.add(s);
    const m = /^profile\s+(.+)$/.exec(s);
    if (m) names.add(m[1].trim());
  }
  for (const s of sections(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'))) names.add(s);
  return [...names].filter((n) => /^[A-Za-z0-9._+=@,-]+$/.test(n)).sort();
}
