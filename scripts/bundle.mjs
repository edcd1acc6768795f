// Bundles the CLI into dist/bundle/ with esbuild, split into chunks at each dynamic import.
// Why: the AWS SDK is hundreds of small ES modules, and resolving them costs more than the
// network round trips of a connect; one chunk per lazy command loads several times faster.
// `eic --version` loads only the entry (eic.cjs); `eic --help` adds the main chunk (commander +
// the command definitions).
//
// The chunks are CommonJS (.cjs), though esbuild splits only ES module output: it builds them
// as ES modules in memory and each is then turned into CommonJS on its own (imports become
// require() calls, import() a require() in a promise). Why: Node's ES module loader costs
// ~0.6 ms per module on top of compiling it (resolving URLs, async reads, linking, and its own
// ~15 built-in modules): on `eic ssh -- true`, which loads ~40 chunks, CommonJS chunks take
// 0.50 → 0.47 s wall and 0.46 → 0.42 s of CPU (30 alternating pairs against one sandbox), and
// `eic list` 0.28 → 0.25 s.
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

// The SDK clients describe every shape of their service in one schemas_0.js, with object keys
// written as computed names (`{ [_xN]: ... }` where `const _xN = "xmlName"`). esbuild must assume
// a computed key can run code, so it keeps every schema: 1 MB of EC2 shapes for the two calls eic
// makes, which cost ~170 ms and ~20 MiB to load. Writing those keys as the string literals they
// already are lets esbuild drop the unused shapes (the EC2 part shrinks to ~55 KB).
const literalSchemaKeys = {
  name: 'literal-schema-keys',
  setup(b) {
    b.onLoad({ filter: /[\\/]@aws-sdk[\\/].*[\\/]schemas[\\/]schemas_\d+\.js$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const names = new Map();
      for (const m of src.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) names.set(m[1], m[2]);
      const contents = src.replace(/\[(_\w+)\]:/g, (key, id) => names.get(id)?.concat(':') ?? key);
      return { contents, loader: 'js' };
    });
  },
};

// ssh2 is ~40 CommonJS files (with asn1, bcrypt-pbkdf, tweetnacl): resolving, reading and
// compiling them one by one cost ~30 ms of every `eic ssh`, so they go into the bundle too.
// What must stay outside is what ssh2 finds next to its own files, so those references are
// rewritten to resolve from the installed ssh2 package (a dependency, so it is always there):
// - its native binding (sshcrypto.node: AES-GCM, ChaCha20 and the rest in C) and cpu-features
//   (picks the cipher order): ssh2 falls back silently to slower JS ciphers without them;
// - __dirname/__filename, which in the bundle would name the chunk, not ssh2's own file
//   (poly1305.js evaluates __dirname when it loads; agent.js uses it to find pageant on Windows).
// (As esbuild sees it: through symlinks, e.g. a node_modules linked into a second work tree.)
const ssh2Root = dirname(realpathSync(createRequire(import.meta.url).resolve('ssh2/package.json')));
const ssh2Native = {
  name: 'ssh2-native',
  setup(b) {
    const inSsh2 = (p) => p.startsWith(ssh2Root + '/');
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const file = join(args.resolveDir, args.path);
      if (!inSsh2(file)) return { errors: [{ text: `unexpected native module ${file}` }] };
      return { path: `ssh2/${relative(ssh2Root, file)}`, external: true };
    });
    b.onResolve({ filter: /^cpu-features$/ }, (args) => (inSsh2(args.importer) ? { path: 'cpu-features', namespace: 'ssh2-dep' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'ssh2-dep' }, () => ({
      // ssh2's optional dependency may sit in ssh2's own node_modules: resolve it from there.
      contents: "module.exports = require('node:module').createRequire(require.resolve('ssh2'))('cpu-features');",
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]node_modules[\\/]ssh2[\\/].*\.js$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      if (!/__dirname|__filename/.test(src)) return undefined;
      const self = `ssh2/${relative(ssh2Root, args.path)}`;
      return {
        contents: `var __filename = require.resolve(${JSON.stringify(self)}), __dirname = require('node:path').dirname(__filename);\n${src}`,
        loader: 'js',
      };
    });
  },
};

const outdir = 'dist/bundle';
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
  // Imports between chunks name the files as they are written below.
  outExtension: { '.js': '.cjs' },
  write: false,
  plugins: [literalSchemaKeys, ssh2Native],
  // Node compiles every module it loads: `eic ssh` loads ~1.6 MB of JS, and whitespace,
  // comments and long-hand syntax cost ~10% of its CPU time. Names are kept (stack traces).
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
});
// Each chunk as CommonJS. The code stays strict, as it was as an ES module. `import.meta.url`
// (eic's version.ts looks for package.json next to the bundle) becomes the chunk's file URL.
const chunkKeys = {};
for (const file of result.outputFiles) {
  const cjs = await transform(file.text, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__eicFileUrl' },
    minifyWhitespace: true,
    minifySyntax: true,
    // The build above has warned about eic's own code; here the packages' code (which esbuild
    // does not lint there) would warn too, with no file name to tell whose it is.
    logLevel: 'error',
  });
  const fileUrl = cjs.code.includes('__eicFileUrl') ? 'var __eicFileUrl=require("node:url").pathToFileURL(__filename).href;' : '';
  const text = `"use strict";${fileUrl}${cjs.code}`;
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, text);
  chunkKeys[file.path.split('/').pop()] = { sha256: createHash('sha256').update(text).digest('hex').slice(0, 16), length: text.length };
}
// What each chunk's code cache is keyed by (src/boot/compile-cache.ts): V8 itself checks only
// that a cache was made from a source of the same length, and main.cjs keeps its name from
// build to build.
writeFileSync(`${outdir}/chunks.json`, JSON.stringify(chunkKeys));
// Which sources each chunk holds: the start-up test reads it to prove what --version loads.
writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile));

// The entry bin/eic.js loads: it answers `eic --version` by itself; anything else goes on to
// main.cjs above. The version is written in from package.json.
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
await build({
  entryPoints: { eic: 'src/boot/entry.ts' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir,
  outExtension: { '.js': '.cjs' },
  supported: { 'dynamic-import': false },
  define: { EIC_BUNDLE_VERSION: JSON.stringify(version) },
  plugins: [{
    name: 'main-chunk',
    setup(b) { b.onResolve({ filter: /^\.\.\/cli\/main\.js$/ }, () => ({ path: './main.cjs', external: true })); },
  }],
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

// Chunk names carry a content hash: remove the ones this build no longer made (and the .js chunks
// of builds before the chunks were CommonJS). Removing them after (not before) the build keeps a
// CLI that is running meanwhile working.
const made = new Set(['eic.cjs', ...result.outputFiles.map((f) => f.path.split('/').pop())]);
for (const f of readdirSync(outdir)) {
  if (/\.c?js$/.test(f) && !made.has(f)) rmSync(join(outdir, f));
}
