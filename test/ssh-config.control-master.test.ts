// needs: openssl sshd ssh ssh-keygen tmux
// Connection sharing in the block `eic ssh-config --install` writes, used by the real OpenSSH
// client: the first `ssh <id>` opens one tunnel and leaves a master behind (ControlPersist);
// a second ssh runs over it with no AWS call at all (no lookup, no key push) and no second
// tunnel, until `ssh -O exit`. The socket directory is made 0700 by --install. With
// ControlPersist ssh silences its ProxyCommand's stderr: eic proxy's error reaches the user's
// terminal all the same (tmux).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startApiRecorder, type ApiRecorder } from './helpers/api-recorder.js';
import { eicBin } from './helpers/paths.js';
import { tmuxTerminal } from './helpers/tmux-terminal.js';
import { eicEnv, finished, runEic, sshClientKit, tempHome, type Finished, type SshClientKit } from './helpers/tunnel-harness.js';
import { until } from './helpers/until.js';

let sb: Sandbox;
let kit: SshClientKit;
let home: ReturnType<typeof tempHome>;
let front: ApiRecorder;
let config: string;
let env: NodeJS.ProcessEnv;
let id: string;
let endpointId: string;
const term = tmuxTerminal(() => ({ sb, home: home.home }), { rows: 20 });

before(async () => {
  sb = await startSandbox({ requireSshd: true });
  front = await startApiRecorder(sb.apiUrl);
  kit = sshClientKit(sb);
  home = tempHome();
  mkdirSync(join(home.home, '.ssh'), { mode: 0o700 });
  copyFileSync(`${kit.keyPath}.pub`, join(home.home, '.ssh', 'id_ed25519.pub'));
  id = sb.env.EIC_SANDBOX_INSTANCE;
  endpointId = sb.config.endpoints[0].id;
  env = eicEnv(sb, home.home, { AWS_ENDPOINT_URL_EC2: front.url, AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: front.url });
  config = join(home.home, '.ssh', 'config');
  await installConfig(config, env);
});

/** A config with the test's own key and known hosts, then eic's block installed by `env`'s eic ssh-config. */
async function installConfig(file: string, eicEnvironment: NodeJS.ProcessEnv): Promise<void> {
  writeFileSync(file, `Host *\n    IdentityFile ${kit.keyPath}\n    IdentitiesOnly yes\n    UserKnownHostsFile ${kit.knownHosts}\n`
    + '    StrictHostKeyChecking yes\n    BatchMode yes\n    LogLevel ERROR\n', { mode: 0o600 });
  const r = await runEic(['ssh-config', '--no-names', '--install', file, '--eic-command', `${process.execPath} ${eicBin}`], eicEnvironment);
  assert.equal(r.code, 0, r.stderr);
}
after(async () => {
  if (config) await ssh(['-O', 'exit', id]).catch(() => {});
  if (home) term.killServer();
  kit?.cleanup();
  home?.cleanup();
  await front?.close();
  await sb?.close();
});

function ssh(args: string[], file = config): Promise<Finished> {
  const child = spawn('ssh', ['-F', file, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = finished(child);
  child.stdin!.end();
  return done;
}

/** The master's tunnel ends a moment after `ssh -O exit` returns: its ProxyCommand sees EOF. */
async function tunnelsDropTo(n: number): Promise<number> {
  await until(() => sb.activeTunnels(endpointId) <= n, 'the tunnels to close');
  return sb.activeTunnels(endpointId);
}

test('--install makes the ControlPath directory 0700 and writes the sharing options', () => {
  const dir = join(home.home, '.ssh', 'eic-cm');
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const text = readFileSync(config, 'utf8');
  assert.match(text, new RegExp(`^Host i-\\*\\n(?:    .*\\n)*    ControlMaster auto\\n    ControlPath ${dir}/%C\\n    ControlPersist 10m\\n`, 'm'));
});

test('a second ssh rides the first one\'s connection: no AWS call, no key push, no second tunnel', async () => {
  const first = await ssh([id, 'echo first']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.toString(), 'first\n');
  assert.ok(front.actions.includes('SendSSHPublicKey'), `the first ssh pushed the key: ${front.actions.join(', ')}`);
  assert.equal(sb.activeTunnels(endpointId), 1, 'the master keeps its one tunnel after the first ssh returns');

  front.actions.length = 0;
  const second = await ssh([id, 'echo second as $(id -un)']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout.toString(), 'second as ec2-user\n');
  assert.deepEqual(front.actions, [], 'no AWS API call for the second connection');
  assert.equal(sb.activeTunnels(endpointId), 1, 'still the one tunnel');

  const check = await ssh(['-O', 'check', id]);
  assert.equal(check.code, 0, check.stderr);
  const exit = await ssh(['-O', 'exit', id]);
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(await tunnelsDropTo(0), 0, 'the tunnel ends with the master');
});

test('--no-control-master leaves sharing out', async () => {
  const r = await runEic(['ssh-config', '--no-names', '--no-control-master'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout.toString(), /Control/);
});

test('with $XDG_RUNTIME_DIR the user\'s alone, the shared connection\'s socket lives there', async () => {
  const runtime = join(home.home, 'runtime');
  mkdirSync(runtime, { mode: 0o700 });
  const xdgConfig = join(home.home, '.ssh', 'config-xdg');
  await installConfig(xdgConfig, { ...env, XDG_RUNTIME_DIR: runtime });
  assert.match(readFileSync(xdgConfig, 'utf8'), new RegExp(`^    ControlPath ${runtime}/%C$`, 'm'));
  try {
    const first = await ssh([id, 'echo in-runtime-dir'], xdgConfig);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.toString(), 'in-runtime-dir\n');
    const sockets = readdirSync(runtime);
    assert.equal(sockets.length, 1, sockets.join(' '));
    assert.match(sockets[0], /^[0-9a-f]{40}$/);
    assert.ok(statSync(join(runtime, sockets[0])).isSocket());
    const check = await ssh(['-O', 'check', id], xdgConfig);
    assert.equal(check.code, 0, check.stderr);
  } finally {
    await ssh(['-O', 'exit', id], xdgConfig);
  }
  assert.equal(await tunnelsDropTo(0), 0, 'the tunnel ends with the master');
});

test('eic proxy\'s error reaches the terminal although ssh gives it /dev/null as stderr', async () => {
  const missing = 'i-0000000000000dead';
  term.startScript('missing', `ssh -F ${config} ${missing} true; echo "ssh-status=$?"\nexec sleep 600`, { HOME: home.home });
  await term.waitForPane('missing', /ssh-status=255/, 'ssh to fail');
  assert.match(term.pane('missing'), new RegExp(`^eic: no instance with id ${missing} in us-east-1`, 'm'));
});
