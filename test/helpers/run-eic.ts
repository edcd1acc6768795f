/**
 * Running this repository's eic as a real process from a test, and waiting for any child: its
 * output gathered, a run that hangs killed with its stderr shown, and a death by a signal the
 * test did not send reported as such (an assertion on the exit code would hide it).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import { eicBin } from './paths.js';

export interface Finished { code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }

export interface FinishedOptions {
  /** Accept a death by a signal nobody here sent (tests that kill the process some other way). */
  allowSignal?: boolean;
}

/**
 * Wait for a child to exit, collecting its output. A child that dies of a signal this test did
 * not send it (through `child.kill`) rejects with a line saying so and its stderr: an assertion
 * on `code` would otherwise show only the stderr, often empty, and hide that it crashed.
 */
export function finished(child: ChildProcess, opts: FinishedOptions = {}): Promise<Finished> {
  const out: Buffer[] = [];
  let err = '';
  const sent = recordKills(child);
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => { err += c.toString('utf8'); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== null && !sent.has(signal) && !opts.allowSignal) {
        reject(new Error(`${commandOf(child)} died of ${signal}; its stderr: ${err === '' ? '(empty)' : `\n${err}`}`));
      } else {
        resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
      }
    });
  });
}

/** The signals sent through `child.kill` from now on, by name. */
function recordKills(child: ChildProcess): Set<string> {
  const sent = new Set<string>();
  const kill = child.kill.bind(child);
  child.kill = (signal: NodeJS.Signals | number = 'SIGTERM') => {
    sent.add(typeof signal === 'number' ? signalName(signal) : signal);
    return kill(signal);
  };
  return sent;
}

function signalName(n: number): string {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? String(n);
}

/** `eic <args>` for this repository's CLI, else the command line (shortened). */
function commandOf(child: ChildProcess): string {
  const [, first, ...rest] = child.spawnargs;
  if (first === eicBin) return `eic ${rest.join(' ')}`;
  const line = child.spawnargs.join(' ');
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

export function spawnEic(args: string[], env: NodeJS.ProcessEnv, opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [eicBin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], ...opts });
}

/**
 * How long one eic run may take in a test. A run that hangs then fails its own test with
 * eic's stderr, instead of stalling the whole file until the runner's 240 s timeout.
 */
export const EIC_RUN_TIMEOUT_MS = 60_000;

export interface RunEicOptions extends FinishedOptions {
  /** Killed and failed after this long (default EIC_RUN_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * Run eic to completion with `input` on stdin (closed right after). Throws if it runs longer
 * than `timeoutMs`, or dies of a signal unless `allowSignal`, with eic's stderr in the message.
 */
export async function runEic(args: string[], env: NodeJS.ProcessEnv, input?: Buffer | string, opts: RunEicOptions = {}): Promise<Finished> {
  const timeoutMs = opts.timeoutMs ?? EIC_RUN_TIMEOUT_MS;
  const child = spawnEic(args, env);
  const done = finished(child, opts);
  child.stdin!.end(input);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  try {
    const r = await done;
    if (timedOut) throw new Error(`eic ${args.join(' ')} was still running after ${timeoutMs / 1000} s and was killed; its stderr:\n${r.stderr}`);
    return r;
  } finally {
    clearTimeout(timer);
  }
}
