// Discovery logic (instances, endpoints) over small fakes of the narrow Ec2Api: the query each
// target becomes, the endpoint choice, pagination, and every error's message and hint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DescribeEndpointsInput, DescribeInstancesInput, Ec2Api, Filter, SdkEndpoint, SdkInstance } from '../src/aws/api.js';
import type { AwsContext } from '../src/aws/clients.js';
import { findEndpoint, usableEndpoints } from '../src/aws/endpoints.js';
import { checkReachable, findInstances, listInstances, resolveInstance } from '../src/aws/instances.js';
import { EicError } from '../src/errors.js';

const inst = (id: string, name: string | undefined, more: Partial<SdkInstance> = {}): SdkInstance => ({
  InstanceId: id, State: { Name: 'running' }, VpcId: 'vpc-1', SubnetId: 'subnet-a', PrivateIpAddress: '10.0.0.5',
  Placement: { AvailabilityZone: 'us-east-1a' }, Tags: name ? [{ Key: 'Name', Value: name }] : [], ...more,
});
const ep = (id: string, more: Partial<SdkEndpoint> = {}): SdkEndpoint => ({
  InstanceConnectEndpointId: id, DnsName: `${id}.example`, State: 'create-complete', VpcId: 'vpc-1', SubnetId: 'subnet-b', ...more,
});

/** Applies the filters eic sends, one item per page (so pagination is always exercised). */
function fakeEc2(instances: SdkInstance[], endpoints: SdkEndpoint[]) {
  const calls: Array<{ op: string; input: DescribeInstancesInput | DescribeEndpointsInput }> = [];
  const match = (filters: Filter[] | undefined, field: (name: string) => string[]) =>
    (filters ?? []).every((f) => field(f.Name).some((v) => f.Values.includes(v)));
  const paged = <T>(items: T[], token?: string) => {
    const i = token ? Number(token) : 0;
    return { items: items.slice(i, i + 1), NextToken: i + 1 < items.length ? String(i + 1) : undefined };
  };
  const api: Ec2Api = {
    async describeInstances(input) {
      calls.push({ op: 'DescribeInstances', input });
      const found = instances.filter((x) => (!input.InstanceIds || input.InstanceIds.includes(x.InstanceId!)) && match(input.Filters, (n) => {
        if (n === 'tag:Name') return (x.Tags ?? []).filter((t) => t.Key === 'Name').map((t) => t.Value!);
        if (n === 'private-ip-address') return [x.PrivateIpAddress ?? ''];
        if (n === 'network-interface.ipv6-addresses.ipv6-address') return [x.Ipv6Address ?? ''];
        if (n === 'private-dns-name') return [x.PrivateDnsName ?? ''];
        if (n === 'instance-state-name') return [x.State!.Name!];
        throw new Error(`unexpected filter ${n}`);
      }));
      if (input.InstanceIds && found.length === 0) throw Object.assign(new Error(`The instance ID '${input.InstanceIds[0]}' does not exist`), { name: 'InvalidInstanceID.NotFound' });
      const p = paged(found, input.NextToken);
      return { Reservations: p.items.map((i) => ({ Instances: [i] })), NextToken: p.NextToken };
    },
    async describeInstanceConnectEndpoints(input) {
      calls.push({ op: 'DescribeInstanceConnectEndpoints', input });
      const found = endpoints.filter((e) => (!input.InstanceConnectEndpointIds || input.InstanceConnectEndpointIds.includes(e.InstanceConnectEndpointId!)) && match(input.Filters, (n) => {
        if (n === 'state') return [e.State!];
        if (n === 'vpc-id') return [e.VpcId!];
        throw new Error(`unexpected filter ${n}`);
      }));
      const p = paged(found, input.NextToken);
      return { InstanceConnectEndpoints: p.items, NextToken: p.NextToken };
    },
    async describeSecurityGroups() {
      throw new Error('discovery never asks for security groups');
    },
    async describeNetworkInterfaces() {
      throw new Error('discovery never asks for network interfaces');
    },
  };
  return { api, calls };
}

