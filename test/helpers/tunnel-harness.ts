// Shared by the proxy, tunnel and AWS tests: run eic and the real OpenSSH client as processes
// against a sandbox, with a client key made by ssh-keygen in a temp dir and pushed through the
// SDK's SendSSHPublicKey, and the sandbox instance's host key pinned in a known_hosts file.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { EC2InstanceConnectClient, SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import { removeTree } from '../../src/remove-tree.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { eicBin } from './paths.js';
import { finished, spawnEic, type Finished } from './run-eic.js';

export { EIC_RUN_TIMEOUT_MS, finished, runEic, spawnEic, type Finished, type FinishedOptions, type RunEicOptions } from './run-eic.js';

// This test process loads the SDK too (to push keys); its Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The environment eic gets: the sandbox's plus a clean HOME, no IMDS, no proxy, and no system-wide
 * ssh_config (the machine's /etc/ssh/ssh_config is not the test's; `extra` may name one).
 */
export function eicEnv(sb: Sandbox, home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', EIC_SSH_SYSTEM_CONFIG: '/dev/null',
    AWS_CONFIG_FILE: join(home, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    ...sb.env, ...extra,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

/** The port of `eic tunnel`'s "Listening on 127.0.0.1:N" line; rejects if it exits first. */
export function listeningPort(child: ChildProcess, done: Promise<Finished>): Promise<number> {
  let out = '';
  return new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^Listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    done.then((r) => reject(new Error(`eic tunnel exited ${r.code}: ${r.stderr}`)), reject);
  });
}

export interface RunningTunnel { child: ChildProcess; port: number; stderr(): string; done: Promise<Finished>; stop(): Promise<Finished> }

/** Start `eic tunnel …` (args from "tunnel" on) and wait for its "Listening on" line. */
export async function startEicTunnel(args: string[], env: NodeJS.ProcessEnv): Promise<RunningTunnel> {
  const child = spawnEic(args, env);
  const done = finished(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^Listening on (?:127\.0\.0\.1|\[::1\]):(\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    done.then((r) => reject(new Error(`eic tunnel exited ${r.code}: ${r.stderr}`)), reject);
  });
  return {
    child, port, done, stderr: () => err,
    stop: async () => { child.kill('SIGTERM'); return done; },
  };
}

export interface SshClientKit {
  dir: string;
  keyPath: string;
  publicKey: string;
  knownHosts: string;
  /** Push the public key for ec2-user on the instance (valid 60 s), through the SDK. */
  push(instanceId: string): Promise<void>;
  /** OpenSSH options: this key only, pinned host key under the instance id, no user config. */
  sshOptions(instanceId: string): string[];
  cleanup(): void;
}

export function sshClientKit(sb: Sandbox): SshClientKit {
  const dir = mkdtempSync(join(tmpdir(), 'eic-test-ssh-'));
  const keyPath = join(dir, 'id_ed25519');
  const gen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', keyPath]);
  if (gen.status !== 0) throw new Error(`ssh-keygen failed: ${gen.stderr}`);
  const publicKey = readFileSync(`${keyPath}.pub`, 'utf8').trim();
  const knownHosts = join(dir, 'known_hosts');
  const lines = sb.config.instances.map((i) => sb.hostPublicKey(i.id) && `${i.id} ${sb.hostPublicKey(i.id)}`).filter(Boolean);
  writeFileSync(knownHosts, lines.join('\n') + '\n');
  const client = new EC2InstanceConnectClient({
    region: sb.env.AWS_REGION, endpoint: sb.env.AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT,
    credentials: { accessKeyId: sb.env.AWS_ACCESS_KEY_ID, secretAccessKey: sb.env.AWS_SECRET_ACCESS_KEY },
  });
  return {
    dir, keyPath, publicKey, knownHosts,
    async push(instanceId) {
      const out = await client.send(new SendSSHPublicKeyCommand({ InstanceId: instanceId, InstanceOSUser: 'ec2-user', SSHPublicKey: publicKey }));
      if (!out.Success) throw new Error('SendSSHPublicKey did not succeed');
    },
    sshOptions: (instanceId) => [
      '-F', '/dev/null', '-i', keyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', `HostKeyAlias=${instanceId}`,
      '-o', 'ConnectTimeout=180', '-o', 'LogLevel=ERROR',
    ],
    cleanup() { client.destroy(); removeTree(dir); },
  };
}

