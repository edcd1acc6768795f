/**
 * `eic ssh [options] destination [command [argument…]]`: an SSH session over the EICE tunnel, with ssh2
 * in-process (no OpenSSH, no key file). Only commander and light helpers load here; the
 * implementation (run.ts) is imported inside the action so `eic --help` stays fast.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_ESCAPE_CHAR, parseEscapeChar } from '../../ssh/escape.js';
import { addAwsOptions, endpointPort } from '../aws-options.js';
import type { CommandContext } from '../context.js';
import { addSessionOptions } from '../session-options.js';
import type { SshCliOptions } from './options.js';
import { optionsAfterDestination } from '../openssh-args.js';


const collect = (value: string, previous: string[]) => [...previous, value];
const escapeChar = (value: string) => {
  const ch = parseEscapeChar(value);
  if (ch === undefined) throw new InvalidArgumentError('-e takes one character, ^X for a control character, or none');
  return ch;
};

const HELP_AFTER = `
Keys: by default a fresh ed25519 key is made in memory for each connection, pushed with
SendSSHPublicKey (valid 60 s) and never written to disk. -i uses your key instead (add --push
to push its public half first); keys in ssh-agent ($SSH_AUTH_SOCK) are tried too.

Host keys are pinned by instance id (IPs change, ids do not) in eic's own known_hosts file,
OpenSSH format: --known-hosts FILE (or UserKnownHostsFile), else $EIC_KNOWN_HOSTS, else
$XDG_CONFIG_HOME/eic/known_hosts (~/.config/eic/known_hosts). ~/.ssh/known_hosts is not touched
unless named so. A new instance's key is recorded on first contact (its fingerprint is
printed); a changed key is refused.

Forwarding goes through the one tunnel, so it reaches any host and port the instance can,
while the endpoint itself only allows ports 22 and 3389.

The endpoint ends every tunnel after its maxTunnelDuration (at most 1 h). With -N, eic then
connects again (fresh key, new tunnel), keeps the same local -L/-D ports open and asks for the
same -R ports on the instance again: connections in flight end, new ones work; one made while
reconnecting waits for the new connection.
Retries back off from 1 s to 30 s; refusals that will not pass (denied, unknown instance,
changed host key) end eic after 3 tries. --no-reconnect exits 255 instead. A shell or a
command ends with the tunnel (exit 255, saying why).

As OpenSSH: options come first, and everything after the destination is the remote command,
joined with spaces (eic ssh web-1 df -h /). Options that only take effect here may also follow
the destination, before the command; -- ends the options.

~/.ssh/config, then /etc/ssh/ssh_config (or only -F FILE) apply for the keys that mean something
here (Host and Match blocks, the first value obtained wins; the command line, then -o, win over
the files): User, Port,
HostName, IdentityFile, IdentitiesOnly, ConnectTimeout, ServerAliveInterval,
ServerAliveCountMax, StrictHostKeyChecking, UserKnownHostsFile, LocalForward, RemoteForward,
DynamicForward, RequestTTY, ForwardAgent, SetEnv, SendEnv, Compression, Ciphers, MACs,
KexAlgorithms, HostKeyAlgorithms, LogLevel. ProxyCommand and ProxyJump are ignored: eic is the
tunnel already.

Examples:
  eic ssh i-0123456789abcdef0
  eic ssh admin@web-1 sudo systemctl status nginx
  eic ssh web-1 -N -L 5432:db.internal:5432 -D 1080
`;

export function registerSsh(program: Command, ctx: CommandContext): void {
  const cmd = program.command('ssh')
    .usage('[options] destination [command [argument...]]')
    .description('open an SSH session (shell, command, port forwarding) on an instance through its endpoint')
    .argument('[destination]', '[user@]instance id, Name tag, private IP or private DNS name (none: pick from a list)')
    .argument('[command...]', 'command to run instead of a shell: everything after the destination, as OpenSSH reads it')
    // OpenSSH's order: options, destination, options, then the command as typed (openssh-args.ts).
    .passThroughOptions()
    .addOption(new Option('-u, --os-user <user>', 'OS user to log in as').default('ec2-user'))
    .option('-l, --login-name <user>', 'OS user to log in as (OpenSSH\'s spelling of -u)')
    .addOption(new Option('-p, --port <port>', 'sshd port on the instance: 22 or 3389 (the endpoint reaches no other)').default(22).argParser(endpointPort('-p')))
    .option('-i, --identity <file>', 'private key to use instead of a fresh in-memory key')
    .option('--push', 'push the public half of the -i key with SendSSHPublicKey first')
    .option('-A, --forward-agent', 'forward the ssh-agent ($SSH_AUTH_SOCK) to the instance')
    .option('-t, --tty', 'allocate a pseudo-terminal even for a command')
    .option('-T, --no-tty', 'never allocate a pseudo-terminal')
    .addOption(new Option('-e, --escape-char <char>', 'escape character in a terminal session (~. disconnects, ~? lists the others); none: off')
      .default(DEFAULT_ESCAPE_CHAR, '~').argParser(escapeChar))
    .option('-N, --forward-only', 'run no remote command: only forward ports, until Ctrl-C')
    .option('--no-reconnect', 'with -N: exit (255) when the tunnel ends instead of connecting again')
    .option('-L, --local <spec>', 'forward [bind:]port:host:hostport through the instance (repeatable)', collect, [])
    .option('-R, --remote <spec>', 'forward [bind:]port on the instance to host:hostport here (repeatable)', collect, [])
    .option('-D, --dynamic <spec>', 'SOCKS5 proxy on [bind:]port through the instance (repeatable)', collect, [])
    .option('-W, --stdio-forward <host:port>', 'connect stdin/stdout to host:port through the instance (for ProxyCommand)')
    .option('-C, --compression', 'compress the SSH stream (zlib)')
    .option('-m, --macs <list>', 'comma-separated MACs, most preferred first')
    .option('-o, --option <key=value>', 'an ssh_config option (repeatable; see below)', collect, [])
    .option('-F, --config-file <file>', 'ssh_config file to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file)')
    .option('-E, --log-file <file>', 'append diagnostics (the final error line too) to this file instead of stderr')
    .option('-q, --quiet', 'no warnings or diagnostics')
    .option('-G, --print-config', 'print the settings for the destination (command line, -o, ssh_config) and exit')
    .addHelpText('after', HELP_AFTER);
  addAwsOptions(addSessionOptions(cmd)).action(async (target: string | undefined, rest: string[]) => {
    const command = optionsAfterDestination(cmd, rest);
    // Read only now: the options after the destination have just been added.
    const opts = cmd.opts<SshCliOptions>();
    const [{ runSsh }, { systemConfigPath }] = await Promise.all([import('./run.js'), import('./config-file.js')]);
    const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
    // commander's -t/-T pair sets one `tty` value; tell an explicit -T apart from "not given".
    const code = await runSsh({
      target, command, opts: { ...opts, noTty: given('tty') && opts.tty === false, tty: given('tty') && opts.tty === true },
      given, io: ctx.io, systemConfig: systemConfigPath(ctx.io.env), reportTo: ctx.reportTo,
    });
    ctx.setExitCode(code);
  });
}
