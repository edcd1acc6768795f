/**
 * OpenSSH's way of reading a command line: options, then the destination, then (getopt
 * starting again, as ssh.c does) more options, and from the first operand after that, the
 * remote command, left as typed. Commander reads up to the destination by itself with
 * passThroughOptions(); this reads the options that follow it.
 */
import type { Command } from 'commander';

/** Parse the options at the head of `rest` into `cmd`; what follows (after `--` if given) is returned as typed. */
export function optionsAfterDestination(cmd: Command, rest: string[]): string[] {
  if (rest.length === 0 || !rest[0].startsWith('-') || rest[0] === '-') return rest;
  const { operands, unknown } = cmd.parseOptions(rest);
  if (unknown.length > 0) cmd.error(`error: unknown option '${unknown[0]}'`, { code: 'commander.unknownOption', exitCode: 2 });
  return operands;
}
