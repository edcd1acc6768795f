/**
 * The sandbox's TLS: a throwaway CA and a server certificate it signs, made fresh at every
 * start. Clients trust the CA (AWS_CA_BUNDLE, or `ca` in-process), never
 * the leaf, so the leaf can name whatever the endpoints' DNS names are.
 *
 * Keys are EC P-256 from node's crypto; the certificates come from /usr/bin/openssl (two short
 * runs, tens of milliseconds). @peculiar/x509 would do it in-process but needs a global
 * Reflect polyfill, which is not worth a dependency for a test fixture.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SandboxTls {
  /** The CA certificate clients must trust. */
  caPem: string;
  /** The server certificate chain (leaf, then CA) and its key. */
  certPem: string;
  keyPem: string;
}

/** Strip an optional `:port` (and IPv6 brackets) from a DNS name as the endpoints advertise it. */
export function hostOf(dnsName: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(dnsName);
  if (bracketed) return bracketed[1];
  if (isIP(dnsName) === 6) return dnsName;
  return dnsName.replace(/:\d+$/, '');
}

function ecKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 20_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('openssl is needed to make the sandbox TLS certificate; install it, or pass --tls-cert/--tls-key');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * A CA and a server certificate valid for localhost, 127.0.0.1, ::1 and every extra name
 * (DNS names or IP addresses; a `:port` suffix is ignored).
 */
export async function generateSandboxTls(extraNames: string[] = []): Promise<SandboxTls> {
  const dir = mkdtempSync(join(tmpdir(), 'eic-sandbox-tls-'));
  try {
    const f = (name: string) => join(dir, name);
    const caKey = ecKeyPem();
    const leafKey = ecKeyPem();
    writeFileSync(f('ca.key'), caKey, { mode: 0o600 });
    writeFileSync(f('leaf.key'), leafKey, { mode: 0o600 });
    const names = [...new Set(['localhost', '127.0.0.1', '::1', ...extraNames.map(hostOf)])];
    const san = names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    writeFileSync(f('leaf.ext'), [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${san}`,
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'));
    await openssl(['req', '-x509', '-new', '-key', f('ca.key'), '-sha256', '-days', '30',
      '-subj', '/CN=eic sandbox CA (local, throwaway)',
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-out', f('ca.pem')]);
    await openssl(['req', '-new', '-key', f('leaf.key'), '-subj', '/CN=localhost', '-out', f('leaf.csr')]);
    await openssl(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
      '-set_serial', '0x' + Date.now().toString(16), '-sha256', '-days', '30', '-extfile', f('leaf.ext'), '-out', f('leaf.pem')]);
    const caPem = readFileSync(f('ca.pem'), 'utf8');
    return { caPem, certPem: readFileSync(f('leaf.pem'), 'utf8') + caPem, keyPem: leafKey };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
