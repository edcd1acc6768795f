// Which endpoint serves an instance, or why none does (what the picker greys out and eic
// ssh-config skips): the state, the VPC, and the endpoint's address type against the instance's
// addresses, decided as discovery decides it (target/address.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InstanceInfo } from '../src/aws/instances.js';
import { reachOf } from '../src/target/reach.js';

const inst = (o: Partial<InstanceInfo>): InstanceInfo => ({ id: 'i-0123456789abcdef0', state: 'running', vpcId: 'vpc-1', subnetId: 'subnet-b', privateIp: '10.0.0.5', tags: {}, ...o });
const ep = (id: string, subnet: string, type?: string) => ({ InstanceConnectEndpointId: id, VpcId: 'vpc-1', SubnetId: subnet, IpAddressType: type });

test('the endpoint in the instance\'s own subnet first, else the first of its VPC', () => {
  assert.deepEqual(reachOf(inst({}), [ep('eice-a', 'subnet-a'), ep('eice-b', 'subnet-b')]), { endpointId: 'eice-b' });
  assert.deepEqual(reachOf(inst({ subnetId: 'subnet-c' }), [ep('eice-a', 'subnet-a'), ep('eice-b', 'subnet-b')]), { endpointId: 'eice-a' });
});

test('reasons: not running, no endpoint in the VPC, no address the endpoint reaches', () => {
  assert.deepEqual(reachOf(inst({ state: 'stopped' }), [ep('eice-a', 'subnet-a')]), { reason: 'stopped' });
  assert.deepEqual(reachOf(inst({ vpcId: 'vpc-2' }), [ep('eice-a', 'subnet-a')]), { reason: 'no endpoint in its VPC' });
  assert.deepEqual(reachOf(inst({ privateIp: 'fd00::5', ipv6: 'fd00::5' }), [ep('eice-a', 'subnet-a', 'ipv4')]),
    { reason: 'its VPC\'s endpoint (ipv4) reaches none of its addresses' });
  assert.deepEqual(reachOf(inst({ state: 'stopped\x1b[2J' }), []), { reason: 'stopped\\x1b[2J' });
});

test('an instance with both families is served by an ipv6 endpoint through its IPv6 address', () => {
  assert.deepEqual(reachOf(inst({ ipv6: 'fd00::5' }), [ep('eice-6', 'subnet-b', 'ipv6')]), { endpointId: 'eice-6' });
  assert.deepEqual(reachOf(inst({}), [ep('eice-6', 'subnet-b', 'ipv6')]).endpointId, undefined);
});
