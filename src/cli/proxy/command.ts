/**
 * `eic proxy <target> [port]`: one tunnel between stdin/stdout and the instance, for
 * `ProxyCommand eic proxy %h %p`. stdout carries tunnel bytes only; everything else goes to
 * stderr and only with -v (ssh shows a ProxyCommand's stderr to its user). A stop signal (ssh
 * ends its ProxyCommand with SIGHUP) closes the tunnel and ends with 128+signal, saying so only
 * under -v: it is how every session through ssh ends.
 */
import type { Command } from 'commander';
import { SSH_FAILURE_STATUS, usageError, type EicError } from '../../errors.js';
import { errorLine } from '../error-line.js';
import { addAwsOptions, endpointPort, type AwsCliOptions } from '../aws-options.js';
import type { CommandContext } from '../context.js';
import { optionsAmongOperands } from '../openssh-args.js';
import { signalStatus, watchStopSignals } from '../../stop-signals.js';

export const PROXY_CONFIG_LINE = 'ProxyCommand eic proxy %h %p';

/** A terminal on stdin means a person ran it by hand: it would garble the SSH stream. */
export function refuseTty(stdin: { isTTY?: boolean }): void {
  if (stdin.isTTY) {
    throw usageError('proxy-tty', 'eic proxy is meant to be run by ssh, not from a terminal',
      `add "${PROXY_CONFIG_LINE}" to a Host block in ~/.ssh/config, or use eic ssh / eic tunnel`);
  }
}

export interface ProxyCliOptions extends AwsCliOptions { pushKey?: boolean; publicKey?: string; osUser: string }

function portOperand(cmd: Command, value: string): number {
  try {
    return endpointPort('port')(value);
  } catch (err) {
    return cmd.error(`error: ${(err as Error).message}`, { code: 'commander.invalidArgument', exitCode: 2 });
  }
}

export function registerProxy(program: Command, ctx: CommandContext): void {
  const cmd = program.command('proxy')
    .description('relay stdin/stdout to an instance\'s port (for ssh ProxyCommand)')
    .usage('[options] destination [port]')
    .argument('<destination>', 'instance id, Name tag, private IP or private DNS name')
    .argument('[port...]', 'remote port: 22 (default) or 3389')
    // Options first as OpenSSH has them, but also after the operands: proxy runs no command there.
    .passThroughOptions()
    .option('--push-key', 'push your public key (~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub) with SendSSHPublicKey first')
    .option('--public-key <file>', 'the public key file to push (implies --push-key)')
    .option('--os-user <user>', 'the OS user the pushed key is for (in ssh_config: %r)', 'ec2-user');
  addAwsOptions(cmd).action(async (target: string, rest: string[]) => {
    const { io } = ctx;
    const operands = optionsAmongOperands(cmd, rest);
    if (operands.length > 1) cmd.error(`error: too many arguments: ${operands.slice(1).join(' ')} (eic proxy takes a destination and a port)`, { code: 'commander.excessArguments', exitCode: 2 });
    const port = operands.length === 1 ? portOperand(cmd, operands[0]) : undefined;
    const opts = cmd.opts<ProxyCliOptions>();
    refuseTty(io.stdin);
    const [{ createLogger }, { prepareTarget }, { relay }, { terminalIfSilenced }] = await Promise.all([
      import('../../log.js'), import('../../target/discover.js'), import('../../tunnel/relay.js'), import('./silenced-stderr.js'),
    ]);
    // main.ts reports a failure on io.stderr: on the terminal when ssh has silenced ours.
    const terminal = terminalIfSilenced();
    if (terminal) io.stderr = terminal;
    // quiet: in proxy mode even info lines would interleave with ssh's own prompts.
    const logger = createLogger({ verbose: opts.verbose, quiet: true, write: (s) => io.stderr.write(s) });
    const keys = await import('./key.js');
    const push = opts.pushKey || opts.publicKey ? await keys.publicKeyToPush(opts.publicKey ?? true, io.env) : undefined;
    const signals = watchStopSignals();
    const t = await prepareTarget(target, opts, { env: io.env, logger }).catch((err) => { signals.dispose(); throw err; });
    try {
      const ws = await keys.openWithPush(t, port ?? 22, push, opts.osUser, logger);
      void signals.stopped.then(() => ws.terminate());
      // A failed tunnel is explained and told before stdout ends: ssh reports the end of the
      // stream at once and then ends eic, so told later it would come after ssh's own line.
      let told: unknown;
      const onTunnelError = async (err: EicError) => {
        if (signals.received) return;
        const { explainUnreachable } = await import('../../target/explain-unreachable.js');
        const explained = await withinMs(EXPLAIN_MS, explainUnreachable(err, t, port ?? 22), err);
        told = err;
        io.stderr.write(errorLine(explained as EicError) + '\n');
      };
      // The tunnel cut by a stop signal is no failure of the tunnel.
      const end = await relay(ws, { readable: io.stdin, writable: io.stdout }, { logger, onTunnelError })
        .catch((err) => {
          if (signals.received) return undefined;
          if (err !== told) throw err;
          ctx.setExitCode(SSH_FAILURE_STATUS);
          return undefined;
        });
      if (end) logger.debug(`tunnel closed by ${end.endedBy}: ${end.bytesOut} bytes out, ${end.bytesIn} bytes in`);
      if (signals.received) {
        logger.info(`eic proxy: stopped by ${signals.received}; closed the tunnel`);
        ctx.setExitCode(signalStatus(signals.received));
      }
    } finally {
      signals.dispose();
      t.aws.close();
      // Nothing more will be read; let the process exit even though stdin is still open.
      io.stdin.pause();
      if (io.stdin === process.stdin) process.stdin.destroy();
    }
  });
}

/** How long the explanation of a failed tunnel (AWS calls) may hold the end of the stream. */
const EXPLAIN_MS = 10_000;

/** `p`'s value, or `fallback` when it takes longer than `ms` or fails. */
function withinMs<T>(ms: number, p: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), ms); });
  return Promise.race([p.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}
