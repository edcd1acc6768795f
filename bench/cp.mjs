// `eic cp` against OpenSSH scp through `eic proxy` (scp 9.x speaks SFTP too), in the same
// process, sandbox and sshd, uploads and downloads interleaved (the machine is shared and
// noisy: only same-run ratios mean anything). Connection set-up is measured with a 1-byte copy
// of each kind and subtracted, so the figures are transfer rates.
//
// bench/run.mjs calls cpBench(); `node bench/cp.mjs` runs it alone on its own sandbox.
// Knobs: EIC_BENCH_MB (default 1024), EIC_BENCH_CP_REPS (default 1).
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv, timed } from './cases.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const EIC = join(root, 'bin', 'eic.js');
const log = (s) => process.stderr.write(s + '\n');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Rows: eic cp and scp + eic proxy, each way, in MB/s (MiB per second). */
export async function cpBench({ sb, env, tmp, MB }) {
  const reps = Number(process.env.EIC_BENCH_CP_REPS ?? 1);
  const inst = sb.env.EIC_SANDBOX_INSTANCE;
  const ids = spawnSync('id', ['-u', 'ec2-user'], { encoding: 'utf8' });
  const uid = Number(ids.stdout.trim());
  const remote = mkdtempSync(join(tmpdir(), 'eic-bench-cp-'));
  chownSync(remote, uid, uid);
  const dir = mkdtempSync(join(tmp, 'cp-'));
  try {
    const big = join(dir, 'big.bin');
    const tiny = join(dir, 'tiny.bin');
    spawnSync('sh', ['-c', `head -c ${MB}M /dev/urandom > ${big}`]);
    writeFileSync(tiny, 'x');
    const key = join(dir, 'id');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    sb.keys.push(inst, 'ec2-user', readFileSync(`${key}.pub`, 'utf8'));
    const scpBase = ['-q', '-F', '/dev/null', '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
      '-o', `ProxyCommand=${process.execPath} ${EIC} proxy %h %p`];
    const at = (name) => `${inst}:${remote}/${name}`;
    const cases = {
      'eic cp upload': (file, name) => timed(process.execPath, [EIC, 'cp', '-q', file, at(name)], env),
      'scp + eic proxy upload': (file, name) => timed('scp', [...scpBase, file, `ec2-user@${at(name)}`], env),
      'eic cp download': (_file, name) => timed(process.execPath, [EIC, 'cp', '-q', at(name), join(dir, `down-${name}`)], env),
      'scp + eic proxy download': (_file, name) => timed('scp', [...scpBase, `ec2-user@${at(name)}`, join(dir, `down-${name}`)], env),
    };
    // The downloads need their files up there first.
    await cases['eic cp upload'](big, 'big.bin');
    await cases['eic cp upload'](tiny, 'tiny.bin');
    const results = Object.fromEntries(Object.keys(cases).map((k) => [k, { setup: [], big: [] }]));
    log(`bench: eic cp vs scp + eic proxy, ${MB} MiB each way, ${reps} round(s)`);
    for (let r = 0; r < reps; r++) {
      for (const [name, run] of Object.entries(cases)) {
        const isUp = name.endsWith('upload');
        results[name].setup.push(await run(tiny, isUp ? `up-tiny-${r}` : 'tiny.bin'));
        results[name].big.push(await run(big, isUp ? `up-big-${r}` : 'big.bin'));
        const size = statSync(isUp ? join(remote, `up-big-${r}`) : join(dir, 'down-big.bin')).size;
        if (size !== MB * 1024 * 1024) throw new Error(`${name}: copied ${size} bytes, expected ${MB} MiB`);
        const ms = results[name].big.at(-1) - results[name].setup.at(-1);
        log(`  ${name}: ${(MB / (ms / 1000)).toFixed(0)} MB/s (set-up ${results[name].setup.at(-1).toFixed(0)} ms)`);
      }
    }
    const rows = Object.entries(results).map(([name, r]) => ({ name, mbps: MB / ((median(r.big) - median(r.setup)) / 1000) }));
    const by = Object.fromEntries(rows.map((r) => [r.name, r.mbps]));
    log(`  ratio eic cp / scp: upload ${(by['eic cp upload'] / by['scp + eic proxy upload']).toFixed(2)}, download ${(by['eic cp download'] / by['scp + eic proxy download']).toFixed(2)}`);
    return { rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(remote, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { defaultConfig } = await import('../dist/src/sandbox/config.js');
  const { startSandbox } = await import('../dist/src/sandbox/index.js');
  const MB = Number(process.env.EIC_BENCH_MB ?? 1024);
  const config = defaultConfig();
  config.keyValiditySeconds = 24 * 3600; // scp's key stays valid for the whole run
  const sb = await startSandbox({ config, requireSshd: true });
  const tmp = mkdtempSync(join(tmpdir(), 'eic-bench-'));
  const env = benchEnv(sb, { EIC_KNOWN_HOSTS: join(tmp, 'known_hosts') });
  try {
    const { rows } = await cpBench({ sb, env, tmp, MB });
    for (const r of rows) console.log(`${r.name.padEnd(26)} ${r.mbps.toFixed(1)} MB/s`);
  } finally {
    await sb.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
