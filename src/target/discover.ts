/**
 * From a target on the command line to something that opens tunnels: discovery once (instance,
 * endpoint, private IP), then a freshly presigned WebSocket per `open()` (a URL lives 60 s).
 * `--private-ip`, `--eice-id` and `--eice-dns-name` skip the calls they make unnecessary: with
 * all three and an instance id, no AWS API is called at all (only credentials are loaded).
 */
import type { WebSocket } from 'ws';
import { createAwsContext, type AwsContext } from '../aws/clients.js';
import { accountOf } from '../aws/timeouts.js';
import { findEndpoint, usableEndpoints, type EndpointInfo } from '../aws/endpoints.js';
import { checkReachable, isInstanceId, resolveInstance, type InstanceInfo } from '../aws/instances.js';
import type { TargetOptions } from './options.js';
import { usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { proxyAgentFor } from '../net/https-proxy.js';
import { tunnelAddress } from './address.js';
import { connectTunnel } from '../tunnel/connect.js';
import { presignOpenTunnel } from '../tunnel/presign.js';

export interface TunnelTarget {
  aws: AwsContext;
  instance: InstanceInfo;
  endpoint: EndpointInfo;
  privateIp: string;
  /** Opens a fresh, freshly signed tunnel WebSocket to remotePort (22 default). */
  open(remotePort?: number): Promise<WebSocket>;
}

export interface PrepareDeps {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  userAgent?: string;
  /** Called once discovery's AWS calls are on their way: CPU work can overlap their round trips. */
  onCallsStarted?: () => void;
}

/** Option combinations that cannot work, refused before any AWS call. */
export function checkOptions(target: string, opts: TargetOptions): void {
  if (!target) throw usageError('target-missing', 'no instance given', 'name an instance id, Name tag or private IP');
  if (opts.eiceDnsName && !opts.eiceId) {
    throw usageError('eice-dns-name-needs-id', '--eice-dns-name needs --eice-id', 'pass the endpoint id too: --eice-id eice-…');
  }
}

/** Discovery with an AWS context of its own, which the TunnelTarget holds (close it with target.aws.close()). */
export async function prepareTarget(target: string, opts: TargetOptions, deps: PrepareDeps): Promise<TunnelTarget> {
  checkOptions(target, opts);
  const aws = await createAwsContext({ ...accountOf(opts), env: deps.env, logger: deps.logger });
  try {
    return await discoverTarget(aws, target, opts, deps);
  } catch (err) {
    aws.close();
    throw err;
  }
}

/** Discovery with the command's AWS context, which the caller closes on failure (on success, the target holds it). */
export async function discoverTarget(aws: AwsContext, target: string, opts: TargetOptions, deps: PrepareDeps): Promise<TunnelTarget> {
  checkOptions(target, opts);
  const { logger } = deps;
  // With the IP and the endpoint id given, DescribeInstances has nothing left to tell us.
  const skipInstance = Boolean(opts.privateIp && opts.eiceId && isInstanceId(target));
  // Without an endpoint named, the region's endpoints are asked for now, in parallel with the
  // instance, and the one of its VPC is picked when the instance is known.
  const usable = opts.eiceId ? undefined : usableEndpoints(aws);
  usable?.catch(() => {}); // awaited by findEndpoint; a failed instance lookup reports first
  let instance: InstanceInfo;
  if (skipInstance) {
    deps.onCallsStarted?.();
    instance = { id: target, state: 'unknown', privateIp: opts.privateIp, tags: {} };
  } else {
    const resolving = resolveInstance(aws, target);
    deps.onCallsStarted?.();
    instance = await resolving;
    logger.debug(`instance ${instance.id}${instance.name ? ` (${instance.name})` : ''}: ${instance.state}, ${instance.vpcId ?? 'no VPC'}, ${instance.subnetId ?? 'no subnet'}, ${instance.privateIp ?? 'no IP'}`);
    if (opts.privateIp) instance = { ...instance, privateIp: opts.privateIp };
    checkReachable(instance);
  }

  const endpoint: EndpointInfo = opts.eiceDnsName
    ? { id: opts.eiceId!, dnsName: opts.eiceDnsName, state: 'unknown', vpcId: instance.vpcId ?? '', subnetId: '' }
    : await findEndpoint(aws, instance, { eiceId: opts.eiceId, usable });
  logger.debug(`endpoint ${endpoint.id} (${endpoint.state}) at ${endpoint.dnsName}${endpoint.ipAddressType ? `, ${endpoint.ipAddressType}` : ''}`);
  const privateIp = tunnelAddress(instance, endpoint, opts.privateIp);

  return { aws, instance, endpoint, privateIp, open: tunnelOpener(aws, endpoint, privateIp, opts.maxTunnelDuration, deps, opts.connectTimeout) };
}

/** Opens a freshly signed tunnel to `privateIp` through `endpoint` at each call (a URL lives 60 s). */
export function tunnelOpener(aws: AwsContext, endpoint: EndpointInfo, privateIp: string, maxTunnelDuration: number | undefined,
  deps: Pick<PrepareDeps, 'env' | 'logger' | 'userAgent'>, connectTimeout?: number): (remotePort?: number) => Promise<WebSocket> {
  const { logger } = deps;
  return async (remotePort = 22) => {
    const credentials = await aws.credentials();
    const url = presignOpenTunnel({
      dnsName: endpoint.dnsName,
      instanceConnectEndpointId: endpoint.id,
      remotePort,
      privateIpAddress: privateIp,
      maxTunnelDuration,
      region: aws.region,
      credentials,
    });
    logger.debug(`opening tunnel to ${privateIp}:${remotePort} through ${endpoint.id}`);
    return connectTunnel({
      url, ca: aws.ca, agent: proxyAgentFor(url, deps.env), logger, userAgent: deps.userAgent,
      handshakeTimeoutMs: connectTimeout === undefined ? undefined : connectTimeout * 1000,
    });
  };
}
