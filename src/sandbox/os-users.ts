/**
 * The real sshd can only log in OS users that exist on this machine with an unlocked account
 * (with UsePAM no, a '!' password field means locked). A missing one would show up much later
 * as a puzzling "Permission denied": say it at start, with the fix.
 */
import { readFileSync } from 'node:fs';
import type { SandboxConfig } from './config.js';
import type { Logger } from '../log.js';

function fields(path: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  try {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 1) out.set(f[0], f);
    }
  } catch {
    // unreadable: nothing to say
  }
  return out;
}

/** Warnings (already logged) about the OS users the running instances name. */
export function checkOsUsers(cfg: SandboxConfig, logger: Logger, files = { passwd: '/etc/passwd', shadow: '/etc/shadow' }): string[] {
  const passwd = fields(files.passwd);
  const shadow = fields(files.shadow);
  const users = new Set(cfg.instances.filter((i) => i.state === 'running').flatMap((i) => i.osUsers));
  const warnings: string[] = [];
  for (const u of users) {
    if (!passwd.has(u)) {
      warnings.push(`OS user ${u} does not exist here, so sshd will refuse it (create it: useradd -m ${u} && usermod -p '*' ${u})`);
    } else if (shadow.get(u)?.[1]?.startsWith('!')) {
      warnings.push(`OS user ${u} is locked, so sshd will refuse it (unlock it without a password: usermod -p '*' ${u})`);
    }
  }
  for (const w of warnings) logger.warn(w);
  return warnings;
}
