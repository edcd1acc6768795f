/**
 * Opens the OpenTunnel WebSocket (protocol §3) and turns every way that can fail into one
 * EicError that says what failed and what to check. The presigned URL is a bearer credential
 * for 60 s: it never appears in a message, only its host does.
 *
 * The socket is handed over *paused*: the endpoint may send bytes (an SSH banner) in the same
 * TCP segment as the upgrade answer, and ws would emit them before the caller's `await`
 * resumes and attaches a listener. relay() and tunnelStream() resume it; any other caller
 * must call `ws.resume()` after attaching its 'message' listener.
 */
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import type { SecureContext } from 'node:tls';
import WebSocket from 'ws';
import { EicError } from '../errors.js';
import { redact, silentLogger, type Logger } from '../log.js';
import { eicVersion } from '../version.js';
import { tlsReadOption } from './frame-reader.js';
import { caTrust, UNTRUSTED_CODES, type ExtraCas } from '../net/trust.js';
import { refusalError } from './refusal.js';

export { refusalError } from './refusal.js';

export interface ConnectOptions {
  /** A presigned wss:// URL. */
  url: string;
  /** Extra trusted CAs (added to Node's built-in roots), e.g. from AWS_CA_BUNDLE. */
  ca?: ExtraCas;
  /** e.g. an HTTPS proxy agent. */
  agent?: Agent;
  /** Whole handshake budget: DNS, TCP, TLS and the HTTP upgrade. Default 15000. */
  handshakeTimeoutMs?: number;
  logger?: Logger;
  /** Default `eic/<version>`. */
  userAgent?: string;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;
/**
 * Idle time before the kernel probes the endpoint's TCP connection. The endpoint may not answer
 * WebSocket pings (tunnel-link.ts), so these probes are what find a peer that vanished.
 */
export const TCP_KEEPALIVE_MS = 15_000;
/** A refusal body is a short JSON document; never buffer more than this of it. */
const MAX_ERROR_BODY = 64 * 1024;

function defaultUserAgent(): string {
  return `eic/${eicVersion()}`;
}

/** Errors of certificate verification, which the full trust store may judge otherwise. */
const VERIFY_FAILURES = new Set(['tunnel-tls-untrusted', 'tunnel-tls-date']);

export async function connectTunnel(opts: ConnectOptions): Promise<WebSocket> {
  if (opts.ca === undefined) return openTunnel(opts, undefined, opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const log = opts.logger ?? silentLogger;
  const budget = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const started = Date.now();
  const trust = caTrust(opts.ca);
  try {
    return await openTunnel(opts, trust.extra(), budget);
  } catch (err) {
    if (!(err instanceof EicError && VERIFY_FAILURES.has(err.code))) throw err;
    log.debug('the extra CAs (AWS_CA_BUNDLE) alone do not verify the endpoint: trying again with the built-in roots too');
    // One handshake budget for both attempts, as the user sees one connect.
    return openTunnel(opts, trust.full(), Math.max(1, budget - (Date.now() - started)), budget);
  }
}

/** One WebSocket handshake; `budgetMs` is the whole budget, for the timeout message. */
function openTunnel(opts: ConnectOptions, secureContext: SecureContext | undefined, timeoutMs: number, budgetMs = timeoutMs): Promise<WebSocket> {
  const log = opts.logger ?? silentLogger;
  let host: string;
  try {
    const u = new URL(opts.url);
    if (u.protocol !== 'wss:' && u.protocol !== 'ws:') throw new Error('not a WebSocket URL');
    host = u.host;
  } catch {
    return Promise.reject(new EicError('tunnel-url', 'invalid OpenTunnel URL (expected wss://…)'));
  }

  return new Promise<WebSocket>((resolve, reject) => {
    let settled = false;
    let ws: WebSocket;
    const fail = (err: EicError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      log.debug(`tunnel to ${host} failed: ${err.message}`);
      reject(err);
      ws?.terminate();
    };

    const started = Date.now();
    // Redacted here too, whatever logger was passed in; only under -v, as compiling redact's patterns is not free.
    if (log.verbose) log.debug(`opening tunnel WebSocket ${redact(opts.url)}`);
    try {
      ws = new WebSocket(opts.url, {
        perMessageDeflate: false,
        // passed through to tls.connect (also by an agent's createConnection)
        ...(secureContext ? { secureContext } : {}),
        agent: opts.agent,
        headers: { 'User-Agent': opts.userAgent ?? defaultUserAgent() },
        followRedirects: false,
        // TLS reads into one reused buffer; frame-reader.ts says why (ignored through a proxy).
        onread: tlsReadOption(),
      } as WebSocket.ClientOptions);
    } catch (err) {
      // ws puts the URL into its own messages: never pass them on.
      reject(new EicError('tunnel-url', 'invalid OpenTunnel URL', undefined, { cause: redactedCause(err) }));
      return;
    }

    // Our own timer rather than ws's handshakeTimeout, so that a timeout is known as one. A
    // refusal whose body never ends is reported with what arrived.
    let refusalSoFar: (() => EicError) | undefined;
    const timer = setTimeout(() => fail(refusalSoFar?.() ?? new EicError('tunnel-timeout',
      `timed out after ${formatSeconds(budgetMs)} opening the tunnel to ${host}`,
      'check that this network can reach the endpoint on port 443 (firewall, VPN or HTTPS_PROXY)')), timeoutMs);

    // Errors after a failure (ws reports the abort we caused) and after the hand-over (the
    // relay attaches its own listener) must not crash the process.
    ws.on('error', (err) => fail(describeConnectError(err, host)));
    ws.once('unexpected-response', (_req: ClientRequest, res: IncomingMessage) => {
      const parts: Buffer[] = [];
      let size = 0;
      const refusal = () => refusalError(res.statusCode ?? 0, res.headers, Buffer.concat(parts).toString('utf8'));
      refusalSoFar = refusal;
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_ERROR_BODY) return;
        parts.push(chunk);
        size += chunk.length;
        if (size >= MAX_ERROR_BODY) fail(refusal());
      });
      res.once('end', () => fail(refusal()));
      res.once('close', () => fail(refusal()));
      res.once('error', () => fail(refusal()));
    });
    // Public way to the socket: the upgrade answer's. Through a proxy it is the TLS socket, whose
    // setKeepAlive reaches the TCP connection to the proxy.
    ws.once('upgrade', (res: IncomingMessage) => res.socket.setKeepAlive(true, TCP_KEEPALIVE_MS));
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.pause(); // see the comment at the top of this file
      log.debug(`tunnel to ${host} open in ${Date.now() - started} ms`);
      resolve(ws);
    });
  });
}

