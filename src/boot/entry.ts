/**
 * The bundle's entry point (dist/bundle/eic.cjs, which bin/eic.js loads). `eic --version` is
 * answered here, before any chunk of the CLI loads; every other command goes on to the CLI
 * proper (main.ts, the bundle's main.cjs and the chunks it requires).
 */
import { isVersionQuery } from '../version-query.js';

/** package.json's version, written in by scripts/bundle.mjs (absent when not bundled). */
declare const EIC_BUNDLE_VERSION: string | undefined;

// `eic … | head` closes stdout early: that is the reader's choice, not an error to crash on.
// Commands that stream to stdout (proxy) watch their own writable and end the tunnel.
process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'EPIPE') throw err; });

if (typeof EIC_BUNDLE_VERSION === 'string' && isVersionQuery(process.argv.slice(2))) {
  process.stdout.write(`${EIC_BUNDLE_VERSION}\n`);
} else {
  // V8's flags and the code cache come first (prepare.ts); they are loaded here, not above, as
  // --version needs none of them. Bundled, this file is dist/bundle/eic.cjs, beside the chunks.
  void import('./prepare.js')
    .then((p) => p.prepare(typeof EIC_BUNDLE_VERSION === 'string' ? __dirname : undefined))
    .then(() => import('../cli/main.js'))
    .then((cli) => cli.main());
}
