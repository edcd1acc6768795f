/**
 * The options the AWS commands share, declared once: where the AWS credentials and region come
 * from and -v (every command that calls AWS), and the overrides that skip discovery calls
 * (every command that reaches an instance).
 */
import { isIP } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { ALLOWED_REMOTE_PORTS } from '../eice.js';
import type { TargetOptions } from '../target/options.js';
import { DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_READ_TIMEOUT_S } from '../aws/timeouts.js';

export type AwsCliOptions = TargetOptions;

/** What addAccountOptions declares. */
export interface AccountCliOptions { profile?: string; region?: string; cliConnectTimeout?: number; cliReadTimeout?: number; verbose?: boolean }

/** A commander parser for an integer in [min, max]. */
export function intInRange(min: number, max: number, what: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/**
 * A port on the instance: the endpoint opens tunnels to 22 and 3389 only, so any other is
 * refused here, before any AWS call, rather than by the endpoint after them.
 */
export function endpointPort(what: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !ALLOWED_REMOTE_PORTS.includes(n)) {
      throw new InvalidArgumentError(`${what} ${value}: the endpoint only reaches ports ${ALLOWED_REMOTE_PORTS.join(' and ')} (other ports: eic ssh -L)`);
    }
    return n;
  };
}

/** --private-ip is sent to AWS as is: anything but an IPv4 or IPv6 address is refused here. */
function privateIp(value: string): string {
  if (isIP(value) === 0) throw new InvalidArgumentError(`--private-ip must be an IPv4 or IPv6 address, not "${value}"`);
  return value;
}

/** --profile, --region and -v, for a command that calls AWS; `note` ends the first two's help. */
export function addAccountOptions(cmd: Command, note = ''): Command {
  return accountOptions(cmd, note).option('-v, --verbose', 'diagnostics on stderr');
}

/** The account options and the discovery overrides, for a command that reaches an instance. */
export function addAwsOptions(cmd: Command): Command {
  return targetOptions(accountOptions(cmd)).option('-v, --verbose', 'diagnostics on stderr');
}

function accountOptions(cmd: Command, note = ''): Command {
  return cmd
    .option('--profile <name>', `AWS profile (default: AWS_PROFILE or the default profile)${note}`)
    .option('--region <region>', `AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's region)${note}`)
    .option('--cli-connect-timeout <seconds>', `the longest wait to connect to an AWS API (default ${DEFAULT_CONNECT_TIMEOUT_S}; 0: no limit)`, intInRange(0, 86_400, '--cli-connect-timeout'))
    .option('--cli-read-timeout <seconds>', `the longest wait for an AWS API to answer (default ${DEFAULT_READ_TIMEOUT_S}; 0: no limit)`, intInRange(0, 86_400, '--cli-read-timeout'));
}

function targetOptions(cmd: Command): Command {
  return cmd
    .option('--eice-id <id>', 'use this Instance Connect Endpoint instead of finding the one in the instance\'s VPC')
    .option('--eice-dns-name <name>', 'the endpoint\'s DNS name (with --eice-id: skips DescribeInstanceConnectEndpoints)')
    .option('--private-ip <ip>', 'the instance\'s private IP (skips looking it up)', privateIp)
    .option('--max-tunnel-duration <seconds>', 'end each tunnel after this many seconds (1..3600)', intInRange(1, 3600, '--max-tunnel-duration'));
}

/**
 * The same options on the program, so they may stand before the subcommand as in the AWS CLI
 * (`eic --profile p --region r ssh web-1`). Given there, they pass to the command that runs,
 * unless that command was given the option itself (it was typed later, so it wins).
 */
export function addGlobalAwsOptions(program: Command): Command {
  targetOptions(accountOptions(program)).option('-v, --verbose', 'diagnostics on stderr (for any command)');
  program.hook('preAction', (_program, action) => {
    for (const option of program.options) {
      const key = option.attributeName();
      if (program.getOptionValueSource(key) !== 'cli') continue;
      if (!action.options.some((o) => o.attributeName() === key)) continue;
      if (action.getOptionValueSource(key) === 'cli') continue;
      action.setOptionValueWithSource(key, program.getOptionValue(key), 'cli');
    }
  });
  return program;
}
