/**
 * The AWS SDK's side of HTTPS_PROXY: a NodeHttpHandler whose https agent tunnels through the
 * proxy (NO_PROXY still checked per host). Kept apart from https-proxy.ts so the WebSocket path
 * does not load the SDK's HTTP handler.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { CaTrust } from './trust.js';
import { HttpsProxyAgent, proxyFromEnv } from './https-proxy.js';
import type { ProxyEnv } from './no-proxy.js';

export interface SdkProxyOptions {
  /** The TLS trust for the AWS endpoints when it is not Node's default (AWS_CA_BUNDLE). */
  trust?: CaTrust;
  /** The handler's connect and read (socket idle) limits, in ms; 0 = none. */
  timeouts?: { connectionTimeout: number; socketTimeout: number };
}

/**
 * The `requestHandler` to give an SDK client when HTTPS_PROXY is set, or undefined when no
 * proxy applies (then the SDK's default handler is right). Throws EicError on a bad HTTPS_PROXY.
 */
export function sdkRequestHandlerFor(env: ProxyEnv, opts: SdkProxyOptions = {}): NodeHttpHandler | undefined {
  const setting = proxyFromEnv(env);
  if (!setting) return undefined;
  const trust = opts.trust;
  const httpsAgent = new HttpsProxyAgent({
    proxy: setting.proxy,
    noProxy: setting.noProxy,
    keepAlive: true,
    // Through a proxy, roots + bundle at once: a second handshake would need a second CONNECT.
    // Built when the first https connection is made, not before (a plain-http endpoint never).
    ...(trust ? { secureContextOnUse: () => trust.full() } : {}),
  });
  return new NodeHttpHandler({ httpsAgent, ...opts.timeouts });
}
