/**
 * The start-up check of the instances' OS users: a missing or locked user is named with the
 * command that fixes it; users of stopped instances do not matter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../src/sandbox/config.js';
import { checkOsUsers } from '../src/sandbox/os-users.js';

test('missing and locked users are reported with their fix; stopped instances are ignored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eic-os-users-'));
  try {
    const passwd = join(dir, 'passwd');
    const shadow = join(dir, 'shadow');
    writeFileSync(passwd, 'ec2-user:x:1001:1001::/home/ec2-user:/bin/bash\nlocked:x:1002:1002::/home/locked:/bin/sh\n');
    writeFileSync(shadow, 'ec2-user:*:20000:0:99999:7:::\nlocked:!:20000:0:99999:7:::\n');
    const cfg = defaultConfig();
    cfg.instances[0].osUsers = ['ec2-user', 'locked'];
    cfg.instances[1].osUsers = ['ubuntu'];
    cfg.instances[3].osUsers = ['only-on-a-stopped-instance'];
    const logged: string[] = [];
    const warnings = checkOsUsers(cfg, { verbose: false, debug() {}, info() {}, warn: (m) => logged.push(m) }, { passwd, shadow });
    assert.deepEqual(warnings, [
      "OS user locked is locked, so sshd will refuse it (unlock it without a password: usermod -p '*' locked)",
      "OS user ubuntu does not exist here, so sshd will refuse it (create it: useradd -m ubuntu && usermod -p '*' ubuntu)",
    ]);
    assert.deepEqual(logged, warnings);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
