// Start-up and connect latency of eic on each Node it supports: `eic --version` and
// `eic ssh <instance> -- true`, each against `node -e 0` of the same Node, the runs of every
// Node interleaved so that the machine's load hits them alike (these machines are shared: the
// ratios within a run are the point). The Nodes: the one running this, and those .ci/run keeps in
// .ci-cache/node/ (or EIC_BENCH_NODES, node binaries separated by ':').
//
// Part of `npm run bench` (bench/run.mjs); on its own, `node bench/node-versions.mjs` (after a
// build) measures only this and rewrites only its table in bench/RESULTS.md.
// Knob: EIC_BENCH_LAT_REPS (11).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv, timed } from './cases.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const START = '<!-- node-versions: written by bench/node-versions.mjs -->';
const END = '<!-- /node-versions -->';

/** The node binaries to measure, one per version, oldest first. */
export function nodeBinaries() {
  const paths = [process.execPath];
  if (process.env.EIC_BENCH_NODES) paths.push(...process.env.EIC_BENCH_NODES.split(':').filter(Boolean));
  const cache = join(root, '.ci-cache', 'node');
  if (existsSync(cache)) for (const v of readdirSync(cache)) paths.push(join(cache, v, 'bin', 'node'));
  const byVersion = new Map();
  for (const path of paths) {
    const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
    if (r.status === 0 && !byVersion.has(r.stdout.trim())) byVersion.set(r.stdout.trim(), path);
  }
  const major = (v) => v.slice(1).split('.').map(Number);
  return [...byVersion].map(([version, path]) => ({ version, path }))
    .sort((a, b) => major(a.version).reduce((d, x, i) => d || x - major(b.version)[i], 0));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Medians per Node. Each Node has its own code cache (the cache directory is per V8), made by a
 * first, unmeasured run. `binding`: whether ssh2's native binding in node_modules loads on that
 * Node (it is built for one ABI; without it ssh2 uses its JavaScript crypto).
 */
export async function measureNodes({ eic, inst, env, reps, nodes = nodeBinaries() }) {
  const runs = nodes.map(() => ({ node: [], version: [], connect: [] }));
  for (const n of nodes) await timed(n.path, [eic, 'ssh', inst, '--', 'true'], env);
  for (let i = 0; i < reps; i++) {
    for (const [k, n] of nodes.entries()) {
      runs[k].node.push(await timed(n.path, ['-e', '0'], env));
      runs[k].version.push(await timed(n.path, [eic, '--version'], env));
      runs[k].connect.push(await timed(n.path, [eic, 'ssh', inst, '--', 'true'], env));
    }
  }
  const binding = join(root, 'node_modules', 'ssh2', 'lib', 'protocol', 'crypto', 'build', 'Release', 'sshcrypto.node');
  return nodes.map((n, k) => ({
    version: n.version,
    node: median(runs[k].node), eicVersion: median(runs[k].version), connect: median(runs[k].connect),
    binding: spawnSync(n.path, ['-e', `require(${JSON.stringify(binding)})`]).status === 0,
  }));
}

/** The Markdown section (between markers, so that a run of this script alone can replace it). */
export function nodeVersionsSection(rows, reps, note = '') {
  const line = (r) => `| ${r.version}${r.binding ? '' : ' (no ssh2 binding)'} | ${r.node.toFixed(0)} | ${r.eicVersion.toFixed(0)} | ${(r.eicVersion - r.node).toFixed(0)} | ${r.connect.toFixed(0)} | ${(r.connect - r.node).toFixed(0)} |`;
  return `${START}
## Latency per Node version (median of ${reps}, whole process, the Nodes interleaved)

| Node | \`node -e 0\` ms | \`eic --version\` ms | − node | \`eic ssh <instance> -- true\` ms | − node |
|---|---:|---:|---:|---:|---:|
${rows.map(line).join('\n')}

Each Node runs the same bundle, with a code cache of its own (Node 20: eic's; 22 and 24: Node's
\`module.enableCompileCache\`, in eic's directory), made by one unmeasured run first. "No ssh2
binding": node_modules holds ssh2's native binding built for another Node's ABI, so ssh2 uses
its JavaScript crypto there.
${note ? `\n${note}\n` : ''}${END}
`;
}

/** Put `section` in place of the one in `file` (or before "## What limits it", or at the end). */
export function replaceSection(file, section) {
  const old = readFileSync(file, 'utf8');
  const a = old.indexOf(START);
  const b = old.indexOf(END);
  if (a >= 0 && b > a) return writeFileSync(file, old.slice(0, a) + section + old.slice(b + END.length + 1));
  const limits = old.indexOf('## What limits it');
  writeFileSync(file, limits >= 0 ? `${old.slice(0, limits)}${section}\n${old.slice(limits)}` : `${old}\n${section}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startSandbox } = await import('../dist/src/sandbox/index.js');
  const { removeTree } = await import('../dist/src/remove-tree.js');
  const reps = Number(process.env.EIC_BENCH_LAT_REPS ?? 11);
  const sb = await startSandbox({ requireSshd: true });
  const tmp = mkdtempSync(join(tmpdir(), 'eic-bench-nodes-'));
  try {
    const env = benchEnv(sb, { EIC_KNOWN_HOSTS: join(tmp, 'known_hosts'), XDG_CACHE_HOME: join(tmp, 'cache') });
    const nodes = nodeBinaries();
    process.stderr.write(`bench: latency on ${nodes.map((n) => n.version).join(', ')}, ${reps} runs each\n`);
    const rows = await measureNodes({ eic: join(root, 'bin', 'eic.js'), inst: sb.env.EIC_SANDBOX_INSTANCE, env, reps, nodes });
    const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim() || 'unknown';
    const note = `This table alone was measured by \`node bench/node-versions.mjs\` of ${rev} on ${new Date().toISOString().slice(0, 10)}\n`
      + `(${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}), on a machine shared with other work at the time: compare\nwithin the table only.`;
    const section = nodeVersionsSection(rows, reps, note);
    replaceSection(join(root, 'bench', 'RESULTS.md'), section);
    process.stdout.write(section);
  } finally {
    await sb.close();
    removeTree(tmp);
  }
}
