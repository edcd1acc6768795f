/**
 * A small HTTP CONNECT proxy for tests: listens on 127.0.0.1:0, records every CONNECT (target
 * and headers), can demand Basic credentials (407 otherwise) or refuse with a given status, and
 * relays bytes both ways. `route` maps a requested host:port to where it really connects, so a
 * test can use a host name that does not resolve: reaching it proves the proxy carried it.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';

export interface ConnectRecord {
  authority: string;
  headers: Record<string, string>;
}

export interface ConnectProxyOptions {
  /** `user:password` the proxy demands (407 without it). */
  credentials?: string;
  /** Answer every CONNECT with this status instead of relaying (e.g. 403). */
  refuseWith?: number;
  /** Where to really connect for a requested authority; default: the authority itself. */
  route?: (authority: string) => { host: string; port: number };
  /** Serve the proxy itself over TLS (an https:// proxy URL). */
  tls?: { cert: string; key: string };
}

export interface ConnectProxy {
  url: string;
  port: number;
  connects: ConnectRecord[];
  close(): Promise<void>;
}

function parseHead(head: string): { authority: string; headers: Record<string, string> } {
  const [first, ...rest] = head.split('\r\n');
  const m = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(first);
  const headers: Record<string, string> = {};
  for (const line of rest) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { authority: m ? m[1] : '', headers };
}

function splitAuthority(authority: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
  return m ? { host: m[1], port: Number(m[2]) } : { host: authority, port: 443 };
}

export async function startConnectProxy(opts: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const connects: ConnectRecord[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); };

  const onClient = (client: net.Socket) => {
    track(client);
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.removeListener('data', onData);
      client.pause();
      const rec = parseHead(buf.subarray(0, end).toString('latin1'));
      connects.push(rec);
      const early = buf.subarray(end + 4);
      if (!rec.authority) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      if (opts.credentials) {
        const expected = 'Basic ' + Buffer.from(opts.credentials).toString('base64');
        if (rec.headers['proxy-authorization'] !== expected) {
          return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
        }
      }
      if (opts.refuseWith) return void client.end(`HTTP/1.1 ${opts.refuseWith} Refused By Test\r\nContent-Length: 0\r\n\r\n`);
      const dest = opts.route ? opts.route(rec.authority) : splitAuthority(rec.authority);
      const upstream = net.connect(dest.port, dest.host);
      track(upstream);
      upstream.once('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (early.length) upstream.write(early);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    client.on('data', onData);
  };
  const server = opts.tls
    ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onClient)
    : net.createServer(onClient);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    connects,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
