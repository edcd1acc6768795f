// The security-group analysis behind "Unable to connect to target" and eic doctor, over groups
// shaped as DescribeSecurityGroups answers them: what allows, what is missing (with the exact
// AWS CLI command), and what eic cannot decide (CIDR rules, when the endpoint's address is
// not known to it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SdkSecurityGroup } from '../src/aws/api.js';
import { analyzeReachability, type ReachabilityInput } from '../src/target/reachability.js';

const EP = 'sg-0e1ce0000000000a1';
const INST = 'sg-022000000000000a1';
const tcp = (port: number, peer: { group?: string; cidr?: string }) => ({
  IpProtocol: 'tcp', FromPort: port, ToPort: port,
  UserIdGroupPairs: peer.group ? [{ GroupId: peer.group }] : [], IpRanges: peer.cidr ? [{ CidrIp: peer.cidr }] : [],
});
const allOut = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

function input(epGroup: SdkSecurityGroup, instGroup: SdkSecurityGroup, over: Partial<ReachabilityInput> = {}): ReachabilityInput {
  return {
    port: 22,
    instance: { id: 'i-0123456789abcdef0', ip: '10.0.1.10', groupIds: [INST] },
    endpoint: { id: 'eice-0123456789abcdef0', groupIds: [EP] },
    groups: [epGroup, instGroup],
    ...over,
  };
}
const eice = (egress: SdkSecurityGroup['IpPermissionsEgress'] = [allOut]): SdkSecurityGroup => ({ GroupId: EP, GroupName: 'eice', IpPermissions: [], IpPermissionsEgress: egress });
const inst = (ingress: SdkSecurityGroup['IpPermissions']): SdkSecurityGroup => ({ GroupId: INST, GroupName: 'app', IpPermissions: ingress, IpPermissionsEgress: [allOut] });

test('ingress from the endpoint\'s group and egress to anywhere: reachable', () => {
  const r = analyzeReachability(input(eice(), inst([tcp(22, { group: EP })])));
  assert.equal(r.ok, true);
  assert.deepEqual(r.missing, []);
  assert.deepEqual(r.notes, ["the endpoint's security groups let tcp 22 out to the instance", "the instance's security groups let tcp 22 in from the endpoint's group"]);
});

test('no inbound rule for the port: the rule, its group and the command that adds it', () => {
  const r = analyzeReachability(input(eice(), inst([tcp(443, { cidr: '0.0.0.0/0' }), tcp(22, { group: 'sg-0999999999999999a' })])));
  assert.equal(r.ok, false);
  assert.deepEqual(r.missing, [{
    direction: 'ingress', groupId: INST,
    text: `the instance's security group ${INST} (app) has no inbound rule for tcp 22 from the endpoint's security group ${EP} (eice)`,
    command: `aws ec2 authorize-security-group-ingress --group-id ${INST} --protocol tcp --port 22 --source-group ${EP}`,
  }]);
});

test('no outbound rule from the endpoint: authorize-security-group-egress with the instance\'s group', () => {
  const r = analyzeReachability(input(eice([tcp(22, { cidr: '10.9.0.0/16' })]), inst([tcp(22, { group: EP })])));
  assert.equal(r.ok, false);
  assert.equal(r.missing.length, 1);
  assert.equal(r.missing[0].direction, 'egress');
  assert.equal(r.missing[0].text, `the endpoint's security group ${EP} (eice) has no outbound rule for tcp 22 to the instance (${INST} or 10.0.1.10)`);
  assert.equal(r.missing[0].command, `aws ec2 authorize-security-group-egress --group-id ${EP} --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,UserIdGroupPairs=[{GroupId=${INST}}]'`);
});

