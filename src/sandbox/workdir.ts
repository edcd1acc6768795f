/**
 * The sandbox's working directory and the AuthorizedKeysCommand inside it.
 *
 * sshd refuses an AuthorizedKeysCommand unless the file and every directory above it are
 * owned by root and not writable by group or others, so /tmp is out: with the real sshd the
 * directory goes under the first of /run, /var/lib that meets that rule.
 */
import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { reapOrphans } from './watchdog.js';

const SAFE_BASES = ['/run', '/var/lib'];

/** True when `dir` and all its parents are root-owned and not group/world-writable. */
export function rootSafe(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const st = statSync(d);
      if (st.uid !== 0 || (st.mode & 0o022) !== 0) return false;
    } catch {
      return false;
    }
    if (d === dirname(d)) return true;
  }
}

const PREFIX = 'eic-sandbox-';

/**
 * A fresh directory, 0755, root-safe when `forSshd` (throws if no base qualifies). Directories
 * of sandboxes that are gone are reaped first (watchdog.ts).
 */
export function createWorkDir(forSshd: boolean): string {
  if (!forSshd) {
    reapOrphans(tmpdir(), PREFIX);
    return mkdtempSync(join(tmpdir(), PREFIX));
  }
  const base = SAFE_BASES.find(rootSafe);
  if (!base) throw new Error(`no root-owned, non-writable base directory for sshd's AuthorizedKeysCommand among ${SAFE_BASES.join(', ')}`);
  reapOrphans(base, PREFIX);
  const dir = mkdtempSync(join(base, PREFIX));
  chmodSync(dir, 0o755); // `nobody` runs the keys command from here
  return dir;
}

/**
 * Write the AuthorizedKeysCommand: `keys-command <instanceId> <user>` prints the keys the
 * sandbox API holds for them (like the real agent asks the instance metadata service). sshd
 * runs it as `nobody` at every authentication attempt, so it should start fast: bash with
 * /dev/tcp (a few ms) where bash exists, else a tiny script for this very node binary.
 */
export function writeKeysCommand(dir: string, apiUrl: string): string {
  const sh = join(dir, 'keys-command');
  const api = new URL(apiUrl);
  if (existsSync('/bin/bash') && api.protocol === 'http:') {
    // String.raw: the escapes (\r, $'\r') are for bash, not for TypeScript.
    writeFileSync(sh, [
      '#!/bin/bash',
      '# eic sandbox: print the keys pushed for instance $1, user $2 (HTTP/1.0 GET to the sandbox API).',
      String.raw`case "$1$2" in *[!A-Za-z0-9._-]*|"") exit 0;; esac`,
      `exec 3<>/dev/tcp/${api.hostname}/${api.port} || exit 1`,
      String.raw`printf 'GET /_sandbox/keys/%s/%s HTTP/1.0\r\nHost: ` + api.host + String.raw`\r\n\r\n' "$1" "$2" >&3`,
      'IFS= read -r status <&3',
      'case "$status" in *" 200 "*) ;; *) exit 1;; esac',
      String.raw`while IFS= read -r line <&3 && [ "$line" != $'\r' ] && [ -n "$line" ]; do :; done`,
      String.raw`while IFS= read -r line <&3 || [ -n "$line" ]; do printf '%s\n' "$line"; done`,
      '',
    ].join('\n'), { mode: 0o755 });
    chmodSync(sh, 0o755);
    return sh;
  }
  const js = join(dir, 'keys-command.cjs');
  writeFileSync(js, [
    "'use strict';",
    "const http = require('node:http');",
    'const [id, user] = process.argv.slice(2);',
    `const url = ${JSON.stringify(apiUrl)} + '/_sandbox/keys/' + encodeURIComponent(id) + '/' + encodeURIComponent(user);`,
    'const req = http.get(url, { timeout: 5000 }, (res) => {',
    '  if (res.statusCode !== 200) { res.resume(); process.exitCode = 1; return; }',
    '  res.pipe(process.stdout);',
    '});',
    "req.on('timeout', () => req.destroy(new Error('timeout')));",
    "req.on('error', (err) => { process.stderr.write('eic sandbox keys command: ' + err.message + '\\n'); process.exitCode = 1; });",
    '',
  ].join('\n'), { mode: 0o644 });
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  writeFileSync(sh, `#!/bin/sh\nexec ${q(process.execPath)} ${q(js)} "$@"\n`, { mode: 0o755 });
  chmodSync(sh, 0o755);
  chmodSync(js, 0o644);
  return sh;
}
