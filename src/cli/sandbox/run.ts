/**
 * The body of `eic sandbox`, loaded only when that command runs: start, announce, wait for a
 * stop signal (SIGINT, SIGTERM, SIGHUP), stop everything (no sshd left behind), remove the env
 * file, and end with 128+signal, as a shell reports a death by that signal.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { EicError, usageError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { DEFAULT_CREDENTIALS, defaultConfig, loadConfig, type SandboxConfig } from '../../sandbox/config.js';
import { servedInstances } from '../../sandbox/instances.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { vpcOfSubnet } from '../../sandbox/tunnel-policy.js';
import type { CommandContext } from '../context.js';
import { envLines, type SandboxCliOptions } from './options.js';
import { signalStatus, watchStopSignals } from '../../stop-signals.js';

function readConfig(path: string | undefined): SandboxConfig {
  if (!path) return defaultConfig();
  try {
    return loadConfig(path);
  } catch (err) {
    throw usageError('sandbox-config', `cannot read sandbox config ${path}: ${(err as Error).message}`, 'pass a JSON file shaped like the built-in default (see src/sandbox/config.ts)');
  }
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError('sandbox-tls', `cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

function summary(sb: Sandbox, opts: SandboxCliOptions): string[] {
  const cfg = sb.config;
  const lines = [`eic sandbox ready (${sb.usingRealSshd ? 'instances run OpenSSH sshd' : 'instances use the in-process SSH fallback'})`];
  lines.push(`  API         ${sb.apiUrl}   region ${cfg.region}`);
  const listening = sb.eiceAddresses.map((a) => (a.host.includes(':') ? `[${a.host}]` : a.host)).join(', ');
  lines.push(`  OpenTunnel  wss://${sb.dnsName}   (listening on ${listening} port ${sb.eiceAddress.port})`);
  for (const e of cfg.endpoints) lines.push(`  endpoint    ${e.id}  ${e.state}  ${vpcOfSubnet(cfg, e.subnetId) ?? '?'} ${e.subnetId}`);
  const served = new Set(servedInstances(cfg).map((i) => i.id));
  for (const i of cfg.instances) {
    const addr = sb.instanceAddress(i.id);
    const ip = i.privateIpAddress ?? i.ipv6Address ?? '-';
    lines.push(`  instance    ${i.id}  ${(i.name ?? '').padEnd(10)} ${i.state.padEnd(8)} ${ip}${served.has(i.id) && addr ? `  (ssh on ${addr.host}:${addr.port})` : ''}`);
  }
  if (opts.writeEnv) {
    lines.push(`  environment written to ${opts.writeEnv} (source it)`);
  } else {
    // The built-in credentials are a published constant; any other secret stays out of the terminal.
    const shown = { ...sb.env };
    if (shown.AWS_SECRET_ACCESS_KEY !== DEFAULT_CREDENTIALS.secretAccessKey) shown.AWS_SECRET_ACCESS_KEY = '<the secret you passed; use --write-env FILE>';
    lines.push('  environment for clients:', ...envLines(shown).trimEnd().split('\n').map((l) => `    ${l}`));
  }
  lines.push('Stop with Ctrl-C.');
  return lines;
}

export async function runSandbox(opts: SandboxCliOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const logger = createLogger({ verbose: opts.verbose, write: (s) => io.stderr.write(s) });
  const config = readConfig(opts.config);
  if (opts.keyValidity !== undefined) config.keyValiditySeconds = opts.keyValidity;
  const tlsCert = opts.tlsCert ? readPem(opts.tlsCert, 'certificate') : undefined;
  const tlsKey = opts.tlsKey ? readPem(opts.tlsKey, 'key') : undefined;
  // A stale file from an earlier run must not look like "ready".
  if (opts.writeEnv) rmSync(opts.writeEnv, { force: true });

  const signals = watchStopSignals();
  try {
    let sb: Sandbox;
    try {
      sb = await startSandbox({
        config, listen: opts.listen, dnsName: opts.dnsName, extraCredentials: opts.credentials,
        tlsCert, tlsKey, logger, requireSshd: io.env.EIC_SANDBOX_REQUIRE_SSHD === '1',
      });
    } catch (err) {
      if (err instanceof EicError) throw err;
      const e = err as NodeJS.ErrnoException;
      const hint = e.code === 'EADDRINUSE' || e.code === 'EACCES' ? 'choose another --listen address or port' : undefined;
      throw new EicError('sandbox-start', `the sandbox could not start: ${e.message}`, hint, { cause: err });
    }
    try {
      io.stderr.write(summary(sb, opts).join('\n') + '\n');
      // The file is the signal tools wait for, so it comes last: whoever sees it can also
      // already read the summary above.
      if (opts.writeEnv) {
        const tmp = `${opts.writeEnv}.${process.pid}.tmp`;
        writeFileSync(tmp, envLines(sb.env), { mode: 0o600 });
        renameSync(tmp, opts.writeEnv);
      }
      const sig = await signals.stopped;
      logger.info(`eic sandbox: ${sig}, stopping`);
      ctx.setExitCode(signalStatus(sig));
    } finally {
      await sb.close();
      if (opts.writeEnv) rmSync(opts.writeEnv, { force: true });
    }
  } finally {
    signals.dispose();
  }
}
