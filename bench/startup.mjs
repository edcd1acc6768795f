// `node bench/startup.mjs` (after a build): start-up time of `eic --version`, `eic --help` and
// `eic list` against the sandbox, next to bare `node -e 0` measured in the same run (shared,
// noisy machines: compare within a run, not across runs). Prints a Markdown table on stdout.
// Knob: EIC_BENCH_STARTUP_REPS (default 21).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startSandbox } from '../dist/src/sandbox/index.js';
import { benchEnv } from './cases.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const EIC = join(root, 'bin', 'eic.js');
const REPS = Number(process.env.EIC_BENCH_STARTUP_REPS ?? 21);

/** Wall time of one run in ms (async: the sandbox answers from this process). */
function once(args, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

const sb = await startSandbox();
try {
  const env = benchEnv(sb);
  const cases = [
    ['node -e 0 (baseline)', ['-e', '0']],
    ['eic --version', [EIC, '--version']],
    ['eic --help', [EIC, '--help']],
    ['eic list (sandbox)', [EIC, 'list']],
  ];
  const times = new Map(cases.map(([name]) => [name, []]));
  // Interleave the cases so that load changes hit them all alike.
  for (let i = 0; i < REPS; i++) {
    for (const [name, args] of cases) times.get(name).push(await once(args, env));
  }
  const stat = (xs) => { const s = [...xs].sort((a, b) => a - b); return { median: s[Math.floor(s.length / 2)], min: s[0] }; };
  const base = stat(times.get(cases[0][0])).median;
  console.log(`| case | median ms | min ms | median − node baseline |\n|---|---:|---:|---:|`);
  for (const [name] of cases) {
    const { median, min } = stat(times.get(name));
    console.log(`| ${name} | ${median.toFixed(0)} | ${min.toFixed(0)} | ${(median - base).toFixed(0)} |`);
  }
  console.log(`\n${REPS} runs each, interleaved; Node ${process.version}.`);
} finally {
  await sb.close();
}
