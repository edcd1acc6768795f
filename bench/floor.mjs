// What the tunnel's byte path costs in Node with nothing of eic in it: the floor that eic's own
// CPU per GiB is measured against in RESULTS.md.
//
// Three processes on loopback, as in the tunnel: a TLS server writing `MB` MiB in 64 KiB writes
// from one reused buffer (all the endpoint must do per byte: encrypt and send), a relay that
// reads it (TLS with `onread` into one reused 16 KiB buffer, as eic does), copies each turn's
// reads into a 256 KiB batch and writes that to a TCP socket or to its stdout, a pipe (all that
// eic tunnel or eic proxy must do per byte, without any WebSocket framing), and a sink that
// discards what it reads from that socket or pipe. Each reports its CPU from the moment
// the TLS connection is up, so the processes' start-up is not in the figures.
//
// Run as a module (nodeFloor) by run.mjs; the roles are this same file run as a child.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as tlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { generateSandboxTls } from '../dist/src/sandbox/tls.js';

const self = fileURLToPath(import.meta.url);
const BATCH = 256 * 1024;
const cpuSince = (c0) => { const u = process.cpuUsage(c0); return (u.user + u.system) / 1e6; };
const report = (m) => process.send(m);

function sender(bytes, keyFile, certFile) {
  const srv = tlsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile), ciphers: 'TLS_AES_128_GCM_SHA256' }, (s) => {
    const c0 = process.cpuUsage();
    const buf = Buffer.alloc(64 * 1024, 0x5a);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += buf.length;
        if (!s.write(buf)) return void s.once('drain', pump);
      }
      s.end();
    };
    s.on('close', () => { report({ cpu: cpuSince(c0) }); srv.close(); });
    pump();
  });
  srv.listen(0, '127.0.0.1', () => report({ port: srv.address().port }));
}

/** `sinkPort` 0: write to stdout, a pipe to the sink (as eic proxy writes to ssh). */
function relay(tlsPort, sinkPort) {
  const out = sinkPort ? netConnect({ port: sinkPort, host: '127.0.0.1' }) : process.stdout;
  const spare = [];
  let batch = Buffer.allocUnsafeSlow(BATCH);
  let length = 0;
  let queued = false;
  let c0;
  let t0;
  const flush = () => {
    queued = false;
    if (length === 0) return;
    const full = batch;
    out.write(full.subarray(0, length), () => { if (spare.length < 4) spare.push(full); });
    batch = spare.pop() ?? Buffer.allocUnsafeSlow(BATCH);
    length = 0;
  };
  const onRead = (n, buf) => {
    for (let off = 0; off < n;) {
      const k = buf.copy(batch, length, off, n);
      length += k;
      off += k;
      if (length === BATCH) flush();
    }
    if (!queued) { queued = true; setImmediate(flush); }
    if (out.writableLength > BATCH && !s.isPaused()) { s.pause(); out.once('drain', () => s.resume()); }
    return true;
  };
  const s = tlsConnect({ port: tlsPort, host: '127.0.0.1', rejectUnauthorized: false, onread: { buffer: Buffer.alloc(16 * 1024), callback: onRead } });
  s.on('secureConnect', () => { c0 = process.cpuUsage(); t0 = performance.now(); });
  s.on('end', () => { flush(); out.end(() => report({ cpu: cpuSince(c0), secs: (performance.now() - t0) / 1000 })); });
}

function sink(fromStdin) {
  const drain = (s, done) => {
    let c0;
    s.on('data', () => { c0 ??= process.cpuUsage(); });
    s.on('end', () => { report({ cpu: cpuSince(c0) }); done?.(); });
  };
  if (fromStdin) return void drain(process.stdin);
  const srv = netServer((s) => drain(s, () => srv.close()));
  srv.listen(0, '127.0.0.1', () => report({ port: srv.address().port }));
}

const next = (child) => new Promise((resolve, reject) => {
  child.once('message', resolve);
  child.once('exit', (code) => reject(new Error(`bench/floor.mjs ${child.spawnargs.slice(-3).join(' ')} exited ${code}`)));
});

/**
 * Send `MB` MiB through sender → relay → sink, the last leg over TCP or (`pipe`) a pipe; resolves
 * with the relay's MB/s and each process's CPU seconds per GiB. The sender's key and certificate
 * (made as the sandbox makes its own) go to `dir`.
 */
export async function nodeFloor({ MB, dir, pipe = false }) {
  const tls = await generateSandboxTls();
  const keyFile = join(dir, 'floor-key.pem');
  const certFile = join(dir, 'floor-cert.pem');
  writeFileSync(keyFile, tls.keyPem, { mode: 0o600 });
  writeFileSync(certFile, tls.certPem);
  const bytes = MB * 1024 * 1024;
  const children = [];
  const start = (args, stdio = ['ignore', 'ignore', 'inherit', 'ipc']) => {
    const c = fork(self, args, { stdio });
    children.push(c);
    return c;
  };
  try {
    const snd = start(['sender', String(bytes), keyFile, certFile]);
    let rel;
    let snk;
    if (pipe) {
      // As ssh and its ProxyCommand: one pipe from the relay's stdout to the sink's stdin.
      const { port: tlsPort } = await next(snd);
      rel = start(['relay', String(tlsPort), '0'], ['ignore', 'pipe', 'inherit', 'ipc']);
      snk = start(['sink', 'stdin'], [rel.stdout, 'ignore', 'inherit', 'ipc']);
      rel.stdout.destroy(); // ours was only to hand on
    } else {
      snk = start(['sink']);
      const [{ port: tlsPort }, { port: sinkPort }] = await Promise.all([next(snd), next(snk)]);
      rel = start(['relay', String(tlsPort), String(sinkPort)]);
    }
    const [s, r, k] = await Promise.all([next(snd), next(rel), next(snk)]);
    const perGiB = (cpu) => cpu / (MB / 1024);
    return { mbps: MB / r.secs, sender: perGiB(s.cpu), relay: perGiB(r.cpu), sink: perGiB(k.cpu) };
  } finally {
    for (const c of children) c.kill();
  }
}

const [role, ...args] = process.argv.slice(2);
if (process.send && role === 'sender') sender(Number(args[0]), args[1], args[2]);
else if (process.send && role === 'relay') relay(Number(args[0]), Number(args[1]));
else if (process.send && role === 'sink') sink(args[0] === 'stdin');
