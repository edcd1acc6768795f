/**
 * The layering of src/ (README: Layout) is checked by dependency-cruiser with the rules in
 * .dependency-cruiser.cjs: src/ as it is has no violation, and each import that once pointed
 * the wrong way (issue 14), put back into a copy of src/, is reported by the rule it breaks.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from './helpers/paths.js';

const depcruise = join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = join(repoRoot, '.dependency-cruiser.cjs');

interface Violation { from: string; to: string; rule: { name: string } }

/** dependency-cruiser over `dir`/src: the violations it reports. */
async function violations(dir: string): Promise<Violation[]> {
  // It exits non-zero when it finds violations; the JSON on stdout says which.
  const out = await promisify(execFile)(process.execPath, [depcruise, 'src', '--config', config, '--output-type', 'json'],
    { cwd: dir, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout?: string; stderr?: string }) => {
    if (!err.stdout) throw new Error(`dependency-cruiser failed: ${err.stderr}`);
    return { stdout: err.stdout };
  });
  const result = JSON.parse(out.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  assert.ok(result.summary.totalCruised > 100, `cruised only ${result.summary.totalCruised} modules`);
  return result.summary.violations;
}

const copy = mkdtempSync(join(tmpdir(), 'eic-layers-'));
after(() => rmSync(copy, { recursive: true, force: true }));

test('src/ keeps its layers: no import points up or sideways, no circle', async () => {
  const found = await violations(repoRoot);
  assert.deepEqual(found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
});

test('each import that once pointed the wrong way is reported', async () => {
  cpSync(join(repoRoot, 'src'), join(copy, 'src'), { recursive: true });
  // [the importing file, what it imports (as written in it), the file that resolves to, the rule]
  const planted = [
    ['src/tunnel/connect.ts', '../cli/aws-options.js', 'src/cli/aws-options.ts', 'layer-tunnel'],
    ['src/ssh/remote.ts', '../cli/context.js', 'src/cli/context.ts', 'layer-ssh'],
    ['src/aws/clients.ts', '../tunnel/presign.js', 'src/tunnel/presign.ts', 'layer-aws'],
    ['src/net/ca-agent.ts', '../tunnel/connect.js', 'src/tunnel/connect.ts', 'layer-net'],
    ['src/sandbox/opentunnel-verify.ts', '../tunnel/presign.js', 'src/tunnel/presign.ts', 'sandbox-aws-and-leaves'],
    ['src/sandbox/index.ts', '../ssh/keys.js', 'src/ssh/keys.ts', 'sandbox-aws-and-leaves'],
    ['src/cli/cp/run.ts', './command.js', 'src/cli/cp/command.ts', 'no-circular'],
    ['src/io.ts', './cli/context.js', 'src/cli/context.ts', 'leaves-only-leaves'],
    ['src/target/discover.ts', '../ssh/keys.js', 'src/ssh/keys.ts', 'layer-target'],
    ['src/tunnel/relay.ts', '../sandbox/config.js', 'src/sandbox/config.ts', 'sandbox-only-from-cli'],
  ] as const;
  // Type-only imports, as most of the old ones were: the rules count them too.
  for (const [file, spec] of planted) appendFileSync(join(copy, file), `\nimport type {} from '${spec}';\n`);
  const found = await violations(copy);
  // A circle is reported on one of its edges, whichever dependency-cruiser meets first.
  const reports = (v: Violation, from: string, to: string) => (v.from === from && v.to === to)
    || (v.rule.name === 'no-circular' && v.from === to && v.to === from);
  for (const [file, , target, rule] of planted) {
    assert.ok(found.some((v) => v.rule.name === rule && reports(v, file, target)),
      `${file} → ${target} is not reported as ${rule}; reported: ${found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).join('; ')}`);
  }
});
