// needs: openssl sshd
// `eic proxy`'s contract with ssh: tunnel bytes only on stdout, stdin EOF ends the tunnel and
// exits 0, a tunnel failure exits 255 with its reason, and a terminal on stdin is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Fault } from '../src/sandbox/faults.js';
import { eicBin } from './helpers/paths.js';
import { eicEnv, finished, runEic, spawnEic, useSandboxCli } from './helpers/tunnel-harness.js';
import { until } from './helpers/until.js';

const cli = useSandboxCli();
const endpointId = () => cli.sb.config.endpoints[0].id;

async function tunnelsGone(): Promise<void> {
  await until(() => cli.sb.activeTunnels(endpointId()) === 0, () => `the endpoint's tunnels to close (${cli.sb.activeTunnels(endpointId())} open)`);
}

test('stdout carries the instance\'s bytes only; stdin EOF ends the tunnel and eic exits 0', async () => {
  const child = spawnEic(['proxy', cli.id, '22'], eicEnv(cli.sb, cli.home.home));
  const done = finished(child);
  // Wait for sshd's banner: the tunnel is up and relaying.
  await new Promise<void>((resolve) => {
    let seen = '';
    child.stdout!.on('data', (c: Buffer) => { seen += c.toString('latin1'); if (seen.includes('\n')) resolve(); });
  });
  assert.equal(cli.sb.activeTunnels(endpointId()), 1);
  child.stdin!.end();
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString('latin1'), /^SSH-2\.0-OpenSSH[^\r\n]*\r\n$/);
  assert.equal(r.stderr, '', 'silent without -v');
  await tunnelsGone();
});

test('-v writes diagnostics to stderr, never stdout, with no secrets in them', async () => {
  const r = await runEic(['proxy', '-v', cli.id], eicEnv(cli.sb, cli.home.home));
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout.toString('latin1'), /debug|eice-/);
  assert.match(r.stderr, /debug: endpoint eice-[0-9a-f]+ \(create-complete\)/);
  assert.doesNotMatch(r.stderr, /X-Amz-Signature=[0-9a-f]|X-Amz-Credential=AKIA|sandbox\/secret/);
  await tunnelsGone();
});

const failures: Array<{ name: string; fault: Fault; message: RegExp }> = [
  { name: 'a refused upgrade (message, status and request id)', fault: { kind: 'refuse', status: 403, message: 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ec2-instance-connect:OpenTunnel' },
    message: /403.*not authorized to perform: ec2-instance-connect:OpenTunnel.*request id [0-9a-f-]{36}/ },
  { name: 'a close with a reason', fault: { kind: 'close-after', bytes: 5, code: 1011, reason: 'Unable to connect to target' }, message: /Unable to connect to target.*1011/ },
  { name: 'a text frame', fault: { kind: 'text-frame' }, message: /invalid data/ },
  { name: 'a dropped connection', fault: { kind: 'drop', afterBytes: 5 }, message: /lost/ },
];

for (const f of failures) {
  test(`a tunnel error exits 255 with the reason: ${f.name}`, async () => {
    cli.sb.faults.set(endpointId(), f.fault, { once: true });
    const child = spawnEic(['proxy', cli.id], eicEnv(cli.sb, cli.home.home));
    const done = finished(child); // stdin stays open: the tunnel's end must end eic by itself
    const r = await done;
    child.stdin!.destroy();
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /^eic: /);
    assert.match(r.stderr, f.message);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    await tunnelsGone();
  });
}

test('the instance closing the tunnel normally (1000) ends eic with 0 while stdin is still open', async () => {
  cli.sb.faults.set(endpointId(), { kind: 'close-after', bytes: 5, code: 1000, reason: '' }, { once: true });
  const child = spawnEic(['proxy', cli.id], eicEnv(cli.sb, cli.home.home));
  const r = await finished(child);
  child.stdin!.destroy();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.length, 5, 'what arrived before the close was delivered');
});

test('--max-tunnel-duration is signed into the URL: the endpoint ends the tunnel then, and eic exits 255 saying why', async () => {
  const child = spawnEic(['proxy', cli.id, '--max-tunnel-duration', '1'], eicEnv(cli.sb, cli.home.home));
  const r = await finished(child);
  child.stdin!.destroy();
  assert.equal(r.code, 255, r.stderr);
  assert.match(r.stderr, /maxTunnelDuration of 1 seconds reached/);
  assert.match(r.stdout.toString('latin1'), /^SSH-2\.0-/, 'bytes before the end were delivered');
});

test('the instance port being closed (Unable to connect to target) exits 255 with that reason', async () => {
  const r = await runEic(['proxy', cli.id, '3389'], eicEnv(cli.sb, cli.home.home));
  assert.equal(r.code, 255, r.stderr);
  assert.match(r.stderr, /Unable to connect to target/);
});

test('a terminal on stdin is refused with a one-line hint naming the ssh_config line', async () => {
  // script(1) runs eic on a pseudo-terminal.
  const cmd = `${process.execPath} ${eicBin} proxy ${cli.id} 22`;
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: eicEnv(cli.sb, cli.home.home), stdio: ['pipe', 'pipe', 'pipe'] });
  const done = finished(child);
  const r = await done;
  child.stdin!.destroy();
  const out = r.stdout.toString().replace(/\r/g, '');
  assert.equal(r.code, 255, out);
  assert.match(out, /eic: eic proxy is meant to be run by ssh, not from a terminal \(add "ProxyCommand eic proxy %h %p" to a Host block in ~\/\.ssh\/config/);
  assert.equal(cli.sb.activeTunnels(endpointId()), 0, 'no tunnel was opened');
});
