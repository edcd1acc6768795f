/**
 * The AWS context of one eic run: region, FIPS mode, credentials and the two API clients.
 *
 * Everything comes from the SDK's own resolution (--profile, AWS_PROFILE, env credentials, SSO,
 * ~/.aws/config and credentials, process, web identity, IMDS); eic reads from `env` only what it
 * must decide itself: region precedence (--region, AWS_REGION, AWS_DEFAULT_REGION, profile),
 * FIPS, AWS_ENDPOINT_URL_* and AWS_CA_BUNDLE (the JS SDK ignores the latter; the AWS CLI
 * honours it). The SDK is imported lazily: `eic --version` never loads it, and the EC2 client
 * (by far its heaviest module) is loaded only when an EC2 call is actually made.
 */
import { readFileSync } from 'node:fs';
import { CaAgent } from '../net/ca-agent.js';
import { collectBody } from './body.js';
import { EicError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Credentials } from './sigv4.js';
import { caTrust } from '../net/trust.js';
import type { Ec2Api, InstanceConnectApi } from './api.js';
import { awsCall, missingRegionError, toEicError, withinDeadline } from './errors.js';
import { callTimeouts, type AwsAccount } from './timeouts.js';

export type { Credentials } from './sigv4.js';
export type { Ec2Api, InstanceConnectApi } from './api.js';

export interface AwsContext {
  region: string;
  fips: boolean;
  /** The profile in use (--profile or AWS_PROFILE), for hints. */
  profile?: string;
  credentials: () => Promise<Credentials>;
  ec2: Ec2Api;
  instanceConnect: InstanceConnectApi;
  /** CAs to trust besides Node's roots (AWS_CA_BUNDLE, and NODE_EXTRA_CA_CERTS with it), for AWS and the endpoint. */
  ca?: string[];
  /** Release the SDK clients' sockets. */
  close(): void;
}

export interface AwsContextOptions extends AwsAccount { env: NodeJS.ProcessEnv; logger: Logger }

/** Parse an AWS boolean setting ("true"/"false", any case); undefined when unset or empty. */
function envBool(value: string | undefined): boolean | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.trim().toLowerCase() === 'true';
}

/**
 * The extra CAs when AWS_CA_BUNDLE is set: the bundle plus NODE_EXTRA_CA_CERTS (which an
 * explicit `ca` option would otherwise drop). Undefined means "Node's defaults are enough".
 */
