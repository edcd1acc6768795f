/**
 * HTTPS through an HTTP CONNECT proxy, for the WebSocket (ws takes an `agent`) and the AWS SDK
 * (its NodeHttpHandler takes an `httpsAgent`, see sdk-proxy.ts).
 *
 * HttpsProxyAgent is an https.Agent whose createConnection first opens a CONNECT tunnel and then
 * lets https.Agent do its usual TLS (SNI, CA, session reuse) over that socket. NO_PROXY is
 * checked per connection, so one agent can serve an SDK client that talks to several hosts.
 * Only https:// targets are proxied here: eic speaks nothing else to AWS.
 */
import * as https from 'node:https';
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { SecureContext, SecureContextOptions } from 'node:tls';
import { usageError } from '../errors.js';
import { bypassesProxy, httpsProxyFromEnv, noProxyFromEnv, type ProxyEnv } from './no-proxy.js';
import { openConnectTunnel } from './proxy-connect.js';

export interface HttpsProxyAgentOptions extends https.AgentOptions {
  /** The proxy, e.g. `http://user:pass@proxy.corp:3128`. */
  proxy: URL;
  /** A NO_PROXY list; matching targets are reached directly. */
  noProxy?: string;
  /** Trust for an https:// proxy's own certificate. */
  proxyCa?: SecureContextOptions['ca'];
  /** Give up when the proxy has not answered CONNECT within this many ms. */
  proxyTimeoutMs?: number;
  /**
   * The TLS trust for the targets, asked for by the first connection that needs it: building
   * roots + bundle is costly, and wasted when no https call is made.
   */
  secureContextOnUse?: () => SecureContext;
}

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

export class HttpsProxyAgent extends https.Agent {
  readonly proxy: URL;
  private readonly noProxy?: string;
  private readonly proxyCa?: SecureContextOptions['ca'];
  private readonly proxyTimeoutMs?: number;
  private readonly secureContextFor?: () => SecureContext;
  /** How many CONNECT tunnels this agent opened (for -v diagnostics and tests of reuse). */
  tunnelsOpened = 0;

  constructor(opts: HttpsProxyAgentOptions) {
    const { proxy, noProxy, proxyCa, proxyTimeoutMs, secureContextOnUse, ...agentOptions } = opts;
    super(agentOptions);
    this.secureContextFor = secureContextOnUse;
    this.proxy = proxy;
    this.noProxy = noProxy;
    this.proxyCa = proxyCa;
    this.proxyTimeoutMs = proxyTimeoutMs;
  }

  override createConnection(options: http.ClientRequestArgs, callback?: ConnectCallback): Duplex | null | undefined {
    const host = (options.host ?? options.hostname ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const port = Number(options.port) || 443;
    // https.Agent's own createConnection is tls.connect with session caching; reuse it both for
    // direct connections and, with `socket` set, for TLS over the tunnel.
    const tlsOver = (socket?: Duplex) => super.createConnection({
      ...options,
      ...(socket ? { socket } : {}),
      ...(this.secureContextFor ? { secureContext: this.secureContextFor() } : {}),
    } as http.ClientRequestArgs);
    if (bypassesProxy(host, port, this.noProxy)) return tlsOver();
    this.tunnelsOpened++;
    openConnectTunnel({ proxy: this.proxy, host, port, proxyCa: this.proxyCa, timeoutMs: this.proxyTimeoutMs })
      .then((socket) => {
        let secure: Duplex | null | undefined;
        try {
          secure = tlsOver(socket);
        } catch (err) {
          socket.destroy();
          return callback?.(err as Error, socket);
        }
        callback?.(null, secure!);
      }, (err: Error) => callback?.(err, undefined as unknown as Duplex));
    return undefined;
  }
}

/** Parse a proxy setting; a bare `host:port` means http:// (as curl does). */
export function parseProxyUrl(raw: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usageError('bad-proxy-url', 'HTTPS_PROXY is not a valid URL', 'use the form http://[user:password@]host:port');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError('bad-proxy-url', `HTTPS_PROXY uses ${url.protocol.replace(/:$/, '')}://, which eic does not support`,
      'use an HTTP CONNECT proxy: http://[user:password@]host:port');
  }
  if (!url.hostname) throw usageError('bad-proxy-url', 'HTTPS_PROXY names no host', 'use the form http://[user:password@]host:port');
  return url;
}

/** The proxy to use for https:// traffic according to env, or undefined for none. */
export function proxyFromEnv(env: ProxyEnv): { proxy: URL; noProxy?: string } | undefined {
  const raw = httpsProxyFromEnv(env);
  if (!raw) return undefined;
  return { proxy: parseProxyUrl(raw), noProxy: noProxyFromEnv(env) };
}

/**
 * The agent for one WebSocket (or HTTPS) URL: an HttpsProxyAgent when HTTPS_PROXY applies to it,
 * undefined when no proxy is set, NO_PROXY covers the host, or the URL is not wss:/https:.
 * Throws EicError (exit 2) when HTTPS_PROXY is malformed.
 */
export function proxyAgentFor(url: string, env: ProxyEnv): http.Agent | undefined {
  const target = new URL(url);
  if (target.protocol !== 'wss:' && target.protocol !== 'https:') return undefined;
  const setting = proxyFromEnv(env);
  if (!setting) return undefined;
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port) || 443;
  if (bypassesProxy(host, port, setting.noProxy)) return undefined;
  return new HttpsProxyAgent({ proxy: setting.proxy, noProxy: setting.noProxy });
}
