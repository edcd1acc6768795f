// Runs every compiled test file with node's built-in runner. Node 20's --test takes no globs,
// so the files are listed here. `npm test -- name` runs only files whose name contains "name";
// `--fast` leaves out the slow tier (files marked `// tier: slow`) and the packaging tests.
//
// A file that needs a system tool says so (`// needs: sshd tmux`), and what its code shows it
// uses counts too (see test/helpers/tools.ts).
// Where one is missing the file is skipped with its reason, and the run ends with one line
// saying what was skipped and how to install it all; in CI (CI=true, EIC_TEST_REQUIRE_TOOLS=1)
// a missing tool fails the run before any test starts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const dir = 'dist/test';
const args = process.argv.slice(2);
const fast = args.includes('--fast');
const filters = args.filter((a) => a !== '--fast');
let files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Tests run the CLI as users do, from the bundle (bin/eic.js): rebuild it when a source is newer,
// so that `tsc` alone followed by this script never tests a stale CLI.
if (newestSource('src') > mtime('dist/bundle/main.cjs')) {
  const b = spawnSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const tools = await import(pathToFileURL(join(dir, 'helpers', 'tools.js')).href);
const source = (f) => {
  const ts = join('test', f.replace(/\.js$/, '.ts'));
  return existsSync(ts) ? readFileSync(ts, 'utf8') : '';
};
if (fast) files = files.filter((f) => !f.startsWith('packaging.') && !/^\/\/ tier: slow\b/m.test(source(f)));

const skipped = []; // { name, gaps }
const runnable = [];
for (const f of files) {
  const { tools: needed, unknown } = tools.fileNeeds(source(f));
  if (unknown.length > 0) {
    console.error(`${f}: unknown tool(s) in its "// needs:" line: ${unknown.join(', ')}`);
    process.exit(1);
  }
  const gaps = tools.gaps(needed);
  if (gaps.length === 0) runnable.push(f);
  else skipped.push({ name: f.replace(/\.test\.js$/, ''), gaps });
}
if (skipped.length > 0 && tools.toolsRequired()) {
  for (const s of skipped) console.error(`${s.name}: ${tools.describeGaps(s.gaps)}`);
  console.error(`CI runs every test, so every tool must be there: ${installLine(skipped.flatMap((s) => s.gaps))}`);
  process.exit(1);
}
for (const s of skipped) console.log(`# SKIP ${s.name}: ${tools.describeGaps(s.gaps)}`);

let status = 0;
const logDir = mkdtempSync(join(tmpdir(), 'eic-test-run-'));
const skipLog = join(logDir, 'skips.jsonl');
try {
  if (runnable.length > 0) {
    // Two files at a time (CI's setting). The fast tier's files wait more than they compute
    // (sessions, timeouts, tmux), so it runs three to keep two cores busy.
    const concurrency = fast ? 3 : 2;
    const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=240000', ...runnable.map((f) => join(dir, f))],
      { stdio: 'inherit', env: { ...process.env, EIC_TEST_SKIP_LOG: skipLog, EIC_SSH_SYSTEM_CONFIG: '/dev/null' } });
    status = r.status ?? 1;
  }
  // Single tests skipped through needs() (test/helpers/tools.ts) wrote down why.
  const single = existsSync(skipLog)
    ? readFileSync(skipLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    : [];
  const all = [...skipped.map((s) => s.gaps), ...single.map((s) => s.gaps)].flat();
  if (all.length > 0) {
    const what = [skipped.length && `${skipped.length} test file(s)`, single.length && `${single.length} test(s)`].filter(Boolean).join(' and ');
    console.log(`# skipped ${what} needing ${[...new Set(all.map((g) => g.tool))].join(', ')}: ${installLine(all)}`);
  }
} finally {
  rmSync(logDir, { recursive: true, force: true });
}
process.exit(status);

/** The one command that brings every missing tool, plus what no package fixes (root, a user). */
function installLine(gaps) {
  const pkgs = [...new Set(gaps.map((g) => g.pkg).filter(Boolean))].sort();
  const other = [...new Set(gaps.filter((g) => !g.pkg).map((g) => g.why))];
  return [pkgs.length && `apt-get install -y ${pkgs.join(' ')}`, ...other].filter(Boolean).join('; and ');
}

function mtime(path) {
  try { return statSync(path).mtimeMs; } catch { return 0; }
}

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : mtime(p));
  }
  return newest;
}
