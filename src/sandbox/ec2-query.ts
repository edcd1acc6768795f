/**
 * The sandbox's EC2 Query API: DescribeInstances, DescribeInstanceConnectEndpoints,
 * DescribeSecurityGroups and DescribeNetworkInterfaces over the config, validated and paginated as EC2 does it. Authentication happens before this (in
 * api-server.ts); here a request is a map of form parameters and the answer is EC2's XML.
 */
import type { SandboxConfig, SecurityGroupConfig, SecurityGroupRuleConfig } from './config.js';
import { endpointView, instanceView, networkInterfaceViews, type DnsNames, type EndpointView, type InstanceView, type NetworkInterfaceView } from './ec2-model.js';
import {
  applyFilters, decodeNextToken, Ec2Error, maxResults, numberedList, page, parseFilters, queryFingerprint,
  tagFilterValues, type FilterFields, type Params,
} from './ec2-params.js';
import { endpointXml, errorDocument, itemSet, leaf, networkInterfaceXml, reservationXml, responseDocument, securityGroupXml } from './ec2-xml.js';
import { allGroups } from './security-groups.js';

export interface Ec2QueryOptions {
  config: SandboxConfig;
  endpointDnsName: DnsNames;
  /** LaunchTime of the instances and CreatedAt of the endpoints. */
  startedAt: Date;
}

export interface XmlAnswer { status: number; body: string }

export const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
const ENDPOINT_ID = /^eice-[0-9a-f]{8}([0-9a-f]{9})?$/;
const GROUP_ID = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;
const ENI_ID = /^eni-[0-9a-f]{8}([0-9a-f]{9})?$/;

const INSTANCE_FILTERS = new Set([
  'instance-id', 'instance-state-name', 'instance-state-code', 'instance-type', 'availability-zone',
  'private-ip-address', 'private-dns-name', 'ipv6-address', 'network-interface.ipv6-addresses.ipv6-address',
  'network-interface.network-interface-id', 'vpc-id', 'subnet-id', 'tag-key', 'tag-value',
]);

function instanceField(v: InstanceView, name: string): Array<string | undefined> | undefined {
  switch (name) {
    case 'instance-id': return [v.id];
    case 'instance-state-name': return [v.state];
    case 'instance-state-code': return [String(v.stateCode)];
    case 'instance-type': return [v.instanceType];
    case 'availability-zone': return [v.availabilityZone];
    case 'private-ip-address': return [v.privateIpAddress];
    case 'private-dns-name': return [v.privateDnsName || undefined];
    case 'ipv6-address':
    case 'network-interface.ipv6-addresses.ipv6-address': return [v.ipv6Address];
    case 'network-interface.network-interface-id': return [v.networkInterfaceId];
    case 'vpc-id': return [v.vpcId];
    case 'subnet-id': return [v.subnetId];
    default: return tagFilterValues(v.tags, name);
  }
}

const ENDPOINT_FILTERS = new Set([
  'instance-connect-endpoint-id', 'state', 'vpc-id', 'subnet-id', 'availability-zone', 'tag-key', 'tag-value',
]);

function endpointField(v: EndpointView, name: string): Array<string | undefined> | undefined {
  switch (name) {
    case 'instance-connect-endpoint-id': return [v.id];
    case 'state': return [v.state];
    case 'vpc-id': return [v.vpcId];
    case 'subnet-id': return [v.subnetId];
    case 'availability-zone': return [v.availabilityZone];
    default: return tagFilterValues(v.tags, name);
  }
}

const GROUP_FILTERS = new Set([
  'group-id', 'group-name', 'vpc-id', 'description', 'owner-id', 'tag-key', 'tag-value',
  ...['', 'egress.'].flatMap((d) => ['protocol', 'from-port', 'to-port', 'cidr', 'ipv6-cidr', 'group-id'].map((f) => `${d}ip-permission.${f}`)),
]);

type GroupView = SecurityGroupConfig & { ownerId: string };

/** A rule's values under one `ip-permission.*` filter (EC2 matches any rule of the group). */
function ruleField(r: SecurityGroupRuleConfig, field: string): Array<string | undefined> {
  const all = String(r.protocol) === '-1';
  switch (field) {
    case 'protocol': return [String(r.protocol)];
    case 'from-port': return [all ? undefined : String(r.fromPort ?? 0)];
    case 'to-port': return [all ? undefined : String(r.toPort ?? 65535)];
    case 'cidr': return [r.cidr && !r.cidr.includes(':') ? r.cidr : undefined];
    case 'ipv6-cidr': return [r.cidr?.includes(':') ? r.cidr : undefined];
    case 'group-id': return [r.sourceSecurityGroupId];
    default: return [];
  }
}

