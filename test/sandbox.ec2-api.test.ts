// The sandbox's EC2 Query API, driven by the real AWS SDK v3 EC2 client: every answer must
// parse into the SDK's shapes, and every error must surface as the SDK's named exception.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeInstanceConnectEndpointsCommand, type DescribeInstanceConnectEndpointsCommandInput, DescribeInstancesCommand, DescribeNetworkInterfacesCommand,
  DescribeVpcsCommand, EC2Client,
  paginateDescribeInstanceConnectEndpoints, paginateDescribeInstances, type Filter, type Instance,
} from '@aws-sdk/client-ec2';
import { startApiServer } from '../src/sandbox/api-server.js';
import { DEFAULT_CREDENTIALS, defaultConfig, type CredentialConfig, type SandboxConfig } from '../src/sandbox/config.js';
import { KeyStore } from '../src/sandbox/key-store.js';
import { cidrContains } from '../src/security-group-rules.js';

const TOKEN_CREDS: CredentialConfig = { accessKeyId: 'ASIASANDBOXTOKEN0001', secretAccessKey: 'token/secret', sessionToken: 'session+token/=' };

function testConfig(): SandboxConfig {
  const cfg = defaultConfig();
  cfg.credentials = [DEFAULT_CREDENTIALS, TOKEN_CREDS];
  cfg.instances.push({
    id: 'i-0bbbbbbbbbbbbbbb1', name: 'term', state: 'terminated', subnetId: 'subnet-0aaa00000000000a1',
    privateIpAddress: '10.0.1.99', osUsers: ['ec2-user'],
  }, {
    id: 'i-0ccccccccccccccc1', name: 'dual', state: 'running', subnetId: 'subnet-0aaa00000000000a2',
    privateIpAddress: '10.0.2.50', ipv6Address: 'fd00:10:0:2::50', osUsers: ['ec2-user'], tags: { 'odd*key': 'a*b?c' },
  });
  cfg.endpoints.push(
    { id: 'eice-0ccccccccccccccc1', subnetId: 'subnet-0ccc00000000000c1', state: 'create-failed', stateMessage: 'quota exceeded' },
    { id: 'eice-0ccccccccccccccc2', subnetId: 'subnet-0ccc00000000000c1', state: 'delete-complete', preserveClientIp: true, securityGroupIds: ['sg-0123456789abcdef0', 'sg-0123456789abcdef1'] },
  );
  return cfg;
}

const config = testConfig();
const dns = (id: string) => `${id}.sandbox.test:4443`;
let server: Awaited<ReturnType<typeof startApiServer>>;
let ec2: EC2Client;

function client(over: { region?: string; credentials?: CredentialConfig } = {}): EC2Client {
  return new EC2Client({
    endpoint: server.url, region: over.region ?? config.region, credentials: over.credentials ?? DEFAULT_CREDENTIALS, maxAttempts: 1,
  });
}

before(async () => {
  server = await startApiServer({
    config, keys: new KeyStore(60),
    // Only the first endpoint has a FIPS name, so the SDK must cope with its absence too.
    endpointDnsName: (e) => ({ dnsName: dns(e.id), fipsDnsName: e.id === config.endpoints[0].id ? `fips.${dns(e.id)}` : undefined }),
  });
  ec2 = client();
});
after(async () => {
  ec2?.destroy();
  await server?.close();
});

async function instanceIds(Filters?: Filter[], InstanceIds?: string[]): Promise<string[]> {
  const r = await ec2.send(new DescribeInstancesCommand({ Filters, InstanceIds }));
  return (r.Reservations ?? []).flatMap((res) => (res.Instances ?? []).map((i) => i.InstanceId!));
}

/** The SDK exception a call rejects with: its name, message and HTTP status. */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  assert.fail('the call succeeded but should have failed');
}

const ids = (pred: (i: (typeof config.instances)[number]) => boolean) => config.instances.filter(pred).map((i) => i.id);
const subnet = (id: string) => config.subnets.find((s) => s.id === id)!;

