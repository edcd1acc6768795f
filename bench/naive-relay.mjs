// The naive baseline: the relay most people would write first, ws.createWebSocketStream piped
// to stdio, as a ProxyCommand. Same presign and endpoint as eic; no framing limits, no tuning.
// Settings come in EIC_BENCH_NAIVE (JSON) so no secret is on a command line.
import { readFileSync } from 'node:fs';
import WebSocket, { createWebSocketStream } from 'ws';
import { presignOpenTunnel } from '../dist/src/tunnel/presign.js';

const s = JSON.parse(process.env.EIC_BENCH_NAIVE ?? '{}');
const url = presignOpenTunnel({
  dnsName: s.dnsName, instanceConnectEndpointId: s.endpointId, remotePort: 22,
  privateIpAddress: s.ip, region: s.region, credentials: s.credentials,
});
const ws = new WebSocket(url, { ca: readFileSync(s.caFile) });
const duplex = createWebSocketStream(ws);
duplex.on('error', (err) => { process.stderr.write(`naive-relay: ${err.message}\n`); process.exit(1); });
process.stdin.pipe(duplex).pipe(process.stdout);
