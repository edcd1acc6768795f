/**
 * The HTTP CONNECT handshake: open a socket to the proxy, ask it for a raw tunnel to
 * host:port, check the answer, and hand back the socket ready for TLS to the target.
 * Failures become EicErrors that name the proxy (never its password) and say what to do.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { EicError } from '../errors.js';

export interface ProxyTarget {
  /** The parsed proxy URL (http: or https:). */
  proxy: URL;
  host: string;
  port: number;
  /** Trust for an https:// proxy's own certificate (defaults to the system roots). */
  proxyCa?: tls.SecureContextOptions['ca'];
  /** Give up when the proxy has not answered within this many ms (default 30 s). */
  timeoutMs?: number;
}

/** host:port of the proxy, for messages: never the credentials. */
export function proxyLabel(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

function authority(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function proxyPort(proxy: URL): number {
  if (proxy.port) return Number(proxy.port);
  return proxy.protocol === 'https:' ? 443 : 80;
}

function proxyHost(proxy: URL): string {
  return proxy.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The CONNECT request head, with Basic credentials when the proxy URL carries them. */
export function connectRequest(proxy: URL, host: string, port: number): string {
  const target = authority(host, port);
  const lines = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`];
  if (proxy.username || proxy.password) {
    const user = decodeURIComponent(proxy.username);
    const pass = decodeURIComponent(proxy.password);
    lines.push(`Proxy-Authorization: Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`);
  }
  return lines.join('\r\n') + '\r\n\r\n';
}

function refusal(t: ProxyTarget, status: number, reason: string): EicError {
  const where = proxyLabel(t.proxy);
  if (status === 407) {
    const hasCreds = Boolean(t.proxy.username || t.proxy.password);
    return new EicError('proxy-auth-required',
      `proxy authentication required by ${where} (407 ${reason})`.trim(),
      hasCreds
        ? 'the user name or password in HTTPS_PROXY was refused; check them (URL-encode special characters)'
        : 'put the credentials in the proxy URL: HTTPS_PROXY=http://user:password@host:port');
  }
  return new EicError('proxy-refused',
    `the HTTPS proxy ${where} refused CONNECT to ${authority(t.host, t.port)}: ${status} ${reason}`.trim(),
    'ask for port 443 to that host to be allowed, or list the host in NO_PROXY to go direct');
}

function unreachable(t: ProxyTarget, err: NodeJS.ErrnoException): EicError {
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code ?? '')) {
    return new EicError('proxy-tls', `the HTTPS proxy ${proxyLabel(t.proxy)} presented a certificate eic does not trust (${err.code})`,
      'add the proxy\'s CA certificate to NODE_EXTRA_CA_CERTS, or use an http:// proxy URL', { cause: err });
  }
  return new EicError('proxy-unreachable',
    `cannot reach the HTTPS proxy ${proxyLabel(t.proxy)}: ${err.code ?? err.message}`,
    'check HTTPS_PROXY (or https_proxy), or list the target in NO_PROXY to go direct', { cause: err });
}

/**
 * Resolve with a socket tunnelled to t.host:t.port through the proxy. The socket is left
 * paused (nothing read past the proxy's answer) so TLS can take it over.
 */
export function openConnectTunnel(t: ProxyTarget): Promise<Duplex> {
  const { proxy } = t;
  return new Promise((resolve, reject) => {
    const host = proxyHost(proxy);
    const port = proxyPort(proxy);
    const socket: net.Socket | tls.TLSSocket = proxy.protocol === 'https:'
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ca: t.proxyCa })
      : net.connect({ host, port });
    const connectEvent = proxy.protocol === 'https:' ? 'secureConnect' : 'connect';
    let head = Buffer.alloc(0);
    let settled = false;

    const finish = (err: EicError | null) => {
      if (settled) return;
      settled = true;
      socket.removeListener('readable', onReadable);
      socket.removeListener('error', onError);
      socket.removeListener('end', onEnd);
      socket.removeListener('timeout', onTimeout);
      socket.removeListener(connectEvent, onConnect);
      socket.setTimeout(0);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        resolve(socket);
      }
    };
    const onConnect = () => socket.write(connectRequest(proxy, t.host, t.port));
    const onError = (err: NodeJS.ErrnoException) => finish(unreachable(t, err));
    const onEnd = () => finish(new EicError('proxy-closed',
      `the HTTPS proxy ${proxyLabel(proxy)} closed the connection before answering CONNECT`,
      'check that HTTPS_PROXY names an HTTP proxy that allows CONNECT'));
    const onTimeout = () => finish(new EicError('proxy-timeout',
      `the HTTPS proxy ${proxyLabel(proxy)} did not answer CONNECT in time`,
      'check that the proxy is up, or list the target in NO_PROXY to go direct'));
    // Read with 'readable' rather than 'data' so the stream never starts flowing: bytes after
    // the proxy's answer belong to TLS and must stay in the socket.
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 16 * 1024) return finish(refusal(t, 502, 'answer too long'));
          continue;
        }
        const rest = head.subarray(end + 4);
        const m = /^HTTP\/1\.[01] (\d{3}) ?([^\r\n]*)/.exec(head.subarray(0, end).toString('latin1'));
        if (!m) return finish(refusal(t, 502, 'not an HTTP answer'));
        const status = Number(m[1]);
        if (status < 200 || status > 299) return finish(refusal(t, status, m[2]));
        // TLS speaks first, so a well-behaved proxy sends nothing after its answer; keep any
        // stray bytes in the stream rather than dropping them silently.
        if (rest.length > 0) socket.unshift(rest);
        return finish(null);
      }
    };
    socket.setTimeout(t.timeoutMs ?? 30_000);
    socket.once(connectEvent, onConnect);
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('timeout', onTimeout);
  });
}
