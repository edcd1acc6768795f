/**
 * `eic ssh`'s options as OpenSSH settles them: everything becomes an ssh_config key first
 * (command-line flags, then -o in order, then the config file's Host/Match blocks), and for
 * each key the first value obtained wins, except the keys that add up (forwards, identity
 * files, environment). Then the keys eic understands become its options; ProxyCommand and
 * ProxyJump are ignored (eic is the tunnel already), keys of OpenSSH that mean nothing here are
 * noted under -v, and keys nobody knows are warned about as OpenSSH does.
 */
import { existsSync } from 'node:fs';
import { usageError } from '../../errors.js';
import { ALLOWED_REMOTE_PORTS } from '../../eice.js';
import type { Logger } from '../../log.js';
import { parseStrictMode } from '../../ssh/host-verify.js';
import { isOpenSshKeyword } from '../../ssh/openssh-keywords.js';
import { globMatch } from '../../ssh/algorithms.js';
import { connectionTokens, expandTokens, hostNameTokens } from './tokens.js';
import type { SshCliOptions } from './options.js';

/** Keys whose every value counts, from every source. */
const LIST_KEYS = new Set(['identityfile', 'localforward', 'remoteforward', 'dynamicforward', 'sendenv', 'setenv']);

/** The keys this file turns into options (the README's table lists them). */
export const HONOURED_KEYS = [
  'User', 'Port', 'HostName', 'IdentityFile', 'IdentitiesOnly', 'ConnectTimeout', 'ServerAliveInterval', 'ServerAliveCountMax',
  'StrictHostKeyChecking', 'UserKnownHostsFile', 'LocalForward', 'RemoteForward', 'DynamicForward', 'RequestTTY', 'ForwardAgent',
  'SetEnv', 'SendEnv', 'Compression', 'Ciphers', 'MACs', 'KexAlgorithms', 'HostKeyAlgorithms', 'LogLevel',
];
const HONOURED = new Map(HONOURED_KEYS.map((k) => [k.toLowerCase(), k]));
const IGNORED_AS_TUNNEL = new Set(['proxycommand', 'proxyjump']);

/** Where a setting came from, for messages: `command line`, `-o`, or `FILE line N`. */
export interface Setting { key: string; value: string; from: string }

/** Collects settings, the first value of a key winning (all of them for LIST_KEYS). */
export class Settings {
  private readonly map = new Map<string, Setting[]>();
  add(key: string, value: string, from: string): void {
    const k = key.toLowerCase();
    const have = this.map.get(k);
    if (have && !LIST_KEYS.has(k)) return;
    // Messages name a key as the manual spells it (the parser hands them over in lower case).
    this.map.set(k, [...(have ?? []), { key: HONOURED.get(k) ?? key, value, from }]);
  }
  first(key: string): Setting | undefined { return this.map.get(key.toLowerCase())?.[0]; }
  all(key: string): Setting[] { return this.map.get(key.toLowerCase()) ?? []; }
  keys(): string[] { return [...this.map.keys()]; }
}

