/**
 * ssh_config's TOKENS, as OpenSSH expands them (ssh_config(5), ssh.c): HostName takes %% and %h;
 * the path keys eic honours (IdentityFile and UserKnownHostsFile, -i included) take ~, %%, %C,
 * %d, %h, %i, %k, %L, %l, %n, %p, %r, %u and ${VAR} from the environment. A token outside
 * the key's set is refused with OpenSSH's words ("unknown key %x"), before any AWS call.
 */
import { createHash } from 'node:crypto';
import { homedir, hostname, userInfo } from 'node:os';
import { usageError } from '../../errors.js';

/** A key's value and where it was written (ssh-options.ts's Setting). */
interface Written { key: string; value: string; from: string }

/** What the connection tokens stand for. */
export interface Connection {
  /** The destination as typed (after user@): %n, and %k without a HostKeyAlias. */
  typed: string;
  /** The host after HostName: %h. */
  host: string;
  port: number;
  /** The remote user: %r. */
  user: string;
  /** HostKeyAlias, if one is set: %k. */
  hostKeyAlias?: string;
  env: NodeJS.ProcessEnv;
}

export type Tokens = Readonly<Record<string, string>>;

/**
 * The tokens of a connection. %d and ~ are $HOME, as everywhere in eic. %C is OpenSSH's hash of
 * %l%h%p%r, the same as ssh's for the same host, port and user (newer OpenSSH adds the jump
 * host, %j, which is empty here: eic ignores ProxyJump).
 */
export function connectionTokens(c: Connection): Tokens {
  const l = hostname();
  const local = safeUserInfo(c.env);
  return {
    '%': '%',
    C: createHash('sha1').update(`${l}${c.host}${c.port}${c.user}`).digest('hex'),
    d: home(c.env),
    h: c.host,
    i: String(process.getuid?.() ?? local.uid),
    k: c.hostKeyAlias ?? c.typed,
    L: l.split('.')[0],
    l,
    n: c.typed,
    p: String(c.port),
    r: c.user,
    u: local.username,
  };
}

/** HostName's tokens: %% and %h, the host as typed. */
export const hostNameTokens = (typed: string): Tokens => ({ '%': '%', h: typed });

function safeUserInfo(env: NodeJS.ProcessEnv): { uid: number; username: string } {
  try {
    return userInfo();
  } catch {
    // No passwd entry for this uid (some containers): what the environment says.
    return { uid: -1, username: env.USER ?? env.LOGNAME ?? '' };
  }
}

const home = (env: NodeJS.ProcessEnv) => env.HOME || homedir();

/**
 * `s`'s value with its tokens replaced, in one pass as OpenSSH's percent_dollar_expand does.
 * With `env` (a path key) also `~/` at the start (tilde_expand_filename) and ${VAR}.
 */
export function expandTokens(s: Written, tokens: Tokens, env?: NodeJS.ProcessEnv): string {
  const v = s.value;
  const fail = (why: string) => usageError('bad-option', `${s.from}: ${s.key} ${v}: ${why}`,
    `the tokens ${s.key} takes: ${Object.keys(tokens).map((t) => `%${t}`).join(' ')}${env ? ' and ${VAR}' : ''}; %% is a literal %`);
  let out = '';
  let i = 0;
  if (env && /^~(\/|$)/.test(v)) {
    out = home(env);
    i = 1;
  }
  while (i < v.length) {
    const ch = v[i];
    if (ch === '$' && v[i + 1] === '{' && env) {
      const close = v.indexOf('}', i + 2);
      if (close < 0) throw fail(`environment variable '${v.slice(i)}' missing closing '}'`);
      const name = v.slice(i + 2, close);
      const value = env[name];
      if (value === undefined) throw fail(`env var \${${name}} has no value`);
      out += value;
      i = close + 1;
    } else if (ch === '%') {
      const t = v[i + 1];
      if (t === undefined) throw fail('invalid format (a % at the end)');
      if (!Object.hasOwn(tokens, t)) throw fail(`unknown key %${t}`);
      out += tokens[t];
      i += 2;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
