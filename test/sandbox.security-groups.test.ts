// needs: openssl
// The sandbox's security groups: DescribeSecurityGroups through the real SDK (ids, filters,
// EC2's shapes and errors), the groups instances and endpoints carry, and the tunnel that opens
// and then closes with 1011 "Unable to connect to target" when the endpoint's egress or the
// instance's ingress does not allow the port (source: the endpoint's group or address, or the
// client's address under preserveClientIp).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeInstancesCommand, DescribeInstanceConnectEndpointsCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { defaultConfig, type SandboxConfig } from '../src/sandbox/config.js';
import { startSandbox, UNABLE_TO_CONNECT, type Sandbox } from '../src/sandbox/index.js';
import { closed, EICE_A, EICE_B, firstMessage, openTunnel } from './helpers/sandbox-tunnel.js';

const NO_INGRESS = { id: 'i-0bbbb000000000001', ip: '10.0.1.50' };
const EICE_SG = 'sg-0e1ce0000000000a1';
const SSH_FROM_EICE = 'sg-022000000000000a1';
const WEB_HTTPS = 'sg-044300000000000a1';
const VPC4 = 'vpc-0a1b2c3d4e5f60004';

/** The default world, plus instances whose only way in is a CIDR, and a VPC whose default group is synthesized. */
function config(): SandboxConfig {
  const c = defaultConfig();
  c.securityGroups.push(
    { id: 'sg-0c1d00000000000a1', vpcId: 'vpc-0a1b2c3d4e5f60001', name: 'ssh-from-subnet', ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.1.0/24' }], egress: [] },
    { id: 'sg-0c1d00000000000a2', vpcId: 'vpc-0a1b2c3d4e5f60001', name: 'ssh-from-elsewhere', ingress: [{ protocol: 'tcp', fromPort: 20, toPort: 23, cidr: '192.168.0.0/16' }], egress: [] },
  );
  c.instances.push(
    { id: 'i-0c1d00000000000a1', name: 'by-cidr', state: 'running', subnetId: 'subnet-0aaa00000000000a2', privateIpAddress: '10.0.2.61', osUsers: ['ec2-user'], securityGroupIds: ['sg-0c1d00000000000a1'] },
    { id: 'i-0c1d00000000000a2', name: 'elsewhere', state: 'running', subnetId: 'subnet-0aaa00000000000a2', privateIpAddress: '10.0.2.62', osUsers: ['ec2-user'], securityGroupIds: ['sg-0c1d00000000000a2'] },
  );
  // The endpoint's address: inside the CIDR of by-cidr's rule, not of elsewhere's.
  c.endpoints[0] = { ...c.endpoints[0], privateIpAddress: '10.0.1.200' };
  c.vpcs.push({ id: VPC4, cidr: '10.3.0.0/16' });
  return c;
}

let sb: Sandbox;
let ec2: EC2Client;

before(async () => {
  sb = await startSandbox({ config: config() });
  ec2 = new EC2Client({
    region: sb.config.region, endpoint: sb.apiUrl,
    credentials: { accessKeyId: sb.env.AWS_ACCESS_KEY_ID, secretAccessKey: sb.env.AWS_SECRET_ACCESS_KEY },
  });
});
after(async () => {
  ec2?.destroy();
  await sb?.close();
});

async function sdkError(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  assert.fail('the call succeeded');
}

describe('DescribeSecurityGroups', () => {
  test('by id: rules in EC2 shape (protocol, ports, groups, CIDRs; no ports on all-traffic rules)', async () => {
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [SSH_FROM_EICE, EICE_SG] }));
    const byId = new Map(out.SecurityGroups!.map((g) => [g.GroupId, g]));
    const ssh = byId.get(SSH_FROM_EICE)!;
    assert.equal(ssh.GroupName, 'ssh-from-eice');
    assert.equal(ssh.VpcId, 'vpc-0a1b2c3d4e5f60001');
    assert.equal(ssh.OwnerId, sb.config.accountId);
    assert.equal(ssh.SecurityGroupArn, `arn:aws:ec2:us-east-1:${sb.config.accountId}:security-group/${SSH_FROM_EICE}`);
    assert.deepEqual(ssh.IpPermissions!.map((p) => [p.IpProtocol, p.FromPort, p.ToPort, p.UserIdGroupPairs!.map((u) => u.GroupId), p.IpRanges!.length]),
      [['tcp', 22, 22, [EICE_SG], 0]]);
    assert.deepEqual(ssh.IpPermissionsEgress!.map((p) => [p.IpProtocol, p.FromPort, p.ToPort, p.IpRanges!.map((r) => r.CidrIp), p.Ipv6Ranges!.map((r) => r.CidrIpv6)]),
      [['-1', undefined, undefined, ['0.0.0.0/0'], []], ['-1', undefined, undefined, [], ['::/0']]]);
    const eice = byId.get(EICE_SG)!;
    assert.deepEqual(eice.IpPermissions, []);
    assert.deepEqual(eice.IpPermissionsEgress!.map((p) => [p.IpProtocol, p.FromPort, p.IpRanges!.map((r) => r.CidrIp)]), [['tcp', 22, ['10.0.0.0/16']]]);
  });

  test('filters: vpc-id, group-name (wildcards), ip-permission.* and egress.ip-permission.*', async () => {
    const names = async (Filters: Array<{ Name: string; Values: string[] }>) =>
      ((await ec2.send(new DescribeSecurityGroupsCommand({ Filters }))).SecurityGroups ?? []).map((g) => g.GroupName).sort();
    assert.deepEqual(await names([{ Name: 'vpc-id', Values: ['vpc-0a1b2c3d4e5f60002'] }]), ['default']);
    assert.deepEqual(await names([{ Name: 'group-name', Values: ['ssh-*'] }]), ['ssh-from-eice', 'ssh-from-elsewhere', 'ssh-from-subnet']);
    assert.deepEqual(await names([{ Name: 'ip-permission.from-port', Values: ['443'] }]), ['web-https']);
    assert.deepEqual(await names([{ Name: 'ip-permission.group-id', Values: [EICE_SG] }]), ['default', 'ssh-from-eice']);
    assert.deepEqual(await names([{ Name: 'egress.ip-permission.cidr', Values: ['10.0.0.0/16'] }]), ['eice']);
  });

  test('a VPC without a default group gets one, as EC2 creates it', async () => {
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC4] }] }));
    assert.equal(out.SecurityGroups?.length, 1);
    const g = out.SecurityGroups![0];
    assert.equal(g.GroupName, 'default');
    assert.match(g.GroupId ?? '', /^sg-[0-9a-f]{17}$/);
    assert.deepEqual(g.IpPermissions!.map((p) => [p.IpProtocol, p.UserIdGroupPairs!.map((u) => u.GroupId)]), [['-1', [g.GroupId]]]);
  });

  test('malformed and unknown ids are EC2\'s errors', async () => {
    assert.deepEqual(await sdkError(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-xyz'] }))),
      { name: 'InvalidGroupId.Malformed', message: 'Invalid id: "sg-xyz"' });
    assert.deepEqual(await sdkError(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0123456789abcdef9'] }))),
      { name: 'InvalidGroup.NotFound', message: "The security group ID 'sg-0123456789abcdef9' does not exist" });
  });

  test('instances and endpoints show their groups', async () => {
    const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [NO_INGRESS.id] }))).Reservations![0].Instances![0];
    assert.deepEqual(inst.SecurityGroups, [{ GroupId: WEB_HTTPS, GroupName: 'web-https' }]);
    assert.deepEqual(inst.NetworkInterfaces![0].Groups, [{ GroupId: WEB_HTTPS, GroupName: 'web-https' }]);
    const eps = (await ec2.send(new DescribeInstanceConnectEndpointsCommand({}))).InstanceConnectEndpoints!;
    assert.deepEqual(eps.find((e) => e.InstanceConnectEndpointId === EICE_A)?.SecurityGroupIds, [EICE_SG]);
    assert.deepEqual(eps.find((e) => e.InstanceConnectEndpointId === 'eice-0fedcba9876543210')?.SecurityGroupIds, ['sg-0d0000000000000b1']);
  });
});

