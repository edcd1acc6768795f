/**
 * eic's CLI run inside the test process (cli/main.ts's run() with streams of its own), for tests
 * about what a command decides rather than about the process: refusals of a command line,
 * tables. It spares a Node start per case; what needs a real process (signals, terminals,
 * exit at the end) goes through runEic.
 */
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/main.js';

export interface InProcessResult { code: number; stdout: string; stderr: string }

/** Run `eic <args>` with `env` as its whole environment; `terminal` makes stdout claim to be one (200 columns). */
export async function runInProcess(args: string[], env: NodeJS.ProcessEnv, opts: { terminal?: boolean } = {}): Promise<InProcessResult> {
  const stdout = Object.assign(new PassThrough(), opts.terminal ? { isTTY: true, columns: 200 } : {});
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => { out += c.toString(); });
  stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const code = await run(args, { stdin, stdout, stderr, env });
  return { code, stdout: out, stderr: err };
}
