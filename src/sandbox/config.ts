/**
 * The sandbox's world: VPCs, subnets, instances and endpoints, as a JSON-friendly config.
 * `defaultConfig()` is what `eic sandbox` serves without --config.
 */
import { readFileSync } from 'node:fs';

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
export type EndpointState =
  | 'create-in-progress' | 'create-complete' | 'create-failed'
  | 'delete-in-progress' | 'delete-complete' | 'delete-failed'
  | 'update-in-progress' | 'update-complete' | 'update-failed';

export interface SubnetConfig {
  id: string; vpcId: string; availabilityZone: string; cidr: string;
  /** Its IPv6 block, where endpoints that reach IPv6 targets get their IPv6 address. */
  ipv6Cidr?: string;
}
export interface VpcConfig { id: string; cidr: string }

export interface InstanceConfig {
  id: string;
  name?: string;
  /** Extra tags besides Name. */
  tags?: Record<string, string>;
  state: InstanceState;
  subnetId: string;
  privateIpAddress?: string;
  ipv6Address?: string;
  /** The private DNS name; derived from the IPv4 address when absent. */
  privateDnsName?: string;
  /** OS users that exist on the instance (must exist on this machine for the real sshd). */
  osUsers: string[];
  instanceType?: string;
  /** Absent: the VPC's default security group, as EC2 assigns it. */
  securityGroupIds?: string[];
  /**
   * What listens on the instance's ports other than 22 (its sshd): port → `HOST:PORT` on this
   * machine that the sandbox connects those tunnels to, e.g. {"3389": "127.0.0.1:33890"} for an
   * RDP server (or a stand-in). A port not named has nobody listening: the tunnel closes with 1011.
   */
  services?: Record<string, string>;
}

export interface EndpointConfig {
  id: string;
  subnetId: string;
  state: EndpointState;
  stateMessage?: string;
  /** Defaults to the sandbox's own WSS address (reachable as is), or --dns-name. */
  dnsName?: string;
  fipsDnsName?: string;
  preserveClientIp?: boolean;
  /** Absent: the VPC's default security group. */
  securityGroupIds?: string[];
  /** The endpoint's own address in its subnet (the source of its connections); derived when absent. */
  privateIpAddress?: string;
  /** Its IPv6 address (the source towards IPv6 targets); derived from the subnet's ipv6Cidr when absent. */
  ipv6Address?: string;
  /**
   * false: the endpoint never answers a WebSocket ping (whether EICE does is not known), so
   * clients must not take a missing pong for a dead tunnel. Default true.
   */
  answersPings?: boolean;
  /**
   * Which target addresses the endpoint reaches: ipv4 only, ipv6 only, or both (dualstack).
   * Absent: what its VPC's instances need (endpointAddressType in tunnel-policy.ts).
   */
  ipAddressType?: EndpointAddressType;
}

export type EndpointAddressType = 'ipv4' | 'ipv6' | 'dualstack';

/**
 * One rule of a security group. In `ingress` the CIDR or group is the source, in `egress` the
 * destination (EC2's own shape: `sourceSecurityGroupId` is its UserIdGroupPairs either way).
 */
export interface SecurityGroupRuleConfig {
  /** "tcp", or "-1" for all traffic. */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  /** IPv4 or IPv6. */
  cidr?: string;
  sourceSecurityGroupId?: string;
}

/**
 * A VPC without a group named "default" gets one, as EC2 creates it: all traffic in from its
 * own members, all traffic out. Instances and endpoints that name no group are in it.
 */
export interface SecurityGroupConfig {
  id: string;
  vpcId: string;
  name: string;
  description?: string;
  ingress: SecurityGroupRuleConfig[];
  egress: SecurityGroupRuleConfig[];
}

