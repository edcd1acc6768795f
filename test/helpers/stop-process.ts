/**
 * Cleanup for tests that run a sandbox as a child process: SIGTERM first, so that the sandbox
 * stops its sshds, and SIGKILL only if it has not exited after a grace period. A bare SIGKILL
 * in a `finally` would orphan every sshd the child started whenever a test fails.
 */
import type { ChildProcess } from 'node:child_process';

export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), graceMs); });
  if ((await Promise.race([exited, late])) === 'late') child.kill('SIGKILL');
  clearTimeout(timer);
}
