// `node rss-wrap.mjs OUTFILE cmd args…`: run a command with our stdio (as a ProxyCommand does)
// and write its peak RSS in KiB to OUTFILE when it exits. Exits with the command's status.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { watchRss } from './rss.mjs';

const [out, cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd, args, { stdio: 'inherit' });
const w = watchRss(child.pid);
child.on('exit', (code, signal) => {
  writeFileSync(out, String(w.stop()));
  process.exit(code ?? (signal ? 128 : 1));
});