describe('tunnels and security groups', () => {
  const expectBanner = async (ip: string, instanceConnectEndpointId = EICE_A) => {
    const t = await openTunnel(sb, { privateIpAddress: ip, instanceConnectEndpointId });
    assert.ok(t.ok);
    assert.match((await firstMessage(t.ws)).toString(), /^SSH-2\.0-/);
    t.ws.close();
  };
  const expectUnreachable = async (ip: string, instanceConnectEndpointId = EICE_A) => {
    const t = await openTunnel(sb, { privateIpAddress: ip, instanceConnectEndpointId });
    assert.ok(t.ok, 'security groups do not refuse the upgrade');
    assert.deepEqual(await closed(t.ws).then((c) => [c.code, c.reason]), [1011, UNABLE_TO_CONNECT]);
  };

  test('ingress from the endpoint\'s group reaches sshd; no rule for port 22 closes with 1011', async () => {
    await expectBanner('10.0.1.10');
    await expectUnreachable(NO_INGRESS.ip);
  });

  test('a CIDR rule counts when it holds the endpoint\'s address', async () => {
    await expectBanner('10.0.2.61');
    await expectUnreachable('10.0.2.62');
  });

  test('the endpoint\'s egress must allow the port to the instance', async () => {
    const g = sb.config.securityGroups.find((x) => x.id === EICE_SG)!;
    const saved = g.egress;
    g.egress = [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.2.0/24' }];
    try {
      await expectUnreachable('10.0.1.10');
      await expectBanner('10.0.2.20');
    } finally {
      g.egress = saved;
    }
  });

  test('towards an IPv6 target the source is the endpoint\'s IPv6 address, not its IPv4 one', async () => {
    const v6 = sb.config.instances.find((i) => i.name === 'v6-only')!;
    const ep = sb.config.endpoints[1];
    const saved = { groups: v6.securityGroupIds, ep };
    const byAddress = (cidr: string) => ({ id: 'sg-0c1d00000000000b1', vpcId: 'vpc-0a1b2c3d4e5f60002', name: 'ssh-from-address', ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr }], egress: [] });
    sb.config.endpoints[1] = { ...ep, privateIpAddress: '10.1.1.200', ipv6Address: 'fd00:10:1:1::e1ce' };
    v6.securityGroupIds = ['sg-0c1d00000000000b1'];
    try {
      sb.config.securityGroups.push(byAddress('fd00:10:1:1::e1ce/128'));
      await expectBanner('fd00:10:1:1::10', EICE_B);
      sb.config.securityGroups[sb.config.securityGroups.length - 1] = byAddress('10.1.1.200/32');
      await expectUnreachable('fd00:10:1:1::10', EICE_B);
    } finally {
      sb.config.securityGroups = sb.config.securityGroups.filter((g) => g.id !== 'sg-0c1d00000000000b1');
      v6.securityGroupIds = saved.groups;
      sb.config.endpoints[1] = saved.ep;
    }
  });

  test('with preserveClientIp the instance sees the client\'s address, not the endpoint\'s group', async () => {
    const ep = sb.config.endpoints[0];
    const web = sb.config.securityGroups.find((x) => x.id === WEB_HTTPS)!;
    const saved = web.ingress;
    sb.config.endpoints[0] = { ...ep, preserveClientIp: true };
    try {
      await expectUnreachable('10.0.1.10');
      // localhost may be either family.
      web.ingress = [...saved, ...['127.0.0.0/8', '::1/128'].map((cidr) => ({ protocol: 'tcp', fromPort: 22, toPort: 22, cidr }))];
      await expectBanner(NO_INGRESS.ip);
    } finally {
      sb.config.endpoints[0] = ep;
      web.ingress = saved;
    }
  });
});
