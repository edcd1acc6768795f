// Turns one benchmark run into bench/RESULTS.md: figures, same-run ratios, targets met or not.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderControlMaster } from './control-master.mjs';
import { nodeVersionsSection } from './node-versions.mjs';

const mib = (kib) => (kib / 1024).toFixed(1);
const ok = (pass) => (pass ? 'met' : '**missed**');
/** Issue 3's memory target (≤ 64 MiB) is for eic proxy and eic tunnel; issue 4 sets none for eic ssh. */
const hasRssTarget = (name) => name.includes('eic proxy') || name.includes('eic tunnel');

export function writeResults(file, { MB, REPS, SLOW_MB, results, floor, slow, many, cp, cm, lat, nodes, machine }) {
  const direct = results['OpenSSH direct'].mbps;
  const naive = results['ssh + naive ws relay'].mbps;
  const rows = Object.entries(results).map(([name, r]) => {
    const ratio = r.mbps / direct;
    const isEic = name.includes('eic');
    const target = isEic ? `${ok(ratio >= 0.75 && r.mbps > naive)} (≥ 0.75×, > naive)` : '';
    const rss = name === 'OpenSSH direct' ? '–' : `${mib(r.rss)} MiB${hasRssTarget(name) ? ` (${ok(r.rss <= 64 * 1024)})` : ''}`;
    const cpu = r.cpuPerGiB === undefined ? '–' : `${r.cpuPerGiB.toFixed(2)} s`;
    const aws = name === 'OpenSSH direct' ? '–' : `${r.sbCpuPerGiB.toFixed(2)} s`;
    return `| ${name} | ${r.mbps.toFixed(0)} | ${ratio.toFixed(2)}× | ${(r.mbps / naive).toFixed(2)}× | ${cpu} | ${aws} | ${rss} | ${target} |`;
  });
  const slowRows = Object.entries(slow).map(([name, s]) =>
    `| ${name} | ${(s.bytes / 1048576).toFixed(0)} MiB | ${mib(s.rssKiB)} MiB | ${hasRssTarget(name) ? ok(s.rssKiB <= 64 * 1024) : 'no target'} |`);
  const cpRate = Object.fromEntries(cp.map((r) => [r.name, r.mbps]));
  const cpRows = ['upload', 'download'].map((dir) => {
    const eic = cpRate[`eic cp ${dir}`];
    const scp = cpRate[`scp + eic proxy ${dir}`];
    return `| ${dir} | ${eic.toFixed(0)} | ${scp.toFixed(0)} | ${(eic / scp).toFixed(2)}× |`;
  });
  const cpuOf = (name) => results[name].cpuPerGiB.toFixed(2);
  const awsOf = (name) => results[name].sbCpuPerGiB.toFixed(2);
  const previousNotes = notesOf(file);
  const text = `# Benchmark results

Produced by \`npm run bench\` (bench/run.mjs); every figure below comes from one run, on one
machine, against the same sandbox and sshd. Ratios are the point: the machines are shared.

Machine: ${machine.cores} × ${machine.cpu}, Node ${machine.node}, ${machine.ssh}. Run on ${machine.date}.

## Throughput: ${MB} MiB from the instance (median of ${REPS}, connection setup subtracted)

Each case runs \`head -c ${MB}M /dev/zero\` on the instance with stdout to /dev/null locally.
Setup time (a run of \`true\`) is measured in the same round and subtracted, so MB/s is the
steady-state rate. CPU is the user + system time of the eic process (or the naive relay) per
GiB, setup subtracted: the figure the machine's noise moves least. "AWS side" is the CPU the
sandbox (the stand-in for the endpoint, run by the benchmark itself) spent per GiB on the same
two cores; on AWS that work happens elsewhere. RSS is the eic process's peak; ≤ 64 MiB is issue
3's target for eic proxy and eic tunnel (issue 4 sets none for eic ssh).

| path | MB/s | vs OpenSSH direct | vs naive relay | CPU per GiB | AWS side CPU per GiB | peak RSS | target |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

## The floor: Node's TLS and sockets with nothing of eic (${MB} MiB, median of 3)

bench/floor.mjs runs the tunnel's byte path in three bare Node processes on loopback: a TLS
server writing 64 KiB at a time from one buffer, a relay that reads it (\`onread\` into one
reused buffer, as eic does), copies each turn's reads into a 256 KiB batch and writes that to a
TCP socket or to a pipe, with no WebSocket framing at all, and a sink that discards. CPU is
counted from the TLS handshake on. It is what the byte path costs in Node with nothing else in
it, in eic's place and in the endpoint's; the right-hand column is what eic and the sandbox spent
in the table above.

| process | work per byte | CPU per GiB | in the tunnel above |
|---|---|---|---|
| relay to TCP | TLS read and decrypt, copy, TCP write | ${floor.tcp.relay.toFixed(2)} s | eic tunnel ${cpuOf('ssh + eic tunnel')} s |
| relay to a pipe | TLS read and decrypt, copy, pipe write | ${floor.pipe.relay.toFixed(2)} s | eic proxy ${cpuOf('ssh + eic proxy')} s |
| TLS sender | encrypt, TLS write | ${floor.tcp.sender.toFixed(2)} s | the sandbox's endpoint (and its TCP reads) ${awsOf('ssh + eic tunnel')} s |
| sink | TCP read / pipe read | ${floor.tcp.sink.toFixed(2)} s / ${floor.pipe.sink.toFixed(2)} s | |

The three alone move ${floor.tcp.mbps.toFixed(0)} MB/s through the relay to TCP, ${floor.pipe.mbps.toFixed(0)} MB/s to a pipe.

## Memory with a slow reader (~10 MB/s), ${SLOW_MB} MiB

| path | read | peak RSS of eic | ≤ 64 MiB |
|---|---|---|---|
${slowRows.join('\n')}

## Memory over many connections: one eic tunnel, ${many.connections} connections of ${many.mb} MiB one after another

| after | peak RSS of eic tunnel | ≤ 64 MiB |
|---|---|---|
${many.rss.map((r) => `| ${r.after} connections | ${mib(r.kib)} MiB | ${ok(r.kib <= 64 * 1024)} |`).join('\n')}

## eic cp vs OpenSSH scp through eic proxy (${MB} MiB file)

| direction | eic cp MB/s | scp + eic proxy MB/s | eic cp / scp |
|---|---|---|---|
${cpRows.join('\n')}

## Start-up and connect latency (median of ${lat.reps}, whole process, cold)

| what | ms | target |
|---|---|---|
| \`node -e 0\` (the floor) | ${lat.node.toFixed(0)} | |
| \`eic --version\` | ${lat.version.toFixed(0)} | ${ok(lat.version <= 100)} (≤ 100 ms) |
| \`eic list\` | ${lat.list.toFixed(0)} | |
| \`eic ssh <instance> -- true\` | ${lat.connect.toFixed(0)} | ${ok(lat.connect <= 500)} (≤ 500 ms) |
| the same, the first run after an install (no code cache yet) | ${lat.connectFirst.toFixed(0)} | |
| OpenSSH direct \`ssh … true\` (no tunnel, no AWS calls; the instance's own share) | ${lat.direct.toFixed(0)} | |
${lat.cas ? `| \`node -e 0\` with this machine's NODE_EXTRA_CA_CERTS (${lat.cas.file}) | ${lat.cas.node.toFixed(0)} | |
| \`eic --version\` with it | ${lat.cas.version.toFixed(0)} | |
` : ''}
Every process runs without NODE_EXTRA_CA_CERTS (eic reads the sandbox's CA from AWS_CA_BUNDLE):
when it is set, Node 20 parses all its root certificates at start, before any of eic's code.
Every eic run but those of the "first run" row finds the V8 code cache that eic keeps in the
user's cache directory (made by the benchmark's own first runs; README, "Start-up"); each
"first run" has an empty cache directory of its own, and leaves a cache there that nothing uses.

Phases of one \`eic ssh -v … -- true\`: ${lat.phases || 'n/a'}

${nodeVersionsSection(nodes, lat.reps)}
${renderControlMaster(cm)}
${previousNotes}`;
  writeFileSync(file, text);
}

/** Keep the hand-written analysis (from "## What limits it" on) across runs. */
function notesOf(file) {
  try {
    const old = readFileSync(file, 'utf8');
    const i = old.indexOf('## What limits it');
    return i >= 0 ? old.slice(i) : '## What limits it\n\n(to be written after profiling)\n';
  } catch {
    return '## What limits it\n\n(to be written after profiling)\n';
  }
}
