// needs: openssl sshd
/**
 * An instance's security group may let the endpoint in by the endpoint's own private address
 * rather than by its group. eic learns that address from the endpoint's NetworkInterfaceIds
 * through DescribeNetworkInterfaces, so through the real CLI against the sandbox (real sshd):
 * a rule for the endpoint's /32 counts as allowing (doctor ✔, ssh works), a rule for another
 * address does not (the missing rule is named, as the sandbox indeed closes with 1011); when
 * DescribeNetworkInterfaces is denied eic names that permission and keeps the "may admit" of
 * before; under preserveClientIp the client's address counts, not the endpoint's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultConfig, type SandboxConfig } from '../src/sandbox/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicEnv, runEic, tempHome } from './helpers/tunnel-harness.js';

const VPC1 = 'vpc-0a1b2c3d4e5f60001';
const SUBNET_A1 = 'subnet-0aaa00000000000a1';
const EICE_SG = 'sg-0e1ce0000000000a1';
/** Given in the config so the test knows it; eic reads it only from DescribeNetworkInterfaces. */
const EP_IP = '10.0.1.5';
const BY_ADDRESS = 'sg-0a00000000000e0a1';
const OTHER_ADDRESS = 'sg-0a00000000000e0a2';
const PVPC = 'vpc-0a1b2c3d4e5f60005';
const PSUBNET = 'subnet-0eee00000000000e1';
const PEP_IP = '10.5.1.5';
const P_EICE_SG = 'sg-0a00000000000e0b0';
const P_BY_ENDPOINT = 'sg-0a00000000000e0b1';
const P_BY_CLIENT = 'sg-0a00000000000e0b2';

function world(): SandboxConfig {
  const c = defaultConfig();
  c.endpoints[0].privateIpAddress = EP_IP;
  const ssh = (cidr: string) => ({ protocol: 'tcp', fromPort: 22, toPort: 22, cidr });
  const out = [{ protocol: '-1', cidr: '0.0.0.0/0' }];
  c.securityGroups.push(
    { id: BY_ADDRESS, vpcId: VPC1, name: 'ssh-from-eice-address', ingress: [ssh(`${EP_IP}/32`)], egress: out },
    { id: OTHER_ADDRESS, vpcId: VPC1, name: 'ssh-from-elsewhere', ingress: [ssh('10.0.1.6/32')], egress: out },
  );
  const inst = (id: string, name: string, subnetId: string, ip: string, group: string) =>
    ({ id, name, state: 'running' as const, subnetId, privateIpAddress: ip, osUsers: ['ec2-user'], securityGroupIds: [group] });
  c.instances.push(
    inst('i-0a00000000000e0a1', 'by-address', SUBNET_A1, '10.0.1.60', BY_ADDRESS),
    inst('i-0a00000000000e0a2', 'other-address', SUBNET_A1, '10.0.1.61', OTHER_ADDRESS),
  );
  // A VPC whose endpoint preserves the client's address: the instance sees the client, not the endpoint.
  c.vpcs.push({ id: PVPC, cidr: '10.5.0.0/16' });
  c.subnets.push({ id: PSUBNET, vpcId: PVPC, availabilityZone: 'us-east-1a', cidr: '10.5.1.0/24' });
  c.endpoints.push({ id: 'eice-0a00000000000e0b0', subnetId: PSUBNET, state: 'create-complete', preserveClientIp: true, privateIpAddress: PEP_IP, securityGroupIds: [P_EICE_SG] });
  c.securityGroups.push(
    { id: P_EICE_SG, vpcId: PVPC, name: 'eice-preserve', ingress: [], egress: out },
    { id: P_BY_ENDPOINT, vpcId: PVPC, name: 'ssh-from-endpoint-address', ingress: [ssh(`${PEP_IP}/32`)], egress: out },
    // The client reaches the sandbox over loopback, either family.
    { id: P_BY_CLIENT, vpcId: PVPC, name: 'ssh-from-client', ingress: [ssh('127.0.0.0/8'), ssh('::1/128')], egress: out },
  );
  c.instances.push(
    inst('i-0a00000000000e0b1', 'pc-endpoint-address', PSUBNET, '10.5.1.60', P_BY_ENDPOINT),
    inst('i-0a00000000000e0b2', 'pc-client-address', PSUBNET, '10.5.1.61', P_BY_CLIENT),
  );
  return c;
}

