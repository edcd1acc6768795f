/**
 * Milliseconds since the process started, as performance.now() counts them, without its cost:
 * the first touch of the global `performance` loads Node's perf_hooks (a dozen modules), and eic
 * needs only differences and the time since start.
 */
export function uptimeMs(): number {
  return process.uptime() * 1000;
}
