/**
 * EC2's XML, written by hand: the SDK's EC2 deserializer reads elements by their exact
 * lower-camel names (read from @aws-sdk/client-ec2's schemas, e.g. `instanceConnectEndpointSet`,
 * `ipv6AddressesSet`), lists as `<xSet><item>…</item></xSet>`, and errors as
 * `<Response><Errors><Error>…` with `RequestID` in capitals, unlike the `requestId` of answers.
 */
import type { SecurityGroupConfig, SecurityGroupRuleConfig } from './config.js';
import type { EndpointView, InstanceView, NetworkInterfaceView } from './ec2-model.js';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export type Scalar = string | number | boolean | Date;

/** `<name>value</name>`, or nothing when the value is absent (EC2 leaves unset fields out). */
export function leaf(name: string, value: Scalar | undefined): string {
  if (value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `<${name}>${escapeXml(text)}</${name}>`;
}

/** `<name>children…</name>` from already-rendered children. */
export function node(name: string, ...children: string[]): string {
  const inner = children.join('');
  return inner ? `<${name}>${inner}</${name}>` : `<${name}/>`;
}

/** `<name><item>…</item>…</name>`; an empty list is `<name/>` as EC2 writes it. */
export function itemSet(name: string, items: string[]): string {
  return node(name, ...items.map((i) => node('item', i)));
}

/** A list of plain strings, e.g. `securityGroupIdSet`. */
export function stringSet(name: string, values: string[]): string {
  return itemSet(name, values.map((v) => escapeXml(v)));
}

/** EC2's `tagSet`. */
export function tagSet(tags: Record<string, string>): string {
  return itemSet('tagSet', Object.entries(tags).map(([k, v]) => leaf('key', k) + leaf('value', v)));
}

/** A successful answer: `<ActionResponse xmlns=…><requestId>…</requestId>…</ActionResponse>`. */
export function responseDocument(action: string, requestId: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}">`
    + leaf('requestId', requestId) + body + `</${action}Response>`;
}

/** EC2's error document. */
export function errorDocument(code: string, message: string, requestId: string): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n<Response>'
    + node('Errors', node('Error', leaf('Code', code), leaf('Message', message)))
    + leaf('RequestID', requestId) + '</Response>';
}

/** One `instancesSet` item, with the fields EC2 returns for a VPC instance. */
export function instanceXml(v: InstanceView): string {
  const nis = v.networkInterfaceId ? [
    leaf('networkInterfaceId', v.networkInterfaceId)
    + leaf('subnetId', v.subnetId) + leaf('vpcId', v.vpcId) + node('description')
    + leaf('ownerId', v.ownerId) + leaf('status', 'in-use') + leaf('macAddress', v.macAddress)
    + leaf('privateIpAddress', v.privateIpAddress) + leaf('privateDnsName', v.privateDnsName)
    + leaf('sourceDestCheck', true) + groupSet(v)
    + node('attachment', leaf('attachmentId', `eni-attach-${v.networkInterfaceId.slice(4)}`),
      leaf('deviceIndex', 0), leaf('status', 'attached'), leaf('attachTime', v.launchTime),
      leaf('deleteOnTermination', true), leaf('networkCardIndex', 0))
    + itemSet('privateIpAddressesSet', v.privateIpAddress
      ? [leaf('privateIpAddress', v.privateIpAddress) + leaf('privateDnsName', v.privateDnsName) + leaf('primary', true)]
      : [])
    // The SDK reads NetworkInterfaces[].Ipv6Addresses[].Ipv6Address from here.
    + itemSet('ipv6AddressesSet', v.ipv6Address ? [leaf('ipv6Address', v.ipv6Address) + leaf('isPrimaryIpv6', true)] : [])
    + leaf('interfaceType', 'interface'),
  ] : [];
  return leaf('instanceId', v.id)
    + leaf('imageId', 'ami-0sandbox0000000000')
    + node('instanceState', leaf('code', v.stateCode), leaf('name', v.state))
    + leaf('privateDnsName', v.privateDnsName)
    + node('dnsName')
    + node('reason', v.state === 'stopped' ? escapeXml(`User initiated (${v.launchTime.toISOString().slice(0, 19).replace('T', ' ')} GMT)`) : '')
    + leaf('amiLaunchIndex', 0)
    + node('productCodes')
    + leaf('instanceType', v.instanceType)
    + leaf('launchTime', v.launchTime)
    + node('placement', leaf('availabilityZone', v.availabilityZone), node('groupName'), leaf('tenancy', 'default'))
    + node('monitoring', leaf('state', 'disabled'))
    + leaf('subnetId', v.subnetId)
    + leaf('vpcId', v.vpcId)
    + leaf('privateIpAddress', v.privateIpAddress)
    + leaf('sourceDestCheck', true)
    + groupSet(v)
    + (v.state === 'stopped'
      ? node('stateReason', leaf('code', 'Client.UserInitiatedShutdown'), leaf('message', 'Client.UserInitiatedShutdown: User initiated shutdown'))
      : '')
    + leaf('architecture', 'x86_64')
    + leaf('rootDeviceType', 'ebs')
    + leaf('rootDeviceName', '/dev/xvda')
    + node('blockDeviceMapping')
    + leaf('virtualizationType', 'hvm')
    + tagSet(v.tags)
    + leaf('hypervisor', 'xen')
    + itemSet('networkInterfaceSet', nis)
    + leaf('ebsOptimized', false)
    + leaf('enaSupport', true)
    + leaf('platformDetails', 'Linux/UNIX')
    // The SDK reads Instance.Ipv6Address from here (EC2 fills it with the primary IPv6 address).
    + leaf('ipv6Address', v.ipv6Address);
}

