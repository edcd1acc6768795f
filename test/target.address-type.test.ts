// needs: openssl sshd
// Endpoints have an IpAddressType: ipv4 reaches IPv4 targets only, ipv6 IPv6 only, dualstack
// both. eic picks the instance's address to fit (dualstack: IPv4 first) and says, before it opens
// any tunnel, when the endpoint reaches none of them; the sandbox serves the type and enforces it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointInfo } from '../src/aws/endpoints.js';
import type { InstanceInfo } from '../src/aws/instances.js';
import { isEicError } from '../src/errors.js';
import { defaultConfig } from '../src/sandbox/config.js';
import { UNABLE_TO_CONNECT } from '../src/sandbox/index.js';
import { tunnelAddress } from '../src/target/address.js';
import { closed, EICE_B, openTunnel } from './helpers/sandbox-tunnel.js';
import { runEic, useSandboxCli } from './helpers/tunnel-harness.js';

const endpoint = (ipAddressType?: string): EndpointInfo => ({ id: 'eice-1', dnsName: 'x', state: 'create-complete', vpcId: 'vpc-1', subnetId: 'subnet-1', ipAddressType });
const instance = (privateIp?: string, ipv6?: string): InstanceInfo => ({ id: 'i-1', state: 'running', privateIp: privateIp ?? ipv6, ipv6, tags: {}, subnetId: 'subnet-1' });

describe('tunnelAddress', () => {
  it('picks the address the endpoint reaches: dualstack IPv4 first, ipv6 the IPv6 one', () => {
    const dual = instance('10.0.0.5', 'fd00::5');
    assert.equal(tunnelAddress(dual, endpoint('dualstack')), '10.0.0.5');
    assert.equal(tunnelAddress(dual, endpoint('ipv4')), '10.0.0.5');
    assert.equal(tunnelAddress(dual, endpoint('ipv6')), 'fd00::5');
    assert.equal(tunnelAddress(instance(undefined, 'fd00::5'), endpoint('dualstack')), 'fd00::5');
    assert.equal(tunnelAddress(instance(undefined, 'fd00::5'), endpoint(undefined)), 'fd00::5', 'type unknown: as before');
    assert.equal(tunnelAddress(dual, endpoint('ipv6'), 'fd00::9'), 'fd00::9', '--private-ip wins when it fits');
  });

  it('says which side lacks what when the endpoint reaches none of the addresses', () => {
    assert.throws(() => tunnelAddress(instance(undefined, 'fd00::5'), endpoint('ipv4')), (err: unknown) => isEicError(err)
      && err.code === 'endpoint-address-family'
      && err.message === 'Instance Connect Endpoint eice-1 is ipv4-only and instance i-1 has only IPv6 address fd00::5'
      && /dualstack/.test(err.hint ?? ''));
    assert.throws(() => tunnelAddress(instance('10.0.0.5'), endpoint('ipv6')), /is ipv6-only and instance i-1 has only IPv4 address 10\.0\.0\.5/);
    assert.throws(() => tunnelAddress(instance('10.0.0.5', 'fd00::5'), endpoint('ipv4'), 'fd00::5'), /\(--private-ip fd00::5\)/);
  });
});

describe('address types against the sandbox (real sshd)', () => {
  const config = defaultConfig();
  // The IPv6-only instance's endpoint made ipv4-only: it can reach nothing there.
  config.endpoints = config.endpoints.map((e) => (e.id === EICE_B ? { ...e, ipAddressType: 'ipv4' as const } : e));
  // Dual-stack instances: one behind a dualstack endpoint (VPC 1, derived), one behind an ipv6 one (VPC 3).
  config.instances.push(
    { id: 'i-0d0a15000000000a1', name: 'dual', state: 'running', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.60', ipv6Address: 'fd00:10:0:1::60', osUsers: ['ec2-user'] },
    { id: 'i-0d0a15000000000c1', name: 'dual-v6', state: 'running', subnetId: 'subnet-0ccc00000000000c1', privateIpAddress: '10.2.1.60', ipv6Address: 'fd00:10:2:1::60', osUsers: ['ec2-user'] },
  );
  config.endpoints.push({ id: 'eice-0d0a15000000000c1', subnetId: 'subnet-0ccc00000000000c1', state: 'create-complete', ipAddressType: 'ipv6' });
  const cli = useSandboxCli({ sandbox: { config } });

  it('an ipv4-only endpoint and an IPv6-only instance: eic says so and opens no tunnel', async () => {
    const before = cli.sb.tunnelRequests();
    const r = await runEic(['ssh', 'v6-only', '--', 'true'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /^eic: Instance Connect Endpoint eice-0fedcba9876543210 is ipv4-only and instance i-0fedcba9876543210 has only IPv6 address fd00:10:1:1::10 \(create a dualstack endpoint/m);
    assert.equal(cli.sb.tunnelRequests(), before, 'no tunnel was opened');
  });

  it('the sandbox enforces it: an IPv6 target through an ipv4 endpoint opens and closes with 1011', async () => {
    const a = await openTunnel(cli.sb, { instanceConnectEndpointId: EICE_B, privateIpAddress: 'fd00:10:1:1::10' });
    assert.ok(a.ok);
    assert.deepEqual(await closed(a.ws).then((c) => [c.code, c.reason]), [1011, UNABLE_TO_CONNECT]);
  });

  it('a dualstack endpoint: the instance\'s IPv4 address', async () => {
    const r = await runEic(['ssh', '-v', 'dual', '--', 'echo reached'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /endpoint eice-0123456789abcdef0 \(create-complete\) at \S+, dualstack/);
    assert.match(r.stderr, /opening tunnel to 10\.0\.1\.60:22/, 'dualstack: the IPv4 address');
    assert.equal(r.stdout.toString(), 'reached\n');
  });

  it('an ipv6 endpoint: the instance\'s IPv6 address', async () => {
    const r = await runEic(['ssh', '-v', 'dual-v6', '--', 'echo reached'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /endpoint eice-0d0a15000000000c1 \(create-complete\) at \S+, ipv6/);
    assert.match(r.stderr, /opening tunnel to fd00:10:2:1::60:22/);
    assert.equal(r.stdout.toString(), 'reached\n');
  });
});
