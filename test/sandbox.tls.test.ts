// needs: openssl
/**
 * The sandbox's TLS and addressing: by default the generated certificate is valid for
 * localhost, 127.0.0.1 and ::1, and the endpoint answers on both loopback families; with
 * --tls-cert/--tls-key and --dns-name it serves the given certificate and advertises the name.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import type { LookupFunction } from 'node:net';
import { EC2Client, DescribeInstanceConnectEndpointsCommand } from '@aws-sdk/client-ec2';
import { startSandbox } from '../src/sandbox/index.js';
import { generateSandboxTls } from '../src/sandbox/tls.js';
import { freePort } from '../src/sandbox/sshd.js';
import { connectUrl, presignFor } from './helpers/sandbox-tunnel.js';

function tlsOk(host: string, port: number, ca: string, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host, port, ca, servername }, () => {
      const cn = s.getPeerCertificate().subject?.CN;
      s.end();
      resolve(String(cn));
    });
    s.once('error', reject);
  });
}

describe('sandbox TLS and DNS names', () => {
  it('the default certificate is valid for localhost, 127.0.0.1 and ::1, served on both families', async () => {
    const sb = await startSandbox();
    try {
      const { port } = sb.eiceAddress;
      assert.equal(await tlsOk('127.0.0.1', port, sb.caPem), 'localhost');
      assert.equal(await tlsOk('::1', port, sb.caPem), 'localhost');
      assert.equal(await tlsOk('127.0.0.1', port, sb.caPem, 'localhost'), 'localhost');
      await assert.rejects(tlsOk('127.0.0.1', port, sb.caPem, 'not-this-name.example'), /altnames|Hostname/);
      const other = await generateSandboxTls();
      await assert.rejects(tlsOk('127.0.0.1', port, other.caPem), /self.signed|unable to verify|certificate/i, 'another CA is not trusted');
    } finally {
      await sb.close();
    }
  });

  it('--tls-cert/--tls-key and --dns-name: that certificate, that DnsName, a tunnel signed for it', async () => {
    const port = await freePort();
    const dnsName = `eice.sandbox.test:${port}`;
    const tls = await generateSandboxTls([dnsName]);
    const sb = await startSandbox({ listen: { host: '127.0.0.1', port }, dnsName, tlsCert: tls.certPem, tlsKey: tls.keyPem });
    try {
      assert.equal(sb.caPem, tls.certPem);
      const ec2 = new EC2Client({ endpoint: sb.apiUrl, region: sb.config.region, credentials: sb.config.credentials[0], maxAttempts: 1 });
      const eps = (await ec2.send(new DescribeInstanceConnectEndpointsCommand({}))).InstanceConnectEndpoints ?? [];
      ec2.destroy();
      assert.ok(eps.length > 0);
      for (const e of eps) assert.equal(e.DnsName, dnsName);

      // The name resolves nowhere: point it at loopback, as a hosts entry would.
      const lookup: LookupFunction = (_host, opts, cb) => {
        if (typeof opts === 'object' && opts.all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
        else cb(null, '127.0.0.1', 4);
      };
      const url = presignFor(sb).replace(/^wss:\/\/[^/]+/, `wss://${dnsName}`);
      const signedForLocalhost = await connectUrl(sb, url, { lookup });
      assert.equal(signedForLocalhost.ok, false, 'the URL was signed for localhost, the Host is the DNS name');
      const good = await connectUrl(sb, presignFor(sb, { dnsName }), { lookup });
      assert.ok(good.ok);
      good.ws.close();
    } finally {
      await sb.close();
    }
  });
});
