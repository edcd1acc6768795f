/**
 * The sandbox's EICE OpenTunnel endpoint: WSS on an https server, checks in the order EICE
 * makes them (signature, then endpoint state, port, address), fault injection, the
 * per-endpoint tunnel limit, then relay.ts for the bytes.
 *
 * Refusals happen before the upgrade, as an HTTP status with a JSON {"ErrorCode", "Message"}
 * body (the shape of the one refusal seen from AWS), Content-Length and x-amzn-RequestId
 * (accepted upgrades carry the header too). AWS's statuses per cause are not known: the config's
 * `refusalStatuses` (ErrorCode → status) replaces the sandbox's, so tests can prove a client
 * decides on the ErrorCode first. An address nobody answers on is not refused: target-relay.ts.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EndpointConfig, InstanceConfig, SandboxConfig } from './config.js';
import type { FaultControl } from './faults.js';
import { verifyOpenTunnel } from './opentunnel-verify.js';
import { relay } from './target-relay.js';
import { blockedBySecurityGroups } from './security-groups.js';
import { checkTunnel, endpointAddressType, reachesFamily } from './tunnel-policy.js';
import type { Logger } from '../log.js';

const TLS_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'].join(':');

/** Frames from the client are ≤ 65,000 bytes (protocol §3); this leaves room without inviting abuse. */
const MAX_CLIENT_FRAME = 1024 * 1024;

export interface EiceServerOptions {
  config: SandboxConfig;
  tls: { certPem: string; keyPem: string };
  faults: FaultControl;
  /** Where this instance listens on `port`, or undefined (stopped, or nothing on that port). */
  target(instance: InstanceConfig, port: number): { host: string; port: number } | undefined;
  logger: Logger;
  now?: () => Date;
}

export interface EiceServer {
  /** The listening addresses (several when listening on both 127.0.0.1 and ::1). */
  addresses: Array<{ host: string; port: number }>;
  port: number;
  activeTunnels(endpointId: string): number;
  /** OpenTunnel requests received since the start, refused ones included. */
  tunnelRequests(): number;
  close(): Promise<void>;
}

function jsonResponse(status: number, errorCode: string, message: string, requestId: string): { head: string; body: string } {
  const body = JSON.stringify({ ErrorCode: errorCode, Message: message });
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `x-amzn-RequestId: ${requestId}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n` +
    'Connection: close\r\n\r\n';
  return { head, body };
}

/** A refusal fault's ErrorCode when the test names none. */
function errorCodeFor(status: number): string {
  if (status === 401 || status === 403) return 'AccessDenied';
  if (status === 429) return 'ThrottlingException';
  if (status >= 500) return 'InternalError';
  return 'InvalidParameter';
}

/**
 * Listen on `hosts` (all on the same port; the first one picks it when port is 0). A host
 * after the first that cannot listen (no IPv6, say) is skipped with a debug line.
 */
