/**
 * For the eic cp tests: an ssh2 connection straight to a sandbox instance's real sshd (a key
 * pushed through the sandbox's key store), a scratch directory the instance's ec2-user owns,
 * and a directory tree with hashes and modes to compare after a round trip.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Client } from 'ssh2';
import { silentLogger } from '../../src/log.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { createHostVerifier } from '../../src/ssh/host-verify.js';
import { generateSessionKey } from '../../src/ssh/keys.js';
import { connectSsh } from '../../src/ssh/session.js';
import { startSandboxCli, type SandboxCli } from './tunnel-harness.js';

export async function directClient(sb: Sandbox, id: string, dir: string): Promise<Client> {
  const addr = sb.instanceAddress(id);
  if (!addr) throw new Error(`no sshd for ${id}`);
  const key = generateSessionKey();
  sb.keys.push(id, 'ec2-user', key.publicLine);
  const { client } = await connectSsh({
    sock: connect(addr.port, addr.host), username: 'ec2-user', keys: [key], logger: silentLogger,
    hostVerifier: createHostVerifier({ file: join(dir, 'known_hosts'), alias: id, mode: 'accept-new', logger: silentLogger }),
  });
  return client;
}

function ec2UserIds(): { uid: number; gid: number } {
  const r = spawnSync('id', ['-u', 'ec2-user'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'ec2-user'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) throw new Error('OS user ec2-user is missing');
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** A temp directory the instance user can write to (the "remote" side; same machine). */
export function remoteScratch(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'eic-cp-remote-'));
  const { uid, gid } = ec2UserIds();
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o755);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function chownToEc2User(path: string): void {
  const { uid, gid } = ec2UserIds();
  chownSync(path, uid, gid);
}

export interface TreeEntry { type: 'dir' | 'file'; mode: number; sha256?: string; size?: number }

/** nested dirs, an empty file, a 20 MiB random file, a 0750 file, a 0700 dir. */
export function makeTree(root: string, bigBytes = 20 * 1024 * 1024): void {
  mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
  mkdirSync(join(root, 'private'), { mode: 0o700 });
  chmodSync(join(root, 'private'), 0o700);
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'a', 'big.bin'), randomBytes(bigBytes));
  writeFileSync(join(root, 'a', 'b', 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'a', 'b', 'run.sh'), 0o750);
  writeFileSync(join(root, 'a', 'b', 'c', 'deep.txt'), 'deep\n'.repeat(1000));
  writeFileSync(join(root, 'private', 'secret'), randomBytes(4097));
  chmodSync(join(root, 'private', 'secret'), 0o600);
}

/** Relative path → type, permission bits, SHA-256 of files. */
export function describeTree(root: string): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const visit = (p: string) => {
    for (const name of readdirSync(p)) {
      const full = join(p, name);
      const st = statSync(full);
      const rel = relative(root, full);
      if (st.isDirectory()) {
        out[rel] = { type: 'dir', mode: st.mode & 0o7777 };
        visit(full);
      } else {
        out[rel] = { type: 'file', mode: st.mode & 0o7777, size: st.size, sha256: createHash('sha256').update(readFileSync(full)).digest('hex') };
      }
    }
  };
  visit(root);
  return out;
}

/** What the eic cp CLI tests share: the sandbox with the host key pinned, a local work dir, a remote scratch dir. */
export interface CpWorld extends SandboxCli {
  work: string;
  scratch: { dir: string; cleanup(): void };
  close(): Promise<void>;
}

export async function startCpWorld(workPrefix: string): Promise<CpWorld> {
  // Pinned ahead, so that first contact prints nothing and stderr can be checked for silence.
  const cli = await startSandboxCli({ pin: true });
  const work = mkdtempSync(join(tmpdir(), workPrefix));
  const scratch = remoteScratch();
  return {
    ...cli, work, scratch,
    async close() {
      await cli.sb.close();
      cli.home.cleanup();
      rmSync(work, { recursive: true, force: true });
      scratch.cleanup();
    },
  };
}