describe('DescribeInstances', () => {
  test('lists every instance with the fields the SDK parses', async () => {
    const r = await ec2.send(new DescribeInstancesCommand({}));
    assert.equal(r.NextToken, undefined);
    const all: Instance[] = (r.Reservations ?? []).flatMap((res) => {
      assert.equal(res.OwnerId, config.accountId);
      assert.match(res.ReservationId!, /^r-[0-9a-f]{17}$/);
      return res.Instances ?? [];
    });
    assert.deepEqual(all.map((i) => i.InstanceId), config.instances.map((i) => i.id));
    for (const inst of all) {
      const c = config.instances.find((i) => i.id === inst.InstanceId)!;
      assert.equal(inst.State?.Name, c.state);
      assert.equal(inst.Placement?.AvailabilityZone, subnet(c.subnetId).availabilityZone);
      assert.equal(inst.Tags?.find((t) => t.Key === 'Name')?.Value, c.name);
      for (const [k, v] of Object.entries(c.tags ?? {})) assert.equal(inst.Tags?.find((t) => t.Key === k)?.Value, v);
      assert.ok(inst.LaunchTime instanceof Date);
      if (c.state === 'terminated') {
        // As on EC2: a terminated instance has lost its network interface and addresses.
        assert.equal(inst.VpcId, undefined);
        assert.equal(inst.PrivateIpAddress, undefined);
        assert.deepEqual(inst.NetworkInterfaces, []);
        continue;
      }
      assert.equal(inst.VpcId, subnet(c.subnetId).vpcId);
      assert.equal(inst.SubnetId, c.subnetId);
      assert.equal(inst.PrivateIpAddress, c.privateIpAddress);
      assert.equal(inst.Ipv6Address, c.ipv6Address);
      const ni = inst.NetworkInterfaces?.[0];
      assert.equal(inst.NetworkInterfaces?.length, 1);
      assert.equal(ni?.PrivateIpAddress, c.privateIpAddress);
      assert.equal(ni?.SubnetId, c.subnetId);
      assert.equal(ni?.VpcId, inst.VpcId);
      assert.match(ni?.NetworkInterfaceId ?? '', /^eni-[0-9a-f]{17}$/);
      assert.deepEqual(ni?.Ipv6Addresses?.map((a) => a.Ipv6Address), c.ipv6Address ? [c.ipv6Address] : []);
    }
  });

  test('state codes, DNS names and IPv6 fields are EC2\'s', async () => {
    const r = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0', 'i-0123456789abcdef3', 'i-0fedcba9876543210'] }));
    const [web, old, v6] = r.Reservations!.map((res) => res.Instances![0]);
    assert.deepEqual(web.State, { Code: 16, Name: 'running' });
    assert.deepEqual(old.State, { Code: 80, Name: 'stopped' });
    assert.equal(web.PrivateDnsName, 'ip-10-0-1-10.ec2.internal');
    assert.equal(web.NetworkInterfaces![0].PrivateDnsName, 'ip-10-0-1-10.ec2.internal');
    assert.equal(web.InstanceType, 't3.micro');
    assert.equal(v6.PrivateIpAddress, undefined);
    assert.equal(v6.Ipv6Address, 'fd00:10:1:1::10');
    assert.equal(v6.NetworkInterfaces![0].Ipv6Addresses![0].Ipv6Address, 'fd00:10:1:1::10');
    assert.equal(v6.PrivateDnsName, 'i-0fedcba9876543210.ec2.internal');
  });

  test('InstanceIds selects those instances', async () => {
    assert.deepEqual(await instanceIds(undefined, ['i-0fedcba9876543210']), ['i-0fedcba9876543210']);
    assert.deepEqual(new Set(await instanceIds(undefined, ['i-0123456789abcdef2', 'i-0123456789abcdef1'])),
      new Set(['i-0123456789abcdef1', 'i-0123456789abcdef2']));
  });

  test('filters: tag:Name, tag:<key>, tag-key, with * and ? wildcards', async () => {
    assert.deepEqual(await instanceIds([{ Name: 'tag:Name', Values: ['worker'] }]), ids((i) => i.name === 'worker'));
    assert.deepEqual(await instanceIds([{ Name: 'tag:Name', Values: ['w*'] }]), ids((i) => /^w/.test(i.name ?? '')));
    assert.deepEqual(await instanceIds([{ Name: 'tag:Name', Values: ['web-?'] }]), ['i-0123456789abcdef0']);
    assert.deepEqual(await instanceIds([{ Name: 'tag:Name', Values: ['web-'] }]), []);
    assert.deepEqual(await instanceIds([{ Name: 'tag:Name', Values: ['WEB-1'] }]), [], 'values are case-sensitive');
    assert.deepEqual(await instanceIds([{ Name: 'tag:env', Values: ['prod'] }]), ids((i) => i.tags?.env === 'prod'));
    assert.deepEqual(await instanceIds([{ Name: 'tag-key', Values: ['env'] }]), ids((i) => Boolean(i.tags?.env)));
    // A backslash makes a wildcard literal; the key itself is matched exactly.
    assert.deepEqual(await instanceIds([{ Name: 'tag:odd*key', Values: ['a\\*b\\?c'] }]), ['i-0ccccccccccccccc1']);
    assert.deepEqual(await instanceIds([{ Name: 'tag:odd*key', Values: ['a\\*bxc'] }]), []);
    assert.deepEqual(await instanceIds([{ Name: 'tag:odd', Values: ['*'] }]), []);
  });

  test('filters: state, addresses, DNS name, VPC, subnet, instance id', async () => {
    assert.deepEqual(await instanceIds([{ Name: 'instance-state-name', Values: ['stopped'] }]), ['i-0123456789abcdef3']);
    assert.deepEqual(await instanceIds([{ Name: 'instance-state-name', Values: ['stopped', 'terminated'] }]),
      ['i-0123456789abcdef3', 'i-0bbbbbbbbbbbbbbb1']);
    assert.deepEqual(await instanceIds([{ Name: 'private-ip-address', Values: ['10.0.2.21'] }]), ['i-0123456789abcdef2']);
    assert.deepEqual(await instanceIds([{ Name: 'private-ip-address', Values: ['10.0.2.*'] }]), ids((i) => i.privateIpAddress?.startsWith('10.0.2.') ?? false));
    assert.deepEqual(await instanceIds([{ Name: 'private-dns-name', Values: ['ip-10-0-1-10.ec2.internal'] }]), ['i-0123456789abcdef0']);
    assert.deepEqual(await instanceIds([{ Name: 'network-interface.ipv6-addresses.ipv6-address', Values: ['fd00:10:1:1::10'] }]), ['i-0fedcba9876543210']);
    assert.deepEqual(await instanceIds([{ Name: 'ipv6-address', Values: ['fd00:*'] }]), ['i-0fedcba9876543210', 'i-0ccccccccccccccc1']);
    assert.deepEqual(await instanceIds([{ Name: 'vpc-id', Values: ['vpc-0a1b2c3d4e5f60002', 'vpc-0a1b2c3d4e5f60003'] }]),
      ['i-0fedcba9876543210', 'i-0aaaabbbbccccdddd']);
    assert.deepEqual(await instanceIds([{ Name: 'subnet-id', Values: ['subnet-0aaa00000000000a2'] }]), ids((i) => i.subnetId === 'subnet-0aaa00000000000a2'));
    assert.deepEqual(await instanceIds([{ Name: 'instance-id', Values: ['i-0123456789abcdef?'] }]), ids((i) => i.id.startsWith('i-0123456789abcdef')));
  });

  test('filters are AND-ed, their values OR-ed, and combine with InstanceIds', async () => {
    assert.deepEqual(await instanceIds([
      { Name: 'tag:Name', Values: ['worker', 'web-1'] }, { Name: 'subnet-id', Values: ['subnet-0aaa00000000000a2'] },
    ]), ['i-0123456789abcdef1', 'i-0123456789abcdef2']);
    assert.deepEqual(await instanceIds([{ Name: 'instance-state-name', Values: ['running'] }], ['i-0123456789abcdef0', 'i-0123456789abcdef3']),
      ['i-0123456789abcdef0']);
  });

  test('paginateDescribeInstances walks every page', async () => {
    const pages: string[][] = [];
    for await (const p of paginateDescribeInstances({ client: ec2, pageSize: 5 }, {})) {
      pages.push((p.Reservations ?? []).flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
    }
    assert.deepEqual(pages.map((p) => p.length), [5, config.instances.length - 5]);
    assert.deepEqual(pages.flat(), config.instances.map((i) => i.id));
    const filtered: string[] = [];
    for await (const p of paginateDescribeInstances({ client: ec2, pageSize: 5 }, { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] })) {
      filtered.push(...(p.Reservations ?? []).flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
    }
    assert.deepEqual(filtered, ids((i) => i.state === 'running'));
  });

  test('pagination errors: MaxResults range, MaxResults with InstanceIds, foreign NextToken', async () => {
    assert.deepEqual(await failure(ec2.send(new DescribeInstancesCommand({ MaxResults: 4 }))), {
      name: 'InvalidParameterValue', status: 400,
      message: 'Value ( 4 ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.',
    });
    assert.equal((await failure(ec2.send(new DescribeInstancesCommand({ MaxResults: 1001 })))).name, 'InvalidParameterValue');
    assert.deepEqual(await failure(ec2.send(new DescribeInstancesCommand({ MaxResults: 5, InstanceIds: ['i-0123456789abcdef0'] }))), {
      name: 'InvalidParameterCombination', status: 400,
      message: 'The parameter instancesSet cannot be used with the parameter maxResults',
    });
    const first = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    assert.ok(first.NextToken);
    const reused = await failure(ec2.send(new DescribeInstancesCommand({
      MaxResults: 5, NextToken: first.NextToken, Filters: [{ Name: 'tag:Name', Values: ['*'] }],
    })));
    assert.equal(reused.name, 'InvalidParameterValue');
    assert.equal((await failure(ec2.send(new DescribeInstancesCommand({ NextToken: 'bogus' })))).name, 'InvalidParameterValue');
  });

  test('malformed and unknown instance ids', async () => {
    assert.deepEqual(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0', 'i-123'] }))), {
      name: 'InvalidInstanceID.Malformed', message: 'Invalid id: "i-123"', status: 400,
    });
    assert.equal((await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789ABCDEF0'] })))).name, 'InvalidInstanceID.Malformed');
    assert.deepEqual(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef9'] }))), {
      name: 'InvalidInstanceID.NotFound', message: "The instance ID 'i-0123456789abcdef9' does not exist", status: 400,
    });
    assert.deepEqual(await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0', 'i-0123456789abcdef9', 'i-01234567'] }))), {
      name: 'InvalidInstanceID.NotFound', message: "The instance IDs 'i-0123456789abcdef9, i-01234567' do not exist", status: 400,
    });
  });

  test('an unknown filter name is refused', async () => {
    assert.deepEqual(await failure(ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] }))), {
      name: 'InvalidParameterValue', message: "The filter 'colour' is invalid", status: 400,
    });
  });

  test('more than 200 filter values in one call is FilterLimitExceeded', async () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `10.9.${i >> 8}.${i & 255}`);
    assert.deepEqual(await instanceIds([{ Name: 'private-ip-address', Values: values(199) }, { Name: 'tag:Name', Values: ['x'] }]), []);
    assert.deepEqual(await failure(ec2.send(new DescribeInstancesCommand({
      Filters: [{ Name: 'private-ip-address', Values: values(200) }, { Name: 'tag:Name', Values: ['x'] }],
    }))), { name: 'FilterLimitExceeded', message: 'The maximum number of filter values specified on a single call is 200', status: 400 });
  });

  test('DryRun answers DryRunOperation once the request is valid', async () => {
    assert.equal((await failure(ec2.send(new DescribeInstancesCommand({ DryRun: true })))).name, 'DryRunOperation');
    assert.equal((await failure(ec2.send(new DescribeInstancesCommand({ DryRun: true, InstanceIds: ['i-0'] })))).name, 'InvalidInstanceID.Malformed');
  });
});

