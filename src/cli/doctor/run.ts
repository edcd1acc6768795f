/**
 * The body of `eic doctor`: the AWS half of a connection checked step by step (credentials and
 * region, the instance, the endpoint, the security groups, the key push), then the network half
 * (probe.ts). Each step reports ✔ or ✗ with what it found and the fix; a ✗ that makes the next
 * steps meaningless ends the run there.
 */
import { isIPv6 } from 'node:net';
import { createAwsContext, type AwsContext } from '../../aws/clients.js';
import { accountOf } from '../../aws/timeouts.js';
import { findEndpoint, type EndpointInfo } from '../../aws/endpoints.js';
import { checkReachable, resolveInstance, type InstanceInfo } from '../../aws/instances.js';
import { pushPublicKey } from '../../aws/push-key.js';
import { usageError } from '../../errors.js';
import type { Io } from '../../io.js';
import { createLogger, type Logger } from '../../log.js';
import { generateSessionKey } from '../../ssh/keys.js';
import { hostAlias, knownHostsPath } from '../../ssh/known-hosts.js';
import { checkOptions, tunnelOpener } from '../../target/discover.js';
import { checkSecurityGroups, otherCauses, unreadHint, type GroupsCheck } from '../../target/explain-unreachable.js';
import { splitUserHost } from '../../target/ssh-target.js';
import { DOCTOR_FAILED, type DoctorCliOptions } from './options.js';
import { probeAuth, probeTunnel } from './probe.js';
import { Report } from './report.js';

/** `AKIA…MPLE`: enough to tell keys apart, not the whole id. */
function maskKeyId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

function describeInstance(i: InstanceInfo): string {
  const label = i.name ? `${i.id} (${i.name})` : i.id;
  const v4 = i.privateIp && !isIPv6(i.privateIp) ? `private IPv4 ${i.privateIp}` : undefined;
  const addrs = [v4, i.ipv6 ? `IPv6 ${i.ipv6}` : undefined].filter(Boolean).join(', ') || 'no private address';
  return `${label}: ${i.state}, ${addrs}, ${i.vpcId ?? 'no VPC'} ${i.subnetId ?? ''}`.trimEnd();
}

/** The endpoint step: state, address type, where it sits; undefined when it cannot serve. */
async function endpointStep(r: Report, aws: AwsContext, instance: InstanceInfo, ip: string, opts: DoctorCliOptions): Promise<EndpointInfo | undefined> {
  if (opts.eiceDnsName) {
    r.pass('endpoint', `${opts.eiceId} at ${opts.eiceDnsName} (given with --eice-id and --eice-dns-name, not looked up)`);
    return { id: opts.eiceId!, dnsName: opts.eiceDnsName, state: 'unknown', vpcId: instance.vpcId ?? '', subnetId: '' };
  }
  let ep: EndpointInfo;
  try {
    ep = await findEndpoint(aws, instance, { eiceId: opts.eiceId });
  } catch (err) {
    r.failWith('endpoint', err);
    return undefined;
  }
  const type = ep.ipAddressType ?? 'ipv4';
  const where = ep.subnetId === instance.subnetId ? `in the instance's subnet ${ep.subnetId}`
    : `in ${ep.subnetId}, another subnet of the instance's VPC`;
  const found = `${ep.id}: ${ep.state}, ${type}${ep.preserveClientIp ? ', preserves the client IP' : ''}, ${where}`;
  if (instance.vpcId && ep.vpcId !== instance.vpcId) {
    r.fail('endpoint', `${ep.id} is in ${ep.vpcId}, not in the instance's VPC ${instance.vpcId}`, 'drop --eice-id: eic finds the endpoint of the instance\'s VPC');
    return undefined;
  }
  const v6 = isIPv6(ip);
  if ((type === 'ipv4' && v6) || (type === 'ipv6' && !v6)) {
    r.fail('endpoint', `${found}: it cannot reach the ${v6 ? 'IPv6' : 'IPv4'} address ${ip}`,
      `give the instance ${v6 ? 'a private IPv4' : 'an IPv6'} address, or create a dualstack endpoint: aws ec2 create-instance-connect-endpoint --subnet-id ${instance.subnetId ?? '<subnet>'} --ip-address-type dualstack`);
    return undefined;
  }
  r.pass('endpoint', found);
  return ep;
}