function groupField(g: GroupView, name: string): Array<string | undefined> | undefined {
  switch (name) {
    case 'group-id': return [g.id];
    case 'group-name': return [g.name];
    case 'vpc-id': return [g.vpcId];
    case 'description': return [g.description ?? g.name];
    case 'owner-id': return [g.ownerId];
  }
  const m = /^(egress\.)?ip-permission\.(.+)$/.exec(name);
  if (m) return (m[1] ? g.egress : g.ingress).flatMap((r) => ruleField(r, m[2]));
  return tagFilterValues({}, name);
}

const ENI_FILTERS = new Set([
  'network-interface-id', 'subnet-id', 'vpc-id', 'availability-zone', 'description', 'owner-id', 'requester-managed',
  'status', 'interface-type', 'mac-address', 'private-ip-address', 'addresses.private-ip-address', 'private-dns-name',
  'ipv6-addresses.ipv6-address', 'group-id', 'group-name', 'attachment.instance-id', 'tag-key', 'tag-value',
]);

function eniField(v: NetworkInterfaceView, name: string): Array<string | undefined> | undefined {
  switch (name) {
    case 'network-interface-id': return [v.id];
    case 'subnet-id': return [v.subnetId];
    case 'vpc-id': return [v.vpcId];
    case 'availability-zone': return [v.availabilityZone];
    case 'description': return [v.description];
    case 'owner-id': return [v.ownerId];
    case 'requester-managed': return [String(v.requesterManaged)];
    case 'status': return ['in-use'];
    case 'interface-type': return [v.interfaceType];
    case 'mac-address': return [v.macAddress];
    case 'private-ip-address':
    case 'addresses.private-ip-address': return [v.privateIpAddress];
    case 'private-dns-name': return [v.privateDnsName];
    case 'ipv6-addresses.ipv6-address': return v.ipv6Addresses;
    case 'group-id': return v.groups.map((g) => g.id);
    case 'group-name': return v.groups.map((g) => g.name);
    case 'attachment.instance-id': return [v.attachment?.instanceId];
    default: return tagFilterValues({}, name);
  }
}

const knownFilter = (set: Set<string>) => (name: string) => set.has(name) || name.startsWith('tag:');

/** How a Describe call names its ids in errors (security groups use two different codes). */
interface IdKind { code: string; label: string; notFoundCode?: string }

/** Refuse malformed ids first, then unknown ones, naming them all as EC2 does. */
function checkIds(ids: string[], pattern: RegExp, known: Set<string>, kind: IdKind): void {
  const bad = ids.find((id) => !pattern.test(id));
  if (bad !== undefined) throw new Ec2Error(`${kind.code}.Malformed`, `Invalid id: "${bad}"`);
  const missing = [...new Set(ids.filter((id) => !known.has(id)))];
  const notFound = kind.notFoundCode ?? `${kind.code}.NotFound`;
  if (missing.length === 1) throw new Ec2Error(notFound, `The ${kind.label} ID '${missing[0]}' does not exist`);
  if (missing.length > 1) throw new Ec2Error(notFound, `The ${kind.label} IDs '${missing.join(', ')}' do not exist`);
}

function dryRun(params: Params): void {
  if (params.get('DryRun') === 'true') {
    throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  }
}

/** One Describe call's collection: what to list, how ids look, which filters apply. */
interface Collection<V extends { id: string }> {
  action: string;
  all: V[];
  ids: string[];
  max: number | undefined;
  idPattern: RegExp;
  idKind: IdKind;
  field: FilterFields<V>;
  filterNames: Set<string>;
}

/** What every Describe call does the same way: ids, paging token, DryRun, filters, one page. */
function describePage<V extends { id: string }>(params: Params, c: Collection<V>): { items: V[]; nextToken?: string } {
  const filters = parseFilters(params);
  checkIds(c.ids, c.idPattern, new Set(c.all.map((v) => v.id)), c.idKind);
  const fingerprint = queryFingerprint(c.action, params);
  const offset = decodeNextToken(params.get('NextToken'), fingerprint);
  dryRun(params);
  const wanted = c.ids.length > 0 ? c.all.filter((v) => c.ids.includes(v.id)) : c.all;
  return page(applyFilters(wanted, filters, c.field, knownFilter(c.filterNames)), offset, c.max, fingerprint);
}

