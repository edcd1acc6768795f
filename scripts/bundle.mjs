// Bundles the CLI into dist/bundle/ with esbuild, split into chunks at each dynamic import.
// Why: the AWS SDK is hundreds of small ES modules, and resolving them costs more than the
// network round trips of a connect; one chunk per lazy command loads several times faster.
// `eic --version` loads only the entry chunk (commander + the command definitions).
// ssh2 stays external: it loads a native binding relative to its own files.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';

const outdir = 'dist/bundle';
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // The SDK's ES module builds can be tree-shaken: the EC2 client is 2 MB of JS for hundreds of
  // commands when eic uses two.
  mainFields: ['module', 'main'],
  target: 'node20',
  outdir,
  external: ['ssh2', 'cpu-features'],
  // CommonJS packages inside an ES module bundle still call require() for node built-ins.
  banner: { js: "import { createRequire as __eicRequire } from 'node:module'; const require = __eicRequire(import.meta.url);" },
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
// Which sources each chunk holds: the start-up test reads it to prove what --version loads.
writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile));