export interface CredentialConfig { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export interface SandboxConfig {
  region: string;
  accountId: string;
  vpcs: VpcConfig[];
  subnets: SubnetConfig[];
  instances: InstanceConfig[];
  endpoints: EndpointConfig[];
  securityGroups: SecurityGroupConfig[];
  credentials: CredentialConfig[];
  /** Seconds a pushed key is accepted (AWS: 60). */
  keyValiditySeconds: number;
  /** Concurrent tunnels per endpoint (AWS: 20). */
  maxTunnelsPerEndpoint: number;
  /**
   * The HTTP status of an OpenTunnel refusal, by its ErrorCode, instead of the sandbox's own
   * (AWS's are not known): e.g. {"InvalidParameter": 500}.
   */
  refusalStatuses?: Record<string, number>;
}

export const DEFAULT_CREDENTIALS: CredentialConfig = {
  accessKeyId: 'AKIASANDBOXEXAMPLE01',
  secretAccessKey: 'sandbox/secret/key/for/local/use/only0000',
};

const VPC1 = 'vpc-0a1b2c3d4e5f60001';
const EICE_SG = 'sg-0e1ce0000000000a1';
const SSH_FROM_EICE = 'sg-022000000000000a1';
const WEB_HTTPS = 'sg-044300000000000a1';
/** All traffic out, to both families (EC2 adds ::/0 in a VPC with IPv6). */
const allOut = (): SecurityGroupRuleConfig[] => [{ protocol: '-1', cidr: '0.0.0.0/0' }, { protocol: '-1', cidr: '::/0' }];

/** EC2's default group of a VPC: all traffic in from its own members, all out. */
export function defaultGroup(id: string, vpcId: string): SecurityGroupConfig {
  return { id, vpcId, name: 'default', description: 'default VPC security group', ingress: [{ protocol: '-1', sourceSecurityGroupId: id }], egress: allOut() };
}

export function defaultConfig(): SandboxConfig {
  return {
    region: 'us-east-1',
    accountId: '123456789012',
    vpcs: [
      { id: 'vpc-0a1b2c3d4e5f60001', cidr: '10.0.0.0/16' },
      { id: 'vpc-0a1b2c3d4e5f60002', cidr: '10.1.0.0/16' },
      { id: 'vpc-0a1b2c3d4e5f60003', cidr: '10.2.0.0/16' },
    ],
    subnets: [
      { id: 'subnet-0aaa00000000000a1', vpcId: 'vpc-0a1b2c3d4e5f60001', availabilityZone: 'us-east-1a', cidr: '10.0.1.0/24' },
      { id: 'subnet-0aaa00000000000a2', vpcId: 'vpc-0a1b2c3d4e5f60001', availabilityZone: 'us-east-1b', cidr: '10.0.2.0/24' },
      { id: 'subnet-0bbb00000000000b1', vpcId: 'vpc-0a1b2c3d4e5f60002', availabilityZone: 'us-east-1a', cidr: '10.1.1.0/24', ipv6Cidr: 'fd00:10:1:1::/64' },
      { id: 'subnet-0ccc00000000000c1', vpcId: 'vpc-0a1b2c3d4e5f60003', availabilityZone: 'us-east-1c', cidr: '10.2.1.0/24' },
    ],
    instances: [
      { id: 'i-0123456789abcdef0', name: 'web-1', state: 'running', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.10', osUsers: ['ec2-user'], instanceType: 't3.micro', tags: { env: 'dev' }, securityGroupIds: [SSH_FROM_EICE] },
      { id: 'i-0123456789abcdef1', name: 'worker', state: 'running', subnetId: 'subnet-0aaa00000000000a2', privateIpAddress: '10.0.2.20', osUsers: ['ec2-user'], instanceType: 't3.small', tags: { env: 'prod' }, securityGroupIds: [SSH_FROM_EICE] },
      { id: 'i-0123456789abcdef2', name: 'worker', state: 'running', subnetId: 'subnet-0aaa00000000000a2', privateIpAddress: '10.0.2.21', osUsers: ['ec2-user'], instanceType: 't3.small', tags: { env: 'prod' }, securityGroupIds: [SSH_FROM_EICE] },
      { id: 'i-0123456789abcdef3', name: 'old-db', state: 'stopped', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.30', osUsers: ['ec2-user'], instanceType: 'r5.large', securityGroupIds: [SSH_FROM_EICE] },
      // Its only group lets HTTPS in, not SSH from the endpoint: tunnels to it end with 1011.
      { id: 'i-0bbbb000000000001', name: 'no-ingress', state: 'running', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.50', osUsers: ['ec2-user'], instanceType: 't3.micro', securityGroupIds: [WEB_HTTPS] },
      { id: 'i-0fedcba9876543210', name: 'v6-only', state: 'running', subnetId: 'subnet-0bbb00000000000b1', ipv6Address: 'fd00:10:1:1::10', osUsers: ['ec2-user'], instanceType: 't3.micro' },
      { id: 'i-0aaaabbbbccccdddd', name: 'isolated', state: 'running', subnetId: 'subnet-0ccc00000000000c1', privateIpAddress: '10.2.1.40', osUsers: ['ec2-user'], instanceType: 't3.micro' },
    ],
    endpoints: [
      // In subnet a1: instances in a2 are served by it too (same VPC, other subnet).
      { id: 'eice-0123456789abcdef0', subnetId: 'subnet-0aaa00000000000a1', state: 'create-complete', securityGroupIds: [EICE_SG] },
      { id: 'eice-0fedcba9876543210', subnetId: 'subnet-0bbb00000000000b1', state: 'create-complete' },
      // vpc-…0003 has no endpoint.
    ],
    securityGroups: [
      // VPC 1 as the EICE guide sets it up: the endpoint may send SSH into the VPC, and the
      // instances' group lets SSH in from the endpoint's group.
      { id: EICE_SG, vpcId: VPC1, name: 'eice', description: 'EC2 Instance Connect Endpoint', ingress: [], egress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/16' }] },
      { id: SSH_FROM_EICE, vpcId: VPC1, name: 'ssh-from-eice', ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, sourceSecurityGroupId: EICE_SG }], egress: allOut() },
      { id: WEB_HTTPS, vpcId: VPC1, name: 'web-https', ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }], egress: allOut() },
      // The other VPCs keep EC2's default group (everything from its own members), which
      // their endpoint and instances share.
      // Instances a test adds to VPC 1 without naming a group land here: SSH from the endpoint works.
      { ...defaultGroup('sg-0d0000000000000a1', VPC1), ingress: [...defaultGroup('sg-0d0000000000000a1', VPC1).ingress, { protocol: 'tcp', fromPort: 22, toPort: 22, sourceSecurityGroupId: EICE_SG }] },
      defaultGroup('sg-0d0000000000000b1', 'vpc-0a1b2c3d4e5f60002'),
      defaultGroup('sg-0d0000000000000c1', 'vpc-0a1b2c3d4e5f60003'),
    ],
    credentials: [DEFAULT_CREDENTIALS],
    keyValiditySeconds: 60,
    maxTunnelsPerEndpoint: 20,
  };
}

/** Read a config file; missing fields take the defaults' values. */
export function loadConfig(path: string): SandboxConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<SandboxConfig>;
  const defaults = defaultConfig();
  // A world of one's own VPCs does not inherit the default world's groups (they name its VPCs).
  if (raw.vpcs && !raw.securityGroups) defaults.securityGroups = [];
  return { ...defaults, ...raw };
}

/** The instance the sandbox advertises as EIC_SANDBOX_INSTANCE: running, IPv4, served by an endpoint. */
export function demoInstance(cfg: SandboxConfig): InstanceConfig | undefined {
  const vpcOf = (subnetId: string) => cfg.subnets.find((s) => s.id === subnetId)?.vpcId;
  const served = new Set(cfg.endpoints.filter((e) => e.state.endsWith('complete')).map((e) => vpcOf(e.subnetId)));
  return cfg.instances.find((i) => i.state === 'running' && i.privateIpAddress && served.has(vpcOf(i.subnetId)));
}
