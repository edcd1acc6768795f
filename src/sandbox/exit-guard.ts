/**
 * Last-resort cleanup when a process that runs sandboxes ends without close(): on 'exit', and
 * on a SIGINT/SIGTERM/SIGHUP that nobody else handles (such a signal ends the process without 'exit').
 * One handler per process for all sandboxes in it, so that several sandboxes do not each take
 * the others' handlers for "somebody else's plan" and swallow the signal.
 */
import { STOP_SIGNALS } from '../stop-signals.js';

const cleanups = new Set<() => void>();

function runAll(): void {
  for (const c of [...cleanups]) {
    cleanups.delete(c);
    try { c(); } catch { /* best effort: the process is ending */ }
  }
}

function onSignal(sig: NodeJS.Signals): void {
  if (process.listenerCount(sig) > 1) return; // the program has its own plan (eic sandbox does)
  runAll();
  uninstall();
  process.kill(process.pid, sig); // die of the signal, as without us
}

function install(): void {
  process.on('exit', runAll);
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
}

function uninstall(): void {
  process.off('exit', runAll);
  for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
}

/** Register a synchronous cleanup; the returned function unregisters it. */
export function guardExit(cleanup: () => void): () => void {
  if (cleanups.size === 0) install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) uninstall();
  };
}
