/**
 * Runs the built CLI with the environment given and gathers its output as text: the shape most
 * sandbox tests want (a status to assert, stdout to match, stderr to show on failure). Unless
 * the environment names one, no system-wide ssh_config is read: the machine's is not the test's.
 * A run that dies of a signal or hangs throws, saying so (see runEic).
 */
import { runEic } from './run-eic.js';

export interface EicResult { code: number; stdout: string; stderr: string }

export async function execEic(args: string[], env: NodeJS.ProcessEnv): Promise<EicResult> {
  const r = await runEic(args, { EIC_SSH_SYSTEM_CONFIG: '/dev/null', ...env });
  return { code: r.code!, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}