describe("the endpoint's own address in the instance's security group (sandbox, real sshd)", () => {
  let sb: Sandbox;
  let home: ReturnType<typeof tempHome>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    sb = await startSandbox({ config: world(), requireSshd: true });
    home = tempHome();
    env = eicEnv(sb, home.home);
  });
  after(async () => {
    await sb?.close();
    home?.cleanup();
  });

  it("a rule for the endpoint's /32 allows it: doctor passes every step, eic ssh connects", async () => {
    const doctor = await runEic(['doctor', 'by-address'], env);
    const out = doctor.stdout.toString();
    assert.equal(doctor.code, 0, out + doctor.stderr);
    assert.match(out, new RegExp(`^✔ security groups .*the instance's security groups let tcp 22 in from the endpoint's address ${EP_IP.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(out, /^all 8 steps passed$/m);
    const ssh = await runEic(['ssh', 'by-address', '--', 'echo', 'in'], env);
    assert.equal(ssh.code, 0, ssh.stderr);
    assert.equal(ssh.stdout.toString(), 'in\n');
  });

  it('a rule for another address does not: the missing rule is named, and the tunnel indeed fails', async () => {
    const doctor = await runEic(['doctor', 'other-address'], env);
    assert.equal(doctor.code, 1, doctor.stderr);
    assert.match(doctor.stdout.toString(), new RegExp(`^✗ security groups .*the instance's security group ${OTHER_ADDRESS} \\(ssh-from-elsewhere\\) has no inbound rule for tcp 22 from the endpoint's security group ${EICE_SG} \\(eice\\) or its address 10\\.0\\.1\\.5$`, 'm'));
    const ssh = await runEic(['ssh', 'other-address', '--', 'true'], env);
    assert.equal(ssh.code, 255, ssh.stderr);
    assert.match(ssh.stderr, /Unable to connect to target \(code 1011\): the instance's security group \S+ \(ssh-from-elsewhere\) has no inbound rule for tcp 22 from the endpoint's security group \S+ \(eice\) or its address 10\.0\.1\.5 /);
    assert.ok(ssh.stderr.includes(`aws ec2 authorize-security-group-ingress --group-id ${OTHER_ADDRESS} --protocol tcp --port 22 --source-group ${EICE_SG}`), ssh.stderr);
  });

  it('without ec2:DescribeNetworkInterfaces: names the permission, and an address rule only "may admit" it, as before', async () => {
    sb.faults.api.fail('DescribeNetworkInterfaces', {
      type: 'UnauthorizedOperation', status: 403,
      message: 'You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ec2:DescribeNetworkInterfaces',
    }, Infinity);
    try {
      const doctor = await runEic(['doctor', 'by-address'], env);
      assert.equal(doctor.code, 0, doctor.stdout.toString());
      assert.match(doctor.stdout.toString(), /^✔ security groups .*let tcp 22 in only from 10\.0\.1\.5\/32: that must include the endpoint's private address \(eic could not learn it: ec2:DescribeNetworkInterfaces was denied\)$/m);
      const ssh = await runEic(['ssh', 'other-address', '--', 'true'], env);
      assert.equal(ssh.code, 255, ssh.stderr);
      assert.match(ssh.stderr, /Unable to connect to target \(code 1011\) \(.*let tcp 22 in only from 10\.0\.1\.6\/32: that must include the endpoint's private address \(eic could not learn it: ec2:DescribeNetworkInterfaces was denied\); so sshd is not running/);
    } finally {
      sb.faults.api.clear();
    }
  });

  it("preserveClientIp: the client's address counts, not the endpoint's", async () => {
    const byEndpoint = await runEic(['ssh', 'pc-endpoint-address', '--', 'true'], env);
    assert.equal(byEndpoint.code, 255, byEndpoint.stderr);
    assert.match(byEndpoint.stderr, /Unable to connect to target \(code 1011\) \(.*let tcp 22 in only from 10\.5\.1\.5\/32: that must include your address \(the endpoint preserves the client IP\)/);
    assert.doesNotMatch(byEndpoint.stderr, /endpoint's address/);
    const byClient = await runEic(['ssh', 'pc-client-address', '--', 'echo', 'in'], env);
    assert.equal(byClient.code, 0, byClient.stderr);
    assert.equal(byClient.stdout.toString(), 'in\n');
  });
});
