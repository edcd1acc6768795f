/**
 * The doctor's findings: one step at a time, each ✔ or ✗ with what it found and the fix, or –
 * for what it cannot check (RDP's handshake: it does not speak RDP), said so rather than left out.
 * On a terminal (or piped text) each step is printed as it completes; `--json` prints one array
 * of {name, ok, found, fix} at the end. AWS text inside `found` and `fix` is escaped here
 * whatever its source, so nothing from the account can drive the terminal.
 */
import { isEicError } from '../../errors.js';
import type { Io } from '../../io.js';
import { safeJson, safeText } from '../../safe-text.js';

export interface Step {
  /** Stable, for scripts: credentials, instance, endpoint, security-groups, key-push, tunnel, ssh-banner, authentication, rdp-handshake. */
  name: string;
  /** null: not checked (it neither passed nor failed). */
  ok: boolean | null;
  found: string;
  /** The one thing to do (for a step not checked: how to check it); null when there is nothing to suggest. */
  fix: string | null;
}

const LABEL_WIDTH = 16;

export class Report {
  readonly steps: Step[] = [];

  /** `planned`: how many steps a full run has, to say when a failure stopped it early. */
  constructor(private readonly io: Io, private readonly json: boolean, private readonly planned: number) {}

  pass(name: string, found: string): void {
    this.add({ name, ok: true, found, fix: null });
  }

  fail(name: string, found: string, fix?: string): void {
    this.add({ name, ok: false, found, fix: fix ?? null });
  }

  /** A step the doctor cannot check: what it did not check, and how to. */
  notChecked(name: string, found: string, fix: string): void {
    this.add({ name, ok: null, found, fix });
  }

  /** A failed step from an error: its message is what was found, its hint the fix. */
  failWith(name: string, err: unknown, before?: string): void {
    const message = isEicError(err) ? err.message : (err as Error)?.message ?? String(err);
    this.fail(name, before ? `${before}: ${message}` : message, isEicError(err) ? err.hint : undefined);
  }

  /** No step failed (one not checked does not fail the run). */
  get ok(): boolean {
    return this.steps.every((s) => s.ok !== false);
  }

  private add(step: Step): void {
    const safe = { ...step, found: safeText(step.found), fix: step.fix === null ? null : safeText(step.fix) };
    this.steps.push(safe);
    if (this.json) return;
    const label = safe.name.replace(/-/g, ' ').padEnd(LABEL_WIDTH);
    let text = `${safe.ok === null ? '–' : safe.ok ? '✔' : '✗'} ${label} ${safe.found}\n`;
    if (safe.fix) text += `  ${' '.repeat(LABEL_WIDTH)} ${safe.ok === null ? 'to check it' : 'fix'}: ${safe.fix}\n`;
    this.io.stdout.write(text);
  }

  /** The summary (or the JSON array) and the exit status: 0 when every step passed. */
  end(failedStatus: number): number {
    if (this.json) {
      this.io.stdout.write(safeJson(JSON.stringify(this.steps, null, 2)) + '\n');
    } else {
      const failed = this.steps.filter((s) => s.ok === false).length;
      const unchecked = this.steps.filter((s) => s.ok === null);
      const checked = this.steps.length - unchecked.length;
      const skipped = this.planned - this.steps.length;
      const notChecked = unchecked.length ? `; not checked: ${unchecked.map((s) => s.name.replace(/-/g, ' ')).join(', ')}` : '';
      this.io.stdout.write(failed === 0 ? `all ${checked} steps passed${notChecked}\n`
        : `${failed} of ${checked} steps failed${skipped > 1 ? `; the other ${skipped} were not run` : skipped === 1 ? '; the last one was not run' : ''}\n`);
    }
    return this.ok ? 0 : failedStatus;
  }
}
