/**
 * A recording pass-through in front of the sandbox's AWS API: point AWS_ENDPOINT_URL_EC2 at it
 * and it forwards every request unchanged (Host included, so SigV4 still verifies) while noting
 * the API action of each (EC2 Query `Action=`, or JSON `X-Amz-Target`).
 */
import * as http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface ApiRecorder {
  url: string;
  actions: string[];
  close(): Promise<void>;
}

export async function startApiRecorder(upstreamUrl: string): Promise<ApiRecorder> {
  const upstream = new URL(upstreamUrl);
  const actions: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = req.headers['x-amz-target'];
      const action = typeof target === 'string' ? target.split('.').pop()! : new URLSearchParams(body.toString('utf8')).get('Action') ?? '?';
      actions.push(action);
      const fwd = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      fwd.on('error', () => { res.writeHead(502); res.end(); });
      fwd.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    actions,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
