/**
 * Opening OpenTunnel WebSockets against a started sandbox the way a client does: presign with
 * src/tunnel/presign.ts, connect with `ws` trusting the sandbox CA. Returns either the open
 * socket or the refusal (status, headers, body) read from 'unexpected-response'.
 */
import type { ClientRequestArgs } from 'node:http';
import WebSocket from 'ws';
import type { Sandbox } from '../../src/sandbox/index.js';
import { presignOpenTunnel, type OpenTunnelParams } from '../../src/tunnel/presign.js';

export type TunnelAttempt =
  | { ok: true; ws: WebSocket; requestId: string | undefined }
  | { ok: false; status: number; headers: Record<string, string | string[] | undefined>; body: string; message?: string };

export const EICE_A = 'eice-0123456789abcdef0';
export const EICE_B = 'eice-0fedcba9876543210';

/** The DnsName a client of this sandbox signs for. */
export function dnsNameOf(sb: Sandbox): string {
  return `localhost:${sb.eiceAddress.port}`;
}

export function presignFor(sb: Sandbox, p: Partial<OpenTunnelParams> = {}): string {
  return presignOpenTunnel({
    dnsName: dnsNameOf(sb),
    instanceConnectEndpointId: EICE_A,
    remotePort: 22,
    privateIpAddress: '10.0.1.10',
    region: sb.config.region,
    credentials: sb.config.credentials[0],
    ...p,
  });
}

export function connectUrl(sb: Pick<Sandbox, 'caPem'>, url: string, extra: WebSocket.ClientOptions & Pick<ClientRequestArgs, 'lookup'> = {}): Promise<TunnelAttempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ca: sb.caPem, perMessageDeflate: false, ...extra });
    ws.once('upgrade', (res) => {
      const id = res.headers['x-amzn-requestid'];
      ws.once('open', () => resolve({ ok: true, ws, requestId: typeof id === 'string' ? id : undefined }));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        let message: string | undefined;
        try { message = (JSON.parse(body) as { Message?: string }).Message; } catch { /* not JSON: the test will say so */ }
        resolve({ ok: false, status: res.statusCode ?? 0, headers: res.headers, body, message });
        ws.terminate();
      });
    });
    ws.once('error', (err) => reject(err));
  });
}

export function openTunnel(sb: Sandbox, p: Partial<OpenTunnelParams> = {}): Promise<TunnelAttempt> {
  return connectUrl(sb, presignFor(sb, p));
}

/** Resolves with the close code and reason (and what arrived before). */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string; received: Buffer; text: string[] }> {
  const chunks: Buffer[] = [];
  const text: string[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => { if (isBinary) chunks.push(data); else text.push(data.toString()); });
  return new Promise((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), received: Buffer.concat(chunks), text }));
  });
}

/** The first binary bytes from the tunnel (an sshd greets first: "SSH-2.0-OpenSSH…"). */
export function firstMessage(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    ws.once('message', (d: Buffer) => resolve(d));
    ws.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()} before any data`)));
  });
}
