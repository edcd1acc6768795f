/** `eic --version` (or -V) and nothing else: answered without loading the command definitions. */
export function isVersionQuery(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V');
}
