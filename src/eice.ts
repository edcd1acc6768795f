/**
 * Facts of the EC2 Instance Connect Endpoint service that both the client and the sandbox
 * hold to (../shared/eice-protocol.md): one place, so the two cannot drift apart.
 */

/** SigV4 signing name of the OpenTunnel URL. */
export const SIGNING_SERVICE = 'ec2-instance-connect';
/** X-Amz-Expires of a presigned OpenTunnel URL, as the AWS CLI sends it. */
export const URL_EXPIRES_SECONDS = 60;
/** The largest binary frame the reference client sends towards the endpoint. */
export const MAX_CLIENT_FRAME_BYTES = 65_000;
/** The only remote ports the endpoint accepts. */
export const ALLOWED_REMOTE_PORTS: readonly number[] = [22, 3389];
/** Concurrent tunnels per endpoint; not adjustable. */
export const MAX_TUNNELS_PER_ENDPOINT = 20;
/** The longest maxTunnelDuration, in seconds (also the default). */
export const MAX_TUNNEL_DURATION_SECONDS = 3600;
/** The close reason the endpoint gives when it cannot reach the target. */
export const UNABLE_TO_CONNECT = 'Unable to connect to target';
