/**
 * What target discovery needs to know from the command line: where credentials and the region
 * come from, and the overrides that skip discovery's calls. The CLI's options bag is wider;
 * only these travel below cli/.
 */
export interface TargetOptions {
  profile?: string;
  region?: string;
  /** --cli-connect-timeout, --cli-read-timeout: seconds, 0 = no limit. */
  cliConnectTimeout?: number;
  cliReadTimeout?: number;
  eiceId?: string;
  eiceDnsName?: string;
  privateIp?: string;
  maxTunnelDuration?: number;
  /** Seconds the tunnel's handshake may take (ssh_config's ConnectTimeout); the default otherwise. */
  connectTimeout?: number;
  verbose?: boolean;
}