test('egress by CIDR is decided exactly (the instance\'s address is known); port ranges and -1 count', () => {
  assert.equal(analyzeReachability(input(eice([tcp(22, { cidr: '10.0.0.0/16' })]), inst([tcp(22, { group: EP })]))).ok, true);
  const range = { IpProtocol: 'tcp', FromPort: 20, ToPort: 25, UserIdGroupPairs: [{ GroupId: EP }] };
  assert.equal(analyzeReachability(input(eice(), inst([range]))).ok, true);
  assert.equal(analyzeReachability(input(eice(), inst([{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: EP }] }]))).ok, true);
  assert.equal(analyzeReachability(input(eice(), inst([{ IpProtocol: 'udp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: EP }] }]))).ok, false);
});

test('an inbound CIDR rule for the port may hold the endpoint\'s address: a note, not a missing rule', () => {
  const r = analyzeReachability(input(eice(), inst([tcp(22, { cidr: '10.0.0.0/16' })])));
  assert.equal(r.ok, true);
  assert.match(r.notes.join('\n'), /let tcp 22 in only from 10\.0\.0\.0\/16: that must include the endpoint's private address/);
});

test('preserveClientIp: the endpoint\'s group does not count, the fix names your address', () => {
  const r = analyzeReachability(input(eice(), inst([tcp(22, { group: EP })]), { endpoint: { id: 'eice-0123456789abcdef0', groupIds: [EP], preserveClientIp: true } }));
  assert.equal(r.ok, false);
  assert.match(r.missing[0].text, /from your address \(the endpoint preserves the client IP\)$/);
  assert.equal(r.missing[0].command, `aws ec2 authorize-security-group-ingress --group-id ${INST} --protocol tcp --port 22 --cidr <your address>/32`);
});

test('a group DescribeSecurityGroups did not return leaves its side undecided, and says so', () => {
  const r = analyzeReachability(input(eice(), inst([]), { groups: [eice()] }));
  assert.equal(r.ok, true);
  assert.match(r.notes[0], new RegExp(`not returned by DescribeSecurityGroups: ${INST}`));
});

test('names from AWS are printed without control characters', () => {
  const evil = { ...inst([]), GroupName: 'app\x1b[2J\nforged' };
  const r = analyzeReachability(input(eice(), evil));
  assert.doesNotMatch(r.missing[0].text, /[\x00-\x1f]/);
  assert.match(r.missing[0].text, /app\\x1b\[2J\\nforged/);
});

test("the endpoint's addresses known: the one of the target's family decides a CIDR rule", () => {
  const v6inst = { id: 'i-0123456789abcdef0', ip: 'fd00::10', groupIds: [INST] };
  const v6rule = (cidr: string) => ({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: cidr }] });
  const endpoint = { id: 'eice-0123456789abcdef0', groupIds: [EP], addresses: ['10.0.1.5', 'fd00::5'] };
  const out6 = eice([{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }]);
  const ok = analyzeReachability(input(out6, inst([v6rule('fd00::5/128')]), { instance: v6inst, endpoint }));
  assert.equal(ok.ok, true);
  assert.match(ok.notes[1], /in from the endpoint's address fd00::5$/);
  // The IPv4 address does not count for an IPv6 target.
  const no = analyzeReachability(input(out6, inst([tcp(22, { cidr: '10.0.1.5/32' })]), { instance: v6inst, endpoint }));
  assert.equal(no.ok, false);
  assert.match(no.missing[0].text, /from the endpoint's security group \S+ \(eice\) or its address fd00::5$/);
});

test('an endpoint without a security group: the command lets in its address (IPv6 through --ip-permissions)', () => {
  const v6inst = { id: 'i-0123456789abcdef0', ip: 'fd00::10', groupIds: [INST] };
  const r = analyzeReachability(input(eice(), inst([]), { instance: v6inst, endpoint: { id: 'eice-0123456789abcdef0', groupIds: [], addresses: ['fd00::5'] } }));
  assert.deepEqual(r.missing.filter((m) => m.direction === 'ingress').map((m) => m.command), [
    `aws ec2 authorize-security-group-ingress --group-id ${INST} --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=fd00::5/128}]'`,
  ]);
  const v4 = analyzeReachability(input(eice(), inst([]), { endpoint: { id: 'eice-0123456789abcdef0', groupIds: [], addresses: ['10.0.1.5'] } }));
  assert.match(v4.missing[0].text, /from the endpoint's address 10\.0\.1\.5$/);
  assert.match(v4.missing[0].command, /--protocol tcp --port 22 --cidr 10\.0\.1\.5\/32$/);
});
