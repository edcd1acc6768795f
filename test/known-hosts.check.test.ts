// needs: ssh-keygen
/**
 * eic's known_hosts handling, checked against OpenSSH's own tools: entries eic writes are
 * found by `ssh-keygen -F`, entries hashed by `ssh-keygen -H` are matched by eic, and the
 * OpenSSH pattern forms (wildcards, negation, [host]:port, @revoked) mean what they mean
 * to OpenSSH.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hostKeyAlgorithms } from '../src/ssh/host-verify.js';
import { checkHostKey, entryLine, hostAlias, knownHostsPath, recordHostKey } from '../src/ssh/known-hosts.js';
import { DEFAULT_HOST_KEY_ALGORITHMS } from '../src/ssh/session.js';

function keygen(dir: string, name: string, type: string): { line: string; blob: Buffer } {
  const path = join(dir, name);
  const r = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', '', '-f', path]);
  assert.equal(r.status, 0, String(r.stderr));
  const line = readFileSync(`${path}.pub`, 'utf8').trim();
  return { line, blob: Buffer.from(line.split(' ')[1], 'base64') };
}

describe('known_hosts keyed by instance id', () => {
  let dir: string;
  let ed: { line: string; blob: Buffer };
  let ed2: { line: string; blob: Buffer };
  let ec: { line: string; blob: Buffer };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'eic-kh-'));
    ed = keygen(dir, 'a', 'ed25519');
    ed2 = keygen(dir, 'b', 'ed25519');
    ec = keygen(dir, 'c', 'ecdsa');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes entries OpenSSH finds (ssh-keygen -F), creating the folder', async () => {
    const file = join(dir, 'new', 'eic', 'known_hosts');
    assert.equal(await recordHostKey(file, 'i-0123456789abcdef0', ed.blob), 1);
    assert.equal(await recordHostKey(file, hostAlias('i-0aaaabbbbccccdddd', 2222), ec.blob), 2);
    assert.equal(readFileSync(file, 'utf8'), `i-0123456789abcdef0 ${ed.line}\n[i-0aaaabbbbccccdddd]:2222 ${ec.line}\n`);
    const found = spawnSync('ssh-keygen', ['-F', 'i-0123456789abcdef0', '-f', file], { encoding: 'utf8' });
    assert.equal(found.status, 0);
    assert.match(found.stdout, /found: line 1/);
    const withPort = spawnSync('ssh-keygen', ['-F', '[i-0aaaabbbbccccdddd]:2222', '-f', file], { encoding: 'utf8' });
    assert.match(withPort.stdout, /found: line 2/);
    assert.deepEqual(checkHostKey(readFileSync(file, 'utf8'), '[i-0aaaabbbbccccdddd]:2222', ec.blob), { status: 'match', line: 2 });
    assert.deepEqual(checkHostKey(readFileSync(file, 'utf8'), 'i-0aaaabbbbccccdddd', ec.blob), { status: 'unknown' });
  });

  it('appends on a new line when the file lacks a final newline', async () => {
    const file = join(dir, 'no-newline');
    writeFileSync(file, `# comment\ni-0000000000000000a ${ed.line}`);
    assert.equal(await recordHostKey(file, 'i-0000000000000000b', ed2.blob), 3);
    assert.equal(readFileSync(file, 'utf8'), `# comment\ni-0000000000000000a ${ed.line}\n${entryLine('i-0000000000000000b', ed2.blob)}\n`);
  });

  it('tells match, unknown, changed (with the line) and revoked apart', () => {
    const text = [
      '# eic known hosts',
      '',
      `i-0000000000000000c ${ec.line}`,
      `i-0000000000000000a ${ed.line}`,
      `@cert-authority i-0000000000000000a ${ed2.line}`,
      `@revoked i-0000000000000000d ${ed2.line}`,
    ].join('\n');
    assert.deepEqual(checkHostKey(text, 'i-0000000000000000a', ed.blob), { status: 'match', line: 4 });
    assert.deepEqual(checkHostKey(text, 'i-0000000000000000b', ed.blob), { status: 'unknown' });
    const changed = checkHostKey(text, 'i-0000000000000000a', ed2.blob);
    assert.equal(changed.status, 'changed');
    assert.equal((changed as { line: number }).line, 4);
    assert.deepEqual(checkHostKey(text, 'i-0000000000000000d', ed2.blob), { status: 'revoked', line: 6 });
  });

  it('matches entries hashed by ssh-keygen -H, and OpenSSH patterns', () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, `i-0123456789abcdef0 ${ed.line}\n`);
    const r = spawnSync('ssh-keygen', ['-H', '-f', file]);
    assert.equal(r.status, 0, String(r.stderr));
    const hashed = readFileSync(file, 'utf8');
    assert.match(hashed, /^\|1\|/);
    assert.deepEqual(checkHostKey(hashed, 'i-0123456789abcdef0', ed.blob), { status: 'match', line: 1 });
    assert.deepEqual(checkHostKey(hashed, 'i-0123456789abcdef1', ed.blob), { status: 'unknown' });

    const patterns = `i-0123*,!i-0123456789abcdef9 ${ed.line}\ni-0fedcba98765432?0 ${ec.line}\n`;
    assert.equal(checkHostKey(patterns, 'i-0123456789abcdef0', ed.blob).status, 'match');
    assert.equal(checkHostKey(patterns, 'i-0123456789abcdef9', ed.blob).status, 'unknown');
    assert.equal(checkHostKey(patterns, 'i-0fedcba9876543210', ec.blob).status, 'match');
    assert.equal(checkHostKey(patterns, 'I-0FEDCBA9876543210', ec.blob).status, 'match');
  });

  it('asks the handshake for the key types already pinned first', async () => {
    const file = join(dir, 'algos');
    writeFileSync(file, `i-0000000000000000e ${ec.line}\n`);
    const algos = await hostKeyAlgorithms(file, 'i-0000000000000000e', DEFAULT_HOST_KEY_ALGORITHMS);
    assert.equal(algos[0], 'ecdsa-sha2-nistp256');
    assert.deepEqual([...algos].sort(), [...DEFAULT_HOST_KEY_ALGORITHMS].sort());
    assert.deepEqual(await hostKeyAlgorithms(join(dir, 'missing'), 'i-x', DEFAULT_HOST_KEY_ALGORITHMS), DEFAULT_HOST_KEY_ALGORITHMS);
  });

  it('finds the file: --known-hosts, then EIC_KNOWN_HOSTS, then XDG_CONFIG_HOME, then ~/.config', () => {
    assert.equal(knownHostsPath({ EIC_KNOWN_HOSTS: '/e', XDG_CONFIG_HOME: '/x', HOME: '/h' }, '/opt'), '/opt');
    assert.equal(knownHostsPath({ EIC_KNOWN_HOSTS: '/e', XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/e');
    assert.equal(knownHostsPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/eic/known_hosts');
    assert.equal(knownHostsPath({ HOME: '/h' }), '/h/.config/eic/known_hosts');
  });
});
