// Connection sharing of the `eic ssh-config` block: OpenSSH's `ssh <id> true` through the
// installed block when it has to open the connection (AWS lookup, key push, tunnel, SSH
// handshake: the master is left running) against the same command while the master is up (a
// new session over the existing connection), OpenSSH direct beside them. Part of `npm run
// bench`; `node bench/control-master.mjs` (after a build) runs this case alone and replaces
// its section of bench/RESULTS.md. Knob: EIC_BENCH_CM_REPS (default 11).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const EIC = join(root, 'bin', 'eic.js');
export const SECTION = '## Connection sharing: ssh through the eic ssh-config block';

function timed(args, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('ssh', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`ssh ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

/** `env`: the benchmark's (sandbox credentials, code cache); `home` gets .ssh/config and the sockets. */
export async function controlMasterBench({ sb, env, tmp, reps = Number(process.env.EIC_BENCH_CM_REPS ?? 11) }) {
  const inst = sb.env.EIC_SANDBOX_INSTANCE;
  const home = join(tmp, 'cm-home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const key = join(home, '.ssh', 'id_ed25519');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  // For the direct row only: the block's own runs push the key themselves.
  sb.keys.push(inst, 'ec2-user', readFileSync(`${key}.pub`, 'utf8'));
  const config = join(home, '.ssh', 'config');
  writeFileSync(config, `Host *\n    IdentityFile ${key}\n    IdentitiesOnly yes\n    BatchMode yes\n    StrictHostKeyChecking no\n    UserKnownHostsFile /dev/null\n    LogLevel ERROR\n`);
  const hEnv = { ...env, HOME: home };
  const install = spawnSync(process.execPath, [EIC, 'ssh-config', '--no-names', '--install', config, '--eic-command', `${process.execPath} ${EIC}`], { env: hEnv, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`eic ssh-config --install: ${install.stderr}`);
  const direct = sb.instanceAddress(inst);
  const base = ['-F', config];
  const times = { first: [], second: [], direct: [] };
  for (let i = 0; i < reps; i++) {
    times.direct.push(await timed([...base, '-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-o', 'ProxyCommand=none', '-p', String(direct.port), `ec2-user@${direct.host}`, 'true'], hEnv));
    times.first.push(await timed([...base, inst, 'true'], hEnv));
    times.second.push(await timed([...base, inst, 'true'], hEnv));
    await timed([...base, '-O', 'exit', inst], hEnv);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { reps, first: median(times.first), second: median(times.second), direct: median(times.direct) };
}

export function renderControlMaster(r) {
  return `${SECTION}

\`ssh <instance> true\` with the block \`eic ssh-config --install\` writes (median of ${r.reps}, wall time of the ssh process):

| connection | ms | vs the first |
|---|---:|---:|
| first: ProxyCommand \`eic proxy --push-key\` (AWS lookup, key push, tunnel), SSH handshake; leaves the master running | ${r.first.toFixed(0)} | 1.00× |
| second, within ControlPersist: a new session over the master's connection (no AWS call, no tunnel) | ${r.second.toFixed(0)} | ${(r.second / r.first).toFixed(2)}× |
| OpenSSH direct to the instance's sshd (no tunnel; for scale) | ${r.direct.toFixed(0)} | ${(r.direct / r.first).toFixed(2)}× |
`;
}

/** Replace (or add, before the hand-written notes) this case's section of RESULTS.md. */
export function writeControlMasterSection(file, r) {
  const text = readFileSync(file, 'utf8');
  const section = renderControlMaster(r);
  const start = text.indexOf(SECTION);
  if (start >= 0) {
    const end = text.indexOf('\n## ', start + SECTION.length);
    writeFileSync(file, text.slice(0, start) + section + (end >= 0 ? text.slice(end) : ''));
    return;
  }
  const notes = text.indexOf('## What limits it');
  writeFileSync(file, notes >= 0 ? `${text.slice(0, notes)}${section}\n${text.slice(notes)}` : `${text}\n${section}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [{ startSandbox }, { defaultConfig }, { removeTree }, { benchEnv }] = await Promise.all([
    import('../dist/src/sandbox/index.js'), import('../dist/src/sandbox/config.js'), import('../dist/src/remove-tree.js'), import('./cases.mjs'),
  ]);
  const config = defaultConfig();
  config.keyValiditySeconds = 24 * 3600; // the direct row's key, pushed once
  const sb = await startSandbox({ config, requireSshd: true });
  const tmp = mkdtempSync(join(tmpdir(), 'eic-bench-cm-'));
  try {
    const r = await controlMasterBench({ sb, env: benchEnv(sb, { XDG_CACHE_HOME: join(tmp, 'cache') }), tmp });
    process.stdout.write(renderControlMaster(r));
    writeControlMasterSection(join(root, 'bench', 'RESULTS.md'), r);
  } finally {
    await sb.close();
    removeTree(tmp);
  }
}
