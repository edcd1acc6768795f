/**
 * The system tools the tests stand on, and what happens when one is missing. In CI (CI=true, or
 * EIC_TEST_REQUIRE_TOOLS=1) a missing tool is a failure: CI must never pass by skipping. Anywhere
 * else the test is skipped with a one-line reason naming the Debian package, and
 * scripts/run-tests.mjs ends the run with one line listing what was skipped and the one
 * `apt-get install` that brings it all.
 *
 * A test file that needs a tool throughout says so in a line of its own at its top, which the
 * runner reads (`// needs: openssl sshd tmux`), and the runner adds what the file's code shows
 * it uses (fileNeeds); a single test passes `needs('curl')` as its options instead. "sshd" means the real OpenSSH server as the sandbox runs it: installed, run as
 * root, with the instances' OS user ec2-user (without it the sandbox falls back to its
 * in-process SSH server, which is enough for every test not marked so).
 */
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Each tool and the Debian package that installs it. */
export const TOOLS = {
  sshd: 'openssh-server',
  ssh: 'openssh-client',
  scp: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  'ssh-agent': 'openssh-client',
  'ssh-add': 'openssh-client',
  sftp: 'openssh-client',
  rsync: 'rsync',
  tmux: 'tmux',
  curl: 'curl',
  openssl: 'openssl',
  pgrep: 'procps',
  // Reads a socket's keep-alive timer (relay.keep-alive).
  ss: 'iproute2',
  // The shells the completion scripts are for (bash is always there).
  zsh: 'zsh',
  fish: 'fish',
  // What npm needs to build ssh2's native binding (node-gyp), for the packaging tests.
  make: 'make',
  'g++': 'g++',
  python3: 'python3',
} as const;
export type Tool = keyof typeof TOOLS;

/** A tool that cannot be used here: why, and the package that brings it (when one does). */
export interface Gap { tool: Tool; why: string; pkg?: string }

/** Whether a missing tool fails the run rather than skipping its tests. */
export function toolsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI ?? '';
  return (ci !== '' && ci !== 'false' && ci !== '0') || env.EIC_TEST_REQUIRE_TOOLS === '1' || env.EIC_SANDBOX_REQUIRE_SSHD === '1';
}

export function isTool(name: string): name is Tool {
  return Object.hasOwn(TOOLS, name);
}

