// `npm run bench`: throughput, memory and latency of eic against OpenSSH direct and a naive
// relay, all measured in one run on the same sandbox and sshd (these machines are shared and
// noisy, so only same-run ratios mean anything). Writes bench/RESULTS.md.
//
// Knobs: EIC_BENCH_MB (default 1024), EIC_BENCH_REPS (5), EIC_BENCH_SLOW_MB (100), EIC_BENCH_LAT_REPS (11),
// EIC_BENCH_MANY (30 connections through one eic tunnel).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../dist/src/sandbox/config.js';
import { startSandbox } from '../dist/src/sandbox/index.js';
import { removeTree } from '../dist/src/remove-tree.js';
import { watchRss } from './rss.mjs';
import { benchEnv, slowReaderCase, startTunnel } from './cases.mjs';
import { writeResults } from './report.mjs';
import { cpBench } from './cp.mjs';
import { nodeFloor } from './floor.mjs';
import { controlMasterBench } from './control-master.mjs';
import { measureNodes } from './node-versions.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const EIC = join(root, 'bin', 'eic.js');
const MB = Number(process.env.EIC_BENCH_MB ?? 1024);
const REPS = Number(process.env.EIC_BENCH_REPS ?? 5);
const SLOW_MB = Number(process.env.EIC_BENCH_SLOW_MB ?? 100);
// Start-up times move by tens of ms from one minute to the next here: more runs, a steadier median.
const LAT_REPS = Number(process.env.EIC_BENCH_LAT_REPS ?? 11);
const MANY = Number(process.env.EIC_BENCH_MANY ?? 30);
const MANY_MB = 50;
const log = (s) => process.stderr.write(s + '\n');

