/**
 * The `eic ssh` action: a session (session/ssh-session.ts: key, target, push in parallel with the
 * WebSocket, ssh2 over the tunnel), then a shell, a command or forwarding only.
 * Returns the exit status (the remote one for commands); eic's own failures are EicErrors.
 */
import { EicError, isEicError } from '../../errors.js';
import { agentSocket } from '../../ssh/agent.js';
import { startForwarding, type Forwarding } from '../../ssh/forwarding.js';
import { startRemoteForwards } from '../../ssh/forward-remote.js';
import { forwardStdio } from '../../ssh/forward-stdio.js';
import { joinCommand, runRemote } from '../../ssh/remote.js';
import { ClientSlot } from '../../ssh/client-slot.js';
import type { SshConnection } from '../../ssh/session.js';
import { resolveSshTarget } from '../../target/ssh-target.js';
import { settle, type SettleInput } from './settle.js';
import { lossError } from './loss.js';
import { holdForwarding, watch } from './reconnect.js';
import { killedBySignal, watchStopSignals } from '../../stop-signals.js';
import { uptimeMs } from '../../clock.js';

export type RunSshInput = SettleInput;

export async function runSsh(input: RunSshInput): Promise<number> {
  const began = uptimeMs();
  const { io } = input;
  // Everything that can be refused without the network, first.
  const settled = await settle(input);
  if (input.opts.printConfig) return (await import('./print-config.js')).printConfig(settled, io);
  const { opts, logger, host, osUser, local, remote, dynamic } = settled;
  // The session code (with ssh2, a large module) is loaded while discovery's AWS calls are in
  // flight, not before they are sent: see `early` below.
  let loadSession!: () => void;
  const session$ = new Promise<void>((resolve) => { loadSession = resolve; }).then(() => import('../../session/ssh-session.js'));
  const agent = agentSocket(io.env, logger);
  if (opts.forwardAgent && !agent) logger.warn('-A: no ssh-agent to forward ($SSH_AUTH_SOCK is not set or not a socket)');

  // With a target named and no -i to unlock, discovery needs nothing from the user: its round
  // trips start now and overlap with loading ssh2 and making the key. Otherwise the prompts
  // (passphrase, picker) come first, one at a time.
  const early = host !== undefined && !opts.identity ? resolveSshTarget(host, opts, io, logger, loadSession) : undefined;
  early?.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
  if (early) early.then(loadSession, loadSession); // in case it ends before its calls are sent
  else loadSession();
  const { clientKey, connectTarget, Phases } = await session$;
  const phases = new Phases(began);
  let key: Awaited<ReturnType<typeof clientKey>>;
  try {
    key = await clientKey(opts, io).catch((err) => {
      // An IdentityFile written for plain ssh, encrypted, with no terminal to ask: eic's own
      // fresh key still logs in (ssh would have asked its agent), so say so and go on.
      if (!settled.identityFromConfig || !isEicError(err) || err.code !== 'key-encrypted') throw err;
      logger.warn(`${err.message}: using a fresh key instead`);
      opts.identity = undefined;
      opts.push = false;
      return clientKey(opts, io);
    });
  } catch (err) {
    (await early?.catch(() => undefined))?.aws.close();
    throw err;
  }
  if (!early) phases.mark('key');
  const target = await (early ?? resolveSshTarget(host, opts, io, logger));
  phases.mark(early ? 'discovery (loading ssh2 and making the key meanwhile)' : 'discovery');
  let conn: SshConnection | undefined;
  let forwarding: Forwarding | undefined;
  try {
    const opened = Date.now();
    conn = await connectTarget({ target, key: key.key, push: key.push, osUser, opts, io, logger, agent, phases });

    const loss = { instanceId: target.instance.id, maxTunnelDuration: opts.maxTunnelDuration };
    const describeLoss = (err: Error | undefined) => lossError(err, { ...loss, openedAt: opened });
    // -N reconnects when the tunnel ends: the listeners then forward through whichever
    // connection the slot holds, and wait for the next one in between.
    const first = opts.forwardOnly ? watch(conn.client, opened) : undefined;
    const slot = first ? new ClientSlot() : undefined;
    slot?.set(conn.client);
    const remoteForwards = await startRemoteForwards(conn.client, remote, logger);
    if (settled.stdio) return await forwardStdio(conn.client, settled.stdio, io);
    if (local.length > 0 || dynamic.length > 0) {
      forwarding = await startForwarding(slot ? slot.get : conn.client, local, dynamic, logger);
      for (const f of forwarding.forwards) {
        const where = f.listener.host.includes(':') ? `[${f.listener.host}]:${f.listener.port}` : `${f.listener.host}:${f.listener.port}`;
        logger.info(f.kind === 'local' ? `Forwarding ${where} -> ${f.spec} via ${target.instance.id}` : `SOCKS5 proxy on ${where} via ${target.instance.id}`);
      }
    }
    if (first && slot) {
      const reconnect = opts.reconnect !== false;
      const signals = watchStopSignals();
      logger.info(`Forwarding only (-N)${reconnect ? ', reconnecting when the tunnel ends' : ''}; press Ctrl-C to stop`);
      try {
        const status = await holdForwarding({
          first, slot, reconnect, loss, logger, stop: signals.stopped,
          // A fresh key each time (a pushed key is accepted for 60 s only); an -i key is reused.
          connect: async () => {
            const k = opts.identity ? key : await clientKey(opts, io);
            const next = (await connectTarget({ target, key: k.key, push: k.push, osUser, opts, io, logger, agent })).client;
            // The same ports as before, so whoever uses them on the instance finds them again;
            // restore: a refusal is asked again while the old session still holds the port.
            await startRemoteForwards(next, remoteForwards.map((f) => ({ ...f.spec, bindPort: f.port })), logger, true);
            return next;
          },
        });
        // Stopped by a signal: what OpenSSH says and does (its exit status is then 255).
        if (signals.received) throw new EicError('interrupted', killedBySignal(signals.received), undefined, { signal: signals.received });
        return status;
      } finally {
        signals.dispose();
      }
    }
    const command = input.command.length > 0 ? joinCommand(input.command) : undefined;
    const pty = !opts.noTty && (Boolean(opts.tty) || (command === undefined && Boolean(io.stdin.isTTY)));
    const status = await runRemote(conn.client, {
      command, pty, agentForward: Boolean(opts.forwardAgent && agent), io, logger, describeLoss, escapeChar: opts.escapeChar, env: settled.env,
    });
    // As OpenSSH does after a terminal session, so the user knows they are back home.
    if (pty) logger.info(`Connection to ${target.instance.id} closed.`);
    return status;
  } finally {
    await forwarding?.close();
    conn?.client.end();
    target.aws.close();
  }
}
