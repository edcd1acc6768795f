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

/**
 * For a command that runs no remote command after its operands (`eic proxy`): options may stand
 * among the operands too, as `ProxyCommand eic proxy %h %p --push-key` is written by hand (and
 * older eic allowed). Returns the operands; `--` ends the options.
 */
export function optionsAmongOperands(cmd: Command, rest: string[]): string[] {
  const end = rest.indexOf('--');
  let args = end < 0 ? rest : rest.slice(0, end);
  const operands: string[] = [];
  while (args.length > 0) {
    if (!args[0].startsWith('-') || args[0] === '-') {
      operands.push(args[0]);
      args = args.slice(1);
      continue;
    }
    // With passThroughOptions commander stops at the next operand and hands it back first.
    const { operands: after, unknown } = cmd.parseOptions(args);
    if (unknown.length > 0) cmd.error(`error: unknown option '${unknown[0]}'`, { code: 'commander.unknownOption', exitCode: 2 });
    args = after;
  }
  return end < 0 ? operands : [...operands, ...rest.slice(end + 1)];
}
