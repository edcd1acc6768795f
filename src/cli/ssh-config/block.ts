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
 * - Connection sharing (ControlMaster auto, ControlPersist 10m): a second ssh, scp or git to the
 *   same host within the window rides the first one's connection, so it costs no AWS call, no
 *   key push and no second tunnel (the endpoint allows 20 for the whole VPC).
 * - Values typed by the user reach ssh_config, where `%` starts a token and a line ends the
 *   value: `%` is doubled, and what cannot be written safely (a user name with a space, a line
 *   break) is refused rather than quoted into something ssh reads differently.
 * Pure: no AWS calls and no file access here.
 */
import { usageError } from '../../errors.js';

import { hasUnsafeText } from '../../safe-text.js';
import { shellQuote } from '../../shell-quote.js';

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
  /** One comment line each: Names left out and why (text already free of control characters). */
  skipped?: string[];
  /** The ControlPath's directory (absolute; sockets named %C in it); no sharing when undefined. */
  controlDir?: string;
}

export const CONTROL_PERSIST = '10m';

export const BEGIN_MARKER = '# BEGIN eic';
export const END_MARKER = '# END eic';

/** Quote one word for /bin/sh (ssh runs ProxyCommand with `$SHELL -c "exec …"`). */
export { shellQuote };

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

/** A value for ssh_config that expands no token: `%` doubled, line breaks refused. */
function literal(option: string, value: string): string {
  if (hasUnsafeText(value)) throw usageError('ssh-config-bad-value', `${option} contains a control character or line break`, 'pass a value without one');
  return value.replace(/%/g, '%%');
}

/** The login user, as ssh's `User` (which splits at whitespace and takes quotes as quoting). */
export function checkOsUser(user: string): string {
  if (!/^[A-Za-z0-9._][A-Za-z0-9._@$-]*$/.test(user)) {
    throw usageError('ssh-config-bad-value', `--os-user ${JSON.stringify(user)} is not a user name ssh can log in as`,
      'use letters, digits, ".", "_" and "-", e.g. ec2-user or ubuntu');
  }
  return user;
}

/**
 * The ControlPath value: `%C` (a hash of host, port and user) in `dir`, double-quoted when it
 * holds a space (ssh_config's own quoting).
 */
function controlPathValue(dir: string): string {
  const v = `${literal('the ControlPath directory', dir.replace(/\/+$/, ''))}/%C`;
  if (v.includes('"')) throw usageError('ssh-config-bad-value', `the ControlPath directory ${dir} contains a double quote`, 'use --no-control-master');
  return /\s/.test(v) ? `"${v}"` : v;
}

function proxyCommand(o: SshConfigBlockOptions, host: string): string {
  const args = [literal('the eic command', o.eicCommand), 'proxy', '--push-key', '--os-user', '%r'];
  if (o.profile) args.push('--profile', shellQuote(literal('--profile', o.profile)));
  if (o.region) args.push('--region', shellQuote(literal('--region', o.region)));
  args.push(host, '%p');
  return args.join(' ');
}

/** The whole block, markers included, ending with a newline. */
export function renderSshConfigBlock(o: SshConfigBlockOptions): string {
  const user = checkOsUser(o.osUser);
  const sharing = o.controlDir === undefined ? []
    : ['    ControlMaster auto', `    ControlPath ${controlPathValue(o.controlDir)}`, `    ControlPersist ${CONTROL_PERSIST}`];
  const lines: string[] = [
    `${BEGIN_MARKER} (written by eic ssh-config; this block is replaced on the next --install)`,
    ...(o.skipped ?? []).map((line) => `# ${line}`),
  ];
  for (const { name, id } of o.named ?? []) {
    lines.push(`Host ${name}`, `    HostKeyAlias ${id}`, `    User ${user}`, `    ProxyCommand ${proxyCommand(o, id)}`, ...sharing, '');
  }
  lines.push(
    'Host i-*',
    `    User ${user}`,
    `    ProxyCommand ${proxyCommand(o, '%h')}`,
    ...sharing,
    END_MARKER,
  );
  return lines.join('\n') + '\n';
}
