/**
 * Quoting a word for a POSIX shell: the remote side of an exec channel (sshd runs the command
 * with the user's shell), ssh's ProxyCommand, and the commands eic prints for the user to run.
 */

/** The word itself when the shell would read it back unchanged, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
