/**
 * The options every command that reaches an instance shares: where the AWS credentials and
 * region come from, and the overrides that skip discovery calls.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { TargetOptions } from '../target/options.js';

export type AwsCliOptions = TargetOptions;

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

export function addAwsOptions(cmd: Command): Command {
  return cmd
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE or the default profile)')
    .option('--region <region>', 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile\'s region)')
    .option('--eice-id <id>', 'use this Instance Connect Endpoint instead of finding the one in the instance\'s VPC')
    .option('--eice-dns-name <name>', 'the endpoint\'s DNS name (with --eice-id: skips DescribeInstanceConnectEndpoints)')
    .option('--private-ip <ip>', 'the instance\'s private IP (skips looking it up)')
    .option('--max-tunnel-duration <seconds>', 'end each tunnel after this many seconds (1..3600)', intInRange(1, 3600, '--max-tunnel-duration'))
    .option('-v, --verbose', 'diagnostics on stderr');
}