/** `-o Key=Value` or `-o "Key Value"` → key and value. */
export function splitOption(text: string): { key: string; value: string } {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(text);
  if (!m || m[2] === '') throw usageError('bad-option', `-o "${text}": expected Key=Value`, 'e.g. -o ServerAliveInterval=30');
  return { key: m[1], value: unquote(m[2]) };
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** The command line's own flags, as the ssh_config keys they stand for (they come first, so they win). */
export function cliSettings(settings: Settings, opts: SshCliOptions, given: (name: string) => boolean, destUser?: string): void {
  const add = (key: string, value: string | undefined) => { if (value !== undefined) settings.add(key, value, 'command line'); };
  // -l (or eic's -u) wins over user@ in the destination, which wins over -o User and the file.
  if (given('loginName')) add('User', opts.loginName);
  else if (given('osUser')) add('User', opts.osUser);
  add('User', destUser);
  if (given('port')) add('Port', String(opts.port));
  if (opts.identity) add('IdentityFile', opts.identity);
  if (opts.forwardAgent) add('ForwardAgent', 'yes');
  if (opts.tty) add('RequestTTY', 'force');
  if (opts.noTty) add('RequestTTY', 'no');
  for (const l of opts.local) add('LocalForward', l);
  for (const r of opts.remote) add('RemoteForward', r);
  for (const d of opts.dynamic) add('DynamicForward', d);
  if (opts.compression) add('Compression', 'yes');
  add('Ciphers', opts.cipher);
  add('MACs', opts.macs);
  if (opts.knownHosts !== undefined) settings.add('UserKnownHostsFile', opts.knownHosts, '--known-hosts');
  if (given('strictHostKeyChecking')) add('StrictHostKeyChecking', opts.strictHostKeyChecking);
  if (given('keepalive')) add('ServerAliveInterval', String(opts.keepalive));
  if (opts.quiet) add('LogLevel', 'QUIET');
  else if (opts.verbose) add('LogLevel', 'DEBUG');
  for (const o of opts.option) {
    const { key, value } = splitOption(o);
    settings.add(key, value, '-o');
  }
}

/** Warnings for keys nobody knows, OpenSSH's way (`IgnoreUnknown` patterns silence them). */
export function checkKeys(settings: Settings, keysAt: Array<{ key: string; from: string }>, logger: Logger): void {
  const ignore = (settings.first('IgnoreUnknown')?.value ?? '').split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
  for (const { key, from } of keysAt) {
    const k = key.toLowerCase();
    if (isOpenSshKeyword(k) || ignore.some((p) => globMatch(p, k))) continue;
    logger.warn(`${from}: Bad configuration option: ${key} (ignored)`);
  }
  // As spelled where it was written (the parser hands keys over in lower case).
  const spelled = new Map(keysAt.map(({ key }) => [key.toLowerCase(), key]));
  for (const k of settings.keys()) {
    const name = spelled.get(k) ?? settings.first(k)!.key;
    if (IGNORED_AS_TUNNEL.has(k)) logger.debug(`${name} ignored: eic ssh is the tunnel itself`);
    else if (!HONOURED.has(k) && isOpenSshKeyword(k)) logger.debug(`${name} has no effect in eic ssh`);
  }
}

const yesNo = (s: Setting | undefined): boolean | undefined => {
  if (!s) return undefined;
  const v = s.value.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw usageError('bad-option', `${s.from}: ${s.key} must be yes or no, not "${s.value}"`);
};

const whole = (s: Setting | undefined, min: number, max: number): number | undefined => {
  if (!s) return undefined;
  const n = Number(s.value);
  if (!/^\d+$/.test(s.value) || n < min || n > max) throw usageError('bad-option', `${s.from}: ${s.key} must be a whole number from ${min} to ${max}, not "${s.value}"`);
  return n;
};

/** Port: the endpoint opens tunnels to 22 and 3389 only (a Port written for direct ssh cannot work). */
const endpointPort = (s: Setting | undefined): number | undefined => {
  const n = whole(s, 1, 65535);
  if (n !== undefined && !ALLOWED_REMOTE_PORTS.includes(n)) {
    throw usageError('bad-option', `${s!.from}: Port ${n}: the endpoint only reaches ports ${ALLOWED_REMOTE_PORTS.join(' and ')}`, 'other ports: eic ssh -L');
  }
  return n;
};

/** ssh_config's forward syntax (`port host:hostport`, a space after the listen part) in -L's. */
const forwardSpec = (s: Setting) => s.value.trim().replace(/\s+/, ':');

/** LogLevel's words as eic's two switches. */
function logLevel(s: Setting | undefined): { quiet?: boolean; verbose?: boolean } {
  if (!s) return {};
  const v = s.value.toUpperCase();
  if (['QUIET', 'FATAL', 'ERROR'].includes(v)) return { quiet: true, verbose: false };
  if (['INFO', 'VERBOSE'].includes(v)) return { quiet: false, verbose: false };
  if (/^DEBUG[123]?$/.test(v)) return { quiet: false, verbose: true };
  throw usageError('bad-option', `${s.from}: unknown LogLevel "${s.value}"`, 'QUIET, FATAL, ERROR, INFO, VERBOSE or DEBUG');
}

/** RequestTTY as eic's -t/-T. */
function requestTty(s: Setting | undefined): { tty: boolean; noTty: boolean } {
  const v = s?.value.toLowerCase() ?? 'auto';
  if (v === 'yes' || v === 'force' || v === 'true') return { tty: true, noTty: false };
  if (v === 'no' || v === 'false') return { tty: false, noTty: true };
  if (v === 'auto') return { tty: false, noTty: false };
  throw usageError('bad-option', `${s!.from}: RequestTTY must be yes, no, force or auto, not "${s!.value}"`);
}

/** StrictHostKeyChecking: `ask` has no one to ask here, so it records new keys as accept-new does. */
function strictMode(s: Setting | undefined, fallback: string): string {
  if (!s) return fallback;
  const v = s.value.toLowerCase();
  const mapped = v === 'ask' ? 'accept-new' : v === 'true' ? 'yes' : v === 'false' ? 'no' : v;
  try {
    return parseStrictMode(mapped);
  } catch {
    throw usageError('bad-option', `${s.from}: StrictHostKeyChecking must be yes, accept-new, no or ask, not "${s.value}"`);
  }
}

/** SendEnv's patterns against the local environment, then SetEnv's NAME=VALUE pairs. */
function remoteEnv(settings: Settings, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  const words = (key: string) => settings.all(key).flatMap((s) => s.value.split(/\s+/).filter(Boolean).map((w) => ({ w: unquote(w), s })));
  for (const { w } of words('SendEnv')) {
    for (const [name, value] of Object.entries(env)) if (value !== undefined && !w.startsWith('-') && globMatch(w, name)) out[name] = value;
  }
  // SetEnv: the first value obtained for each name wins (OpenSSH 8.7 on), over SendEnv's.
  const set = new Set<string>();
  for (const { w, s } of words('SetEnv')) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw usageError('bad-option', `${s.from}: SetEnv wants NAME=VALUE, not "${w}"`);
    const name = w.slice(0, eq);
    if (set.has(name)) continue;
    set.add(name);
    out[name] = w.slice(eq + 1);
  }
  return out;
}