export async function startEiceServer(opts: EiceServerOptions, hosts: string[], port: number): Promise<EiceServer> {
  const { config, faults, logger } = opts;
  const now = opts.now ?? (() => new Date());
  const active = new Map<string, number>();
  let requests = 0;
  const sockets = new Set<Duplex>();
  const requestIds = new WeakMap<IncomingMessage, string>();
  // One server per ping behaviour: ws decides auto-pong per server, not per connection.
  const wsServers = [true, false].map((autoPong) => {
    const s = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_CLIENT_FRAME, clientTracking: true, autoPong });
    s.on('headers', (headers, req) => { headers.push(`x-amzn-RequestId: ${requestIds.get(req) ?? randomUUID()}`); });
    return s;
  });
  const wssFor = (e: EndpointConfig) => wsServers[e.answersPings === false ? 1 : 0];

  function refuse(socket: Duplex, r: { status: number; errorCode: string; message: string }, requestId: string, why: string): void {
    const status = config.refusalStatuses?.[r.errorCode] ?? r.status;
    logger.debug(`eice: refused ${status} ${r.errorCode} (${why}) request ${requestId}: ${r.message}`);
    const { head, body } = jsonResponse(status, r.errorCode, r.message, requestId);
    socket.end(head + body);
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const requestId = randomUUID();
    requests++;
    requestIds.set(req, requestId);
    socket.on('error', (err) => logger.debug(`eice: client socket: ${err.message}`));
    const v = verifyOpenTunnel({
      method: req.method ?? 'GET', url: req.url ?? '/', host: req.headers.host, now: now(),
      region: config.region, credentials: config.credentials,
    });
    if (!v.ok) return refuse(socket, v, requestId, 'verify');
    const p = checkTunnel(config, v.params);
    if (!p.ok) return refuse(socket, p, requestId, 'policy');
    const endpointId = p.endpoint.id;

    const fault = faults.take(endpointId);
    if (fault) logger.debug(`eice: fault for ${endpointId}: ${fault.kind}`);
    if (fault?.kind === 'delay-handshake') {
      await new Promise((r) => setTimeout(r, fault.ms));
      if (socket.destroyed) return;
    }
    if (fault?.kind === 'refuse') return refuse(socket, { errorCode: errorCodeFor(fault.status), ...fault }, requestId, 'fault');

    const count = active.get(endpointId) ?? 0;
    if (count >= config.maxTunnelsPerEndpoint) {
      return refuse(socket, { status: 429, errorCode: 'TooManyConnections',
        message: `Too many concurrent connections: instance connect endpoint '${endpointId}' allows at most ${config.maxTunnelsPerEndpoint}.` }, requestId, 'limit');
    }
    // Counted from here until the client's TCP connection is gone, whatever happens between.
    active.set(endpointId, count + 1);
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      active.set(endpointId, (active.get(endpointId) ?? 1) - 1);
    });
    // Security groups do not refuse the upgrade: the tunnel opens and then cannot reach the target.
    const wrongFamily = !reachesFamily(endpointAddressType(config, p.endpoint), v.params.privateIpAddress);
    const blocked = wrongFamily ? `the endpoint is ${endpointAddressType(config, p.endpoint)}` : p.instance && blockedBySecurityGroups(config, {
      endpoint: p.endpoint, instance: p.instance, port: v.params.remotePort, targetIp: v.params.privateIpAddress,
      clientIp: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
    });
    wssFor(p.endpoint).handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const label = `tunnel ${requestId.slice(0, 8)} ${endpointId} -> ${p.instance?.id ?? v.params.privateIpAddress}:${v.params.remotePort}`;
      logger.debug(`${label}: open (maxTunnelDuration ${v.params.maxTunnelDuration} s)${blocked ? `; blocked: ${blocked}` : ''}`);
      relay({
        ws, raw: socket, fault, label, logger,
        target: p.instance?.state === 'running' && !blocked ? opts.target(p.instance, v.params.remotePort) : undefined,
        maxTunnelDuration: v.params.maxTunnelDuration,
      });
    });
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const requestId = randomUUID();
    const body = JSON.stringify({ ErrorCode: 'InvalidRequest', Message: 'OpenTunnel is a WebSocket endpoint: send a WebSocket upgrade request.' });
    res.writeHead(426, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'x-amzn-RequestId': requestId, Connection: 'close' });
    res.end(body);
    req.resume();
  }

  const servers: Server[] = [];
  const addresses: Array<{ host: string; port: number }> = [];
  let chosen = port;
  for (const [i, host] of hosts.entries()) {
    // AES-128-GCM first, as AWS's own TLS 1.3 policies order it (Node's default puts AES-256
    // first): the cheapest AEAD with AES-NI, on both sides of every tunnel byte.
    const server = createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, ciphers: TLS_CIPHERS, honorCipherOrder: true });
    server.on('upgrade', (req, socket, head) => {
      onUpgrade(req, socket, head).catch((err: Error) => { logger.warn(`eice: ${err.message}`); socket.destroy(); });
    });
    server.on('request', onRequest);
    server.on('tlsClientError', (err) => logger.debug(`eice: TLS: ${err.message}`));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: chosen, exclusive: true }, () => { server.off('error', reject); resolve(); });
      });
    } catch (err) {
      if (i === 0) throw err;
      logger.debug(`eice: not listening on ${host}:${chosen}: ${(err as Error).message}`);
      continue;
    }
    chosen = (server.address() as AddressInfo).port;
    servers.push(server);
    addresses.push({ host, port: chosen });
  }

  return {
    addresses,
    port: chosen,
    activeTunnels: (endpointId) => active.get(endpointId) ?? 0,
    tunnelRequests: () => requests,
    async close() {
      for (const wss of wsServers) for (const ws of wss.clients) ws.terminate();
      for (const s of sockets) s.destroy();
      for (const wss of wsServers) wss.close();
      await Promise.all(servers.map((s) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); })));
    },
  };
}