describe('DescribeInstanceConnectEndpoints', () => {
  test('answers every endpoint field', async () => {
    const r = await ec2.send(new DescribeInstanceConnectEndpointsCommand({}));
    assert.equal(r.NextToken, undefined);
    const eps = r.InstanceConnectEndpoints ?? [];
    assert.deepEqual(eps.map((e) => e.InstanceConnectEndpointId), config.endpoints.map((e) => e.id));
    for (const e of eps) {
      const c = config.endpoints.find((x) => x.id === e.InstanceConnectEndpointId)!;
      assert.equal(e.OwnerId, config.accountId);
      assert.equal(e.InstanceConnectEndpointArn, `arn:aws:ec2:${config.region}:${config.accountId}:instance-connect-endpoint/${c.id}`);
      assert.equal(e.State, c.state);
      assert.equal(e.StateMessage, c.stateMessage ?? '');
      assert.equal(e.DnsName, dns(c.id));
      assert.equal(e.FipsDnsName, c === config.endpoints[0] ? `fips.${dns(c.id)}` : undefined);
      assert.equal(e.NetworkInterfaceIds?.length, 1);
      assert.match(e.NetworkInterfaceIds![0], /^eni-[0-9a-f]{17}$/);
      assert.equal(e.SubnetId, c.subnetId);
      assert.equal(e.VpcId, subnet(c.subnetId).vpcId);
      assert.equal(e.AvailabilityZone, subnet(c.subnetId).availabilityZone);
      assert.ok(e.CreatedAt instanceof Date && !Number.isNaN(e.CreatedAt.getTime()));
      assert.equal(e.PreserveClientIp, c.preserveClientIp ?? false);
      if (c.securityGroupIds) assert.deepEqual(e.SecurityGroupIds, c.securityGroupIds);
      else assert.match(e.SecurityGroupIds?.[0] ?? '', /^sg-[0-9a-f]{17}$/);
      assert.deepEqual(e.Tags, []);
    }
    // The address type follows the VPC's instances: IPv4 only, both (the 'dual' one), IPv6 only.
    assert.equal(eps.find((e) => e.VpcId === 'vpc-0a1b2c3d4e5f60003')?.IpAddressType, 'ipv4');
    assert.equal(eps.find((e) => e.VpcId === 'vpc-0a1b2c3d4e5f60001')?.IpAddressType, 'dualstack');
    assert.equal(eps.find((e) => e.VpcId === 'vpc-0a1b2c3d4e5f60002')?.IpAddressType, 'ipv6');
  });

  const endpointIds = async (input: DescribeInstanceConnectEndpointsCommandInput) =>
    ((await ec2.send(new DescribeInstanceConnectEndpointsCommand(input))).InstanceConnectEndpoints ?? []).map((e) => e.InstanceConnectEndpointId);

  test('InstanceConnectEndpointIds and the state, vpc-id, subnet-id, id filters', async () => {
    assert.deepEqual(await endpointIds({ InstanceConnectEndpointIds: ['eice-0fedcba9876543210'] }), ['eice-0fedcba9876543210']);
    const usable = ['create-complete', 'update-in-progress', 'update-failed', 'update-complete'];
    assert.deepEqual(await endpointIds({ Filters: [{ Name: 'state', Values: usable }] }), ['eice-0123456789abcdef0', 'eice-0fedcba9876543210']);
    assert.deepEqual(await endpointIds({ Filters: [{ Name: 'state', Values: usable }, { Name: 'vpc-id', Values: ['vpc-0a1b2c3d4e5f60003'] }] }), []);
    assert.deepEqual(await endpointIds({ Filters: [{ Name: 'vpc-id', Values: ['vpc-0a1b2c3d4e5f60003'] }] }), ['eice-0ccccccccccccccc1', 'eice-0ccccccccccccccc2']);
    assert.deepEqual(await endpointIds({ Filters: [{ Name: 'subnet-id', Values: ['subnet-0bbb00000000000b1'] }] }), ['eice-0fedcba9876543210']);
    assert.deepEqual(await endpointIds({ Filters: [{ Name: 'state', Values: ['*-complete'] }] }), ['eice-0123456789abcdef0', 'eice-0fedcba9876543210', 'eice-0ccccccccccccccc2']);
    assert.deepEqual(await endpointIds({ Filters: [{ Name: 'instance-connect-endpoint-id', Values: ['eice-0ccc*'] }] }), ['eice-0ccccccccccccccc1', 'eice-0ccccccccccccccc2']);
    assert.deepEqual(await endpointIds({
      InstanceConnectEndpointIds: ['eice-0123456789abcdef0', 'eice-0ccccccccccccccc1'], Filters: [{ Name: 'state', Values: usable }],
    }), ['eice-0123456789abcdef0']);
  });

  test('paginateDescribeInstanceConnectEndpoints walks every page', async () => {
    const pages: string[][] = [];
    for await (const p of paginateDescribeInstanceConnectEndpoints({ client: ec2, pageSize: 1 }, {})) {
      pages.push((p.InstanceConnectEndpoints ?? []).map((e) => e.InstanceConnectEndpointId!));
    }
    assert.deepEqual(pages, config.endpoints.map((e) => [e.id]));
    const two: number[] = [];
    for await (const p of paginateDescribeInstanceConnectEndpoints({ client: ec2, pageSize: 2 }, {})) two.push(p.InstanceConnectEndpoints!.length);
    assert.deepEqual(two, [2, 2]);
  });

  test('errors: malformed and unknown ids, MaxResults range, unknown filter', async () => {
    assert.deepEqual(await failure(ec2.send(new DescribeInstanceConnectEndpointsCommand({ InstanceConnectEndpointIds: ['eice-xyz'] }))), {
      name: 'InvalidInstanceConnectEndpointId.Malformed', message: 'Invalid id: "eice-xyz"', status: 400,
    });
    assert.deepEqual(await failure(ec2.send(new DescribeInstanceConnectEndpointsCommand({ InstanceConnectEndpointIds: ['eice-0999999999999999a'] }))), {
      name: 'InvalidInstanceConnectEndpointId.NotFound', message: "The instance connect endpoint ID 'eice-0999999999999999a' does not exist", status: 400,
    });
    assert.equal((await failure(ec2.send(new DescribeInstanceConnectEndpointsCommand({ MaxResults: 51 })))).name, 'InvalidParameterValue');
    assert.equal((await failure(ec2.send(new DescribeInstanceConnectEndpointsCommand({ MaxResults: 0 })))).name, 'InvalidParameterValue');
    assert.equal((await failure(ec2.send(new DescribeInstanceConnectEndpointsCommand({ Filters: [{ Name: 'private-ip-address', Values: ['x'] }] })))).name, 'InvalidParameterValue');
  });
});

