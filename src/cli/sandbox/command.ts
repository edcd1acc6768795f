/**
 * `eic sandbox`: runs the local AWS side (EC2 + Instance Connect APIs, the OpenTunnel
 * endpoint, sshd-backed instances) until SIGINT/SIGTERM. Other tools drive it through
 * `--write-env FILE`: the file appears, atomically, only once everything listens, and is
 * removed again when the sandbox stops (its CA file and ports are gone by then).
 */
import type { Command } from 'commander';
import { usageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import type { SandboxCliOptions } from './options.js';


export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw usageError('sandbox-listen', `--listen ${value}: expected HOST:PORT`, 'e.g. --listen 127.0.0.1:8443 or --listen [::1]:443');
  return { host: m[1] ?? m[2], port };
}

function parseCredential(value: string, prev: SandboxCliOptions['credentials']) {
  const i = value.indexOf(':');
  if (i <= 0 || i === value.length - 1) throw usageError('sandbox-credentials', '--credentials expects KEY_ID:SECRET');
  return [...prev, { accessKeyId: value.slice(0, i), secretAccessKey: value.slice(i + 1) }];
}

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw usageError('sandbox-key-validity', `--key-validity ${value}: expected a whole number of seconds ≥ 1`);
  return Number(value);
}


export function registerSandbox(program: Command, ctx: CommandContext): void {
  program.command('sandbox')
    .description('run a local stand-in for AWS (EC2 API, Instance Connect, EICE tunnels, sshd instances) until Ctrl-C')
    .option('--config <file>', 'sandbox world as JSON (VPCs, subnets, instances, endpoints, credentials)')
    .option('--listen <host:port>', 'address of the OpenTunnel WSS endpoint (default 127.0.0.1 and ::1, free port)', parseListen)
    .option('--credentials <keyId:secret>', 'accept these credentials too (repeatable)', parseCredential, [])
    .option('--dns-name <name>', 'DnsName the endpoints advertise (default localhost:PORT)')
    .option('--tls-cert <file>', 'serve this certificate chain (PEM) instead of a generated one')
    .option('--tls-key <file>', 'key for --tls-cert (PEM)')
    .option('--write-env <file>', 'when ready, write shell export lines for clients to this file')
    .option('--key-validity <seconds>', 'how long a pushed SSH key is accepted (AWS: 60)', parseSeconds)
    .option('-v, --verbose', 'log every request, tunnel and sshd line')
    .option('--print-config', 'print the built-in world as JSON (a starting point for --config) and exit')
    .action(async (opts: SandboxCliOptions) => {
      if (opts.printConfig) {
        const { defaultConfig } = await import('../../sandbox/config.js');
        ctx.io.stdout.write(`${JSON.stringify(defaultConfig(), null, 2)}\n`);
        return;
      }
      if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw usageError('sandbox-tls', '--tls-cert and --tls-key go together');
      const { runSandbox } = await import('./run.js');
      await runSandbox(opts, ctx);
    });
}

