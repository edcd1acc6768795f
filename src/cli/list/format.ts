/**
 * How `eic list` shows its rows: an aligned table for people (colour only on a terminal and
 * without NO_COLOR), tab-separated lines for pipes (no header: `cut -f2` gives the ids), JSON
 * for scripts. Pure: the command decides which one from the terminal and the flags.
 */
import type { VpcEndpoint } from '../../aws/endpoints-by-vpc.js';
import type { InstanceInfo } from '../../aws/instances.js';
import { safeJson, safeText } from '../../safe-text.js';

export interface ListRow { instance: InstanceInfo; endpoint?: VpcEndpoint }

export const COLUMNS = ['NAME', 'INSTANCE', 'STATE', 'PRIVATE IP', 'AZ', 'VPC', 'ENDPOINT'] as const;

/** The endpoint column: its id, its state when it cannot tunnel, or why there is none. */
export function endpointLabel(row: ListRow): string {
  const { endpoint: e, instance: i } = row;
  if (e) return e.usable ? e.id : `${e.id} (${e.state})`;
  return i.vpcId ? `no endpoint in ${i.vpcId}` : 'not in a VPC';
}

/** The columns' text, escaped: a tab, newline or ESC sequence in a Name or state would break the columns or drive the terminal. */
function fields(row: ListRow): string[] {
  const i = row.instance;
  return [i.name ?? '', i.id, i.state, i.privateIp ?? '', i.availabilityZone ?? '', i.vpcId ?? '', endpointLabel(row)].map(safeText);
}

export function renderTsv(rows: ListRow[]): string {
  return rows.map((r) => fields(r).join('\t') + '\n').join('');
}

const SGR = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m' };

function stateColor(state: string): string {
  if (state === 'running') return SGR.green;
  if (state === 'stopped' || state === 'terminated' || state === 'shutting-down') return SGR.red;
  return SGR.yellow;
}

export function renderTable(rows: ListRow[], opts: { color: boolean }): string {
  const cells = rows.map((r) => fields(r).map((f) => f || '-'));
  const widths = COLUMNS.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const paint = (text: string, code: string) => (opts.color && code ? `${code}${text}${SGR.reset}` : text);
  // Pad before colouring so escape codes do not count towards the width; no trailing blanks.
  const line = (row: string[], codes: string[]) =>
    row.map((f, c) => paint(c === row.length - 1 ? f : f.padEnd(widths[c]), codes[c] ?? '')).join('  ').trimEnd() + '\n';
  const header = line([...COLUMNS], COLUMNS.map(() => SGR.bold));
  return header + cells.map((row, n) => {
    const served = rows[n].endpoint?.usable === true;
    return line(row, ['', '', stateColor(rows[n].instance.state), '', '', '', served ? '' : SGR.dim]);
  }).join('');
}

export function renderJson(rows: ListRow[]): string {
  const out = rows.map(({ instance: i, endpoint: e }) => ({
    id: i.id,
    name: i.name ?? null,
    state: i.state,
    privateIp: i.privateIp ?? null,
    ipv6: i.ipv6 ?? null,
    availabilityZone: i.availabilityZone ?? null,
    vpcId: i.vpcId ?? null,
    subnetId: i.subnetId ?? null,
    privateDnsName: i.privateDnsName ?? null,
    instanceType: i.instanceType ?? null,
    tags: i.tags,
    endpoint: e ? { id: e.id, state: e.state, subnetId: e.subnetId, usable: e.usable } : null,
  }));
  return safeJson(JSON.stringify(out, null, 2)) + '\n';
}

/** Colour only for a terminal that wants it (https://no-color.org: any non-empty NO_COLOR). */
export function useColor(stdout: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stdout.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}
