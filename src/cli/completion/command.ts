/**
 * `eic completion bash|zsh|fish`: print a completion script generated from this very program,
 * so it lists the commands and options this eic has. The scripts ask the hidden
 * `eic __complete` (registered here too) for instances and profiles.
 */
import { Argument, type Command } from 'commander';
import type { CommandContext } from '../context.js';
import { registerComplete } from './complete-command.js';

type Shell = 'bash' | 'zsh' | 'fish';

export function registerCompletion(program: Command, ctx: CommandContext): void {
  program.command('completion')
    .description('print a bash, zsh or fish completion script (source <(eic completion bash))')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', `
bash:  source <(eic completion bash)   in ~/.bashrc, or
       eic completion bash > ~/.local/share/bash-completion/completions/eic
zsh:   source <(eic completion zsh)    in ~/.zshrc after compinit, or
       eic completion zsh > "\${fpath[1]}/_eic"
fish:  eic completion fish > ~/.config/fish/completions/eic.fish
Instance ids and Names are completed from eic's cache of the last lookup (at most a minute old;
an older one is refreshed, waiting at most a second, else in the background).`)
    .action(async (shell: Shell) => {
      const { completionModel } = await import('./model.js');
      const model = completionModel(program);
      const script = shell === 'bash' ? (await import('./scripts.js')).bashScript(model)
        : shell === 'zsh' ? (await import('./zsh.js')).zshScript(model)
        : (await import('./fish.js')).fishScript(model);
      ctx.io.stdout.write(script);
    });
  registerComplete(program, ctx);
}
