// needs: openssl pgrep
/**
 * `eic sandbox` as a real process, the way other tools drive it: the --write-env file appears
 * once the sandbox is ready, its exports work as is in a fresh process (CA via AWS_CA_BUNDLE,
 * the advertised DnsName reachable), and a signal stops it leaving no sshd and no session
 * process behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EC2InstanceConnectClient, SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import { defaultConfig } from '../src/sandbox/config.js';
import { servedInstances } from '../src/sandbox/instances.js';
import { descendants } from '../src/sandbox/proc-tree.js';
import { eicBin, repoRoot } from './helpers/paths.js';
import { alive, pgrep } from './helpers/processes.js';
import { stopProcess } from './helpers/stop-process.js';
import { needs } from './helpers/tools.js';
import { until } from './helpers/until.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startCli(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [eicBin, 'sandbox', ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { err += s; });
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => err, exit };
}

async function waitForFile(path: string, proc: { exit: Promise<unknown>; stderr: () => string }): Promise<void> {
  let exited = false;
  void proc.exit.then(() => { exited = true; });
  for (let i = 0; i < 300; i++) {
    if (existsSync(path)) return;
    if (exited) throw new Error(`eic sandbox exited early: ${proc.stderr()}`);
    await sleep(50);
  }
  throw new Error(`no ${path} after 15 s: ${proc.stderr()}`);
}

function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.trim().split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line);
    assert.ok(m, `not an export line: ${line}`);
    env[m[1]] = m[2].replace(/'\\''/g, "'");
  }
  return env;
}

/** A fresh node process that uses only the exported environment: API lookup, presign, WSS, sshd banner. */
const CLIENT = `
import { EC2Client, DescribeInstanceConnectEndpointsCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { presignOpenTunnel } from './dist/src/tunnel/presign.js';
const ec2 = new EC2Client({});
const id = process.env.EIC_SANDBOX_INSTANCE;
const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations[0].Instances[0];
const ep = (await ec2.send(new DescribeInstanceConnectEndpointsCommand({}))).InstanceConnectEndpoints.find((e) => e.VpcId === inst.VpcId);
const url = presignOpenTunnel({ dnsName: ep.DnsName, instanceConnectEndpointId: ep.InstanceConnectEndpointId, remotePort: 22,
  privateIpAddress: inst.PrivateIpAddress, region: process.env.AWS_REGION,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY } });
const ws = new WebSocket(url, { ca: readFileSync(process.env.AWS_CA_BUNDLE) });
ws.on('error', (e) => { console.error(e.message); process.exit(1); });
ws.once('message', (d) => { process.stdout.write(ep.DnsName + ' ' + d.toString().split('\\r')[0]); ws.close(); ec2.destroy(); });
`;

