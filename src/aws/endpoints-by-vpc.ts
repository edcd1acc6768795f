/**
 * The Instance Connect Endpoints of many VPCs at once, for `eic list`: one (paginated)
 * DescribeInstanceConnectEndpoints call for every VPC in the listing, not one per instance.
 * No state filter, so a failed or still-creating endpoint can be named instead of "none".
 */
import { pages, type DescribeEndpointsInput, type SdkEndpoint } from './api.js';
import type { AwsContext } from './clients.js';
import { isDeleted, isUsable, preferredEndpoint } from './endpoints.js';
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

/** A VPC's endpoints as EC2 listed them (deleted ones left out). */
export type EndpointsByVpc = Map<string, SdkEndpoint[]>;

export async function endpointsByVpc(aws: Pick<AwsContext, 'ec2' | 'profile'>, vpcIds: string[]): Promise<EndpointsByVpc> {
  const wanted = [...new Set(vpcIds)].sort();
  const byVpc: EndpointsByVpc = new Map();
  if (wanted.length === 0) return byVpc;
  const input: DescribeEndpointsInput = wanted.length <= MAX_FILTER_VALUES ? { Filters: [{ Name: 'vpc-id', Values: wanted }] } : {};
  await awsCall({ action: 'DescribeInstanceConnectEndpoints', profile: aws.profile }, async () => {
    for await (const page of pages((i) => aws.ec2.describeInstanceConnectEndpoints(i), input)) {
      for (const e of page.InstanceConnectEndpoints ?? []) {
        if (!e.VpcId || !e.InstanceConnectEndpointId || isDeleted(e)) continue;
        byVpc.set(e.VpcId, [...(byVpc.get(e.VpcId) ?? []), e]);
      }
    }
  });
  return byVpc;
}

/**
 * The endpoint that serves an instance, as eic's tunnel picks it (preferredEndpoint, the one
 * rule discovery uses too); else an unusable one of its VPC (to say why), else none.
 */
export function endpointForInstance(instance: { vpcId?: string; subnetId?: string }, byVpc: EndpointsByVpc): VpcEndpoint | undefined {
  const all = instance.vpcId ? byVpc.get(instance.vpcId) ?? [] : [];
  const e = preferredEndpoint(all.filter(isUsable), instance) ?? all[0];
  return e && { id: e.InstanceConnectEndpointId ?? '', state: e.State ?? 'unknown', vpcId: e.VpcId ?? '', subnetId: e.SubnetId ?? '', usable: isUsable(e) };
}
