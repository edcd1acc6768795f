/**
 * The boundary: the only place that turns errors into text and decides the exit status.
 * Commands throw EicError; anything else is a bug and is shown with its stack under -v only.
 * The status follows the command's policy (README: Exit status): `eic ssh` and `eic proxy`
 * exit 255 for every failure of their own, as OpenSSH does; the others exit with the status
 * the catalogue in errors.ts gives the failure.
 */
import type { Command } from 'commander';
import { EicError, SSH_FAILURE_STATUS, Status } from '../errors.js';
import { redact } from '../log.js';
import { errorLine } from './error-line.js';
import { processIo, type Io } from '../io.js';
import { eicVersion } from '../version.js';
import { isVersionQuery } from '../version-query.js';

export async function run(argv: string[], io: Io): Promise<number> {
  // `eic --version` is what scripts and shells call most: answer it without loading commander.
  if (isVersionQuery(argv)) {
    io.stdout.write(`${eicVersion()}\n`);
    return 0;
  }
  const { buildProgram } = await import('./program.js');
  let exitCode = 0;
  let reportWrite = (text: string) => { io.stderr.write(text); };
  const program = buildProgram({ io, setExitCode: (code) => { exitCode = code; }, reportTo: (write) => { reportWrite = write; } });
  let command: string | undefined;
  program.hook('preSubcommand', (_program, sub) => { command = sub.name(); });
  // -v as the command parsed it: in `eic ssh web-1 grep -v x f` the -v is grep's.
  let action: { opts(): { verbose?: unknown } } | undefined;
  program.hook('preAction', (_program, cmd) => { action = cmd; });
  const verbose = () => Boolean(action?.opts().verbose);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    const status = report(err, reportWrite, verbose());
    const ran = command ?? commandIn(program, argv);
    return status !== 0 && ran !== undefined && OPENSSH_STATUS.has(ran) ? SSH_FAILURE_STATUS : status;
  } finally {
    lastRunVerbose = verbose();
  }
}

/** Commands whose own failures all exit 255, so that a caller tells them from the remote command's status. */
const OPENSSH_STATUS = new Set(['ssh', 'proxy']);

/** The command argv names past the program's own options, for an error commander met before it ran that command (`eic --bogus ssh …`). */
function commandIn(program: Command, argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return undefined;
    if (!arg.startsWith('-') || arg === '-') return program.commands.find((c) => c.name() === arg || c.aliases().includes(arg))?.name();
    if (!arg.includes('=') && program.options.find((o) => o.long === arg || o.short === arg)?.required) i++;
  }
  return undefined;
}

/** Whether the last run() was asked for -v (main() then adds the memory line at exit). */
let lastRunVerbose = false;

/** commander's own errors (help shown, bad usage); told apart by their `commander.*` code. */
function isCommanderError(err: unknown): err is { code: string; exitCode: number } {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('commander.');
}

function report(err: unknown, write: (text: string) => void, verbose: boolean): number {
  if (isCommanderError(err)) {
    // commander already printed its message (help, version, or a usage error).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return err.exitCode === 0 ? 0 : Status.usage;
  }
  if (err instanceof EicError) {
    // Messages carry AWS text; whatever escaped escaping where it entered is escaped there.
    write(errorLine(err) + '\n');
    if (verbose && err.cause) write(redact(`  cause: ${String((err.cause as Error)?.stack ?? err.cause)}`) + '\n');
    return err.exitCode;
  }
  const e = err as Error;
  write(redact(`eic: unexpected error: ${e?.message ?? String(err)}`) + '\n');
  if (verbose && e?.stack) write(redact(e.stack) + '\n');
  else write('eic: run again with -v for details, and please report it\n');
  return Status.failure;
}

// The AWS SDK warns on stderr about Node 20; users of eic (and `eic proxy`'s ssh) must not see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The process's CLI: started by entry.ts (the bundle's entry point, which bin/eic.js loads; it also keeps a closed stdout from crashing). */
export async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // (V8's settings were made before this file compiled: prepare.ts.)
  const code = await run(argv, processIo());
  process.exitCode = code;
  if (lastRunVerbose) {
    const v8 = await import('node:v8');
    process.on('exit', () => process.stderr.write(memoryLine(v8)));
  }
}

/** The `-v` summary of what the process held at most: peak RSS, and the young generation's size. */
function memoryLine(v8: typeof import('node:v8')): string {
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
  return `debug: memory: peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB, young generation ${mib(young)} MiB\n`;
}
