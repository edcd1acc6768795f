/**
 * The `eic cp` action: operands → direction and instance, one SSH session (session/ssh-session.ts),
 * one SFTP channel, a plan, then the copy with a progress bar on a terminal. A failure says
 * how far the copy got and gives the command that continues it.
 */
import { EicError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { CopyFailure, executePlan, formatBytes } from '../../sftp/copy.js';
import { createLocalFs } from '../../sftp/local-fs.js';
import { planCopy } from '../../sftp/plan.js';
import { createRemoteFs, openSftp } from '../../sftp/remote-fs.js';
import { remoteHashPrefix } from '../../sftp/remote-hash.js';
import type { Io } from '../../io.js';
import { copyDirection, shellQuote, type Operand } from './args.js';
import { createProgress } from './progress.js';
import type { CpCliOptions } from './options.js';
import { openSession } from '../../session/ssh-session.js';
import { checkSessionOptions } from '../session-checks.js';
import { uptimeMs } from '../../clock.js';
import { watchStopSignals, type StopSignal } from '../../stop-signals.js';

export interface RunCpInput {
  operands: string[];
  opts: CpCliOptions;
  /** Whether an option was given on the command line (not defaulted), by commander's name. */
  given(name: string): boolean;
  io: Io;
}

/** SFTP has no `~`: paths that are not absolute start in the login directory already. */
function remotePath(path: string): string {
  if (path === '' || path === '~' || path === '~/') return '.';
  if (path.startsWith('~/')) return path.slice(2);
  return path;
}

const pathOf = (o: Operand) => (o.remote ? remotePath(o.path) : o.path);

export async function runCp(input: RunCpInput): Promise<number> {
  const { io, opts } = input;
  const logger = createLogger({ verbose: opts.verbose, quiet: opts.quiet, write: (s) => io.stderr.write(s) });
  const dir = copyDirection(input.operands);
  const osUser = input.given('osUser') ? opts.osUser : (dir.user ?? opts.osUser);
  await checkSessionOptions(opts, io.env);

  // A stop signal (Ctrl-C, SIGTERM, SIGHUP) ends the connection; the copy then fails like a
  // lost connection and says where it stopped and how to continue; the status is 128+signal.
  const signals = watchStopSignals();
  const opening = openSession(dir.host, osUser, opts, io, logger);
  const opened = await Promise.race([opening, signals.stopped]).catch((err) => { signals.dispose(); throw err; });
  if (typeof opened === 'string') {
    signals.dispose();
    opening.then((s) => s.close(), () => {});
    throw new EicError('interrupted', `interrupted by ${opened} before any file was copied`, undefined, { signal: opened });
  }
  const session = opened;
  // The tunnel's own account of a loss (e.g. its time limit) beats SFTP's "No response from server".
  let connectionError: Error | undefined;
  session.conn.client.on('error', (err: Error) => { connectionError ??= err; });
  void signals.stopped.then(() => session.conn.client.end());
  try {
    const sftp = await openSftp(session.conn.client);
    const remote = createRemoteFs(sftp, { label: dir.label, hashPrefix: remoteHashPrefix(session.conn.client) });
    const local = createLocalFs();
    const [from, to] = dir.direction === 'upload' ? [local, remote] : [remote, local];
    const plan = await planCopy({ from, to, sources: dir.sources.map(pathOf), dest: pathOf(dir.dest), recursive: Boolean(opts.recursive) });
    logger.debug(`cp: ${plan.files} file(s), ${formatBytes(plan.bytes)}, ${dir.direction} via ${session.target.instance.id}`);
    const view = createProgress(io, plan.bytes, { quiet: Boolean(opts.quiet), note: (line) => logger.info(line) });
    const started = uptimeMs();
    try {
      const result = await executePlan(plan, {
        from, to, preserveTimes: Boolean(opts.preserve), resume: Boolean(opts.resume), verify: Boolean(opts.verify), events: view,
      });
      const s = (uptimeMs() - started) / 1000;
      logger.debug(`cp: ${result.files} file(s), ${formatBytes(result.bytes)} in ${s.toFixed(2)} s (${formatBytes(Math.round(result.bytes / Math.max(s, 0.001)))}/s)${result.skipped ? `, ${result.skipped} already complete` : ''}`);
    } finally {
      view.stop();
    }
    return 0;
  } catch (err) {
    const sig = signals.received;
    if (err instanceof CopyFailure) throw explain(err, input, sig, connectionError);
    if (sig) throw new EicError('interrupted', `interrupted by ${sig} before any file was copied`, undefined, { cause: err, signal: sig });
    throw err;
  } finally {
    signals.dispose();
    session.close();
  }
}

/** The failure with how far the copy got and the command that continues it. */
function explain(err: CopyFailure, input: RunCpInput, interrupted: StopSignal | undefined, connectionError?: Error): EicError {
  const p = err.progress;
  const files = p.files > 1 ? ` (${p.filesDone} of ${p.files} files done)` : '';
  let message = err.message + files;
  if (connectionError && err.kind === 'connection') message = message.replace('No response from server', connectionError.message);
  if (interrupted) {
    const at = p.current ? `; stopped at ${formatBytes(p.current.done)} of ${formatBytes(p.current.size)} of ${p.current.src}` : '';
    message = `interrupted by ${interrupted}${at}${files}`;
  }
  const partial = Boolean(p.current && p.current.done > 0) || p.filesDone > 0;
  const hint = partial ? `continue with: ${retryCommand(input, true)}` : `fix that and run again: ${retryCommand(input, Boolean(input.opts.resume))}`;
  return new EicError(interrupted ? 'interrupted' : err.code, message, hint, { cause: err, signal: interrupted });
}

/** `eic cp [--resume] …` with the options that matter for where and what. */
export function retryCommand(input: RunCpInput, resume: boolean): string {
  const { opts, given } = input;
  const args = ['eic', 'cp', ...(resume ? ['--resume'] : [])];
  if (opts.recursive) args.push('-r');
  if (opts.preserve) args.push('-p');
  if (opts.quiet) args.push('-q');
  if (opts.verify) args.push('--verify');
  const valued: Array<[keyof CpCliOptions, string]> = [
    ['osUser', '-u'], ['port', '-P'], ['identity', '-i'], ['knownHosts', '--known-hosts'],
    ['strictHostKeyChecking', '--strict-host-key-checking'], ['profile', '--profile'], ['region', '--region'],
    ['eiceId', '--eice-id'], ['eiceDnsName', '--eice-dns-name'], ['privateIp', '--private-ip'], ['cipher', '-c'],
  ];
  for (const [name, flag] of valued) if (given(name) && opts[name] !== undefined) args.push(flag, String(opts[name]));
  if (opts.push) args.push('--push');
  return [...args, ...input.operands].map(shellQuote).join(' ');
}
