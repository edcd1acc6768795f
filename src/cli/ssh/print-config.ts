/**
 * `eic ssh -G`: the settings eic would use for a destination, after the command line, -o and
 * ssh_config have been weighed, printed as OpenSSH's -G prints them (lower-case key, value) and
 * without any AWS call: the way to see which block a value came from a config's point of view.
 */
import { ssh2Tables, DEFAULT_HOST_KEY_ALGORITHMS, PREFERRED_CIPHERS } from '../../ssh/algorithms.js';
import { knownHostsPath } from '../../ssh/known-hosts.js';
import type { Io } from '../../io.js';
import type { Settled } from './settle.js';

const yesNo = (b: boolean | undefined) => (b ? 'yes' : 'no');

export async function printConfig(s: Settled, io: Io): Promise<number> {
  const { opts } = s;
  const t = await ssh2Tables();
  const lines: Array<[string, string | undefined]> = [
    ['user', s.osUser],
    ['hostname', s.host],
    ['port', String(opts.port)],
    ['identityfile', opts.identity],
    ['identitiesonly', yesNo(opts.identitiesOnly)],
    ['connecttimeout', opts.connectTimeout === undefined ? 'none' : String(opts.connectTimeout)],
    ['serveraliveinterval', String(opts.keepalive)],
    ['serveralivecountmax', String(opts.keepaliveCountMax ?? 3)],
    ['stricthostkeychecking', opts.strictHostKeyChecking],
    ['userknownhostsfile', knownHostsPath(io.env, opts.knownHosts)],
    ...s.local.map((f): [string, string] => ['localforward', `[${f.bindHost}]:${f.bindPort} [${f.host}]:${f.hostPort}`]),
    ...s.remote.map((f): [string, string] => ['remoteforward', `[${f.bindHost || '*'}]:${f.bindPort} [${f.host}]:${f.hostPort}`]),
    ...s.dynamic.map((f): [string, string] => ['dynamicforward', `[${f.bindHost}]:${f.bindPort}`]),
    ['requesttty', opts.tty ? 'force' : opts.noTty ? 'false' : 'auto'],
    ['forwardagent', yesNo(opts.forwardAgent)],
    ...Object.entries(s.env).map(([k, v]): [string, string] => ['setenv', `${k}=${v}`]),
    ['compression', yesNo(opts.compression)],
    ['ciphers', (opts.algorithms?.cipher ?? PREFERRED_CIPHERS).join(',')],
    ['macs', (opts.algorithms?.hmac ?? t.defaults.hmac).join(',')],
    ['kexalgorithms', (opts.algorithms?.kex ?? t.defaults.kex).join(',')],
    ['hostkeyalgorithms', (opts.algorithms?.serverHostKey ?? DEFAULT_HOST_KEY_ALGORITHMS).join(',')],
    ['loglevel', opts.quiet ? 'QUIET' : opts.verbose ? 'DEBUG1' : 'INFO'],
  ];
  io.stdout.write(lines.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}\n`).join(''));
  return 0;
}
