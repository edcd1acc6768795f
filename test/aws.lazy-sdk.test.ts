// The AWS SDK is loaded only when needed: never for `eic --version` or help, and the heavy EC2
// client not at all when --private-ip, --eice-id and --eice-dns-name make EC2 calls unnecessary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/paths.js';

/** Run `script` (ESM) in a fresh node and return the SDK packages it ended up loading. */
function sdkPackagesLoaded(script: string): string[] {
  const probe = `
    import { createRequire } from 'node:module';
    ${script}
    const loaded = Object.keys(createRequire(import.meta.url).cache)
      .map((p) => /node_modules\\/(@aws-sdk\\/[^/]+)/.exec(p)?.[1]).filter(Boolean);
    process.stdout.write(JSON.stringify([...new Set(loaded)].sort()));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: repoRoot, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

const dist = (p: string) => pathToFileURL(join(repoRoot, 'dist', 'src', p)).href;

test('eic --version and eic proxy --help load no AWS SDK module', () => {
  const loaded = sdkPackagesLoaded(`
    const { run } = await import('${dist('cli/main.js')}');
    const io = { stdin: process.stdin, stdout: { write() { return true; } }, stderr: { write() { return true; } }, env: {} };
    if (await run(['--version'], io) !== 0) throw new Error('--version failed');
    await run(['proxy', '--help'], io);
    await run(['tunnel', '--help'], io);
  `);
  assert.deepEqual(loaded, []);
});

test('an AWS context loads the light clients; the EC2 client loads on the first EC2 call', () => {
  const before = sdkPackagesLoaded(`
    const { createAwsContext } = await import('${dist('aws/clients.js')}');
    const { silentLogger } = await import('${dist('log.js')}');
    const aws = await createAwsContext({ env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' }, logger: silentLogger });
    aws.close();
  `);
  assert.ok(before.includes('@aws-sdk/client-ec2-instance-connect'), String(before));
  assert.ok(!before.includes('@aws-sdk/client-ec2'), 'EC2 client not loaded without an EC2 call');

  const after = sdkPackagesLoaded(`
    const { createAwsContext } = await import('${dist('aws/clients.js')}');
    const { silentLogger } = await import('${dist('log.js')}');
    const aws = await createAwsContext({ env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1' }, logger: silentLogger });
    await aws.ec2.describeInstances({ InstanceIds: ['i-0123456789abcdef0'] }).catch(() => {});
    aws.close();
  `);
  assert.ok(after.includes('@aws-sdk/client-ec2'), String(after));
});
