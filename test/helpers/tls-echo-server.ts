/**
 * A real TLS WebSocket echo server on 127.0.0.1:0 with a throw-away certificate (made by the
 * openssl binary) for the names the test asks for. Records the SNI of each TLS connection.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';

export interface TestCert { cert: string; key: string }

/** A self-signed certificate valid for the given DNS names and IP addresses. */
export function makeCert(dnsNames: string[], ips: string[] = []): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'eic-cert-'));
  try {
    const san = [...dnsNames.map((n) => `DNS:${n}`), ...ips.map((i) => `IP:${i}`)].join(',');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${dnsNames[0] ?? ips[0]}`, '-addext', `subjectAltName=${san}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface EchoServer {
  port: number;
  ca: string;
  /** SNI names seen, one per TLS connection ('' when none was sent). */
  servernames: string[];
  close(): Promise<void>;
}

export async function startWssEcho(cert: TestCert): Promise<EchoServer> {
  const servernames: string[] = [];
  const server = https.createServer({ cert: cert.cert, key: cert.key });
  server.on('secureConnection', (s: TLSSocket) => servernames.push(typeof s.servername === 'string' ? s.servername : ''));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    ca: cert.cert,
    servernames,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