/** The security-groups step; false when a rule is certainly missing (the tunnel cannot work). */
function groupsStep(r: Report, check: GroupsCheck): boolean {
  if (!check.read) {
    r.fail('security-groups', check.denied ? 'cannot read them: ec2:DescribeSecurityGroups was denied' : `cannot read them: ${check.error.message}`,
      check.denied ? 'grant ec2:DescribeSecurityGroups to have them checked' : check.error.hint);
    return true;
  }
  const ids = `instance ${check.groupIds.instance.join(', ') || '(none)'}, endpoint ${check.groupIds.endpoint.join(', ') || '(none)'}`;
  if (check.reach.ok) {
    r.pass('security-groups', `${ids}: ${check.reach.notes.join('; ')}`);
    return true;
  }
  r.fail('security-groups', `${ids}: ${check.reach.missing.map((m) => m.text).join('; and ')}`,
    check.reach.missing.map((m) => m.command).join(' && '));
  return false;
}

async function diagnose(r: Report, aws: AwsContext, host: string, osUser: string, opts: DoctorCliOptions, io: Io, logger: Logger): Promise<void> {
  let instance: InstanceInfo;
  try {
    instance = await resolveInstance(aws, host);
  } catch (err) {
    r.failWith('instance', err);
    return;
  }
  if (opts.privateIp) instance = { ...instance, privateIp: opts.privateIp };
  try {
    checkReachable(instance);
  } catch (err) {
    r.failWith('instance', err, describeInstance(instance));
    return;
  }
  r.pass('instance', describeInstance(instance));
  const ip = instance.privateIp!;

  const endpoint = await endpointStep(r, aws, instance, ip, opts);
  if (!endpoint) return;

  const port = opts.port;
  const check = await checkSecurityGroups({ aws, instance, privateIp: ip, endpoint }, port);
  if (!groupsStep(r, check)) return;

  const key = generateSessionKey();
  if (port === 22) {
    try {
      await pushPublicKey(aws.instanceConnect, { instanceId: instance.id, osUser, publicKey: key.publicLine, availabilityZone: instance.availabilityZone, profile: aws.profile });
      r.pass('key-push', `SendSSHPublicKey accepted a fresh ed25519 key for ${osUser} (valid 60 s)`);
    } catch (err) {
      r.failWith('key-push', err);
      return;
    }
  }

  const opener = tunnelOpener(aws, endpoint, ip, opts.maxTunnelDuration, { env: io.env, logger });
  const open = () => opener(port);
  const unreachableFix = check.read ? `the security groups allow it, so: ${otherCauses(port)}` : unreadHint(check, port);
  const where = `through ${endpoint.id} to ${isIPv6(ip) ? `[${ip}]` : ip}:${port}`;
  if (!await probeTunnel(r, { open, port, where, unreachableFix, logger })) return;
  if (port === 3389) {
    r.notChecked('rdp-handshake', 'not checked: eic doctor does not speak RDP, so whether an RDP server answers on port 3389 and accepts a login is untested',
      `connect an RDP client to localhost:13389 while eic tunnel ${host} --remote-port 3389 --local-port 13389 runs`);
    return;
  }
  await probeAuth(r, {
    open, key, osUser, instanceId: instance.id, logger,
    knownHosts: { file: knownHostsPath(io.env, opts.knownHosts), alias: hostAlias(instance.id, port) },
  });
}

export async function runDoctor(target: string, opts: DoctorCliOptions, io: Io): Promise<number> {
  const { user, host } = splitUserHost(target);
  if (!host) throw usageError('target-missing', 'no instance given', 'name an instance id, Name tag or private IP');
  checkOptions(host, opts);
  const osUser = opts.osUser ?? user ?? 'ec2-user';
  const logger = createLogger({ verbose: opts.verbose, quiet: true, write: (s) => io.stderr.write(s) });
  // SSH: credentials, instance, endpoint, groups, key push, tunnel, banner, authentication;
  // RDP: the first four, the tunnel, and the handshake it does not check.
  const r = new Report(io, Boolean(opts.json), opts.port === 22 ? 8 : 6);
  let aws: AwsContext | undefined;
  try {
    aws = await createAwsContext({ ...accountOf(opts), env: io.env, logger });
    const c = await aws.credentials();
    r.pass('credentials', `region ${aws.region}${aws.profile ? `, profile ${aws.profile}` : ''}, access key ${maskKeyId(c.accessKeyId)}${c.sessionToken ? ' (temporary)' : ''}`);
  } catch (err) {
    r.failWith('credentials', err);
    aws?.close();
    return r.end(DOCTOR_FAILED);
  }
  try {
    await diagnose(r, aws, host, osUser, opts, io, logger);
  } finally {
    aws.close();
  }
  return r.end(DOCTOR_FAILED);
}
