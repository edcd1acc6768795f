/**
 * The in-process stand-in for an instance's sshd, used only where the real sshd cannot run
 * (not installed, or not root). It accepts the keys the KeyStore holds for that instance and
 * user, and offers exec, a shell and direct-tcpip forwarding. Limits, said plainly: commands run
 * as the user running the sandbox (not the OS user), via /bin/sh; a pty request is accepted
 * but Node has no pty, so a shell has no terminal (no prompt editing, no job control); no SFTP.
 */
import { spawn } from 'node:child_process';
import { connect, type AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import type { KeyStore } from './key-store.js';
import type { Logger } from '../log.js';

const { Server, utils } = ssh2;

export interface FallbackOptions {
  instanceId: string;
  osUsers: string[];
  hostKeyPem: string;
  keys: KeyStore;
  logger: Logger;
  /** Listen on this port (a restart keeps its address); a free one when absent. */
  port?: number;
}

export interface FallbackHandle {
  port: number;
  stop(): Promise<void>;
}

function allowedKey(o: FallbackOptions, user: string, algo: string, data: Buffer) {
  for (const line of o.keys.active(o.instanceId, user)) {
    const parsed = utils.parseKey(line);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key instanceof Error || !key) continue;
    if (key.getPublicSSH().equals(data)) return key;
  }
  void algo;
  return undefined;
}

function run(command: string | undefined, stream: ServerChannel, env: Record<string, string>): void {
  const child = spawn('/bin/sh', command === undefined ? [] : ['-c', command], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  stream.pipe(child.stdin!);
  child.stdout!.pipe(stream, { end: false });
  child.stderr!.pipe(stream.stderr, { end: false });
  child.stdin!.on('error', () => {});
  child.on('error', (err) => { stream.stderr.write(`${err.message}\n`); stream.exit(127); stream.end(); });
  child.on('close', (code, sig) => {
    if (sig) stream.exit(sig.replace(/^SIG/, ''), false, '');
    else stream.exit(code ?? 0);
    stream.end();
  });
  stream.on('close', () => { if (child.exitCode === null) child.kill('SIGHUP'); });
}

function onClient(o: FallbackOptions, client: Connection): void {
  client.on('error', (err) => o.logger.debug(`[${o.instanceId} fallback ssh] ${err.message}`));
  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey' || !o.osUsers.includes(ctx.username)) return ctx.reject(['publickey']);
    const key = allowedKey(o, ctx.username, ctx.key.algo, ctx.key.data);
    if (!key) return ctx.reject(['publickey']);
    // Without a signature the client only asks whether the key would do.
    if (ctx.signature && ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
    o.logger.debug(`[${o.instanceId} fallback ssh] accepted key for ${ctx.username}`);
    ctx.accept();
  });
  client.on('ready', () => {
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      const env: Record<string, string> = {};
      session.on('pty', (accept) => accept?.());
      session.on('window-change', (accept) => accept?.());
      session.on('env', (accept, _reject, info) => { env[info.key] = info.val; accept?.(); });
      session.on('exec', (accept, _reject, info) => run(info.command, accept(), env));
      session.on('shell', (accept) => run(undefined, accept(), env));
      session.on('sftp', (_accept, reject) => reject());
    });
    client.on('tcpip', (accept, reject, info) => {
      const sock = connect(info.destPort, info.destIP);
      sock.once('error', () => reject());
      sock.once('connect', () => {
        const channel = accept();
        sock.removeAllListeners('error');
        sock.on('error', () => channel.destroy());
        channel.on('error', () => sock.destroy());
        sock.pipe(channel).pipe(sock);
      });
    });
  });
}

export async function startFallbackSsh(o: FallbackOptions): Promise<FallbackHandle> {
  const clients = new Set<Connection>();
  const server = new Server({ hostKeys: [o.hostKeyPem] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    onClient(o, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    async stop() {
      for (const c of clients) c.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
