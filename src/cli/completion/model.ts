/**
 * What shell completion offers, read from the commander program itself (through commander's
 * public Help API: the same visible commands and options `--help` shows), so the completion
 * scripts stay true as commands are added.
 */
import type { Command } from 'commander';

export interface OptionModel {
  /** `-v`, `--verbose`… */
  flags: string[];
  takesValue: boolean;
  /** The value's placeholder, e.g. `name` for `--profile <name>`. */
  valueName?: string;
  choices?: string[];
  description: string;
}

export interface CommandModel {
  /** The name, then its aliases. */
  names: string[];
  description: string;
  options: OptionModel[];
  /** Choices of the first argument, when it has a fixed set (e.g. `completion bash|zsh`). */
  argChoices?: string[];
  /**
   * Instances to offer: `first` for the first operand (a target or destination), `remote` for
   * every operand as `target:` (eic cp's SRC… DEST); none for other commands.
   */
  targets?: 'first' | 'remote';
}

export interface CompletionModel {
  commands: CommandModel[];
  globalOptions: OptionModel[];
}

function optionModel(o: { short?: string; long?: string; flags: string; required: boolean; optional: boolean; description: string; argChoices?: string[] }): OptionModel {
  const flags = [o.short, o.long].filter((f): f is string => Boolean(f));
  const takesValue = o.required || o.optional;
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
  return { flags, takesValue, valueName, choices: o.argChoices, description: o.description };
}

/** Which operands name an instance, read from the command's first argument. */
function targetsOf(cmd: Command): CommandModel['targets'] {
  const first = cmd.registeredArguments[0];
  if (!first) return undefined;
  if (/^(target|destination)$/.test(first.name())) return 'first';
  if (cmd.name() === 'cp') return 'remote';
  return undefined;
}

export function completionModel(program: Command): CompletionModel {
  const help = program.createHelp();
  const commands = help.visibleCommands(program).map((cmd): CommandModel => ({
    names: [cmd.name(), ...cmd.aliases()],
    description: cmd.summary() || cmd.description(),
    options: help.visibleOptions(cmd).map(optionModel),
    argChoices: cmd.registeredArguments[0]?.argChoices,
    targets: targetsOf(cmd),
  }));
  return { commands, globalOptions: help.visibleOptions(program).map(optionModel) };
}
