/**
 * `eic completion bash|zsh`: print a completion script generated from this very program, so
 * it lists the commands and options this eic has.
 */
import { Argument, type Command } from 'commander';
import type { CommandContext } from '../context.js';

export function registerCompletion(program: Command, ctx: CommandContext): void {
  program.command('completion')
    .description('print a bash or zsh completion script (source <(eic completion bash))')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .addHelpText('after', `
bash:  source <(eic completion bash)   in ~/.bashrc, or
       eic completion bash > ~/.local/share/bash-completion/completions/eic
zsh:   source <(eic completion zsh)    in ~/.zshrc after compinit, or
       eic completion zsh > "\${fpath[1]}/_eic"`)
    .action(async (shell: 'bash' | 'zsh') => {
      const [{ completionModel }, scripts] = await Promise.all([import('./model.js'), import('./scripts.js')]);
      const model = completionModel(program);
      ctx.io.stdout.write(shell === 'bash' ? scripts.bashScript(model) : scripts.zshScript(model));
    });
}
