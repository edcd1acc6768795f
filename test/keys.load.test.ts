// needs: sshd ssh-keygen
// tier: slow (over 20 s: left out of npm run test:fast)
/**
 * Client keys: the in-memory session key and `-i FILE` in the formats people have (OpenSSH,
 * PEM, PKCS#8; ed25519, ecdsa, rsa; encrypted or not), made by the real ssh-keygen and
 * openssl. Each loaded key must report the fingerprint ssh-keygen prints and authenticate to
 * a real sshd; encrypted keys need a passphrase and fail clearly without a terminal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isEicError, type EicError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { createHostVerifier } from '../src/ssh/host-verify.js';
import { generateSessionKey, loadKeyFile, type ClientKey } from '../src/ssh/keys.js';
import { connectSsh } from '../src/ssh/session.js';
import { eicBin } from './helpers/paths.js';
import { startSshd, type TestSshd } from './helpers/sshd.js';

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The SHA256 fingerprint ssh-keygen prints for a key file (private or public). */
function keygenFingerprint(path: string): string {
  return sh('ssh-keygen', ['-l', '-E', 'sha256', '-f', path]).split(/\s+/)[1];
}

describe('session keys', () => {
  it('are ed25519, 80-character public lines that ssh-keygen reads with the same fingerprint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eic-keys-'));
    try {
      const a = generateSessionKey();
      const b = generateSessionKey();
      assert.match(a.publicLine, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}$/);
      assert.equal(a.publicLine.length, 80);
      assert.notEqual(a.publicLine, b.publicLine);
      writeFileSync(join(dir, 'k.pub'), a.publicLine + '\n');
      assert.equal(keygenFingerprint(join(dir, 'k.pub')), a.fingerprint);
      assert.equal(a.key.isPrivateKey(), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('-i key files', () => {
  let dir: string;
  let sshd: TestSshd;
  const made: Record<string, string> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eic-keyfiles-'));
    const keygen = (name: string, args: string[]) => {
      made[name] = join(dir, name);
      sh('ssh-keygen', ['-q', '-C', '', ...args, '-f', made[name]]);
    };
    keygen('openssh-ed25519', ['-t', 'ed25519', '-N', '']);
    keygen('openssh-ed25519-enc', ['-t', 'ed25519', '-N', 'correct horse']);
    keygen('openssh-ecdsa', ['-t', 'ecdsa', '-b', '256', '-N', '']);
    keygen('pem-rsa', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '']);
    keygen('pem-rsa-enc', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', 'pem pass']);
    made['pkcs8-ed25519'] = join(dir, 'pkcs8-ed25519');
    sh('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', made['pkcs8-ed25519']]);
    made['pkcs8-ed25519-enc'] = join(dir, 'pkcs8-ed25519-enc');
    sh('openssl', ['pkcs8', '-topk8', '-in', made['pkcs8-ed25519'], '-out', made['pkcs8-ed25519-enc'], '-passout', 'pass:p8 pass', '-v2', 'aes-256-cbc']);
    made['pkcs8-ec'] = join(dir, 'pkcs8-ec');
    sh('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', made['pkcs8-ec']]);

    // Public halves, as authorized_keys lines and .pub files, made without eic's code: ssh-keygen
    // for what it reads; PKCS#8 through openssl (EC) or the raw JWK (ed25519: OpenSSH 9.2
    // cannot read PKCS#8 ed25519 files).
    for (const name of ['pem-rsa', 'pem-rsa-enc']) writeFileSync(`${made[name]}.pub`, sh('ssh-keygen', ['-y', '-P', name.endsWith('enc') ? 'pem pass' : '', '-f', made[name]]));
    sh('openssl', ['pkey', '-in', made['pkcs8-ec'], '-pubout', '-out', `${made['pkcs8-ec']}.pem.pub`]);
    writeFileSync(`${made['pkcs8-ec']}.pub`, sh('ssh-keygen', ['-i', '-m', 'PKCS8', '-f', `${made['pkcs8-ec']}.pem.pub`]));
    const x = Buffer.from(createPrivateKey(readFileSync(made['pkcs8-ed25519'])).export({ format: 'jwk' }).x!, 'base64url');
    const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    const edLine = `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(x)]).toString('base64')}\n`;
    writeFileSync(`${made['pkcs8-ed25519']}.pub`, edLine);
    writeFileSync(`${made['pkcs8-ed25519-enc']}.pub`, edLine);
    sshd = await startSshd(Object.values(made).map((p) => readFileSync(`${p}.pub`, 'utf8').trim()));
  });
  after(async () => {
    await sshd.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const authenticates = async (key: ClientKey) => {
    const { client } = await connectSsh({
      sock: connect(sshd.port, sshd.host), username: 'ec2-user', keys: [key], logger: silentLogger,
      hostVerifier: createHostVerifier({ file: join(dir, 'known_hosts'), alias: 'i-0keys', mode: 'accept-new', logger: silentLogger }),
    });
    client.end();
  };

  for (const name of ['openssh-ed25519', 'openssh-ecdsa', 'pem-rsa', 'pkcs8-ed25519', 'pkcs8-ec']) {
    it(`loads ${name} with ssh-keygen's fingerprint and authenticates with it`, async () => {
      const key = await loadKeyFile(made[name]);
      assert.equal(key.fingerprint, keygenFingerprint(`${made[name]}.pub`));
      assert.equal(key.source, made[name]);
      await authenticates(key);
    });
  }

  it('asks for the passphrase of encrypted keys (OpenSSH, PEM, PKCS#8)', async () => {
    const answers: Record<string, string> = { 'openssh-ed25519-enc': 'correct horse', 'pem-rsa-enc': 'pem pass', 'pkcs8-ed25519-enc': 'p8 pass' };
    for (const [name, pass] of Object.entries(answers)) {
      const asked: string[] = [];
      const key = await loadKeyFile(made[name], { askPassphrase: async (m) => { asked.push(m); return pass; } });
      assert.deepEqual(asked, [`Enter passphrase for key '${made[name]}': `], name);
      await authenticates(key);
    }
  });

  it('asks again after a wrong passphrase, and gives up after three', async () => {
    const tries = ['wrong', 'correct horse'];
    const asked: string[] = [];
    const key = await loadKeyFile(made['openssh-ed25519-enc'], { askPassphrase: async (m) => { asked.push(m); return tries.shift()!; } });
    assert.equal(asked.length, 2);
    assert.match(asked[1], /^Bad passphrase, try again/);
    assert.equal(key.fingerprint, keygenFingerprint(made['openssh-ed25519-enc'] + '.pub'));
    await assert.rejects(loadKeyFile(made['openssh-ed25519-enc'], { askPassphrase: async () => 'nope' }),
      (err: EicError) => isEicError(err) && err.code === 'key-bad-passphrase');
  });

  it('fails clearly for an encrypted key when there is no terminal to ask on', async () => {
    await assert.rejects(loadKeyFile(made['openssh-ed25519-enc']), (err: EicError) =>
      isEicError(err) && err.code === 'key-encrypted' && err.exitCode === 2 && /is encrypted and there is no terminal/.test(err.message) && /ssh-add/.test(err.hint ?? ''));
    // The same through the CLI with stdin from a pipe: before any AWS call, so no sandbox needed.
    const r = spawnSync(process.execPath, [eicBin, 'ssh', 'i-0123456789abcdef0', '-i', made['pkcs8-ed25519-enc'], '--', 'true'],
      { input: '', encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, EIC_SSH_SYSTEM_CONFIG: '/dev/null' } });
    assert.equal(r.status, 255, r.stderr);
    assert.match(r.stderr, /^eic: identity file .* is encrypted and there is no terminal to ask for its passphrase/m);
  });

  it('refuses public keys, missing files and non-keys with a clear error', async () => {
    await assert.rejects(loadKeyFile(made['openssh-ed25519'] + '.pub'), (err: EicError) => isEicError(err) && err.code === 'key-not-private');
    await assert.rejects(loadKeyFile(join(dir, 'missing')), (err: EicError) => isEicError(err) && err.code === 'key-unreadable' && /ENOENT/.test(err.message));
    writeFileSync(join(dir, 'junk'), 'not a key\n');
    await assert.rejects(loadKeyFile(join(dir, 'junk')), (err: EicError) => isEicError(err) && err.code === 'key-unsupported');
  });
});