function describeInstances(params: Params, opts: Ec2QueryOptions): string {
  const ids = numberedList(params, 'InstanceId');
  const max = maxResults(params, 5, 1000);
  if (ids.length > 0 && max !== undefined) {
    throw new Ec2Error('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  const p = describePage(params, {
    action: 'DescribeInstances', ids, max, idPattern: INSTANCE_ID, idKind: { code: 'InvalidInstanceID', label: 'instance' },
    all: opts.config.instances.map((i) => instanceView(opts.config, i, opts.startedAt)),
    field: instanceField, filterNames: INSTANCE_FILTERS,
  });
  return itemSet('reservationSet', p.items.map(reservationXml)) + leaf('nextToken', p.nextToken);
}

function describeEndpoints(params: Params, opts: Ec2QueryOptions): string {
  const p = describePage(params, {
    action: 'DescribeInstanceConnectEndpoints', ids: numberedList(params, 'InstanceConnectEndpointId'), max: maxResults(params, 1, 50),
    idPattern: ENDPOINT_ID, idKind: { code: 'InvalidInstanceConnectEndpointId', label: 'instance connect endpoint' },
    all: opts.config.endpoints.map((e) => endpointView(opts.config, e, opts.endpointDnsName, opts.startedAt)),
    field: endpointField, filterNames: ENDPOINT_FILTERS,
  });
  return itemSet('instanceConnectEndpointSet', p.items.map(endpointXml)) + leaf('nextToken', p.nextToken);
}

function describeSecurityGroups(params: Params, opts: Ec2QueryOptions): string {
  const { config } = opts;
  const p = describePage(params, {
    action: 'DescribeSecurityGroups', ids: numberedList(params, 'GroupId'), max: maxResults(params, 5, 1000),
    idPattern: GROUP_ID, idKind: { code: 'InvalidGroupId', label: 'security group', notFoundCode: 'InvalidGroup.NotFound' },
    all: allGroups(config).map((g) => ({ ...g, ownerId: config.accountId })),
    field: groupField, filterNames: GROUP_FILTERS,
  });
  return itemSet('securityGroupInfo', p.items.map((g) => securityGroupXml(g, g.ownerId, config.region))) + leaf('nextToken', p.nextToken);
}

function describeNetworkInterfaces(params: Params, opts: Ec2QueryOptions): string {
  const ids = numberedList(params, 'NetworkInterfaceId');
  const max = maxResults(params, 5, 1000);
  if (ids.length > 0 && max !== undefined) {
    throw new Ec2Error('InvalidParameterCombination', 'The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults');
  }
  const p = describePage(params, {
    action: 'DescribeNetworkInterfaces', ids, max, idPattern: ENI_ID,
    idKind: { code: 'InvalidNetworkInterfaceID', label: 'networkInterface' },
    all: networkInterfaceViews(opts.config, opts.startedAt), field: eniField, filterNames: ENI_FILTERS,
  });
  return itemSet('networkInterfaceSet', p.items.map(networkInterfaceXml)) + leaf('nextToken', p.nextToken);
}

const ACTIONS: Record<string, (params: Params, opts: Ec2QueryOptions) => string> = {
  DescribeInstances: describeInstances,
  DescribeInstanceConnectEndpoints: describeEndpoints,
  DescribeSecurityGroups: describeSecurityGroups,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
};

export function ec2ErrorAnswer(err: Ec2Error, requestId: string): XmlAnswer {
  return { status: err.status, body: errorDocument(err.code, err.message, requestId) };
}

/** Answer one EC2 Query request (already authenticated). */
export function handleEc2Query(params: Params, opts: Ec2QueryOptions, requestId: string): XmlAnswer {
  try {
    const action = params.get('Action');
    if (!action) throw new Ec2Error('MissingAction', 'The request must contain the parameter Action');
    const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (!run) throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
    return { status: 200, body: responseDocument(action, requestId, run(params, opts)) };
  } catch (err) {
    if (err instanceof Ec2Error) return ec2ErrorAnswer(err, requestId);
    throw err;
  }
}