describe('EC2 Query API requests', () => {
  test('an action the sandbox does not implement is InvalidAction', async () => {
    assert.deepEqual(await failure(ec2.send(new DescribeVpcsCommand({}))), {
      name: 'InvalidAction', message: 'The action DescribeVpcs is not valid for this web service.', status: 400,
    });
  });

  test('unknown access key, wrong secret, wrong region: AuthFailure 401', async () => {
    const cases = [
      client({ credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey } }),
      client({ credentials: { ...DEFAULT_CREDENTIALS, secretAccessKey: 'not-the-secret' } }),
      client({ region: 'eu-west-1' }),
      client({ credentials: { ...TOKEN_CREDS, sessionToken: undefined } }),
      client({ credentials: { ...TOKEN_CREDS, sessionToken: 'another-token' } }),
    ];
    for (const c of cases) {
      const f = await failure(c.send(new DescribeInstancesCommand({})));
      assert.equal(f.name, 'AuthFailure');
      assert.equal(f.status, 401);
      c.destroy();
    }
    const unknown = client({ credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } });
    assert.equal((await failure(unknown.send(new DescribeInstancesCommand({})))).message,
      'AWS was not able to validate the provided access credentials');
    unknown.destroy();
  });

  test('a request signed 20 minutes ago is RequestExpired', async () => {
    const c = new EC2Client({
      endpoint: server.url, region: config.region, credentials: DEFAULT_CREDENTIALS, maxAttempts: 1, systemClockOffset: -20 * 60 * 1000,
    });
    const f = await failure(c.send(new DescribeInstancesCommand({})));
    c.destroy();
    assert.equal(f.name, 'RequestExpired');
    assert.equal(f.status, 400);
  });

  test('credentials with a session token are accepted when the token matches', async () => {
    const c = client({ credentials: TOKEN_CREDS });
    assert.equal((await c.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }))).Reservations?.length, 1);
    c.destroy();
  });

  test('a broken config is InternalError 500, with the reason on the logger', async () => {
    const broken = defaultConfig();
    broken.instances.push({ id: 'i-0dddddddddddddddd', state: 'running', subnetId: 'subnet-0missing000000000', osUsers: [] });
    const warnings: string[] = [];
    const logger = { verbose: false, debug() {}, info() {}, warn: (m: string) => { warnings.push(m); } };
    const s = await startApiServer({ config: broken, keys: new KeyStore(60), logger, endpointDnsName: () => ({ dnsName: 'x' }) });
    const c = new EC2Client({ endpoint: s.url, region: broken.region, credentials: DEFAULT_CREDENTIALS, maxAttempts: 1 });
    try {
      const f = await failure(c.send(new DescribeInstancesCommand({})));
      assert.equal(f.name, 'InternalError');
      assert.equal(f.status, 500);
      assert.match(f.message, /subnet-0missing000000000/);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /i-0dddddddddddddddd names subnet subnet-0missing000000000/);
    } finally {
      c.destroy();
      await s.close();
    }
  });

  test('an unsigned request gets EC2\'s XML error document', async () => {
    const res = await fetch(server.url, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeInstances&Version=2016-11-15',
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /^text\/xml/);
    const body = await res.text();
    assert.match(body, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>MissingAuthenticationToken<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);
    assert.equal(body.match(/<RequestID>(.*)<\/RequestID>/)?.[1], res.headers.get('x-amzn-requestid'));
  });

  test('answers carry the EC2 namespace and a requestId the SDK reports', async () => {
    let raw = '';
    const c = client();
    // Read the raw answer off the wire before the SDK parses it.
    c.middlewareStack.add((next) => async (args) => {
      const out = await next(args);
      const res = out.response as { body: AsyncIterable<Uint8Array> & NodeJS.ReadableStream };
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(Buffer.from(chunk));
      raw = Buffer.concat(chunks).toString('utf8');
      const { Readable } = await import('node:stream');
      (out.response as { body: unknown }).body = Readable.from([Buffer.from(raw)]);
      return out;
    }, { step: 'deserialize', priority: 'low' });
    const r = await c.send(new DescribeInstanceConnectEndpointsCommand({ MaxResults: 1 }));
    c.destroy();
    assert.match(raw, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<DescribeInstanceConnectEndpointsResponse xmlns="http:\/\/ec2\.amazonaws\.com\/doc\/2016-11-15\/"><requestId>/);
    assert.equal(raw.match(/<requestId>(.*?)<\/requestId>/)?.[1], r.$metadata.requestId);
    assert.match(raw, /<instanceConnectEndpointSet><item><ownerId>/);
  });
});

