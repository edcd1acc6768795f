/**
 * The layering of src/ (README: Layout), checked with the tests (test/layers.dependency-rules.test.ts).
 * Imports point down this list only; folders on one line do not import each other:
 *   boot → cli → session → target | ssh | sftp → tunnel → aws → net → leaves (src/*.ts)
 * target, ssh and sftp are siblings: the code has no import between them, and what two of them
 * need together is put together in session/. aws uses net (proxy, CA trust for the SDK); net
 * does not use aws. src/sandbox/ (the AWS stand-in, which only cli/sandbox starts) uses aws/ and
 * the leaves only. No circular imports anywhere. Type-only imports count too.
 */
const LAYERS = [['boot'], ['cli'], ['session'], ['target', 'ssh', 'sftp'], ['tunnel'], ['aws'], ['net']];

const folder = (names) => `^src/(${names.join('|')})/`;
const below = (rank) => LAYERS.slice(rank + 1).flat();

const layerRules = LAYERS.flatMap((names, rank) => names.map((name) => ({
  name: `layer-${name}`,
  comment: `src/${name}/ imports only ${[name, ...below(rank)].map((n) => `${n}/`).join(', ')} and the leaves`,
  severity: 'error',
  from: { path: folder([name]) },
  // Who may import the sandbox is the rule sandbox-only-from-cli's.
  to: { path: '^src/[^/]+/', pathNot: folder([name, ...below(rank), 'sandbox']) },
})));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a circle of imports (a register/run pair, two files that need each other): break it with a file both import',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'leaves-only-leaves',
      comment: 'a leaf (src/*.ts) imports only other leaves',
      severity: 'error',
      from: { path: '^src/[^/]+$' },
      to: { path: '^src/[^/]+/' },
    },
    {
      name: 'sandbox-aws-and-leaves',
      comment: 'the sandbox stands in for AWS: it may share aws/ (SigV4) and the leaves, never the client',
      severity: 'error',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/[^/]+/', pathNot: '^src/(sandbox|aws)/' },
    },
    {
      name: 'sandbox-only-from-cli',
      comment: 'only `eic sandbox` (src/cli/sandbox/) starts the sandbox; the client never uses it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|sandbox)/' },
      to: { path: '^src/sandbox/' },
    },
  ],
  options: {
    // swc parses the TypeScript sources as written, type-only imports included (the project's
    // TypeScript 7 has no JavaScript API for dependency-cruiser's own TypeScript parser).
    parser: 'swc',
    includeOnly: '^src/',
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
