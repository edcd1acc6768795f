// tier: slow
// needs: openssl sshd ssh ssh-keygen
// Slow (~90 s; `tier: slow` keeps it out of `npm run test:fast`). Against endpoints that
// never answer a WebSocket ping (sandbox `answersPings: false`; whether EICE answers is not
// known), `eic proxy` under OpenSSH, `eic tunnel` and `eic ssh -N -L` each hold a connection
// idle for 90 s, longer than eic once allowed a ping to go unanswered, and then carry data.
// The three run at once, so the file pays the 90 s once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { defaultConfig } from '../src/sandbox/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicEnv, finished, proxyCommand, spawnEic, sshClientKit, tempHome, type Finished, type SshClientKit } from './helpers/tunnel-harness.js';

const IDLE_MS = 90_000;

let sb: Sandbox;
let kit: SshClientKit;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;
let id: string;
let echo: Server;
const children: ChildProcess[] = [];

before(async () => {
  const config = defaultConfig();
  config.endpoints = config.endpoints.map((e) => ({ ...e, answersPings: false }));
  sb = await startSandbox({ config, requireSshd: true });
  kit = sshClientKit(sb);
  home = tempHome();
  env = eicEnv(sb, home.home, { EIC_KNOWN_HOSTS: join(home.home, 'known_hosts') });
  id = sb.env.EIC_SANDBOX_INSTANCE;
  echo = createServer((s) => { s.on('error', () => {}); s.pipe(s); });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  echo?.close();
  kit?.cleanup();
  home?.cleanup();
  await sb?.close();
});

const idle = () => new Promise((r) => setTimeout(r, IDLE_MS));

/** Text of a child's stderr so far, and a wait for a pattern in it. */
function stderrOf(child: ChildProcess) {
  let text = '';
  child.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
  return {
    text: () => text,
    async until(re: RegExp): Promise<RegExpExecArray> {
      for (;;) {
        const m = re.exec(text);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`exited before ${re}: ${text}`);
        await new Promise((r) => child.stderr!.once('data', r));
      }
    },
  };
}

/** ssh (with `args`) runs `read l; echo got $l`: the line is written only after the idle time. */
async function sshReadsAfterIdle(args: string[]): Promise<Finished> {
  const child = spawn('ssh', [...args, 'read l; echo "got $l"'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const done = finished(child);
  // Logged in and waiting for the line: nothing crosses the tunnel from here until the write.
  await idle();
  child.stdin!.end('after the idle time\n');
  return done;
}

async function echoAfterIdle(port: number): Promise<string> {
  const sock: Socket = connect({ host: '127.0.0.1', port });
  sock.on('error', () => {});
  let got = '';
  sock.on('data', (d) => { got += d; });
  const roundTrip = async (text: string) => {
    const want = got.length + text.length;
    sock.write(text);
    while (got.length < want) await new Promise((resolve, reject) => { sock.once('data', resolve); sock.once('close', () => reject(new Error(`closed; got ${got}`))); });
  };
  await roundTrip('before;');
  await idle();
  await roundTrip('after');
  sock.destroy();
  return got;
}

test('eic proxy, eic tunnel and eic ssh -N -L stay up 90 s idle through an endpoint that never answers pings', { timeout: 240_000 }, async () => {
  await kit.push(id);
  const viaProxy = sshReadsAfterIdle([...kit.sshOptions(id), '-o', `ProxyCommand=${proxyCommand()}`, `ec2-user@${id}`]);

  const tunnel = spawnEic(['tunnel', id, '--local-port', '0'], env);
  children.push(tunnel);
  const tunnelErr = stderrOf(tunnel);
  let out = '';
  const tunnelPort = await new Promise<number>((resolve) => {
    tunnel.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^Listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  const viaTunnel = sshReadsAfterIdle([...kit.sshOptions(id), '-p', String(tunnelPort), 'ec2-user@127.0.0.1']);

  const echoPort = (echo.address() as { port: number }).port;
  const fwd = spawnEic(['ssh', id, '-N', '-L', `0:127.0.0.1:${echoPort}`], env);
  children.push(fwd);
  const fwdDone = finished(fwd);
  const fwdErr = stderrOf(fwd);
  const fwdPort = Number((await fwdErr.until(/Forwarding 127\.0\.0\.1:(\d+) ->/))[1]);
  const viaForward = echoAfterIdle(fwdPort);

  const [p, t, f] = await Promise.all([viaProxy, viaTunnel, viaForward]);
  assert.equal(p.code, 0, `eic proxy: ${p.stderr}`);
  assert.equal(p.stdout.toString(), 'got after the idle time\n');
  assert.equal(t.code, 0, `eic tunnel: ${t.stderr}; eic: ${tunnelErr.text()}`);
  assert.equal(t.stdout.toString(), 'got after the idle time\n');
  assert.equal(f, 'before;after');
  assert.doesNotMatch(fwdErr.text(), /tunnel ended|reconnected|attempt/, 'eic ssh -N kept its first tunnel');
  assert.doesNotMatch(tunnelErr.text(), /lost|failed/);
  tunnel.kill('SIGTERM');
  fwd.kill('SIGINT');
  // Stopped by the signal (255, as OpenSSH), not by a lost tunnel.
  const f2 = await fwdDone;
  assert.doesNotMatch(f2.stderr, /tunnel ended|lost/, f2.stderr);
});
