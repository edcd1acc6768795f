/**
 * `eic doctor <target>`: every step of a connection, one by one, each with ✔ or ✗, what it
 * found and the one fix. It changes nothing in the account: the key push is its one write,
 * and it is what any connection does anyway (the key is fresh, in memory, valid 60 s).
 */
import { Option, type Command } from 'commander';
import { addAwsOptions, endpointPort } from '../aws-options.js';
import type { CommandContext } from '../context.js';
import { DOCTOR_FAILED, type DoctorCliOptions } from './options.js';

export function registerDoctor(program: Command, ctx: CommandContext): void {
  const cmd = program.command('doctor')
    .description('check every step of a connection to an instance and say what to fix')
    .argument('<target>', '[user@]instance id, Name tag, private IP or private DNS name')
    .addOption(new Option('--port <port>', 'the port to check: 22 (SSH) or 3389 (RDP)').default(22).argParser(endpointPort('--port')))
    .option('--os-user <user>', 'the OS user to authenticate as (default: user@ or ec2-user)')
    .option('--known-hosts <file>', 'known hosts file to compare the host key with (read only)')
    .option('--json', 'a JSON array of steps (name, ok, found, fix; ok null: not checked) for scripts');
  addAwsOptions(cmd)
    .addHelpText('after', [
      '',
      'Steps: credentials and region; the instance (state, addresses); the endpoint (state,',
      'address type, same subnet or VPC); the security groups of both sides for the port; the key',
      'push; the tunnel; the SSH banner; authentication with the pushed key. Stops at the first',
      'failure that makes later steps meaningless. For --port 3389: up to the tunnel (the endpoint',
      'reached the port); the RDP handshake is reported as not checked.',
      '',
      'It changes nothing in your account. Its one write is SendSSHPublicKey of a fresh key that',
      'lives only in memory and expires after 60 s: what every connection does anyway. It reads',
      'known_hosts but never writes it.',
      '',
      `Exit status: 0 when no step failed, ${DOCTOR_FAILED} when one failed, 2 for bad usage.`,
    ].join('\n'))
    .action(async (target: string, opts: DoctorCliOptions) => {
      const { runDoctor } = await import('./run.js');
      ctx.setExitCode(await runDoctor(target, opts, ctx.io));
    });
}
