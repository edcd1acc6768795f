/**
 * A test endpoint (tunnel-endpoint.ts) for the enclosing file or suite, started before its tests
 * and closed after them, and `open()`: a tunnel to it through eic's connectTunnel, with the
 * endpoint's side of the same connection.
 */
import { after, before } from 'node:test';
import type WebSocket from 'ws';
import { connectTunnel } from '../../src/tunnel/connect.js';
import { startTestEndpoint, type ServerConn, type TestEndpoint } from './tunnel-endpoint.js';

export function useTunnelEndpoint(opts: { autoPong?: boolean } = {}): () => Promise<{ ws: WebSocket; conn: ServerConn }> {
  let ep: TestEndpoint | undefined;
  before(async () => { ep = await startTestEndpoint(opts); });
  after(async () => { await ep?.close(); });
  return async () => {
    if (!ep) throw new Error('the test endpoint is not started yet (open tunnels inside tests)');
    const [ws, conn] = await Promise.all([connectTunnel({ url: ep.url, ca: ep.ca }), ep.nextConnection()]);
    return { ws, conn };
  };
}
