// needs: openssl ssh ssh-keygen
/**
 * `eic sandbox` run by an unprivileged user (nobody), where the real sshd cannot serve the
 * instances: it says so on stderr and falls back to the in-process SSH server, which the real
 * OpenSSH client reaches through the tunnel with a key pushed by the SDK. With
 * EIC_SANDBOX_REQUIRE_SSHD=1 the same start is an error instead.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2InstanceConnectClient, SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import { eicBin, repoRoot } from './helpers/paths.js';
import { stopProcess } from './helpers/stop-process.js';
import type { WsProxySettings } from './helpers/ws-proxy.js';
import { until } from './helpers/until.js';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const proxyScript = join(repoRoot, 'dist', 'test', 'helpers', 'ws-proxy.js');

function asNobody(args: string[], env: NodeJS.ProcessEnv) {
  return spawn('setpriv', [...NOBODY, process.execPath, eicBin, 'sandbox', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], cwd: '/' });
}

// Run as root, it drops to nobody itself (setpriv).
describe('eic sandbox without root', { skip: process.getuid?.() !== 0 && 'needs root, to run the sandbox as nobody' }, () => {
  it('falls back to the in-process SSH server, says so, and ssh works through the tunnel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eic-sandbox-nobody-'));
    chmodSync(dir, 0o777); // nobody writes the env file here
    const envFile = join(dir, 'env');
    const env = { ...process.env };
    delete env.EIC_SANDBOX_REQUIRE_SSHD; // this test is about the fallback itself
    const child = asNobody(['--write-env', envFile], env);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => existsSync(envFile), () => `the env file; stderr: ${stderr}`);
      assert.ok(existsSync(envFile), `no env file: ${stderr}`);
      assert.match(stderr, /not running as root: the sandbox instances use an in-process SSH server/);
      assert.match(stderr, /instances use the in-process SSH fallback/);
      const vars = Object.fromEntries(readFileSync(envFile, 'utf8').trim().split('\n').map((l) => {
        const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(l)!;
        return [m[1], m[2]];
      }));

      const keygen = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'id')]);
      assert.equal(keygen.status, 0);
      const credentials = { accessKeyId: vars.AWS_ACCESS_KEY_ID, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY };
      const api = new EC2InstanceConnectClient({ endpoint: vars.AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT, region: vars.AWS_REGION, credentials, maxAttempts: 1 });
      await api.send(new SendSSHPublicKeyCommand({ InstanceId: vars.EIC_SANDBOX_INSTANCE, InstanceOSUser: 'ec2-user', SSHPublicKey: readFileSync(join(dir, 'id.pub'), 'utf8').trim() }));
      api.destroy();

      const port = /OpenTunnel {2}wss:\/\/[^:]+:(\d+)/.exec(stderr)![1];
      const settings: WsProxySettings = {
        dnsName: `localhost:${port}`, endpointId: 'eice-0123456789abcdef0', ip: '10.0.1.10', port: 22,
        region: vars.AWS_REGION, credentials, caFile: vars.AWS_CA_BUNDLE,
      };
      const ssh = spawnSync('ssh', ['-F', 'none', '-i', join(dir, 'id'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
        '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
        '-o', `ProxyCommand=${process.execPath} ${proxyScript}`, `ec2-user@${vars.EIC_SANDBOX_INSTANCE}`, 'echo via-fallback; id -u'],
      { env: { ...process.env, EIC_TEST_WS_PROXY: JSON.stringify(settings) }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(ssh.status, 0, ssh.stderr);
      assert.equal(ssh.stdout, 'via-fallback\n65534\n', 'the fallback runs commands as the sandbox\'s own user');

      child.kill('SIGTERM');
      assert.equal(await exit, 143, stderr);
      assert.equal(existsSync(vars.AWS_CA_BUNDLE), false, 'its temporary directory is gone');
    } finally {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with EIC_SANDBOX_REQUIRE_SSHD=1 it refuses to fall back', async () => {
    const child = asNobody([], { ...process.env, EIC_SANDBOX_REQUIRE_SSHD: '1' });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 1);
    assert.match(stderr, /the sandbox needs the real OpenSSH sshd but (?:the sandbox is not running as root|\/usr\/sbin\/sshd is not installed)/);
  });
});