/** The ProxyCommand for ssh, running this repository's eic with node. */
export function proxyCommand(extra = ''): string {
  return `${process.execPath} ${eicBin} proxy ${extra}%h %p`.replace(/\s+/g, ' ');
}

export function tempHome(): { home: string; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), 'eic-test-home-'));
  // An eic run by ssh (ProxyCommand) may still be writing its code cache here as ssh returns, and
  // a shell a test's tmux ran may still be saving its history.
  return { home, cleanup: () => removeTree(home) };
}

/** SHA-256 hex of a buffer. */
export async function sha256(data: Buffer): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(data).digest('hex');
}

export interface SandboxCli { sb: Sandbox; home: { home: string; cleanup(): void }; id: string; env: NodeJS.ProcessEnv; knownHosts: string }

export interface SandboxCliOptions {
  /** Record the demo instance's host key first, so first contact prints nothing. */
  pin?: boolean;
  /** More for startSandbox (a clock, a config …); the real sshd is always required. */
  sandbox?: SandboxOptions;
}

/**
 * What a test of eic as a real process needs: a sandbox with the real sshd, a clean HOME, eic's
 * environment with a known-hosts file of its own, and the sandbox's demo instance. With `pin`,
 * that instance's host key is recorded first, so first contact prints nothing.
 */
export async function startSandboxCli(opts: SandboxCliOptions = {}): Promise<SandboxCli> {
  const sb = await startSandbox({ ...opts.sandbox, requireSshd: true });
  const home = tempHome();
  const id = sb.env.EIC_SANDBOX_INSTANCE;
  const knownHosts = join(home.home, 'known_hosts');
  if (opts.pin) writeFileSync(knownHosts, `${id} ${sb.hostPublicKey(id)}\n`);
  return { sb, home, id, env: eicEnv(sb, home.home, { EIC_KNOWN_HOSTS: knownHosts }), knownHosts };
}

/**
 * startSandboxCli() for the enclosing suite: started before its tests (ahead of the suite's own
 * before hooks) and closed after them. Its fields are there from the first test on. At a
 * file's top level Node 20 starts each before hook as it is registered, not one after the
 * other: a file with set-up of its own on top of this one puts its tests in a describe.
 */
export function useSandboxCli(opts: SandboxCliOptions = {}): SandboxCli {
  const cli = {} as SandboxCli;
  before(async () => { Object.assign(cli, await startSandboxCli(opts)); });
  after(async () => {
    await cli.sb?.close();
    cli.home?.cleanup();
  });
  return cli;
}

export interface KeyedSandbox { sb: Sandbox; kit: SshClientKit; home: { home: string; cleanup(): void }; id: string; close(): Promise<void> }

/**
 * startKeyedSandbox() for the enclosing suite (or file): started before its tests and closed
 * after them; its fields are there from the first test on (see useSandboxCli on set-up of a
 * file's own).
 */
export function useKeyedSandbox(): KeyedSandbox {
  const keyed = {} as KeyedSandbox;
  before(async () => { Object.assign(keyed, await startKeyedSandbox()); });
  after(async () => { await keyed.close?.(); });
  return keyed;
}

/**
 * A sandbox of a test file's own with the real sshd (no key pushed except by eic), a client key
 * pair made now, and a clean HOME whose ~/.ssh/id_ed25519.pub is that key's public half: what
 * `--push-key` finds by default. `close()` undoes it all.
 */
export async function startKeyedSandbox(): Promise<KeyedSandbox> {
  const sb = await startSandbox({ requireSshd: true });
  const kit = sshClientKit(sb);
  const home = tempHome();
  mkdirSync(join(home.home, '.ssh'), { mode: 0o700 });
  copyFileSync(`${kit.keyPath}.pub`, join(home.home, '.ssh', 'id_ed25519.pub'));
  return {
    sb, kit, home, id: sb.env.EIC_SANDBOX_INSTANCE,
    close: async () => { kit.cleanup(); home.cleanup(); await sb.close(); },
  };
}
