/**
 * Run a remote command or shell on a ready connection and wire it to the local stdio: stdout
 * and stderr kept apart, stdin passed through with its EOF, a pty when asked (raw mode and
 * resizes, see terminal.ts), and the remote exit status returned the way OpenSSH reports it.
 */
import type { Client, ClientChannel, PseudoTtyOptions } from 'ssh2';
import type { Io } from '../io.js';
import { EicError, isEicError, SSH_FAILURE_STATUS } from '../errors.js';
import type { Logger } from '../log.js';
import { DEFAULT_ESCAPE_CHAR, escapeFilter, escapeHelp, showEscapeChar } from './escape.js';
import { openTerminal, type TerminalSession } from './terminal.js';
import { killedBySignal, signalStatus, watchStopSignals } from '../stop-signals.js';

export interface RemoteRunOptions {
  /** Absent: a login shell. */
  command?: string;
  /** Allocate a pty (always for a shell with a terminal; -t for commands). */
  pty: boolean;
  /** Ask sshd to forward the agent on this channel (-A). */
  agentForward?: boolean;
  io: Io;
  logger: Logger;
  /** Called when the connection is lost before the remote side reported an exit status. */
  describeLoss?: (err: Error | undefined) => EicError;
  /** OpenSSH's escape character (-e) for a pty on a terminal: default `~`, null for none. */
  escapeChar?: number | null;
  /** Variables to set remotely (SendEnv/SetEnv); sshd keeps only what its AcceptEnv allows. */
  env?: Record<string, string>;
}

/** Join argv the way OpenSSH does: with single spaces, no quoting (the remote shell splits). */
export function joinCommand(args: string[]): string {
  return args.join(' ');
}

export async function runRemote(client: Client, opts: RemoteRunOptions): Promise<number> {
  const { io, logger } = opts;
  const term: TerminalSession | undefined = opts.pty ? openTerminal(io) : undefined;
  const cleanups: Array<() => void> = [];
  try {
    const ptyOpts: PseudoTtyOptions | undefined = term
      ? { ...sizeOpts(term.size()), term: io.env.TERM || 'dumb' }
      : undefined;
    const exit: ExitState = {};
    const channel = await openChannel(client, opts.command, ptyOpts, { agentForward: Boolean(opts.agentForward), env: opts.env }, exit);
    if (term) {
      term.onResize((s) => {
        logger.debug(`ssh: window resized to ${s.cols}x${s.rows}`);
        channel.setWindow(s.rows, s.cols, 0, 0);
      });
    }
    return await pump(client, channel, exit, opts, term && io.stdin.isTTY ? term : undefined, cleanups);
  } finally {
    for (const c of cleanups) c();
    term?.restore();
  }
}

function sizeOpts(s: { rows: number; cols: number }) {
  return { rows: s.rows, cols: s.cols, height: 0, width: 0 };
}

/** What the remote side reported about its end: an exit status, or the signal that killed it. */
interface ExitState { code?: number; signal?: string }

function openChannel(client: Client, command: string | undefined, pty: PseudoTtyOptions | undefined,
  extra: { agentForward: boolean; env?: Record<string, string> }, exit: ExitState): Promise<ClientChannel> {
  const env = extra.env && Object.keys(extra.env).length > 0 ? extra.env : undefined;
  return new Promise((resolve, reject) => {
    const cb = (err: Error | undefined, ch: ClientChannel) => {
      if (err) {
        reject(new EicError('ssh-channel', `cannot start the remote ${command === undefined ? 'shell' : 'command'}: ${err.message}`, undefined, { cause: err }));
        return;
      }
      // Listen now, not after the promise settles: ssh2 parses a whole TCP chunk at once, and a
      // short command's output, exit status and close can arrive in the same chunk as the
      // channel's confirmation, before any await resumes.
      ch.on('exit', (code: number | null, signal?: string) => {
        if (typeof code === 'number') exit.code = code;
        else if (signal) exit.signal = signal;
      });
      resolve(ch);
    };
    if (command === undefined) {
      client.shell(pty ?? false, { agentForward: extra.agentForward, env } as never, cb);
    } else {
      client.exec(command, { pty: pty ?? false, agentForward: extra.agentForward, env } as never, cb);
    }
  });
}

