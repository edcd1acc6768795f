// needs: openssl ssh ssh-keygen
/**
 * The whole sandbox path with real parts: a key pushed with the AWS SDK's SendSSHPublicKey lets
 * the real OpenSSH `ssh` log in through the OpenTunnel endpoint to the instance's real sshd
 * (host key pinned), for that instance and user only, and only inside the validity window.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2InstanceConnectClient, SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { repoRoot } from './helpers/paths.js';
import { dnsNameOf, EICE_A } from './helpers/sandbox-tunnel.js';
import type { WsProxySettings } from './helpers/ws-proxy.js';

const WEB1 = { id: 'i-0123456789abcdef0', ip: '10.0.1.10' };
const WORKER = { id: 'i-0123456789abcdef1', ip: '10.0.2.20' };
const proxyScript = join(repoRoot, 'dist', 'test', 'helpers', 'ws-proxy.js');

interface SshResult { code: number | null; stdout: string; stderr: string }

describe('ssh through the sandbox with a pushed key', () => {
  let sb: Sandbox;
  let dir: string;
  let publicKey: string;
  let api: EC2InstanceConnectClient;
  let skewMs = 0; // how far the sandbox's clock is ahead of ours

  before(async () => {
    sb = await startSandbox({ now: () => Date.now() + skewMs });
    if (process.env.EIC_SANDBOX_REQUIRE_SSHD === '1') assert.equal(sb.usingRealSshd, true);
    dir = mkdtempSync(join(tmpdir(), 'eic-sandbox-ssh-'));
    const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'id')]);
    assert.equal(keygen.status, 0, String(keygen.stderr));
    publicKey = readFileSync(join(dir, 'id.pub'), 'utf8').trim();
    // Pin each instance's host key under its instance id, as a careful client would.
    writeFileSync(join(dir, 'known_hosts'), [WEB1, WORKER].map((i) => `${i.id} ${sb.hostPublicKey(i.id)}\n`).join(''));
    api = new EC2InstanceConnectClient({ endpoint: sb.apiUrl, region: sb.config.region, credentials: sb.config.credentials[0], maxAttempts: 1 });
  });
  after(async () => {
    api?.destroy();
    await sb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function ssh(target: { id: string; ip: string }, user: string, command: string, key = 'id'): Promise<SshResult> {
    const settings: WsProxySettings = {
      dnsName: dnsNameOf(sb), endpointId: EICE_A, ip: target.ip, port: 22, region: sb.config.region,
      credentials: sb.config.credentials[0], caFile: sb.env.AWS_CA_BUNDLE,
    };
    const child = spawn('ssh', [
      '-F', 'none', '-i', join(dir, key), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', `HostKeyAlias=${target.id}`, '-o', 'ConnectTimeout=20',
      '-o', `ProxyCommand=${process.execPath} ${proxyScript}`,
      `${user}@${target.id}`, command,
    ], { env: { ...process.env, EIC_TEST_WS_PROXY: JSON.stringify(settings) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  const push = (instanceId: string, user = 'ec2-user', key = publicKey) =>
    api.send(new SendSSHPublicKeyCommand({ InstanceId: instanceId, InstanceOSUser: user, SSHPublicKey: key }));

  it('logs in with OpenSSH through the tunnel and runs a command', async () => {
    const answer = await push(WEB1.id);
    assert.equal(answer.Success, true);
    const r = await ssh(WEB1, 'ec2-user', 'echo hello-$((6*7)); id -un');
    assert.equal(r.code, 0, r.stderr);
    const [hello, who] = r.stdout.split('\n');
    assert.equal(hello, 'hello-42');
    if (sb.usingRealSshd) assert.equal(who, 'ec2-user');
  });

  it('the key works for that instance and OS user only', async () => {
    await push(WEB1.id);
    const otherInstance = await ssh(WORKER, 'ec2-user', 'true');
    assert.equal(otherInstance.code, 255);
    assert.match(otherInstance.stderr, /Permission denied \(publickey\)/);
    const otherUser = await ssh(WEB1, 'root', 'true');
    assert.equal(otherUser.code, 255);
    assert.match(otherUser.stderr, /Permission denied/);
  });

  it('a changed host key is refused by the client that pinned the old one', async () => {
    const before = sb.hostPublicKey(WORKER.id);
    const port = sb.instanceAddress(WORKER.id)?.port;
    await sb.rotateHostKey(WORKER.id);
    assert.notEqual(sb.hostPublicKey(WORKER.id), before);
    assert.equal(sb.instanceAddress(WORKER.id)?.port, port, 'same address after the restart');
    await push(WORKER.id);
    const r = await ssh(WORKER, 'ec2-user', 'true');
    assert.equal(r.code, 255);
    assert.match(r.stderr, /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('after the validity window the same key is refused', async () => {
    // A key of its own, so that what is refused is the very key accepted just before. The
    // sandbox's clock is moved past the 60 s window rather than waited out.
    const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'short')]);
    assert.equal(keygen.status, 0, String(keygen.stderr));
    await push(WEB1.id, 'ec2-user', readFileSync(join(dir, 'short.pub'), 'utf8').trim());
    const inside = await ssh(WEB1, 'ec2-user', 'echo inside', 'short');
    assert.equal(inside.code, 0, inside.stderr);
    assert.equal(inside.stdout, 'inside\n');
    skewMs += (sb.config.keyValiditySeconds + 1) * 1000;
    const outside = await ssh(WEB1, 'ec2-user', 'echo outside', 'short');
    assert.equal(outside.code, 255);
    assert.equal(outside.stdout, '');
    assert.match(outside.stderr, /Permission denied \(publickey\)/);
  });
});
