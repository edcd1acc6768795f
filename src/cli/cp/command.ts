/**
 * `eic cp [-r] [-p] SRC... DEST`: scp-like copies over SFTP in the same session machinery as
 * `eic ssh`. Only commander and light helpers load here; run.ts is imported in the action.
 */
import { Option, type Command } from 'commander';
import { addAwsOptions, endpointPort } from '../aws-options.js';
import type { CommandContext } from '../context.js';
import { addSessionOptions } from '../session-options.js';
import type { CpCliOptions } from './options.js';


const HELP_AFTER = `
One side is on an instance, written [user@]INSTANCE:PATH (an id, Name tag or private IP, as for
eic ssh); a relative PATH starts in the user's home directory. Several sources go into DEST,
which must then be a directory. File modes are kept; -p keeps modification times too.

When a copy fails midway, the message says how far it got; run the same command with --resume
to append to files whose partial content matches the source instead of copying them again
(all of the partial content is compared, by SHA-256). Every copied file's size is checked;
--verify also compares SHA-256 of source and copy end to end.

Examples:
  eic cp ./app.tar.gz i-0123456789abcdef0:/tmp/
  eic cp -r web-1:/var/log/nginx ./logs
  eic cp -p admin@web-1:notes.txt report.pdf ./
`;

export function registerCp(program: Command, ctx: CommandContext): void {
  const cmd = program.command('cp')
    .description('copy files to or from an instance over SFTP through its endpoint')
    .argument('<operands...>', 'SRC... DEST (one side [user@]INSTANCE:PATH)')
    // As scp: options first; from the first operand on, everything is a file (even "-x").
    .passThroughOptions()
    .option('-r, --recursive', 'copy directories and what they hold')
    .option('-p, --preserve', 'keep modification and access times (modes are always kept)')
    .option('-q, --quiet', 'no progress bar and no notes')
    .option('--resume', 'append to partial files left by a failed copy (when they match the source)')
    .option('--verify', 'compare SHA-256 of each source and its copy after copying')
    .addOption(new Option('-u, --os-user <user>', 'OS user to log in as').default('ec2-user'))
    .addOption(new Option('-P, --port <port>', 'sshd port on the instance').default(22).argParser(endpointPort('-P')))
    .option('-i, --identity <file>', 'private key to use instead of a fresh in-memory key')
    .option('--push', 'push the public half of the -i key with SendSSHPublicKey first')
    .addHelpText('after', HELP_AFTER);
  addAwsOptions(addSessionOptions(cmd)).action(async (operands: string[], opts: CpCliOptions) => {
    const { runCp } = await import('./run.js');
    const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
    ctx.setExitCode(await runCp({ operands, opts, given, io: ctx.io }));
  });
}
