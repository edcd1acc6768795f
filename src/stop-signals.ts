/**
 * The signals that stop a long-running command, handled alike by every one of them (ssh, -N,
 * tunnel, cp, proxy, sandbox): SIGINT (Ctrl-C), SIGTERM (kill, systemd) and SIGHUP (a closed
 * terminal, an ended ssh session, ssh ending its ProxyCommand). Node's default for each is to
 * die on the spot: no cleanup, no word of what was stopped, and a terminal left in raw mode.
 *
 * While watched, the first of them is caught and reported through `stopped`; a second one while
 * cleanup still runs ends eic at once by that signal (the way out of a cleanup that hangs). The
 * handlers stay registered until dispose(): others (the sandbox's exit guard) count listeners
 * to learn whether somebody handles a signal.
 */
import { constants as osConstants } from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface StopSignals {
  /** Resolves with the first stop signal received (never rejects). */
  readonly stopped: Promise<StopSignal>;
  /** The signal received, once one was. */
  readonly received: StopSignal | undefined;
  /** Remove the handlers (idempotent). */
  dispose(): void;
}

/** Catch the stop signals until dispose(). */
export function watchStopSignals(): StopSignals {
  let received: StopSignal | undefined;
  let resolve!: (sig: StopSignal) => void;
  const stopped = new Promise<StopSignal>((r) => { resolve = r; });
  const dispose = () => { for (const [sig, handler] of handlers) process.removeListener(sig, handler); };
  const handlers = STOP_SIGNALS.map((sig) => {
    const handler = () => {
      if (!received) {
        received = sig;
        resolve(sig);
        return;
      }
      dispose();
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return {
    stopped,
    get received() { return received; },
    dispose,
  };
}

/** The number of a signal (SIGHUP → 1); undefined when this platform has no such signal. */
export function signalNumber(signal: string): number | undefined {
  return (osConstants.signals as Record<string, number | undefined>)[`SIG${signal.replace(/^SIG/, '')}`];
}

/** 128 + the signal's number, as a shell reports a death by signal; 255 for an unknown signal. */
export function signalStatus(signal: string): number {
  const n = signalNumber(signal);
  return n ? 128 + n : 255;
}

/** OpenSSH's words when a signal ends it ("Killed by signal 15."; its exit status is then 255). */
export function killedBySignal(signal: string): string {
  return `Killed by signal ${signalNumber(signal) ?? signal}.`;
}
