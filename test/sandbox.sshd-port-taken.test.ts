// needs: sshd
/**
 * A port found free can be taken by another process before the sandbox's sshd binds it (every
 * process on the machine draws from the same ports: other test files' sandboxes, any
 * connection's local end). The sandbox then takes another port instead of failing to start.
 * The race is made certain here: the first "free" port handed to sshd is held by a listener.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { generateEd25519Pem } from '../src/ed25519.js';
import { silentLogger } from '../src/log.js';
import { removeTree } from '../src/remove-tree.js';
import { freePort, startSshd, type SshdOptions } from '../src/sandbox/sshd.js';
import { createWorkDir, writeKeysCommand } from '../src/sandbox/workdir.js';

let dir: string;
let taken: Server;
let takenPort: number;

before(async () => {
  dir = createWorkDir(true);
  taken = createServer((s) => s.destroy());
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  takenPort = (taken.address() as { port: number }).port;
});
after(async () => {
  taken?.close();
  if (dir) removeTree(dir);
});

const options = (over: Partial<SshdOptions>): SshdOptions => ({
  instanceId: 'i-0123456789abcdef0', dir, keysCommand: writeKeysCommand(dir, 'http://127.0.0.1:9'),
  hostKeyPem: generateEd25519Pem().privatePem, logger: silentLogger, ...over,
});

test('sshd takes another port when the free one it was given is taken before it binds', async () => {
  const handed: number[] = [];
  const pickPort = async () => {
    const port = handed.length === 0 ? takenPort : await freePort();
    handed.push(port);
    return port;
  };
  const sshd = await startSshd(options({ pickPort }));
  try {
    assert.equal(handed.length, 2, 'a second port was picked');
    assert.equal(handed[0], takenPort);
    assert.equal(sshd.port, handed[1]);
    const banner = await new Promise<string>((resolve, reject) => {
      const s = connect(sshd.port, '127.0.0.1');
      s.once('data', (d: Buffer) => { resolve(d.toString()); s.destroy(); });
      s.once('error', reject);
    });
    assert.match(banner, /^SSH-2\.0-OpenSSH/);
  } finally {
    await sshd.stop();
  }
});

test('a fixed port that is taken still fails: the caller decides (a restart keeps its address when it can)', async () => {
  await assert.rejects(startSshd(options({ port: takenPort })), /Address already in use/);
});