describe('eic sandbox (the command)', () => {
  it('--write-env: the file appears when ready, works in a fresh process, and SIGTERM leaves nothing behind', needs('sshd', 'ssh', 'ssh-keygen'), async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eic-sandbox-cli-'));
    const envFile = join(dir, 'sandbox.env');
    const proc = startCli(['--write-env', envFile, '--credentials', 'AKIACLITEST000000001:cli/secret']);
    try {
      await waitForFile(envFile, proc);
      const env = parseExports(readFileSync(envFile, 'utf8'));
      assert.deepEqual(Object.keys(env).sort(), [
        'AWS_ACCESS_KEY_ID', 'AWS_CA_BUNDLE', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT',
        'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'EIC_SANDBOX_INSTANCE',
      ], 'no NODE_EXTRA_CA_CERTS: it would make every Node process in the shell parse Node\'s roots at start');
      assert.match(readFileSync(env.AWS_CA_BUNDLE, 'utf8'), /BEGIN CERTIFICATE/);
      // The summary is written before the file, but its bytes may still be in the pipe.
      await until(() => /environment written/.test(proc.stderr()), '"environment written"');
      assert.match(proc.stderr(), /eic sandbox ready/);
      assert.match(proc.stderr(), new RegExp(`environment written to ${envFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

      // The exports, sourced by a shell, are what a fresh client process needs.
      const sourced = spawnSync('sh', ['-c', `. '${envFile}' && echo "$AWS_REGION $EIC_SANDBOX_INSTANCE"`], { encoding: 'utf8' });
      assert.equal(sourced.stdout.trim(), `${env.AWS_REGION} ${env.EIC_SANDBOX_INSTANCE}`);
      const clientEnv: NodeJS.ProcessEnv = { ...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
      delete clientEnv.AWS_PROFILE;
      const client = spawnSync(process.execPath, ['--input-type=module', '-e', CLIENT], { cwd: repoRoot, env: clientEnv, encoding: 'utf8', timeout: 30_000 });
      assert.equal(client.status, 0, client.stderr);
      assert.match(client.stdout, /^localhost:\d+ SSH-2\.0-OpenSSH_/);

      // While running: one sshd per served instance, found by its config directory.
      const configDir = dirname(env.AWS_CA_BUNDLE);
      const listeners = pgrep(configDir);
      assert.equal(listeners.length, servedInstances(defaultConfig()).length, `sshd listeners under ${configDir}`);
      // A logged-in session running a command: sshd's per-connection processes call setsid(), so
      // killing only the listener (or its process group) would leave them and the command running.
      const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'id')]);
      assert.equal(keygen.status, 0);
      const api = new EC2InstanceConnectClient({ endpoint: env.AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT, region: env.AWS_REGION,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }, maxAttempts: 1 });
      await api.send(new SendSSHPublicKeyCommand({ InstanceId: env.EIC_SANDBOX_INSTANCE, InstanceOSUser: 'ec2-user',
        SSHPublicKey: readFileSync(join(dir, 'id.pub'), 'utf8').trim() }));
      api.destroy();
      const sshPort = new RegExp(`${env.EIC_SANDBOX_INSTANCE} .*ssh on 127\\.0\\.0\\.1:(\\d+)`).exec(proc.stderr())![1];
      const hold = spawn('ssh', ['-F', 'none', '-i', join(dir, 'id'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
        '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-p', sshPort, 'ec2-user@127.0.0.1',
        'echo started; exec sleep 120'], { stdio: ['pipe', 'pipe', 'ignore'] });
      await new Promise((resolve, reject) => {
        hold.stdout!.once('data', resolve);
        hold.once('exit', (code) => reject(new Error(`ssh exited ${code} before the session started`)));
      });
      const session = listeners.flatMap((pid) => descendants(pid));
      assert.ok(session.length >= 2, `the session's processes exist (${session.length})`);

      proc.child.kill('SIGTERM');
      assert.equal(await proc.exit, 143);
      hold.kill();
      assert.deepEqual(pgrep(configDir), [], 'no sshd listener left');
      assert.deepEqual([...listeners, ...session].filter(alive), [], 'no sshd or session process left');
      assert.equal(existsSync(configDir), false, 'work directory removed');
      assert.equal(existsSync(envFile), false, 'env file removed once the sandbox is gone');
    } finally {
      await stopProcess(proc.child);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGINT stops it too; flags are checked before anything starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eic-sandbox-cli-'));
    const envFile = join(dir, 'env');
    const proc = startCli(['--write-env', envFile, '--key-validity', '5']);
    try {
      await waitForFile(envFile, proc);
      const configDir = dirname(parseExports(readFileSync(envFile, 'utf8')).AWS_CA_BUNDLE);
      proc.child.kill('SIGINT');
      assert.equal(await proc.exit, 130);
      assert.deepEqual(pgrep(configDir), []);
    } finally {
      await stopProcess(proc.child);
      rmSync(dir, { recursive: true, force: true });
    }
    const bad = spawnSync(process.execPath, [eicBin, 'sandbox', '--listen', 'nonsense'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--listen nonsense: expected HOST:PORT/);
    const tls = spawnSync(process.execPath, [eicBin, 'sandbox', '--tls-cert', '/nonexistent'], { encoding: 'utf8' });
    assert.equal(tls.status, 2);
    assert.match(tls.stderr, /--tls-cert and --tls-key go together/);
  });
});
