// needs: openssl sshd
/**
 * An OS user the instance does not have: EC2 Instance Connect accepts the key push anyway
 * (aws-cli #6896, and so does the sandbox), and the real sshd then refuses the login. eic ssh
 * and eic cp say that the user probably does not exist and name the usual ones (exit 255 and 1).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runEic, useSandboxCli } from './helpers/tunnel-harness.js';

const USUAL = /the usual ones are ec2-user \(Amazon Linux, RHEL, SUSE\), (ubuntu \(Ubuntu\), )?admin \(Debian\), centos \(CentOS\), rocky \(Rocky Linux\), fedora \(Fedora\), bitnami \(Bitnami\)/;

describe('a missing OS user (sandbox, real sshd)', () => {
  const cli = useSandboxCli();

  it('eic ssh: the push succeeds, the login fails, and eic says the user probably does not exist', async () => {
    const r = await runEic(['ssh', `ubuntu@${cli.id}`, '--', 'true'], cli.env);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /^eic: permission denied for ubuntu \(publickey\)/m);
    assert.match(r.stderr, new RegExp(`the key was pushed for ubuntu, so OS user ubuntu probably does not exist on ${cli.id}`));
    assert.match(r.stderr, /the usual ones are ec2-user \(Amazon Linux, RHEL, SUSE\), admin \(Debian\)/);
    assert.match(r.stderr, USUAL);
    assert.doesNotMatch(r.stderr, /ubuntu \(Ubuntu\)/, 'not the user that was just tried');
  });

  it('eic cp says the same', async () => {
    const r = await runEic(['cp', `centos@${cli.id}:/etc/hostname`, join(cli.home.home, 'x')], cli.env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`OS user centos probably does not exist on ${cli.id}; the usual ones are ec2-user`));
  });
});
