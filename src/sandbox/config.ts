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

export interface SubnetConfig { id: string; vpcId: string; availabilityZone: string; cidr: string }
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
  securityGroupIds?: string[];
}

export interface CredentialConfig { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export interface SandboxConfig {
  region: string;
  accountId: string;
  vpcs: VpcConfig[];
  subnets: SubnetConfig[];
  instances: InstanceConfig[];
  endpoints: EndpointConfig[];
  credentials: CredentialConfig[];
  /** Seconds a pushed key is accepted (AWS: 60). */
  keyValiditySeconds: number;
  /** Concurrent tunnels per endpoint (AWS: 20). */
  maxTunnelsPerEndpoint: number;
}

export const DEFAULT_CREDENTIALS: CredentialConfig = {
  accessKeyId: 'AKIASANDBOXEXAMPLE01',
  secretAccessKey: 'sandbox/secret/key/for/local/use/only0000',
};

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
      { id: 'subnet-0bbb00000000000b1', vpcId: 'vpc-0a1b2c3d4e5f60002', availabilityZone: 'us-east-1a', cidr: '10.1.1.0/24' },
      { id: 'subnet-0ccc00000000000c1', vpcId: 'vpc-0a1b2c3d4e5f60003', availabilityZone: 'us-east-1c', cidr: '10.2.1.0/24' },
    ],
    instances: [
      { id: 'i-0123456789abcdef0', name: 'web-1', state: 'running', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.10', osUsers: ['ec2-user'], instanceType: 't3.micro', tags: { env: 'dev' } },
      { id: 'i-0123456789abcdef1', name: 'worker', state: 'running', subnetId: 'subnet-0aaa00000000000a2', privateIpAddress: '10.0.2.20', osUsers: ['ec2-user'], instanceType: 't3.small', tags: { env: 'prod' } },
      { id: 'i-0123456789abcdef2', name: 'worker', state: 'running', subnetId: 'subnet-0aaa00000000000a2', privateIpAddress: '10.0.2.21', osUsers: ['ec2-user'], instanceType: 't3.small', tags: { env: 'prod' } },
      { id: 'i-0123456789abcdef3', name: 'old-db', state: 'stopped', subnetId: 'subnet-0aaa00000000000a1', privateIpAddress: '10.0.1.30', osUsers: ['ec2-user'], instanceType: 'r5.large' },
      { id: 'i-0fedcba9876543210', name: 'v6-only', state: 'running', subnetId: 'subnet-0bbb00000000000b1', ipv6Address: 'fd00:10:1:1::10', osUsers: ['ec2-user'], instanceType: 't3.micro' },
      { id: 'i-0aaaabbbbccccdddd', name: 'isolated', state: 'running', subnetId: 'subnet-0ccc00000000000c1', privateIpAddress: '10.2.1.40', osUsers: ['ec2-user'], instanceType: 't3.micro' },
    ],
    endpoints: [
      // In subnet a1: instances in a2 are served by it too (same VPC, other subnet).
      { id: 'eice-0123456789abcdef0', subnetId: 'subnet-0aaa00000000000a1', state: 'create-complete' },
      { id: 'eice-0fedcba9876543210', subnetId: 'subnet-0bbb00000000000b1', state: 'create-complete' },
      // vpc-…0003 has no endpoint.
    ],
    credentials: [DEFAULT_CREDENTIALS],
    keyValiditySeconds: 60,
    maxTunnelsPerEndpoint: 20,
  };
}

/** Read a config file; missing fields take the defaults' values. */
export function loadConfig(path: string): SandboxConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<SandboxConfig>;
  return { ...defaultConfig(), ...raw };
}

/** The instance the sandbox advertises as EIC_SANDBOX_INSTANCE: running, IPv4, served by an endpoint. */
export function demoInstance(cfg: SandboxConfig): InstanceConfig | undefined {
  const vpcOf = (subnetId: string) => cfg.subnets.find((s) => s.id === subnetId)?.vpcId;
  const served = new Set(cfg.endpoints.filter((e) => e.state.endsWith('complete')).map((e) => vpcOf(e.subnetId)));
  return cfg.instances.find((i) => i.state === 'running' && i.privateIpAddress && served.has(vpcOf(i.subnetId)));
}
