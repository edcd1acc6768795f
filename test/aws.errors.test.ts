// needs: openssl sshd
// tier: slow (over 20 s: left out of npm run test:fast)
// Discovery through the real AWS SDK against the sandbox, run as `eic proxy` processes: every
// error a user can meet says what is wrong and what to do, and the options that skip calls do.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { defaultConfig, type SandboxConfig } from '../src/sandbox/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicEnv, runEic, tempHome, type Finished } from './helpers/tunnel-harness.js';

// The default world plus: a VPC whose only endpoint failed to create, a running instance with
// no address, and a VPC whose endpoint has no FIPS DNS name.
function world(): SandboxConfig {
  const cfg = defaultConfig();
  cfg.vpcs.push({ id: 'vpc-0a1b2c3d4e5f60004', cidr: '10.3.0.0/16' }, { id: 'vpc-0a1b2c3d4e5f60005', cidr: '10.4.0.0/16' });
  cfg.subnets.push(
    { id: 'subnet-0ddd00000000000d1', vpcId: 'vpc-0a1b2c3d4e5f60004', availabilityZone: 'us-east-1d', cidr: '10.3.1.0/24' },
    { id: 'subnet-0eee00000000000e1', vpcId: 'vpc-0a1b2c3d4e5f60005', availabilityZone: 'us-east-1a', cidr: '10.4.1.0/24' },
  );
  cfg.instances.push(
    { id: 'i-0000000000000d001', name: 'behind-failed-eice', state: 'running', subnetId: 'subnet-0ddd00000000000d1', privateIpAddress: '10.3.1.5', osUsers: ['ec2-user'] },
    { id: 'i-0000000000000a0ff', name: 'no-address', state: 'running', subnetId: 'subnet-0aaa00000000000a1', osUsers: ['ec2-user'] },
    { id: 'i-0000000000000e001', name: 'no-fips', state: 'running', subnetId: 'subnet-0eee00000000000e1', privateIpAddress: '10.4.1.5', osUsers: ['ec2-user'] },
  );
  cfg.endpoints.push(
    { id: 'eice-0000000000000d001', subnetId: 'subnet-0ddd00000000000d1', state: 'create-failed', stateMessage: 'The subnet has no free IP addresses' },
    { id: 'eice-0000000000000e001', subnetId: 'subnet-0eee00000000000e1', state: 'create-complete', fipsDnsName: '' },
  );
  return cfg;
}

let sb: Sandbox;
let home: ReturnType<typeof tempHome>;
let id: string;

before(async () => {
  sb = await startSandbox({ requireSshd: true, config: world() });
  home = tempHome();
  id = sb.env.EIC_SANDBOX_INSTANCE;
});
after(async () => {
  home?.cleanup();
  await sb?.close();
});

/** `eic proxy` with stdin closed at once: it either fails in discovery or relays and exits 0. */
function proxy(args: string[], env: Record<string, string | undefined> = {}): Promise<Finished> {
  return runEic(['proxy', ...args], eicEnv(sb, home.home, env));
}

/** eic proxy exits 255 for every failure of its own, as ssh does (README: Exit status). */
function failsWith(r: Finished, message: RegExp): void {
  assert.equal(r.code, 255, r.stderr);
  assert.equal(r.stdout.length, 0, 'nothing on stdout');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], message);
}

/** A successful proxy run: sshd's banner came through (or the tunnel was at least opened). */
function relayed(r: Finished): void {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
}