export function caFromEnv(env: NodeJS.ProcessEnv): string[] | undefined {
  const bundle = env.AWS_CA_BUNDLE;
  if (!bundle) return undefined;
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new EicError('ca-bundle-unreadable', `cannot read ${what} ${path}: ${(err as Error).message}`,
        `fix or unset ${what}`);
    }
  };
  const ca = [read(bundle, 'AWS_CA_BUNDLE')];
  if (env.NODE_EXTRA_CA_CERTS) ca.push(read(env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS'));
  return ca;
}

function safeJson(v: unknown): string {
  try { return JSON.stringify(v); } catch { return String(v); }
}

/** The SDK's logger interface, routed to eic's debug output (the SDK is chatty on warn). */
function sdkLogger(logger: Logger) {
  const d = (...args: unknown[]) => logger.debug(`aws-sdk: ${args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ')}`);
  return { debug: () => {}, info: () => {}, warn: d, error: d };
}

/**
 * EC2 always sends its list element, empty or not (`<reservationSet/>`), and the SDK then gives
 * an array. A 200 whose body is not EC2's XML (an HTML page, nothing at all) parses as an answer
 * without it; taken as is, it would show an empty fleet and exit 0.
 */
function realAnswer<T>(action: string, out: T, list: unknown[] | undefined, element: string): T {
  if (list !== undefined) return out;
  throw new EicError('aws-bad-answer', `${action}: the answer is not the EC2 API's (no ${element} in it)`,
    'something other than AWS answered (a captive portal, a proxy, a wrong AWS_ENDPOINT_URL_EC2?): check them, or run with -v');
}

export async function createAwsContext(opts: AwsContextOptions): Promise<AwsContext> {
  const { env, logger } = opts;
  const profile = opts.profile || env.AWS_PROFILE || undefined;
  const ca = caFromEnv(env);
  // Node's roots plus the bundle, with TLS contexts built once for every AWS API connection
  // (given as `ca`, Node would build them again for each one); see net/trust.ts.
  const trust = ca ? caTrust(ca) : undefined;
  // HTTPS_PROXY (with NO_PROXY) applies to the AWS APIs as to the tunnel WebSocket.
  const { sdkRequestHandlerFor } = await import('../net/sdk-proxy.js');
  const limits = callTimeouts(opts, env);
  // socketTimeout is the read timeout (idle socket); this handler's requestTimeout only warns.
  const timeouts = { connectionTimeout: limits.connectMs, socketTimeout: limits.readMs };
  const requestHandler = sdkRequestHandlerFor(env, { trust, timeouts })
    ?? { ...timeouts, ...(trust ? { httpsAgent: new CaAgent(trust, { keepAlive: true }) } : {}) };
  
  const sdkLog = sdkLogger(logger);

  const ic = await import('./sdk-connect.js');
  const { fromNodeProviderChain } = ic;

  // Probe clients resolve region and FIPS from the profile exactly as the SDK would.
  type ProbeConfig = InstanceType<typeof ic.EC2InstanceConnectClient>['config'];
  const probe = async <T>(r: string | undefined, read: (c: ProbeConfig) => Promise<T>, action: string): Promise<T> => {
    const client = new ic.EC2InstanceConnectClient({ profile, logger: sdkLog, ...(r ? { region: r } : {}) });
    try {
      return await read(client.config);
    } catch (err) {
      throw toEicError(err, { action, profile });
    } finally {
      client.destroy();
    }
  };
  let region = opts.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  if (!region) region = await probe(undefined, (c) => c.region(), 'resolving the AWS region');
  if (!region) throw missingRegionError(profile);
  // The SDK derives FIPS from the region too (fips-* pseudo regions), so it needs one.
  const fips = envBool(env.AWS_USE_FIPS_ENDPOINT) ?? await probe(region, (c) => c.useFipsEndpoint(), 'reading use_fips_endpoint');

  // Static keys in env win unless a profile is named, as in the SDK's own chain.
  const envKeys = !profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
    : undefined;
  const chain = envKeys ? async () => envKeys : fromNodeProviderChain({ profile, logger: sdkLog, clientConfig: { region, requestHandler } });
  const credentials = async (): Promise<Credentials> => {
    const c = await awsCall({ action: 'loading AWS credentials', profile }, () => chain());
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken || undefined };
  };

  const common = { region, profile, credentials: chain, logger: sdkLog, requestHandler, streamCollector: collectBody };
  // A custom endpoint (the SDK refuses it together with FIPS) is used as given; FIPS then
  // still decides which DNS name of the Instance Connect Endpoint eic connects to.
  const endpointOf = (service: string) => {
    const endpoint = env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
    return endpoint ? { endpoint, useFipsEndpoint: false } : { useFipsEndpoint: fips };
  };

  // close() aborts the calls still on their way: destroying a client alone leaves the SDK to
  // retry a call whose socket it cut, which keeps the process alive for as long as AWS is slow.
  const closing = new AbortController();
  const within = <T>(action: string, call: (abortSignal: AbortSignal) => Promise<T>) => withinDeadline(action, limits.callMs, call, closing.signal);
  const icClient = new ic.EC2InstanceConnectClient({ ...common, ...endpointOf('EC2_INSTANCE_CONNECT') });
  const instanceConnect: InstanceConnectApi = {
    sendSSHPublicKey: (input) => within('SendSSHPublicKey', (abortSignal) => icClient.send(new ic.SendSSHPublicKeyCommand(input), { abortSignal })),
  };

  let ec2Client: import('@aws-sdk/client-ec2').EC2Client | undefined;
  let ec2Module: typeof import('./sdk-ec2.js') | undefined;
  const ec2Sdk = async () => {
    ec2Module ??= await import('./sdk-ec2.js');
    ec2Client ??= new ec2Module.EC2Client({ ...common, ...endpointOf('EC2') });
    return { sdk: ec2Module, client: ec2Client };
  };
  const ec2: Ec2Api = {
    describeInstances: async (input) => {
      const { sdk, client } = await ec2Sdk();
      const out = await within('DescribeInstances', (abortSignal) => client.send(new sdk.DescribeInstancesCommand(input), { abortSignal }));
      return realAnswer('DescribeInstances', out, out.Reservations, 'reservationSet');
    },
    describeInstanceConnectEndpoints: async (input) => {
      const { sdk, client } = await ec2Sdk();
      const out = await within('DescribeInstanceConnectEndpoints', (abortSignal) => client.send(new sdk.DescribeInstanceConnectEndpointsCommand(input), { abortSignal }));
      return realAnswer('DescribeInstanceConnectEndpoints', out, out.InstanceConnectEndpoints, 'instanceConnectEndpointSet');
    },
    describeSecurityGroups: async (input) => {
      const { sdk, client } = await ec2Sdk();
      return within('DescribeSecurityGroups', (abortSignal) => client.send(new sdk.DescribeSecurityGroupsCommand(input), { abortSignal }));
    },
    describeNetworkInterfaces: async (input) => {
      const { sdk, client } = await ec2Sdk();
      return within('DescribeNetworkInterfaces', (abortSignal) => client.send(new sdk.DescribeNetworkInterfacesCommand(input), { abortSignal }));
    },
  };

  logger.debug(`aws: region ${region}${profile ? `, profile ${profile}` : ''}${fips ? ', FIPS' : ''}${ca ? ', CA bundle from AWS_CA_BUNDLE' : ''}`);
  return {
    region, fips, profile, credentials, ec2, instanceConnect, ca,
    close: () => { closing.abort(); icClient.destroy(); ec2Client?.destroy(); },
  };
}