/** `rawTerm`: the local terminal, when it is in raw mode (a pty session on a TTY stdin). */
function pump(client: Client, channel: ClientChannel, exit: ExitState, opts: RemoteRunOptions, rawTerm: TerminalSession | undefined,
  cleanups: Array<() => void>): Promise<number> {
  const { io, logger } = opts;
  return new Promise<number>((resolve, reject) => {
    let lastError: Error | undefined;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      fn();
    };

    channel.pipe(io.stdout, { end: false });
    channel.stderr.pipe(io.stderr, { end: false });
    // stdin: every byte to the remote side, and its end as EOF (ssh2 sends CHANNEL_EOF on end()).
    // On a terminal, OpenSSH's escapes (`~.`, `~?`, `~~`) are taken out on the way.
    const escapeChar = opts.escapeChar === undefined ? DEFAULT_ESCAPE_CHAR : opts.escapeChar;
    const input = rawTerm && escapeChar !== null
      ? escapeFilter(escapeChar, {
        // `~.`: leave now, as OpenSSH does (exit 255; the caller says the connection closed).
        onDisconnect: () => finish(() => {
          logger.debug('ssh: disconnect requested with the escape sequence');
          channel.close();
          resolve(SSH_FAILURE_STATUS);
        }),
        onHelp: () => io.stderr.write(escapeHelp(escapeChar)),
        onSuspend: () => {
          io.stderr.write(`${showEscapeChar(escapeChar)}^Z [suspend eic]\r\n`);
          rawTerm.suspend();
        },
      })
      : undefined;
    if (input) io.stdin.pipe(input).pipe(channel);
    else io.stdin.pipe(channel);
    cleanups.push(() => {
      if (input) {
        io.stdin.unpipe(input);
        input.unpipe(channel);
      } else {
        io.stdin.unpipe(channel);
      }
      // A paused TTY stdin no longer holds the event loop open.
      io.stdin.pause();
      channel.unpipe(io.stdout);
      channel.stderr.unpipe(io.stderr);
    });

    channel.on('close', () => finish(() => {
      if (exit.code !== undefined) return resolve(exit.code);
      if (exit.signal) {
        logger.debug(`ssh: remote process killed by ${exit.signal}`);
        return resolve(signalStatus(exit.signal));
      }
      // No exit-status message (sshd sends one unless killed oddly): OpenSSH exits 255 too.
      logger.debug('ssh: the remote side closed the channel without an exit status');
      resolve(SSH_FAILURE_STATUS);
    }));

    const onError = (err: Error) => { lastError = err; };
    const onClose = () => finish(() => reject(lost(opts, lastError)));
    client.on('error', onError);
    client.once('close', onClose);
    cleanups.push(() => { client.removeListener('error', onError); client.removeListener('close', onClose); });

    // The reader of our output went away (`eic ssh … | head`): stop, as ssh does on SIGPIPE,
    // rather than let the remote side block forever on a full window.
    const onOutputError = (err: NodeJS.ErrnoException) => finish(() => {
      channel.close();
      if (err.code === 'EPIPE') resolve(signalStatus('PIPE'));
      else reject(new EicError('local-output', `cannot write the output: ${err.message}`));
    });
    io.stdout.on('error', onOutputError);
    io.stderr.on('error', onOutputError);
    cleanups.push(() => { io.stdout.removeListener('error', onOutputError); io.stderr.removeListener('error', onOutputError); });

    // A stop signal (in raw mode Ctrl-C is a byte for the remote side, so SIGINT comes from
    // elsewhere too) ends the session as OpenSSH does: "Killed by signal N.", exit 255.
    const signals = watchStopSignals();
    cleanups.push(() => signals.dispose());
    void signals.stopped.then((sig) => finish(() => {
      client.end();
      reject(new EicError('interrupted', killedBySignal(sig), undefined, { signal: sig }));
    }));
  });
}

function lost(opts: RemoteRunOptions, err: Error | undefined): EicError {
  if (opts.describeLoss) return opts.describeLoss(err);
  if (isEicError(err)) return err;
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (isEicError(cause)) return cause;
  return new EicError('ssh-connection-lost',
    `connection closed${err ? `: ${err.message}` : ''}`, undefined, { cause: err });
}
