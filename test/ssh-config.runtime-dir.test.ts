/**
 * `eic ssh-config`'s default ControlPath directory: $XDG_RUNTIME_DIR when it is set, absolute,
 * owned by the user and writable by no one else; otherwise ~/.ssh/eic-cm. Through the real CLI
 * (--no-names: no AWS call). The block used by real ssh is in ssh-config.control-master.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeTree } from '../src/remove-tree.js';
import { execEic } from './helpers/exec-eic.js';

describe('eic ssh-config picks the ControlPath directory', () => {
  const home = mkdtempSync(join(tmpdir(), 'eic-runtime-dir-'));
  after(() => removeTree(home));
  const fallback = join(home, '.ssh', 'eic-cm');
  let dirs = 0;
  const runtimeDir = (mode: number) => {
    const dir = join(home, `run-${++dirs}`);
    mkdirSync(dir);
    chmodSync(dir, mode);
    return dir;
  };
  const controlPath = async (runtime: string | undefined) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: home };
    if (runtime !== undefined) env.XDG_RUNTIME_DIR = runtime;
    const r = await execEic(['ssh-config', '--no-names'], env);
    assert.equal(r.code, 0, r.stderr);
    return /^ {4}ControlPath (.*)$/m.exec(r.stdout)?.[1];
  };

  it('uses $XDG_RUNTIME_DIR itself when it is the user\'s alone', async () => {
    const dir = runtimeDir(0o700);
    assert.equal(await controlPath(dir), `${dir}/%C`);
  });

  it('falls back to ~/.ssh/eic-cm when $XDG_RUNTIME_DIR is unset, relative or missing', async () => {
    assert.equal(await controlPath(undefined), `${fallback}/%C`);
    assert.equal(await controlPath('run/user/0'), `${fallback}/%C`);
    assert.equal(await controlPath(join(home, 'no-such-dir')), `${fallback}/%C`);
  });

  it('falls back when others may write to $XDG_RUNTIME_DIR', async () => {
    assert.equal(await controlPath(runtimeDir(0o770)), `${fallback}/%C`);
    assert.equal(await controlPath(runtimeDir(0o1777)), `${fallback}/%C`);
  });

  it('falls back when $XDG_RUNTIME_DIR belongs to another user', { skip: process.getuid?.() !== 0 && 'only root can give a directory away' }, async () => {
    const dir = runtimeDir(0o700);
    chownSync(dir, 65534, 65534);
    assert.equal(await controlPath(dir), `${fallback}/%C`);
  });
});
