/**
 * Finding the Instance Connect Endpoint for an instance (protocol §1 step 2): the usable
 * endpoints of its VPC, the one in its own subnet first. When none is usable, a second,
 * unfiltered query (on the error path only) tells "none exists" from "one exists but failed".
 */
import { EicError } from '../errors.js';
import { safeText } from '../safe-text.js';
import { pages, type DescribeEndpointsInput, type Filter, type SdkEndpoint } from './api.js';
import type { AwsContext } from './clients.js';
import { awsCall } from './errors.js';
import type { InstanceInfo } from './instances.js';

export interface EndpointInfo {
  id: string;
  dnsName: string;
  fipsDnsName?: string;
  state: string;
  vpcId: string;
  subnetId: string;
  /** Undefined when not looked up (--eice-dns-name skips DescribeInstanceConnectEndpoints). */
  securityGroupIds?: string[];
  preserveClientIp?: boolean;
  /** Its own network interfaces (DescribeNetworkInterfaces tells their addresses). */
  networkInterfaceIds?: string[];
  /** ipv4, ipv6 or dualstack (absent in older answers: ipv4). */
  ipAddressType?: string;
}

/** The endpoint states in which OpenTunnel works (the AWS CLI's filter). */
export const USABLE_STATES = ['create-complete', 'update-in-progress', 'update-failed', 'update-complete'];
const STATE_FILTER: Filter = { Name: 'state', Values: USABLE_STATES };

export const isUsable = (e: SdkEndpoint): boolean => USABLE_STATES.includes(e.State ?? '');
/** A deleted (or deleting) endpoint is as good as none; a failed or still-creating one is worth naming. */
export const isDeleted = (e: SdkEndpoint): boolean => Boolean(e.State?.startsWith('delete'));

function toEndpointInfo(e: SdkEndpoint): EndpointInfo {
  return {
    id: e.InstanceConnectEndpointId ?? '',
    dnsName: e.DnsName ?? '',
    fipsDnsName: e.FipsDnsName || undefined,
    state: e.State ?? 'unknown',
    vpcId: e.VpcId ?? '',
    subnetId: e.SubnetId ?? '',
    securityGroupIds: e.SecurityGroupIds ?? [],
    preserveClientIp: e.PreserveClientIp ?? false,
    networkInterfaceIds: e.NetworkInterfaceIds ?? [],
    ipAddressType: e.IpAddressType || undefined,
  };
}

async function describe(aws: AwsContext, input: DescribeEndpointsInput): Promise<SdkEndpoint[]> {
  const out: SdkEndpoint[] = [];
  await awsCall({ action: 'DescribeInstanceConnectEndpoints', profile: aws.profile }, async () => {
    for await (const page of pages((i) => aws.ec2.describeInstanceConnectEndpoints(i), input)) {
      out.push(...(page.InstanceConnectEndpoints ?? []));
    }
  }).catch((err: EicError) => {
    // An unknown endpoint id is an error in EC2, an empty list for us.
    if (/NotFound/.test((err.cause as { name?: string } | undefined)?.name ?? '')) return;
    throw err;
  });
  return out;
}

function unusable(e: SdkEndpoint): EicError {
  const why = e.StateMessage ? `: ${safeText(e.StateMessage)}` : '';
  const hint = e.State?.startsWith('create-in-progress') ? 'wait a few minutes until it is create-complete'
    : `create a new one: aws ec2 create-instance-connect-endpoint --subnet-id ${e.SubnetId ?? '<subnet>'}`;
  return new EicError('endpoint-unusable',
    `Instance Connect Endpoint ${e.InstanceConnectEndpointId} in ${e.VpcId ?? 'its VPC'} is ${safeText(e.State ?? 'unknown')}${why}`, hint);
}

/** The DNS name to connect to: FipsDnsName in FIPS mode (fails when it is empty). */
function withDnsName(aws: AwsContext, e: EndpointInfo): EndpointInfo {
  if (aws.fips && !e.fipsDnsName) {
    throw new EicError('endpoint-no-fips', `Instance Connect Endpoint ${e.id} has no FIPS DNS name, but FIPS mode is on`,
      'FIPS endpoints exist only in some regions; unset AWS_USE_FIPS_ENDPOINT (or use_fips_endpoint in the profile) or use a FIPS region');
  }
  if (!aws.fips && !e.dnsName) {
    throw new EicError('endpoint-no-dns', `Instance Connect Endpoint ${e.id} has no DNS name`, 'pass it with --eice-dns-name');
  }
  return aws.fips ? { ...e, dnsName: e.fipsDnsName! } : e;
}

/**
 * Of the endpoints that can serve an instance, the one eic takes: in its own subnet, else the
 * first. The one rule for discovery, the picker, ssh-config and `eic list`.
 */
export function preferredEndpoint(candidates: SdkEndpoint[], instance: { subnetId?: string }): SdkEndpoint | undefined {
  return candidates.find((e) => e.SubnetId === instance.subnetId) ?? candidates[0];
}

/**
 * The usable endpoints of the whole region, asked for before the instance (and so its VPC) is
 * known: `eic ssh` sends this with DescribeInstances instead of after it, one round trip less.
 * Small: an account has at most a few endpoints per region (one per VPC).
 */
export function usableEndpoints(aws: AwsContext): Promise<SdkEndpoint[]> {
  return describe(aws, { Filters: [STATE_FILTER] });
}

/** `usable`: the region's usable endpoints from usableEndpoints(), when already asked for. */
export async function findEndpoint(aws: AwsContext, instance: InstanceInfo,
  opts: { eiceId?: string; usable?: Promise<SdkEndpoint[]> } = {}): Promise<EndpointInfo> {
  if (opts.eiceId) {
    const ids = { InstanceConnectEndpointIds: [opts.eiceId] };
    const [found] = await describe(aws, { ...ids, Filters: [STATE_FILTER] });
    if (found) return withDnsName(aws, toEndpointInfo(found));
    const [any] = await describe(aws, ids);
    if (any) throw unusable(any);
    throw new EicError('endpoint-not-found', `no Instance Connect Endpoint ${opts.eiceId} in ${aws.region}`,
      'check --eice-id and --region; list them with aws ec2 describe-instance-connect-endpoints');
  }
  if (!instance.vpcId) {
    throw new EicError('instance-no-vpc', `instance ${instance.id} is not in a VPC`, 'pass the endpoint with --eice-id');
  }
  const vpc: Filter = { Name: 'vpc-id', Values: [instance.vpcId] };
  const usable = opts.usable
    ? (await opts.usable).filter((e) => e.VpcId === instance.vpcId)
    : await describe(aws, { Filters: [STATE_FILTER, vpc] });
  const chosen = preferredEndpoint(usable, instance);
  if (chosen) return withDnsName(aws, toEndpointInfo(chosen));
  const any = (await describe(aws, { Filters: [vpc] })).find((e) => !isDeleted(e));
  if (any) throw unusable(any);
  throw new EicError('endpoint-none', `no EC2 Instance Connect Endpoint in ${instance.vpcId} (the VPC of ${instance.id})`,
    `create one: aws ec2 create-instance-connect-endpoint --subnet-id ${instance.subnetId ?? '<subnet>'}`);
}
