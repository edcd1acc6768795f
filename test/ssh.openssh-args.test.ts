// needs: openssl sshd
/**
 * `eic ssh` reads its command line as OpenSSH does, through the real CLI against the sandbox:
 * options, the destination, then the remote command as typed (dash-arguments included), the
 * AWS options before the subcommand, -l and -p; and everything checkable locally refused
 * before any AWS call or tunnel (counted by an API recorder and the sandbox's endpoint).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApiRecorder, type ApiRecorder } from './helpers/api-recorder.js';
import { runInProcess } from './helpers/run-in-process.js';
import { runEic, useSandboxCli } from './helpers/tunnel-harness.js';

describe('eic ssh parses as OpenSSH does (sandbox)', () => {
  const cli = useSandboxCli({ pin: true });

  it('runs everything after the destination remotely, dash-arguments included', async () => {
    const r = await runEic(['ssh', cli.id, 'printf', '%s,', '-h', '-v', '-A', '-t', '--', '-N'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), '-h,-v,-A,-t,--,-N,');
    assert.doesNotMatch(r.stderr, /debug:/, '-v was the remote command\'s, not eic\'s');
    const ls = await runEic(['ssh', cli.id, 'ls', '-d', '/'], cli.env);
    assert.equal(ls.stdout.toString(), '/\n', ls.stderr);
    const grep = await runEic(['ssh', cli.id, 'echo', 'a', '|', 'grep', '-v', 'x'], cli.env);
    assert.equal(grep.stdout.toString(), 'a\n', grep.stderr);
  });

  it('reads options between the destination and the command, and -- ends them', async () => {
    const r = await runEic(['ssh', cli.id, '-T', '-p', '22', 'tty'], cli.env);
    assert.equal(r.stdout.toString(), 'not a tty\n', r.stderr);
    const dashed = await runEic(['ssh', cli.id, '--', 'echo', '-T'], cli.env);
    assert.equal(dashed.stdout.toString(), '-T\n', dashed.stderr);
  });

  it('takes the AWS options before the subcommand', async () => {
    const env = { ...cli.env };
    delete env.AWS_REGION;
    writeFileSync(join(cli.home.home, 'aws-config'), `[profile sbx]\nregion = ${cli.sb.config.region}\n`);
    writeFileSync(join(cli.home.home, 'aws-credentials'), `[sbx]\naws_access_key_id = ${env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${env.AWS_SECRET_ACCESS_KEY}\n`);
    const byRegion = await runEic(['--region', cli.sb.config.region, 'ssh', cli.id, 'echo', 'by-region'], env);
    assert.equal(byRegion.code, 0, byRegion.stderr);
    assert.equal(byRegion.stdout.toString(), 'by-region\n');
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...noKeys } = env;
    const byProfile = await runEic(['--profile', 'sbx', '-v', 'ssh', cli.id, 'echo', 'by-profile'], noKeys);
    assert.equal(byProfile.code, 0, byProfile.stderr);
    assert.equal(byProfile.stdout.toString(), 'by-profile\n');
    assert.match(byProfile.stderr, /^debug: /m, 'eic -v ssh … is verbose');
    const none = await runEic(['ssh', cli.id, 'true'], env);
    assert.notEqual(none.code, 0, 'without them there is no region');
  });

  it('-l names the user (over user@) and -p the port (over -o Port)', async () => {
    const r = await runEic(['ssh', '-l', 'ec2-user', `nosuchuser@${cli.id}`, 'whoami'], cli.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ec2-user\n');
    const port = await runEic(['ssh', '-p', '22', '-o', 'Port=3389', cli.id, 'echo', 'port-22'], cli.env);
    assert.equal(port.stdout.toString(), 'port-22\n', port.stderr);
    const viaO = await runEic(['ssh', '-o', 'Port=3389', cli.id, 'echo', 'never'], cli.env);
    assert.notEqual(viaO.code, 0, 'the -o Port was used: nothing listens on 3389');
  });

  it('-q keeps eic\'s own notes off stderr', async () => {
    const home = join(cli.home.home, 'fresh');
    mkdirSync(home, { recursive: true });
    const env = { ...cli.env, EIC_KNOWN_HOSTS: join(home, 'known_hosts') };
    const quiet = await runEic(['ssh', '-q', cli.id, 'true'], env);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', 'first contact, yet nothing said');
  });
});

describe('eic ssh, eic cp and eic tunnel check what they can before any AWS call', () => {
  const cli = useSandboxCli({ pin: true });
  let rec: ApiRecorder;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    rec = await startApiRecorder(cli.sb.apiUrl);
    env = { ...cli.env, AWS_ENDPOINT_URL_EC2: rec.url, AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: rec.url };
  });
  after(() => rec.close());

  const refused: Array<[string, string[], RegExp]> = [
    ['-c', ['ssh', '-c', 'nosuch', 'web-1', 'true'], /unsupported cipher .*nosuch.*choose from/],
    ['-m', ['ssh', '-m', 'hmac-nosuch', 'web-1', 'true'], /unsupported MAC .*hmac-nosuch/],
    ['-o KexAlgorithms', ['ssh', '-o', 'KexAlgorithms=nosuch', 'web-1', 'true'], /unsupported key exchange/],
    ['-o HostKeyAlgorithms', ['ssh', '-o', 'HostKeyAlgorithms=+nosuch', 'web-1', 'true'], /unsupported host key algorithm/],
    ['-o Ciphers', ['ssh', '-o', 'Ciphers nosuch', 'web-1', 'true'], /unsupported cipher/],
    ['-L', ['ssh', '-L', '99999:x:1', 'web-1'], /bad -L/],
    ['-R', ['ssh', '-R', 'nonsense', 'web-1'], /bad -R/],
    ['-D', ['ssh', '-D', 'a:b:c', 'web-1'], /bad -D/],
    ['-W', ['ssh', '-W', 'nohostport', 'web-1'], /bad -W/],
    ['-p', ['ssh', '-p', '2222', 'web-1', 'true'], /-p 2222: the endpoint only reaches ports 22 and 3389/],
    ['-o Port', ['ssh', '-o', 'Port=70000', 'web-1', 'true'], /Port must be a whole number/],
    ['-o Port outside the endpoint\'s', ['ssh', '-o', 'Port=2222', 'web-1', 'true'], /Port 2222: the endpoint only reaches ports 22 and 3389/],
    ['proxy port', ['proxy', 'web-1', '8080'], /port 8080: the endpoint only reaches ports 22 and 3389/],
    ['proxy operand after the port', ['proxy', 'web-1', '22', 'extra'], /too many arguments: extra/],
    ['proxy operand after the port and an option', ['proxy', 'web-1', '22', '--push-key', 'extra'], /too many arguments: extra/],
    ['proxy unknown option after the port', ['proxy', 'web-1', '22', '--bogus'], /unknown option '--bogus'/],
    ['cp -P', ['cp', '-P', '2222', 'package.json', 'web-1:/tmp/'], /-P 2222: the endpoint only reaches/],
    ['--private-ip', ['ssh', '--private-ip', '10.0.1.300', 'web-1', 'true'], /--private-ip must be an IPv4 or IPv6 address/],
    ['known hosts directory', ['ssh', '--known-hosts', '.', 'web-1', 'true'], /known-hosts file \. is a directory/],
    ['-F missing', ['ssh', '-F', '/nonexistent/config', 'web-1', 'true'], /cannot read the ssh config file/],
    ['cp -c', ['cp', '-c', 'nosuch', 'package.json', 'web-1:/tmp/'], /unsupported cipher/],
    ['cp option after the operands (an operand, as scp)', ['cp', 'package.json', 'web-1:/tmp/', '-r'], /package\.json is local and web-1:\/tmp\/ is not/],
    ['cp known hosts directory', ['cp', '--known-hosts', '.', 'package.json', 'web-1:/tmp/'], /is a directory/],
    ['tunnel --remote-port', ['tunnel', 'web-1', '--local-port', '0', '--remote-port', '80'], /--remote-port 80: the endpoint only reaches ports 22 and 3389/],
    ['--private-ip before the subcommand', ['--private-ip', 'nope', 'ssh', 'web-1', 'true'], /--private-ip must be/],
  ];
  for (const [what, args, message] of refused) {
    it(`${what}: a usage line, no AWS call, no tunnel`, async () => {
      const before = cli.sb.tunnelRequests();
      const r = await runInProcess(args, env); // what the command line decides: no process needed
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /unexpected error|please report/);
      assert.deepEqual(rec.actions, [], 'no AWS call');
      assert.equal(cli.sb.tunnelRequests(), before, 'no tunnel');
    });
  }
});
