/**
 * `eic tunnel <target> --local-port N`: a local TCP listener whose every connection is relayed
 * to the instance's port through its own tunnel. With --push-key the user's public key is
 * pushed as each connection's tunnel opens, so plain ssh, scp, sftp and IDEs pointed at the port
 * log in with their own key. Runs until a stop signal (Ctrl-C, SIGTERM, SIGHUP), then closes
 * the listener and its tunnels, says so and exits 128+signal, as a shell reports a death by that
 * signal: a script can tell a stop from a failure (1, 255).
 */
import { Option, type Command } from 'commander';
import { usageError } from '../errors.js';
import { signalStatus, watchStopSignals } from '../stop-signals.js';
import { addAwsOptions, endpointPort, intInRange, type AwsCliOptions } from './aws-options.js';
import type { CommandContext } from './context.js';
import type { TunnelTarget } from '../target/discover.js';

/** The service's limit of concurrent tunnels per endpoint (shared by every user of the VPC). */
export const SERVICE_MAX_CONNECTIONS = 20;

export interface TunnelCliOptions extends AwsCliOptions {
  localPort: number;
  remotePort: number;
  bind: string;
  maxConnections: number;
  pushKey?: boolean;
  publicKey?: string;
  osUser: string;
}

type Relay = typeof import('../tunnel/relay.js').relay;

/**
 * The relay, with an "Unable to connect to target" close explained from the security groups
 * (listener.ts logs it per connection). One explanation serves the failures of the next 10 s.
 */
function explained(relay: Relay, target: () => Promise<TunnelTarget>, port: number): Relay {
  let last: { at: number; err: Promise<unknown> } | undefined;
  return (ws, local, o) => relay(ws, local, o).catch(async (err: unknown) => {
    const { explainUnreachable, isUnableToConnect } = await import('../target/explain-unreachable.js');
    if (!isUnableToConnect(err)) throw err;
    if (!last || Date.now() - last.at > 10_000) last = { at: Date.now(), err: target().then((t) => explainUnreachable(err, t, port)) };
    throw await last.err;
  });
}

export function registerTunnel(program: Command, ctx: CommandContext): void {
  const cmd = program.command('tunnel')
    .description('forward a local TCP port to an instance\'s port (22 or 3389), one tunnel per connection')
    .argument('<target>', 'instance id, Name tag, private IP or private DNS name')
    .requiredOption('--local-port <port>', 'local port to listen on (0 picks a free one)', intInRange(0, 65535, '--local-port'))
    .addOption(new Option('--remote-port <port>', 'port on the instance: 22 or 3389').default(22).argParser(endpointPort('--remote-port')))
    .option('--bind <address>', 'local address to listen on', '127.0.0.1')
    .addOption(new Option('--max-connections <n>', `tunnels open at once (the endpoint allows ${SERVICE_MAX_CONNECTIONS} for everyone)`)
      .default(10).argParser(intInRange(1, 1_000_000, '--max-connections')))
    .option('--push-key', 'push your public key (~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub) as each connection opens')
    .option('--public-key <file>', 'the public key file to push (implies --push-key)')
    .option('--os-user <user>', 'the OS user the pushed key is for', 'ec2-user');
  addAwsOptions(cmd).action(async (target: string, opts: TunnelCliOptions) => {
    const { io } = ctx;
    if (opts.maxConnections > SERVICE_MAX_CONNECTIONS) {
      throw usageError('max-connections-too-high', `--max-connections ${opts.maxConnections} is above the endpoint's limit of ${SERVICE_MAX_CONNECTIONS} concurrent tunnels`,
        `use at most ${SERVICE_MAX_CONNECTIONS} (all users of the VPC share them)`);
    }
    const pushing = Boolean(opts.pushKey || opts.publicKey);
    if (pushing && opts.remotePort !== 22) {
      throw usageError('push-key-not-ssh', `--push-key is for SSH (--remote-port 22), not port ${opts.remotePort}`, 'leave out --push-key, or --remote-port');
    }
    const [{ createLogger }, { prepareTarget }, { relay }, { startListener }, keys] = await Promise.all([
      import('../log.js'), import('../target/discover.js'), import('../tunnel/relay.js'), import('../tunnel/listener.js'), import('./proxy/key.js'),
    ]);
    const push = pushing ? await keys.publicKeyToPush(opts.publicKey ?? true, io.env) : undefined;
    const logger = createLogger({ verbose: opts.verbose, write: (s) => io.stderr.write(s) });
    const signals = watchStopSignals();
    /** The one line a stop signal ends eic tunnel with, and its status (128+signal). */
    const stopped = (sig: string, what: string) => {
      logger.info(`eic tunnel: stopped by ${sig}; ${what}`);
      ctx.setExitCode(signalStatus(sig));
    };
    // Bind before discovery, so that a port in use fails at once, before any AWS call.
    let target$: Promise<TunnelTarget> | undefined;
    const listener = await startListener({
      bind: opts.bind, port: opts.localPort, maxConnections: opts.maxConnections,
      open: async () => keys.openWithPush(await target$!, opts.remotePort, push, opts.osUser, logger), relay: explained(relay, () => target$!, opts.remotePort), logger,
    }).catch((err) => { signals.dispose(); throw err; });
    target$ = prepareTarget(target, opts, { env: io.env, logger });
    let t: TunnelTarget | undefined;
    try {
      // Ctrl-C during discovery stops at once rather than after it.
      const ready = await Promise.race([target$, signals.stopped.then(() => undefined)]);
      if (!ready) {
        target$.then((x) => x.aws.close(), () => {});
        stopped(signals.received!, 'closed the listener before any tunnel was opened');
        return;
      }
      t = ready;
      const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
      io.stdout.write(`Listening on ${host}:${listener.port}\n`);
      logger.info(`forwarding to ${t.instance.id} (${t.privateIp}) port ${opts.remotePort} through ${t.endpoint.id}`
        + `${push ? `, pushing ${push.path} for ${opts.osUser} as each connection opens` : ''}; Ctrl-C to stop`);
      const sig = await signals.stopped;
      stopped(sig, `closed the listener and ${listener.active()} open tunnel(s)`);
    } finally {
      await listener.close();
      signals.dispose();
      t?.aws.close();
    }
  });
}
