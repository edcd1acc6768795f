// needs: openssl sshd
/**
 * "Unable to connect to target" explained, through the real CLI against the sandbox's
 * no-ingress instance (its only group lets 443 in, not 22 from the endpoint): eic ssh, eic cp,
 * eic proxy and eic tunnel name the missing rule, its group and the exact AWS CLI command; when
 * DescribeSecurityGroups is denied, eic names that permission and the other usual causes; when
 * the rules allow it, it says so and lists what else stops a connection.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UNABLE_TO_CONNECT } from '../src/eice.js';
import { finished, listeningPort, runEic, spawnEic, useSandboxCli } from './helpers/tunnel-harness.js';
import { until } from './helpers/until.js';

const WEB_HTTPS = 'sg-044300000000000a1';
const EICE_SG = 'sg-0e1ce0000000000a1';
const COMMAND = `aws ec2 authorize-security-group-ingress --group-id ${WEB_HTTPS} --protocol tcp --port 22 --source-group ${EICE_SG}`;
const MISSING = new RegExp(`Unable to connect to target \\(code 1011\\): the instance's security group ${WEB_HTTPS} \\(web-https\\) has no inbound rule for tcp 22 from the endpoint's security group ${EICE_SG} \\(eice\\)`);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('"Unable to connect to target" explained (sandbox)', () => {
  const cli = useSandboxCli();

  it('eic ssh names the missing inbound rule and the command that adds it', async () => {
    const r = await runEic(['ssh', 'no-ingress', '--', 'true'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, MISSING);
    assert.match(r.stderr, new RegExp(`\\(add it: ${escape(COMMAND)}\\)\\n$`));
  });

  it('eic cp and eic proxy say the same', async () => {
    const cp = await runEic(['cp', 'no-ingress:/etc/hostname', join(cli.home.home, 'h')], cli.env);
    assert.equal(cp.code, 1, cp.stderr);
    assert.match(cp.stderr, MISSING);
    assert.ok(cp.stderr.includes(COMMAND), cp.stderr);
    const proxy = await runEic(['proxy', 'no-ingress'], cli.env, '');
    assert.equal(proxy.code, 255, proxy.stderr);
    assert.match(proxy.stderr, MISSING);
    assert.ok(proxy.stderr.includes(COMMAND), proxy.stderr);
    assert.equal(proxy.stdout.length, 0);
  });

  it('eic tunnel logs the explanation for the connection that failed and keeps listening', async () => {
    const child = spawnEic(['tunnel', 'no-ingress', '--local-port', '0'], cli.env);
    const done = finished(child);
    let err = '';
    child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
    try {
      const port = await listeningPort(child, done);
      const sock = connect(port, '127.0.0.1');
      sock.on('error', () => {});
      await new Promise((r) => sock.once('close', r));
      await until(() => {
        assert.equal(child.exitCode, null, err);
        return err.includes(COMMAND);
      }, () => `the suggested command on stderr: ${err}`);
      assert.match(err, /warning: connection 1 failed: tunnel closed by the endpoint: Unable to connect to target/);
      assert.equal(child.exitCode, null, 'still listening');
    } finally {
      child.kill('SIGTERM');
      await done;
    }
  });

  it('without ec2:DescribeSecurityGroups: names the permission and the usual causes', async () => {
    cli.sb.faults.api.fail('DescribeSecurityGroups', {
      type: 'UnauthorizedOperation', status: 403,
      message: 'You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ec2:DescribeSecurityGroups',
    }, Infinity);
    try {
      const r = await runEic(['ssh', 'no-ingress', '--', 'true'], cli.env);
      assert.equal(r.code, 255, r.stderr);
      assert.match(r.stderr, /Unable to connect to target \(code 1011\) \(eic may not read the security groups \(ec2:DescribeSecurityGroups was denied; grant it and eic names the missing rule\)/);
      assert.match(r.stderr, /the instance's security group lets no tcp 22 in from the endpoint's security group/);
      assert.match(r.stderr, /sshd is not running or not listening on port 22, a network ACL of the subnets blocks it, or the instance's own firewall drops it\)\n$/);
    } finally {
      cli.sb.faults.api.clear();
    }
  });

  it('when the rules allow it, says so and lists the other causes', async () => {
    cli.sb.faults.set('*', { kind: 'close-after', bytes: 0, code: 1011, reason: UNABLE_TO_CONNECT }, { once: true });
    const r = await runEic(['ssh', 'web-1', '--', 'true'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /the endpoint's security groups let tcp 22 out to the instance; the instance's security groups let tcp 22 in from the endpoint's group; so sshd is not running/);
  });
});
