/**
 * A stand-in OpenTunnel endpoint for relay and connect tests: a real `ws` WebSocketServer over
 * real TLS (throw-away certificate) on 127.0.0.1:0. Each test drives the server side of each
 * connection itself. Every frame the client sends is recorded from the raw TLS bytes (opcode,
 * payload length), independently of ws's reassembly, so tests can prove the framing rules.
 */
import { once } from 'node:events';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeCert, type TestCert } from './tls-echo-server.js';

export interface FrameRecord {
  opcode: number;
  fin: boolean;
  masked: boolean;
  length: number;
}

export interface ServerConn {
  ws: WebSocket;
  req: IncomingMessage;
  /** Frames the client sent, in order, as read off the wire. */
  frames: FrameRecord[];
  /** Resolves with what the server saw when the connection closed. */
  closed: Promise<{ code: number; reason: string }>;
}

export interface Refusal {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** Declare this Content-Length, send `body` only, and keep the connection open. */
  stallAfterBodyOf?: number;
}

export interface TestEndpoint {
  port: number;
  ca: string;
  /** A URL shaped like a presigned one, with a signature that must never leak. */
  url: string;
  nextConnection(): Promise<ServerConn>;
  /** Answer the next upgrades with this HTTP response instead of a WebSocket. */
  refuseWith(r: Refusal | undefined): void;
  close(): Promise<void>;
}

export const SECRET_SIGNATURE = 'f00dfacecafe0123456789abcdef0123456789abcdef0123456789abcdef0123';

let sharedCert: TestCert | undefined;
export function testCert(): TestCert {
  sharedCert ??= makeCert(['localhost'], ['127.0.0.1']);
  return sharedCert;
}

export function signedLikeUrl(port: number): string {
  return `wss://127.0.0.1:${port}/openTunnel?instanceConnectEndpointId=eice-123&remotePort=22&privateIpAddress=10.0.0.5` +
    `&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fec2-instance-connect%2Faws4_request` +
    `&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=${SECRET_SIGNATURE}`;
}

/** Parses WebSocket frame headers from a byte stream; payloads are skipped, not kept. */
export function frameTap(onFrame: (f: FrameRecord) => void): (chunk: Buffer) => void {
  let hdr: number[] = [];
  let skip = 0;
  return (chunk) => {
    let off = 0;
    while (off < chunk.length) {
      if (skip > 0) {
        const k = Math.min(skip, chunk.length - off);
        skip -= k;
        off += k;
        continue;
      }
      hdr.push(chunk[off++]);
      if (hdr.length < 2) continue;
      const len7 = hdr[1] & 0x7f;
      const masked = (hdr[1] & 0x80) !== 0;
      const total = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (hdr.length < total) continue;
      let length = len7;
      if (len7 === 126) length = hdr[2] * 256 + hdr[3];
      else if (len7 === 127) length = hdr.slice(2, 10).reduce((acc, b) => acc * 256 + b, 0);
      onFrame({ opcode: hdr[0] & 0x0f, fin: (hdr[0] & 0x80) !== 0, masked, length });
      skip = length;
      hdr = [];
    }
  };
}

/** `autoPong: false`: the endpoint never answers a ping (as EICE may not). */
export async function startTestEndpoint(opts: { autoPong?: boolean } = {}): Promise<TestEndpoint> {
  const cert = testCert();
  const server = https.createServer({ cert: cert.cert, key: cert.key });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong: opts.autoPong ?? true });
  const waiting: Array<(c: ServerConn) => void> = [];
  const ready: ServerConn[] = [];
  const sockets = new Set<Socket>();
  let refusal: Refusal | undefined;

  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (refusal) {
      const body = Buffer.from(refusal.body);
      const length = refusal.stallAfterBodyOf ?? body.length;
      const headers = { 'Content-Type': 'application/json', 'Content-Length': String(length), Connection: 'close', ...refusal.headers };
      const response = `HTTP/1.1 ${refusal.status} Refused\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
      if (refusal.stallAfterBodyOf === undefined) socket.end(response);
      else socket.write(response);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const frames: FrameRecord[] = [];
      socket.on('data', frameTap((f) => frames.push(f)));
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      });
      ws.on('error', () => {});
      const conn: ServerConn = { ws, req, frames, closed };
      const w = waiting.shift();
      if (w) w(conn);
      else ready.push(conn);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    ca: cert.cert,
    url: signedLikeUrl(port),
    nextConnection: () => {
      const c = ready.shift();
      return c ? Promise.resolve(c) : new Promise((resolve) => waiting.push(resolve));
    },
    refuseWith: (r) => { refusal = r; },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