const config = defaultConfig();
config.keyValiditySeconds = 24 * 3600; // the bench measures the byte path, not the 60 s window
const sb = await startSandbox({ config, requireSshd: true });
const tmp = mkdtempSync(join(tmpdir(), 'eic-bench-'));
const inst = sb.env.EIC_SANDBOX_INSTANCE;
const direct = sb.instanceAddress(inst);
spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(tmp, 'id')]);
sb.keys.push(inst, 'ec2-user', readFileSync(join(tmp, 'id.pub'), 'utf8'));
// eic keeps a V8 code cache in XDG_CACHE_HOME (src/boot/compile-cache.ts): the benchmark's own,
// made by its first runs, so that no cache left on the machine decides a figure.
const env = benchEnv(sb, { EIC_KNOWN_HOSTS: join(tmp, 'known_hosts'), XDG_CACHE_HOME: join(tmp, 'cache') });
// The machine's own NODE_EXTRA_CA_CERTS, if it sets one, for the rows that show what it costs.
const machineCas = process.env.NODE_EXTRA_CA_CERTS;
const naiveEnv = {
  ...env,
  EIC_BENCH_NAIVE: JSON.stringify({
    dnsName: `localhost:${sb.eiceAddress.port}`, endpointId: sb.config.endpoints[0].id,
    ip: sb.config.instances.find((i) => i.id === inst).privateIpAddress, region: sb.config.region,
    credentials: sb.config.credentials[0], caFile: sb.env.AWS_CA_BUNDLE,
  }),
};
const sshBase = ['-F', '/dev/null', '-i', join(tmp, 'id'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
  '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];
const rssFile = join(tmp, 'rss');
const devNull = openSync('/dev/null', 'w');
const wrap = (cmd) => `${process.execPath} ${join(root, 'bench', 'rss-wrap.mjs')} ${rssFile} ${cmd}`;

/** Run a command with stdout to /dev/null; wall time in ms, and the peak RSS of `watchPid` or the wrapper's file. */
function timed(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    writeFileSync(rssFile, '0');
    writeFileSync(`${rssFile}.cpu`, '0');
    const t0 = performance.now();
    const sb0 = process.cpuUsage();
    const child = spawn(cmd, args, { env: opts.env ?? env, stdio: [opts.stdin ?? 'ignore', devNull, 'pipe'] });
    const w = opts.watchSelf ? watchRss(child.pid) : undefined;
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      // This process is the sandbox: its CPU is what the AWS side (endpoint, API) cost here.
      const sb1 = process.cpuUsage(sb0);
      const sbCpuS = (sb1.user + sb1.system) / 1e6;
      const rss = w ? w.stop() : Number(readFileSync(rssFile, 'utf8'));
      // CPU seconds of the eic process (or the naive relay): the figure the machine's noise moves least.
      const cpuS = w ? w.cpu() : Number(readFileSync(`${rssFile}.cpu`, 'utf8'));
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim()}`));
      else resolve({ ms, rssKiB: rss, cpuS, sbCpuS, stderr: err });
    });
  });
}

let tunnel;
const cases = {
  'OpenSSH direct': (remote) => timed('ssh', [...sshBase, '-p', String(direct.port), `ec2-user@${direct.host}`, remote]),
  'ssh + eic proxy': (remote) => timed('ssh', [...sshBase, '-o', `ProxyCommand=${wrap(`${process.execPath} ${EIC} proxy %h %p`)}`, `ec2-user@${inst}`, remote]),
  'ssh + eic tunnel': (remote) => {
    const cpu0 = tunnel.cpu();
    return timed('ssh', [...sshBase, '-p', String(tunnel.port), 'ec2-user@127.0.0.1', remote]).then((r) => ({ ...r, rssKiB: tunnel.peak(), cpuS: tunnel.cpu() - cpu0 }));
  },
  'ssh + naive ws relay': (remote) => timed('ssh', [...sshBase, '-o', `ProxyCommand=${wrap(`${process.execPath} ${join(root, 'bench', 'naive-relay.mjs')}`)}`, `ec2-user@${inst}`, remote], { env: naiveEnv }),
  'eic ssh': (remote) => timed(process.execPath, [EIC, 'ssh', inst, '--', remote], { watchSelf: true }),
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
try {
  tunnel = await startTunnel(EIC, inst, env);
  log(`bench: ${MB} MiB from the instance, ${REPS} rounds, cases interleaved`);
  const big = `head -c ${MB}M /dev/zero`;
  for (const name of Object.keys(cases)) results[name] = { setup: [], big: [], cpu: [], sbCpu: [], rss: 0 };
  for (let r = 0; r < REPS; r++) {
    for (const [name, run] of Object.entries(cases)) {
      const setup = await run('true');
      const res = await run(big);
      results[name].setup.push(setup.ms);
      results[name].big.push(res.ms);
      if (name !== 'OpenSSH direct') results[name].cpu.push(res.cpuS - setup.cpuS);
      results[name].sbCpu.push(res.sbCpuS - setup.sbCpuS);
      results[name].rss = Math.max(results[name].rss, res.rssKiB, setup.rssKiB);
      log(`  ${name}: ${(MB / ((res.ms - setup.ms) / 1000)).toFixed(0)} MB/s (setup ${setup.ms.toFixed(0)} ms)`);
    }
  }
  for (const r of Object.values(results)) {
    r.mbps = MB / ((median(r.big) - median(r.setup)) / 1000);
    r.cpuPerGiB = r.cpu.length ? median(r.cpu) / (MB / 1024) : undefined;
    r.sbCpuPerGiB = median(r.sbCpu) / (MB / 1024);
  }

  log('bench: the floor, Node\'s TLS and sockets alone');
  const floors = { tcp: [], pipe: [] };
  for (let r = 0; r < 3; r++) {
    floors.tcp.push(await nodeFloor({ MB, dir: tmp }));
    floors.pipe.push(await nodeFloor({ MB, dir: tmp, pipe: true }));
  }
  const medians = (runs) => Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((f) => f[k]))]));
  const floor = { tcp: medians(floors.tcp), pipe: medians(floors.pipe) };

  log(`bench: slow reader (~10 MB/s), ${SLOW_MB} MiB`);
  const slow = {
    'ssh + eic proxy': await slowReaderCase('ssh', [...sshBase, '-o', `ProxyCommand=${wrap(`${process.execPath} ${EIC} proxy %h %p`)}`, `ec2-user@${inst}`, `head -c ${SLOW_MB}M /dev/zero`], env, () => Number(readFileSync(rssFile, 'utf8')), rssFile),
    'ssh + eic tunnel': await slowReaderCase('ssh', [...sshBase, '-p', String(tunnel.port), 'ec2-user@127.0.0.1', `head -c ${SLOW_MB}M /dev/zero`], env, () => tunnel.peak()),
    'eic ssh': await slowReaderCase(process.execPath, [EIC, 'ssh', inst, '--', `head -c ${SLOW_MB}M /dev/zero`], env, 'self'),
  };

  // A tunnel that serves many connections, one after another, as it does all day: what each
  // leaves behind adds up.
  log(`bench: eic tunnel, ${MANY} connections of ${MANY_MB} MiB one after another`);
  const fresh = await startTunnel(EIC, inst, env);
  const many = { connections: MANY, mb: MANY_MB, rss: [] };
  try {
    for (let i = 0; i < MANY; i++) {
      await timed('ssh', [...sshBase, '-p', String(fresh.port), 'ec2-user@127.0.0.1', `head -c ${MANY_MB}M /dev/zero`]);
      if ((i + 1) % 10 === 0) many.rss.push({ after: i + 1, kib: fresh.peak() });
    }
  } finally {
    await fresh.stop();
  }

  log(`bench: eic cp vs scp through eic proxy, ${MB} MiB each way`);
  const cp = await cpBench({ sb, env, tmp, MB });

  log('bench: connection sharing of the eic ssh-config block');
  const cm = await controlMasterBench({ sb, env, tmp });

  log('bench: start-up and connect latency');
  const lat = { version: [], node: [], connect: [], connectFirst: [], direct: [], list: [], nodeCas: [], versionCas: [], phases: '' };
  for (let i = 0; i < LAT_REPS; i++) {
    lat.node.push((await timed(process.execPath, ['-e', '0'])).ms);
    if (machineCas) {
      const casEnv = { ...env, NODE_EXTRA_CA_CERTS: machineCas };
      lat.nodeCas.push((await timed(process.execPath, ['-e', '0'], { env: casEnv })).ms);
      lat.versionCas.push((await timed(process.execPath, [EIC, '--version'], { env: casEnv })).ms);
    }
    lat.direct.push((await cases['OpenSSH direct']('true')).ms);
    lat.version.push((await timed(process.execPath, [EIC, '--version'])).ms);
    lat.list.push((await timed(process.execPath, [EIC, 'list'])).ms);
    // The target is for the command as typed; -v (its phase breakdown, and the redaction of
    // every debug line) is a run of its own.
    lat.connect.push((await timed(process.execPath, [EIC, 'ssh', inst, '--', 'true'])).ms);
    // The same with an empty code cache, as the first run of a newly installed eic finds it.
    const firstEnv = { ...env, XDG_CACHE_HOME: join(tmp, `cache-first-${i}`) };
    lat.connectFirst.push((await timed(process.execPath, [EIC, 'ssh', inst, '--', 'true'], { env: firstEnv })).ms);
    const v = await timed(process.execPath, [EIC, 'ssh', '-v', inst, '--', 'true']);
    lat.phases = v.stderr.split('\n').find((l) => l.includes('timing:')) ?? lat.phases;
  }
  log('bench: latency per Node version');
  const nodes = await measureNodes({ eic: EIC, inst, env, reps: LAT_REPS });
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version,
    ssh: spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim(),
    date: new Date().toISOString().slice(0, 10),
  };
  writeResults(join(root, 'bench', 'RESULTS.md'), { MB, REPS, SLOW_MB, results, floor, slow, many, cp: cp.rows, cm, lat: {
    reps: LAT_REPS, version: median(lat.version), node: median(lat.node), connect: median(lat.connect), connectFirst: median(lat.connectFirst), direct: median(lat.direct), list: median(lat.list),
    ...(machineCas ? { cas: { file: machineCas, node: median(lat.nodeCas), version: median(lat.versionCas) } } : {}), phases: lat.phases.replace(/^debug: /, ''),
  }, nodes, machine });
  log('bench: wrote bench/RESULTS.md');
} finally {
  await tunnel?.stop();
  await sb.close();
  removeTree(tmp);
}
