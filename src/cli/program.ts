/**
 * The commander program. Each command lives in its own file and registers itself here; a
 * command file imports only commander and light helpers at the top and loads its
 * implementation inside the action, so `eic --version` and `eic --help` start fast.
 */
import { Command } from 'commander';
import { eicVersion } from '../version.js';
import type { CommandContext } from './context.js';
import { addGlobalAwsOptions } from './aws-options.js';
import { registerProxy } from './proxy/command.js';
import { registerSandbox } from './sandbox/command.js';
import { registerTunnel } from './tunnel.js';
import { registerSshConfig } from './ssh-config/command.js';
import { registerSsh } from './ssh/command.js';
import { registerCp } from './cp/command.js';
import { registerList } from './list/command.js';
import { registerCompletion } from './completion/command.js';
import { registerPushKey } from './push-key.js';
import { registerDoctor } from './doctor/command.js';


export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('eic')
    .description('Reach EC2 instances in closed VPCs through EC2 Instance Connect Endpoint')
    .version(eicVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // Each command reads its own options; `eic ssh` and `eic cp` stop at their first operand (OpenSSH's way).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
  addGlobalAwsOptions(program);
  registerProxy(program, ctx);
  registerTunnel(program, ctx);
  registerSsh(program, ctx);
  registerCp(program, ctx);
  registerSshConfig(program, ctx);
  registerList(program, ctx);
  registerPushKey(program, ctx);
  registerDoctor(program, ctx);
  registerCompletion(program, ctx);
  registerSandbox(program, ctx);
  return program;
}
