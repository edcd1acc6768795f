/**
 * The sandbox's AWS API on one loopback HTTP server: the EC2 Query API (AWS_ENDPOINT_URL_EC2),
 * the EC2 Instance Connect JSON API (AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT; both can be the
 * same URL, requests are told apart by X-Amz-Target) and `GET /_sandbox/keys/<id>/<user>`,
 * which an instance's AuthorizedKeysCommand calls like the real agent calls the metadata
 * service. Every API request is SigV4-verified against config.credentials.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EndpointConfig, SandboxConfig } from './config.js';
import type { ApiFaultControl } from './faults.js';
import type { KeyStore } from './key-store.js';
import { silentLogger, type Logger } from '../log.js';
import { ec2ErrorAnswer, handleEc2Query } from './ec2-query.js';
import { Ec2Error } from './ec2-params.js';
import {
  ConnectError, connectErrorAnswer, handleInstanceConnect, JSON_CONTENT_TYPE,
} from './instance-connect-api.js';
import { verifyRequest, type AuthResult } from './request-auth.js';

export interface ApiServerOptions {
  config: SandboxConfig;
  keys: KeyStore;
  logger?: Logger;
  /** The DnsName / FipsDnsName the API returns for an endpoint (the sandbox's WSS address by default). */
  endpointDnsName(endpoint: EndpointConfig): { dnsName: string; fipsDnsName?: string };
  /** Errors to answer instead of an operation's work, by name (sandbox.faults.api). */
  faults?: ApiFaultControl;
}

const MAX_BODY = 1024 * 1024;
const KEYS_PATH = /^\/_sandbox\/keys\/([^/]+)\/([^/]+)$/;

interface Answer { status: number; contentType: string; body: string }

function send(res: http.ServerResponse, requestId: string, a: Answer): void {
  const body = Buffer.from(a.body, 'utf8');
  res.writeHead(a.status, {
    'Content-Type': a.contentType,
    'Content-Length': body.length,
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

/** Read the whole body, refusing more than MAX_BODY. */
function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { resolve(undefined); req.resume(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
    // A client gone before the end of its body: nothing to answer (a no-op after 'end').
    req.on('close', () => { if (!req.complete) reject(new Error('client closed the request early')); });
  });
}

const XML = 'text/xml;charset=UTF-8';

/** EC2 answers every authentication problem with AuthFailure (401), expiry aside. */
function ec2AuthError(r: Exclude<AuthResult, { ok: true }>): Ec2Error {
  if (r.failure === 'missing') return new Ec2Error('MissingAuthenticationToken', r.message, 401);
  if (r.failure === 'expired') return new Ec2Error('RequestExpired', r.message, 400);
  return new Ec2Error('AuthFailure', r.message, 401);
}

export function createApiHandler(opts: ApiServerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const log = opts.logger ?? silentLogger;
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const ec2Opts = { config: opts.config, endpointDnsName: (e: EndpointConfig) => opts.endpointDnsName(e), startedAt };

  /** A bug or a broken config becomes the API's own 500 error, so the SDK reports it sensibly. */
  function internal<T>(run: () => T, answer: (message: string) => T): T {
    try {
      return run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn(`sandbox api: ${message}`);
      return answer(`The sandbox failed to answer: ${message}`);
    }
  }

  async function route(req: http.IncomingMessage, requestId: string): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const keysPath = KEYS_PATH.exec(url.pathname);
    if (req.method === 'GET' && keysPath) {
      const [instanceId, osUser] = [decodeURIComponent(keysPath[1]), decodeURIComponent(keysPath[2])];
      const inst = opts.config.instances.find((i) => i.id === instanceId);
      if (!inst) return { status: 404, contentType: 'text/plain', body: '' };
      // A user the instance does not have gets no keys, whatever was pushed for it.
      const lines = inst.osUsers.includes(osUser) ? opts.keys.active(instanceId, osUser) : [];
      return { status: 200, contentType: 'text/plain', body: lines.map((l) => l + '\n').join('') };
    }

    const body = await readBody(req);
    if (body === undefined) return { status: 413, contentType: 'text/plain', body: 'request body too large\n' };
    const signed = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    const base = { credentials: opts.config.credentials, region: opts.config.region };
    const target = req.headers['x-amz-target'];

    if (typeof target === 'string') {
      const auth = verifyRequest(signed, { ...base, service: 'ec2-instance-connect' });
      const a = auth.ok
        ? internal(() => handleInstanceConnect(target, body, { config: opts.config, keys: opts.keys, faults: opts.faults }, requestId),
          (m) => connectErrorAnswer(new ConnectError('ServiceException', m, 500)))
        : connectErrorAnswer(new ConnectError('AuthException', auth.message, 403));
      log.debug(`sandbox api: ${target} -> ${a.status}`);
      return { ...a, contentType: JSON_CONTENT_TYPE };
    }

    const params = new Map<string, string>(url.searchParams);
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (req.method === 'POST' && isForm) for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
    if (!params.has('Action')) return { status: 404, contentType: 'text/plain', body: 'not found\n' };
    const auth = verifyRequest(signed, { ...base, service: 'ec2' });
    const fault = auth.ok ? opts.faults?.take(params.get('Action') ?? '') : undefined;
    if (fault?.raw) return { status: fault.status, contentType: fault.raw.contentType, body: fault.raw.body };
    const a = fault ? ec2ErrorAnswer(new Ec2Error(fault.type, fault.message, fault.status), requestId) : auth.ok
      ? internal(() => handleEc2Query(params, ec2Opts, requestId), (m) => ec2ErrorAnswer(new Ec2Error('InternalError', m, 500), requestId))
      : ec2ErrorAnswer(ec2AuthError(auth), requestId);
    log.debug(`sandbox api: ${params.get('Action')} -> ${a.status}`);
    return { ...a, contentType: XML };
  }

  return (req, res) => {
    const requestId = randomUUID();
    route(req, requestId).then(
      (a) => send(res, requestId, a),
      (err: unknown) => {
        if (!req.complete) { log.debug('sandbox api: client closed the request early'); res.destroy(); return; }
        // A bug or a broken config: answer 500 like AWS would, and say why on stderr.
        log.warn(`sandbox api: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) send(res, requestId, { status: 500, contentType: 'text/plain', body: 'internal error\n' });
        else res.destroy();
      },
    );
  };
}

/** Convenience for tests: listen on 127.0.0.1:0 and return the base URL and a close(). */
export async function startApiServer(opts: ApiServerOptions): Promise<{ url: string; server: http.Server; close(): Promise<void> }> {
  const server = http.createServer(createApiHandler(opts));
  // Longer than Node's 5 s default: a test that blocks its event loop (RSA key generation)
  // between two calls would otherwise reuse a pooled connection the server has just closed.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    }),
  };
}
