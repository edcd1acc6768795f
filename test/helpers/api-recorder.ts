/**
 * A recording pass-through in front of the sandbox's AWS API: point AWS_ENDPOINT_URL_EC2 at it
 * and it forwards every request unchanged (Host included, so SigV4 still verifies) while noting
 * the API action of each (EC2 Query `Action=`, or JSON `X-Amz-Target`).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface ApiRecorder {
  url: string;
  port: number;
  actions: string[];
  /** Requests from now on wait (unanswered) until release(). */
  hold(): void;
  release(): void;
  /** Requests held right now. */
  held(): number;
  close(): Promise<void>;
}

/** With `tls`, it serves HTTPS (a TLS front for the plain-HTTP sandbox API). */
export async function startApiRecorder(upstreamUrl: string, opts: { tls?: { cert: string; key: string } } = {}): Promise<ApiRecorder> {
  const upstream = new URL(upstreamUrl);
  const actions: string[] = [];
  let holding = false;
  const held = new Set<() => void>();
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const target = req.headers['x-amz-target'];
    const action = typeof target === 'string' ? target.split('.').pop()! : new URLSearchParams(body.toString('utf8')).get('Action') ?? '?';
    actions.push(action);
    const fwd = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    fwd.on('error', () => { res.writeHead(502); res.end(); });
    fwd.end(body);
  };
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!holding) return forward(req, res, body);
      const go = () => { held.delete(go); if (!res.destroyed) forward(req, res, body); };
      held.add(go);
      // A client that gave up is no longer held.
      res.on('close', () => held.delete(go));
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    actions,
    hold: () => { holding = true; },
    release: () => { holding = false; for (const go of [...held]) go(); },
    held: () => held.size,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
