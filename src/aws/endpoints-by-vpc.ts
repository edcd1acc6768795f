/**
 * The Instance Connect Endpoints of many VPCs at once, for `eic list`: one (paginated)
 * DescribeInstanceConnectEndpoints call for every VPC in the listing, not one per instance.
 * No state filter, so a failed or still-creating endpoint can be named instead of "none".
 */
import { pages, type DescribeEndpointsInput } from './api.js';
import type { AwsContext } from './clients.js';
import { USABLE_STATES } from './endpoints.js';
import { awsCall } from './errors.js';

export interface VpcEndpoint {
  id: string;
  state: string;
  vpcId: string;
  subnetId: string;
  /** In a state where OpenTunnel works. */
  usable: boolean;
}

/** EC2 takes at most 200 values in one filter; beyond that, ask for the region's endpoints. */
const MAX_FILTER_VALUES = 200;

export async function endpointsByVpc(aws: Pick<AwsContext, 'ec2' | 'profile'>, vpcIds: string[]): Promise<Map<string, VpcEndpoint[]>> {
  const wanted = [...new Set(vpcIds)].sort();
  const byVpc = new Map<string, VpcEndpoint[]>();
  if (wanted.length === 0) return byVpc;
  const input: DescribeEndpointsInput = wanted.length <= MAX_FILTER_VALUES ? { Filters: [{ Name: 'vpc-id', Values: wanted }] } : {};
  await awsCall({ action: 'DescribeInstanceConnectEndpoints', profile: aws.profile }, async () => {
    for await (const page of pages((i) => aws.ec2.describeInstanceConnectEndpoints(i), input)) {
      for (const e of page.InstanceConnectEndpoints ?? []) {
        if (!e.VpcId || !e.InstanceConnectEndpointId || e.State?.startsWith('delete')) continue;
        const ep: VpcEndpoint = {
          id: e.InstanceConnectEndpointId, state: e.State ?? 'unknown', vpcId: e.VpcId, subnetId: e.SubnetId ?? '',
          usable: USABLE_STATES.includes(e.State ?? ''),
        };
        byVpc.set(ep.vpcId, [...(byVpc.get(ep.vpcId) ?? []), ep]);
      }
    }
  });
  return byVpc;
}

/**
 * The endpoint that serves an instance, as eic's tunnel would pick it: a usable one in its own
 * subnet, else the first usable one in its VPC; else an unusable one (to say why), else none.
 */
export function endpointForInstance(instance: { vpcId?: string; subnetId?: string }, byVpc: Map<string, VpcEndpoint[]>): VpcEndpoint | undefined {
  const all = instance.vpcId ? byVpc.get(instance.vpcId) ?? [] : [];
  const usable = all.filter((e) => e.usable);
  return usable.find((e) => e.subnetId === instance.subnetId) ?? usable[0] ?? all[0];
}
