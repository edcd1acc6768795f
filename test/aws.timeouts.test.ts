// needs: ssh
// Every AWS API call has a bounded time: against real local TCP servers that accept and never
// answer, or answer a trickle that never ends, `eic list` and `eic proxy` (under OpenSSH's
// ProxyCommand) end with one "timed out" line instead of hanging. --cli-connect-timeout and
// --cli-read-timeout (seconds, as the AWS CLI names them) set the limits; the defaults are
// tested at a twentieth of their length (EIC_TEST_AWS_TIMEOUT_SCALE).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { needs } from './helpers/tools.js';
import { finished, proxyCommand, runEic, tempHome } from './helpers/tunnel-harness.js';

let silent: Server;
let trickle: Server;
const sockets = new Set<Socket>();
const timers = new Set<NodeJS.Timeout>();
let home: ReturnType<typeof tempHome>;

async function listen(onSocket: (s: Socket) => void): Promise<Server> {
  const server = createServer((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); onSocket(s); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

before(async () => {
  home = tempHome();
  // Reads the request and never says a word.
  silent = await listen((s) => s.resume());
  // Starts an answer at once and never finishes it: a read timeout alone would wait forever.
  trickle = await listen((s) => {
    s.resume();
    s.write('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n');
    const t = setInterval(() => s.write('X-Wait: 1\r\n'), 200);
    timers.add(t);
    s.on('close', () => { clearInterval(t); timers.delete(t); });
  });
});
after(() => {
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  silent.close();
  trickle.close();
  home.cleanup();
});

function envFor(server: Server): NodeJS.ProcessEnv {
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    PATH: process.env.PATH, HOME: home.home, AWS_EC2_METADATA_DISABLED: 'true', EIC_SSH_SYSTEM_CONFIG: '/dev/null',
    AWS_CONFIG_FILE: `${home.home}/none`, AWS_SHARED_CREDENTIALS_FILE: `${home.home}/none`,
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLETIMEOUT01', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_EC2: url, AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: url,
  };
}

// The tests wait on timeouts, not on the CPU: they run at once, each against its own eic.
describe('every AWS call has a bounded time', { concurrency: true }, () => {
  test('eic list against an API that never answers: the read timeout, one "timed out" line, exit 1', async () => {
    // The whole call may take 61 s: what ends it here is the socket's 1 s of silence (after the SDK's retries).
    const r = await runEic(['list', '--cli-read-timeout', '1', '--cli-connect-timeout', '60'], envFor(silent));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^eic: DescribeInstances timed out: the request socket timed out after 1000 ms of inactivity.* \(check the network and the region.*--cli-read-timeout/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  test('an answer that trickles forever is cut at the whole call\'s limit (connect + read)', async () => {
    const r = await runEic(['list', '--cli-connect-timeout', '1', '--cli-read-timeout', '1'], envFor(trickle));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^eic: DescribeInstances timed out: no answer within 2 s/);
  });

  // The defaults themselves (10 s + 20 s = 30 s a call), shortened twentyfold through the
  // test-only EIC_TEST_AWS_TIMEOUT_SCALE: no option is given, so only the defaults can end it.
  const SCALE = 0.05;

  test('with only the defaults, an answer that trickles forever is cut at their sum (30 s, scaled), one line, exit 1', async () => {
    const r = await runEic(['list'], { ...envFor(trickle), EIC_TEST_AWS_TIMEOUT_SCALE: String(SCALE) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^eic: DescribeInstances timed out: no answer within ${30 * SCALE} s \\(check the network`));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  test('with only the defaults, eic proxy under ssh against an API that never answers: ssh ends with eic\'s line, exit 255', async () => {
    const child = spawn('ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `ProxyCommand=${proxyCommand()}`,
      'ec2-user@i-0123456789abcdef0', 'true'], { env: { ...envFor(silent), EIC_TEST_AWS_TIMEOUT_SCALE: String(SCALE) }, stdio: ['pipe', 'pipe', 'pipe'] });
    const done = finished(child);
    child.stdin!.end();
    const r = await done;
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /^eic: Describe\w+ timed out/m);
  });

  test('eic proxy as ssh\'s ProxyCommand against an API that never answers: ssh ends with eic\'s line, no hang', async () => {
    const child = spawn('ssh', ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `ProxyCommand=${proxyCommand('--cli-read-timeout 1 ')}`,
      'ec2-user@i-0123456789abcdef0', 'true'], { env: envFor(silent), stdio: ['pipe', 'pipe', 'pipe'] });
    const done = finished(child);
    child.stdin!.end();
    const r = await done;
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /^eic: Describe\w+ timed out/m);
  });

  test('an API whose connections are never accepted: the connect timeout, one "timed out" line, exit 1', needs('python3'), async () => {
    // A listener with a backlog of 0 that never accepts: once one connection fills its queue,
    // Linux drops further SYNs, so a connect hangs on loopback as it would to a silent network.
    const py = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()'],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    const filler: Socket[] = [];
    try {
      const port = Number(await new Promise<string>((resolve) => py.stdout!.once('data', (d: Buffer) => resolve(d.toString()))));
      await new Promise<void>((resolve, reject) => {
        const first = connect(port, '127.0.0.1', () => resolve());
        first.on('error', reject);
        filler.push(first);
      });
      const url = `http://127.0.0.1:${port}`;
      const r = await runEic(['list', '--cli-connect-timeout', '1', '--cli-read-timeout', '0'],
        { ...envFor(silent), AWS_ENDPOINT_URL_EC2: url, AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: url });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^eic: DescribeInstances timed out: [^\n]*(connect|establish)[^\n]*1000 ms after \d attempts \(check/i);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    } finally {
      for (const s of filler) s.destroy();
      py.stdin!.end();
    }
  });

  test('the limits are whole seconds, 0 for none', async () => {
    const r = await runEic(['list', '--cli-read-timeout', 'soon'], envFor(silent));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--cli-read-timeout must be a whole number from 0 to 86400/);
  });
});
