/**
 * Narrow views of the two AWS APIs eic calls. Discovery logic depends on these, not on the SDK,
 * so it is unit tested with small fakes; src/aws/clients.ts adapts the real SDK clients to them
 * and the compiler checks that the SDK's input and output types fit.
 */

export interface Filter { Name: string; Values: string[] }
export interface Tag { Key?: string; Value?: string }

export interface SdkInstance {
  InstanceId?: string;
  State?: { Name?: string };
  VpcId?: string;
  SubnetId?: string;
  PrivateIpAddress?: string;
  PrivateDnsName?: string;
  Ipv6Address?: string;
  NetworkInterfaces?: Array<{ Ipv6Addresses?: Array<{ Ipv6Address?: string }> }>;
  Placement?: { AvailabilityZone?: string };
  InstanceType?: string;
  Tags?: Tag[];
  SecurityGroups?: Array<{ GroupId?: string; GroupName?: string }>;
}

export interface DescribeInstancesInput { InstanceIds?: string[]; Filters?: Filter[]; NextToken?: string; MaxResults?: number }
export interface DescribeInstancesOutput { Reservations?: Array<{ Instances?: SdkInstance[] }>; NextToken?: string }

export interface SdkEndpoint {
  InstanceConnectEndpointId?: string;
  DnsName?: string;
  FipsDnsName?: string;
  State?: string;
  StateMessage?: string;
  VpcId?: string;
  SubnetId?: string;
  AvailabilityZone?: string;
  /** ipv4, ipv6 or dualstack: which target addresses the endpoint reaches. */
  IpAddressType?: string;
  SecurityGroupIds?: string[];
  PreserveClientIp?: boolean;
  /** Its own network interfaces in its subnet, whose addresses its connections come from. */
  NetworkInterfaceIds?: string[];
}

export interface DescribeEndpointsInput { InstanceConnectEndpointIds?: string[]; Filters?: Filter[]; NextToken?: string; MaxResults?: number }
export interface DescribeEndpointsOutput { InstanceConnectEndpoints?: SdkEndpoint[]; NextToken?: string }

/** One rule of a security group as EC2 answers it (the peers are sources for ingress, destinations for egress). */
export interface SdkIpPermission {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: Array<{ CidrIp?: string }>;
  Ipv6Ranges?: Array<{ CidrIpv6?: string }>;
  UserIdGroupPairs?: Array<{ GroupId?: string }>;
  PrefixListIds?: Array<{ PrefixListId?: string }>;
}

export interface SdkSecurityGroup {
  GroupId?: string;
  GroupName?: string;
  VpcId?: string;
  IpPermissions?: SdkIpPermission[];
  IpPermissionsEgress?: SdkIpPermission[];
}

export interface DescribeSecurityGroupsInput { GroupIds?: string[]; Filters?: Filter[]; NextToken?: string; MaxResults?: number }
export interface DescribeSecurityGroupsOutput { SecurityGroups?: SdkSecurityGroup[]; NextToken?: string }

export interface SdkNetworkInterface {
  NetworkInterfaceId?: string;
  PrivateIpAddress?: string;
  PrivateIpAddresses?: Array<{ PrivateIpAddress?: string }>;
  Ipv6Addresses?: Array<{ Ipv6Address?: string }>;
}

export interface DescribeNetworkInterfacesInput { NetworkInterfaceIds?: string[]; Filters?: Filter[]; NextToken?: string; MaxResults?: number }
export interface DescribeNetworkInterfacesOutput { NetworkInterfaces?: SdkNetworkInterface[]; NextToken?: string }

export interface Ec2Api {
  describeInstances(input: DescribeInstancesInput): Promise<DescribeInstancesOutput>;
  describeInstanceConnectEndpoints(input: DescribeEndpointsInput): Promise<DescribeEndpointsOutput>;
  /** Only to explain a tunnel that cannot reach its target (and in eic doctor). */
  describeSecurityGroups(input: DescribeSecurityGroupsInput): Promise<DescribeSecurityGroupsOutput>;
  /** Only for the endpoint's own addresses, which an instance's security group may allow. */
  describeNetworkInterfaces(input: DescribeNetworkInterfacesInput): Promise<DescribeNetworkInterfacesOutput>;
}

export interface SendSSHPublicKeyInput { InstanceId: string; InstanceOSUser: string; SSHPublicKey: string; AvailabilityZone?: string }
export interface SendSSHPublicKeyOutput { RequestId?: string; Success?: boolean }

export interface InstanceConnectApi {
  sendSSHPublicKey(input: SendSSHPublicKeyInput): Promise<SendSSHPublicKeyOutput>;
}

/**
 * Every page of a NextToken-paginated call, in order. Typed by the call itself, so that
 * `pages((i) => api.describeX(i), { Filters })` infers the page type without annotations.
 */
export async function* pages<F extends (input: any) => Promise<{ NextToken?: string }>>(
  call: F, input: Parameters<F>[0],
): AsyncGenerator<Awaited<ReturnType<F>>> {
  let token: string | undefined;
  do {
    const out = (await call({ ...input, NextToken: token })) as Awaited<ReturnType<F>>;
    yield out;
    token = out.NextToken || undefined;
  } while (token);
}
