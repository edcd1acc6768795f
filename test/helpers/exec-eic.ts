/**
 * Runs the built CLI with the environment given and gathers its output as text: the shape most
 * sandbox tests want (a status to assert, stdout to match, stderr to show on failure). Unless
 * the environment names one, no system-wide ssh_config is read: the machine's is not the test's.
 */
import { execFile } from 'node:child_process';
import { eicBin } from './paths.js';

export interface EicResult { code: number; stdout: string; stderr: string }

export function execEic(args: string[], env: NodeJS.ProcessEnv): Promise<EicResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [eicBin, ...args], { env: { EIC_SSH_SYSTEM_CONFIG: '/dev/null', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
