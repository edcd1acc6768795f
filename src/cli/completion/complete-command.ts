/**
 * `eic __complete targets|profiles [word]`: the words the completion scripts offer for an
 * instance or a --profile, one per line. Hidden: it is for the scripts, not for people. It
 * never fails where the shell would show it: a TAB gets fewer words, never an error message.
 * Instances come from targets.ts's cache; `--refresh` is the detached background lookup.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

interface CompleteOptions { profile?: string; region?: string; suffix?: string; refresh?: boolean }

export function registerComplete(program: Command, ctx: CommandContext): void {
  program.command('__complete', { hidden: true })
    .argument('<what>', 'targets or profiles')
    .argument('[word]', 'what has been typed so far', '')
    .option('--profile <name>')
    .option('--region <region>')
    .option('--suffix <text>', 'appended to each target (":" for eic cp)')
    .option('--refresh', 'look up and cache only (the background half)')
    .action(async (what: string, word: string, opts: CompleteOptions) => {
      const { io } = ctx;
      const print = (words: string[]) => { if (words.length) io.stdout.write(`${words.join('\n')}\n`); };
      if (what === 'profiles') {
        const { profileNames } = await import('./profiles.js');
        print(profileNames(io.env).filter((p) => p.startsWith(word)));
        return;
      }
      if (what !== 'targets') return;
      const t = await import('./targets.js');
      const scope = { profile: opts.profile, region: opts.region, env: io.env };
      const file = t.cacheFile(scope);
      if (!file) return;
      if (opts.refresh) {
        await t.lookUp(scope, t.REFRESH_TIMEOUT_MS).then((found) => t.writeCache(file, found), () => {});
        try { unlinkSync(`${file}.refreshing`); } catch { /* gone already */ }
        return;
      }
      const cached = t.readCache(file);
      if (cached?.fresh) return print(t.candidates(cached.targets, word, opts.suffix));
      const found = await t.lookUp(scope, t.WAIT_MS).catch(() => undefined);
      if (found) {
        t.writeCache(file, found);
        return print(t.candidates(found, word, opts.suffix));
      }
      print(t.candidates(cached?.targets ?? [], word, opts.suffix));
      refreshInBackground(file, scope, io.env, t.REFRESH_TIMEOUT_MS);
    });
}

/** One detached `eic __complete targets --refresh` at a time per cache file. */
function refreshInBackground(file: string, scope: { profile?: string; region?: string }, env: NodeJS.ProcessEnv, timeoutMs: number): void {
  const lock = `${file}.refreshing`;
  try {
    closeSync(openSync(lock, 'wx', 0o600));
  } catch {
    // A refresh is running, unless its lock is older than a refresh may take.
    try {
      if (Date.now() - statSync(lock).mtimeMs < timeoutMs + 5000) return;
    } catch {
      return;
    }
  }
  const args = [process.argv[1], '__complete', 'targets', '--refresh'];
  if (scope.profile) args.push('--profile', scope.profile);
  if (scope.region) args.push('--region', scope.region);
  spawn(process.execPath, args, { detached: true, stdio: 'ignore', env }).unref();
}
