// `node bench/ssh-ciphers.mjs [MiB]` (after a build): ssh2's client cost per cipher, reading
// `head -c N /dev/zero` from a real sshd over plain TCP (no tunnel). Reported as MB per
// CPU-second of this process as well as wall-clock MB/s: on a shared, loaded machine the
// CPU figure is the one that compares ciphers fairly. This picked PREFERRED_CIPHERS
// (src/ssh/session.ts).
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd } from '../dist/test/helpers/sshd.js';
import { generateSessionKey } from '../dist/src/ssh/keys.js';
import { connectSsh } from '../dist/src/ssh/session.js';
import { createHostVerifier } from '../dist/src/ssh/host-verify.js';
import { silentLogger } from '../dist/src/log.js';

const MB = Number(process.argv[2] ?? 256);
const ciphers = ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-gcm@openssh.com'];
const key = generateSessionKey();
const sshd = await startSshd([key.publicLine]);
const dir = mkdtempSync(join(tmpdir(), 'eic-ciphers-'));
const results = Object.fromEntries(ciphers.map((c) => [c, []]));
try {
  for (let rep = 0; rep < 3; rep++) {
    for (const cipher of ciphers) {
      const { client } = await connectSsh({
        sock: connect(sshd.port, sshd.host), username: 'ec2-user', keys: [key], algorithms: { cipher: [cipher] }, logger: silentLogger,
        hostVerifier: createHostVerifier({ file: join(dir, 'known_hosts'), alias: 'bench', mode: 'accept-new', logger: silentLogger }),
      });
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await new Promise((resolve, reject) => client.exec(`head -c ${MB}M /dev/zero`, (err, ch) => {
        if (err) return reject(err);
        ch.on('data', () => {});
        ch.on('close', resolve);
      }));
      const cpu = process.cpuUsage(c0);
      results[cipher].push({ wall: MB / ((performance.now() - t0) / 1000), cpu: MB / ((cpu.user + cpu.system) / 1e6) });
      client.end();
    }
  }
} finally {
  await sshd.close();
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [cipher, runs] of Object.entries(results)) {
  console.log(`${cipher.padEnd(32)} ${median(runs.map((r) => r.cpu)).toFixed(0).padStart(5)} MB per CPU-second  ${median(runs.map((r) => r.wall)).toFixed(0).padStart(5)} MB/s wall`);
}
