/**
 * The OpenTunnel URL, presigned with SigV4 exactly as the AWS CLI does it (protocol §2).
 * A fresh URL is signed for every WebSocket: it expires after 60 seconds.
 */
import { ALGORITHM, amzDate, signature, uriEncode, type Credentials } from '../aws/sigv4.js';
import { SIGNING_SERVICE, URL_EXPIRES_SECONDS } from '../eice.js';

export interface OpenTunnelParams {
  /** The endpoint's DNS name; may carry `:port` (the sandbox does). */
  dnsName: string;
  instanceConnectEndpointId: string;
  remotePort: number;
  privateIpAddress: string;
  maxTunnelDuration?: number;
  region: string;
  credentials: Credentials;
  /** Signing time; now by default. */
  now?: Date;
}

export function presignOpenTunnel(p: OpenTunnelParams): string {
  const now = p.now ?? new Date();
  const date = amzDate(now);
  const dateStamp = date.slice(0, 8);
  const params: Array<[string, string]> = [
    ['instanceConnectEndpointId', p.instanceConnectEndpointId],
    ['remotePort', String(p.remotePort)],
    ['privateIpAddress', p.privateIpAddress],
  ];
  if (p.maxTunnelDuration !== undefined) params.push(['maxTunnelDuration', String(p.maxTunnelDuration)]);
  params.push(
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${p.credentials.accessKeyId}/${dateStamp}/${p.region}/${SIGNING_SERVICE}/aws4_request`],
    ['X-Amz-Date', date],
    ['X-Amz-Expires', String(URL_EXPIRES_SECONDS)],
  );
  if (p.credentials.sessionToken) params.push(['X-Amz-Security-Token', p.credentials.sessionToken]);
  params.push(['X-Amz-SignedHeaders', 'host']);
  const sig = signature({
    method: 'GET',
    host: p.dnsName,
    path: '/openTunnel',
    params,
    secretAccessKey: p.credentials.secretAccessKey,
    dateStamp,
    amzDate: date,
    region: p.region,
    service: SIGNING_SERVICE,
  });
  params.push(['X-Amz-Signature', sig]);
  const query = params.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  return `wss://${p.dnsName}/openTunnel?${query}`;
}
