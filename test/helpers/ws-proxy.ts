/**
 * A minimal ProxyCommand for tests: presign an OpenTunnel URL, open it with `ws` and pipe
 * stdin/stdout through it. Lets the real OpenSSH client reach a sandbox instance without
 * depending on `eic proxy`. Its settings come in EIC_TEST_WS_PROXY (JSON), so no secret is
 * on a command line:
 *   { dnsName, endpointId, ip, port, region, credentials, caFile }
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { presignOpenTunnel } from '../../src/tunnel/presign.js';
import type { Credentials } from '../../src/aws/sigv4.js';

export interface WsProxySettings {
  dnsName: string;
  endpointId: string;
  ip: string;
  port: number;
  region: string;
  credentials: Credentials;
  caFile: string;
}

const s = JSON.parse(process.env.EIC_TEST_WS_PROXY ?? '{}') as WsProxySettings;
const url = presignOpenTunnel({
  dnsName: s.dnsName, instanceConnectEndpointId: s.endpointId, remotePort: s.port,
  privateIpAddress: s.ip, region: s.region, credentials: s.credentials,
});
const ws = new WebSocket(url, { ca: readFileSync(s.caFile), perMessageDeflate: false });
ws.on('unexpected-response', (_req, res) => {
  process.stderr.write(`ws-proxy: upgrade refused: ${res.statusCode}\n`);
  process.exit(1);
});
ws.on('error', (err) => { process.stderr.write(`ws-proxy: ${err.message}\n`); process.exit(1); });
ws.on('open', () => {
  process.stdin.on('data', (chunk: Buffer) => {
    for (let off = 0; off < chunk.length; off += 65_000) ws.send(chunk.subarray(off, off + 65_000));
  });
  process.stdin.on('end', () => ws.close());
});
ws.on('message', (data: Buffer) => process.stdout.write(data));
ws.on('close', (code, reason) => {
  if (code !== 1000 && code !== 1005) process.stderr.write(`ws-proxy: closed ${code} ${reason.toString()}\n`);
  process.stdout.end(() => process.exit(0));
});
