/**
 * Everything `eic ssh` can settle without the network, done before any AWS call or tunnel:
 * the options from the command line, -o and the ssh_config file (ssh-options.ts), the
 * destination, the forward specs, the algorithm lists (against ssh2's), the known-hosts path.
 * A mistake in any of them is a usage error here, not a failure after the tunnel opened.
 */
import { usageError } from '../../errors.js';
import { createLogger, type Logger } from '../../log.js';
import { algorithmList, DEFAULT_HOST_KEY_ALGORITHMS, PREFERRED_CIPHERS, ssh2Tables, type AlgorithmKind, type Algorithms } from '../../ssh/algorithms.js';
import { parseLocalForward, type LocalForwardSpec } from '../../ssh/forward-local.js';
import { parseDynamicForward, type DynamicForwardSpec } from '../../ssh/forwarding.js';
import { parseRemoteForward, type RemoteForwardSpec } from '../../ssh/forward-remote.js';
import { parseHostPort, type HostPort } from '../../ssh/forward-stdio.js';
import { knownHostsPath } from '../../ssh/known-hosts.js';
import { checkKnownHostsPath } from '../session-checks.js';
import { splitUserHost } from '../../target/ssh-target.js';
import type { Io } from '../../io.js';
import { readConfigFiles } from './config-file.js';
import type { SshCliOptions } from './options.js';
import { applySettings, checkKeys, cliSettings, Settings } from './ssh-options.js';
import { fileLogWriter } from './log-file.js';

export interface Settled {
  opts: SshCliOptions;
  /** The host to look up (HostName if the config named one); undefined: the picker. */
  host?: string;
  osUser: string;
  local: LocalForwardSpec[];
  remote: RemoteForwardSpec[];
  dynamic: DynamicForwardSpec[];
  stdio?: HostPort;
  env: Record<string, string>;
  logger: Logger;
  /** The identity is an IdentityFile of -o or ssh_config, not -i. */
  identityFromConfig: boolean;
}

export interface SettleInput {
  target?: string;
  command: string[];
  opts: SshCliOptions;
  /** Whether an option was given on the command line (it then wins over -o and ssh_config). */
  given: (name: string) => boolean;
  io: Io;
  /** The system-wide ssh_config, read after ~/.ssh/config (config-file.ts: systemConfigPath). */
  systemConfig: string;
  /** Where main.ts is to write its report of a failure (-E sends it to the log file). */
  reportTo?: (write: (text: string) => void) => void;
}

export async function settle(input: SettleInput): Promise<Settled> {
  const { target, command, opts: cli, given, io } = input;
  // -E first, as OpenSSH redirects its log before reading any configuration: every complaint
  // from here on, the final one included, belongs in the file.
  const write = cli.logFile ? fileLogWriter(cli.logFile) : (s: string) => io.stderr.write(s);
  if (cli.logFile) input.reportTo?.(write);
  const { user: destUser, host: typed } = splitUserHost(target);
  const settings = new Settings();
  cliSettings(settings, cli, given, destUser);
  const keysAt = cli.option.map((o) => ({ key: o.split(/[\s=]/)[0], from: 'command-line option -o' }));
  if (typed !== undefined) {
    const user = settings.first('User')?.value;
    keysAt.push(...await readConfigFiles(settings, { file: cli.configFile, systemFile: input.systemConfig, host: typed, user, env: io.env }));
  }
  const r = applySettings(settings, cli, typed, io.env);
  const opts = r.opts;
  const logger = createLogger({ verbose: opts.verbose, silent: opts.quiet, write });
  checkKeys(settings, keysAt, logger);
  for (const note of r.notes) logger.warn(note);

  if (opts.forwardOnly && command.length > 0) throw usageError('ssh-n-with-command', '-N runs no remote command, but one was given');
  if (opts.stdioForward && (command.length > 0 || opts.forwardOnly)) throw usageError('ssh-w-with-command', '-W connects stdin and stdout to a port: it takes no command and no -N');
  if (cli.tty && cli.noTty) throw usageError('tty-conflict', '-t and -T contradict each other');
  const stdio = opts.stdioForward ? parseHostPort(opts.stdioForward) : undefined;
  // -W is a plain byte pipe: OpenSSH drops every other forward with it (ClearAllForwardings).
  const local = stdio ? [] : opts.local.map(parseLocalForward);
  const remote = stdio ? [] : opts.remote.map(parseRemoteForward);
  const dynamic = stdio ? [] : opts.dynamic.map(parseDynamicForward);
  await checkKnownHostsPath(knownHostsPath(io.env, opts.knownHosts));
  opts.algorithms = await algorithms(r.algorithms, Boolean(opts.compression));
  return {
    opts, host: r.hostName ?? typed, osUser: r.user ?? cli.osUser, local, remote, dynamic, stdio, env: r.env, logger,
    identityFromConfig: opts.identity !== undefined && !cli.identity,
  };
}

/** The lists to offer; ssh2 (its tables) is loaded only when the user named algorithms. */
async function algorithms(specs: Partial<Record<AlgorithmKind, string>>, compression: boolean): Promise<Algorithms> {
  const out: Algorithms = compression ? { compress: ['zlib@openssh.com', 'zlib', 'none'] } : {};
  const given = (Object.keys(specs) as AlgorithmKind[]).filter((k) => specs[k] !== undefined);
  if (given.length === 0) return out;
  const tables = await ssh2Tables();
  const base: Record<AlgorithmKind, string[]> = { ...tables.defaults, cipher: PREFERRED_CIPHERS, serverHostKey: DEFAULT_HOST_KEY_ALGORITHMS };
  for (const k of given) out[k] = algorithmList(k, specs[k]!, base[k], tables);
  return out;
}
