// needs: openssl sshd
/**
 * `eic doctor --port 3389` through the real CLI against the sandbox: an instance whose port
 * 3389 is a silent TCP server (an RDP server waits for its client), with security groups that
 * allow it. The report says what was checked (the tunnel opened: the endpoint reached the port)
 * and what was not (the RDP handshake, "not checked", ok null in --json), and exits 0; with
 * nothing on 3389 the tunnel step fails, exit 1, and no handshake step follows.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { defaultConfig, type SandboxConfig } from '../src/sandbox/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicEnv, runEic, tempHome } from './helpers/tunnel-harness.js';

const VPC1 = 'vpc-0a1b2c3d4e5f60001';
const EICE_SG = 'sg-0e1ce0000000000a1';
const RDP_SG = 'sg-0a00000000000d0a1';

function world(rdpPort: number): SandboxConfig {
  const c = defaultConfig();
  const rdp = { protocol: 'tcp', fromPort: 3389, toPort: 3389 };
  c.securityGroups.find((g) => g.id === EICE_SG)!.egress.push({ ...rdp, cidr: '10.0.0.0/16' });
  c.securityGroups.push({ id: RDP_SG, vpcId: VPC1, name: 'rdp-from-eice', ingress: [{ ...rdp, sourceSecurityGroupId: EICE_SG }], egress: [{ protocol: '-1', cidr: '0.0.0.0/0' }] });
  const inst = (id: string, name: string, ip: string) => ({ id, name, state: 'running' as const, subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: ip, osUsers: ['ec2-user'], securityGroupIds: [RDP_SG] });
  c.instances.push(
    { ...inst('i-0a00000000000d0a1', 'windows', '10.0.1.70'), services: { 3389: `127.0.0.1:${rdpPort}` } },
    inst('i-0a00000000000d0a2', 'rdp-down', '10.0.1.71'),
  );
  return c;
}

describe('eic doctor --port 3389 (sandbox)', () => {
  let rdp: Server;
  const accepted: Socket[] = [];
  let bytesIn = 0;
  let sb: Sandbox;
  let home: ReturnType<typeof tempHome>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    // Accepts and never speaks first, as an RDP server; counts what a client sends it.
    rdp = createServer((s) => { accepted.push(s); s.on('data', (d: Buffer) => { bytesIn += d.length; }); s.on('error', () => {}); });
    await new Promise<void>((r) => rdp.listen(0, '127.0.0.1', () => r()));
    sb = await startSandbox({ config: world((rdp.address() as { port: number }).port), requireSshd: true });
    home = tempHome();
    env = eicEnv(sb, home.home);
  });
  after(async () => {
    for (const s of accepted) s.destroy();
    rdp?.close();
    await sb?.close();
    home?.cleanup();
  });

  it('says the tunnel reached the port and the RDP handshake was not checked; exit 0', async () => {
    const r = await runEic(['doctor', '--port', '3389', 'windows'], env);
    const out = r.stdout.toString();
    assert.equal(r.code, 0, out + r.stderr);
    const lines = out.trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => l.slice(0, 2)), ['✔ ', '✔ ', '✔ ', '✔ ', '✔ ', '– ', '  ', 'al']);
    assert.match(lines[4], /^✔ tunnel {11}open through eice-0123456789abcdef0 to 10\.0\.1\.70:3389: the endpoint reached port 3389, and the connection was still open after 3 s \(an RDP server waits for its client to speak first\)$/);
    assert.equal(lines[5], '– rdp handshake    not checked: eic doctor does not speak RDP, so whether an RDP server answers on port 3389 and accepts a login is untested');
    assert.match(lines[6], /^ {19}to check it: connect an RDP client to localhost:13389 while eic tunnel windows --remote-port 3389 --local-port 13389 runs$/);
    assert.equal(lines[7], 'all 5 steps passed; not checked: rdp handshake');
    assert.doesNotMatch(out, /key push|ssh banner|authentication/);
    assert.equal(accepted.length, 1, 'the tunnel reached the service on 3389');
    assert.equal(bytesIn, 0, 'no RDP bytes were sent');
  });

  it('--json carries the same: five steps ok, the handshake ok null', async () => {
    const r = await runEic(['doctor', '--port', '3389', '--json', 'windows'], env);
    assert.equal(r.code, 0, r.stderr);
    const steps = JSON.parse(r.stdout.toString()) as Array<{ name: string; ok: boolean | null; found: string; fix: string | null }>;
    assert.deepEqual(steps.map((s) => [s.name, s.ok]), [
      ['credentials', true], ['instance', true], ['endpoint', true], ['security-groups', true], ['tunnel', true], ['rdp-handshake', null],
    ]);
    assert.match(steps[4].found, /the endpoint reached port 3389/);
    assert.match(steps[5].found, /does not speak RDP/);
    assert.match(steps[5].fix ?? '', /eic tunnel windows --remote-port 3389/);
  });

  it('nothing on 3389: the tunnel step fails, no handshake step, exit 1', async () => {
    const r = await runEic(['doctor', '--port', '3389', 'rdp-down'], env);
    const out = r.stdout.toString();
    assert.equal(r.code, 1, out + r.stderr);
    assert.match(out, /^✔ security groups .*let tcp 3389 in from the endpoint's group$/m);
    assert.match(out, /^✗ tunnel {11}the endpoint opened the tunnel, then closed it: .*Unable to connect to target/m);
    assert.match(out, /fix: the security groups allow it, so: the RDP service is not running or not listening on port 3389/);
    assert.doesNotMatch(out, /rdp handshake/);
    assert.match(out, /^1 of 5 steps failed; the last one was not run$/m);
    const json = await runEic(['doctor', '--port', '3389', '--json', 'rdp-down'], env);
    assert.equal(json.code, 1);
    const steps = JSON.parse(json.stdout.toString()) as Array<{ name: string; ok: boolean | null }>;
    assert.deepEqual(steps.map((s) => [s.name, s.ok]).slice(-1), [['tunnel', false]]);
  });
});
