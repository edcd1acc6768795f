/**
 * The `~/.ssh/config` block `eic ssh-config` prints: plain ssh, scp, rsync, git and VS Code
 * Remote-SSH reach instances by id and by Name through `eic proxy --push-key`.
 *
 * Shape, and why:
 * - One `Host <Name>` block per uniquely named instance, *before* `Host i-*`: OpenSSH takes the
 *   first value it meets for each option, so a Name that happens to start with `i-` still gets
 *   its own ProxyCommand. Its ProxyCommand and HostKeyAlias name the instance id, so the tunnel
 *   skips the Name lookup and `ssh web-1` and `ssh i-0123…` share one known_hosts entry.
 * - `Host i-*` has no HostKeyAlias: with a ProxyCommand, ssh already files the host key under
 *   the name typed (the instance id), not under a private IP that gets reused. `HostKeyAlias %h`
 *   would be wrong: OpenSSH does not expand tokens in HostKeyAlias, so every instance would share
 *   the literal alias "%h" (checked with OpenSSH 9.2; see test/ssh-config.openssh.test.ts).
 * - `--os-user %r`: the key is pushed for the user ssh logs in as (`ssh admin@i-…` works).
 * Pure: no AWS calls and no file access here.
 */

import { hasUnsafeText } from '../../safe-text.js';

export interface NamedInstance { name: string; id: string }

export interface SshConfigBlockOptions {
  /** How ssh should start eic, as shell text (quote paths with shellQuote). */
  eicCommand: string;
  /** The default login user (`User`), e.g. ec2-user. */
  osUser: string;
  profile?: string;
  region?: string;
  /** Instances to give a `Host <Name>` block (names already checked with usableHostName). */
  named?: NamedInstance[];
}

export const BEGIN_MARKER = '# BEGIN eic';
export const END_MARKER = '# END eic';

/** Quote one word for /bin/sh (ssh runs ProxyCommand with `$SHELL -c "exec …"`). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_\-./:=@%+,]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Whether a Name tag can be a `Host` pattern that matches exactly itself: no whitespace or
 * control characters (a newline would start a line of its own in the config), no pattern
 * characters (`* ? ! ,`), no quotes or `%` (ssh would expand tokens), not empty.
 * Returns the reason when it cannot.
 */
export function unusableHostName(name: string): string | undefined {
  if (!name) return 'empty';
  if (hasUnsafeText(name)) return 'contains control characters';
  if (/\s/.test(name)) return 'contains whitespace';
  if (/[*?!,]/.test(name)) return 'contains a Host pattern character (* ? ! ,)';
  if (/["'%#\\]/.test(name)) return 'contains a quote, %, # or backslash';
  return undefined;
}

function proxyCommand(o: SshConfigBlockOptions, host: string): string {
  const args = [o.eicCommand, 'proxy', '--push-key', '--os-user', '%r'];
  if (o.profile) args.push('--profile', shellQuote(o.profile));
  if (o.region) args.push('--region', shellQuote(o.region));
  args.push(host, '%p');
  return args.join(' ');
}

/** The whole block, markers included, ending with a newline. */
export function renderSshConfigBlock(o: SshConfigBlockOptions): string {
  const lines: string[] = [
    `${BEGIN_MARKER} (written by eic ssh-config; this block is replaced on the next --install)`,
  ];
  for (const { name, id } of o.named ?? []) {
    lines.push(`Host ${name}`, `    HostKeyAlias ${id}`, `    User ${o.osUser}`, `    ProxyCommand ${proxyCommand(o, id)}`, '');
  }
  lines.push(
    'Host i-*',
    `    User ${o.osUser}`,
    `    ProxyCommand ${proxyCommand(o, '%h')}`,
    END_MARKER,
  );
  return lines.join('\n') + '\n';
}
