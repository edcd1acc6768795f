// needs: openssl
// eic says nothing on stderr when all goes well, on whichever Node runs it: what start-up does
// (V8 flags, the code cache) must not make V8 or Node print anything ("unrecognized flag", a
// deprecation warning), which would show under every ProxyCommand. Run twice, so that the second
// run takes the code cache the first one wrote.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { eicEnv, runEic, tempHome } from './helpers/tunnel-harness.js';

let sb: Sandbox;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;
let id: string;

before(async () => {
  sb = await startSandbox();
  home = tempHome();
  id = sb.env.EIC_SANDBOX_INSTANCE;
  const knownHosts = join(home.home, 'known_hosts');
  writeFileSync(knownHosts, `${id} ${sb.hostPublicKey(id)}\n`);
  env = eicEnv(sb, home.home, { EIC_KNOWN_HOSTS: knownHosts, NODE_OPTIONS: undefined });
});
after(async () => {
  await sb?.close();
  home?.cleanup();
});

for (const args of [['--version'], ['list'], ['proxy'], ['ssh', '--', 'true']]) {
  test(`eic ${args.join(' ')}: exit 0 and nothing on stderr, first run and with the code cache (Node ${process.versions.node})`, async () => {
    const argv = args[0] === 'proxy' ? ['proxy', id] : args[0] === 'ssh' ? ['ssh', id, ...args.slice(1)] : args;
    for (const run of ['first', 'second']) {
      const r = await runEic(argv, env);
      assert.equal(r.code, 0, `${run} run: ${r.stderr}`);
      assert.equal(r.stderr, '', `${run} run`);
    }
  });
}