/** An instance's (or its network interface's) groups: `groupSet` items of groupName and groupId. */
function groupSet(v: InstanceView): string {
  return itemSet('groupSet', v.securityGroups.map((g) => leaf('groupName', g.name) + leaf('groupId', g.id)));
}

/**
 * One rule as EC2 answers it: `ipPermissions` items whose peers are `groups` (userId + groupId),
 * `ipRanges` (cidrIp) and `ipv6Ranges` (cidrIpv6); all-traffic rules carry no ports.
 */
function permissionXml(r: SecurityGroupRuleConfig, ownerId: string): string {
  const all = String(r.protocol) === '-1';
  const v6 = r.cidr?.includes(':');
  return leaf('ipProtocol', String(r.protocol))
    + (all ? '' : leaf('fromPort', r.fromPort ?? 0) + leaf('toPort', r.toPort ?? 65535))
    + itemSet('groups', r.sourceSecurityGroupId ? [leaf('userId', ownerId) + leaf('groupId', r.sourceSecurityGroupId)] : [])
    + itemSet('ipRanges', r.cidr && !v6 ? [leaf('cidrIp', r.cidr)] : [])
    + itemSet('ipv6Ranges', r.cidr && v6 ? [leaf('cidrIpv6', r.cidr)] : [])
    + node('prefixListIds');
}

/** One `securityGroupInfo` item. */
export function securityGroupXml(g: SecurityGroupConfig, ownerId: string, region: string): string {
  return leaf('ownerId', ownerId)
    + leaf('groupId', g.id)
    + leaf('groupName', g.name)
    + leaf('groupDescription', g.description ?? g.name)
    + itemSet('ipPermissions', (g.ingress ?? []).map((r) => permissionXml(r, ownerId)))
    + itemSet('ipPermissionsEgress', (g.egress ?? []).map((r) => permissionXml(r, ownerId)))
    + leaf('vpcId', g.vpcId)
    + leaf('securityGroupArn', `arn:aws:ec2:${region}:${ownerId}:security-group/${g.id}`)
    + node('tagSet');
}

/** One reservation per instance keeps MaxResults counting instances exactly. */
export function reservationXml(v: InstanceView): string {
  return leaf('reservationId', v.reservationId) + leaf('ownerId', v.ownerId) + node('groupSet')
    + itemSet('instancesSet', [instanceXml(v)]);
}

/** One `instanceConnectEndpointSet` item: every field of Ec2InstanceConnectEndpoint. */
export function endpointXml(v: EndpointView): string {
  return leaf('ownerId', v.ownerId)
    + leaf('instanceConnectEndpointId', v.id)
    + leaf('instanceConnectEndpointArn', v.arn)
    + leaf('state', v.state)
    + `<stateMessage>${escapeXml(v.stateMessage)}</stateMessage>`
    + leaf('dnsName', v.dnsName)
    + leaf('fipsDnsName', v.fipsDnsName)
    + stringSet('networkInterfaceIdSet', v.networkInterfaceIds)
    + leaf('vpcId', v.vpcId)
    + leaf('availabilityZone', v.availabilityZone)
    + leaf('createdAt', v.createdAt)
    + leaf('subnetId', v.subnetId)
    + leaf('preserveClientIp', v.preserveClientIp)
    + stringSet('securityGroupIdSet', v.securityGroupIds)
    + leaf('ipAddressType', v.ipAddressType)
    + tagSet(v.tags);
}

/** One `networkInterfaceSet` item of DescribeNetworkInterfaces. */
export function networkInterfaceXml(v: NetworkInterfaceView): string {
  return leaf('networkInterfaceId', v.id)
    + leaf('subnetId', v.subnetId) + leaf('vpcId', v.vpcId) + leaf('availabilityZone', v.availabilityZone)
    + leaf('description', v.description) + leaf('ownerId', v.ownerId)
    + leaf('requesterManaged', v.requesterManaged) + leaf('status', 'in-use') + leaf('macAddress', v.macAddress)
    + leaf('privateIpAddress', v.privateIpAddress) + leaf('privateDnsName', v.privateDnsName)
    + leaf('sourceDestCheck', true)
    + itemSet('groupSet', v.groups.map((g) => leaf('groupName', g.name) + leaf('groupId', g.id)))
    + (v.attachment ? node('attachment', leaf('attachmentId', `eni-attach-${v.id.slice(4)}`), leaf('instanceId', v.attachment.instanceId),
      leaf('instanceOwnerId', v.ownerId), leaf('deviceIndex', 0), leaf('status', 'attached'), leaf('attachTime', v.attachment.attachTime),
      leaf('deleteOnTermination', true), leaf('networkCardIndex', 0)) : '')
    + node('tagSet')
    + itemSet('privateIpAddressesSet', v.privateIpAddress
      ? [leaf('privateIpAddress', v.privateIpAddress) + leaf('privateDnsName', v.privateDnsName) + leaf('primary', true)] : [])
    + itemSet('ipv6AddressesSet', v.ipv6Addresses.map((a, i) => leaf('ipv6Address', a) + leaf('isPrimaryIpv6', i === 0)))
    + leaf('interfaceType', v.interfaceType);
}