function onPath(name: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      const st = statSync(join(dir, name));
      return st.isFile() && (st.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

/** Why the real sshd cannot serve the sandbox's instances here, if it cannot. */
function sshdGap(passwd = '/etc/passwd', shadow = '/etc/shadow'): Gap | undefined {
  if (!existsSync('/usr/sbin/sshd')) return { tool: 'sshd', why: 'not installed', pkg: TOOLS.sshd };
  if (process.getuid?.() !== 0) return { tool: 'sshd', why: 'the real sshd runs only as root' };
  const user = (file: string) => {
    try {
      return readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('ec2-user:'))?.split(':');
    } catch {
      return undefined;
    }
  };
  if (!user(passwd) || user(shadow)?.[1]?.startsWith('!')) {
    return { tool: 'sshd', why: "no unlocked OS user ec2-user (useradd -m ec2-user && usermod -p '*' ec2-user)" };
  }
  return undefined;
}

/** The tools of `tools` that cannot be used here. */
export function gaps(tools: readonly Tool[], env: NodeJS.ProcessEnv = process.env): Gap[] {
  const out: Gap[] = [];
  for (const tool of new Set(tools)) {
    const gap = tool === 'sshd' ? sshdGap() : onPath(tool, env.PATH ?? '') ? undefined : { tool, why: 'not installed', pkg: TOOLS[tool] };
    if (gap) out.push(gap);
  }
  return out;
}

/** One line: "needs rsync, tmux (not installed: Debian packages rsync, tmux), sshd (…)". */
export function describeGaps(g: readonly Gap[]): string {
  const absent = g.filter((x) => x.pkg);
  const parts = g.filter((x) => !x.pkg).map((x) => `${x.tool} (${x.why})`);
  if (absent.length > 0) {
    const pkgs = [...new Set(absent.map((x) => x.pkg))];
    parts.unshift(`${absent.map((x) => x.tool).join(', ')} (not installed: Debian package${pkgs.length > 1 ? 's' : ''} ${pkgs.join(', ')})`);
  }
  return `needs ${parts.join(', ')}`;
}

/** The tools a test file declares on a `// needs: …` line of its own near its top. */
export function declaredNeeds(source: string): { tools: Tool[]; unknown: string[] } {
  const line = source.split('\n').slice(0, 20).find((l) => /^\/\/ needs:/.test(l));
  const names = line ? line.replace(/^\/\/ needs:/, '').trim().split(/\s+/).filter(Boolean) : [];
  return { tools: names.filter(isTool), unknown: names.filter((n) => !isTool(n)) };
}

const call = (tool: string) => new RegExp(`\\b(?:spawn|spawnSync|execFile|execFileSync|run|sh)\\('${tool}'`);

/**
 * What a test file's code shows it needs, so that a file whose `// needs:` line forgot a tool
 * (or that has none) is still skipped where the tool is missing: the helpers that start a
 * sandbox (openssl makes its certificate; the real sshd when they require it), start sshd, make
 * keys with ssh-keygen, drive tmux, and direct runs of a tool.
 */
const MARKERS: Array<[Tool, RegExp]> = [
  ['openssl', /\b(?:startSandbox|startSandboxCli|useSandboxCli|startCpWorld|startKeyedSandbox|makeCert|startWssEcho|testCert|startTestEndpoint|useTunnelEndpoint|generateSandboxTls)\(|'sandbox'/],
  ['sshd', /requireSshd: true|\b(?:startSandboxCli|useSandboxCli|startCpWorld|startKeyedSandbox|startSshd|directSsh)\(/],
  ['ssh', new RegExp(`${call('ssh').source}|'/usr/bin/ssh'|\\bsshClientKit\\(`)],
  ['ssh-keygen', new RegExp(`${call('ssh-keygen').source}|\\b(?:sshClientKit|startSshd|directSsh|startKeyedSandbox)\\(`)],
  ...(['scp', 'ssh-agent', 'ssh-add', 'rsync', 'curl', 'pgrep', 'ss', 'zsh', 'fish'] as const).map((t): [Tool, RegExp] => [t, call(t)]),
  ['tmux', /\btmuxTerminal\(/],
];

/**
 * The tools a test file needs as a whole: its `// needs:` line and what its code shows, less the
 * tools its own needs() calls ask for (those skip only their tests).
 */
export function fileNeeds(source: string): { tools: Tool[]; unknown: string[] } {
  const { tools, unknown } = declaredNeeds(source);
  const perTest = new Set([...source.matchAll(/\bneeds\(([^)]*)\)/g)].flatMap((m) => [...m[1].matchAll(/'([^']+)'/g)].map((t) => t[1])));
  const shown = MARKERS.filter(([tool, re]) => re.test(source) && !perTest.has(tool)).map(([tool]) => tool);
  return { tools: [...new Set([...tools, ...shown])], unknown };
}

/**
 * Options for one test (or suite) that needs `tools`: `{}` when all are here, a skip with the
 * reason otherwise; in CI a missing tool throws, which fails the file.
 */
export function needs(...tools: Tool[]): { skip?: string } {
  const g = gaps(tools);
  if (g.length === 0) return {};
  const reason = describeGaps(g);
  if (toolsRequired()) throw new Error(`${reason}: CI runs every test, so every tool must be there`);
  const log = process.env.EIC_TEST_SKIP_LOG;
  if (log) appendFileSync(log, JSON.stringify({ file: process.argv[1], gaps: g }) + '\n');
  return { skip: reason };
}
