// Bundles the CLI into dist/bundle/ with esbuild, split into chunks at each dynamic import.
// Why: the AWS SDK is hundreds of small ES modules, and resolving them costs more than the
// network round trips of a connect; one chunk per lazy command loads several times faster.
// `eic --version` loads only the entry chunk (commander + the command definitions).
import { build } from 'esbuild';
import { readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
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
// - __dirname/__filename, which an ES module bundle does not have (poly1305.js evaluates
//   __dirname when it loads; agent.js uses it to find pageant on Windows).
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
  // CommonJS packages inside an ES module bundle still call require() for node built-ins.
  banner: { js: "import { createRequire as __eicRequire } from 'node:module'; const require = __eicRequire(import.meta.url);" },
  plugins: [literalSchemaKeys, ssh2Native],
  // Node compiles every module it loads: `eic ssh` loads ~1.6 MB of JS, and whitespace,
  // comments and long-hand syntax cost ~10% of its CPU time. Names are kept (stack traces).
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
});
// Which sources each chunk holds: the start-up test reads it to prove what --version loads.
writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile));
// Chunk names carry a content hash: remove the ones this build no longer made. Removing them
// after (not before) the build keeps a CLI that is running meanwhile working.
const made = new Set(Object.keys(result.metafile.outputs).map((f) => f.split('/').pop()));
for (const f of readdirSync(outdir)) {
  if (f.endsWith('.js') && !made.has(f)) rmSync(join(outdir, f));
}

// The entry bin/eic.js loads: CommonJS, so that `eic --version` is answered before Node starts
// its ES module loader; anything else goes on to main.js above, which stays an ES module (esbuild
// splits only ES module output). The version is written in from package.json.
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
await build({
  entryPoints: { eic: 'src/cli/entry.ts' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir,
  outExtension: { '.js': '.cjs' },
  define: { EIC_BUNDLE_VERSION: JSON.stringify(version) },
  plugins: [{
    name: 'main-stays-esm',
    setup(b) { b.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: './main.js', external: true })); },
  }],
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
