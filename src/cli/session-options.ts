/**
 * The options every command that opens an SSH session shares (eic ssh, eic cp): host-key
 * checking, keep-alives and ciphers. Kept in one place so their names, defaults and help agree.
 */
import { Option, type Command } from 'commander';
import { intInRange } from './aws-options.js';

export function addSessionOptions(cmd: Command): Command {
  return cmd
    .option('--known-hosts <file>', 'known hosts file (default: $EIC_KNOWN_HOSTS or ~/.config/eic/known_hosts)')
    .addOption(new Option('--strict-host-key-checking <mode>', 'yes: only known keys; accept-new: record new instances; no: warn only')
      .choices(['yes', 'accept-new', 'no']).default('accept-new'))
    .addOption(new Option('--keepalive <seconds>', 'seconds between SSH keep-alives (0: off)').default(15).argParser(intInRange(0, 3600, '--keepalive')))
    .option('-c, --cipher <list>', 'comma-separated SSH ciphers, most preferred first');
}