describe('DescribeNetworkInterfaces', () => {
  test("an endpoint's NetworkInterfaceIds name its own interface, with addresses in its subnet", async () => {
    const eps = (await ec2.send(new DescribeInstanceConnectEndpointsCommand({}))).InstanceConnectEndpoints ?? [];
    const ids = eps.flatMap((e) => e.NetworkInterfaceIds ?? []);
    const r = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ids }));
    const nis = r.NetworkInterfaces ?? [];
    assert.deepEqual(nis.map((n) => n.NetworkInterfaceId), ids);
    for (const [i, n] of nis.entries()) {
      const c = config.endpoints.find((x) => x.id === eps[i].InstanceConnectEndpointId)!;
      const sn = subnet(c.subnetId);
      assert.equal(n.SubnetId, sn.id);
      assert.equal(n.VpcId, sn.vpcId);
      assert.equal(n.InterfaceType, 'ec2_instance_connect_endpoint');
      assert.equal(n.RequesterManaged, true);
      assert.deepEqual(n.Groups?.map((g) => g.GroupId), eps[i].SecurityGroupIds);
      assert.ok(n.PrivateIpAddress && cidrContains(sn.cidr, n.PrivateIpAddress), `${n.PrivateIpAddress} in ${sn.cidr}`);
      assert.deepEqual(n.PrivateIpAddresses?.map((p) => p.PrivateIpAddress), [n.PrivateIpAddress]);
    }
    // The IPv6 endpoint of VPC 2 has an IPv6 address in its subnet's IPv6 block, the IPv4-only ones none.
    const v6 = nis[config.endpoints.findIndex((e) => e.id === 'eice-0fedcba9876543210')];
    assert.equal(v6.Ipv6Addresses?.length, 1);
    assert.ok(cidrContains('fd00:10:1:1::/64', v6.Ipv6Addresses![0].Ipv6Address!), v6.Ipv6Addresses![0].Ipv6Address);
    assert.deepEqual(nis[0].Ipv6Addresses ?? [], []);
    // Stable: the same addresses on every call.
    const again = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ids }));
    assert.deepEqual(again.NetworkInterfaces?.map((n) => n.PrivateIpAddress), nis.map((n) => n.PrivateIpAddress));
  });

  test("instances' interfaces are there too; filters", async () => {
    const byType = async (t: string) => (await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'interface-type', Values: [t] }] }))).NetworkInterfaces ?? [];
    assert.equal((await byType('ec2_instance_connect_endpoint')).length, config.endpoints.length);
    const attached = (await byType('interface')).map((n) => n.Attachment?.InstanceId);
    assert.ok(attached.includes('i-0123456789abcdef0') && !attached.includes('i-0bbbbbbbbbbbbbbb1'), 'running ones, not the terminated one');
    const web = (await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'addresses.private-ip-address', Values: ['10.0.1.10'] }] }))).NetworkInterfaces ?? [];
    assert.deepEqual(web.map((n) => n.Attachment?.InstanceId), ['i-0123456789abcdef0']);
  });

  test('unknown and malformed ids are refused as EC2 does', async () => {
    assert.deepEqual(await failure(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0123456789abcdef0'] }))), {
      name: 'InvalidNetworkInterfaceID.NotFound', message: "The networkInterface ID 'eni-0123456789abcdef0' does not exist", status: 400,
    });
    assert.equal((await failure(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-x'] })))).name, 'InvalidNetworkInterfaceID.Malformed');
  });
});