/** Map a Node/ws connection error to what failed and what to check. */
export function describeConnectError(err: Error & { code?: string }, host: string): EicError {
  if (err instanceof EicError) return err; // e.g. a proxy agent's own refusal
  const code = err.code ?? '';
  const cause = { cause: redactedCause(err) };
  if (UNTRUSTED_CODES.has(code)) {
    return new EicError('tunnel-tls-untrusted', `the TLS certificate of ${host} is not trusted (${code})`,
      'if a proxy or private CA sits in between, point AWS_CA_BUNDLE at its CA certificate bundle', cause);
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new EicError('tunnel-tls-date', `the TLS certificate of ${host} is not valid now (${code})`, 'check the system clock', cause);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new EicError('tunnel-tls-name', `the TLS certificate of ${host} does not match that name`,
      'check the endpoint DNS name (--eice-dns-name) and any proxy that intercepts TLS', cause);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
    return new EicError('tunnel-dns', `cannot resolve ${host.replace(/:\d+$/, '')} (${code})`,
      'check the endpoint DNS name, your DNS and network connection', cause);
  }
  if (code === 'ECONNREFUSED') {
    return new EicError('tunnel-refused-tcp', `connection to ${host} refused`,
      'check the endpoint name and port, and any HTTPS_PROXY setting', cause);
  }
  if (code === 'ETIMEDOUT' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new EicError('tunnel-network', `cannot reach ${host} (${code})`,
      'check that this network can reach the endpoint on port 443 (firewall, VPN or HTTPS_PROXY)', cause);
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS|certificate/i.test(err.message)) {
    return new EicError('tunnel-tls', `TLS with ${host} failed: ${redact(err.message)}`,
      'check AWS_CA_BUNDLE and any proxy that intercepts TLS', cause);
  }
  return new EicError('tunnel-connect', `cannot open the tunnel to ${host}: ${redact(err.message)}`, undefined, cause);
}

/** The error itself may quote the URL (ws does): keep only a redacted copy as the cause. */
function redactedCause(err: unknown): Error {
  const e = err as Error & { code?: string };
  const copy = new Error(redact(String(e?.message ?? err)));
  if (e?.code) (copy as Error & { code?: string }).code = e.code;
  return copy;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