function ctx(ec2: Ec2Api, fips = false): AwsContext {
  return {
    region: 'us-east-1', fips, ec2,
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    instanceConnect: { sendSSHPublicKey: async () => { throw new Error('not used'); } },
    close() {},
  };
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp, hint?: RegExp): Promise<EicError> {
  const err = await p.then(() => assert.fail('expected a rejection'), (e: unknown) => e);
  assert.ok(err instanceof EicError, `expected EicError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.match(err.message, message);
  if (hint) assert.match(err.hint ?? '', hint);
  return err;
}

test('an instance id is looked up by InstanceIds and gives VPC, subnet, IP, state and AZ', async () => {
  const { api, calls } = fakeEc2([inst('i-0123456789abcdef0', 'web')], []);
  const i = await resolveInstance(ctx(api), 'i-0123456789abcdef0');
  assert.deepEqual(calls[0].input, { InstanceIds: ['i-0123456789abcdef0'], NextToken: undefined });
  assert.equal(i.vpcId, 'vpc-1');
  assert.equal(i.subnetId, 'subnet-a');
  assert.equal(i.privateIp, '10.0.0.5');
  assert.equal(i.state, 'running');
  assert.equal(i.availabilityZone, 'us-east-1a');
  assert.equal(i.name, 'web');
});

test('Name tag, private IPv4, IPv6 and private DNS name each become the matching filter', async () => {
  const v6 = inst('i-0000000000000000a', 'v6', { PrivateIpAddress: undefined, Ipv6Address: 'fd00::10' });
  const dns = inst('i-0000000000000000b', 'dns', { PrivateIpAddress: '10.0.0.9', PrivateDnsName: 'ip-10-0-0-9.ec2.internal' });
  const { api } = fakeEc2([inst('i-0123456789abcdef0', 'web'), v6, dns], []);
  assert.equal((await resolveInstance(ctx(api), 'web')).id, 'i-0123456789abcdef0');
  assert.equal((await resolveInstance(ctx(api), '10.0.0.9')).id, 'i-0000000000000000b');
  const six = await resolveInstance(ctx(api), 'fd00::10');
  assert.equal(six.id, 'i-0000000000000000a');
  assert.equal(six.privateIp, 'fd00::10', 'IPv6 is the fallback when there is no private IPv4');
  assert.equal((await resolveInstance(ctx(api), 'ip-10-0-0-9.ec2.internal')).id, 'i-0000000000000000b');
});

test('an ambiguous Name lists every match; findInstances returns them all; terminated ones are ignored', async () => {
  const { api } = fakeEc2([
    inst('i-00000000000000001', 'worker'), inst('i-00000000000000002', 'worker', { PrivateIpAddress: '10.0.0.6' }),
    inst('i-00000000000000003', 'worker', { State: { Name: 'terminated' } }),
  ], []);
  await rejectsWith(resolveInstance(ctx(api), 'worker'), 'instance-ambiguous', /2 instances match Name tag worker: i-00000000000000001 \(running, 10\.0\.0\.5\), i-00000000000000002/, /instance id/);
  assert.deepEqual((await findInstances(ctx(api), 'worker')).map((i) => i.id), ['i-00000000000000001', 'i-00000000000000002']);
});

test('not found, malformed id, not running and no IP are clear errors', async () => {
  const { api, calls } = fakeEc2([
    inst('i-0000000000000000c', 'stopped', { State: { Name: 'stopped' } }),
    inst('i-0000000000000000d', 'noip', { PrivateIpAddress: undefined }),
  ], []);
  await rejectsWith(resolveInstance(ctx(api), 'i-0123456789abcdef9'), 'instance-not-found', /no instance with id i-0123456789abcdef9 in us-east-1/, /--region/);
  await rejectsWith(resolveInstance(ctx(api), 'nothing-here'), 'instance-not-found', /no instance with Name tag nothing-here/);
  const before = calls.length;
  await rejectsWith(resolveInstance(ctx(api), 'i-12345'), 'instance-id-malformed', /i-12345 is not a valid instance id/, /i-0123456789abcdef0/);
  assert.equal(calls.length, before, 'a malformed id is refused before calling AWS');
  assert.throws(() => checkReachable({ id: 'i-0000000000000000c', state: 'stopped', tags: {} }), /i-0000000000000000c is stopped, not running/);
  const noip = await resolveInstance(ctx(api), 'noip');
  assert.throws(() => checkReachable(noip), (e: EicError) => e.code === 'instance-no-ip' && /--private-ip/.test(e.hint!));
});

test('listInstances shows running instances unless all, across pages, sorted by name', async () => {
  const { api } = fakeEc2([inst('i-0000000000000000f', 'zeta'), inst('i-0000000000000000e', 'alpha'), inst('i-00000000000000010', 'old', { State: { Name: 'stopped' } })], []);
  assert.deepEqual((await listInstances(ctx(api), {})).map((i) => i.name), ['alpha', 'zeta']);
  assert.deepEqual((await listInstances(ctx(api), { all: true })).map((i) => i.name), ['alpha', 'old', 'zeta']);
});

const instance = { id: 'i-0123456789abcdef0', state: 'running', vpcId: 'vpc-1', subnetId: 'subnet-a', privateIp: '10.0.0.5', tags: {} };

test('the endpoint in the instance subnet is preferred, found across pages with the state and vpc-id filters', async () => {
  const { api, calls } = fakeEc2([], [ep('eice-other-vpc', { VpcId: 'vpc-2', SubnetId: 'subnet-a' }), ep('eice-b'), ep('eice-a', { SubnetId: 'subnet-a' })]);
  const e = await findEndpoint(ctx(api), instance);
  assert.equal(e.id, 'eice-a');
  assert.equal(e.dnsName, 'eice-a.example');
  const first = calls[0].input as DescribeEndpointsInput;
  assert.deepEqual(first.Filters, [
    { Name: 'state', Values: ['create-complete', 'update-in-progress', 'update-failed', 'update-complete'] },
    { Name: 'vpc-id', Values: ['vpc-1'] },
  ]);
  assert.ok(calls.length >= 2, 'followed NextToken');
});

test('else the first endpoint of the VPC; --eice-id narrows with InstanceConnectEndpointIds and the state filter', async () => {
  const { api, calls } = fakeEc2([], [ep('eice-b'), ep('eice-c', { SubnetId: 'subnet-c' })]);
  assert.equal((await findEndpoint(ctx(api), instance)).id, 'eice-b');
  calls.length = 0;
  assert.equal((await findEndpoint(ctx(api), instance, { eiceId: 'eice-c' })).id, 'eice-c');
  const input = calls[0].input as DescribeEndpointsInput;
  assert.deepEqual(input.InstanceConnectEndpointIds, ['eice-c']);
  assert.equal(input.Filters?.[0].Name, 'state');
});

test('no endpoint in the VPC names the VPC and the command that creates one', async () => {
  const { api } = fakeEc2([], [ep('eice-x', { VpcId: 'vpc-2' }), ep('eice-gone', { State: 'delete-complete' })]);
  await rejectsWith(findEndpoint(ctx(api), instance), 'endpoint-none', /no EC2 Instance Connect Endpoint in vpc-1/,
    /aws ec2 create-instance-connect-endpoint --subnet-id subnet-a/);
  await rejectsWith(findEndpoint(ctx(api), instance, { eiceId: 'eice-nope' }), 'endpoint-not-found', /no Instance Connect Endpoint eice-nope/);
});

test('an endpoint in a failed state is named with its state and message', async () => {
  const { api } = fakeEc2([], [ep('eice-bad', { State: 'create-failed', StateMessage: 'subnet has no free IPs' })]);
  await rejectsWith(findEndpoint(ctx(api), instance), 'endpoint-unusable', /eice-bad in vpc-1 is create-failed: subnet has no free IPs/, /create-instance-connect-endpoint/);
  await rejectsWith(findEndpoint(ctx(api), instance, { eiceId: 'eice-bad' }), 'endpoint-unusable', /is create-failed/);
});

test('FIPS mode uses FipsDnsName and fails clearly when it is empty', async () => {
  const { api } = fakeEc2([], [ep('eice-f', { SubnetId: 'subnet-a', FipsDnsName: 'eice-f.fips.example' })]);
  assert.equal((await findEndpoint(ctx(api, true), instance)).dnsName, 'eice-f.fips.example');
  const { api: noFips } = fakeEc2([], [ep('eice-n')]);
  await rejectsWith(findEndpoint(ctx(noFips, true), instance), 'endpoint-no-fips', /eice-n has no FIPS DNS name/, /AWS_USE_FIPS_ENDPOINT/);
});

test('the region\'s usable endpoints, asked for before the instance is known, give the same choice and the same errors', async () => {
  const all = [ep('eice-other-vpc', { VpcId: 'vpc-2', SubnetId: 'subnet-a' }), ep('eice-b'), ep('eice-a', { SubnetId: 'subnet-a' }),
    ep('eice-failed', { VpcId: 'vpc-3', State: 'create-failed' })];
  const { api, calls } = fakeEc2([], all);
  const usable = usableEndpoints(ctx(api));
  assert.equal((await findEndpoint(ctx(api), instance, { usable })).id, 'eice-a');
  assert.deepEqual((calls[0].input as DescribeEndpointsInput).Filters, [{ Name: 'state', Values: ['create-complete', 'update-in-progress', 'update-failed', 'update-complete'] }]);
  assert.equal(calls.length, 3, 'one query, three pages (one usable endpoint each); none per VPC');
  // Nothing usable in the instance's VPC: the unfiltered query of that VPC names why, as before.
  const failed = { ...instance, vpcId: 'vpc-3' };
  await rejectsWith(findEndpoint(ctx(api), failed, { usable: usableEndpoints(ctx(api)) }), 'endpoint-unusable', /eice-failed in vpc-3 is create-failed/);
  await rejectsWith(findEndpoint(ctx(api), { ...instance, vpcId: 'vpc-9' }, { usable: usableEndpoints(ctx(api)) }), 'endpoint-none', /no EC2 Instance Connect Endpoint in vpc-9/);
});
