// `npm run demo`: start the local sandbox (a stand-in for the AWS side), then use eic exactly as a
// user would, as a separate process: `eic ssh <instance> -- <command>`. Nothing here talks to AWS.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../dist/src/sandbox/index.js';

const eic = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'bin', 'eic.js');
const bold = process.stderr.isTTY && !process.env.NO_COLOR;
const say = (line) => process.stderr.write(bold ? `\x1b[1m==> ${line}\x1b[0m\n` : `==> ${line}\n`);

function runEic(args, env) {
  say(`eic ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [eic, ...args], { env, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

say('starting the sandbox: EC2 API, Instance Connect API, an EICE WebSocket endpoint and sshd-backed instances');
const sandbox = await startSandbox({ logger: { verbose: false, debug() {}, info() {}, warn: (m) => process.stderr.write(`warning: ${m}\n`) } });
// A throwaway known-hosts file: the sandbox makes new host keys each time it starts.
const home = mkdtempSync(join(tmpdir(), 'eic-demo-'));
const env = { ...process.env, ...sandbox.env, EIC_KNOWN_HOSTS: join(home, 'known_hosts') };
const instance = sandbox.env.EIC_SANDBOX_INSTANCE;
let code = 1;
try {
  code = await runEic(['list'], env);
  if (code === 0) code = await runEic(['ssh', instance, '--', 'echo "hello from $(hostname) as $(id -un)"; uname -sr'], env);
  if (code === 0) code = await runEic(['ssh', `ec2-user@web-1`, '--', 'echo "by Name tag too: exit status flows back"; exit 3'], env);
  if (code === 3) {
    say('the remote exit status (3) came back as eic\'s own: that is what scripts rely on');
    code = 0;
  }
} finally {
  await sandbox.close();
  rmSync(home, { recursive: true, force: true });
}
say(code === 0 ? 'demo finished: explore by hand with `node bin/eic.js sandbox --write-env /tmp/eic.env &` then `. /tmp/eic.env && node bin/eic.js ssh web-1` (or `npm install -g .` for a plain `eic`)' : `demo failed (exit ${code})`);
process.exit(code);