test('instance not found, by id and by Name', async () => {
  failsWith(await proxy(['i-0123456789abcdef9']), /^eic: no instance with id i-0123456789abcdef9 in us-east-1 \(check the region \(--region\) and profile/);
  failsWith(await proxy(['no-such-name']), /^eic: no instance with Name tag no-such-name in us-east-1/);
});

test('a malformed instance id', async () => {
  failsWith(await proxy(['i-12345']), /^eic: i-12345 is not a valid instance id \(instance ids are i- followed by 8 or 17 hex digits/);
});

test('an ambiguous Name lists the matches', async () => {
  failsWith(await proxy(['worker']), /^eic: 2 instances match Name tag worker: i-0123456789abcdef1 \(running, 10\.0\.2\.20\), i-0123456789abcdef2 \(running, 10\.0\.2\.21\) \(use an instance id instead\)$/);
});

test('an instance that is not running says its state', async () => {
  failsWith(await proxy(['old-db']), /^eic: instance i-0123456789abcdef3 \(old-db\) is stopped, not running \(start it: aws ec2 start-instances --instance-ids i-0123456789abcdef3\)$/);
});

test('an instance without a private address', async () => {
  failsWith(await proxy(['i-0000000000000a0ff']), /^eic: instance i-0000000000000a0ff \(no-address\) has no private IPv4 or IPv6 address \(pass the address with --private-ip\)$/);
});

test('no endpoint in the VPC names the VPC and how to create one', async () => {
  failsWith(await proxy(['isolated']),
    /^eic: no EC2 Instance Connect Endpoint in vpc-0a1b2c3d4e5f60003 \(the VPC of i-0aaaabbbbccccdddd\) \(create one: aws ec2 create-instance-connect-endpoint --subnet-id subnet-0ccc00000000000c1\)$/);
});

test('an endpoint in a failed state, found by VPC or by --eice-id', async () => {
  const msg = /^eic: Instance Connect Endpoint eice-0000000000000d001 in vpc-0a1b2c3d4e5f60004 is create-failed: The subnet has no free IP addresses \(create a new one: aws ec2 create-instance-connect-endpoint --subnet-id subnet-0ddd00000000000d1\)$/;
  failsWith(await proxy(['behind-failed-eice']), msg);
  failsWith(await proxy(['i-0000000000000d001', '--eice-id', 'eice-0000000000000d001']), msg);
});

test('missing credentials, rejected credentials and a missing region', async () => {
  failsWith(await proxy([id], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }),
    /^eic: no AWS credentials found: .*\(run aws configure, pass --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\)$/);
  failsWith(await proxy([id], { AWS_SECRET_ACCESS_KEY: 'wrong' }), /^eic: DescribeInstances: AWS did not accept the credentials: .*\(check the access key/);
  failsWith(await proxy([id], { AWS_REGION: undefined }), /^eic: no AWS region is configured \(pass --region, set AWS_REGION, or add region to your profile in ~\/\.aws\/config\)$/);
});

test('region from --region, AWS_DEFAULT_REGION and the profile in ~/.aws/config', async () => {
  relayed(await proxy([id, '--region', 'us-east-1'], { AWS_REGION: undefined }));
  relayed(await proxy([id], { AWS_REGION: undefined, AWS_DEFAULT_REGION: 'us-east-1' }));
  const h = tempHome();
  try {
    writeFileSync(join(h.home, 'aws-config'), '[profile sbx]\nregion = us-east-1\n');
    writeFileSync(join(h.home, 'aws-credentials'), `[sbx]\naws_access_key_id = ${sb.env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${sb.env.AWS_SECRET_ACCESS_KEY}\n`);
    const env = eicEnv(sb, h.home, { AWS_REGION: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    const r = await runEic(['proxy', id, '--profile', 'sbx'], env);
    relayed(r);
  } finally {
    h.cleanup();
  }
});

test('an expired SSO session says to run aws sso login for the profile', async () => {
  const h = tempHome();
  try {
    const startUrl = 'https://example.awsapps.com/start';
    writeFileSync(join(h.home, 'aws-config'),
      `[profile dev-sso]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n`);
    const cache = join(h.home, '.aws', 'sso', 'cache');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, `${createHash('sha1').update(startUrl).digest('hex')}.json`),
      JSON.stringify({ startUrl, region: 'us-east-1', accessToken: 'expired-token', expiresAt: '2020-01-01T00:00:00Z' }));
    const env = eicEnv(sb, h.home, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    const r = await runEic(['proxy', id, '--profile', 'dev-sso'], env);
    failsWith(r, /^eic: the AWS SSO session has expired or is missing: .*\(run: aws sso login --profile dev-sso\)$/);
  } finally {
    h.cleanup();
  }
});

test('AccessDenied from the EC2 API shows AWS\'s message and request id', async () => {
  // Only AWS is replaced here: an EC2 endpoint that denies, as IAM does without ec2:DescribeInstances.
  const denied = 'You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ec2:DescribeInstances';
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(403, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': '5c0e5b9c-1111-2222-3333-444455556666' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>${denied}</Message></Error></Errors><RequestID>5c0e5b9c-1111-2222-3333-444455556666</RequestID></Response>`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    failsWith(await proxy([id], { AWS_ENDPOINT_URL_EC2: url }),
      /^eic: DescribeInstances was denied: You are not authorized to perform this operation\. User: arn:aws:iam::123456789012:user\/dev is not authorized to perform: ec2:DescribeInstances \(request id 5c0e5b9c-1111-2222-3333-444455556666\) \(ask for the IAM permission/);
  } finally {
    server.close();
  }
});

test('FIPS mode uses FipsDnsName, and fails clearly when the endpoint has none', async () => {
  // Make the two names of the default endpoint differ: only the FIPS one reaches the sandbox.
  const ep = sb.config.endpoints[0];
  const saved = { dnsName: ep.dnsName, fipsDnsName: ep.fipsDnsName };
  ep.dnsName = 'localhost:1';
  ep.fipsDnsName = `127.0.0.1:${sb.eiceAddress.port}`;
  try {
    relayed(await proxy([id], { AWS_USE_FIPS_ENDPOINT: 'true' }));
    const plain = await proxy([id], { AWS_USE_FIPS_ENDPOINT: 'false' });
    assert.equal(plain.code, 255, 'without FIPS the (unreachable) DnsName is used');
    assert.match(plain.stderr, /localhost:1/);
    // use_fips_endpoint in the profile turns FIPS on too.
    const h = tempHome();
    try {
      writeFileSync(join(h.home, 'aws-config'), '[profile gov]\nregion = us-east-1\nuse_fips_endpoint = true\n');
      writeFileSync(join(h.home, 'aws-credentials'), `[gov]\naws_access_key_id = ${sb.env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${sb.env.AWS_SECRET_ACCESS_KEY}\n`);
      relayed(await runEic(['proxy', id, '--profile', 'gov'], eicEnv(sb, h.home, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined })));
    } finally {
      h.cleanup();
    }
  } finally {
    Object.assign(ep, saved);
  }
  failsWith(await proxy(['no-fips'], { AWS_USE_FIPS_ENDPOINT: 'true' }),
    /^eic: Instance Connect Endpoint eice-0000000000000e001 has no FIPS DNS name, but FIPS mode is on \(.*unset AWS_USE_FIPS_ENDPOINT/);
  relayed(await proxy(['no-fips'], { AWS_USE_FIPS_ENDPOINT: 'false' }));
});

test('an IPv6-only instance is reached through its IPv6 address', async () => {
  relayed(await proxy(['v6-only']));
});

test('--private-ip, --eice-id and --eice-dns-name with an instance id make no EC2 call at all', async () => {
  const ep = sb.config.endpoints[0].id;
  const dns = `localhost:${sb.eiceAddress.port}`;
  // EC2 is unreachable: any DescribeInstances or DescribeInstanceConnectEndpoints would fail.
  const r = await proxy([id, '--private-ip', '10.0.1.10', '--eice-id', ep, '--eice-dns-name', dns], { AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1' });
  relayed(r);
  failsWith(await proxy([id], { AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1' }), /^eic: DescribeInstances: cannot reach AWS \(ECONNREFUSED\)/);
});

test('option errors: --eice-dns-name without --eice-id, --max-tunnel-duration out of range, an unknown endpoint id', async () => {
  failsWith(await proxy([id, '--eice-dns-name', 'x.example']), /^eic: --eice-dns-name needs --eice-id \(pass the endpoint id too/);
  const r = await proxy([id, '--max-tunnel-duration', '3601']);
  assert.equal(r.code, 255);
  assert.match(r.stderr, /--max-tunnel-duration must be a whole number from 1 to 3600/);
  failsWith(await proxy([id, '--eice-id', 'eice-0123456789abcdef9']), /^eic: no Instance Connect Endpoint eice-0123456789abcdef9 in us-east-1/);
});
