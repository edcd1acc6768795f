/**
 * `eic ssh-config [--install [FILE]]`: the ~/.ssh/config block that lets plain ssh, scp, rsync,
 * git and VS Code Remote-SSH reach instances by id and by Name (block.ts).
 *
 * How ssh starts eic: by default the absolute path of the eic being run (process.argv[1]), so
 * the block works where PATH differs (VS Code, cron, GUI apps) and with several installs side by
 * side; when that file is not executable (e.g. `node dist/src/boot/entry.js`), node's own path is
 * put in front. `--eic-command eic` writes plain `eic` for a config shared between machines.
 * --profile and --region go into the ProxyCommand only when given here, so the block does not
 * silently depend on the environment of the shell that generated it.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addAccountOptions, type AccountCliOptions } from '../aws-options.js';
import type { CommandContext } from '../context.js';
import type { NamedInstance } from './block.js';

export interface SshConfigCliOptions extends AccountCliOptions {
  osUser: string;
  install?: string | boolean;
  names: boolean;
  controlMaster: boolean;
  controlDir?: string;
  eicCommand?: string;
}

/** The shell words that start this eic, for a ProxyCommand. */
export function defaultEicCommand(script: string | undefined, execPath: string): string[] {
  if (!script) return ['eic'];
  const path = resolve(script);
  try {
    accessSync(path, constants.X_OK);
    if (!/\.[cm]?js$/.test(path) || /[\\/]bin[\\/]eic\.js$/.test(path)) return [path];
  } catch {
    // not executable: run it with node
  }
  return [execPath, path];
}

export function registerSshConfig(program: Command, ctx: CommandContext): void {
  addAccountOptions(program.command('ssh-config')
    .description('print a ~/.ssh/config block so ssh, scp, rsync, git and VS Code reach instances by id and Name')
    .option('--os-user <user>', 'default login user (ssh user@host overrides it)', 'ec2-user')
    .option('--install [file]', 'add the block to FILE (default ~/.ssh/config) between "# BEGIN eic" and "# END eic", keeping FILE.eic-backup')
    .option('--no-names', 'only the "Host i-*" block: no Name blocks, no AWS call')
    .option('--no-control-master', 'no connection sharing (ControlMaster, ControlPath, ControlPersist)')
    .option('--control-dir <dir>', 'directory for the shared connections\' sockets, yours alone (default $XDG_RUNTIME_DIR if it is yours alone, else ~/.ssh/eic-cm)')
    .option('--eic-command <command>', 'how ssh should start eic (default: the absolute path of this eic)'),
  ', also written into the ProxyCommand')
    .addHelpText('after', `
The block has one "Host <Name>" per running instance with a unique Name that an endpoint can
serve (a comment names the others and why), then "Host i-*". Each shares one connection per
host (ControlMaster auto, ControlPersist 10m): a second ssh within 10 minutes makes no AWS call
and opens no tunnel. The socket directory is $XDG_RUNTIME_DIR when it is yours alone (owned by
you, not writable by group or others), else ~/.ssh/eic-cm, made 0700 if missing.
ProxyCommand runs this eic by its absolute path (--eic-command eic to rely on PATH instead).
--install puts the block at the end of the file, or just above a catch-all "Host *" / "Match all"
(ssh takes the first value it finds, so a catch-all above would override User and ProxyCommand);
a later --install replaces the block where it is. The previous file is kept as FILE.eic-backup.`)
    .action(async (opts: SshConfigCliOptions) => {
      const { io } = ctx;
      const [{ createLogger }, block, names, control] = await Promise.all([
        import('../../log.js'), import('./block.js'), import('./names.js'), import('./control-dir.js'),
      ]);
      const logger = createLogger({ verbose: opts.verbose, write: (s) => io.stderr.write(s) });
      const home = io.env.HOME || (await import('node:os')).homedir();
      const eicCommand = opts.eicCommand?.trim()
        || defaultEicCommand(process.argv[1], process.execPath).map(block.shellQuote).join(' ');
      const controlDir = opts.controlMaster ? resolve(home, opts.controlDir ?? control.defaultControlDir(home, io.env)) : undefined;
      const render = (found?: { named: NamedInstance[]; skipped: string[] }) => block.renderSshConfigBlock({
        eicCommand, osUser: opts.osUser, profile: opts.profile, region: opts.region, controlDir, ...found,
      });
      // Values that would break the file are refused before any AWS call; the block works only
      // with its socket directory in place, printed or installed.
      render();
      if (controlDir) control.ensureControlDir(controlDir);
      const found = opts.names ? await names.namedInstances({ profile: opts.profile, region: opts.region, env: io.env, logger }) : undefined;
      const text = render(found);
      const named = found?.named ?? [];
      if (opts.install === undefined || opts.install === false) {
        io.stdout.write(text);
        return;
      }
      const { installSshConfigBlock } = await import('./install.js');
      const file = typeof opts.install === 'string' ? resolve(opts.install) : resolve(home, '.ssh', 'config');
      const r = installSshConfigBlock(file, text);
      const hosts = `Host i-*${named.length ? ` and ${named.length} named host${named.length === 1 ? '' : 's'}` : ''}`;
      if (!r.changed) logger.info(`${r.path} already has this eic block (${hosts}); nothing changed`);
      else logger.info(`eic block (${hosts}) ${r.placement === 'replaced' ? 'updated in' : 'added to'} ${r.path}`
        + `${r.placement === 'before-catch-all' ? ', above its catch-all "Host *"' : ''}`
        + `${r.backup ? `; previous version in ${r.backup}` : ''}`);
    });
}