/** What the settings make of eic ssh's options (the command line's own values included). */
export interface Resolved {
  opts: SshCliOptions;
  /** HostName, if a block named one (`%h` stands for the host typed). */
  hostName?: string;
  user?: string;
  /** Algorithm specs in OpenSSH's syntax (checked against ssh2 later, still before any AWS call). */
  algorithms: { cipher?: string; hmac?: string; kex?: string; serverHostKey?: string };
  env: Record<string, string>;
  /** IdentityFile lines passed over for a missing file (OpenSSH's "no such identity"). */
  notes: string[];
}

/**
 * -i as typed, else the first IdentityFile of -o or the file that exists (OpenSSH passes over
 * the missing ones too). One from the config is pushed as well: written for plain ssh, it may
 * not be authorized on the instance, and a push makes it work either way.
 */
function identityFile(settings: Settings, expand: (s: Setting) => string): { path?: string; push: boolean; missing: string[] } {
  const missing: string[] = [];
  for (const s of settings.all('IdentityFile')) {
    const path = expand(s);
    if (s.from === 'command line') return { path, push: false, missing };
    if (existsSync(path)) return { path, push: true, missing };
    missing.push(`${s.from}: no such identity: ${path}`);
  }
  return { push: false, missing };
}

export function applySettings(settings: Settings, opts: SshCliOptions, host: string | undefined, env: NodeJS.ProcessEnv): Resolved {
  const typed = host ?? '';
  const hostNameSetting = settings.first('HostName');
  const hostName = hostNameSetting && expandTokens(hostNameSetting, hostNameTokens(typed));
  const port = endpointPort(settings.first('Port')) ?? opts.port;
  const user = settings.first('User')?.value;
  const tokens = connectionTokens({
    typed, host: hostName || typed, port, user: user ?? opts.osUser, hostKeyAlias: settings.first('HostKeyAlias')?.value, env,
  });
  const expandPath = (s: Setting) => expandTokens(s, tokens, env);
  const identity = identityFile(settings, expandPath);
  const knownHosts = settings.first('UserKnownHostsFile');
  const keepalive = whole(settings.first('ServerAliveInterval'), 0, 86400);
  const connectTimeout = whole(settings.first('ConnectTimeout'), 1, 86400);
  const level = logLevel(settings.first('LogLevel'));
  return {
    opts: {
      ...opts,
      ...level,
      ...requestTty(settings.first('RequestTTY')),
      port,
      identity: identity.path,
      push: opts.push || identity.push,
      identitiesOnly: yesNo(settings.first('IdentitiesOnly')),
      forwardAgent: yesNo(settings.first('ForwardAgent')),
      local: settings.all('LocalForward').map(forwardSpec),
      remote: settings.all('RemoteForward').map(forwardSpec),
      dynamic: settings.all('DynamicForward').map((s) => s.value.trim()),
      compression: yesNo(settings.first('Compression')),
      // eic's own --known-hosts is a plain path; OpenSSH's key takes tokens, in each of its files.
      knownHosts: knownHosts && (knownHosts.from === '--known-hosts' ? knownHosts.value
        : knownHosts.value.split(/\s+/).map((value) => expandPath({ ...knownHosts, value }))[0]),
      strictHostKeyChecking: strictMode(settings.first('StrictHostKeyChecking'), opts.strictHostKeyChecking),
      keepalive: keepalive ?? opts.keepalive,
      keepaliveCountMax: whole(settings.first('ServerAliveCountMax'), 1, 1000),
      connectTimeout,
    },
    hostName: hostName || undefined,
    user,
    algorithms: {
      cipher: settings.first('Ciphers')?.value, hmac: settings.first('MACs')?.value,
      kex: settings.first('KexAlgorithms')?.value, serverHostKey: settings.first('HostKeyAlgorithms')?.value,
    },
    env: remoteEnv(settings, env),
    notes: identity.missing,
  };
}
