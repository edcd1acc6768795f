// `eic list` names the endpoint that `eic ssh` would use: both pick it with preferredEndpoint()
// (the one in the instance's subnet, else the first usable one of its VPC), whatever order EC2
// lists the endpoints in. When none is usable, list names an unusable one to say why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DescribeEndpointsOutput, Ec2Api, SdkEndpoint } from '../src/aws/api.js';
import type { AwsContext } from '../src/aws/clients.js';
import { endpointForInstance, endpointsByVpc } from '../src/aws/endpoints-by-vpc.js';
import { findEndpoint } from '../src/aws/endpoints.js';
import type { InstanceInfo } from '../src/aws/instances.js';

const ep = (id: string, subnet: string, state = 'create-complete'): SdkEndpoint =>
  ({ InstanceConnectEndpointId: id, VpcId: 'vpc-1', SubnetId: subnet, State: state, DnsName: `${id}.example` });

/** Answers DescribeInstanceConnectEndpoints from `all`, honouring the state filter as EC2 does. */
function fakeAws(all: SdkEndpoint[]): AwsContext {
  const ec2: Partial<Ec2Api> = {
    describeInstanceConnectEndpoints: async (input): Promise<DescribeEndpointsOutput> => {
      const states = input.Filters?.find((f) => f.Name === 'state')?.Values;
      return { InstanceConnectEndpoints: all.filter((e) => !states || states.includes(e.State ?? '')) };
    },
  };
  return { ec2, region: 'us-east-1', fips: false } as AwsContext;
}

function permutations<T>(xs: T[]): T[][] {
  return xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

const inst = (subnetId: string): InstanceInfo => ({ id: 'i-0123456789abcdef0', state: 'running', vpcId: 'vpc-1', subnetId, privateIp: '10.0.0.5', tags: {} });

test('list and discovery pick the same endpoint, in every listing order', async () => {
  const endpoints = [ep('eice-a', 'subnet-a'), ep('eice-b', 'subnet-b'), ep('eice-f', 'subnet-c', 'create-failed'), ep('eice-d', 'subnet-d', 'delete-complete')];
  for (const order of permutations(endpoints)) {
    const aws = fakeAws(order);
    const byVpc = await endpointsByVpc(aws, ['vpc-1']);
    for (const subnet of ['subnet-a', 'subnet-b', 'subnet-c', 'subnet-e']) {
      const listed = endpointForInstance(inst(subnet), byVpc);
      const used = await findEndpoint(aws, inst(subnet));
      assert.equal(listed?.id, used.id, `${subnet} with ${order.map((e) => e.InstanceConnectEndpointId).join(',')}`);
      assert.equal(listed?.usable, true);
      if (subnet === 'subnet-a' || subnet === 'subnet-b') assert.equal(used.subnetId, subnet, 'the endpoint of its own subnet');
    }
  }
});

test('no usable endpoint: list names the failed one, discovery says it failed; a deleted one counts as none', async () => {
  const aws = fakeAws([ep('eice-d', 'subnet-a', 'delete-complete'), ep('eice-f', 'subnet-c', 'create-failed')]);
  const listed = endpointForInstance(inst('subnet-a'), await endpointsByVpc(aws, ['vpc-1']));
  assert.deepEqual(listed, { id: 'eice-f', state: 'create-failed', vpcId: 'vpc-1', subnetId: 'subnet-c', usable: false });
  await assert.rejects(findEndpoint(aws, inst('subnet-a')), /eice-f in vpc-1 is create-failed/);
  const none = fakeAws([ep('eice-d', 'subnet-a', 'delete-complete')]);
  assert.equal(endpointForInstance(inst('subnet-a'), await endpointsByVpc(none, ['vpc-1'])), undefined);
});
