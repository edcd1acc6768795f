/**
 * The EC2 Query API's request conventions: numbered lists (`InstanceId.1`, `Filter.1.Value.2`),
 * filters with EC2's wildcards, and opaque NextTokens. An Ec2Error carries the EC2 error code
 * and HTTP status that the XML error answer needs.
 */
import { createHash } from 'node:crypto';

export class Ec2Error extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
    this.name = 'Ec2Error';
  }
}

export type Params = Map<string, string>;

/** The values of `Prefix.1`, `Prefix.2`, … in index order (EC2 sorts by index, not arrival). */
export function numberedList(params: Params, prefix: string): string[] {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  const found: Array<[number, string]> = [];
  for (const [k, v] of params) {
    const m = re.exec(k);
    if (m) found.push([Number(m[1]), v]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

export interface Filter { name: string; values: string[] }

/** EC2's limit on filter values per call, all filters together. */
export const MAX_FILTER_VALUES = 200;

export function parseFilters(params: Params): Filter[] {
  const indexes = new Set<number>();
  for (const k of params.keys()) {
    const m = /^Filter\.(\d+)\./.exec(k);
    if (m) indexes.add(Number(m[1]));
  }
  const filters = [...indexes].sort((a, b) => a - b).map((i) => {
    const name = params.get(`Filter.${i}.Name`);
    if (!name) throw new Ec2Error('InvalidParameterValue', `The filter Filter.${i} has no Name`);
    const values = numberedList(params, `Filter.${i}.Value`);
    if (values.length === 0) throw new Ec2Error('InvalidParameterValue', `The filter '${name}' requires at least one value`);
    return { name, values };
  });
  const count = filters.reduce((n, f) => n + f.values.length, 0);
  if (count > MAX_FILTER_VALUES) {
    throw new Ec2Error('FilterLimitExceeded', `The maximum number of filter values specified on a single call is ${MAX_FILTER_VALUES}`);
  }
  return filters;
}

/**
 * EC2's filter wildcards: `*` is any run of characters, `?` exactly one, and a backslash
 * escapes either (or itself). Matching is case-sensitive and whole-value.
 */
export function wildcardRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The values an object offers under one filter name; undefined = the filter name is unknown. */
export type FilterFields<T> = (item: T, filterName: string) => Array<string | undefined> | undefined;

/** Keep the items matching every filter (values of one filter are OR-ed, filters AND-ed). */
export function applyFilters<T>(items: T[], filters: Filter[], fields: FilterFields<T>, known: (name: string) => boolean): T[] {
  for (const f of filters) {
    if (!known(f.name)) throw new Ec2Error('InvalidParameterValue', `The filter '${f.name}' is invalid`);
  }
  const compiled = filters.map((f) => ({ name: f.name, res: f.values.map(wildcardRegExp) }));
  return items.filter((item) => compiled.every(({ name, res }) => {
    const have = (fields(item, name) ?? []).filter((v): v is string => v !== undefined);
    return have.some((v) => res.some((re) => re.test(v)));
  }));
}

/** Tag filters shared by every Describe call: `tag:<key>`, `tag-key`, `tag-value`. */
export function tagFilterValues(tags: Record<string, string>, filterName: string): string[] | undefined {
  if (filterName.startsWith('tag:')) {
    const key = filterName.slice(4);
    return key in tags ? [tags[key]] : [];
  }
  if (filterName === 'tag-key') return Object.keys(tags);
  if (filterName === 'tag-value') return Object.values(tags);
  return undefined;
}

/**
 * MaxResults within [min, max], as EC2 checks it. Undefined when absent (EC2 then answers
 * everything in one page).
 */
export function maxResults(params: Params, min: number, max: number): number | undefined {
  const raw = params.get('MaxResults');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new Ec2Error('InvalidParameterValue',
      `Value ( ${raw} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`);
  }
  return n;
}

/**
 * A NextToken names the offset of the next page and is bound to the query that produced it
 * (action, ids and filters), so a token replayed with another query is refused like EC2 does.
 */
export function queryFingerprint(action: string, params: Params): string {
  const parts = [...params].filter(([k]) => k !== 'NextToken' && k !== 'MaxResults' && k !== 'Version'
    && !k.startsWith('X-Amz-')).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify([action, parts])).digest('hex').slice(0, 16);
}

export function encodeNextToken(fingerprint: string, offset: number): string {
  return Buffer.from(JSON.stringify({ q: fingerprint, o: offset })).toString('base64url');
}

export function decodeNextToken(token: string | undefined, fingerprint: string): number {
  if (token === undefined || token === '') return 0;
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { q?: unknown; o?: unknown };
    if (t.q === fingerprint && Number.isInteger(t.o) && (t.o as number) >= 0) return t.o as number;
  } catch {
    // fall through to the error below
  }
  throw new Ec2Error('InvalidParameterValue', `Invalid value '${token}' for nextToken`);
}

/** One page of `items` from `offset`, and the token of the next page when there is one. */
export function page<T>(items: T[], offset: number, max: number | undefined, fingerprint: string): { items: T[]; nextToken?: string } {
  if (max === undefined) return { items: items.slice(offset) };
  const end = offset + max;
  return { items: items.slice(offset, end), nextToken: end < items.length ? encodeNextToken(fingerprint, end) : undefined };
}
